"""Air in the pleural space (a pneumothorax) is not lung.

A collapsing lung draws away from the chest wall, and the air between (the pleural space)
is as pure as the air outside: no vessels, no parenchyma, nothing denser than noise.  The
watershed takes it in with the lung it touches.  What tells it from lung that is air too (a
bulla, emphysema, a bronchus's lumen): it is one layer along the lung's outline, thin for
its extent (a crescent, a cap), where a bulla is round and emphysema and the bronchi run
deep into the lung.

Clear air: voxels of the lung whose ``BOX_MM`` neighbourhood is below ``CLEAR_HU`` on
average (the walls of bullae and the visceral pleura are thinner and denser), or below what
the air around the patient reads (:func:`clear_level`: a noisy scan's pure air reads
higher).  A piece of it of at least ``MIN_ML`` whose thickest point is at most ``THIN`` of
its extent, with nearly all of it (``SHELL``) within that thickness of the lung's outline
and its border against the chest wall (``FACE``), is pleural air;
with it go the air and partial volume (below ``EDGE_HU``) in its neighbourhood, and the
gas joined to it near the outline (where the layer is thinner than the neighbourhood).

Pleural air the lung's own air never joins (a deep pneumothorax behind its visceral pleura)
is a component of its own, mostly gas, and never chosen as lung: :func:`air_beside` finds
it beside the lung it came from, so that the steps looking for airless lung count its room
as the lung's (the tissue beyond it is the chest wall or the organ under the dome), and it
is said.
No Qt, no VTK.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.editing.region import offset, relative
from ctvis.core.image.body import AIR_HU as AIR_EDGE_HU
from ctvis.core.image.body import GAS_HU, grown_box, index_box, margin_voxels, upsample
from ctvis.core.image.boxfilter import box_min
from ctvis.core.image.distance import distance_mm
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use
from ctvis.core.lungs.split import MOSTLY_GAS

CLEAR_HU = -990             # as pure as the air around a patient, purer than emphysema's
                            # holes among lung
BOX_MM = 3.0                # ... over this neighbourhood
AIR_HU = -1000              # air, by the scale's definition.  A scan whose air around the
                            # patient reads higher (noise clipped at the scale's floor of -1024
                            # HU lifts pure air's mean: by 14 HU at an SD of 60 HU) reads its
                            # pure air as lifted inside too: CLEAR_HU is lifted as much
MOST_CLEAR_HU = -960        # ... but stays purer than emphysema (-950)
DENSE_HU = -500             # outside the body: the table, a blanket, a tube
MIN_AROUND = 1000           # fewer voxels of air around the patient tell nothing (a crop)
EDGE_HU = -900              # its edges: air and the partial volume of the wall beside it
MIN_ML = 20.0               # smaller air at the pleura: a bulla's, a bleb's
THIN = 0.2                  # a layer: its thickest point's half-thickness over its extent
                            # (a pneumothorax 45 mm deep in front of a lung: 0.16; a bulla's
                            # half ball against the wall 0.24, a round bulla 0.5)
SHELL = 0.95                # and this share of it near the lung's outline
FACE = 0.4                  # and against the chest wall: this share of what borders it (and
                            # its edges) lies within WALL_MM of what is not lung.  Layers
                            # measured 0.54-0.66 (noise of SD 100 HU to none, 5 mm slices);
                            # emphysema's holes, joined along the outline of a thick-sliced
                            # lung into pieces as thin, 0.13-0.28
WALL_MM = 2.0               # ... through the partial volume of a thick slice's wall
CONTACT = 0.1               # air beside a lung: this share of its outline, slice by slice,
                            # within WALL_MM of the lung's air (a visceral pleura between):
                            # a pneumothorax 50 mm deep along a lung's side 0.24; the gas of
                            # the bowel under a dome lies beyond the diaphragm and the
                            # bowel's wall, 5 mm and more


def clear_level(hu: np.ndarray, spacing, around: dict) -> float:
    """The level below which a neighbourhood reads as pure air: ``CLEAR_HU``, lifted by as
    much as the air around the patient reads above ``AIR_HU`` (the median of its
    neighbourhoods; at most to ``MOST_CLEAR_HU``).  ``around``: {slice index: (y, x) mask
    of what lies outside the body and within the field in that slice}; the air is what of
    it lies a neighbourhood away from anything denser than ``DENSE_HU``."""
    size = _box_size(spacing)
    means = []
    for k, free in around.items():
        # In-plane: the mean's lift is the same, at a fifth of the 3-D box's cost.
        mean = ndimage.uniform_filter(hu[k].astype(np.float32), size[1:])
        air = box_min(free & (hu[k] < DENSE_HU), (size[1] + 2, size[2] + 2))
        means.append(mean[air])
    means = np.concatenate(means) if means else np.zeros(0, np.float32)
    if means.size < MIN_AROUND:
        return float(CLEAR_HU)
    lift = float(np.median(means)) - AIR_HU
    return float(np.clip(CLEAR_HU + lift, CLEAR_HU, MOST_CLEAR_HU))


def _box_size(spacing) -> tuple:
    return tuple(max(1, 2 * int(round(BOX_MM / 2 / s)) + 1) for s in spacing)


def pleural_air(labels: np.ndarray, hu: np.ndarray, spacing, sides=(1, 2),
                within: tuple | None = None, clear_hu=CLEAR_HU) -> dict:
    """{side: (box, mask)}: the pleural air found inside each lung of ``labels``.
    ``within``: a box (a slice per axis) that holds every lung voxel; ``clear_hu``: the
    level of pure air's neighbourhoods (:func:`clear_level`), or a function that gives it
    (called only for a lung with gas enough to look at: most chests have none)."""
    spacing = np.asarray(spacing, float)
    within = within or tuple(slice(0, n) for n in labels.shape)
    voxel_ml = float(np.prod(spacing)) / 1000.0
    out = {}
    for side in sides:
        # Per side by projections: find_objects over the crop cost 50-150 ms for both.
        box = index_box(labels[within] == side)
        if box is None:
            continue
        lung_box = offset(box, within)
        lung_box = grown_box(lung_box, 1, labels.shape)     # its faces are not lung
        lung = labels[lung_box] == side
        lung_hu = hu[lung_box]
        gas = lung & (lung_hu < GAS_HU)
        if np.count_nonzero(gas) * voxel_ml < MIN_ML:      # most chests: nothing to look at
            continue
        size = _box_size(spacing)
        # The neighbourhood's mean: noise (a low-dose scan's SD of 60 HU and more) spreads
        # pure air's voxels about the level, not its mean.
        mean = ndimage.uniform_filter(lung_hu.astype(np.float32), size)
        clear = lung & (mean < (clear_hu() if callable(clear_hu) else clear_hu))
        parts, _ = ndimage.label(clear)
        found, reach = np.zeros_like(lung), 0.0
        for number, box in enumerate(ndimage.find_objects(parts), start=1):
            if box is None:
                continue
            piece_reach = _layer_reach(parts, number, box, lung, lung_hu, spacing, voxel_ml)
            if piece_reach:
                found[box] |= parts[box] == number
                reach = max(reach, piece_reach)
        if found.any():
            # Back out to the layer's edges, which the neighbourhood's mean left out: the
            # air, and its partial volume, within that neighbourhood of it.
            edges = _edges(found, lung, lung_hu, size)
            # The layer's thin parts, where no neighbourhood was clear: the gas joined to
            # it within its reach of the lung's outline.
            shell = gas & (distance_mm(lung, spacing) <= reach)
            joined, _ = ndimage.label(found | shell)
            thin = np.isin(joined, np.unique(joined[found]))
            out[side] = (lung_box, found | edges | thin)
    return out


def _edges(found, lung, hu, size) -> np.ndarray:
    return ndimage.maximum_filter(found, size) & lung & (hu < EDGE_HU)


def _layer_reach(parts, number, box, lung, hu, spacing, voxel_ml) -> float:
    """The piece's reach from the lung's outline (mm) if it is a layer along it, against
    the chest wall, else 0."""
    piece = parts[box] == number
    if np.count_nonzero(piece) * voxel_ml < MIN_ML:
        return 0.0
    extent = float(max((b.stop - b.start) * s for b, s in zip(box, spacing)))
    # Its thickness whole: noise leaves specks in a layer that are not clear, and at an SD
    # of 100 HU they run through it (a layer 20 mm deep measured 4-5 mm half-thick with
    # them, 11-13 closed and filled, 15 without noise; the share near the outline below was
    # judged within the wrong reach).
    whole = ndimage.binary_fill_holes(ndimage.binary_closing(np.pad(piece, 2)))
    half = float(distance_mm(whole, spacing).max())
    if half > THIN * extent:
        return 0.0
    if _against_wall(piece, box, lung, hu, spacing) < FACE:
        return 0.0
    # Along the lung's outline: within its own thickness (and the neighbourhood's margin)
    # of what is not lung, all of it but noise.
    reach = 2 * half + BOX_MM + float(np.linalg.norm(spacing))
    near = grown_box(box, margin_voxels(reach, spacing), lung.shape)
    to_outside = distance_mm(lung[near], spacing)
    inner = relative(box, near)
    close = np.count_nonzero(piece & (to_outside[inner] <= reach))
    return reach if close >= SHELL * np.count_nonzero(piece) else 0.0


def _against_wall(piece, box, lung, hu, spacing) -> float:
    """The share of the voxels bordering the piece and its edges that lie within
    ``WALL_MM`` of what is not lung: the pleural space's air lies between the lung and the
    chest wall, emphysema's holes among parenchyma."""
    size = _box_size(spacing)
    near = grown_box(box, [k + 1 + m for k, m in zip(size, margin_voxels(WALL_MM, spacing))],
                     lung.shape)
    lung = lung[near]
    found = np.zeros(lung.shape, bool)
    found[relative(box, near)] = piece
    # Noise leaves specks inside a layer that neither it nor its edges hold: they are no
    # border.
    air = ndimage.binary_fill_holes(found | _edges(found, lung, hu[near], size))
    border = ndimage.binary_dilation(air) & ~air
    at_wall = border & (distance_mm(lung, spacing) <= WALL_MM)
    return np.count_nonzero(at_wall) / max(np.count_nonzero(border), 1)


