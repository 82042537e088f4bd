"""File ▸ Export segments: a label map's segments as files other tools open, on a worker.

The dialog asks which label map and what to write (a label map file, a mesh per segment in
LPS or RAS, the CSV of volumes), then the folder; :mod:`ctvis.app.export_segments` writes.
Its choices are the rows of ``MASK_FORMATS`` and of the mesh ``FORMATS`` (no list here).
"""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                             QLineEdit)

from ctvis.app.export_segments import SegmentExport, export_segments, file_part
from ctvis.core.io.dispatch import DICOM_MASK_FORMATS, MASK_FORMATS
from ctvis.gui import file_dialogs
from ctvis.gui.task_dialog import run_with_progress
from ctvis.gui.worker import Task


class ExportSegmentsDialog(QDialog):
    """Which label map, and which files: label map format, mesh format and space, table."""

    def __init__(self, state, parent=None):
        from ctvis.mesh.mesh_io import FORMATS

        super().__init__(parent)
        self.setWindowTitle("Export segments")
        form = QFormLayout(self)
        self.labelmap = QComboBox()
        for name, overlay in state.overlays.items():
            if overlay.labelmap is not None:
                self.labelmap.addItem(f"{name} ({len(overlay.segments)} segments)", name)
        active = state.active_segment
        if active is not None and self.labelmap.findData(active[0]) >= 0:
            self.labelmap.setCurrentIndex(self.labelmap.findData(active[0]))
        self.name = QLineEdit(file_part(self.labelmap.currentData() or "segments"))
        self.labelmap.currentIndexChanged.connect(
            lambda _i: self.name.setText(file_part(self.labelmap.currentData() or "")))
        self.mask_format = QComboBox()
        self.mask_format.addItem("none", None)
        for f in MASK_FORMATS + DICOM_MASK_FORMATS:         # DICOM: of a DICOM series only
            self.mask_format.addItem(f"{f.name} ({f.suffixes[0]}; names: {f.names})", f.kind)
        self.mask_format.setCurrentIndex(self.mask_format.findData("seg.nrrd"))
        self.mesh_format = QComboBox()
        self.mesh_format.addItem("none", None)
        for f in FORMATS:
            self.mesh_format.addItem(f"{f.name} ({f.suffix}), one per segment", f.suffix)
        self.mesh_format.setCurrentIndex(self.mesh_format.findData(".stl"))
        self.space = QComboBox()
        self.space.addItem("LPS (DICOM, 3D Slicer since 2020)", False)
        self.space.addItem("RAS", True)
        self.table = QCheckBox("table of volumes (CSV: name, value, mL, voxels)")
        self.table.setChecked(True)
        form.addRow("Label map", self.labelmap)
        form.addRow("File name", self.name)
        form.addRow("Label map file", self.mask_format)
        form.addRow("Meshes", self.mesh_format)
        form.addRow("Mesh coordinates", self.space)
        form.addRow("", self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def request(self, folder) -> tuple[str, SegmentExport]:
        """(overlay name, what to write into ``folder``)."""
        return self.labelmap.currentData(), SegmentExport(
            Path(folder), self.name.text().strip(), self.mask_format.currentData(),
            self.mesh_format.currentData(), bool(self.space.currentData()),
            self.table.isChecked())


def export_segments_dialog(window) -> Task | None:
    """Ask what to export and where, then write it on a worker."""
    from ctvis.core.errors import CtvisError

    state = window.state
    if state.volume is None or not any(o.labelmap is not None for o in state.overlays.values()):
        window.show_error("Export segments", "nothing to export: no label map is shown "
                                             "(segment the lungs or add a segment first)")
        return None
    dialog = ExportSegmentsDialog(state, window)
    try:
        if dialog.exec_() != QDialog.Accepted:
            return None
        folder = file_dialogs.existing_directory(window, "Export segments into folder")
        if not folder:
            return None
        try:
            name, request = dialog.request(folder)
        except CtvisError as exc:
            window.show_error("Export segments", str(exc))
            return None
    finally:
        dialog.deleteLater()        # a child of the window: it would stay until the window goes
    volume, labelmap = state.volume, state.overlays[name].labelmap
    return run_with_progress(
        window, f"Exporting the segments of {name}", export_segments, volume, labelmap,
        request, done=lambda paths: window.statusBar().showMessage(
            f"Exported {len(paths)} file{'' if len(paths) == 1 else 's'} to {folder}", 8000))
