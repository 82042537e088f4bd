"""What the Segments dock does to a label map, as plain functions (no Qt): add an empty
segment, delete one (its voxels cleared), merge several into one.  Voxels change only through
:meth:`LabelMap.write`, so views, surfaces and volumes follow its change events; each
function returns the edits it made (for an undo history)."""
from __future__ import annotations

import colorsys

import numpy as np

from ctvis.model.labelmap import Edit, LabelMap, Segment

GOLDEN = 0.618033988749895          # hue step that spreads any number of colours apart


def next_free_value(labelmap: LabelMap, present=()) -> int:
    """The smallest label value that neither has a row nor voxels (``present``)."""
    taken = {s.value for s in labelmap.segments} | {int(v) for v in present}
    top = int(np.iinfo(labelmap.array.dtype).max)
    for value in range(1, top + 1):
        if value not in taken:
            return value
    raise ValueError(f"label map {labelmap.name!r} has no free label value (1..{top})")


def distinct_color(used) -> tuple[int, int, int]:
    """Of 36 well-spread hues, the colour farthest from every colour in ``used``."""
    used = np.asarray(list(used), float).reshape(-1, 3)
    candidates = np.array([[round(255 * c) for c in
                            colorsys.hsv_to_rgb((n * GOLDEN) % 1.0, 0.7, 0.95)]
                           for n in range(36)], float)
    if not len(used):
        return tuple(int(c) for c in candidates[0])
    nearest = np.linalg.norm(candidates[:, None] - used[None], axis=2).min(axis=1)
    return tuple(int(c) for c in candidates[int(np.argmax(nearest))])


def add_segment(labelmap: LabelMap, name: str | None = None, present=(),
                origin: str = "added by hand") -> Segment:
    """A new empty row: the next free value and a colour unlike the others."""
    value = next_free_value(labelmap, present)
    names = {s.name for s in labelmap.segments}
    if name is None:
        name = next(f"Segment {n}" for n in range(value, value + len(names) + 2)
                    if f"Segment {n}" not in names)
    row = Segment(name, value, distinct_color(s.color for s in labelmap.segments),
                  origin=origin)
    labelmap.add_segment(row)
    return row


def _relabel(labelmap: LabelMap, value: int, new: int) -> Edit | None:
    """Write ``new`` over every voxel of ``value`` (in their bounding box only)."""
    mask = labelmap.array == value
    if not mask.any():
        return None
    box = tuple(slice(int(i.min()), int(i.max()) + 1) for i in np.nonzero(mask))
    return labelmap.write(box, new, where=mask[box])


def _unlocked(labelmap: LabelMap, values) -> None:
    locked = [labelmap.segment(v).name for v in values if labelmap.segment(v).locked]
    if locked:
        raise ValueError(f"locked: {', '.join(locked)} (unlock before changing)")


def delete_segment(labelmap: LabelMap, value: int) -> list[Edit]:
    """Clear the segment's voxels, then remove its row."""
    if labelmap.segment(value) is None:
        raise KeyError(f"no segment with label value {value}")
    _unlocked(labelmap, [value])
    edit = _relabel(labelmap, value, 0)
    labelmap.set_segments(s for s in labelmap.segments if s.value != value)
    return [edit] if edit is not None else []


def merge_segments(labelmap: LabelMap, into: int, others) -> list[Edit]:
    """Give the voxels of ``others`` the value ``into``, then remove their rows."""
    others = [int(v) for v in others if int(v) != into]
    for value in (into, *others):
        if labelmap.segment(value) is None:
            raise KeyError(f"no segment with label value {value}")
    _unlocked(labelmap, others)
    edits = [e for e in (_relabel(labelmap, v, into) for v in others) if e is not None]
    labelmap.set_segments(s for s in labelmap.segments if s.value not in others)
    return edits


__all__ = ["next_free_value", "distinct_color", "add_segment", "delete_segment",
           "merge_segments"]
