"""Margin: grow (> 0) or shrink (< 0) the active segment by a distance in mm."""
from __future__ import annotations

from PyQt5.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel, QPushButton, QWidget

from ctvis.core.editing.margin import margin
from ctvis.gui.editor.base import Tool


class MarginTool(Tool):
    name, title, key = "margin", "Margin", "M"
    tip = "Grow (> 0 mm) or shrink (< 0 mm) the segment by a distance"

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.margin_mm = 2.0

    def apply(self, margin_mm: float | None = None) -> None:
        target = self.target()
        if target is None:
            return
        mm = self.margin_mm if margin_mm is None else margin_mm
        self.editor.replace(margin(target[0].array, target[1], mm, self.volume.spacing),
                            "grow" if mm > 0 else "shrink", target)

    def make_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(self.tip, wordWrap=True))
        self.spin = QDoubleSpinBox()
        self.spin.setRange(-100.0, 100.0)
        self.spin.setSingleStep(0.5)
        self.spin.setSuffix(" mm")
        self.spin.setValue(self.margin_mm)
        self.spin.valueChanged.connect(lambda v: setattr(self, "margin_mm", v))
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(lambda: self.apply())
        form.addRow("Margin", self.spin)
        form.addRow(self.apply_button)
        return box
