"""Paint and Erase: a round brush in mm on anisotropic voxels, and strokes of brushes.

Points are voxel coordinates (z, y, x) as floats, a whole number being a voxel's centre.  A
voxel is under the brush when its centre is within ``radius_mm`` of the brush centre in mm
(each axis scaled by its spacing), so a brush on (0.5, 0.7, 0.7) mm voxels is round in the
patient, not in the array.  ``axis`` None: a sphere; 0, 1, 2: a disk in the one slice across
that axis (axial, coronal, sagittal of the [z, y, x] array) that holds the centre.  The voxel
nearest the centre is always painted, so a brush smaller than a voxel still marks something.
"""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.editing.region import (Patch, box_of, check_spacing, empty_patch, offset,
                                       plane_axes)


def brush(center, radius_mm: float, spacing, shape, axis: int | None = None) -> Patch:
    """The voxels of one brush at ``center``, clipped to an array of ``shape``."""
    return _stamps(np.asarray([center], float), radius_mm, spacing, shape, axis)


def stroke(start, end, radius_mm: float, spacing, shape, axis: int | None = None) -> Patch:
    """The voxels of a stroke from ``start`` to ``end``: brushes at steps of at most half the
    radius along the segment (mouse events arrive far apart; the stroke must not break).
    A disk stroke stays in the slice of ``start``."""
    return _stamps(stroke_points(start, end, radius_mm, spacing, axis), radius_mm, spacing,
                   shape, axis)


def stroke_points(start, end, radius_mm: float, spacing, axis: int | None = None) -> np.ndarray:
    """Brush centres (n, 3) from ``start`` to ``end`` inclusive, at most ``radius_mm / 2``
    apart in mm."""
    radius_mm = _check_radius(radius_mm)
    spacing = np.asarray(check_spacing(spacing))
    start, end = np.asarray(start, float), np.array(end, float)
    if axis is not None:
        plane_axes(axis)
        end[axis] = start[axis]
    length = float(np.linalg.norm((end - start) * spacing))
    n = max(1, math.ceil(length / (radius_mm / 2)))
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    return start + t * (end - start)


def _check_radius(radius_mm) -> float:
    radius_mm = float(radius_mm)
    if not (math.isfinite(radius_mm) and radius_mm > 0):
        raise ValueError(f"brush radius must be a positive number of mm, got {radius_mm}")
    return radius_mm


def _stamps(points: np.ndarray, radius_mm, spacing, shape, axis) -> Patch:
    radius_mm = _check_radius(radius_mm)
    spacing = np.asarray(check_spacing(spacing))
    shape = tuple(int(n) for n in shape)
    axes = (0, 1, 2) if axis is None else plane_axes(axis)
    reach = radius_mm / spacing
    lo = np.floor(points.min(0) - reach).astype(int)
    hi = np.ceil(points.max(0) + reach).astype(int) + 1
    if axis is not None:                                 # the slice of the first point
        lo[axis] = int(round(points[0, axis]))
        hi[axis] = lo[axis] + 1
    lo, hi = np.maximum(lo, 0), np.minimum(hi, shape)
    if np.any(hi <= lo):
        return empty_patch()
    region = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi))
    mask = np.zeros(tuple(hi - lo), bool)
    r2 = radius_mm * radius_mm
    for p in points:
        # Each brush fills only its own box: a long stroke costs its length, not its box.
        plo = np.maximum(lo, np.floor(p - reach).astype(int))
        phi = np.minimum(hi, np.ceil(p + reach).astype(int) + 1)
        if axis is not None:
            plo[axis], phi[axis] = lo[axis], hi[axis]
        if np.any(phi <= plo):
            continue
        d2 = 0.0
        for a in axes:
            d = (np.arange(plo[a], phi[a]) - p[a]) * spacing[a]
            d2 = d2 + (d * d).reshape([-1 if b == a else 1 for b in range(3)])
        sub = tuple(slice(int(a - b), int(c - b)) for a, c, b in zip(plo, phi, lo))
        mask[sub] |= np.broadcast_to(d2 <= r2, mask[sub].shape)
        near = np.rint(p).astype(int)
        if axis is not None:
            near[axis] = lo[axis]
        if np.all((near >= lo) & (near < hi)):
            mask[tuple(near - lo)] = True
    box = box_of(mask)                                   # the search box was generous
    return empty_patch() if box is None else Patch(offset(box, region), mask[box])
