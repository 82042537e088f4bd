"""Grow from seeds (3D Slicer's effect): paint strokes of two or more segments of one label
map (Paint), then *Initialize*: every undecided voxel of the strokes' box, grown by a margin,
is decided by a marker watershed on the image's gradient (``core.editing.grow_from_seeds``)
and shown in the segments' colours over the slices while the tool is active.  Paint more
strokes and *Update*; *Apply* writes the preview's undecided voxels as one undo step;
*Cancel* drops the preview."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QRectF
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import (QDoubleSpinBox, QFormLayout, QGridLayout, QLabel, QPushButton,
                             QWidget)

from ctvis.core.editing.grow_from_seeds import MARGIN_MM, SIGMA_MM, grow_from_seeds
from ctvis.core.editing.masking import allowed
from ctvis.core.image.slicing import oriented_slice
from ctvis.gui.editor.base import Tool

PREVIEW_ALPHA = 110


class GrowFromSeedsTool(Tool):
    name, title, key = "grow_from_seeds", "Grow from seeds", "G"
    tip = ("Paint strokes of two or more segments, Initialize: the rest of their box is "
           "decided by a watershed on the image's edges; Update after more strokes, Apply")

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.margin_mm, self.sigma_mm = MARGIN_MM, SIGMA_MM
        self.labelmap = None             # the map whose segments are the seeds
        self.preview = None              # core Grown: (region, labels) or None
        self._full = None                # the preview as a whole-volume array, for drawing
        self._cache = {}                 # view name -> (key, QImage, rgba)

    # ---------------------------------------------------------------- actions
    def initialize(self) -> bool:
        """Compute (or compute again: Update) the preview from the map's current seeds."""
        target = self.target()
        if target is None or self.volume is None:
            return False
        labelmap = target[0]
        settings = self.editor.masking
        hu = self.volume.array
        mask = None
        if settings.area != "everywhere" or settings.hu_range is not None:
            mask = allowed(labelmap.array, hu, 0, settings)
        grown = grow_from_seeds(labelmap.array, hu, self.volume.spacing,
                                margin_mm=self.margin_mm, sigma_mm=self.sigma_mm, mask=mask)
        if grown is None:
            self.message.emit("Grow from seeds: paint strokes of two or more segments first.")
            return False
        self.labelmap, self.preview = labelmap, grown
        full = np.zeros(labelmap.shape, labelmap.array.dtype)
        full[grown.region] = grown.labels
        self._full = full
        self._cache.clear()
        self._buttons()
        self.drawing_changed.emit()
        self.message.emit("Grow from seeds: preview shown; paint more strokes and Update, "
                          "or Apply.")
        return True

    def _stale(self) -> bool:
        """The preview's map is no longer shown (another volume, the map removed): drop it."""
        if self.preview is None:
            return True
        if self.volume is not None and any(o.labelmap is self.labelmap
                                           for o in self.editor.state.overlays.values()):
            return False
        self.cancel()
        return True

    def apply(self) -> bool:
        """Write the preview's decisions into the undecided voxels: one undo step."""
        if self._stale():
            return False
        labelmap, (region, labels) = self.labelmap, self.preview
        undecided = labelmap.array[region] == 0
        settings = self.editor._settings(labelmap)
        with self.editor.command("grow from seeds"):
            for value in np.unique(labels[undecided]):
                if value == 0 or labelmap.segment(int(value)) is None:
                    continue
                self.editor.history.apply(labelmap, region, int(value),
                                          undecided & (labels == value), masking=settings,
                                          hu=self.volume.array, name="grow from seeds")
        self.cancel()
        self.message.emit("Grow from seeds: applied (Ctrl+Z undoes it).")
        return True

    def cancel(self) -> None:
        self.labelmap = self.preview = self._full = None
        self._cache.clear()
        self._buttons()
        self.drawing_changed.emit()

    # ---------------------------------------------------------------- drawing
    def paint(self, view, painter) -> None:
        if self._full is None or self._stale() or self._full.shape != self.volume.shape:
            return
        key = (view.index, id(self._full), self.labelmap.revision)
        cached = self._cache.get(view.view)
        if cached is None or cached[0] != key:
            plane = oriented_slice(self._full, view.geometry_.axes, view.index)
            seeds = oriented_slice(self.labelmap.array, view.geometry_.axes, view.index)
            rgba = np.zeros(plane.shape + (4,), np.uint8)
            for seg in self.labelmap.segments:
                if seg.visible:
                    rgba[(plane == seg.value) & (seeds == 0)] = (*seg.color, PREVIEW_ALPHA)
            h, w = plane.shape
            image = QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888)
            cached = self._cache[view.view] = (key, image, rgba)
        painter.drawImage(QRectF(view.image_rect()), cached[1])

    # ---------------------------------------------------------------- options
    def make_options(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(self.tip, wordWrap=True), 0, 0, 1, 2)
        form = QFormLayout()
        self.margin_spin = QDoubleSpinBox()
        self.margin_spin.setRange(0.0, 200.0)
        self.margin_spin.setSuffix(" mm")
        self.margin_spin.setValue(self.margin_mm)
        self.margin_spin.setToolTip("The strokes' box is grown by this on every side")
        self.margin_spin.valueChanged.connect(lambda v: setattr(self, "margin_mm", v))
        self.sigma_spin = QDoubleSpinBox()
        self.sigma_spin.setRange(0.0, 10.0)
        self.sigma_spin.setSingleStep(0.5)
        self.sigma_spin.setSuffix(" mm")
        self.sigma_spin.setValue(self.sigma_mm)
        self.sigma_spin.setToolTip("The gradient's Gaussian smoothing")
        self.sigma_spin.valueChanged.connect(lambda v: setattr(self, "sigma_mm", v))
        form.addRow("Margin", self.margin_spin)
        form.addRow("Smoothing", self.sigma_spin)
        grid.addLayout(form, 1, 0, 1, 2)
        self.init_button = QPushButton("Initialize")
        self.apply_button = QPushButton("Apply")
        self.cancel_button = QPushButton("Cancel")
        grid.addWidget(self.init_button, 2, 0)
        grid.addWidget(self.apply_button, 2, 1)
        grid.addWidget(self.cancel_button, 3, 0)
        self.init_button.clicked.connect(lambda: self.initialize())
        self.apply_button.clicked.connect(lambda: self.apply())
        self.cancel_button.clicked.connect(lambda: self.cancel())
        self._buttons()
        return box

    def _buttons(self) -> None:
        if not hasattr(self, "init_button"):
            return
        on = self.preview is not None
        self.init_button.setText("Update" if on else "Initialize")
        self.apply_button.setEnabled(on)
        self.cancel_button.setEnabled(on)
