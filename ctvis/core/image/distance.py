"""Euclidean distance maps in millimetres.

The ``edt`` package (seung-lab's, LGPL-3.0) computes the exact anisotropic Euclidean distance
transform 4× faster than ``scipy.ndimage.distance_transform_edt`` on a 100 × 300² chest box
(0.49 against 2.09 s, the same distances to 1e-6 mm) and without scipy's int32 index arrays
(24 bytes a voxel): the distance maps were half of a one-click lesion's time.
"""
from __future__ import annotations

import edt
import numpy as np

from ctvis.core.cores import usable_cores

PARALLEL_VOXELS = 1_000_000     # larger maps are split over the cores (edt's own threads:
                                # 1.55x on two cores at 3.4 M voxels); smaller ones would
                                # spend more on starting threads than they save


def distance_mm(mask: np.ndarray, spacing) -> np.ndarray:
    """For each true voxel of ``mask`` the distance (mm, float32) to the nearest false
    voxel; 0 on false voxels.  Beyond the array counts as true (no border), as in scipy;
    a mask with no false voxel at all is infinitely far from one (inf)."""
    # As uint8 labels 0/1 (the same distances: 0 is the only other label): edt's
    # multi-label path ran 1.7-2.1x faster than its bool path here (3.1 vs 1.5 ms on a
    # 28 x 44² box, 36 vs 17 ms on 1.5 M voxels with two threads).
    return edt.edt(np.ascontiguousarray(mask, dtype=bool).view(np.uint8),
                   anisotropy=tuple(float(s) for s in spacing), black_border=False,
                   parallel=usable_cores() if mask.size >= PARALLEL_VOXELS else 1)
