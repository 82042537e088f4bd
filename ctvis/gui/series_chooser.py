"""Which series to open when a DICOM folder holds several: a small table dialog."""
from __future__ import annotations

from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                             QTableWidgetItem, QVBoxLayout)

COLUMNS = (("description", "Description"), ("modality", "Modality"), ("n_images", "Images"),
           ("size", "Size"), ("uid", "Series UID"))


def _row(series) -> dict:
    info = series.as_dict() if hasattr(series, "as_dict") else dict(series)
    info["size"] = f"{info.get('columns', '?')}×{info.get('rows', '?')}"
    return info


class SeriesChooser(QDialog):
    def __init__(self, path, series: list, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Choose a series")
        self.rows = [_row(s) for s in series]
        self.table = QTableWidget(len(self.rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSelectionMode(QTableWidget.SingleSelection)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        for r, info in enumerate(self.rows):
            for c, (key, _title) in enumerate(COLUMNS):
                self.table.setItem(r, c, QTableWidgetItem(str(info.get(key) or "–")))
        # The series with most images first selected: usually the diagnostic one.
        best = max(range(len(self.rows)), key=lambda r: self.rows[r].get("n_images") or 0)
        self.table.selectRow(best)
        self.table.doubleClicked.connect(self.accept)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"{path} holds {len(self.rows)} series:"))
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(760, 300)

    def chosen_uid(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()]["uid"] if rows else None


def choose_series(parent, path, series: list) -> str | None:
    """Ask which series to open; None if the user cancels."""
    dialog = SeriesChooser(path, series, parent)
    return dialog.chosen_uid() if dialog.exec_() == QDialog.Accepted else None


def first_series(parent, path, series: list) -> str | None:
    """For scripts (``--screenshot``): the series with the most images, without asking."""
    return max(series, key=lambda s: s.n_images).uid
