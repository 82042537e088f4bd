"""Consolidated lung against the ribs: dependent consolidation (pneumonia, COVID-19, ARDS,
atelectasis) along the back of the lungs, and consolidation along their side walls.

A lung fills its pleural space: behind it, past a pleura and an intercostal muscle a few
millimetres thick, come the ribs.  Where a band of soft tissue thicker than that lies between
the aerated lung and the ribs behind it, the band is the lung's own consolidated part (or an
effusion, told apart by its density).  The same holds at the lung's side.  The organs that
lie between a lung and bone in a normal chest — the descending aorta, the oesophagus, the azygos vein, the crura — lie in
front of the vertebral bodies, so only the ribs count as the wall: the columns that meet the
spine first are left to the other steps.

1. the ribs as a cage: bone (``BONE_HU``) spread over ``CAGE_MM`` along the long axis, so
   that the intercostal spaces of one slice are closed by the ribs of the next;
2. per column (patient x at one height) behind the body's centre, from the lung's most
   posterior voxel back to the first bone of the cage: a gap of
   ``MIN_GAP_MM``..``MAX_GAP_MM``, meeting a rib (more than ``SPINE_MM`` from the midline),
   is a candidate, short of its last ``PLEURA_MM``; so is, per row and in front too, the gap
   from the lung's lateral edge out to the ribs where that edge is the lung's outer side
   (within ``OUTER_MM`` of the slice's outermost: at the bases the lung is a crescent round
   the liver, and a row from the crescent's medial tip runs through the liver),
   without the voxels that are clearly fluid (their 3 x 3 x 3 median below
   ``CLEAR_FLUID_HU``: an effusion under the airless lung it compresses);
3. candidate regions of at least ``MIN_ML`` denser than fluid (median ``FLUID_HU``) are lung;
4. joined to them, the gutter beside the spine: per row behind the vertebral body's middle,
   from the lung in towards the spine, a gap of ``MIN_GAP_MM``..``MEDIAL_GAP_MM``;
5. what then has lung above and below it within the envelope's ``Z_GAP_MM`` (the posterior
   recess under the consolidation, its tip aerated).

Slices not across the body (patient y not along the rows): nothing is added.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.image.body import index_box
from ctvis.core.image.boxfilter import median3_at_least
from ctvis.core.lungs.envelope import Z_GAP_MM, z_gaps

BONE_HU = 150               # ribs and spine, marrow included
CAGE_MM = 12.0              # ribs this far above or below close a slice's intercostal spaces
MIN_GAP_MM = 8.0            # thinner: the pleura, an intercostal muscle, a rib's impression
MAX_GAP_MM = 80.0           # thicker: an organ between lung and ribs (heart, liver)
SPINE_MM = 25.0             # columns meeting bone this near the midline meet the spine
MEDIAL_GAP_MM = 40.0        # from the lung in to the spine (the costovertebral gutter)
VERTEBRA_MM = 15.0          # the vertebral body's front to its middle: the aorta, the
                            # oesophagus and the azygos vein lie in front of it
MIDLINE_MM = 12.0           # the strip along the midline where the vertebral bodies are
OUTER_MM = 30.0             # a row's lung this near the slice's outermost: the lung's side
PLEURA_MM = 3.0             # the layer before the ribs stays wall
MIN_ML = 10.0               # smaller regions: partial volume, a rib's impression
FLUID_HU = 25               # effusion (water) is below; consolidation above
CLEAR_FLUID_HU = 15         # a voxel whose neighbourhood's median is below: fluid (the
                            # median's noise keeps consolidation at 35 HU above it)


def costal_consolidation(filled: np.ndarray, hu: np.ndarray, allowed: dict, body: np.ndarray,
                         x_mm: np.ndarray, y_mm: np.ndarray, midline: float,
                         spacing, behind: np.ndarray) -> np.ndarray:
    """Labels (1, 2) to add where a lung's back or side lies more than the pleura away from
    the ribs.

    ``filled``: both lungs' envelopes; ``hu``: the image on the same grid; ``allowed[side]``:
    where that lung may be; ``body``: the body; ``x_mm``, ``y_mm``: patient x and y of every
    voxel; ``midline``: patient x of the body's midline; ``spacing``: the grid's (z, y, x) mm;
    ``behind``: the body's posterior half, where all but the gap beside the ribs is looked
    for (in front the heart and the liver lie between lung and bone).
    """
    out = np.zeros_like(filled)
    step = _posterior_step(y_mm)
    if step == 0 or not filled.any():
        return out
    rows = slice(None, None, step)                  # rows run from the front to the back
    filled, hu, body, x_mm, behind = (a[:, rows] for a in (filled, hu, body, x_mm, behind))
    cage = (hu > BONE_HU) & body
    reach = int(round(CAGE_MM / spacing[0]))
    if reach > 0:
        cage = ndimage.maximum_filter1d(cage.view(np.uint8), 2 * reach + 1, axis=0) > 0
    voxel_ml = float(np.prod(spacing)) / 1000.0
    solid = None
    for side in (1, 2):
        lung = filled == side
        free = allowed[side][:, rows] & ~cage & (filled == 0)
        # Behind the lung, and (in front too) out from its side to the ribs where that side
        # is the lung's outer surface, not the tip of a crescent round an organ.
        candidate = ((_behind(lung, cage, x_mm, midline, spacing) & behind)
                     | _beside(lung, cage, x_mm, spacing, side, MAX_GAP_MM, lateral=True,
                               outer_mm=OUTER_MM)) & free
        if not _regions_of(candidate, MIN_ML / voxel_ml)[1].any():
            continue                    # too small even before the fluid is taken out
        # Fluid is not lung, voxel by voxel: an effusion under compressed, airless lung
        # lies in the same gap (the median of 3 x 3 x 3 leaves the noise and the air
        # bronchograms out of the decision).
        if solid is None:               # once for both lungs, only when there is a gap
            solid = _not_fluid(hu, (allowed[1] | allowed[2])[:, rows])
        free &= solid
        candidate &= free
        free &= behind
        added = _dense(candidate, hu, MIN_ML / voxel_ml)
        if not added.any():
            continue
        # The gutter beside the spine, behind the vertebral body's middle, from the lung in
        # towards the spine, where the consolidation behind the lung reaches it (below the
        # ribs the crura and the muscles of the back lie there).
        middle = _vertebral_middle(cage, body, x_mm, midline, spacing)
        medial = _beside_spine(lung | added, cage, x_mm, midline, spacing, middle, side)
        added |= _joined(medial & free, added)
        # What now has lung above and below it within Z_GAP_MM is lung, as the envelope
        # takes it (the posterior recess under consolidation, its tip aerated).
        z_reach = int(Z_GAP_MM / spacing[0])
        between = z_gaps(lung | added, z_reach) & ~z_gaps(lung, z_reach) & free & ~added
        added |= _dense(between, hu, 0)
        out[:, rows][added & (out[:, rows] == 0)] = side
    return out


def _regions_of(candidate: np.ndarray, min_voxels: float):
    """(labelled regions of ``candidate``, which are at least ``min_voxels``: a boolean per
    label, label 0 False)."""
    parts, n = ndimage.label(candidate)
    keep = np.bincount(parts.ravel(), minlength=n + 1) >= min_voxels
    keep[0] = False
    return parts, keep


def _dense(candidate: np.ndarray, hu: np.ndarray, min_voxels: float) -> np.ndarray:
    """The regions of ``candidate`` of at least ``min_voxels`` whose median is denser than
    fluid."""
    if not candidate.any():
        return candidate
    parts, keep = _regions_of(candidate, min_voxels)
    large = np.flatnonzero(keep)
    if large.size:                      # the density only of the few large enough
        keep[large] = np.asarray(ndimage.median(hu, parts, large)) >= FLUID_HU
    return keep[parts]


def _not_fluid(hu: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Within ``where``'s box: the voxels whose 3 x 3 x 3 median is not clearly fluid."""
    out = np.zeros(hu.shape, bool)
    box = index_box(where)
    out[box] = median3_at_least(hu[box], CLEAR_FLUID_HU)
    return out


