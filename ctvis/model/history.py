"""Undo and redo of label-map edits (napari's labels history is the pattern): each step keeps
the changed region's old and new values (``labelmap.Edit``), never a copy of the volume.

* :meth:`EditHistory.apply` writes a value (0: erase) where a mask is true, :meth:`replace`
  makes a segment equal a mask inside a region (what Islands, Margin, Smoothing, Logical and
  Threshold's fill hand back), :meth:`erase` erases one segment only; each is one step,
  optionally under :class:`~ctvis.core.editing.masking.MaskingSettings`;
* :meth:`record` keeps an edit that other code wrote with ``LabelMap.write``;
  :meth:`record_table` a change of a segment table (rows a delete, merge or split removed
  or added), so that undoing those brings the rows back with their voxels;
* ``with history.command("paint"):`` makes every write inside it one step (a stroke of many
  mouse events is undone at once);
* the steps' memory (old + new values) stays within ``budget`` bytes (512 MiB unless set):
  the oldest steps go first; a step bigger than the whole budget is applied but not kept;
* ``events.changed(HistoryUse)`` after every change of the history, for a dock to show.

Edits are trimmed to the box of the voxels they really changed; an edit that changed nothing
(a locked segment, the same value) is no step.  Undo writes back whatever the step held, even
into a segment locked since.
"""
from __future__ import annotations

from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ctvis.core.editing.masking import MaskingSettings, allowed
from ctvis.core.editing.region import box_of, offset, relative
from ctvis.model.events import Events
from ctvis.model.labelmap import Edit, LabelMap, normalize_region

DEFAULT_BUDGET = 512 * 2 ** 20
MERGE_ALWAYS = 2 ** 20     # a command's union box up to this many bytes (old + new): merged
MERGE_FACTOR = 4           # a larger one when it costs at most this times its edits apart


@dataclass(frozen=True, eq=False)
class TableEdit:
    """A label map's segment table before and after a change (rows are small: no budget)."""
    old: tuple
    new: tuple


@dataclass(frozen=True, eq=False)
class Step:
    """One undo step: the (label map, edit) pairs of one command, in the order written, and
    the (label map, TableEdit) pairs of its table changes."""
    name: str
    edits: tuple
    tables: tuple = ()

    @property
    def nbytes(self) -> int:
        return sum(edit.old.nbytes + edit.new.nbytes for _, edit in self.edits)


@dataclass(frozen=True)
class HistoryUse:
    """What a dock shows: steps to undo and redo, bytes held, the budget, steps dropped."""
    undo_steps: int
    redo_steps: int
    nbytes: int
    budget: int
    dropped: int


