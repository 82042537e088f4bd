"""The main window: axial, coronal and sagittal slice views of one Volume."""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (QAction, QFileDialog, QHBoxLayout, QLabel, QMainWindow,
                             QMessageBox, QProgressDialog, QWidget)

import ctvis
from ctvis.core.image.slicing import VIEWS
from ctvis.gui.slice_view import SliceView
from ctvis.gui.worker import Task


def describe(volume) -> str:
    return volume.meta.get("description") or "untitled series"


class MainWindow(QMainWindow):
    def __init__(self, volume=None, parent=None):
        super().__init__(parent)
        self.volume = None
        self._task: Task | None = None            # the load in progress, if any
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

    def open_path(self, path, series_uid=None) -> Task:
        """Load ``path`` on a worker thread with a cancellable progress dialog.

        The shown volume stays until the new one has loaded; a load error becomes a message
        box naming the file and the problem.
        """
        if self._task is not None:
            self._task.cancel()
        dialog = QProgressDialog(f"Opening {path}", "Cancel", 0, 1000, self)
        dialog.setWindowTitle("ctvis")
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(300)            # quick loads never flash a dialog
        task = Task(ctvis.load, path, series_uid=series_uid)
        self._task = task

        def done() -> None:
            dialog.reset()
            if self._task is task:
                self._task = None

        task.signals.progress.connect(
            lambda f, msg: (dialog.setValue(int(1000 * f)), dialog.setLabelText(msg)))
        task.signals.finished.connect(lambda volume: (done(), self.set_volume(volume)))
        task.signals.failed.connect(
            lambda message: (done(), QMessageBox.critical(self, "Could not open", message)))
        task.signals.cancelled.connect(lambda: (done(), self.statusBar().showMessage(
            f"Opening {path} cancelled", 5000)))
        dialog.canceled.connect(task.cancel)
        return task.start()
