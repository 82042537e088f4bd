"""Fill between slices (3D Slicer's effect of that name): a segment outlined (filled) on a few
slices of a view axis; the slices between two consecutive drawn slices are filled by
shape-based interpolation — the signed distance maps (mm, in-plane sampling) of the two
masks interpolated linearly along the axis and thresholded at 0.  A morphological contour
interpolation in the sense of Slicer's: the shape changes smoothly from one outline to the
next; a blob drawn on one slice only is not extended.
"""
from __future__ import annotations

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.editing.region import Patch, box_of, check_spacing, empty_patch, plane_axes


def signed_distance(mask: np.ndarray, sampling) -> np.ndarray:
    """mm to the outline: negative inside, positive outside (voxel-centre convention: half a
    voxel's step on each side of the edge)."""
    inside = ndimage.distance_transform_edt(mask, sampling=sampling)
    outside = ndimage.distance_transform_edt(~mask, sampling=sampling)
    return np.where(mask, 0.5 - inside, outside - 0.5).astype(np.float32)


def drawn_slices(mask: np.ndarray, axis: int) -> list[int]:
    """The slices across ``axis`` where ``mask`` has voxels."""
    other = tuple(a for a in range(3) if a != axis)
    return [int(i) for i in np.flatnonzero(mask.any(axis=other))]


def fill_between(labels: np.ndarray, value: int, axis: int, spacing) -> Patch:
    """Segment ``value`` with every slice between two drawn slices along ``axis`` (0 axial,
    1 coronal, 2 sagittal) filled by interpolation; the drawn slices are kept as they are.
    The region is the segment's box; an empty patch when fewer than two slices are drawn."""
    spacing = check_spacing(spacing)
    rows, cols = plane_axes(axis)
    box = box_of(labels == value)
    if box is None:
        return empty_patch()
    # One voxel of background around the outlines in the plane, so each has an outside.
    box = tuple(s if a == axis else slice(max(0, s.start - 1), min(labels.shape[a], s.stop + 1))
                for a, s in enumerate(box))
    segment = labels[box] == value
    drawn = drawn_slices(segment, axis)
    if len(drawn) < 2:
        return empty_patch()
    out = segment.copy()
    sampling = (spacing[rows], spacing[cols])
    moved = np.moveaxis(out, axis, 0)        # a view: writes go into out
    distances = {}
    for a, b in zip(drawn, drawn[1:]):
        if b - a < 2:
            continue
        for i in (a, b):
            if i not in distances:
                distances[i] = signed_distance(moved[i], sampling)
        da, db = distances[a], distances[b]
        for k in range(a + 1, b):
            t = (k - a) / (b - a)
            moved[k] = ((1 - t) * da + t * db) <= 0
    return Patch(box, out)


__all__ = ["fill_between", "signed_distance", "drawn_slices"]
