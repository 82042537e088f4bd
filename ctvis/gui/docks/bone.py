"""Bone threshold: show/hide the bone overlay and its HU threshold (also the 3D isosurface's).
Slider and spin box move together at once; the state (and so every view's overlay) follows
after a short pause, so dragging the slider stays smooth on a 512² series.

The slider is finest where bone thresholds are chosen: from 100 to 700 HU it moves at most
5 HU per pixel (it takes most of its length), faster below and above; the spin box takes
exact values.
"""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QTimer, Qt, pyqtSignal
from PyQt5.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QVBoxLayout,
                             QWidget)

from ctvis.model.state import Bone
from ctvis.gui.docks.common import blocked
from ctvis.gui.subscriptions import subscriptions

HU_RANGE = (-500, 2000)
DEBOUNCE_MS = 60
# Slider positions (0…1000) and the HU they stand for, linear in between: 100…700 HU takes
# 70 % of the slider, so a groove of 200 px or more moves at most 5 HU per pixel there.
KNOTS_POSITION = (0, 150, 850, 1000)
KNOTS_HU = (HU_RANGE[0], 100, 700, HU_RANGE[1])
SLIDER_MIN_WIDTH = 230


class ThresholdSlider(QSlider):
    """A slider whose ``value``/``setValue`` speak HU through the piecewise-linear scale
    above; ``hu_changed`` fires with the HU the user chose."""
    hu_changed = pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(Qt.Horizontal, parent)
        super().setRange(KNOTS_POSITION[0], KNOTS_POSITION[-1])
        self.setSingleStep(2)
        self.setPageStep(50)
        self.setMinimumWidth(SLIDER_MIN_WIDTH)
        self._exact = None                  # the HU asked by setValue, kept exact
        self.valueChanged.connect(self._moved)

    @staticmethod
    def to_hu(position: int) -> int:
        return int(round(float(np.interp(position, KNOTS_POSITION, KNOTS_HU))))

    @staticmethod
    def to_position(hu: float) -> int:
        return int(round(float(np.interp(hu, KNOTS_HU, KNOTS_POSITION))))

    def value(self) -> int:                 # noqa: D102 - HU, not the position
        return self.to_hu(super().value())

    def setValue(self, hu) -> None:         # noqa: N802 - Qt's name, in HU
        position = self.to_position(hu)
        self._exact = int(round(hu))
        try:
            if position == super().value():
                if not self.signalsBlocked():
                    self.hu_changed.emit(self._exact)
            else:
                super().setValue(position)
        finally:
            self._exact = None

    def _moved(self, position: int) -> None:
        self.hu_changed.emit(self._exact if self._exact is not None else self.to_hu(position))


class ThresholdControl(QWidget):
    """"Threshold [spin]" above a slider as wide as the dock; ``changed`` on user edits."""
    changed = pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = ThresholdSlider()
        self.spin = QSpinBox()
        self.spin.setRange(*HU_RANGE)
        self.spin.setSuffix(" HU")
        self.spin.setKeyboardTracking(False)      # typing "1500" is one change, not four
        row = QHBoxLayout()
        row.addWidget(QLabel("Threshold"))
        row.addStretch(1)
        row.addWidget(self.spin)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.slider)
        self.slider.hu_changed.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``changed`` (it came from the state)."""
        with blocked(self.slider, self.spin):
            self.slider.setValue(value)
            self.spin.setValue(int(round(value)))

    def _from_slider(self, hu: int) -> None:
        with blocked(self.spin):
            self.spin.setValue(hu)
        self.changed.emit(hu)

    def _from_spin(self, hu: int) -> None:
        with blocked(self.slider):
            self.slider.setValue(hu)
        self.changed.emit(hu)


class BonePanel(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.show_box = QCheckBox("Show bone overlay")
        self.threshold = ThresholdControl()
        note = QLabel("Voxels at or above the threshold are tinted on the slices; the 3D bone "
                      "surface uses the same value.")
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.show_box)
        lay.addWidget(self.threshold)
        lay.addWidget(note)
        lay.addStretch(1)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._commit)
        self.threshold.changed.connect(lambda _v: self._timer.start())
        self.show_box.toggled.connect(self._commit)
        self._subs = subscriptions(self)
        self._subs.connect(state.events.bone, self._show)
        self._show(state.bone)

    def disconnect_state(self) -> None:
        self._timer.stop()
        self._subs.disconnect_all()

    def _commit(self, *_args) -> None:
        self._timer.stop()
        self.state.bone = Bone(hu=float(self.threshold.value()),
                               visible=self.show_box.isChecked())

    def _show(self, bone) -> None:
        self.threshold.set_value(bone.hu)
        with blocked(self.show_box):
            self.show_box.setChecked(bone.visible)