class EditHistory:
    """The undo and redo stacks of label-map edits, within a memory budget in bytes."""

    def __init__(self, budget: int = DEFAULT_BUDGET):
        self._undo: deque[Step] = deque()
        self._redo: deque[Step] = deque()          # right end: the next step to redo
        self._nbytes = 0
        self._budget = self._checked_budget(budget)
        self._open: list | None = None             # the edits of the command being made
        self._open_tables: list = []               # and its table changes
        self.dropped = 0
        self.events = Events(("changed",))

    # ---------------------------------------------------------------- writes
    def apply(self, labelmap: LabelMap, region, value, mask=None, *,
              masking: MaskingSettings | None = None, hu: np.ndarray | None = None,
              name: str = "edit") -> Edit:
        """Write ``value`` (0: erase every unlocked segment) into ``region`` where ``mask``
        (bool, the region's shape; None: all of it) is true and ``masking`` allows
        (``hu``: the whole volume's HU, needed for a HU range).  One step, or part of the
        open command."""
        region = normalize_region(region, labelmap.shape)
        where = self._where(region, mask)
        if masking is not None:
            where &= allowed(labelmap.array[region], _cut(hu, region), int(value), masking)
        return self.record(labelmap, labelmap.write(region, value, where), name)

    def erase(self, labelmap: LabelMap, region, value: int, mask=None, *,
              masking: MaskingSettings | None = None, hu: np.ndarray | None = None,
              name: str = "erase") -> Edit:
        """Erase segment ``value`` only (other segments stay) where ``mask`` is true."""
        region = normalize_region(region, labelmap.shape)
        current = labelmap.array[region]
        where = self._where(region, mask) & (current == value)
        if masking is not None:
            where &= allowed(current, _cut(hu, region), 0, masking)
        return self.record(labelmap, labelmap.write(region, 0, where), name)

    def replace(self, labelmap: LabelMap, region, value: int, mask, *,
                masking: MaskingSettings | None = None, hu: np.ndarray | None = None,
                name: str = "edit") -> Edit:
        """Make segment ``value`` equal ``mask`` inside ``region``: painted where the mask is
        true, erased where it held the segment and the mask is false.  One write, one step."""
        if int(value) <= 0:
            raise ValueError(f"replace sets a segment (label value > 0), got {value}")
        region = normalize_region(region, labelmap.shape)
        mask = self._where(region, mask)
        current = labelmap.array[region]
        paint, erase = mask & (current != value), ~mask & (current == value)
        if masking is not None:
            h = _cut(hu, region)
            paint &= allowed(current, h, int(value), masking)
            erase &= allowed(current, h, 0, masking)
        values = np.where(paint, value, 0).astype(labelmap.array.dtype)
        return self.record(labelmap, labelmap.write(region, values, paint | erase), name)

    def record(self, labelmap: LabelMap, edit: Edit, name: str = "edit") -> Edit:
        """Keep an edit already written by ``labelmap.write`` elsewhere (the Segments dock's
        delete and merge) as a step, or as part of the open command."""
        kept = _trimmed(edit)
        if kept is None:
            return edit
        self._drop_redo()                      # a new edit ends the redo branch
        if self._open is not None:
            self._open.append((labelmap, kept))
        else:
            self._push(Step(name, ((labelmap, kept),)))
        return edit

    def record_table(self, labelmap: LabelMap, old, new, name: str = "edit") -> None:
        """Keep a change of ``labelmap``'s segment table from ``old`` to ``new`` rows (already
        made) as a step, or as part of the open command; undo sets ``old`` back."""
        old, new = tuple(old), tuple(new)
        if old == new:
            return
        self._drop_redo()
        pair = (labelmap, TableEdit(old, new))
        if self._open is not None:
            self._open_tables.append(pair)
        else:
            self._push(Step(name, (), (pair,)))

    @contextmanager
    def command(self, name: str):
        """Every write inside is one step (nested commands join the outer one).  Writes made
        before an error stay and are kept as the step, so they can be undone."""
        if self._open is not None:
            yield
            return
        self._open, self._open_tables = [], []
        try:
            yield
        finally:
            edits, self._open = self._open, None
            step = Step(name, _grouped(edits), tuple(self._open_tables))
            self._open_tables = []
            if step.edits or step.tables:
                self._push(step)
            elif edits:                        # painted then erased: only redo went
                self._changed()

    # ------------------------------------------------------------- undo, redo
    @property
    def can_undo(self) -> bool:
        return bool(self._undo) and self._open is None

    @property
    def can_redo(self) -> bool:
        return bool(self._redo) and self._open is None

    def undo(self) -> bool:
        """Undo the last step; False when there is none."""
        if not self.can_undo:
            return False
        step = self._undo.pop()
        for labelmap, table in reversed(step.tables):     # rows first: voxels have a colour
            labelmap.set_segments(table.old)
        for labelmap, edit in reversed(step.edits):
            labelmap.restore(edit, undo=True)
        self._redo.append(step)
        self._changed()
        return True

    def redo(self) -> bool:
        """Redo the last undone step; False when there is none."""
        if not self.can_redo:
            return False
        step = self._redo.pop()
        for labelmap, edit in step.edits:
            labelmap.restore(edit, undo=False)
        for labelmap, table in step.tables:
            labelmap.set_segments(table.new)
        self._undo.append(step)
        self._changed()
        return True

    def clear(self) -> None:
        """Forget every step (a new volume, a replaced label map)."""
        self._undo.clear()
        self._redo.clear()
        self._nbytes = 0
        self._changed()

    # ----------------------------------------------------------------- memory
    @property
    def budget(self) -> int:
        return self._budget

    @budget.setter
    def budget(self, value: int) -> None:
        self._budget = self._checked_budget(value)
        self._fit()
        self._changed()

    @property
    def nbytes(self) -> int:
        return self._nbytes

    @property
    def use(self) -> HistoryUse:
        return HistoryUse(len(self._undo), len(self._redo), self._nbytes, self._budget,
                          self.dropped)

    @property
    def next_undo(self) -> Step | None:
        """The step :meth:`undo` would undo."""
        return self._undo[-1] if self._undo else None

    def labelmaps(self) -> list[LabelMap]:
        """The label maps the held steps (undo and redo) write into."""
        seen = {}
        for step in (*self._undo, *self._redo):
            for labelmap, _ in (*step.edits, *step.tables):
                seen[id(labelmap)] = labelmap
        return list(seen.values())

    def steps(self) -> list[str]:
        """The names of the steps that can be undone, oldest first."""
        return [step.name for step in self._undo]

    # ---------------------------------------------------------------- inside
    @staticmethod
    def _checked_budget(value) -> int:
        value = int(value)
        if value < 0:
            raise ValueError(f"history budget must be >= 0 bytes, got {value}")
        return value

    @staticmethod
    def _where(region, mask) -> np.ndarray:
        shape = tuple(s.stop - s.start for s in region)
        if mask is None:
            return np.ones(shape, bool)
        mask = np.asarray(mask, bool)
        if mask.shape != shape:
            raise ValueError(f"mask {mask.shape} differs from the region {shape}")
        return mask.copy()

    def _push(self, step: Step) -> None:
        if not step.edits and not step.tables:
            return
        self._undo.append(step)
        self._nbytes += step.nbytes
        self._fit()
        self._changed()

    def _drop_redo(self) -> None:
        self._nbytes -= sum(step.nbytes for step in self._redo)
        self._redo.clear()

    def _fit(self) -> None:
        while self._nbytes > self._budget and self._undo:
            self._nbytes -= self._undo.popleft().nbytes
            self.dropped += 1
        while self._nbytes > self._budget and self._redo:   # a budget lowered after undo
            self._nbytes -= self._redo.popleft().nbytes
            self.dropped += 1

    def _changed(self) -> None:
        self.events.changed.emit(self.use)


