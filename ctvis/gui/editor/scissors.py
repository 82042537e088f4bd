"""Scissors: draw an outline in a slice view — freehand (press, drag, release) or a polygon
(a click per corner, a double click closes it) — and erase or fill inside or outside it,
through the whole volume or a slab of a thickness in mm around the slice drawn on."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QColor, QPainter, QPen, QPolygonF
from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel,
                             QWidget)

from ctvis.core.editing.region import plane_axes
from ctvis.core.editing.scissors import scissors
from ctvis.gui.editor.base import Tool

MODES = ("Freehand", "Polygon")
OPERATIONS = ("Erase inside", "Erase outside", "Fill inside", "Fill outside")


class ScissorsTool(Tool):
    name, title, key = "scissors", "Scissors", "X"
    tip = "Draw an outline in a slice: erase or fill inside or outside it"

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.mode, self.operation = MODES[0], OPERATIONS[0]
        self.slab_mm: float | None = None          # None: the whole volume
        self._view = None                          # the view being drawn in
        self._points: list[QPointF] = []           # widget positions of the outline

    def press(self, view, pos) -> None:
        if self._view is not view:
            self.leave()
            self._view = view
        self._points.append(QPointF(pos))
        view.update()

    def move(self, view, pos) -> None:
        if self.mode == "Freehand" and view is self._view:
            self._points.append(QPointF(pos))

    def release(self, view, pos) -> None:
        if self.mode == "Freehand" and view is self._view:
            self.cut(view, self._points)

    def double_click(self, view, pos) -> bool:
        if self.mode == "Polygon" and view is self._view:
            self.cut(view, self._points)
        return True                                # never maximise while cutting

    def leave(self) -> None:
        view, self._view, self._points = self._view, None, []
        if view is not None:
            view.update()

    def cut(self, view, points) -> None:
        """Apply the operation to the outline ``points`` (widget positions) of ``view``."""
        points = list(points)
        self.leave()
        if len(points) < 3 or self.volume is None:
            return
        erase = self.operation.startswith("Erase")
        if self.target(create=not erase) is None:
            return
        axis = view.geometry_.axes.normal
        rows, cols = plane_axes(axis)
        kji = np.array([view.widget_to_index(p, inside_only=False) for p in points])
        patch = scissors(kji[:, [rows, cols]], axis, self.volume.shape,
                         inside=self.operation.endswith("inside"), thickness_mm=self.slab_mm,
                         index=view.index, spacing=self.volume.spacing)
        if erase:
            self.editor.erase(patch, name="scissors")
        else:
            self.editor.paint(patch, name="scissors")

    def paint(self, view, painter) -> None:
        if view is not self._view or not self._points:
            return
        points = list(self._points)
        if self.mode == "Polygon" and view.pointer is not None:
            points.append(view.pointer)            # the edge being placed
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setPen(QPen(QColor(255, 255, 0), 1.5, Qt.DashLine))
        painter.setBrush(Qt.NoBrush)
        painter.drawPolygon(QPolygonF(points))

    def make_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(self.tip + " (polygon: a double click closes it)", wordWrap=True))
        self.mode_box, self.operation_box = QComboBox(), QComboBox()
        self.mode_box.addItems(MODES)
        self.operation_box.addItems(OPERATIONS)
        self.slab_check = QCheckBox("Slab only")
        self.slab_spin = QDoubleSpinBox()
        self.slab_spin.setRange(0.0, 500.0)
        self.slab_spin.setSuffix(" mm")
        self.slab_spin.setValue(10.0)
        self.slab_spin.setEnabled(False)
        form.addRow("Outline", self.mode_box)
        form.addRow("Operation", self.operation_box)
        form.addRow(self.slab_check, self.slab_spin)
        self.mode_box.currentTextChanged.connect(lambda t: (setattr(self, "mode", t),
                                                            self.leave()))
        self.operation_box.currentTextChanged.connect(lambda t: setattr(self, "operation", t))
        self.slab_check.toggled.connect(self._slab_changed)
        self.slab_spin.valueChanged.connect(self._slab_changed)
        return box

    def _slab_changed(self, _value) -> None:
        on = self.slab_check.isChecked()
        self.slab_spin.setEnabled(on)
        self.slab_mm = self.slab_spin.value() if on else None
