"""A lesion's measurements: volume, diameters (RECIST and Fleischner style), HU, type.

* the longest axial diameter: the longest segment between two voxel centres of the lesion on
  one axial slice (over every slice), with its end points;
* the longest perpendicular to it on the same slice (the short axis): the lesion's widest
  extent across that direction;
* the longest 3D diameter between any two voxel centres;
* mean and SD of HU, and a type (solid, part-solid, ground-glass) from the HU of its voxels
  inside its partial-volume rim; the thresholds and shares are data in
  ``resources/lesion_types.json``.

Distances are measured between voxel centres in patient mm (the direction matrix applied),
on the convex hull's vertices (exact for the longest distance, and fast).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.image.axial import as_axial, axial_order, index_as_stored
from ctvis.core.presets import resource_json


@dataclass(frozen=True)
class LesionMeasures:
    volume_ml: float
    long_axis_mm: float              # longest axial diameter
    short_axis_mm: float             # longest perpendicular to it, same slice
    axial_slice: int                 # the slice (k) of both
    long_axis_ends: tuple            # two (k, j, i) voxel indices (floats)
    short_axis_ends: tuple
    max_3d_mm: float
    mean_hu: float
    sd_hu: float
    solid_share: float               # of the tissue voxels inside the rim
    type: str                        # "solid", "part-solid", "ground-glass"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["long_axis_ends"] = [list(map(float, p)) for p in self.long_axis_ends]
        d["short_axis_ends"] = [list(map(float, p)) for p in self.short_axis_ends]
        return d


def measure_lesion(volume, mask: np.ndarray) -> LesionMeasures:
    """Measurements of the lesion ``mask`` (bool, the volume's shape).  The axial diameters
    lie in the patient's axial planes whatever order the volume is stored in: ``axial_slice``
    is the index along the array axis that runs head to foot (the axial view's), the ends
    are indices (k, j, i) of ``volume``."""
    if not mask.any():
        raise ValueError("the lesion is empty")
    if axial_order(volume.direction) is None:
        return _measured(volume, mask)
    # Only the lesion's box (and two voxels, for its rim's distances) is put in axial order.
    idx = np.argwhere(mask)
    lo = np.maximum(idx.min(axis=0) - 2, 0)
    hi = np.minimum(idx.max(axis=0) + 3, mask.shape)
    box = tuple(slice(a, b) for a, b in zip(lo, hi))
    axial, perm = as_axial(volume.crop(lo, hi))
    m = _measured(axial, np.ascontiguousarray(mask[box].transpose(perm)))
    return replace(m, axial_slice=m.axial_slice + int(lo[perm[0]]),
                   long_axis_ends=_stored_ends(m.long_axis_ends, perm, lo),
                   short_axis_ends=_stored_ends(m.short_axis_ends, perm, lo))


def _stored_ends(ends, perm, lo) -> tuple:
    """End points (k, j, i) in the axial order of a box at ``lo`` as indices of the
    stored volume."""
    return tuple(tuple(float(v + o) for v, o in zip(index_as_stored(e, perm), lo))
                 for e in ends)


def _measured(volume, mask: np.ndarray) -> LesionMeasures:
    """:func:`measure_lesion` on a volume in axial order."""
    matrix = volume.index_to_patient_matrix[:3, :3]
    idx = np.argwhere(mask)
    hu = volume.array[mask].astype(np.float64)
    long_mm, long_ends, short_mm, short_ends, k_best = 0.0, None, 0.0, None, int(idx[0, 0])
    for k in np.unique(idx[:, 0]):
        pts = idx[idx[:, 0] == k].astype(np.float64)
        length, ends = _longest(pts, matrix)
        if length > long_mm:
            long_mm, long_ends, k_best = length, ends, int(k)
    if long_ends is None:                       # one voxel per slice
        p = idx[0].astype(np.float64)
        long_ends = short_ends = (tuple(p), tuple(p))
    else:
        pts = idx[idx[:, 0] == k_best].astype(np.float64)
        short_mm, short_ends = _widest_across(pts, matrix, long_ends)
    max3d, _ = _longest(idx.astype(np.float64), matrix)
    types = resource_json("lesion_types.json")
    inner = _inside_rim(mask, volume.spacing, float(types["edge_mm"]))
    inner_hu = volume.array[inner] if inner.any() else volume.array[mask]
    # Of its tissue: the air of a cavity or a bronchus in it is neither component.
    tissue = inner_hu[inner_hu >= types["glass_hu"]]
    solid = float(np.mean((tissue if tissue.size else inner_hu) >= types["solid_hu"]))
    kind = ("solid" if solid >= types["solid_share"] else
            "ground-glass" if solid <= types["glass_share"] else "part-solid")
    return LesionMeasures(
        volume_ml=float(mask.sum()) * volume.voxel_volume_mm3 / 1000.0,
        long_axis_mm=long_mm, short_axis_mm=short_mm, axial_slice=k_best,
        long_axis_ends=tuple(map(tuple, long_ends)),
        short_axis_ends=tuple(map(tuple, short_ends)) if short_ends is not None else
        tuple(map(tuple, long_ends)),
        max_3d_mm=max3d, mean_hu=float(hu.mean()), sd_hu=float(hu.std()),
        solid_share=solid, type=kind)


def _mm(points_kji: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Voxel indices (k, j, i) to patient mm offsets (the direction and spacing applied)."""
    return points_kji[:, ::-1] @ matrix.T


def _hull_points(pts: np.ndarray, mm: np.ndarray):
    # Here, not at the top: scipy.spatial (with linalg and sparse) is 15 MiB of the
    # viewer's memory, which imports this module at start.
    from scipy.spatial import ConvexHull, QhullError

    if len(pts) > 4:
        try:
            flat = np.ptp(mm, axis=0) > 1e-9
            if flat.sum() >= 2:
                v = ConvexHull(mm[:, flat]).vertices
                return pts[v], mm[v]
        except QhullError:
            pass
    return pts, mm


def _longest(pts: np.ndarray, matrix: np.ndarray):
    """The longest distance (mm) between two of ``pts`` and its two end points."""
    if len(pts) < 2:
        return 0.0, None
    pts, mm = _hull_points(pts, _mm(pts, matrix))
    d = np.linalg.norm(mm[:, None, :] - mm[None, :, :], axis=2)
    a, b = np.unravel_index(np.argmax(d), d.shape)
    return float(d[a, b]), (pts[a], pts[b])


def _widest_across(pts, matrix, ends):
    """The lesion's longest extent perpendicular to the segment ``ends`` in its slice: the
    longest chord between two voxel centres whose direction is within a voxel's angle of
    perpendicular, found on the projection across the long axis."""
    mm = _mm(pts, matrix)
    a, b = _mm(np.asarray(ends, np.float64), matrix)
    axis = (b - a) / np.linalg.norm(b - a)
    normal = np.cross(axis, _mm(np.array([[1.0, 0, 0]]), matrix)[0])
    normal /= np.linalg.norm(normal)
    along = (mm - a) @ axis
    across = mm @ normal
    # For each position along the long axis (bins of one voxel), the span across it.
    step = float(min(np.linalg.norm(matrix[:, 0]), np.linalg.norm(matrix[:, 1])))
    bins = np.round(along / step).astype(int)
    best, ends_out = 0.0, None
    for v in np.unique(bins):
        sel = np.flatnonzero(bins == v)
        lo, hi = sel[np.argmin(across[sel])], sel[np.argmax(across[sel])]
        span = float(across[hi] - across[lo])
        if span > best:
            best, ends_out = span, (pts[lo], pts[hi])
    return best, ends_out


def _inside_rim(mask, spacing, edge_mm) -> np.ndarray:
    """``mask`` without its partial-volume rim: the voxels within ``edge_mm`` of its border
    and, when that leaves any, those whose slice above or below is not the lesion's (a
    slice averages the edge over its whole thickness: on 10 mm slices a solid nodule's end
    slices read as ground glass)."""
    box = ndimage.find_objects(mask.astype(np.uint8))[0]
    box = tuple(slice(max(b.start - 1, 0), b.stop + 1) for b in box)
    part = mask[box]
    deep = ndimage.distance_transform_edt(part, sampling=spacing) > edge_mm
    between = deep & ndimage.binary_erosion(part, structure=_Z_NEIGHBOURS)
    inner = np.zeros_like(mask)
    inner[box] = between if between.any() else deep
    return inner


_Z_NEIGHBOURS = np.zeros((3, 3, 3), bool)
_Z_NEIGHBOURS[:, 1, 1] = True
