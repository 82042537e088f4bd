"""Margin: grow or shrink a segment by a distance in mm, the same in every direction of the
patient whatever the voxel size (a Euclidean distance transform with the spacing as its
sampling, not a count of voxel layers).

Grow adds the voxels whose centre lies within ``margin_mm`` of a voxel of the segment; shrink
removes the segment's voxels within ``-margin_mm`` of a voxel outside it.  The array's own
edge is not "outside": a segment cut by the edge of the scan is not shrunk from that side.
Only the segment's box enlarged by the margin is read and returned.
"""
from __future__ import annotations

import math

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.editing.region import Patch, check_spacing, empty_patch, segment_box


def margin(labels: np.ndarray, value: int, margin_mm: float, spacing) -> Patch:
    """The segment ``value`` grown (``margin_mm`` > 0) or shrunk (< 0): region = its box
    enlarged by the margin (clipped), mask = the segment there after the margin."""
    spacing = check_spacing(spacing)
    margin_mm = float(margin_mm)
    if not math.isfinite(margin_mm):
        raise ValueError(f"margin must be a finite number of mm, got {margin_mm}")
    # One voxel more than the reach: a shrink needs background around the segment's box.
    pad = [math.ceil(abs(margin_mm) / s) + 1 for s in spacing]
    box = segment_box(labels, value, pad)
    if box is None:
        return empty_patch()
    segment = labels[box] == value
    if margin_mm > 0:
        grown = ndimage.distance_transform_edt(~segment, sampling=spacing) <= margin_mm
        return Patch(box, segment | grown)
    if margin_mm < 0 and not segment.all():
        return Patch(box, ndimage.distance_transform_edt(segment, sampling=spacing)
                     > -margin_mm)
    return Patch(box, segment)
