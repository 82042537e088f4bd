"""Resampling to isotropic voxels with scipy.ndimage, geometry kept exact.

The output grid starts at the same voxel centre (origin unchanged) and covers the same extent;
the index → patient mapping only changes its spacing.  Work is done in slabs of output slices
so that it reports progress, can be cancelled and never holds a float copy of the volume.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.progress import Progress
from ctvis.core.volume import Volume


def isotropic_shape(shape, spacing, target: float) -> tuple[int, int, int]:
    return tuple(int(np.floor((n - 1) * d / target + 1e-6)) + 1 for n, d in zip(shape, spacing))


def resample_isotropic(volume: Volume, spacing_mm: float | None = None, order: int = 1,
                       progress=None, cancel=None, slab: int = 16) -> Volume:
    """Resample to cubic voxels of ``spacing_mm`` (default: the finest spacing).

    ``order`` is the spline order (0 nearest — use it for label masks —, 1 linear, 3 cubic).
    """
    target = float(spacing_mm) if spacing_mm else float(min(volume.spacing))
    if target <= 0:
        raise ValueError(f"spacing must be positive, got {spacing_mm}")
    tick = Progress(progress, cancel)
    scale = np.array([target / d for d in volume.spacing])        # output step in input voxels
    out_shape = isotropic_shape(volume.shape, volume.spacing, target)
    src = volume.array
    out = np.empty(out_shape, dtype=src.dtype)
    margin = order + 2                     # spline support on each side of a slab
    for start in range(0, out_shape[0], slab):
        tick(start / out_shape[0], f"resampling slice {start}/{out_shape[0]}")
        stop = min(start + slab, out_shape[0])
        z0 = start * scale[0]
        lo = max(int(np.floor(z0)) - margin, 0)
        hi = min(int(np.ceil((stop - 1) * scale[0])) + margin + 1, src.shape[0])
        values = ndimage.affine_transform(
            src[lo:hi].astype(np.float32), scale, offset=(z0 - lo, 0.0, 0.0),
            output_shape=(stop - start,) + out_shape[1:], order=order, mode="nearest",
            prefilter=order > 1)
        _store(out, start, stop, values)
    tick(1.0, "resampled")
    meta = dict(volume.meta, resampled_from=list(volume.spacing))
    return volume.with_array(out, spacing=(target,) * 3, meta=meta)


def _store(out, start, stop, values):
    if np.issubdtype(out.dtype, np.integer):
        info = np.iinfo(out.dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    out[start:stop] = values
