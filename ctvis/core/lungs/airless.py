"""Airless lung at a lung's base: a consolidated or collapsed lower lobe, found by its deficit
against the other lung.

A consolidated or collapsed posterior base has no air and often no lung below it, so neither
the air nor the envelope's z gaps find it.  What gives it away is the lung's floor: over the
airless lobe the lowest aerated lung stops high, while the other lung, mirrored across the
body's midline, goes on down to the diaphragm.  The two floors differ by a fairly even amount
everywhere else (the right dome is higher, ``offset``), so:

1. per column (y, x), the lowest lung of each side; the other side's floor mirrored across
   the body's midline (turned with the patient, :func:`ctvis.core.lungs.midline.body_turn`);
2. ``offset`` = their usual difference (a median that leaves out the columns far from it, where
   either lung has a deficit), so that a raised hemidiaphragm (the whole floor
   higher) is not a deficit;
3. columns whose floor stands more than ``DEFICIT_MM`` above the mirrored floor + offset,
   in the lower ``BASE_FRACTION`` of the lungs' height (higher up a floor is the hilum or
   the heart's top), and the columns of a slighter deficit (``SLIGHT_MM``) joined to them:
   the solid tissue between the two floors there is a candidate;
4. candidate regions of at least ``MIN_ML`` and denser than fluid are lung: a pleural
   effusion makes the same deficit at water density (``FLUID_HU``);
5. ... and reach the lung's outline: a lobe lies against the chest wall (the costal pleura),
   so an airless lower lobe's columns run out to the edge of the lung's columns, where the
   dome of the organ under a lung rises in the middle of its base, with the costophrenic
   recesses all around it (a quarter of the candidate's outline, in the columns, within
   ``OUTLINE_MM`` of the lung's: the phantom's consolidated and collapsed lobes 0.58 and
   0.53, the liver under `lidc-0001-full`'s right dome 0.06); and lie inside the ribs,
   most of it farther than ``WALL_MM`` from bone: under a lung's posterior recess, where
   the diaphragm's attachment and the chest wall lie along the ribs, the floors of the two
   lungs differ too;
6. ... unless their tissue is the organ below: where the other lung's dome lies lower than
   this one's (a liver dome rising higher than usual), the "deficit" is the liver or the
   spleen, whose density goes on unchanged below the predicted floor; an airless lobe is
   another tissue than the organ under the diaphragm (told apart by their medians).

Both bases airless (nothing to compare with) or slices not across the body (patient x and y
not both in-plane): nothing is added.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.editing.region import offset as whole_box, relative
from ctvis.core.image.body import grown_box, index_box, margin_voxels
from ctvis.core.image.distance import distance_mm
from ctvis.core.lungs.envelope import SOLID_HU      # denser: tissue, not aerated lung

DEFICIT_MM = 20.0           # a floor this much above the other's (after the offset): a deficit
SLIGHT_MM = 6.0             # ... and this much, where it joins a clear deficit
MIN_ML = 10.0               # smaller candidate regions: a rib's impression, partial volume
FLUID_HU = 25               # effusion (water) is below; consolidation and collapse above
BONE_HU = 150               # bone is never lung
BASE_FRACTION = 0.5         # the base: the lower half of the lungs' height
NEIGHBOUR_MM = 15.0         # where the mirror says nothing, look this far around
MIN_COLUMNS = 20            # columns with both floors needed for a trustworthy offset
BELOW_MM = (5.0, 30.0)      # the organ under the diaphragm: this deep below the floor
ORGAN_SE = 2.0              # medians within two standard errors (the 95 % level): one tissue
OUTLINE_MM = 6.0            # a candidate column this near the lung's outline lies on it
WALL_MM = 8.0               # the chest wall inside the ribs is thinner than this
INSIDE_SHARE = 0.5          # ... and an airless lobe lies mostly deeper
OUTLINE_SHARE = 0.25        # ... a lobe has at least this share of its outline there


def airless_bases(labels: np.ndarray, hu: np.ndarray, allowed: dict, x_mm: np.ndarray,
                  y_mm: np.ndarray, z_mm: np.ndarray, midline: float, spacing,
                  field_edge: np.ndarray | None = None, turn=(0.0, 0.0)) -> np.ndarray:
    """Labels (1, 2) to add below each lung's floor where it is airless.

    ``labels``: both lungs' envelopes on the coarse grid; ``allowed[side]``: where that lung
    may be (the body, not the airway, not the mediastinum); ``x_mm``, ``y_mm``: patient x
    and y of every voxel; ``z_mm``: patient z of every slice; ``field_edge``: the (y, x)
    pixels at the edge of the field of view — a candidate that reaches it is not added: it
    may go on beyond the field as the organ under the diaphragm, which its density alone
    does not tell; ``turn``: the patient's turn about the long axis (the midline's angle and
    anchor, :func:`_mirror_columns`).
    """
    out = np.zeros_like(labels)
    mirror = _mirror_columns(x_mm, y_mm, midline, turn)
    if mirror is None or not labels.any():
        return out
    floors = {side: _floor(labels == side, z_mm) for side in (1, 2)}
    tissue = (labels == 0) & (hu > SOLID_HU) & (hu < BONE_HU)
    column_mm = float(np.sqrt(spacing[1] * spacing[2]))
    top = base_top(labels, z_mm)
    voxel_ml = float(np.prod(spacing)) / 1000.0
    for side in (1, 2):
        own, other = floors[side], mirror(floors[3 - side])
        both = np.isfinite(own) & np.isfinite(other)
        if both.sum() < MIN_COLUMNS:
            continue
        offset = _usual_offset(own[both] - other[both])
        predicted = _informative(other + offset, own, column_mm)
        # Only at the base: a floor high in the chest is the hilum or the heart's top.
        # Hysteresis: columns with a slight deficit count where they join a clear one (the
        # airless lobe thins out towards its edges).
        base = both & (own < top)
        clear = base & (own - predicted > DEFICIT_MM)
        if not clear.any():
            continue
        slight = base & (own - predicted > SLIGHT_MM)
        # Candidates lie in the slight deficit's columns: work in their box (speed).
        cb = index_box(slight)
        z = z_mm[:, None, None]
        between = slight[cb][None] & (z < own[cb][None]) & (z >= predicted[cb][None])
        columns = (slice(None),) + cb
        candidate = (tissue[columns] & allowed[side][columns] & between
                     & (out[columns] == 0))
        if not candidate.any():
            continue
        inner = index_box(candidate)
        box = whole_box(inner, (slice(0, None),) + cb)
        candidate = candidate[inner]
        parts, n = ndimage.label(candidate)
        # Size and anchoring by counting (fast); the density only of the few left.
        ml = np.bincount(parts.ravel(), minlength=n + 1) * voxel_ml
        anchored = np.bincount(parts[candidate & clear[box[1:]][None]], minlength=n + 1) > 0
        keep = anchored & (ml >= MIN_ML)
        keep[0] = False
        boxes = [whole_box(b, box) for b in ndimage.find_objects(parts)]
        near_outline = _near_outline(labels == side, spacing) if keep.any() else None
        for label in np.flatnonzero(keep):
            local = relative(boxes[label - 1], box)
            region = parts[local] == label
            footprint = region.any(axis=0)
            if field_edge is not None and field_edge[boxes[label - 1][1:]][footprint].any():
                keep[label] = False
                continue
            if not _reaches_outline(footprint, near_outline[boxes[label - 1][1:]]):
                keep[label] = False
                continue
            if not _inside_the_ribs(region, boxes[label - 1], hu, spacing):
                keep[label] = False
                continue
            density = float(np.median(hu[boxes[label - 1]][region]))
            keep[label] = density >= FLUID_HU and not _same_as_below(
                density, hu, z_mm, predicted, footprint, boxes[label - 1][1:])
        out[box][keep[parts]] = side
    return out


def base_top(labels: np.ndarray, z_mm: np.ndarray) -> float:
    """Patient z of the base's top: :func:`airless_bases` adds only below it (a column's
    floor must lie lower, and what is added lies under the floor), so the slices at or
    above it keep their labels (the full-resolution step may start on them meanwhile)."""
    zs = z_mm[labels.any(axis=(1, 2))]
    if zs.size == 0:
        return -np.inf                       # no lung: nothing is added anywhere
    return zs.min() + BASE_FRACTION * (zs.max() - zs.min())


def _near_outline(lung: np.ndarray, spacing) -> np.ndarray:
    """The (y, x) columns of ``lung`` within OUTLINE_MM of the edge of its columns.  The
    array's own border is no edge (an in-plane crop: what lies beyond is unknown)."""
    columns = lung.any(axis=0)
    return columns & (distance_mm(columns, spacing[1:]) <= OUTLINE_MM)


