"""Voxel counts of each label value of a label map, kept per axial slice so that an edit
recounts only the slices its region spans (a brush stroke: a few slices, not the volume).
No Qt, no VTK."""
from __future__ import annotations

from collections import Counter

import numpy as np


class SliceCounts:
    """How many voxels each label value has in ``array`` [z, y, x] (0 not counted)."""

    def __init__(self, array: np.ndarray):
        self.array = array
        self._slices: list[dict] = [{} for _ in range(array.shape[0])]
        self._totals: Counter = Counter()
        self.recount(0, array.shape[0])

    def recount(self, start: int = 0, stop: int | None = None) -> None:
        """Count slices ``start`` .. ``stop - 1`` again (after they changed)."""
        stop = self.array.shape[0] if stop is None else min(stop, self.array.shape[0])
        for z in range(max(start, 0), stop):
            self._totals.subtract(self._slices[z])
            counts = np.bincount(self.array[z].ravel())
            values = np.flatnonzero(counts)
            now = {int(v): int(counts[v]) for v in values if v}
            self._slices[z] = now
            self._totals.update(now)

    def count(self, value: int) -> int:
        return max(self._totals.get(int(value), 0), 0)

    def present(self) -> set[int]:
        """The label values that have voxels."""
        return {v for v, n in self._totals.items() if n > 0}


def ml_per_voxel(spacing) -> float:
    """One voxel's volume in mL (spacing in mm)."""
    return float(np.prod(spacing)) / 1000.0


__all__ = ["SliceCounts", "ml_per_voxel"]