def _joined(region: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """The parts of ``region`` connected to ``seed`` (through ``region`` or ``seed``)."""
    parts, _ = ndimage.label(region | seed)
    return region & np.isin(parts, np.unique(parts[seed]))


def _gap_after(lung: np.ndarray, wall: np.ndarray, step_mm: float, min_mm: float,
               max_mm: float, outer_mm: float | None = None) -> np.ndarray:
    """Along axis 1: the voxels after each line's last ``lung`` voxel and before its first
    ``wall`` voxel beyond it, short of the last ``PLEURA_MM``, on the lines where that gap is
    ``min_mm``..``max_mm`` long (and, with ``outer_mm``, whose last lung voxel lies within
    that of the slice's furthest)."""
    n = lung.shape[1]
    index = np.arange(n).reshape((1, n) + (1,) * (lung.ndim - 2))
    has = lung.any(axis=1)
    last = np.where(has, n - 1 - np.argmax(np.flip(lung, axis=1), axis=1), n)
    if outer_mm is not None:
        furthest = np.where(has, last, -1).max(axis=1, keepdims=True)
        has &= (furthest - last) * step_mm <= outer_mm
    after = index > np.expand_dims(last, 1)
    met = wall & after
    hits = met.any(axis=1)
    first = np.where(hits, np.argmax(met, axis=1), n)
    gap = (first - last - 1) * step_mm
    lines = has & hits & (gap >= min_mm) & (gap <= max_mm)
    stop = first - int(round(PLEURA_MM / step_mm))
    return after & (index < np.expand_dims(stop, 1)) & np.expand_dims(lines, 1)


def _behind(lung, cage, x_mm, midline, spacing) -> np.ndarray:
    """The gap between the lung's back and the ribs, in the columns that meet a rib."""
    gap = _gap_after(lung, cage, float(spacing[1]), MIN_GAP_MM, MAX_GAP_MM)
    spine = np.abs(x_mm[:, :1, :] - midline) <= SPINE_MM
    return gap & ~spine


def _beside(lung, cage, x_mm, spacing, side, max_mm, lateral: bool,
            outer_mm: float | None = None) -> np.ndarray:
    """Per row, the gap between the lung's lateral (or medial) edge and the first bone out
    (or in) from it."""
    inward = (x_mm[0, 0, -1] > x_mm[0, 0, 0]) == (side == 1)   # x grows to the patient's left
    columns = slice(None, None, -1 if inward == lateral else 1)
    gap = _gap_after(lung[:, :, columns].swapaxes(1, 2), cage[:, :, columns].swapaxes(1, 2),
                     float(spacing[2]), MIN_GAP_MM, max_mm, outer_mm)
    return gap.swapaxes(1, 2)[:, :, columns]


def _beside_spine(lung, cage, x_mm, midline, spacing, middle, side) -> np.ndarray:
    """The gap between the lung's medial edge and the spine, behind ``middle``."""
    gap = _beside(lung, cage, x_mm, spacing, side, MEDIAL_GAP_MM, lateral=False)
    row = np.arange(lung.shape[1])[None, :, None]
    return gap & (row > middle[:, None, None])


def _vertebral_middle(cage, body, x_mm, midline, spacing) -> np.ndarray:
    """Per slice, the row of the vertebral body's middle (the rows run to the back): the
    front of the bone in the midline strip behind the body's centre, ``VERTEBRA_MM`` on.
    No spine: no row (the array's last)."""
    ny = cage.shape[1]
    row = np.arange(ny)[None, :, None]
    counts = np.maximum(body.sum(axis=(1, 2)), 1)
    centre = (body * row).sum(axis=(1, 2)) / counts
    strip = cage & (np.abs(x_mm - midline) < MIDLINE_MM) & (row > centre[:, None, None])
    front = np.where(strip.any(axis=(1, 2)), np.argmax(strip.any(axis=2), axis=1), ny)
    return np.minimum(front + int(round(VERTEBRA_MM / float(spacing[1]))), ny)


def _posterior_step(y_mm: np.ndarray) -> int:
    """+1 when the rows run to the patient's back, -1 to the front, 0 when the rows do not
    run along patient y (slices not across the body)."""
    if y_mm.shape[1] < 2:
        return 0
    along_rows = float(y_mm[0, 1, 0] - y_mm[0, 0, 0])
    along_columns = float(y_mm[0, 0, 1] - y_mm[0, 0, 0]) if y_mm.shape[2] > 1 else 0.0
    along_slices = float(y_mm[1, 0, 0] - y_mm[0, 0, 0]) if y_mm.shape[0] > 1 else 0.0
    if abs(along_rows) < 2 * max(abs(along_columns), abs(along_slices)):
        return 0
    return 1 if along_rows > 0 else -1