def air_beside(components: np.ndarray, count: int, chosen, sides: np.ndarray,
               small: np.ndarray, full: np.ndarray, f: int, spacing,
               boxes=None) -> np.ndarray | None:
    """Coarse labels (1, 2): the air components beside each lung, or None if there are none.

    ``components`` (``count`` of them) label the air on the coarse grid (``small``, every
    ``f``-th pixel of ``full``, whose spacing is ``spacing``); ``chosen`` are the lung's,
    ``sides`` their labels; ``boxes``: the components' ``find_objects``, if made.  A
    component not chosen, of at least ``MIN_ML`` and mostly gas
    (``MOSTLY_GAS``: it was not taken for lung for that), is pleural air when at least
    ``CONTACT`` of its outline lies within ``WALL_MM`` of a lung's air — measured in-plane
    at full resolution, where a pleura is a pixel or two and the diaphragm with the bowel's
    wall many; across thick slices the two would be a slice apart either way."""
    sizes = np.bincount(components.ravel(), minlength=count + 1)
    coarse_ml = float(spacing[0] * spacing[1] * spacing[2]) * f * f / 1000.0
    large = [c for c in np.flatnonzero(sizes * coarse_ml >= MIN_ML) if c and c not in chosen]
    if not large or not sides.any():                    # nearly every chest: the lungs only
        return None
    out = None
    boxes = ndimage.find_objects(components) if boxes is None else boxes
    for c in large:
        piece = components[boxes[c - 1]] == c
        if np.count_nonzero(small[boxes[c - 1]][piece] < GAS_HU) < MOSTLY_GAS * sizes[c]:
            continue
        box = grown_box(boxes[c - 1], (0, 2, 2), components.shape)
        piece = components[box] == c
        side = _beside_side(piece, sides[box], full, box, f, spacing)
        if side:
            out = np.zeros_like(sides) if out is None else out
            out[box][piece] = side
    return out


