"""Scissors: a polygon drawn in one slice, extruded along the view axis through the whole
volume or a slab of a thickness in mm, filled inside or outside.

The polygon's points are (row, col) voxel coordinates of the slice: the two array axes left
when the view axis is taken away, in array order (axial: (y, x); coronal: (z, x); sagittal:
(z, y)) — the window undoes its screen flips before calling.  Whether the patch erases or
fills is the caller's choice of value.
"""
from __future__ import annotations

import math

import numpy as np
from skimage.draw import polygon as draw_polygon

from ctvis.core.editing.region import Patch, box_of, check_spacing, empty_patch, plane_axes


def polygon_mask(points, plane_shape) -> np.ndarray:
    """Bool mask of a 2-D ``plane_shape`` inside the polygon (its outline included)."""
    points = np.asarray(points, float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:
        raise ValueError(f"a polygon needs at least 3 (row, col) points, got {points.shape}")
    mask = np.zeros(tuple(int(n) for n in plane_shape), bool)
    rows, cols = draw_polygon(points[:, 0], points[:, 1], mask.shape)
    mask[rows, cols] = True
    return mask


def slab(index: int, thickness_mm: float, spacing_mm: float, n: int) -> slice:
    """The slices whose centres lie within ``thickness_mm / 2`` of slice ``index`` (at least
    that slice), clipped to 0..n."""
    if not 0 <= index < n:
        raise ValueError(f"slice {index} is outside 0..{n - 1}")
    if not thickness_mm >= 0:
        raise ValueError(f"slab thickness must be >= 0 mm, got {thickness_mm}")
    half = math.floor(thickness_mm / 2 / spacing_mm + 1e-9)
    return slice(max(0, index - half), min(n, index + half + 1))


def scissors(points, axis: int, shape, *, inside: bool = True,
             thickness_mm: float | None = None, index: int | None = None,
             spacing=None) -> Patch:
    """The polygon ``points`` of a slice across ``axis`` (0 axial, 1 coronal, 2 sagittal)
    extruded through the whole volume (``thickness_mm`` None) or through a slab of that
    thickness centred on slice ``index`` (``spacing`` (dz, dy, dx) mm needed); ``inside``
    False: everything in those slices but the polygon."""
    rows, cols = plane_axes(axis)
    shape = tuple(int(n) for n in shape)
    plane = polygon_mask(points, (shape[rows], shape[cols]))
    if not inside:
        plane = ~plane
    if thickness_mm is None:
        along = slice(0, shape[axis])
    else:
        if index is None or spacing is None:
            raise ValueError("a slab needs the slice index and the spacing")
        along = slab(int(index), float(thickness_mm), check_spacing(spacing)[axis], shape[axis])
    box = box_of(plane[None])                 # the polygon's box in the slice
    if box is None:
        return empty_patch()
    _, r, c = box
    region = [None] * 3
    region[axis], region[rows], region[cols] = along, r, c
    cut = plane[r, c]
    mask = np.broadcast_to(np.expand_dims(cut, axis),
                           tuple(s.stop - s.start for s in region))
    return Patch(tuple(region), np.ascontiguousarray(mask))
