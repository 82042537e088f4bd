"""Regions of interest rasterized on a volume's grid and their HU statistics (numpy only).

An ellipse or polygon lies on one slice of the array (one index along ``axis``); its outline
is given in continuous voxel indices of the two other array axes (``u`` < ``v`` in array
order), so the same code serves axial, coronal and sagittal slices of anisotropic and
oblique grids.  A voxel belongs to a region when its centre lies inside.  Areas and volumes
are geometric (mm² of the outline, mL of the sphere); the pixel count says how many voxels
the statistics were taken over.
"""
from __future__ import annotations

import math

import numpy as np


def plane_axes(axis: int) -> tuple[int, int]:
    """The two array axes of a slice along ``axis``, in array order."""
    return tuple(a for a in range(3) if a != axis)


def pixel_area_mm2(volume, axis: int) -> float:
    """Area of one pixel of a slice along array ``axis`` (the parallelogram its two index
    steps span in patient space, so a sheared or oblique grid is measured right)."""
    m = volume.index_to_patient_matrix[:3, :3]          # columns: i, j, k steps in mm
    u, v = plane_axes(axis)
    cu, cv = m[:, 2 - u], m[:, 2 - v]
    return float(np.linalg.norm(np.cross(cu, cv)))


def stats(values) -> dict:
    """mean, sd (population), min, max and count of HU values; NaN when there are none."""
    values = np.asarray(values, dtype=float).ravel()
    if values.size == 0:
        nan = float("nan")
        return {"mean": nan, "sd": nan, "min": nan, "max": nan, "pixels": 0}
    return {"mean": float(values.mean()), "sd": float(values.std()),
            "min": float(values.min()), "max": float(values.max()), "pixels": int(values.size)}


def _slice(array: np.ndarray, axis: int, index: int) -> np.ndarray | None:
    if not 0 <= index < array.shape[axis]:
        return None
    return np.take(array, index, axis=axis)             # [u, v] in array order


def ellipse_mask(shape2d, center_uv, radii_uv) -> np.ndarray:
    """Pixels of a 2-D grid whose centres lie in the axis-aligned ellipse (index units)."""
    cu, cv = center_uv
    ru, rv = (max(abs(float(r)), 1e-9) for r in radii_uv)
    u = np.arange(shape2d[0])[:, None]
    v = np.arange(shape2d[1])[None, :]
    return ((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2 <= 1.0


def polygon_mask(shape2d, vertices_uv) -> np.ndarray:
    """Pixels of a 2-D grid whose centres lie inside a closed polygon (even-odd rule)."""
    pts = np.asarray(vertices_uv, dtype=float).reshape(-1, 2)
    mask = np.zeros(shape2d, bool)
    if len(pts) < 3:
        return mask
    lo = np.maximum(np.floor(pts.min(0)).astype(int), 0)
    hi = np.minimum(np.ceil(pts.max(0)).astype(int) + 1, shape2d)
    if np.any(hi <= lo):
        return mask
    uu, vv = np.meshgrid(np.arange(lo[0], hi[0]), np.arange(lo[1], hi[1]), indexing="ij")
    inside = np.zeros(uu.shape, bool)
    pu, pv = pts[:, 0], pts[:, 1]
    qu, qv = np.roll(pu, -1), np.roll(pv, -1)
    for a_u, a_v, b_u, b_v in zip(pu, pv, qu, qv):
        crosses = (a_v > vv) != (b_v > vv)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = a_u + (vv - a_v) * (b_u - a_u) / (b_v - a_v)
        inside ^= crosses & (uu < at)
    mask[lo[0]:hi[0], lo[1]:hi[1]] = inside
    return mask


def polygon_area(vertices_uv) -> float:
    """Shoelace area in index units² (absolute)."""
    pts = np.asarray(vertices_uv, dtype=float).reshape(-1, 2)
    if len(pts) < 3:
        return 0.0
    u, v = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(u, np.roll(v, -1)) - np.dot(v, np.roll(u, -1))) / 2)


def ellipse_stats(volume, axis: int, index: int, center_uv, radii_uv) -> dict:
    """Area (mm²) and HU statistics of an ellipse on slice ``index`` along ``axis``."""
    area = math.pi * abs(radii_uv[0]) * abs(radii_uv[1]) * pixel_area_mm2(volume, axis)
    plane = _slice(volume.array, axis, index)
    values = () if plane is None else plane[ellipse_mask(plane.shape, center_uv, radii_uv)]
    return {"area_mm2": float(area), **stats(values)}


def polygon_stats(volume, axis: int, index: int, vertices_uv) -> dict:
    """Area (mm²) and HU statistics of a closed polygon on slice ``index`` along ``axis``."""
    area = polygon_area(vertices_uv) * pixel_area_mm2(volume, axis)
    plane = _slice(volume.array, axis, index)
    values = () if plane is None else plane[polygon_mask(plane.shape, vertices_uv)]
    return {"area_mm2": float(area), **stats(values)}


def sphere_mask_box(volume, center_lps, radius_mm: float):
    """(lo, mask): the voxels whose centres lie within ``radius_mm`` of ``center_lps``, as a
    boolean box starting at index ``lo`` (k, j, i); None when the sphere misses the grid."""
    inv = np.linalg.inv(volume.index_to_patient_matrix[:3, :3])     # mm -> (i, j, k)
    centre = volume.patient_to_index(center_lps)                     # (k, j, i)
    reach = radius_mm * np.linalg.norm(inv, axis=1)[::-1]            # index reach per axis
    lo = np.maximum(np.floor(centre - reach).astype(int), 0)
    hi = np.minimum(np.ceil(centre + reach).astype(int) + 1, volume.shape)
    if np.any(hi <= lo):
        return None
    # |mm offset|² as a quadratic form in the index offsets (G = MᵀM over k, j, i), built
    # by broadcasting 1-D offsets: no patient coordinates for every voxel of the box.
    m = volume.index_to_patient_matrix[:3, :3][:, ::-1]              # columns: k, j, i
    g = m.T @ m
    dk, dj, di = (np.arange(a, b) - c for a, b, c in zip(lo, hi, centre))
    dk, dj, di = dk[:, None, None], dj[None, :, None], di[None, None, :]
    dist2 = (g[0, 0] * dk * dk + g[1, 1] * dj * dj + g[2, 2] * di * di
             + 2 * (g[0, 1] * dk * dj + g[0, 2] * dk * di + g[1, 2] * dj * di))
    return lo, dist2 <= radius_mm ** 2


def sphere_stats(volume, center_lps, radius_mm: float) -> dict:
    """Volume (mL, geometric) and HU statistics of the voxels inside a sphere."""
    ml = 4.0 / 3.0 * math.pi * radius_mm ** 3 / 1000.0
    found = sphere_mask_box(volume, center_lps, radius_mm)
    if found is None:
        return {"volume_ml": ml, **stats(())}
    lo, mask = found
    box = volume.array[lo[0]:lo[0] + mask.shape[0], lo[1]:lo[1] + mask.shape[1],
                       lo[2]:lo[2] + mask.shape[2]]
    return {"volume_ml": ml, **stats(box[mask])}