def _reaches_outline(footprint: np.ndarray, near: np.ndarray) -> bool:
    """Whether at least OUTLINE_SHARE of ``footprint``'s outline lies in ``near`` (the
    lung's outline zone, cut to the footprint's box)."""
    edge = footprint & ~ndimage.binary_erosion(footprint, border_value=0)
    return np.count_nonzero(edge & near) >= OUTLINE_SHARE * np.count_nonzero(edge)


def _inside_the_ribs(region: np.ndarray, box: tuple, hu: np.ndarray, spacing) -> bool:
    """Whether most of ``region`` (in ``box``) lies deeper than the chest wall: farther
    than ``WALL_MM`` from bone.  An airless lobe fills the cage (the phantom's consolidated
    and collapsed lobes: 0.80 and 0.86 of it); under a lung's posterior recess the floors
    of the two lungs differ too, where the diaphragm's attachment and the chest wall lie
    along the ribs (0.27 of it on lidc-0001-full, 31 mL, kept out before only by its fat)."""
    near = grown_box(box, margin_voxels(WALL_MM, spacing), hu.shape)
    deep = distance_mm(hu[near] <= BONE_HU, spacing)[relative(box, near)] > WALL_MM
    return np.count_nonzero(deep & region) >= INSIDE_SHARE * np.count_nonzero(region)


