"""What an editing tool hands back: a :class:`Patch` — a region (a tuple of three slices,
the bounding box of the edit) and a bool mask of that region's shape — and the small box
arithmetic the tools share.  A tool never returns a whole-volume mask when its edit is local.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class Patch(NamedTuple):
    """``region``: three slices with explicit bounds; ``mask``: bool, the region's shape."""
    region: tuple
    mask: np.ndarray

    @property
    def empty(self) -> bool:
        return not self.mask.any()


def empty_patch() -> Patch:
    return Patch((slice(0, 0),) * 3, np.zeros((0, 0, 0), bool))


def check_spacing(spacing) -> tuple[float, float, float]:
    """(dz, dy, dx) in mm as three positive floats, or ValueError."""
    spacing = tuple(float(s) for s in spacing)
    if len(spacing) != 3 or not all(math.isfinite(s) and s > 0 for s in spacing):
        raise ValueError(f"spacing must be three positive mm values, got {spacing}")
    return spacing


def box_of(mask: np.ndarray, pad=(0, 0, 0)) -> tuple | None:
    """The bounding box (three slices) of the True voxels grown by ``pad`` voxels per axis
    and clipped to the array, or None when nothing is True."""
    if not mask.any():
        return None
    box = []
    for axis, n in enumerate(mask.shape):
        other = tuple(a for a in range(mask.ndim) if a != axis)
        hits = np.flatnonzero(mask.any(axis=other))
        box.append(slice(max(0, int(hits[0]) - int(pad[axis])),
                         min(n, int(hits[-1]) + 1 + int(pad[axis]))))
    return tuple(box)


def segment_box(labels: np.ndarray, value: int, pad=(0, 0, 0)) -> tuple | None:
    """The box of segment ``value`` in ``labels`` grown by ``pad`` voxels, or None."""
    return box_of(labels == value, pad)


def offset(inner: tuple, outer: tuple) -> tuple:
    """``inner`` (relative to the box ``outer``) in the coordinates of the whole array."""
    return tuple(slice(o.start + i.start, o.start + i.stop) for i, o in zip(inner, outer))


def relative(inner: tuple, outer: tuple) -> tuple:
    """``inner`` (whole-array coordinates, inside ``outer``) relative to ``outer``."""
    return tuple(slice(i.start - o.start, i.stop - o.start) for i, o in zip(inner, outer))


def changes(old: np.ndarray, new: np.ndarray) -> Patch:
    """The patch that turns bool mask ``old`` into ``new``: the box of the voxels that differ
    and ``new`` inside it (setting a segment to the patch's mask there is the whole edit)."""
    box = box_of(old != new)
    if box is None:
        return empty_patch()
    return Patch(box, np.array(new[box], bool))


def merge(patches) -> Patch:
    """One patch covering several: their union box, the masks' union inside it."""
    patches = [p for p in patches if p.mask.size]
    if not patches:
        return empty_patch()
    box = tuple(slice(min(p.region[a].start for p in patches),
                      max(p.region[a].stop for p in patches)) for a in range(3))
    mask = np.zeros(tuple(s.stop - s.start for s in box), bool)
    for p in patches:
        mask[relative(p.region, box)] |= p.mask
    return Patch(box, mask)


def plane_axes(axis: int) -> tuple[int, int]:
    """The (row, col) array axes of a slice across ``axis`` (0 axial: (y, x); 1 coronal:
    (z, x); 2 sagittal: (z, y)) — array order, not the screen's flips."""
    if axis not in (0, 1, 2):
        raise ValueError(f"view axis is 0 (axial), 1 (coronal) or 2 (sagittal), got {axis!r}")
    return tuple(a for a in range(3) if a != axis)
