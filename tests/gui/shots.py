"""Helpers for GUI tests: widget pixels, screen <-> slice pixel maps, synthetic input."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtGui import QImage, QWheelEvent
from PyQt5.QtWidgets import QApplication

from ctvis.core.image.slicing import oriented_slice


def to_rgb(widget) -> np.ndarray:
    """The widget drawn into a 32-bit image (exact colours whatever the screen depth)."""
    img = QImage(widget.size(), QImage.Format_RGB32)
    img.fill(Qt.black)
    widget.render(img)
    img = img.convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.byteCount())
    rows = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def save(rgb: np.ndarray, path) -> None:
    QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3,
           QImage.Format_RGB888).save(str(path))


def neutral(rgb: np.ndarray, lo: int) -> np.ndarray:
    """Grey pixels brighter than ``lo``: image pixels, never the coloured overlay text."""
    rgb = rgb.astype(int)
    return (np.ptp(rgb, axis=2) <= 2) & (rgb[..., 0] > lo)


def coloured(rgb: np.ndarray, spread: int = 20) -> np.ndarray:
    return np.ptp(rgb.astype(int), axis=2) > spread


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    assert ys.size, "nothing found"
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def slice_on_screen(view, array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``array``'s slice as the view shows it, sampled at every widget pixel (nearest), and
    the mask of widget pixels that show the image."""
    plane = oriented_slice(array, view.geometry_.axes, view.index)
    r = view.image_rect()
    ys, xs = np.mgrid[0:view.height(), 0:view.width()] + 0.5
    rows = np.floor((ys - r.top()) / r.height() * plane.shape[0]).astype(int)
    cols = np.floor((xs - r.left()) / r.width() * plane.shape[1]).astype(int)
    inside = (rows >= 0) & (rows < plane.shape[0]) & (cols >= 0) & (cols < plane.shape[1])
    return plane[rows.clip(0, plane.shape[0] - 1), cols.clip(0, plane.shape[1] - 1)], inside


def pixel_centre(view, row: float, col: float) -> QPoint:
    """Widget position of the centre of slice pixel (row, col)."""
    r, (n_rows, n_cols) = view.image_rect(), view.geometry_.size
    return QPoint(int(r.left() + (col + 0.5) * r.width() / n_cols),
                  int(r.top() + (row + 0.5) * r.height() / n_rows))


def wheel(widget, notches: int, modifiers=Qt.NoModifier) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.NoButton, modifiers,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def drag(widget, button, start: QPoint, end: QPoint, steps: int = 4) -> None:
    """Press ``button`` at ``start``, move in ``steps`` to ``end``, release: sent straight
    to the widget (QTest's moves warp the real X cursor, whose stale events can arrive
    in between)."""
    from PyQt5.QtCore import QEvent
    from PyQt5.QtGui import QMouseEvent

    def send(kind, pos, buttons, which):
        event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), which,
                            buttons, Qt.NoModifier)
        QApplication.sendEvent(widget, event)

    send(QEvent.MouseButtonPress, start, button, button)
    for n in range(1, steps + 1):
        send(QEvent.MouseMove, start + (end - start) * n / steps, button, Qt.NoButton)
    send(QEvent.MouseButtonRelease, end, Qt.NoButton, button)


def annotation_pixels(view) -> np.ndarray:
    """Where texts, letters and crosshair lines may be: the borders and the two lines."""
    mask = np.zeros((view.height(), view.width()), bool)
    mask[:70, :] = mask[-60:, :] = mask[:, :30] = mask[:, -30:] = True
    point = view.index_to_widget(view.state.volume.patient_to_index(view.state.crosshair))
    x, y = int(point.x()), int(point.y())
    mask[:, max(x - 2, 0):x + 3] = True
    mask[max(y - 2, 0):y + 3, :] = True
    return mask
