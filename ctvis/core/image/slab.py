"""Thick slabs: a maximum (MIP), minimum (MinIP) or mean projection of the slices around one.

A slab of ``thickness_mm`` along a view's normal array axis covers
``round(thickness / spacing)`` index planes (at least one), centred on the slice as far as
the volume allows.  The projection reduces a numpy view of those planes (no copy of the
volume) along that axis, then turns the result into screen order like a single slice, so a
slab of one plane is exactly that slice.  Slices are index planes, as the slice views show
them, so anisotropic and oblique volumes need nothing special.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.image.slicing import SliceAxes, oriented_slice

SLAB_MODES = ("mip", "minip", "mean")
SLAB_LABELS = {"mip": "MIP", "minip": "MinIP", "mean": "Mean"}


def slab_planes(thickness_mm: float, spacing_mm: float) -> int:
    """How many index planes a slab of ``thickness_mm`` covers (at least 1)."""
    if not thickness_mm >= 0:
        raise ValueError(f"slab thickness must be 0 or more mm, got {thickness_mm!r}")
    if not spacing_mm > 0:
        raise ValueError(f"slice spacing must be positive, got {spacing_mm!r}")
    return max(1, int(round(float(thickness_mm) / float(spacing_mm))))


def slab_range(index: int, planes: int, count: int) -> tuple[int, int]:
    """[start, stop) of ``planes`` planes centred on ``index``, shifted to stay in 0..count."""
    if not 0 <= index < count:
        raise IndexError(f"slice {index} out of range 0..{count - 1}")
    planes = min(planes, count)
    start = min(max(index - (planes - 1) // 2, 0), count - planes)
    return start, start + planes


def slab(array: np.ndarray, axes: SliceAxes, index: int, thickness_mm: float,
         spacing_mm: float, mode: str = "mip") -> np.ndarray:
    """The ``mode`` projection of the slab around slice ``index`` of ``axes.normal``, in
    screen order like :func:`oriented_slice`: the array's dtype for MIP/MinIP, float32 for
    the mean.  ``spacing_mm``: the spacing along the normal axis."""
    if mode not in SLAB_MODES:
        raise ValueError(f"unknown slab mode {mode!r} (choose from {', '.join(SLAB_MODES)})")
    count = array.shape[axes.normal]
    start, stop = slab_range(index, slab_planes(thickness_mm, spacing_mm), count)
    if stop - start == 1:
        return oriented_slice(array, axes, start)
    cut = [slice(None)] * 3
    cut[axes.normal] = slice(start, stop)
    block = array[tuple(cut)]                                  # a view, not a copy
    if mode == "mip":
        reduced = block.max(axis=axes.normal, keepdims=True)
    elif mode == "minip":
        reduced = block.min(axis=axes.normal, keepdims=True)
    else:
        reduced = block.mean(axis=axes.normal, dtype=np.float32, keepdims=True)
    return oriented_slice(reduced, axes, 0)


def slab_value(array: np.ndarray, axis: int, kji, thickness_mm: float, spacing_mm: float,
               mode: str = "mip") -> float:
    """The projected value at voxel ``kji`` (what the slab shows there): the ``mode`` of
    the voxels along ``axis`` within the slab around it."""
    if mode not in SLAB_MODES:
        raise ValueError(f"unknown slab mode {mode!r} (choose from {', '.join(SLAB_MODES)})")
    kji = [int(v) for v in kji]
    start, stop = slab_range(kji[axis], slab_planes(thickness_mm, spacing_mm),
                             array.shape[axis])
    kji[axis] = slice(start, stop)
    line = array[tuple(kji)]
    return float({"mip": np.max, "minip": np.min, "mean": np.mean}[mode](line))


__all__ = ["SLAB_MODES", "SLAB_LABELS", "slab", "slab_planes", "slab_range", "slab_value"]
