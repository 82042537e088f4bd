"""A child's chest, segmented as the same anatomy at an adult's size.

The lung backend's lengths, areas and volumes are an adult's: a trachea at least 7 mm wide,
a 3 mm coarse grid, lung pieces of 5 mL and more.  A young child's chest is much the same
anatomy, smaller: on lidc-0001-full with every length × 0.4 (96 mm front to back, an
infant's) no trachea was found and the lung bases, thin crescents on the coarse grid, were
lost.  So a chest less than ``ADULT_DEPTH_MM`` deep is segmented as if its voxels were
larger by that ratio: the same voxels, so the labels are on the volume's grid.

Depth, front to back, is measured (the smaller of the body's two in-plane extents: arms
beside a patient widen it, and the chest is wider than deep).  A body cut by the field's
edge or by a crop along both extents has no depth to measure and is left as it is; cut at
its sides only, its depth front to back is measured.  No Qt, no VTK.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.image.body import BODY_THRESHOLD_HU, COARSE_MM, coarse_factor
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use
from ctvis.core.volume import Volume

ADULT_DEPTH_MM = 160.0      # a small adult's chest is deeper than this (here 196-264 mm);
                            # a ten-year-old's about this, an infant's 90-120
SMALLEST_DEPTH_MM = 50.0    # shallower is no chest (a limb, a test object): left as it is
SAMPLES = 9                 # slices measured, over the middle of the scan


def chest_depth_mm(volume: Volume, outside: np.ndarray | None = None) -> float | None:
    """The body's depth (mm, the median over a few slices), or None where it cannot be
    measured (the body cut by the array's border or ``outside``, the field's edge)."""
    n = volume.shape[0]
    f = coarse_factor(volume.spacing, COARSE_MM)
    pitch = np.array(volume.spacing[1:]) * f
    edge = np.zeros(volume.array[0, ::f, ::f].shape, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    if outside is not None and outside.any():
        edge |= ndimage.binary_dilation(outside[::f, ::f])
    # The slice's axis nearest patient y (LPS): direction's columns are the patient
    # directions of the i, j, k index axes, and a slice's first axis is j.
    front_back = 0 if abs(volume.direction[1, 1]) >= abs(volume.direction[1, 0]) else 1
    depths = []
    for k in np.unique(np.linspace(0.2 * (n - 1), 0.8 * (n - 1), SAMPLES).round().astype(int)):
        filled = ndimage.binary_fill_holes(volume.array[k, ::f, ::f] > BODY_THRESHOLD_HU)
        parts, count = ndimage.label(filled)
        if count == 0:
            continue
        body = parts == 1 + int(np.argmax(np.bincount(parts.ravel())[1:]))
        depth = _smaller_extent(body, body & edge, pitch, front_back)
        if depth is not None:
            depths.append(depth)
    if 2 * len(depths) < SAMPLES:
        return None
    return float(np.median(depths))


def _smaller_extent(body: np.ndarray, cut: np.ndarray, pitch,
                    front_back: int) -> float | None:
    """The smaller of ``body``'s extents along the rows and the columns (mm), or None when
    it cannot be told.  An extent whose first or last line holds only ``cut`` pixels (the
    body meets the field's or the array's edge all along it) is only a lower bound.  Where
    the body's own surface shows on an end line, it ends there (a field that cuts one side
    of a flat chest reaches its front line too).  A tight field cuts the sides, not the
    front and back: the extent along ``front_back`` (the slice's axis nearest patient y),
    whole, is the depth however wide the body is."""
    extents = []
    free = body & ~cut
    for axis in (0, 1):                     # along the rows (the first axis), the columns
        lines = np.flatnonzero(body.any(axis=1 - axis))
        shown = free.any(axis=1 - axis)[[lines[0], lines[-1]]]
        extents.append(((lines[-1] - lines[0] + 1) * float(pitch[axis]), bool(shown.all())))
    (first, first_whole), (second, second_whole) = extents
    if first_whole and second_whole:
        return min(first, second)
    mm, whole = extents[front_back]
    return mm if whole else None


def adult_sized(volume: Volume, outside: np.ndarray | None = None) -> tuple[Volume, float]:
    """(``volume`` with its voxels scaled up to an adult chest's depth, the scale: a length
    there is this times the patient's), or (``volume``, 1.0) for an adult's chest."""
    depth = chest_depth_mm(volume, outside)
    if depth is None or not SMALLEST_DEPTH_MM <= depth < ADULT_DEPTH_MM:
        return volume, 1.0
    scale = ADULT_DEPTH_MM / depth
    return Volume(volume.array, spacing=tuple(s * scale for s in volume.spacing),
                  origin=volume.origin, direction=volume.direction,
                  meta=volume.meta), scale


__all__ = ["adult_sized", "chest_depth_mm", "ADULT_DEPTH_MM"]
