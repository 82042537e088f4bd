"""Application entry point shared by main.py and ``ctvis view``."""
from __future__ import annotations

import sys

from PyQt5.QtWidgets import QApplication, QMessageBox

import ctvis
from ctvis.core.errors import LoadError
from ctvis.gui.main_window import MainWindow


def run(path=None, series_uid=None) -> int:
    """Open the viewer on ``path`` (or the demo phantom); return the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ctvis")
    if path is None:
        from ctvis.core.phantom import demo_volume  # lazy: only the no-path start needs it

        volume = demo_volume()
    else:
        try:
            volume = ctvis.load(path, series_uid=series_uid)
        except LoadError as exc:
            QMessageBox.critical(None, "ctvis: could not open", str(exc))
            return 1
    window = MainWindow(volume)
    window.show()
    return app.exec_()
