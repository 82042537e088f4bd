"""The Segment Editor's model (no Qt): the active tool, the brush, the masking settings and
the one undo history of a window, and the writes every tool makes through that history.

Tools in the window turn mouse input into calls of ``ctvis.core.editing`` and hand the
patches here: :meth:`Editor.paint`, :meth:`erase` and :meth:`replace` write them into the
active segment (``ViewerState.active_segment``) under the masking settings, undoably.
``events.tool``, ``events.brush`` and ``events.masking`` fire when those change.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ctvis.core.editing.masking import EVERYWHERE, MaskingSettings
from ctvis.model import segment_actions
from ctvis.model.events import Events
from ctvis.model.history import EditHistory
from ctvis.model.labelmap import LabelMap

# The tools, 3D Slicer's effect names (the window gives each a module, a button and a key).
TOOLS = ("paint", "erase", "threshold", "islands", "scissors", "margin", "smoothing",
         "logical", "grow_from_seeds", "fill_between", "lesion")
NEW_MAP = "segments"          # the map Paint makes a segment in when there is none
BRUSH_MM = (0.5, 100.0)       # the brush radius's range


@dataclass(frozen=True)
class Brush:
    radius_mm: float = 5.0
    sphere: bool = False           # False: a disk in the slice painted on

    def __post_init__(self):
        r = min(max(float(self.radius_mm), BRUSH_MM[0]), BRUSH_MM[1])
        object.__setattr__(self, "radius_mm", r)


class Editor:
    """One window's editor state and history over a ViewerState."""

    def __init__(self, state, history: EditHistory | None = None):
        self.state = state
        self.history = history or EditHistory()
        self.events = Events(("tool", "brush", "masking"))
        self._tool: str | None = None
        self._brush = Brush()
        self._masking = MaskingSettings()
        self.last_axis: int | None = None    # the view axis last painted in (Fill between)
        self._slots = {"volume": lambda _v: self._new_volume(),
                       "overlays": lambda _o: self._forget_gone_maps()}
        for name, slot in self._slots.items():
            getattr(state.events, name).connect(slot)

    def close(self) -> None:
        for name, slot in self._slots.items():
            getattr(self.state.events, name).disconnect(slot)

    # ------------------------------------------------------------- settings
    @property
    def tool(self) -> str | None:
        return self._tool

    @tool.setter
    def tool(self, name: str | None) -> None:
        if name is not None and name not in TOOLS:
            raise ValueError(f"editor tool is one of {TOOLS}, got {name!r}")
        if name != self._tool:
            self._tool = name
            self.events.tool.emit(name)

    @property
    def brush(self) -> Brush:
        return self._brush

    @brush.setter
    def brush(self, value: Brush) -> None:
        if value != self._brush:
            self._brush = value
            self.events.brush.emit(value)

    def set_brush(self, **changes) -> Brush:
        self.brush = replace(self._brush, **changes)
        return self._brush

    @property
    def masking(self) -> MaskingSettings:
        return self._masking

    @masking.setter
    def masking(self, value: MaskingSettings) -> None:
        if value != self._masking:
            self._masking = value
            self.events.masking.emit(value)

    # --------------------------------------------------------------- target
    def target(self, create: bool = False) -> tuple[LabelMap, int] | None:
        """(label map, value) of the active segment; with ``create``, when none is active, a
        new segment in the active segment's map, else in ``NEW_MAP`` (made when missing)."""
        row = self.state.active_row()
        if row is not None:
            overlay, segment = row
            return overlay.labelmap, segment.value
        if not create or self.state.volume is None:
            return None
        name = self.state.active_segment[0] if self.state.active_segment else NEW_MAP
        overlay = self.state.overlays.get(name)
        if overlay is None or overlay.labelmap is None:
            name = NEW_MAP
            if self.state.overlays.get(name) is None \
                    or self.state.overlays[name].labelmap is None:
                self.state.set_overlay(name, labels=LabelMap(
                    np.zeros(self.state.volume.shape, np.uint8), (), name))
        labelmap = self.state.overlays[name].labelmap
        segment = segment_actions.add_segment(labelmap, present=values_present(labelmap),
                                              origin="painted")
        self.state.active_segment = (name, segment.value)
        return labelmap, segment.value

    def _settings(self, labelmap: LabelMap) -> MaskingSettings | None:
        """The masking settings, None when they restrict nothing (the fast path)."""
        m = self._masking
        if m.area == EVERYWHERE and m.hu_range is None and m.overwrite:
            return None
        return m

    def _hu(self):
        return None if self.state.volume is None else self.state.volume.array

    # --------------------------------------------------------------- writes
    def paint(self, patch, name: str = "paint", create: bool = True):
        """Paint ``patch`` (a core Patch) into the active segment; None when there was
        nothing to paint or no segment."""
        target = self.target(create=create)
        if target is None or patch.empty:
            return None
        labelmap, value = target
        return self.history.apply(labelmap, patch.region, value, patch.mask,
                                  masking=self._settings(labelmap), hu=self._hu(), name=name)

    def erase(self, patch, name: str = "erase"):
        """Erase ``patch`` from the active segment only."""
        target = self.target()
        if target is None or patch.empty:
            return None
        labelmap, value = target
        return self.history.erase(labelmap, patch.region, value, patch.mask,
                                  masking=self._settings(labelmap), hu=self._hu(), name=name)

    def replace(self, patch, name: str, target=None):
        """Make the active segment (or ``target`` (label map, value)) equal ``patch``'s mask
        inside its region (Islands, Margin, Smoothing, Logical, Threshold's fill)."""
        target = target or self.target()
        if target is None or patch.mask.size == 0:
            return None
        labelmap, value = target
        return self.history.replace(labelmap, patch.region, value, patch.mask,
                                    masking=self._settings(labelmap), hu=self._hu(),
                                    name=name)

    def command(self, name: str):
        """Every write inside is one undo step (a stroke, a split)."""
        return self.history.command(name)

    # ---------------------------------------------------------------- inside
    def _new_volume(self) -> None:
        self.history.clear()
        self.tool = None

    def _forget_gone_maps(self) -> None:
        """Steps that write into a label map no overlay holds any more (the lungs segmented
        again) would undo nothing visible: the history is cleared then."""
        shown = {id(o.labelmap) for o in self.state.overlays.values()
                 if o.labelmap is not None}
        if any(id(lm) not in shown for lm in self.history.labelmaps()):
            self.history.clear()


def values_present(labelmap: LabelMap) -> list[int]:
    """The label values that have voxels (a value with voxels and no row is not free)."""
    counts = np.bincount(labelmap.array.ravel())
    return [int(v) for v in np.flatnonzero(counts) if v]


__all__ = ["Editor", "Brush", "TOOLS", "NEW_MAP", "values_present"]
