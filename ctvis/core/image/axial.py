"""A volume's array in axial order, whatever order its file stored it in.

The lung and lesion methods work on axial slices (the trachea is a round air column in
them, a nodule's RECIST diameters lie in one of them).  A coronal or sagittal stack (a
reformat opened on purpose, a converter's axis order) holds the same patient with its
array axes permuted; the viewer already shows it by the direction matrix
(``core.image.slicing``).  These helpers give the methods the axial order — slices along
the patient's head-foot axis, rows front-back, columns right-left, each axis in whatever
sense it was stored (the methods take flips already) — and put their results back.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.image.slicing import patient_axes
from ctvis.core.volume import Volume

AXIAL = (2, 1, 0)        # the patient axis (LPS: 0 = L, 1 = P, 2 = S) of array axes z, y, x


def axial_order(direction) -> tuple[int, int, int] | None:
    """The permutation (new array axis → stored array axis) that puts a volume of this
    direction matrix in axial order; None when it is already, or when its axes are too
    oblique to tell (45°: left as stored)."""
    try:
        axes = patient_axes(direction)
    except ValueError:
        return None
    perm = tuple(next(a for a, (p, _) in enumerate(axes) if p == t) for t in AXIAL)
    return None if perm == (0, 1, 2) else perm


def as_axial(volume: Volume) -> tuple[Volume, tuple | None]:
    """(``volume`` in axial order, the permutation used or None: then ``volume`` itself)."""
    perm = axial_order(volume.direction)
    if perm is None:
        return volume, None
    direction = np.empty((3, 3))
    for axis in range(3):                    # direction's columns are the x, y, z axes
        direction[:, 2 - axis] = volume.direction[:, 2 - perm[axis]]
    meta = dict(volume.meta)
    meta.pop("outside_field", None)          # the loader's (y, x) mask of the stored order
    return Volume(np.ascontiguousarray(volume.array.transpose(perm)),
                  tuple(volume.spacing[p] for p in perm), volume.origin, direction,
                  meta), perm


def as_axial_array(array: np.ndarray, perm: tuple | None) -> np.ndarray:
    """An array on the stored volume's grid (a mask) in the axial order."""
    if perm is None:
        return array
    return np.ascontiguousarray(array.transpose(perm))


def as_stored(array: np.ndarray, perm: tuple | None) -> np.ndarray:
    """An array on the axial volume's grid back in the stored order."""
    if perm is None:
        return array
    return np.ascontiguousarray(array.transpose(np.argsort(perm)))


def index_as_stored(kji, perm: tuple | None) -> tuple:
    """A voxel index (k, j, i) of the axial volume as an index of the stored one."""
    if perm is None:
        return tuple(kji)
    out = [0, 0, 0]
    for axis, stored in enumerate(perm):
        out[stored] = kji[axis]
    return tuple(out)


def index_as_axial(kji, perm: tuple | None) -> tuple:
    """A voxel index of the stored volume as an index of the axial one."""
    if perm is None:
        return tuple(kji)
    return tuple(kji[stored] for stored in perm)


__all__ = ["as_axial", "as_axial_array", "as_stored", "axial_order", "index_as_axial",
           "index_as_stored"]
