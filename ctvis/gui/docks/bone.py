"""Bone threshold: show/hide the bone overlay and its HU threshold (also the 3D isosurface's).

Slider and spin box move together at once; the state (and so every view's overlay) follows
after a short pause, so dragging the slider stays smooth on a 512² series.
"""
from __future__ import annotations

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from ctvis.app.state import Bone
from ctvis.gui.docks.common import SliderSpin, blocked

HU_RANGE = (-500, 2000)
DEBOUNCE_MS = 60


class BonePanel(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.show_box = QCheckBox("Show bone overlay")
        self.threshold = SliderSpin("Threshold", *HU_RANGE, " HU")
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
        state.events.bone.connect(self._show)
        self._show(state.bone)

    def disconnect_state(self) -> None:
        self._timer.stop()
        self.state.events.bone.disconnect(self._show)

    def _commit(self, *_args) -> None:
        self._timer.stop()
        self.state.bone = Bone(hu=float(self.threshold.value()),
                               visible=self.show_box.isChecked())

    def _show(self, bone) -> None:
        self.threshold.set_value(bone.hu)
        with blocked(self.show_box):
            self.show_box.setChecked(bone.visible)
