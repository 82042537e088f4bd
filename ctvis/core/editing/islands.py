"""Islands: the connected pieces of one segment — keep the largest, remove the small ones
(in mL, so the same setting means the same thing on any voxel size), keep the one under a
click, or split them into segments of their own.

Each function reads segment ``value`` of a label array and returns a :class:`Patch` whose
region is the segment's bounding box (or, for a split, each island's box) and whose mask is
what the segment becomes there: setting the segment to the mask inside the region is the edit
(``EditHistory.replace``).  ``connectivity`` 1: islands touch by faces (Slicer's default);
3: by faces, edges or corners.
"""
from __future__ import annotations

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.editing.region import Patch, check_spacing, empty_patch, offset, segment_box


def label_islands(mask: np.ndarray, connectivity: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(island numbers 1..n of ``mask``, their sizes in voxels; ``sizes[0]`` = 0)."""
    if connectivity not in (1, 2, 3):
        raise ValueError(f"connectivity is 1 (faces), 2 (edges) or 3 (corners), got "
                         f"{connectivity!r}")
    numbers, n = ndimage.label(mask, ndimage.generate_binary_structure(3, connectivity))
    sizes = np.bincount(numbers.ravel(), minlength=n + 1)
    sizes[0] = 0
    return numbers, sizes


def _segment(labels, value):
    box = segment_box(labels, value)
    return (None, None) if box is None else (box, labels[box] == value)


def keep_largest(labels: np.ndarray, value: int, connectivity: int = 1) -> Patch:
    """The segment with only its largest island (the first found wins a tie)."""
    box, mask = _segment(labels, value)
    if box is None:
        return empty_patch()
    numbers, sizes = label_islands(mask, connectivity)
    return Patch(box, numbers == int(np.argmax(sizes)))


def remove_small(labels: np.ndarray, value: int, min_ml: float, spacing,
                 connectivity: int = 1) -> Patch:
    """The segment without its islands smaller than ``min_ml`` mL (voxel size from
    ``spacing`` (dz, dy, dx) mm)."""
    if not min_ml >= 0:
        raise ValueError(f"minimum island size must be >= 0 mL, got {min_ml}")
    voxel_ml = float(np.prod(check_spacing(spacing))) / 1000.0
    box, mask = _segment(labels, value)
    if box is None:
        return empty_patch()
    numbers, sizes = label_islands(mask, connectivity)
    keep = sizes * voxel_ml >= min_ml
    keep[0] = False
    return Patch(box, keep[numbers])


def keep_island_at(labels: np.ndarray, value: int, voxel, connectivity: int = 1) -> Patch:
    """The segment with only the island holding ``voxel`` (z, y, x); the same segment when
    the voxel is not in it (a click beside the segment removes nothing)."""
    box, mask = _segment(labels, value)
    if box is None:
        return empty_patch()
    voxel = tuple(int(round(v)) for v in voxel)
    inside = all(s.start <= v < s.stop for s, v in zip(box, voxel))
    if not inside or not mask[tuple(v - s.start for s, v in zip(box, voxel))]:
        return Patch(box, mask)
    numbers, _ = label_islands(mask, connectivity)
    return Patch(box, numbers == numbers[tuple(v - s.start for s, v in zip(box, voxel))])


def split_islands(labels: np.ndarray, value: int, connectivity: int = 1) -> list[Patch]:
    """Each island of the segment as its own patch (its own box), largest first: the first
    stays the segment, the others become new segments."""
    box, mask = _segment(labels, value)
    if box is None:
        return []
    numbers, sizes = label_islands(mask, connectivity)
    order = np.argsort(-sizes[1:], kind="stable") + 1
    boxes = ndimage.find_objects(numbers)               # boxes[n - 1]: island n's box
    return [Patch(offset(boxes[n - 1], box), numbers[boxes[n - 1]] == n) for n in order]
