"""Markups dock: every markup with its figures; a click on a row selects it and moves the
crosshair to it (the views follow), a double click on its name renames it; Delete, the
table as CSV, and 3D Slicer markups files (.mrk.json) saved and opened.

The dock holds no markup: rows are read from ``state.markups`` and figures measured on
``state.volume`` (``ctvis.model.markups.measure``, cached per markup); the selection is the
markup layer's (``ctvis.gui.markup_layer``), shared with the slice views."""
from __future__ import annotations

from dataclasses import replace

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton,
                             QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ctvis.core.errors import CtvisError
from ctvis.gui import file_dialogs
from ctvis.gui.docks.common import blocked
from ctvis.gui.subscriptions import subscriptions
from ctvis.model import markups as mk
from ctvis.model.markup_files import read_mrk_json, write_csv, write_mrk_json

COLUMNS = ("Name", "Type", "Figures")
NAME, TYPE, FIGURES = range(len(COLUMNS))
MRK_FILTER = "3D Slicer markups (*.mrk.json *.json)"
CSV_FILTER = "CSV table (*.csv)"


def details(m, figures: dict) -> str:
    """Every figure of a markup with its unit, one a line (the row's tooltip)."""
    lines = [f"{m.name} ({mk.TITLES[m.kind]})"]
    for key, (header, fmt) in mk.FIGURES.items():
        v = figures.get(key)
        if v is not None and not (isinstance(v, float) and v != v):
            lines.append(f"{header}: {fmt.format(int(v) if fmt == '{:d}' else v)}")
    return "\n".join(lines)


class MarkupsPanel(QWidget):
    message = pyqtSignal(str)          # a line for the status bar
    error = pyqtSignal(str, str)       # (title, message): a dialog

    def __init__(self, state, layer, parent=None):
        super().__init__(parent)
        self.state, self.layer = state, layer
        self._ids: list[str] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked
                                   | QAbstractItemView.EditKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(FIGURES, QHeaderView.Stretch)
        self.delete_button = QPushButton("Delete")
        self.csv_button = QPushButton("Export CSV…")
        self.save_button = QPushButton("Save .mrk.json…")
        self.open_button = QPushButton("Open .mrk.json…")
        self.delete_button.clicked.connect(self.delete_selected)
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.save_button.clicked.connect(lambda: self.save_markups())
        self.open_button.clicked.connect(lambda: self.open_markups())
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        for pair in ((self.delete_button, self.csv_button),
                     (self.open_button, self.save_button)):
            row = QHBoxLayout()
            for button in pair:
                row.addWidget(button)
            lay.addLayout(row)
        self.table.itemSelectionChanged.connect(self._row_selected)
        self.table.itemChanged.connect(self._item_changed)
        self.layer.selected_changed.connect(self._show_selected)
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {"markups": lambda _m: self.refresh(),
                                                 "volume": lambda _v: self.refresh()})
        self.refresh()

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()

    # ------------------------------------------------------------------- table
    def refresh(self) -> None:
        markups, volume = self.state.markups, self.state.volume
        self._ids = [m.id for m in markups]
        with blocked(self.table):
            self.table.setRowCount(len(markups))
            for row, m in enumerate(markups):
                figures = "" if volume is None else mk.summary(m, mk.measure(m, volume))
                tip = "" if volume is None else details(m, mk.measure(m, volume))
                for col, text in ((NAME, m.name), (TYPE, mk.TITLES[m.kind]),
                                  (FIGURES, figures)):
                    item = self.table.item(row, col)
                    if item is None:
                        item = QTableWidgetItem()
                        self.table.setItem(row, col, item)
                    item.setText(text)
                    item.setToolTip(tip)
                    flags = Qt.ItemIsSelectable | Qt.ItemIsEnabled
                    item.setFlags(flags | Qt.ItemIsEditable if col == NAME else flags)
            self.table.clearSelection()
            if self.layer.selected in self._ids:
                self.table.selectRow(self._ids.index(self.layer.selected))
        self.delete_button.setEnabled(self.layer.selected in self._ids)
        for button in (self.csv_button, self.save_button):
            button.setEnabled(bool(markups))

    def row_texts(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    def _show_selected(self, markup_id) -> None:
        with blocked(self.table):
            self.table.clearSelection()
            if markup_id in self._ids:
                self.table.selectRow(self._ids.index(markup_id))
        self.delete_button.setEnabled(markup_id in self._ids)

    def _row_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) != 1:
            return
        markup = mk.find(self.state.markups, self._ids[rows.pop()])
        if markup is None:
            return
        self.layer.select(markup.id)
        self.delete_button.setEnabled(True)
        if self.state.volume is not None:
            self.state.crosshair = tuple(mk.focus_point(markup))

    def _item_changed(self, item) -> None:
        if item.column() != NAME or item.row() >= len(self._ids):
            return
        markup = mk.find(self.state.markups, self._ids[item.row()])
        name = item.text().strip()
        if markup is None or not name or name == markup.name:
            self.refresh()
            return
        self.state.markups = mk.replaced(self.state.markups, replace(markup, name=name))

    # ----------------------------------------------------------------- actions
    def delete_selected(self) -> None:
        markup = mk.find(self.state.markups, self.layer.selected)
        if markup is not None:
            self.state.markups = mk.removed(self.state.markups, markup.id)
            self.message.emit(f"Deleted {markup.name}")

    def export_csv(self, path=None) -> str | None:
        if path is None:
            path, _ = file_dialogs.save_file_name(self, "Export markups table",
                                                  "markups.csv", CSV_FILTER)
            if not path:
                return None
        return self._write(lambda: write_csv(self.state.markups, self.state.volume, path),
                           path, "Export markups table")

    def save_markups(self, path=None) -> str | None:
        if path is None:
            path, _ = file_dialogs.save_file_name(self, "Save markups", "markups.mrk.json",
                                                  MRK_FILTER)
            if not path:
                return None
        return self._write(lambda: write_mrk_json(self.state.markups, path,
                                                  self.state.volume), path, "Save markups")

    def _write(self, write, path, title) -> str | None:
        try:
            write()
        except CtvisError as exc:
            self.error.emit(title, str(exc))
            return None
        file_dialogs.remember(path)
        self.message.emit(f"Saved {path}")
        return str(path)

    def open_markups(self, path=None) -> int | None:
        """Add the markups of a .mrk.json file; their number, None on error or cancel."""
        if path is None:
            path, _ = file_dialogs.open_file_name(self, "Open markups", MRK_FILTER)
            if not path:
                return None
        try:
            found, notes = read_mrk_json(path)
        except CtvisError as exc:
            self.error.emit("Open markups", str(exc))
            return None
        have = {m.id for m in self.state.markups}
        added = tuple(replace(m, id=mk.new_id()) if m.id in have else m for m in found)
        self.state.markups = self.state.markups + added
        file_dialogs.remember(path)
        self.message.emit("; ".join([f"Opened {len(added)} markups from {path}"] + notes))
        return len(added)
