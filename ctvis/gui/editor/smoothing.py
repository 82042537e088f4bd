"""Smoothing: median, opening or closing of the active segment with a kernel in mm."""
from __future__ import annotations

from PyQt5.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton,
                             QWidget)

from ctvis.core.editing.smoothing import METHODS, smooth
from ctvis.gui.editor.base import Tool


class SmoothingTool(Tool):
    name, title, key = "smoothing", "Smoothing", "S"
    tip = ("Median (removes bumps and specks), opening (removes spurs), closing (fills "
           "holes) with a kernel in mm")

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.method, self.size_mm = METHODS[0], 3.0

    def apply(self) -> None:
        target = self.target()
        if target is not None:
            self.editor.replace(smooth(target[0].array, target[1], self.method, self.size_mm,
                                       self.volume.spacing), f"smoothing ({self.method})",
                                target)

    def make_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(self.tip, wordWrap=True))
        self.method_box = QComboBox()
        self.method_box.addItems(METHODS)
        self.method_box.currentTextChanged.connect(lambda t: setattr(self, "method", t))
        self.size_spin = QDoubleSpinBox()
        self.size_spin.setRange(0.1, 50.0)
        self.size_spin.setSuffix(" mm")
        self.size_spin.setValue(self.size_mm)
        self.size_spin.valueChanged.connect(lambda v: setattr(self, "size_mm", v))
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(lambda: self.apply())
        form.addRow("Method", self.method_box)
        form.addRow("Kernel", self.size_spin)
        form.addRow(self.apply_button)
        return box
