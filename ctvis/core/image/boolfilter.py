"""Minimum and maximum filters of boolean masks over a box, by AND / OR of shifted views.

On the bool slabs of a CT (millions of voxels, boxes of 3–9 pixels) ``scipy.ndimage``'s
``minimum_filter`` / ``maximum_filter`` take about seven times as long; the shifted views
give the same masks: the border is mirrored as ndimage's default mode ("reflect", NumPy's
"symmetric") and a window of even size sits as ndimage's does (one more pixel before).
"""
from __future__ import annotations

import numpy as np


def box_min(mask: np.ndarray, size) -> np.ndarray:
    """``ndimage.minimum_filter(mask, size)`` for a bool ``mask`` (an erosion by a box)."""
    return _box(mask, size, np.logical_and)


def box_max(mask: np.ndarray, size) -> np.ndarray:
    """``ndimage.maximum_filter(mask, size)`` for a bool ``mask`` (a dilation by a box)."""
    return _box(mask, size, np.logical_or)


def _box(mask: np.ndarray, size, op) -> np.ndarray:
    mask = np.asarray(mask, dtype=bool)
    sizes = (size,) * mask.ndim if np.isscalar(size) else tuple(size)
    if len(sizes) != mask.ndim:
        raise ValueError(f"size {size!r} does not match a {mask.ndim}-D mask")
    out = mask
    for axis, k in enumerate(sizes):
        if k > 1:
            out = _along(out, int(k), axis, op)
    return out.copy() if out is mask else out


def _along(a: np.ndarray, k: int, axis: int, op) -> np.ndarray:
    before = k // 2
    pad = [(0, 0)] * a.ndim
    pad[axis] = (before, k - 1 - before)
    p = np.pad(a, pad, mode="symmetric")
    n = a.shape[axis]

    def view(s):
        return p[tuple(slice(s, s + n) if i == axis else slice(None) for i in range(a.ndim))]

    out = view(0).copy()
    for s in range(1, k):
        op(out, view(s), out=out)
    return out
