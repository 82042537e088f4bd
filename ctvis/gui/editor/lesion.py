"""Lesion: a click inside a nodule or tumour in a slice view grows its segment
(``ctvis.app.lesion.lesion_at``, the CLI's ``ctvis lesion``) into the label map "lesions"
(made when missing, apart from the lungs so that a lesion may overlap them), as one undo
step; a lesion touching a lung joins the lungs' envelope in the same step
(``core.lungs.lesion_sides``).  The body and default lung masks (the lesion's context) are
made once per volume.  The grow (seconds on
a real chest) runs on a worker, so the window stays live; a click while one grows is refused
with a message, and a new volume drops what was growing.  While the tool is active the last lesion's
long and short axis are drawn in the axial view on their slice."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPointF
from PyQt5.QtGui import QColor, QPainter, QPen

from ctvis.app.lesion import LESION_COLOR, LESIONS_MAP, ORIGIN, lesion_at, lesion_context
from ctvis.core.lesions.grow import LesionError
from ctvis.core.lungs.lesion_sides import lesion_sides
from ctvis.gui.editor.base import Tool
from ctvis.gui.subscriptions import subscriptions
from ctvis.gui.worker import Task
from ctvis.model.editor import values_present
from ctvis.model.labelmap import LabelMap
from ctvis.model.segment_actions import add_segment
from ctvis.model.state import LUNGS


class LesionTool(Tool):
    name, title, key = "lesion", "Lesion", "N"     # N: nodule (L shows the lungs)
    tip = "Click inside a nodule or tumour: its segment in the map \"lesions\""

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self._context = None         # the body and lung masks: made once per volume
        self.last = None             # the last LesionResult (its axes are drawn)
        self._last_row = None        # (label map, value) of its segment
        self.task = None             # the grow running on a worker, if any
        self._subs = subscriptions(self)
        self._subs.connect(editor.state.events.volume, lambda _v: self._forget())

    def _forget(self) -> None:
        self._context, self.last, self._last_row = None, None, None
        self._drop_task()

    def _drop_task(self) -> None:
        """What grows now will not be added (its volume went, or the window closes)."""
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def press(self, view, pos) -> None:
        kji = view.widget_to_index(pos)
        volume = self.volume
        if kji is None or volume is None:
            return
        kji = np.rint(np.asarray(kji, float)).astype(int)
        overlay = self.editor.state.overlays.get(LESIONS_MAP)
        if overlay is not None and overlay.labelmap is not None \
                and overlay.labelmap.array.shape == volume.shape:
            value = int(overlay.labelmap.array[tuple(np.clip(kji, 0,
                                                              np.array(volume.shape) - 1))])
            row = overlay.labelmap.segment(value) if value else None
            if row is not None:
                self.message.emit(f"Lesion: this point is in {row.name} already.")
                return
        if self.task is not None:
            self.message.emit("Lesion: still growing the last one; click again when it is in.")
            return
        context = self._context if self._context is not None and \
            self._context.of(volume) else None
        task = Task(_grow, volume, volume.index_to_patient(kji), context)
        self.task = task
        task.signals.finished.connect(lambda out: self._grown(task, volume, out))
        task.signals.failed.connect(lambda text: self._failed(task, text))
        task.signals.cancelled.connect(lambda: self._failed(task, None))
        self.message.emit("Lesion: growing the lesion at the click…")
        task.start()

    def _grown(self, task, volume, out) -> None:
        if task is not self.task:                 # dropped: another volume, or closed
            return
        self.task = None
        context, result, refusal = out
        if volume is not self.volume:
            return
        self._context = context                   # kept after a refusal too
        if refusal is not None:
            self.message.emit(f"Lesion: {refusal}")
            return
        self.add(result)

    def _failed(self, task, text) -> None:
        if task is self.task:
            self.task = None
            if text:
                self.message.emit(f"Lesion: {text}")

    def add(self, result) -> None:
        """Write ``result`` as a new segment "lesion N" of the map "lesions", one undo step."""
        state = self.editor.state
        overlay = state.overlays.get(LESIONS_MAP)
        if overlay is None or overlay.labelmap is None:
            state.set_overlay(LESIONS_MAP, labels=LabelMap(
                np.zeros(self.volume.shape, np.uint8), (), LESIONS_MAP))
        labelmap = state.overlays[LESIONS_MAP].labelmap
        names = {s.name for s in labelmap.segments}
        n = next(n for n in range(1, len(names) + 2) if f"lesion {n}" not in names)
        old = labelmap.segments
        lesion = result.lesion
        with self.editor.command("lesion"):
            row = add_segment(labelmap, f"lesion {n}", values_present(labelmap),
                              origin=ORIGIN)
            if all(tuple(s.color) != LESION_COLOR for s in old):
                row = labelmap.set_segment(row.value, color=LESION_COLOR)
            self.editor.history.apply(labelmap, lesion.region, row.value, lesion.mask)
            self.editor.history.record_table(labelmap, old, labelmap.segments)
            self._into_lungs(lesion)
        state.active_segment = (LESIONS_MAP, row.value)
        self.last, self._last_row = result, (labelmap, row.value)
        m = result.measures
        self.message.emit(f"Lesion: {row.name}, {m.type}, {m.volume_ml:.2f} mL, "
                          f"{m.long_axis_mm:.1f} × {m.short_axis_mm:.1f} mm")
        self.drawing_changed.emit()

    def _into_lungs(self, lesion) -> None:
        """A lesion inside the pleura joins the lungs' envelope (the same undo step)."""
        lungs = self.editor.state.overlays.get(LUNGS)
        if lungs is None or lungs.labelmap is None or lungs.labels.shape != self.volume.shape:
            return
        for side, (box, mask) in lesion_sides(lungs.labels, lesion.mask,
                                              lesion.region).items():
            self.editor.history.apply(lungs.labelmap, box, side, mask)

    def paint(self, view, painter) -> None:
        """The last lesion's long (yellow) and short (cyan) axis on its axial slice."""
        if self.last is None or view.view != "axial":
            return
        labelmap, value = self._last_row
        if labelmap.segment(value) is None:                   # undone or deleted
            return
        m = self.last.measures
        if m.long_axis_ends is None or view.index != m.axial_slice:
            return
        painter.setRenderHint(QPainter.Antialiasing, True)
        for ends, color in ((m.long_axis_ends, QColor(255, 255, 0)),
                            (m.short_axis_ends, QColor(0, 220, 255))):
            if ends is None:
                continue
            a, b = (QPointF(view.index_to_widget(np.asarray(e, float))) for e in ends)
            painter.setPen(QPen(color, 1.5))
            painter.drawLine(a, b)

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()
        self._forget()


def _grow(volume, at_lps, context, progress=None, cancel=None):
    """On a worker: (the lesion's context, the lesion at ``at_lps`` or None, why not or
    None); the context made if None."""
    if context is None:
        context = lesion_context(volume)
    try:
        return context, lesion_at(volume, at_lps, context=context), None
    except LesionError as exc:                   # no lesion there: the context still holds
        return context, None, str(exc)
