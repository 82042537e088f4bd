"""The body's midline (patient x, LPS mm), from the anatomy that is in the image.

The spine and the sternum lie on the midline, and they are the bone that stays in the same
place slice after slice (ribs run obliquely through the slices; a scapula or an arm lies on
one side).  So the midline is the weighted median x of the columns that hold bone in at least
half of the slices.  On most whole chests the spine curves front to back along the scan,
so no column holds it in half the slices: then the body's centre is the midline, if the body
lies whole inside the field (its outline touches the field's edge nowhere, or hardly: a cut
body's centre lies toward what is left of it).  A body the field of view cuts: the median x
of each slice's vertebra (its largest piece of bone, holes filled, vertebra-sized: ribs,
scapulae and the sternum are smaller), where one is in at least half of the slices.
Otherwise the sides cannot be told from the image, and the caller must say so.
"""
from __future__ import annotations

import numpy as np

BONE_HU = 200               # cortical bone and most marrow
PERSISTENT = 0.5            # bone in at least this share of the slices: the spine, the sternum
MIN_SPINE_MM2 = 150.0       # less than this much persistent bone: no spine in the field
VERTEBRA_MM2 = 500.0        # a vertebra's section (body and arch) is larger than this
WHOLE_BODY_EDGE = 0.1       # a body whole in the field: at most this share of its outline
                            # on the field's edge (a table, an elbow; a cut body: 0.2-0.4)
ELONGATED = 1.2             # a body section this many times wider than deep has an axis
                            # to read its turn from (chests: 1.3-1.7)


def find_midline(small: np.ndarray, body: np.ndarray, x_mm: np.ndarray, spacing,
                 field_edge: np.ndarray) -> tuple[float, str]:
    """(patient x of the midline, how it was found: "spine", "body" or "unknown").

    ``small``: HU on the coarse grid; ``body``: the body there; ``x_mm``: patient x of every
    voxel; ``field_edge``: (y, x) pixels at the edge of the field (the array's border and the
    rim of the columns outside the reconstruction circle).
    """
    slices = body.any(axis=(1, 2))
    if not slices.any():
        return 0.0, "unknown"
    bone = (small[slices] > BONE_HU) & body[slices]
    share = bone.mean(axis=0)
    columns = share >= PERSISTENT
    if np.count_nonzero(columns) * spacing[1] * spacing[2] >= MIN_SPINE_MM2:
        xs = x_mm[slices].mean(axis=0)[columns]       # a column's x (one per column)
        return _weighted_median(xs, share[columns]), "spine"
    centre = _body_centre(x_mm, body)
    if _outline_on_edge(body, field_edge) <= WHOLE_BODY_EDGE:
        return centre, "body"
    vertebrae = _vertebra_x(small, body, x_mm, spacing)
    if vertebrae.size >= PERSISTENT * np.count_nonzero(slices):
        return float(np.median(vertebrae)), "spine"
    return centre, "unknown"


def body_turn(body: np.ndarray, x_mm: np.ndarray, y_mm: np.ndarray,
              field_edge: np.ndarray) -> tuple[float, float]:
    """(angle in radians, patient y of the body's centre): how far the patient lies turned
    about the long axis, from the body's section — wider than deep, so its long axis runs
    from side to side, turned with the patient (a patient lying a little on one side, a
    rotated pelvis or chest).  0 when that cannot be read: a body the field cuts, or one
    hardly wider than deep.

    The midline is then a line at this angle through (midline x, centre y), not the line
    x = midline: mirroring one lung across x = midline on a patient turned by 10° compares
    its floor with the other lung's floor 25 mm off in front or behind.
    """
    if not body.any() or _outline_on_edge(body, field_edge) > WHOLE_BODY_EDGE:
        return 0.0, 0.0
    # Every second voxel along each axis: the moments of a few hundred thousand voxels
    # give the axis to a fraction of a degree, without copies of the whole grid.
    every = (slice(None, None, 2),) * 3
    sample = body[every]
    xs = np.broadcast_to(x_mm, body.shape)[every][sample].astype(np.float64)
    ys = np.broadcast_to(y_mm, body.shape)[every][sample].astype(np.float64)
    cy = float(ys.mean())
    spread, axes = np.linalg.eigh(np.cov(np.stack([xs - xs.mean(), ys - cy])))
    if spread[1] < ELONGATED ** 2 * spread[0]:
        return 0.0, cy
    ux, uy = axes[:, 1]                                # the side-to-side axis
    angle = float(np.arctan2(uy, ux))
    # The axis has no direction: the angle nearest 0 (a turn of at most 90°).
    angle = (angle + np.pi / 2) % np.pi - np.pi / 2
    return angle, cy


def _vertebra_x(small, body, x_mm, spacing) -> np.ndarray:
    """Patient x of each slice's vertebra: its largest piece of bone (a pixel's gaps closed,
    the marrow's holes filled), where that is at least VERTEBRA_MM2."""
    from scipy import ndimage

    fewest = VERTEBRA_MM2 / (spacing[1] * spacing[2])
    x3 = np.broadcast_to(x_mm, small.shape)
    out = []
    for k in np.flatnonzero(body.any(axis=(1, 2))):
        bone = ndimage.binary_closing((small[k] > BONE_HU) & body[k])
        parts, n = ndimage.label(ndimage.binary_fill_holes(bone))
        if n == 0:
            continue
        sizes = np.bincount(parts.ravel())
        sizes[0] = 0
        largest = int(np.argmax(sizes))
        if sizes[largest] >= fewest:
            out.append(float(x3[k][parts == largest].mean()))
    return np.asarray(out)


def _outline_on_edge(body, field_edge) -> float:
    """The share of the body's outline (its pixels beside a pixel not body, in each slice)
    that lies on the field's edge.  An outline, not an area: the share of a body's area on
    its edge shrinks with the body's size, so a large cut body passed as whole."""
    b = np.pad(body, ((0, 0), (1, 1), (1, 1)))        # beyond the array: not body
    inner = b[:, 1:-1, 1:-1] & b[:, :-2, 1:-1] & b[:, 2:, 1:-1] & b[:, 1:-1, :-2] & b[:, 1:-1, 2:]
    outline = body & ~inner
    return np.count_nonzero(outline[:, field_edge]) / max(np.count_nonzero(outline), 1)


def _body_centre(x_mm, body) -> float:
    """The median over slices of each slice's centre (arms, head or a table at one side move a
    whole-volume mean, not this)."""
    counts = body.sum(axis=(1, 2))
    sums = np.where(body, x_mm, 0).sum(axis=(1, 2), dtype=np.float64)
    keep = counts > 0.25 * counts.max()
    return float(np.median(sums[keep] / counts[keep]))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])
