"""Threshold: paint only where HU is in a range, or make a segment from a range at once.

The range [lo, hi] is inclusive on both ends, as Slicer's threshold effect.
"""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.editing.region import Patch, box_of, changes, empty_patch


def in_range(hu: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Bool mask of the voxels of ``hu`` (any region) with lo <= HU <= hi (the live preview)."""
    lo, hi = float(lo), float(hi)
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise ValueError(f"a HU range needs lo <= hi, got [{lo}, {hi}]")
    return (hu >= lo) & (hu <= hi)


def threshold_brush(patch: Patch, hu: np.ndarray, lo: float, hi: float) -> Patch:
    """A brush or stroke ``patch`` kept only where the whole-volume ``hu`` is in range."""
    return Patch(patch.region, patch.mask & in_range(hu[patch.region], lo, hi))


def threshold_fill(hu: np.ndarray, lo: float, hi: float, segment: np.ndarray | None = None
                   ) -> Patch:
    """The segment made from a range over the whole volume.  ``segment``: its current bool
    mask (volume shape); given, the patch is exactly what changes (voxels out of range are
    dropped from the segment too), else the box of the in-range voxels."""
    inside = in_range(hu, lo, hi)
    if segment is not None:
        return changes(np.asarray(segment, bool), inside)
    box = box_of(inside)
    return empty_patch() if box is None else Patch(box, inside[box])
