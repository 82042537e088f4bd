"""Smoothing: median, opening (removes spurs and specks thinner than the kernel) and closing
(fills holes and gaps narrower than it) of one segment, with a kernel size in mm.

The kernel is an ellipsoid in voxels: the voxels whose centre is within half the kernel size
(a diameter, as in Slicer) of the centre voxel in mm, so it is a ball in the patient on
anisotropic voxels.  Beyond the array's edge is unknown and left out of every kernel, as
Slicer's VTK filters do: a segment cut by the scan's edge is neither eaten nor walled there.
"""
from __future__ import annotations

import math

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.editing.region import Patch, check_spacing, empty_patch, segment_box

METHODS = ("median", "opening", "closing")


def structuring_element(size_mm: float, spacing) -> np.ndarray:
    """Bool ellipsoid: voxel offsets within ``size_mm / 2`` mm of the centre (always the
    centre itself)."""
    spacing = check_spacing(spacing)
    if not (math.isfinite(size_mm) and size_mm > 0):
        raise ValueError(f"kernel size must be a positive number of mm, got {size_mm}")
    radius = size_mm / 2
    half = [math.floor(radius / s + 1e-9) for s in spacing]
    grids = np.ogrid[tuple(slice(-h, h + 1) for h in half)]
    d2 = sum((g * s) ** 2 for g, s in zip(grids, spacing))
    return d2 <= radius * radius * (1 + 1e-9)


def median(mask: np.ndarray, size_mm: float, spacing) -> np.ndarray:
    """Each voxel takes the majority of the voxels of its kernel inside the array (ties:
    background)."""
    element = structuring_element(size_mm, spacing).astype(np.int32)
    count = ndimage.correlate(np.asarray(mask, np.int32), element, mode="constant")
    inside = ndimage.correlate(np.ones(np.shape(mask), np.int32), element, mode="constant")
    return 2 * count > inside


def opening(mask: np.ndarray, size_mm: float, spacing) -> np.ndarray:
    element = structuring_element(size_mm, spacing)
    return ndimage.binary_dilation(_erode(mask, element), element)


def closing(mask: np.ndarray, size_mm: float, spacing) -> np.ndarray:
    element = structuring_element(size_mm, spacing)
    return _erode(ndimage.binary_dilation(mask, element), element)


def _erode(mask, element) -> np.ndarray:
    # Beyond the edge counts as foreground for an erosion (and, scipy's default, as
    # background for a dilation): it never decides a voxel.
    return ndimage.binary_erosion(mask, element, border_value=1)


def smooth(labels: np.ndarray, value: int, method: str, size_mm: float, spacing) -> Patch:
    """Segment ``value`` smoothed by ``method`` (one of METHODS): region = its box enlarged
    by the kernel's width, mask = the segment there after smoothing."""
    if method not in METHODS:
        raise ValueError(f"smoothing method is one of {METHODS}, got {method!r}")
    element = structuring_element(size_mm, spacing)
    # Enlarged by the kernel's whole width: a voxel whose kernel crosses the box's edge then
    # sees none of the segment, so cutting the box changes nothing.
    box = segment_box(labels, value, [n for n in element.shape])
    if box is None:
        return empty_patch()
    operation = {"median": median, "opening": opening, "closing": closing}[method]
    return Patch(box, operation(labels[box] == value, size_mm, spacing))
