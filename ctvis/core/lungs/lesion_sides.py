"""Lesions inside the pleura join the lung envelope (a lung's outline, as a reader draws it,
holds its nodules and tumours).

A lesion segment is inside the pleura when it touches a lung: the one-click lesion stops at
the chest wall and the mediastinum, so what it holds that touches the lung lies against the
pleura or within it.  Each of its voxels takes the side of the nearest lung voxel (a lesion
between both lungs is shared along the middle between them).  Voxels already labelled
(the airway) keep their label.  No Qt, no VTK.
"""
from __future__ import annotations

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.labels import LUNG_LABELS

SIDES = tuple(label.value for label in LUNG_LABELS)


def lesion_sides(lungs: np.ndarray, lesion: np.ndarray, region=None) -> dict[int, tuple]:
    """{side value: (region, mask)} of the voxels of ``lesion`` (bool) to add to lung
    ``side`` of the label map ``lungs`` (unchanged).  ``region``: a box (three slices)
    holding the whole lesion when ``lesion`` has the box's shape; None: ``lesion`` has the
    volume's shape.  Empty when no part of the lesion touches a lung."""
    shape = lungs.shape
    if region is None:
        found = ndimage.find_objects(lesion.astype(np.uint8))
        if not found or found[0] is None:
            return {}
        region, lesion = found[0], lesion[found[0]]
    # One voxel around the lesion shows what it touches.
    box = tuple(slice(max(r.start - 1, 0), min(r.stop + 1, n)) for r, n in zip(region, shape))
    inner = tuple(slice(r.start - b.start, r.stop - b.start) for r, b in zip(region, box))
    near = lungs[box]
    grown = np.zeros(near.shape, bool)
    grown[inner] = lesion
    parts, _ = ndimage.label(grown, structure=np.ones((3, 3, 3), bool))
    lung = np.isin(near, SIDES)
    if not lung.any():
        return {}
    # A part touches a lung when a lung voxel lies next to one of its voxels.
    touching = np.unique(parts[ndimage.binary_dilation(lung, np.ones((3, 3, 3), bool))
                               & grown])
    if touching.size == 0:
        return {}
    add = np.isin(parts, touching) & (near == 0)
    # The side of each added voxel: that of its nearest lung voxel in the box.
    out = {}
    _, nearest = ndimage.distance_transform_edt(~lung, return_indices=True)
    side = near[tuple(nearest)]
    for value in SIDES:
        mask = add & (side == value)
        if mask.any():
            out[value] = (box, mask)
    return out


__all__ = ["lesion_sides", "SIDES"]
