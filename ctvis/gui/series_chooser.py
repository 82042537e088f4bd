"""Which series to open when a DICOM folder holds several: a table dialog whose rows tell the
series apart (two series of one scan often share description, modality, size and count):
series number, description, image type, what the series is ("original axial", "derived
coronal reformat", "localizer"), slice spacing, z range and a middle-slice thumbnail.  The
rows come in the scan's order (``core.io.series_rank``): the first, selected, is what opens
without asking."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QSize
from PyQt5.QtGui import QIcon, QImage, QPixmap
from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QTableWidget,
                             QTableWidgetItem, QVBoxLayout)

from ctvis.core.io.series_rank import rank_series
from ctvis.gui.widgets import ElidedLabel

THUMB = 64                         # thumbnail size in pixels (longest side)
THUMB_WINDOW = (-600.0, 1500.0)    # lung window: lungs, mediastinum and bone told apart
COLUMNS = (("thumbnail", ""), ("number", "No."), ("description", "Description"),
           ("image_type", "Image type"), ("kind", "Kind"), ("n_images", "Images"),
           ("size", "Size"), ("spacing_text", "Slice spacing"), ("z_text", "z range"),
           ("uid", "Series UID"))
KIND = [key for key, _ in COLUMNS].index("kind")
KIND_TIP = ("Opened by default: an original, primary, axial CT with the smallest slice step, "
            "then the most images; reformats, localizers and derived series come after it")


def _ordered(slices) -> list:
    """The slices along their normal (ImagePositionPatient projected), as the loader does."""
    placed = [s for s in slices if s.position is not None]
    if not placed:
        return list(slices)
    ori = placed[0].orientation
    normal = np.cross(ori[:3], ori[3:]) if ori is not None else np.array([0.0, 0.0, 1.0])
    return sorted(placed, key=lambda s: float(np.dot(s.position, normal)))


def middle_thumbnail(series) -> np.ndarray | None:
    """The middle slice in the lung window as uint8, at most THUMB pixels a side; None when
    its pixels are compressed (no decoder runs for a preview) or unreadable."""
    slices = _ordered(series.slices)
    if not slices:
        return None
    s = slices[len(slices) // 2]
    if s.pixel_offset is None:
        return None
    try:
        raw = np.fromfile(s.path, dtype=s.raw_dtype, count=s.rows * s.columns,
                          offset=s.pixel_offset)
        if raw.size != s.rows * s.columns:
            return None
        step = max(1, -(-max(s.rows, s.columns) // THUMB))
        plane = raw.reshape(s.rows, s.columns)[::step, ::step].astype(np.float32)
    except (OSError, ValueError):
        return None
    hu = plane * s.slope + s.intercept
    center, width = THUMB_WINDOW
    grey = np.clip((hu - (center - width / 2)) / width * 255, 0, 255)
    return np.ascontiguousarray(grey.astype(np.uint8))


def summarise(series) -> dict:
    """What the table shows of one series (no Qt: runs on the loading worker)."""
    info = series.as_dict() if hasattr(series, "as_dict") else dict(series)
    info["size"] = f"{info.get('columns', '?')}×{info.get('rows', '?')}"
    slices = getattr(series, "slices", None) or []
    if slices:
        first = slices[0]
        number = first.meta.get("series_number")
        info["number"] = "" if number is None else f"{float(number):.10g}"
        info["image_type"] = "\\".join(first.image_type)
        ordered = _ordered(slices)
        positions = np.array([s.position for s in ordered if s.position is not None])
        if len(positions) > 1:
            ori = ordered[0].orientation
            normal = np.cross(ori[:3], ori[3:]) if ori is not None else np.array([0, 0, 1.0])
            steps = np.diff(positions @ normal)
            steps = steps[np.abs(steps) > 1e-3]
            if steps.size:
                info["spacing_text"] = f"{float(np.median(steps)):.3g} mm"
        if len(positions):
            z0, z1 = positions[:, 2].min(), positions[:, 2].max()
            info["z_text"] = f"{z0:.1f} … {z1:.1f} mm"
        info["thumbnail_array"] = middle_thumbnail(series)
    return info


def _icon(grey: np.ndarray) -> QIcon:
    h, w = grey.shape
    image = QImage(grey.data, w, h, w, QImage.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(image))


class SeriesChooser(QDialog):
    def __init__(self, path, series: list, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Choose a series")
        self.rows = [getattr(s, "summary", None) or summarise(s) for s in series]
        self.table = QTableWidget(len(self.rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSelectionMode(QTableWidget.SingleSelection)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Fixed)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.Interactive)
        for r, info in enumerate(self.rows):
            for c, (key, _title) in enumerate(COLUMNS):
                if key == "thumbnail":
                    item = QTableWidgetItem()
                    thumb = info.get("thumbnail_array")
                    if thumb is not None:
                        item.setIcon(_icon(thumb))
                    else:
                        item.setText("–")
                        item.setToolTip("no preview (compressed or unreadable pixels)")
                else:
                    value = info.get(key)
                    item = QTableWidgetItem("–" if value in (None, "") else str(value))
                    if key == "uid":
                        item.setToolTip(str(value))
                self.table.setItem(r, c, item)
        self.table.setColumnWidth(0, THUMB + 10)
        self.table.setColumnWidth(len(COLUMNS) - 1, 160)
        # The default first and selected: the original axial CT with the thinnest slices,
        # not a reformat that has more images.
        self.table.horizontalHeaderItem(KIND).setToolTip(KIND_TIP)
        self.table.selectRow(0)
        self.table.doubleClicked.connect(self.accept)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        self.title = ElidedLabel(f"{path} holds {len(self.rows)} series (the first is the "
                                 f"default):")
        lay.addWidget(self.title)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(1000, 200 + (THUMB + 6) * min(len(self.rows), 6))

    def chosen_uid(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()]["uid"] if rows else None


def choose_series(parent, path, series: list) -> str | None:
    """Ask which series to open; None if the user cancels."""
    dialog = SeriesChooser(path, series, parent)
    try:
        return dialog.chosen_uid() if dialog.exec_() == QDialog.Accepted else None
    finally:
        dialog.deleteLater()        # a child of the window: it would keep the thumbnails


def first_series(parent, path, series: list) -> str | None:
    """For scripts (``--screenshot``): the default series (as ``ctvis.load`` takes it),
    without asking."""
    return rank_series(series)[0].uid
