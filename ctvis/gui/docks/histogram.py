"""Histogram: the HU distribution (lung voxels only once the lungs are segmented) with the
current window drawn over it: a shaded band from level − width/2 to level + width/2 and the
grey ramp across it.  Counts are drawn on a log scale; every second voxel along each axis is
counted, which changes nothing visible and keeps a 512² series' histogram under 0.1 s.
The lungs' label map edited in place counts again, ``RECOUNT_MS`` after the last edit."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PyQt5.QtGui import QColor, QPainter, QPen, QPolygonF
from PyQt5.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ctvis.model.state import LUNGS
from ctvis.gui.subscriptions import subscriptions

HU_RANGE = (-1100, 1500)
BIN_HU = 10
SAMPLE = 2                      # every second voxel along each axis
RECOUNT_MS = 200                # after the last in-place edit of the lungs' label map


def hu_histogram(array: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Counts per BIN_HU bin over HU_RANGE (values outside go to the end bins)."""
    lo, hi = HU_RANGE
    n_bins = (hi - lo) // BIN_HU
    sample = array[::SAMPLE, ::SAMPLE, ::SAMPLE]
    if mask is not None:
        sample = sample[mask[::SAMPLE, ::SAMPLE, ::SAMPLE] != 0]
    counts = np.zeros(n_bins, np.int64)
    for plane in (sample if sample.ndim == 3 else [sample]):   # plane by plane: small temps
        bins = (np.clip(plane, lo, hi - 1).astype(np.int32).ravel() - lo) // BIN_HU
        counts += np.bincount(bins, minlength=n_bins)
    return counts


class HistogramPlot(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts: np.ndarray | None = None
        self.window = None
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(300, 160)

    def hu_to_x(self, hu: float, rect: QRectF) -> float:
        lo, hi = HU_RANGE
        return rect.left() + (hu - lo) / (hi - lo) * rect.width()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(25, 25, 28))
        rect = self.plot_rect()
        if self.counts is not None and self.counts.any():
            heights = np.log1p(self.counts.astype(float))
            heights /= heights.max()
            n = len(heights)
            points = [QPointF(rect.left(), rect.bottom())]
            for i, h in enumerate(heights):
                x0 = rect.left() + i / n * rect.width()
                x1 = rect.left() + (i + 1) / n * rect.width()
                y = rect.bottom() - h * rect.height()
                points += [QPointF(x0, y), QPointF(x1, y)]
            points.append(QPointF(rect.right(), rect.bottom()))
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(150, 160, 175))
            p.drawPolygon(QPolygonF(points))
        if self.window is not None:
            a = self.hu_to_x(self.window.center - self.window.width / 2, rect)
            b = self.hu_to_x(self.window.center + self.window.width / 2, rect)
            p.fillRect(QRectF(QPointF(a, rect.top()), QPointF(b, rect.bottom())),
                       QColor(255, 200, 40, 50))
            p.setPen(QPen(QColor(255, 200, 40), 2))
            p.drawLine(QPointF(a, rect.bottom()), QPointF(b, rect.top()))
        p.setPen(QColor(200, 200, 200))
        for hu, x, box, text in self.axis_labels():
            p.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 3))
            p.drawText(box, Qt.AlignCenter, text)
        p.end()

    def plot_rect(self) -> QRectF:
        """Where the counts are drawn: a line of axis labels below."""
        return QRectF(self.rect()).adjusted(4, 4, -4, -(self.fontMetrics().height() + 5))

    def axis_labels(self) -> list[tuple[int, float, QRectF, str]]:
        """(HU, tick x, text box, text) of each axis label: the box as wide as its text and
        moved inside the widget, so "−1000" keeps its minus sign and "1500" its last digit."""
        rect, fm = self.plot_rect(), self.fontMetrics()
        out = []
        for hu in range(-1000, HU_RANGE[1] + 1, 500):
            x = self.hu_to_x(hu, rect)
            text = f"{hu}".replace("-", "\u2212")           # a real minus sign
            w = fm.horizontalAdvance(text) + 2
            left = min(max(x - w / 2, 0.0), self.width() - w)
            out.append((hu, x, QRectF(left, rect.bottom() + 3, w, fm.height()), text))
        return out


class HistogramPanel(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.title = QLabel()
        self.plot = HistogramPlot()
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.plot, 1)
        self._stale = True
        self._labels = None       # (label map, revision) the shown counts were made of
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_MS)
        self._recount.timeout.connect(self._invalidate)
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {
            "volume": self._invalidate, "overlays": self._on_overlays,
            "window": self._on_window, "labels": self._on_labels})
        self._on_window(state.window)

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()

    def lung_labels(self):
        overlay = self.state.overlays.get(LUNGS)
        return None if overlay is None else overlay.labels

    def _key(self):
        overlay = self.state.overlays.get(LUNGS)
        labelmap = None if overlay is None else overlay.labelmap
        return None if labelmap is None else (labelmap, labelmap.revision)

    def _on_overlays(self, _overlays) -> None:
        if self._key() != self._labels:     # other labels, or these changed since
            self._invalidate()

    def _on_labels(self, name, _change) -> None:
        if name == LUNGS:
            self._recount.start()           # debounced: a brush stroke fires many

    def _invalidate(self, *_args) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def _on_window(self, window) -> None:
        self.plot.window = window
        self.plot.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Count the histogram now (the dock only does it while it is shown)."""
        volume, labels = self.state.volume, self.lung_labels()
        self._labels = self._key()
        self._stale = False
        if volume is None:
            self.plot.counts = None
            self.title.setText("No volume")
        else:
            self.plot.counts = hu_histogram(volume.array, labels)
            self.title.setText("Lung voxels (HU)" if labels is not None else "All voxels (HU)")
        self.plot.update()