def _same_as_below(density: float, hu: np.ndarray, z_mm: np.ndarray, predicted: np.ndarray,
                   columns: np.ndarray, box) -> bool:
    """Whether a candidate's tissue is the organ under the diaphragm: its median HU not told
    apart (within ``ORGAN_SE`` standard errors) from the solid tissue ``BELOW_MM`` under the
    predicted floor in its columns (the liver or spleen dome goes on below unchanged; an
    airless lobe is another tissue)."""
    floor = predicted[box][columns]
    cols = hu[(slice(None),) + tuple(box)][:, columns]              # [z, column]
    depth = floor[None, :] - z_mm[:, None]
    under = (depth > BELOW_MM[0]) & (depth < BELOW_MM[1]) & (cols > SOLID_HU) & (cols < BONE_HU)
    if np.count_nonzero(under) < MIN_COLUMNS:
        return False
    organ = cols[under]
    return abs(float(np.median(organ)) - density) < ORGAN_SE * _median_se(organ)


def _median_se(values: np.ndarray) -> float:
    """The standard error of the median of ``values`` (from their robust spread)."""
    spread = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    return 1.2533 * max(spread, 1.0) / np.sqrt(values.size)


def _informative(predicted: np.ndarray, own: np.ndarray, column_mm: float) -> np.ndarray:
    """``predicted``, where the mirror image says nothing taken from the columns around.

    Where the other lung's mirrored floor lies far above this lung's own (the other lung
    stops on the aorta or the heart there), it tells nothing about this lung's floor: the
    lowest prediction within NEIGHBOUR_MM stands in for it.
    """
    silent = np.isfinite(own) & (own < predicted - DEFICIT_MM)
    if not silent.any():
        return predicted
    size = 2 * int(round(NEIGHBOUR_MM / column_mm)) + 1
    filled = np.where(np.isfinite(predicted), predicted, np.inf)
    around = ndimage.minimum_filter(filled, size=size)
    out = predicted.copy()
    out[silent] = np.where(np.isfinite(around[silent]), around[silent], predicted[silent])
    return out


