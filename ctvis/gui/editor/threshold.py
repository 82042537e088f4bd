"""Threshold: a brush that paints only where HU is in a range, and "fill segment from range"
(the active segment becomes exactly the voxels in range).  While the tool is active the
in-range pixels of each slice view are tinted (the live preview)."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QRectF
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QFormLayout, QHBoxLayout, QPushButton, QSpinBox, QWidget

from ctvis.core.editing.threshold import in_range, threshold_brush, threshold_fill
from ctvis.core.image.slicing import oriented_slice
from ctvis.gui.editor.paint import BrushBox, PaintTool

DEFAULT_RANGE = (-1000, -400)        # aerated lung
PREVIEW_RGBA = (0, 200, 255, 90)


class ThresholdTool(PaintTool):
    name, title, key = "threshold", "Threshold", "T"
    tip = "Paint only where HU is in the range; or fill the segment from the range"

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.lo, self.hi = DEFAULT_RANGE
        self._preview = {}                 # view name -> (key, QImage, pixels)

    def set_range(self, lo: float, hi: float) -> None:
        self.lo, self.hi = min(lo, hi), max(lo, hi)
        self._preview.clear()

    def restrict(self, patch):
        return threshold_brush(patch, self.volume.array, self.lo, self.hi)

    def fill(self) -> None:
        """The active segment (a new one if none) becomes the voxels in range."""
        target = self.editor.target(create=True)
        if target is None:
            return
        labelmap, value = target
        patch = threshold_fill(self.volume.array, self.lo, self.hi,
                               segment=labelmap.array == value)
        self.editor.replace(patch, "threshold fill", target)

    # ---------------------------------------------------------------- drawing
    def paint(self, view, painter) -> None:
        key = (view.index, self.lo, self.hi, id(self.volume))
        cached = self._preview.get(view.view)
        if cached is None or cached[0] != key:
            plane = oriented_slice(self.volume.array, view.geometry_.axes, view.index)
            rgba = np.zeros(plane.shape + (4,), np.uint8)
            rgba[in_range(plane, self.lo, self.hi)] = PREVIEW_RGBA
            h, w = plane.shape
            image = QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888)
            cached = self._preview[view.view] = (key, image, rgba)
        painter.drawImage(QRectF(view.image_rect()), cached[1])
        super().paint(view, painter)

    def make_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.lo_spin, self.hi_spin = QSpinBox(), QSpinBox()
        for spin, value in ((self.lo_spin, self.lo), (self.hi_spin, self.hi)):
            spin.setRange(-3024, 3071)
            spin.setSuffix(" HU")
            spin.setValue(int(value))
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._range_changed)
        row = QHBoxLayout()
        row.addWidget(self.lo_spin)
        row.addWidget(self.hi_spin)
        form.addRow("Range", row)
        form.addRow(BrushBox(self.editor, self.tip))
        self.fill_button = QPushButton("Fill segment from range")
        self.fill_button.setToolTip("The selected segment becomes every voxel in the range")
        self.fill_button.clicked.connect(lambda: self.fill())
        form.addRow(self.fill_button)
        return box

    def _range_changed(self, _value) -> None:
        self.set_range(self.lo_spin.value(), self.hi_spin.value())
        self.drawing_changed.emit()
