import numpy as np


def full(patch, shape) -> np.ndarray:
    """A patch's mask placed in an all-False array of ``shape`` (tests compare whole arrays)."""
    out = np.zeros(shape, bool)
    out[patch.region] = patch.mask
    return out


def mm_distance(shape, center, spacing, axes=(0, 1, 2)) -> np.ndarray:
    """Distance in mm from every voxel centre to ``center`` along ``axes`` only — the
    geometry computed directly from np.indices, apart from the code under test."""
    grid = np.indices(shape).astype(float)
    return np.sqrt(sum(((grid[a] - center[a]) * spacing[a]) ** 2 for a in axes))
