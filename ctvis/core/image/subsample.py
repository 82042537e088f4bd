"""Coarser copies of a volume for previews and levels of detail: an integer step per axis."""
from __future__ import annotations

import math

import numpy as np


def grid_step(shape, budget: int) -> int:
    """The smallest integer step whose subsampled grid has at most ``budget`` voxels."""
    step = 1
    while math.prod(-(-n // step) for n in shape) > budget:
        step += 1
    return step


def subsampled(array: np.ndarray, step) -> np.ndarray:
    """``array`` [z, y, x] taking every ``step``-th voxel (an int, or one per axis)."""
    steps = (step,) * 3 if np.isscalar(step) else tuple(step)
    if steps == (1, 1, 1):
        return array
    return np.ascontiguousarray(array[::steps[0], ::steps[1], ::steps[2]])
