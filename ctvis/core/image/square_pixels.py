"""Square pixels for the methods that assume them, and the results put back on the grid.

An axial CT has square pixels; a coronal or sagittal reformat seen in axial order does not
(its slice step becomes one side of the axial pixel: 0.7 × 3 mm).  The lung method's filters
and coarse grid count pixels alike along both in-plane axes, and on such pixels it lost 5 %
of each lung and the airway (``docs/lungs.md``).  The coarser in-plane axis is resampled
(linearly, the first and last voxel kept in place) to the finer one's spacing, and labels
come back by nearest neighbour at the original voxel centres.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use
from ctvis.core.volume import Volume

MAX_RATIO = 1.2          # in-plane spacings within this ratio count as square


def as_square_pixels(volume: Volume) -> tuple[Volume, tuple | None]:
    """(``volume`` with square in-plane pixels, (axis, stored length, new length) to undo
    it with :func:`labels_back`, or None when its pixels are square already)."""
    dy, dx = volume.spacing[1:]
    if max(dy, dx) <= MAX_RATIO * min(dy, dx):
        return volume, None
    axis = 1 if dy > dx else 2
    n = volume.shape[axis]
    if n < 2:
        return volume, None
    step = volume.spacing[axis]
    m = int(round((n - 1) * step / min(dy, dx))) + 1
    zoom = [1.0, 1.0, 1.0]
    zoom[axis] = m / n              # zoom makes round(n * zoom) voxels, its ends in place
    array = ndimage.zoom(volume.array.astype(np.float32), zoom, order=1, mode="nearest",
                         grid_mode=False)
    m = array.shape[axis]
    spacing = list(volume.spacing)
    spacing[axis] = step * (n - 1) / (m - 1)
    meta = dict(volume.meta)
    meta.pop("outside_field", None)
    out = Volume(np.rint(array).astype(volume.array.dtype), tuple(spacing), volume.origin,
                 volume.direction, meta)
    return out, (axis, n, m)


def labels_back(labels: np.ndarray, how: tuple | None) -> np.ndarray:
    """Labels made on :func:`as_square_pixels`'s grid, on the original one (the label at
    each original voxel's centre)."""
    if how is None:
        return labels
    axis, n, m = how
    index = np.rint(np.arange(n) * (m - 1) / max(n - 1, 1)).astype(int)
    return np.ascontiguousarray(labels.take(index, axis=axis))


def mask_to_square(mask: np.ndarray, how: tuple | None) -> np.ndarray:
    """A mask of the original grid on :func:`as_square_pixels`'s (nearest neighbour)."""
    if how is None:
        return mask
    axis, n, m = how
    index = np.rint(np.arange(m) * (n - 1) / max(m - 1, 1)).astype(int)
    return np.ascontiguousarray(mask.take(index, axis=axis))


def index_to_square(kji, how: tuple | None) -> tuple:
    """A voxel index of the original grid on :func:`as_square_pixels`'s."""
    if how is None:
        return tuple(kji)
    axis, n, m = how
    out = list(kji)
    out[axis] = int(round(kji[axis] * (m - 1) / max(n - 1, 1)))
    return tuple(out)


__all__ = ["as_square_pixels", "index_to_square", "labels_back", "mask_to_square"]
