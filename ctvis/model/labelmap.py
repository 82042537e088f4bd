"""Label maps that change in place: an array on the volume's grid, its segment table, a
revision and "changed region" events (no Qt, no VTK).

A :class:`LabelMap` is one uint8/uint16 array [z, y, x] on the grid of the volume it belongs
to, with a table of :class:`Segment` rows (name, label value, colour, visible, locked, how it
was made).  A volume may carry several label maps (``ViewerState.overlays``), so segments of
different maps can overlap (a lesion inside a lung).

Edits happen in place, never by copying the volume:

* :meth:`LabelMap.write` writes values into a region (a tuple of slices, the bounding box
  of the edit), bumps ``revision``, emits ``events.changed`` with a :class:`LabelChange`
  and returns the change (region, old values, new values): enough to undo or redo it with
  :meth:`LabelMap.restore` — never a copy of the volume;
* code that wrote into ``labelmap.array`` itself calls :meth:`LabelMap.notify` with the
  region it touched.

Views key on ``(labelmap, revision)`` instead of array identity and redraw only what the
region covers (slice views: only when it crosses the shown slice; 3D: only the segments the
region holds or held).  A change of the table (a colour, visibility) emits
``events.segments``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ctvis.core.labels import AIRWAY, LUNG_LABELS
from ctvis.model.events import Events

DTYPES = (np.uint8, np.uint16)


@dataclass(frozen=True)
class Segment:
    """One row of a label map's table."""
    name: str
    value: int                               # the label value in the array (1 ... 65535)
    color: tuple[int, int, int]              # RGB 0-255
    visible: bool = True
    locked: bool = False                     # editor tools leave a locked segment alone
    origin: str | None = None                # how it was made: a method, a file, a tool
    opacity: float = 1.0                     # times its map's opacity (0 to 1), 2D and 3D

    def __post_init__(self):
        if not 0 < int(self.value) <= 65535:
            raise ValueError(f"segment {self.name!r}: label value {self.value} is not in "
                             f"1..65535")
        color = tuple(int(c) for c in self.color)
        if len(color) != 3 or not all(0 <= c <= 255 for c in color):
            raise ValueError(f"segment {self.name!r}: colour {self.color!r} is not RGB 0-255")
        if not 0.0 <= float(self.opacity) <= 1.0:
            raise ValueError(f"segment {self.name!r}: opacity {self.opacity!r} is not in 0..1")
        object.__setattr__(self, "value", int(self.value))
        object.__setattr__(self, "color", color)
        object.__setattr__(self, "opacity", float(self.opacity))

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "color": list(self.color),
                "visible": self.visible, "locked": self.locked, "origin": self.origin,
                "opacity": self.opacity}

    @classmethod
    def from_dict(cls, d: dict) -> "Segment":
        return cls(str(d["name"]), int(d["value"]), tuple(d["color"]),
                   bool(d.get("visible", True)), bool(d.get("locked", False)),
                   d.get("origin"), float(d.get("opacity", 1.0)))


def lung_segments(origin: str | None = None) -> tuple[Segment, ...]:
    """The lungs' table: right (1), left (2), airway (3) — the first rows of any lung map."""
    return tuple(Segment(label.name, label.value, label.color, origin=origin)
                 for label in (*LUNG_LABELS, AIRWAY))


@dataclass(frozen=True)
class LabelChange:
    """What one edit changed: ``region`` (a tuple of three slices with explicit bounds, the
    bounding box) and ``values`` (the label values written or overwritten there; None: not
    known, e.g. after :meth:`LabelMap.notify` without values)."""
    region: tuple
    values: frozenset | None = None
    revision: int = 0

    def crosses(self, axis: int, index: int) -> bool:
        """Whether the region holds plane ``index`` of array axis ``axis``."""
        s = self.region[axis]
        return s.start <= index < s.stop


@dataclass(frozen=True, eq=False)
class Edit:
    """An edit that can be undone: the region and its values before and after (copies of
    the region only)."""
    region: tuple
    old: np.ndarray
    new: np.ndarray


def full_region(shape) -> tuple:
    return tuple(slice(0, int(n)) for n in shape)


def normalize_region(region, shape) -> tuple:
    """``region`` (None: everything; a tuple of slices or ints, fewer than three axes allowed)
    as three slices with explicit bounds clipped to ``shape``, step 1."""
    if region is None:
        return full_region(shape)
    if not isinstance(region, tuple):
        region = (region,)
    if len(region) > 3:
        raise ValueError(f"a region has at most three axes, got {len(region)}")
    out = []
    for axis, n in enumerate(shape):
        r = region[axis] if axis < len(region) else slice(None)
        if isinstance(r, (int, np.integer)):
            r = int(r) + n if r < 0 else int(r)
            r = slice(r, r + 1)
        if not isinstance(r, slice) or r.step not in (None, 1):
            raise ValueError(f"a region is a box of slices (step 1), got {region!r}")
        start, stop, _ = r.indices(n)
        out.append(slice(start, max(start, stop)))
    return tuple(out)


