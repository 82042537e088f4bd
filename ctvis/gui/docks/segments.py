"""Segments: every segment of every label map in the state, as a table (colour, name, map,
visible, locked, volume in mL, how it was made), with add, rename (double-click the name),
recolour, delete, merge, show/hide, each segment's opacity, and each map's opacity and
fill/outline display.

The dock holds no result: rows are read from the overlays' segment tables, every action
changes a table or writes voxels through the label map (:mod:`ctvis.model.segment_actions`),
and the selected row is ``state.active_segment``, the segment editor tools act on.  Volumes
are counted per slice and recounted, ``RECOUNT_MS`` after the last edit, only on the slices
an edit touched.  Given the window's undo history (``history``), delete and merge are undo
steps (voxels and table rows)."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QIcon, QPixmap
from PyQt5.QtWidgets import (QAbstractItemView, QCheckBox, QColorDialog, QComboBox,
                             QGridLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                             QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout,
                             QWidget)

from ctvis.model import segment_actions as actions
from ctvis.model.labelmap import LabelMap
from ctvis.model.segment_volumes import SliceCounts, ml_per_voxel
from ctvis.gui.docks.common import SliderSpin, blocked
from ctvis.gui.subscriptions import subscriptions

# Short headers, so that every column fits a narrow dock; the tooltips say the rest.
COLUMNS = ("", "Name", "Map", "Show", "Lock", "mL", "Made by")
TIPS = ("Colour (double-click to change)", "Name (double-click to rename)", "Label map",
        "Shown in the views", "Locked: editor tools leave it alone", "Volume in mL",
        "How it was made")
COLOR, NAME, MAP, VISIBLE, LOCKED, VOLUME, ORIGIN = range(len(COLUMNS))
DISPLAYS = ("Fill", "Outline")
RECOUNT_MS = 150                 # after the last edit of a label map (a stroke fires many)
NEW_MAP = "segments"
SWATCH = 14                      # pixels             # the map "Add" makes when the volume has none


def _swatch(rgb) -> QIcon:
    """A colour square: an icon, not a cell background, so a selected row still shows it."""
    pixmap = QPixmap(SWATCH, SWATCH)
    pixmap.fill(QColor(*rgb))
    return QIcon(pixmap)


def _centred(box: QCheckBox) -> QWidget:
    holder = QWidget()
    lay = QHBoxLayout(holder)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setAlignment(Qt.AlignCenter)
    lay.addWidget(box)
    return holder


class SegmentsPanel(QWidget):
    message = pyqtSignal(str)          # a line for the status bar

    def __init__(self, state, history=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.history = history                       # EditHistory, or None: not undoable
        self._keys: list[tuple[str, int]] = []       # (overlay name, value) of each row
        self._boxes: list[tuple[QCheckBox, QCheckBox]] = []
        self._counts: dict[str, SliceCounts] = {}
        self._pending: dict[str, tuple[int, int] | None] = {}   # None: count it all
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_MS)
        self._recount.timeout.connect(self.recount)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for col, tip in enumerate(TIPS):
            self.table.horizontalHeaderItem(col).setToolTip(tip)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked
                                   | QAbstractItemView.EditKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.Stretch)
        header.setSectionResizeMode(COLOR, QHeaderView.Fixed)
        header.resizeSection(COLOR, 22)
        self.add_button = QPushButton("Add")
        self.delete_button = QPushButton("Delete")
        self.merge_button = QPushButton("Merge")
        self.color_button = QPushButton("Colour…")
        for button, tip in ((self.add_button, "A new empty segment in the chosen map"),
                            (self.delete_button, "Clear the selected segments' voxels and "
                                                 "remove them"),
                            (self.merge_button, "Merge the selected segments into the first"),
                            (self.color_button, "Recolour the selected segment")):
            button.setToolTip(tip)
        self.map_box = QComboBox()
        self.opacity = SliderSpin("Opacity", 0, 100, " %")
        # The selected segment's own opacity, times its map's (2D and 3D).
        self.segment_opacity = SliderSpin("Segment", 0, 100, " %")
        self.segment_opacity.setToolTip("The selected segment's opacity, times its map's")
        self.display = QComboBox()
        self.display.addItems(DISPLAYS)
        self.display.setToolTip("How the slice views draw this map's segments")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

        buttons = QHBoxLayout()
        for b in (self.add_button, self.delete_button, self.merge_button, self.color_button):
            buttons.addWidget(b)
        grid = QGridLayout()
        grid.addWidget(QLabel("Map"), 0, 0)
        grid.addWidget(self.map_box, 0, 1)
        grid.addWidget(QLabel("Slices"), 0, 2)
        grid.addWidget(self.display, 0, 3)
        grid.addWidget(self.opacity, 1, 0, 1, 4)
        grid.addWidget(self.segment_opacity, 2, 0, 1, 4)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addLayout(grid)
        lay.addWidget(self.status)

        self.add_button.clicked.connect(lambda: self.add())
        self.delete_button.clicked.connect(lambda: self.delete())
        self.merge_button.clicked.connect(lambda: self.merge())
        self.color_button.clicked.connect(lambda: self.choose_color())
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(self._current_changed)
        self.table.cellDoubleClicked.connect(
            lambda row, col: col == COLOR and self.choose_color(self._keys[row]))
        self.table.itemSelectionChanged.connect(self._enable)
        self.map_box.currentTextChanged.connect(lambda _name: self._show_map())
        self.opacity.changed.connect(lambda v: self._set_map(opacity=v / 100))
        self.segment_opacity.changed.connect(self._set_segment_opacity)
        self.display.currentTextChanged.connect(
            lambda text: self._set_map(outline=text == "Outline"))
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {"volume": lambda _v: self._enable(),
                                                 "overlays": self._on_overlays,
                                                 "labels": self._on_labels,
                                                 "active_segment": self._on_active})
        self._on_overlays(state.overlays)

    def disconnect_state(self) -> None:
        self._recount.stop()
        self._subs.disconnect_all()

    # ------------------------------------------------------------------ reading
    def _labelmap(self, name: str) -> LabelMap | None:
        overlay = self.state.overlays.get(name)
        return None if overlay is None else overlay.labelmap

    def _row(self, key) -> tuple:
        name, value = key
        return self._labelmap(name), self._labelmap(name).segment(value)

    def row_of(self, key) -> int:
        return self._keys.index(tuple(key))

    def visible_box(self, row: int) -> QCheckBox:
        return self._boxes[row][0]

    def locked_box(self, row: int) -> QCheckBox:
        return self._boxes[row][1]

    def selected_keys(self) -> list[tuple[str, int]]:
        """The selected rows' keys, in table order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self._keys[r] for r in rows]

    def volume_ml(self, key) -> float | None:
        """The segment's volume as counted (None: not counted yet)."""
        counts, volume = self._counts.get(key[0]), self.state.volume
        if counts is None or volume is None or key[0] in self._pending:
            return None
        return counts.count(key[1]) * ml_per_voxel(volume.spacing)

    # ------------------------------------------------------------- state → rows
    def _on_overlays(self, overlays) -> None:
        for name in [n for n in self._counts if self._labelmap(n) is None]:
            del self._counts[name]
        for name, overlay in overlays.items():
            counts = self._counts.get(name)
            if overlay.labelmap is not None and (counts is None
                                                 or counts.array is not overlay.labelmap.array):
                self._pending[name] = None
                self._recount.start()
        keys = [(name, s.value) for name, o in overlays.items() for s in o.segments]
        if keys != self._keys:
            self._rebuild(keys)
        self.table.setColumnHidden(MAP, len({name for name, _ in keys}) < 2)
        for row, key in enumerate(keys):
            self._fill(row, key)
        self._show_maps()
        self._on_active(self.state.active_segment)

    def _rebuild(self, keys) -> None:
        with blocked(self.table):
            self.table.setRowCount(0)
            self.table.setRowCount(len(keys))
            self._keys, self._boxes = list(keys), []
            for row, key in enumerate(keys):
                for col in range(len(COLUMNS)):
                    item = QTableWidgetItem()
                    flags = Qt.ItemIsSelectable | Qt.ItemIsEnabled
                    item.setFlags(flags | Qt.ItemIsEditable if col == NAME else flags)
                    if col == VOLUME:
                        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                    self.table.setItem(row, col, item)
                boxes = (QCheckBox(), QCheckBox())
                for box, col, field in ((boxes[0], VISIBLE, "visible"),
                                        (boxes[1], LOCKED, "locked")):
                    box.toggled.connect(lambda on, k=key, f=field: self._set_row(k, **{f: on}))
                    self.table.setCellWidget(row, col, _centred(box))
                self._boxes.append(boxes)

    def _fill(self, row: int, key) -> None:
        """Show one segment's row as its table has it now."""
        name, value = key
        segment = self._labelmap(name).segment(value)
        with blocked(self.table, *self._boxes[row]):
            self.table.item(row, COLOR).setIcon(_swatch(segment.color))
            self.table.item(row, COLOR).setToolTip(
                "rgb({}, {}, {}) — double-click to change".format(*segment.color))
            self.table.item(row, NAME).setText(segment.name)
            self.table.item(row, NAME).setToolTip(f"label value {value}")
            self.table.item(row, MAP).setText(name)
            self.table.item(row, ORIGIN).setText(segment.origin or "")
            self._boxes[row][0].setChecked(segment.visible)
            self._boxes[row][1].setChecked(segment.locked)
        self._fill_volume(row, key)

    def _fill_volume(self, row: int, key) -> None:
        ml = self.volume_ml(key)
        with blocked(self.table):
            self.table.item(row, VOLUME).setText("…" if ml is None else f"{ml:.2f}")

    def _on_active(self, key) -> None:
        row = self._keys.index(key) if key in self._keys else -1
        with blocked(self.table):
            if row < 0:
                self.table.clearSelection()
                self.table.setCurrentCell(-1, -1)
            elif self.table.currentRow() != row:
                self.table.setCurrentCell(row, NAME)
        if row >= 0:
            with blocked(self.map_box):
                self.map_box.setCurrentText(key[0])
            self._show_map()
            self.segment_opacity.set_value(100 * self._row(key)[1].opacity)
        self._enable()

    def _set_segment_opacity(self, value) -> None:
        key = self.state.active_segment
        if key is not None and self.state.active_row() is not None:
            self._set_row(key, opacity=value / 100)

    def _show_maps(self) -> None:
        names = [n for n, o in self.state.overlays.items() if o.labelmap is not None]
        with blocked(self.map_box):
            current = self.map_box.currentText()
            self.map_box.clear()
            self.map_box.addItems(names)
            if current in names:
                self.map_box.setCurrentText(current)
        self._show_map()

    def _show_map(self) -> None:
        overlay = self.state.overlays.get(self.map_box.currentText())
        if overlay is not None:
            self.opacity.set_value(100 * overlay.opacity)
            with blocked(self.display):
                self.display.setCurrentText("Outline" if overlay.outline else "Fill")
        self._enable()

    def _enable(self) -> None:
        selected = self.selected_keys() if self._keys else []
        self.add_button.setEnabled(self.state.volume is not None)
        self.delete_button.setEnabled(bool(selected))
        self.merge_button.setEnabled(len(selected) > 1)
        self.color_button.setEnabled(self.state.active_row() is not None)
        has_map = self.map_box.currentText() in self.state.overlays
        for w in (self.opacity, self.display):
            w.setEnabled(has_map)
        self.segment_opacity.setEnabled(self.state.active_row() is not None)

    # ------------------------------------------------------------ volumes
    def _on_labels(self, name: str, change) -> None:
        z = change.region[0]
        if name in self._pending:
            span = self._pending[name]
            self._pending[name] = None if span is None else (min(span[0], z.start),
                                                             max(span[1], z.stop))
        else:
            self._pending[name] = (z.start, z.stop)
        self._recount.start()                   # debounced: a stroke fires many

    def recount(self) -> None:
        """Count what changed since the last count and show the volumes."""
        pending, self._pending = self._pending, {}
        for name, span in pending.items():
            labelmap = self._labelmap(name)
            if labelmap is None:
                continue
            counts = self._counts.get(name)
            if span is None or counts is None or counts.array is not labelmap.array:
                self._counts[name] = SliceCounts(labelmap.array)
            else:
                counts.recount(*span)
        for row, key in enumerate(self._keys):
            if key[0] in pending:
                self._fill_volume(row, key)

    # ------------------------------------------------------------ rows → state
    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    def _current_changed(self, row, _col, old_row, _old_col) -> None:
        if row != old_row and 0 <= row < len(self._keys):
            self.state.active_segment = self._keys[row]

    def _item_changed(self, item) -> None:
        if item.column() == NAME:
            self.rename(self._keys[item.row()], item.text())

    def _set_row(self, key, **changes) -> None:
        labelmap, _segment = self._row(key)
        labelmap.set_segment(key[1], **changes)

    def _set_map(self, **changes) -> None:
        name = self.map_box.currentText()
        if name in self.state.overlays:
            self.state.set_overlay(name, **changes)

    def rename(self, key, name: str) -> bool:
        labelmap, segment = self._row(key)
        name = name.strip()
        clash = labelmap.segment_named(name)
        if not name or (clash is not None and clash.value != segment.value):
            self._say(f"A segment of {key[0]} needs a name of its own; "
                      f"{name!r} is empty or taken.")
            self._fill(self.row_of(key), key)   # the old name back
            return False
        if name != segment.name:
            labelmap.set_segment(key[1], name=name)
        return True

    def set_color(self, key, rgb) -> None:
        self._set_row(key, color=tuple(int(c) for c in rgb))

    def choose_color(self, key=None) -> None:
        key = key or self.state.active_segment
        if key not in self._keys:
            return
        _labelmap, segment = self._row(key)
        colour = QColorDialog.getColor(QColor(*segment.color), self, "Segment colour")
        if colour.isValid():
            self.set_color(key, (colour.red(), colour.green(), colour.blue()))

    def add(self) -> tuple[str, int] | None:
        """A new empty segment in the chosen map (a new map if there is none); it becomes
        the active segment."""
        volume = self.state.volume
        if volume is None:
            return None
        name = self.map_box.currentText()
        if self._labelmap(name) is None:
            name = NEW_MAP
            self.state.set_overlay(name, labels=LabelMap(np.zeros(volume.shape, np.uint8),
                                                         (), name))
        if name in self._pending:
            self.recount()                       # values with voxels are not free
        counts = self._counts.get(name)
        try:
            row = actions.add_segment(self._labelmap(name),
                                      present=() if counts is None else counts.present())
        except ValueError as error:
            self._say(str(error))
            return None
        self.state.active_segment = (name, row.value)
        self._say(f"Added {row.name} (label {row.value}) to {name}.")
        return name, row.value

    def delete(self, keys=None) -> None:
        keys = list(keys or self.selected_keys())
        for key in keys:
            labelmap, _segment = self._row(key)
            try:
                self._undoable(labelmap, "delete segment",
                               lambda: actions.delete_segment(labelmap, key[1]))
            except (KeyError, ValueError) as error:
                self._say(str(error))
                continue
            if self.state.active_segment == key:
                self.state.active_segment = None

    def merge(self, keys=None) -> None:
        """The selected segments into the first of them (one map only)."""
        keys = list(keys or self.selected_keys())
        if len(keys) < 2 or len({name for name, _ in keys}) > 1:
            self._say("Select two or more segments of one map to merge.")
            return
        into = keys[0]
        labelmap = self._labelmap(into[0])
        try:
            self._undoable(labelmap, "merge segments", lambda: actions.merge_segments(
                labelmap, into[1], [value for _name, value in keys[1:]]))
        except (KeyError, ValueError) as error:
            self._say(str(error))
            return
        self.state.active_segment = into

    def _undoable(self, labelmap, name: str, action) -> None:
        """Run ``action`` (it returns its edits) as one undo step with its table change."""
        if self.history is None:
            action()
            return
        old = labelmap.segments
        with self.history.command(name):
            for edit in action():
                self.history.record(labelmap, edit, name)
            self.history.record_table(labelmap, old, labelmap.segments, name)