def _usual_offset(diff: np.ndarray) -> float:
    """The median of ``diff`` over the columns within DEFICIT_MM of it, a few times over."""
    offset = float(np.median(diff))
    for _ in range(3):
        usual = np.abs(diff - offset) <= DEFICIT_MM
        if not usual.any():
            break
        offset = float(np.median(diff[usual]))
    return offset


def _floor(lung: np.ndarray, z_mm: np.ndarray) -> np.ndarray:
    """Per column (y, x), the lowest patient z of ``lung``; NaN where it has none."""
    # z is linear in the slice index: the lowest is the first (or last) slice holding lung.
    if z_mm.size > 1 and z_mm[-1] < z_mm[0]:
        k, has = _first(lung[::-1])
        k = lung.shape[0] - 1 - k
    else:
        k, has = _first(lung)
    return np.where(has, z_mm[k], np.nan).astype(np.float32)


def _first(mask: np.ndarray):
    """Per column, the first slice index where ``mask`` is set (0 where never: as
    ``argmax(axis=0)``, which strides across the slices and takes 20 times longer), and
    whether it is set at all."""
    first = np.zeros(mask.shape[1:], np.intp)
    seen = np.zeros(mask.shape[1:], bool)
    for k in range(mask.shape[0]):
        new = mask[k] & ~seen
        first[new] = k
        seen |= new
    return first, seen


def _mirror_columns(x_mm: np.ndarray, y_mm: np.ndarray, midline: float, turn=(0.0, 0.0)):
    """A function taking a (y, x) column map to its mirror image across the body's midline,
    or None when the slices are not across the body (patient x and y not both in-plane).

    ``turn``: (angle, patient y of the body's centre) from
    :func:`ctvis.core.lungs.midline.body_turn`: the midline is the line through (``midline``,
    that y) square to the body's side-to-side axis, turned by that angle."""
    x, y = x_mm[0].astype(np.float64), y_mm[0].astype(np.float64)
    rows, cols = x.shape
    # Patient (x, y) is affine in the column index (i, j): solved for the index back.
    di = (x[0, 1] - x[0, 0], y[0, 1] - y[0, 0]) if cols > 1 else (0.0, 0.0)
    dj = (x[1, 0] - x[0, 0], y[1, 0] - y[0, 0]) if rows > 1 else (0.0, 0.0)
    step = np.array([[di[0], dj[0]], [di[1], dj[1]]])
    if abs(np.linalg.det(step)) < 1e-6 * max(np.abs(step).max(), 1e-12) ** 2:
        return None
    angle, centre_y = turn
    ux, uy = np.cos(angle), np.sin(angle)                # the body's side-to-side axis
    across = (x - midline) * ux + (y - centre_y) * uy    # signed distance from the midline
    mx, my = x - 2 * across * ux, y - 2 * across * uy
    ij = np.linalg.solve(step, np.stack([(mx - x[0, 0]).ravel(), (my - y[0, 0]).ravel()]))
    si = np.rint(ij[0]).astype(int).reshape(x.shape)
    sj = np.rint(ij[1]).astype(int).reshape(x.shape)
    valid = (si >= 0) & (si < cols) & (sj >= 0) & (sj < rows)

    def mirror(columns: np.ndarray) -> np.ndarray:
        out = np.full_like(columns, np.nan)
        out[valid] = columns[sj[valid], si[valid]]
        return out
    return mirror