def _cut(hu, region):
    return None if hu is None else hu[region]


def _trimmed(edit: Edit) -> Edit | None:
    """``edit`` cut to the box of the voxels it changed; None when it changed none."""
    box = box_of(edit.old != edit.new)
    if box is None:
        return None
    if all(b.stop - b.start == n for b, n in zip(box, edit.old.shape)):
        return edit
    return Edit(offset(box, edit.region), edit.old[box].copy(), edit.new[box].copy())


def _grouped(edits: list) -> tuple:
    """A command's edits, those of each label map merged into one edit over their union box
    (one change event on undo, not one per mouse event) when that box is small (a stroke in
    a slice) or costs at most MERGE_FACTOR times the edits apart; kept apart otherwise (a
    long diagonal stroke of spheres through the volume)."""
    by_map: dict[int, list] = {}
    for labelmap, edit in edits:
        by_map.setdefault(id(labelmap), []).append((labelmap, edit))
    out = []
    for pairs in by_map.values():
        labelmap = pairs[0][0]
        parts = [edit for _, edit in pairs]
        box = tuple(slice(min(e.region[a].start for e in parts),
                          max(e.region[a].stop for e in parts)) for a in range(3))
        size = int(np.prod([s.stop - s.start for s in box])) * labelmap.array.itemsize
        apart = sum(e.old.nbytes + e.new.nbytes for e in parts)
        if len(parts) == 1 or 2 * size > max(MERGE_ALWAYS, MERGE_FACTOR * apart):
            out.extend(pairs)
            continue
        new = labelmap.array[box].copy()
        old = new.copy()
        for edit in reversed(parts):           # the earliest old value of a voxel wins
            old[relative(edit.region, box)] = edit.old
        merged = _trimmed(Edit(box, old, new))
        if merged is not None:                 # painted then erased: nothing to keep
            out.append((labelmap, merged))
    return tuple(out)