def union(a: tuple, b: tuple) -> tuple:
    """The bounding box of two regions."""
    return tuple(slice(min(x.start, y.start), max(x.stop, y.stop)) for x, y in zip(a, b))


def intersects(a: tuple, b: tuple) -> bool:
    return all(x.start < y.stop and y.start < x.stop for x, y in zip(a, b))


class LabelMap:
    """A label array with its segment table, a revision and change events.

    ``events.changed(LabelChange)`` after values changed in place; ``events.segments(table)``
    after the table changed.
    """

    def __init__(self, array: np.ndarray, segments=(), name: str | None = None):
        array = np.asarray(array)
        if array.ndim != 3:
            raise ValueError(f"a label map is 3-D, got shape {array.shape}")
        if array.dtype not in DTYPES:
            if array.size and (array.min() < 0 or array.max() > 65535):
                raise ValueError("label values must be in 0..65535")
            array = array.astype(np.uint8 if not array.size or array.max() < 256
                                 else np.uint16)
        self.array = array
        self.name = name
        self.revision = 0
        self.events = Events(("changed", "segments"))
        self._segments = self._checked(segments)

    def __repr__(self) -> str:
        return (f"LabelMap({self.name!r}, shape={self.array.shape}, "
                f"segments={[s.name for s in self.segments]}, revision={self.revision})")

    @property
    def shape(self) -> tuple:
        return self.array.shape

    # ------------------------------------------------------------------ table
    @property
    def segments(self) -> tuple[Segment, ...]:
        return self._segments

    def _checked(self, segments) -> tuple:
        segments = tuple(segments)
        values = [s.value for s in segments]
        if len(set(values)) != len(values):
            raise ValueError(f"label values repeat in the segment table: {values}")
        top = np.iinfo(self.array.dtype).max
        if any(v > top for v in values):
            raise ValueError(f"a label value above {top} does not fit a {self.array.dtype} map")
        return segments

    def set_segments(self, segments) -> None:
        """Replace the table (fires ``events.segments`` when it differs)."""
        segments = self._checked(segments)
        if segments != self._segments:
            self._segments = segments
            self.events.segments.emit(segments)

    def set_segment(self, value: int, **changes) -> Segment:
        """Change one row (``color=``, ``visible=``, ``locked=``, ``name=``, ``origin=``)."""
        row = self.segment(value)
        if row is None:
            raise KeyError(f"no segment with label value {value}")
        new = replace(row, **changes)
        self.set_segments(new if s.value == value else s for s in self._segments)
        return new

    def add_segment(self, segment: Segment) -> None:
        self.set_segments((*self._segments, segment))

    def segment(self, value: int) -> Segment | None:
        return next((s for s in self._segments if s.value == value), None)

    def segment_named(self, name: str) -> Segment | None:
        return next((s for s in self._segments if s.name == name), None)

    def color_of(self, value: int) -> tuple[int, int, int] | None:
        s = self.segment(value)
        return None if s is None else s.color

    # ----------------------------------------------------------------- values
    def write(self, region, values, where=None) -> Edit:
        """Write ``values`` (a number or an array of the region's shape) into ``region``, only
        where ``where`` (a bool array of the region's shape) is true if given; voxels of a
        locked segment are left as they are.  Returns the :class:`Edit` for undo."""
        region = normalize_region(region, self.array.shape)
        view = self.array[region]
        old = view.copy()
        mask = np.ones(view.shape, bool) if where is None else np.asarray(where, bool)
        locked = [s.value for s in self._segments if s.locked]
        if locked:
            mask = mask & ~np.isin(old, locked)
        np.copyto(view, np.asarray(values).astype(view.dtype, copy=False), where=mask)
        new = view.copy()
        touched = mask & (old != new)
        written = set(np.unique(old[touched]).tolist()) | set(np.unique(new[touched]).tolist())
        self.notify(region, written - {0})
        return Edit(region, old, new)

    def restore(self, edit: Edit, undo: bool = True) -> None:
        """Undo ``edit`` (its old values back), or redo it (``undo=False``)."""
        values = edit.old if undo else edit.new
        view = self.array[edit.region]
        before = view.copy()
        view[...] = values
        changed = set(np.unique(before).tolist()) | set(np.unique(values).tolist())
        self.notify(edit.region, changed - {0})

    def notify(self, region=None, values=None) -> LabelChange:
        """Say that ``region`` (None: all of it) changed in place: revision + 1 and
        ``events.changed``.  ``values``: the label values written or overwritten, if known."""
        region = normalize_region(region, self.array.shape)
        self.revision += 1
        change = LabelChange(region, None if values is None else frozenset(
            int(v) for v in values), self.revision)
        self.events.changed.emit(change)
        return change

    def values_in(self, region) -> set[int]:
        """The label values (not 0) inside ``region``."""
        return set(np.unique(self.array[normalize_region(region, self.array.shape)]).tolist()) \
            - {0}


__all__ = ["LabelMap", "Segment", "LabelChange", "Edit", "lung_segments", "normalize_region",
           "full_region", "union", "intersects"]
