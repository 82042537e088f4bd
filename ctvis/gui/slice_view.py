"""One 2-D orthogonal slice of a Volume, windowed, at its physical aspect, with orientation letters."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QImage, QPainter
from PyQt5.QtWidgets import QSizePolicy, QWidget

from ctvis.core.image.slicing import orientation_labels, oriented_slice, slice_axes
from ctvis.core.image.windowing import apply_window

LUNG_WINDOW = (-600.0, 1500.0)  # (center, width) HU
# Coloured (not grey) overlay text: it can never be mistaken for image pixels.
TEXT_COLOR = QColor(255, 200, 40)
WHEEL_NOTCH = 120  # angleDelta units per mouse-wheel notch


def _text(p: QPainter, rect, flags, text: str) -> None:
    """Overlay text with a dark shadow so it stays legible on bright tissue."""
    p.setPen(Qt.black)
    p.drawText(rect.translated(1, 1), flags, text)
    p.setPen(TEXT_COLOR)
    p.drawText(rect, flags, text)


class SliceView(QWidget):
    """Shows slice ``index`` of the volume along one view's normal; the wheel scrolls it."""

    index_changed = pyqtSignal(int)

    def __init__(self, view: str, parent=None):
        super().__init__(parent)
        self.view = view
        self.labels = orientation_labels(view)
        self._volume = None
        self._axes = None
        self._index = 0
        self._window = LUNG_WINDOW
        self._image: QImage | None = None
        self._wheel_rest = 0  # partial notches from high-resolution wheels/touchpads
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    # ------------------------------------------------------------------ state
    def set_volume(self, volume) -> None:
        self._volume = volume
        self._axes = slice_axes(volume.direction, self.view)
        self._index = -1  # force set_index to refresh and signal
        self.set_index(self.count // 2)

    @property
    def count(self) -> int:
        return 0 if self._volume is None else self._volume.shape[self._axes.normal]

    @property
    def index(self) -> int:
        return self._index

    def set_index(self, index: int) -> None:
        if self._volume is None:
            return
        index = int(min(max(index, 0), self.count - 1))
        if index != self._index:
            self._index = index
            self._refresh_image()
            self.index_changed.emit(index)

    def set_window(self, center: float, width: float) -> None:
        self._window = (float(center), float(width))
        self._refresh_image()

    def pixel_spacing(self) -> tuple[float, float]:
        """(row, column) spacing in mm of the displayed slice."""
        s = self._volume.spacing
        return s[self._axes.rows], s[self._axes.cols]

    def _refresh_image(self) -> None:
        grey = apply_window(oriented_slice(self._volume.array, self._axes, self._index),
                            *self._window)
        grey = np.ascontiguousarray(grey)
        h, w = grey.shape
        # copy(): the QImage must own its pixels, not borrow the temporary numpy buffer.
        self._image = QImage(grey.data, w, h, grey.strides[0], QImage.Format_Grayscale8).copy()
        self.update()

    # ---------------------------------------------------------------- drawing
    def image_rect(self) -> QRectF:
        """Where the slice is drawn: its physical extent fitted into the widget, centred."""
        if self._image is None:
            return QRectF()
        row_mm, col_mm = self.pixel_spacing()
        width_mm, height_mm = self._image.width() * col_mm, self._image.height() * row_mm
        scale = min(self.width() / width_mm, self.height() / height_mm)
        w, h = width_mm * scale, height_mm * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def sizeHint(self) -> QSize:
        return QSize(400, 400)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.black)
        if self._image is not None:
            p.setRenderHint(QPainter.SmoothPixmapTransform)
            p.drawImage(self.image_rect(), self._image)
        font = QFont(self.font())
        font.setPointSize(11)
        font.setBold(True)
        p.setFont(font)
        r = self.rect().adjusted(6, 4, -6, -4)
        _text(p, r, Qt.AlignLeft | Qt.AlignVCenter, self.labels["left"])
        _text(p, r, Qt.AlignRight | Qt.AlignVCenter, self.labels["right"])
        _text(p, r, Qt.AlignHCenter | Qt.AlignTop, self.labels["top"])
        _text(p, r, Qt.AlignHCenter | Qt.AlignBottom, self.labels["bottom"])
        font.setBold(False)
        font.setPointSize(9)
        p.setFont(font)
        _text(p, r, Qt.AlignLeft | Qt.AlignTop, self.view.capitalize())
        if self._volume is not None:
            # 1-based for people: "slice 1/N" .. "slice N/N".
            _text(p, r, Qt.AlignLeft | Qt.AlignBottom, f"slice {self._index + 1}/{self.count}")
        p.end()

    # ------------------------------------------------------------------ input
    def wheelEvent(self, event) -> None:
        self._wheel_rest += event.angleDelta().y()
        steps = int(self._wheel_rest / WHEEL_NOTCH)  # toward zero, keeps the remainder's sign
        self._wheel_rest -= steps * WHEEL_NOTCH
        if steps:
            self.set_index(self._index + steps)
        event.accept()
