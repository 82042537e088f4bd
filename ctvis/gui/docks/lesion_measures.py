"""The lesions' measurements under the Segments table (issue 22, item 2): for every segment
of the map "lesions" or made by the one-click lesion tool, its type, volume, long and short
axial axis, longest 3D diameter and mean HU, measured by ``core.lesions.measure`` on the
segment's voxels, again ``REMEASURE_MS`` after the last edit of its map.  Hidden when there
is no lesion."""
from __future__ import annotations

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import (QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem)

from ctvis.app.lesion import is_lesion
from ctvis.core.lesions.measure import measure_lesion
from ctvis.gui.subscriptions import subscriptions

COLUMNS = ("Lesion", "Type", "mL", "Long mm", "Short mm", "3D mm", "HU")
TIPS = ("Segment", "By HU: solid, part-solid, ground-glass", "Volume in mL",
        "Longest axial diameter", "Longest perpendicular to it on the same slice",
        "Longest 3D diameter", "Mean HU ± SD")
REMEASURE_MS = 300


class LesionMeasuresTable(QTableWidget):
    def __init__(self, state, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.state = state
        self.measures: dict[tuple[str, int], object] = {}    # (map, value) -> LesionMeasures
        self._pending: set[str] | None = None                # maps to measure; None: all
        self.setHorizontalHeaderLabels(COLUMNS)
        for col, tip in enumerate(TIPS):
            self.horizontalHeaderItem(col).setToolTip(tip)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.setToolTip("Lesions' measurements (one-click Lesion tool, map \"lesions\")")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REMEASURE_MS)
        self._timer.timeout.connect(self.remeasure)
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {"volume": lambda _v: self._later(None),
                                                 "overlays": lambda _o: self._later(None),
                                                 "labels": lambda name, _c: self._later(name)})
        self.setVisible(False)
        self._later(None)

    def disconnect_state(self) -> None:
        self._timer.stop()
        self._subs.disconnect_all()

    def _later(self, name) -> None:
        if name is None or self._pending is None:
            self._pending = None
        else:
            self._pending.add(name)
        self._timer.start()

    def rows(self) -> list[tuple[str, object]]:
        """(map name, Segment) of every lesion segment now."""
        return [(name, s) for name, o in self.state.overlays.items()
                if o.labelmap is not None for s in o.segments if is_lesion(name, s)]

    def remeasure(self) -> None:
        pending, self._pending = self._pending, set()
        volume = self.state.volume
        rows = self.rows() if volume is not None else []
        keep = {}
        for name, segment in rows:
            key = (name, segment.value)
            if pending is not None and name not in pending and key in self.measures:
                keep[key] = self.measures[key]
                continue
            labelmap = self.state.overlays[name].labelmap
            if labelmap.array.shape != volume.shape:
                continue
            mask = labelmap.array == segment.value
            if mask.any():
                keep[key] = measure_lesion(volume, mask)
        self.measures = keep
        shown = [(name, s) for name, s in rows if (name, s.value) in keep]
        self.setRowCount(len(shown))
        for row, (name, segment) in enumerate(shown):
            m = keep[(name, segment.value)]
            texts = (segment.name, m.type, f"{m.volume_ml:.2f}", f"{m.long_axis_mm:.1f}",
                     f"{m.short_axis_mm:.1f}", f"{m.max_3d_mm:.1f}",
                     f"{m.mean_hu:.0f} ± {m.sd_hu:.0f}")
            for col, text in enumerate(texts):
                self.setItem(row, col, QTableWidgetItem(text))
        self.setVisible(bool(shown))
        if shown:
            self.setFixedHeight(self.horizontalHeader().height() + 4
                                + sum(self.rowHeight(r) for r in range(len(shown))))

    def row_texts(self) -> list[list[str]]:
        return [[self.item(r, c).text() for c in range(self.columnCount())]
                for r in range(self.rowCount())]
