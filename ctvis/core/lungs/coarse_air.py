"""3-D components of the coarse grid's air that are joined at full resolution too.

The coarse grid keeps one pixel of each f × f block (:func:`ctvis.core.image.body.subsample`).
Two air samples side by side on it may be two airs the full-resolution image keeps apart:
a lung and the air of subcutaneous emphysema in the chest wall, behind a pleura and an
intercostal muscle thinner than the grid's pitch.  Labelled as neighbours, they were one
component: the lung took the chest wall in.  So two in-plane neighbours are joined only
where the row or column of full-resolution pixels between them is lighter than the caller's
threshold (fat's lower bound for the lungs: what parts a lung from other air is fat or
denser, where a fissure's or a visceral pleura's partial-volume line is lighter).  A vessel
between two lung samples leaves them joined around it.  Along z the samples lie on the same
full-resolution column, as before.
No Qt, no VTK.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.image.body import index_box
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use


def joined_components(air: np.ndarray, full: np.ndarray, f: int,
                      threshold: float) -> tuple[np.ndarray, int]:
    """(labels, count) as ``ndimage.label(air)`` gives them, ``air`` being a mask on
    ``subsample(full, f)``'s grid, but with two in-plane neighbours joined only where every
    full-resolution pixel between them is below ``threshold``."""
    if f == 1:
        return ndimage.label(air)
    labels = np.zeros(air.shape, np.int32)
    box = index_box(air)
    if box is None:
        return labels, 0
    # In the air's box (the lungs' and what lies beside them): the pixels between its
    # samples are those of the same box on the full grid.
    full = full[(box[0],) + tuple(slice(b.start * f, b.stop * f) for b in box[1:])]
    labels[box], n = _labelled(air[box], full, f, threshold)
    return labels, n


def _labelled(air, full, f, threshold):
    c = (f - 1) // 2
    nz, ny, nx = air.shape
    bridged = np.zeros((nz, 2 * ny - 1, 2 * nx - 1), bool)
    bridged[:, ::2, ::2] = air
    if nx > 1:
        rows = full[:, c::f, :][:, :ny]
        bridged[:, ::2, 1::2] = air[:, :, :-1] & air[:, :, 1:] & _clear(rows, c, f, nx - 1,
                                                                         threshold, axis=2)
    if ny > 1:
        columns = full[:, :, c::f][:, :, :nx]
        bridged[:, 1::2, ::2] = air[:, :-1] & air[:, 1:] & _clear(columns, c, f, ny - 1,
                                                                  threshold, axis=1)
    labels, n = ndimage.label(bridged)
    return labels[:, ::2, ::2], n


def _clear(lines: np.ndarray, c: int, f: int, count: int, threshold: float,
           axis: int) -> np.ndarray:
    """Whether the ``f + 1`` pixels from sample ``i`` to sample ``i + 1`` along ``axis``
    (samples at ``c + i f``) are all below ``threshold``, for i < ``count``."""
    def shifted(t):
        index = [slice(None)] * 3
        index[axis] = slice(c + t, c + t + f * count, f)
        return lines[tuple(index)]
    densest = shifted(0)
    for t in range(1, f + 1):
        densest = np.maximum(densest, shifted(t))
    return densest < threshold


__all__ = ["joined_components"]
