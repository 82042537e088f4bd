"""Fill between slices (3D Slicer's effect): outline (paint filled) the active segment on a
few slices of one view, *Apply*: the slices between are filled by shape-based interpolation
along that view's axis (``core.editing.fill_between``), one undo step."""
from __future__ import annotations

from PyQt5.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QWidget

from ctvis.core.editing.fill_between import fill_between
from ctvis.gui.editor.base import Tool

AXES = (("axial", 0), ("coronal", 1), ("sagittal", 2))


class FillBetweenTool(Tool):
    name, title, key = "fill_between", "Fill between slices", "F"
    tip = "Outline the segment on a few slices of a view, Apply: the slices between are filled"

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.axis = 0
        self.chosen = False        # False: along the view last painted in

    def press(self, view, pos) -> None:
        """A click in a view makes its axis the one filled along."""
        self.set_axis(view.geometry_.axes.normal)

    def set_axis(self, axis: int, chosen: bool = True) -> None:
        self.axis = int(axis)
        self.chosen = self.chosen or chosen
        if hasattr(self, "axis_box") and self.axis_box.currentIndex() != self.axis:
            self.axis_box.setCurrentIndex(self.axis)

    def apply(self, axis: int | None = None) -> None:
        target = self.target()
        if target is None:
            return
        if axis is None and not self.chosen and self.editor.last_axis is not None:
            self.set_axis(self.editor.last_axis, chosen=False)
        axis = self.axis if axis is None else axis
        patch = fill_between(target[0].array, target[1], axis, self.volume.spacing)
        if patch.empty:
            self.message.emit("Fill between slices: outline the segment on two or more "
                              f"{AXES[axis][0]} slices first.")
            return
        self.editor.replace(patch, "fill between slices", target)

    def make_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(self.tip, wordWrap=True))
        self.axis_box = QComboBox()
        self.axis_box.addItems([name for name, _ in AXES])
        self.axis_box.setCurrentIndex(self.axis)
        self.axis_box.setToolTip("The view whose slices were outlined (a click in a view "
                                 "chooses it; by default the view last painted in)")
        self.axis_box.activated.connect(lambda i: self.set_axis(i))     # the user's choice
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(lambda: self.apply())
        form.addRow("Along", self.axis_box)
        form.addRow(self.apply_button)
        return box
