"""Air in the pleural space (a pneumothorax) is not lung.

A collapsing lung draws away from the chest wall, and the air between (the pleural space)
is as pure as the air outside: no vessels, no parenchyma, nothing denser than noise.  The
watershed takes it in with the lung it touches.  What tells it from lung that is air too (a
bulla, emphysema, a bronchus's lumen): it is one layer along the lung's outline, thin for
its extent (a crescent, a cap), where a bulla is round and emphysema and the bronchi run
deep into the lung.

Clear air: voxels of the lung whose ``BOX_MM`` neighbourhood is below ``CLEAR_HU`` on
average (the walls of bullae and the visceral pleura are thinner and denser).  A piece
of it of at least ``MIN_ML`` whose thickest point is at most ``THIN`` of its extent, with
nearly all of it (``SHELL``) within that thickness of the lung's outline, is pleural air;
with it go the air and partial volume (below ``EDGE_HU``) in its neighbourhood, and the
gas joined to it near the outline (where the layer is thinner than the neighbourhood).
No Qt, no VTK.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.editing.region import offset, relative
from ctvis.core.image.body import GAS_HU, grown_box, margin_voxels
from ctvis.core.image.distance import distance_mm
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

CLEAR_HU = -990             # as pure as the air around a patient (a noisy scan's too,
                            # on average), purer than emphysema's holes among lung
BOX_MM = 3.0                # ... over this neighbourhood
EDGE_HU = -900              # its edges: air and the partial volume of the wall beside it
MIN_ML = 20.0               # smaller air at the pleura: a bulla's, a bleb's
THIN = 0.15                 # a layer: its thickest point's half-thickness over its extent
SHELL = 0.95                # and this share of it near the lung's outline


def pleural_air(labels: np.ndarray, hu: np.ndarray, spacing, sides=(1, 2),
                within: tuple | None = None) -> dict:
    """{side: (box, mask)}: the pleural air found inside each lung of ``labels``.
    ``within``: a box (a slice per axis) that holds every lung voxel."""
    spacing = np.asarray(spacing, float)
    within = within or tuple(slice(0, n) for n in labels.shape)
    boxes = ndimage.find_objects(labels[within])         # one pass for both lungs
    voxel_ml = float(np.prod(spacing)) / 1000.0
    out = {}
    for side in sides:
        if side > len(boxes) or boxes[side - 1] is None:
            continue
        lung_box = offset(boxes[side - 1], within)
        lung_box = grown_box(lung_box, 1, labels.shape)     # its faces are not lung
        lung = labels[lung_box] == side
        gas = lung & (hu[lung_box] < GAS_HU)
        if np.count_nonzero(gas) * voxel_ml < MIN_ML:      # most chests: nothing to look at
            continue
        size = tuple(max(1, 2 * int(round(BOX_MM / 2 / s)) + 1) for s in spacing)
        # The neighbourhood's mean: noise (a low-dose scan's SD of 60 HU and more) spreads
        # pure air's voxels about CLEAR_HU, not its mean.
        mean = ndimage.uniform_filter(hu[lung_box].astype(np.float32), size)
        clear = lung & (mean < CLEAR_HU)
        parts, _ = ndimage.label(clear)
        found, reach = np.zeros_like(lung), 0.0
        for number, box in enumerate(ndimage.find_objects(parts), start=1):
            if box is None:
                continue
            piece_reach = _layer_reach(parts, number, box, lung, spacing, voxel_ml)
            if piece_reach:
                found[box] |= parts[box] == number
                reach = max(reach, piece_reach)
        if found.any():
            # Back out to the layer's edges, which the neighbourhood's mean left out: the
            # air, and its partial volume, within that neighbourhood of it.
            edges = ndimage.maximum_filter(found, size) & lung & (hu[lung_box] < EDGE_HU)
            # The layer's thin parts, where no neighbourhood was clear: the gas joined to
            # it within its reach of the lung's outline.
            shell = gas & (distance_mm(lung, spacing) <= reach)
            joined, _ = ndimage.label(found | shell)
            thin = np.isin(joined, np.unique(joined[found]))
            out[side] = (lung_box, found | edges | thin)
    return out


def _layer_reach(parts, number, box, lung, spacing, voxel_ml) -> float:
    """The piece's reach from the lung's outline (mm) if it is a layer along it, else 0."""
    piece = parts[box] == number
    if np.count_nonzero(piece) * voxel_ml < MIN_ML:
        return 0.0
    extent = float(max((b.stop - b.start) * s for b, s in zip(box, spacing)))
    half = float(distance_mm(np.pad(piece, 1), spacing).max())
    if half > THIN * extent:
        return 0.0
    # Along the lung's outline: within its own thickness (and the neighbourhood's margin)
    # of what is not lung, all of it but noise.
    reach = 2 * half + BOX_MM + float(np.linalg.norm(spacing))
    near = grown_box(box, margin_voxels(reach, spacing), lung.shape)
    to_outside = distance_mm(lung[near], spacing)
    inner = relative(box, near)
    close = np.count_nonzero(piece & (to_outside[inner] <= reach))
    return reach if close >= SHELL * np.count_nonzero(piece) else 0.0


def remove_pleural_air(labels: np.ndarray, hu: np.ndarray, spacing,
                       within: tuple | None = None) -> dict[int, float]:
    """Take the pleural air out of each lung of ``labels`` (in place); the mL per side."""
    voxel_ml = float(np.prod(spacing)) / 1000.0
    removed = {}
    for side, (box, mask) in pleural_air(labels, hu, spacing, within=within).items():
        labels[box][mask] = 0
        removed[side] = float(np.count_nonzero(mask)) * voxel_ml
    return removed


__all__ = ["pleural_air", "remove_pleural_air"]