def _beside_side(piece, sides, full, box, f, spacing) -> int:
    """The lung (1, 2) whose air ``piece`` lies beside (see :func:`air_beside`), or 0."""
    rows = slice(box[1].start * f, min(box[1].stop * f, full.shape[1]))
    cols = slice(box[2].start * f, min(box[2].stop * f, full.shape[2]))
    hu = full[box[0], rows, cols]
    air = hu < AIR_EDGE_HU                        # air, with its edges' partial volume
    in_plane = np.zeros((1, 3, 3), bool)
    in_plane[0] = True
    lung_blocks = upsample(sides > 0, f, hu.shape)
    gas = air & ~lung_blocks & upsample(ndimage.binary_dilation(piece, in_plane), f, hu.shape)
    edge = gas & ~ndimage.binary_erosion(gas, in_plane, border_value=1)
    if not edge.any():
        return 0
    lung_air = air & lung_blocks
    touching = sum(np.count_nonzero(e & (distance_mm(~a, spacing[1:]) <= WALL_MM))
                   for e, a in zip(edge, lung_air) if e.any() and a.any())
    if touching < CONTACT * np.count_nonzero(edge):
        return 0
    # Its lung: the one most of what lies across the pleura from it is.
    shell = ndimage.binary_dilation(piece, np.ones((3, 3, 3), bool), iterations=2) & ~piece
    votes = np.bincount(sides[shell].ravel(), minlength=3)[1:3]
    return int(np.argmax(votes)) + 1 if votes.any() else 0


def remove_pleural_air(labels: np.ndarray, hu: np.ndarray, spacing,
                       within: tuple | None = None, clear_hu=CLEAR_HU) -> dict[int, float]:
    """Take the pleural air out of each lung of ``labels`` (in place); the mL per side."""
    voxel_ml = float(np.prod(spacing)) / 1000.0
    removed = {}
    for side, (box, mask) in pleural_air(labels, hu, spacing, within=within,
                                         clear_hu=clear_hu).items():
        labels[box][mask] = 0
        removed[side] = float(np.count_nonzero(mask)) * voxel_ml
    return removed


__all__ = ["air_beside", "clear_level", "pleural_air", "remove_pleural_air"]
