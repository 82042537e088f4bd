"""The main window: axial, coronal and sagittal slice views of one Volume."""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (QAction, QApplication, QFileDialog, QHBoxLayout, QLabel,
                             QMainWindow, QMessageBox, QWidget)

import ctvis
from ctvis.core.errors import LoadError
from ctvis.core.slicing import VIEWS
from ctvis.gui.slice_view import SliceView


def describe(volume) -> str:
    return volume.meta.get("description") or "untitled series"


class MainWindow(QMainWindow):
    def __init__(self, volume=None, parent=None):
        super().__init__(parent)
        self.volume = None
        self.views = {name: SliceView(name) for name in VIEWS}
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        for view in self.views.values():
            layout.addWidget(view)
        self.setCentralWidget(central)
        self._info = QLabel()
        self.statusBar().addWidget(self._info)
        self._build_menu()
        self.setWindowTitle("ctvis")
        self.resize(1200, 480)
        if volume is not None:
            self.set_volume(volume)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open DICOM folder…", self, shortcut=QKeySequence("Ctrl+O"))
        self.open_action.triggered.connect(self.open_dialog)
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        menu.addAction(self.open_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def set_volume(self, volume) -> None:
        self.volume = volume
        for view in self.views.values():
            view.set_volume(volume)
        self.setWindowTitle(f"ctvis — {describe(volume)}")
        nz, ny, nx = volume.shape
        dz, dy, dx = volume.spacing
        self._info.setText(f"{nx} × {ny} × {nz} voxels (x × y × z)   "
                           f"spacing {dx:.3g} × {dy:.3g} × {dz:.3g} mm")

    def open_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open DICOM folder")
        if path:
            self.open_path(path)

    def open_path(self, path, series_uid=None) -> bool:
        """Load ``path`` and show it; a LoadError becomes a message box. True on success."""
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            # TODO: move onto a worker thread with progress once loading reports progress.
            volume = ctvis.load(path, series_uid=series_uid)
        except LoadError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.critical(self, "Could not open", str(exc))
            return False
        QApplication.restoreOverrideCursor()
        self.set_volume(volume)
        return True
