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


def volume_rows(labelmap, voxel_ml: float) -> list[dict]:
    """Every segment of ``labelmap``'s table with its volume: ``{"name", "value", "ml",
    "voxels"}`` in table order, then values present in the array that no row names
    (``Segment_<value>``), so a table of volumes never leaves voxels out."""
    counts = np.bincount(labelmap.array.ravel())
    rows, named = [], set()
    for s in labelmap.segments:
        n = int(counts[s.value]) if s.value < len(counts) else 0
        rows.append({"name": s.name, "value": s.value, "ml": n * voxel_ml, "voxels": n})
        named.add(s.value)
    for v in np.flatnonzero(counts):
        if v and int(v) not in named:
            n = int(counts[v])
            rows.append({"name": f"Segment_{int(v)}", "value": int(v), "ml": n * voxel_ml,
                         "voxels": n})
    return rows


__all__ = ["SliceCounts", "ml_per_voxel", "volume_rows"]
