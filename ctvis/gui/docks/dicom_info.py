"""DICOM information: a searchable table of the current axial slice's header.

For a DICOM series the header is read from the slice's file when the dock is shown and the
slice changes (the loader records which file each slice came from); for NIfTI, NRRD or the
phantom, the volume's own metadata is listed.  Only while the user can see it: behind
another dock's tab (where the window starts it) it reads nothing, so the viewer does not
import pydicom (30 MiB of its memory, docs/performance.md) until the tab is opened.  Tags that identify the patient are left out unless
"Show patient identifiers" is ticked.
"""
from __future__ import annotations

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import (QCheckBox, QDockWidget, QHeaderView, QLineEdit, QTableWidget,
                             QTableWidgetItem, QVBoxLayout, QWidget)

from ctvis.gui.widgets import ElidedLabel
from ctvis.gui.subscriptions import subscriptions

DEBOUNCE_MS = 150
MAX_VALUE = 200                 # characters of a value shown
# Keywords of tags that identify a person or an institution (besides group 0010).
IDENTIFYING = {"AccessionNumber", "ReferringPhysicianName", "InstitutionName",
               "InstitutionAddress", "OperatorsName", "PerformingPhysicianName",
               "PhysiciansOfRecord", "RequestingPhysician", "StationName"}
IDENTIFYING_META = {"patient_name", "patient_id", "patient_birth_date"}


def slice_files(volume) -> dict[int, str]:
    """{slice index k: file} of a volume loaded from DICOM ({} otherwise): the loader
    records it (``meta["slice_files"]``), so no folder is scanned again."""
    return volume.meta.get("slice_files") or {}


def nearest_file(files: dict[int, str], k: int) -> str | None:
    """The file of slice ``k``, or of the nearest slice that has one (interpolated gaps)."""
    if not files:
        return None
    return files.get(k) or files[min(files, key=lambda key: abs(key - k))]


def header_rows(path: str) -> list[tuple[str, str, str, str, bool]]:
    """(tag, name, VR, value, identifying) of every top-level element, pixels excluded."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    rows = []
    for elem in ds:
        if elem.VR == "SQ":
            value = f"<sequence of {len(elem.value)} item(s)>"
        else:
            value = str(elem.value)
        tag = f"({elem.tag.group:04X},{elem.tag.element:04X})"
        identifying = elem.tag.group == 0x0010 or elem.keyword in IDENTIFYING
        rows.append((tag, elem.keyword or elem.name, str(elem.VR), value[:MAX_VALUE],
                     identifying))
    return rows


def meta_rows(meta: dict) -> list[tuple[str, str, str, str, bool]]:
    skip = {"series", "skipped", "warnings", "outside_field"}
    return [("", key, "", str(value)[:MAX_VALUE], key in IDENTIFYING_META)
            for key, value in meta.items() if key not in skip]


class DicomInfoPanel(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.source = ElidedLabel()         # a long path never widens the dock
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search tags and values…")
        self.search.setClearButtonEnabled(True)
        self.identifiers = QCheckBox("Show patient identifiers")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Tag", "Name", "VR", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        lay = QVBoxLayout(self)
        lay.addWidget(self.source)
        lay.addWidget(self.search)
        lay.addWidget(self.identifiers)
        lay.addWidget(self.table, 1)
        self.rows: list = []
        self._shown_key = None
        self._files: tuple = (None, {})      # (volume, {k: file}) found for that volume
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._refresh_if_seen)
        self._dock = None                    # the dock holding the panel, once shown
        self.search.textChanged.connect(self._fill)
        self.identifiers.toggled.connect(self._fill)
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {"volume": self._later,
                                                 "crosshair": self._later})

    def disconnect_state(self) -> None:
        self._timer.stop()
        self._subs.disconnect_all()

    def _later(self, *_args) -> None:
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dock is None:
            # A tabbed dock is not hidden when another tab is chosen, only covered: its
            # visibilityChanged says when its tab is chosen.
            w = self.parentWidget()
            while w is not None and not isinstance(w, QDockWidget):
                w = w.parentWidget()
            if w is not None:
                self._dock = w
                w.visibilityChanged.connect(self._dock_shown)
        self._refresh_if_seen()

    def _dock_shown(self, visible: bool) -> None:
        if visible:
            self._timer.start()              # after the tab's layout has settled

    def seen(self) -> bool:
        """Shown to the user: visible and not covered by the current tab of its dock area."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def _refresh_if_seen(self) -> None:
        if self.seen():
            self.refresh()

    def refresh(self) -> None:
        volume = self.state.volume
        if volume is None:
            key, rows, source = None, [], "No volume"
        else:
            k = self.state.crosshair_index()[0]
            if self._files[0] is not volume:
                try:
                    self._files = (volume, slice_files(volume))
                except Exception:                   # moved or unreadable: show the metadata
                    self._files = (volume, {})
            path = nearest_file(self._files[1], k)
            key = (id(volume), path)
            if key == self._shown_key:
                return
            if path is None:
                rows, source = meta_rows(volume.meta), "Volume metadata (not a DICOM series)"
            else:
                try:
                    rows, source = header_rows(path), f"Slice {k + 1}: {path}"
                except Exception as exc:             # an unreadable file must not break the dock
                    rows, source = [], f"{path}: {exc}"
        self._shown_key = key
        self.rows = rows
        self.source.setText(source)
        self._fill()

    def visible_rows(self) -> list:
        needle = self.search.text().strip().lower()
        show_ids = self.identifiers.isChecked()
        return [r for r in self.rows if (show_ids or not r[4])
                and (not needle or any(needle in field.lower() for field in r[:4]))]

    def _fill(self, *_args) -> None:
        rows = self.visible_rows()
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row[:4]):
                self.table.setItem(i, j, QTableWidgetItem(text))
