"""Small helpers the dock panels share: a slider tied to a spin box, signal blocking."""
from __future__ import annotations

from contextlib import contextmanager

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget


@contextmanager
def blocked(*widgets):
    """Set widgets from the state without their change signals writing it back."""
    old = [w.blockSignals(True) for w in widgets]
    try:
        yield
    finally:
        for w, was in zip(widgets, old):
            w.blockSignals(was)


class SliderSpin(QWidget):
    """A labelled slider and spin box showing one integer; ``changed`` fires on user edits."""

    changed = pyqtSignal(int)

    def __init__(self, label: str, lo: int, hi: int, suffix: str = "", parent=None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Horizontal)
        self.spin = QSpinBox()
        for w in (self.slider, self.spin):
            w.setRange(lo, hi)
        self.spin.setSuffix(suffix)
        self.spin.setKeyboardTracking(False)      # typing "1500" is one change, not four
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(label))
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``changed`` (it came from the state)."""
        with blocked(self.slider, self.spin):
            self.slider.setValue(int(round(value)))
            self.spin.setValue(int(round(value)))

    def _from_slider(self, value: int) -> None:
        with blocked(self.spin):
            self.spin.setValue(value)
        self.changed.emit(value)

    def _from_spin(self, value: int) -> None:
        with blocked(self.slider):
            self.slider.setValue(value)
        self.changed.emit(value)
