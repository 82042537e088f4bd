"""Paint and Erase: a round brush in mm dragged over a slice view.  Each mouse event adds a
stroke from the last point (``core.editing.brush.stroke``: brushes at most half a radius
apart, so a fast drag does not break); a press-to-release stroke is one undo step.
Shift+wheel sizes the brush; its outline follows the cursor."""
from __future__ import annotations

from contextlib import ExitStack

from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QColor, QPainter, QPen
from PyQt5.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLabel, QWidget

from ctvis.core.editing.brush import stroke
from ctvis.gui.docks.common import blocked
from ctvis.gui.editor.base import Tool
from ctvis.gui.subscriptions import subscriptions
from ctvis.model.editor import BRUSH_MM

WHEEL_FACTOR = 1.15           # one wheel notch grows (or shrinks) the brush by this


class PaintTool(Tool):
    name, title, key = "paint", "Paint", "P"
    tip = "Paint the segment with a round brush (Shift+wheel: size)"
    erasing = False

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self._stroke: ExitStack | None = None     # the open undo step of a stroke
        self._last = None                         # the stroke's last point (k, j, i)

    # ------------------------------------------------------------------ mouse
    def press(self, view, pos) -> None:
        self.leave()
        if self.erasing and self.target() is None:
            return
        self._stroke = ExitStack()
        self._stroke.enter_context(self.editor.command(self.title.lower()))
        self._stamp(view, pos)

    def move(self, view, pos) -> None:
        if self._stroke is not None:
            self._stamp(view, pos)

    def release(self, view, pos) -> None:
        self.leave()

    def leave(self) -> None:
        if self._stroke is not None:
            self._stroke.close()                  # the stroke becomes one undo step
        self._stroke, self._last = None, None

    def wheel(self, view, steps: float) -> bool:
        self.editor.set_brush(radius_mm=self.editor.brush.radius_mm * WHEEL_FACTOR ** steps)
        view.update()
        return True

    def _stamp(self, view, pos) -> None:
        kji = view.widget_to_index(pos)
        if kji is None or self.volume is None:
            return
        brush = self.editor.brush
        axis = None if brush.sphere else view.geometry_.axes.normal
        start = kji if self._last is None else self._last
        patch = self.restrict(stroke(start, kji, brush.radius_mm, self.volume.spacing,
                                     self.volume.shape, axis))
        if self.erasing:
            self.editor.erase(patch, name=self.title.lower())
        else:
            self.editor.paint(patch, name=self.title.lower())
        self.editor.last_axis = view.geometry_.axes.normal     # Fill between slices' default
        self._last = kji

    def restrict(self, patch):
        """The stroke's patch as this tool writes it (Threshold keeps a HU range)."""
        return patch

    # ---------------------------------------------------------------- drawing
    def paint(self, view, painter) -> None:
        pos = view.pointer
        if pos is None:
            return
        radius = self.editor.brush.radius_mm * view.pixels_per_mm()
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setPen(QPen(QColor(255, 255, 0) if not self.erasing else QColor(0, 220, 255),
                            1.5))
        painter.setBrush(Qt.NoBrush)
        painter.drawEllipse(QPointF(pos), radius, radius)

    def make_options(self) -> QWidget:
        return BrushBox(self.editor, self.tip)


class EraseTool(PaintTool):
    name, title, key = "erase", "Erase", "E"
    tip = "Erase the segment with a round brush (Shift+wheel: size)"
    erasing = True


class BrushBox(QWidget):
    """The brush's radius in mm and disk/sphere, shown from and written to the editor."""

    def __init__(self, editor, text: str = "", parent=None):
        super().__init__(parent)
        self.editor = editor
        self.radius = QDoubleSpinBox()
        self.radius.setRange(*BRUSH_MM)
        self.radius.setDecimals(1)
        self.radius.setSingleStep(0.5)
        self.radius.setSuffix(" mm")
        self.radius.setKeyboardTracking(False)
        self.radius.setToolTip("Brush radius (Shift+wheel in a slice view)")
        self.sphere = QCheckBox("Sphere (3D brush)")
        self.sphere.setToolTip("Off: a disk in the slice painted on; on: a ball")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        if text:
            form.addRow(QLabel(text, wordWrap=True))
        form.addRow("Radius", self.radius)
        form.addRow(self.sphere)
        self.radius.valueChanged.connect(lambda v: editor.set_brush(radius_mm=v))
        self.sphere.toggled.connect(lambda on: editor.set_brush(sphere=on))
        self._subs = subscriptions(self)
        self._subs.connect(editor.events.brush, self._show)
        self._show(editor.brush)

    def _show(self, brush) -> None:
        with blocked(self.radius, self.sphere):
            self.radius.setValue(brush.radius_mm)
            self.sphere.setChecked(brush.sphere)
