"""A label array on one grid → another grid, nearest neighbour (labels are never blended).

The source grid is given by its 4×4 affine from array indices (k, j, i) to LPS mm (as
highdicom's volumes state it); the target is a Volume.  When the target's voxels sit on
the source's voxels (the same series: identity axes, a whole-voxel offset) the array is
copied by slices, otherwise it is sampled one target slice at a time (memory of one slice).
"""
from __future__ import annotations

import numpy as np

from ctvis.core.volume import Volume

ON_VOXEL = 1e-3          # voxel units: a target voxel this close to a source voxel is it


def kji_affine(volume: Volume) -> np.ndarray:
    """4×4 from (k, j, i) indices to LPS mm of ``volume`` (its own matrix takes i, j, k)."""
    m = volume.index_to_patient_matrix
    out = np.eye(4)
    out[:3, :3] = m[:3, [2, 1, 0]]
    out[:3, 3] = m[:3, 3]
    return out


def nearest_onto(array: np.ndarray, affine: np.ndarray, volume: Volume) -> np.ndarray:
    """``array`` (k, j, i on the grid of ``affine``) sampled at ``volume``'s voxels; 0
    outside it."""
    m = np.linalg.inv(affine) @ kji_affine(volume)        # target kji -> source kji
    out = np.zeros(volume.shape, array.dtype)
    lin, shift = m[:3, :3], m[:3, 3]
    if np.allclose(lin, np.eye(3), atol=ON_VOXEL) and \
            np.allclose(shift, np.rint(shift), atol=ON_VOXEL):
        lo = np.rint(shift).astype(int)                     # target 0 is source lo
        src = [slice(max(a, 0), min(a + n, s)) for a, n, s in zip(lo, volume.shape, array.shape)]
        dst = [slice(s.start - a, s.stop - a) for s, a in zip(src, lo)]
        if all(s.stop > s.start for s in src):
            out[tuple(dst)] = array[tuple(src)]
        return out
    jj, ii = np.mgrid[0:volume.shape[1], 0:volume.shape[2]]
    plane = np.stack([np.zeros_like(jj), jj, ii], axis=-1).reshape(-1, 3) @ lin.T
    limit = np.array(array.shape)
    for k in range(volume.shape[0]):
        idx = np.rint(plane + lin[:, 0] * k + shift).astype(int)
        inside = np.all((idx >= 0) & (idx < limit), axis=1)
        flat = out[k].reshape(-1)
        flat[inside] = array[idx[inside, 0], idx[inside, 1], idx[inside, 2]]
    return out


__all__ = ["nearest_onto", "kji_affine"]
