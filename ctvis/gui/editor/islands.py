"""Islands: keep the largest, remove those under a size in mL, keep the one under a click in
a slice view, or split them into segments (the largest stays the segment)."""
from __future__ import annotations

from PyQt5.QtWidgets import (QDoubleSpinBox, QGridLayout, QLabel, QPushButton, QWidget)

from ctvis.core.editing.islands import (keep_island_at, keep_largest, remove_small,
                                        split_islands)
from ctvis.gui.editor.base import Tool
from ctvis.model.editor import values_present
from ctvis.model.segment_actions import add_segment


class IslandsTool(Tool):
    name, title, key = "islands", "Islands", "I"
    tip = "Keep the largest island, remove small ones, split them; click one to keep it"

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.min_ml = 1.0

    def press(self, view, pos) -> None:
        """A click keeps only the island under it."""
        kji = view.widget_to_index(pos)
        target = self.target()
        if kji is None or target is None:
            return
        labelmap, value = target
        self.editor.replace(keep_island_at(labelmap.array, value, kji), "keep island", target)

    def keep_largest(self) -> None:
        target = self.target()
        if target is not None:
            self.editor.replace(keep_largest(target[0].array, target[1]), "keep largest",
                                target)

    def remove_small(self, min_ml: float | None = None) -> None:
        target = self.target()
        if target is not None:
            min_ml = self.min_ml if min_ml is None else min_ml
            self.editor.replace(remove_small(target[0].array, target[1], min_ml,
                                             self.volume.spacing), "remove small islands",
                                target)

    def split(self) -> None:
        """Each island but the largest becomes a new segment of the same map; one step."""
        target = self.target()
        if target is None:
            return
        labelmap, value = target
        patches = split_islands(labelmap.array, value)
        if len(patches) < 2:
            self.message.emit("Islands: the segment is in one piece.")
            return
        name = labelmap.segment(value).name
        present = values_present(labelmap)
        old = labelmap.segments
        with self.editor.command("split islands"):
            for n, patch in enumerate(patches[1:], start=2):
                row = add_segment(labelmap, f"{name} {n}", present, origin="split islands")
                self.editor.history.apply(labelmap, patch.region, row.value, patch.mask)
            self.editor.history.record_table(labelmap, old, labelmap.segments)
        self.message.emit(f"Islands: {name} split into {len(patches)} segments.")

    def make_options(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(self.tip, wordWrap=True), 0, 0, 1, 2)
        self.largest_button = QPushButton("Keep largest")
        self.remove_button = QPushButton("Remove smaller than")
        self.min_spin = QDoubleSpinBox()
        self.min_spin.setRange(0.0, 10000.0)
        self.min_spin.setDecimals(2)
        self.min_spin.setSuffix(" mL")
        self.min_spin.setValue(self.min_ml)
        self.min_spin.valueChanged.connect(lambda v: setattr(self, "min_ml", v))
        self.split_button = QPushButton("Split into segments")
        grid.addWidget(self.largest_button, 1, 0)
        grid.addWidget(self.split_button, 1, 1)
        grid.addWidget(self.remove_button, 2, 0)
        grid.addWidget(self.min_spin, 2, 1)
        self.largest_button.clicked.connect(lambda: self.keep_largest())
        self.remove_button.clicked.connect(lambda: self.remove_small())
        self.split_button.clicked.connect(lambda: self.split())
        return box
