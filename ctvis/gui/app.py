"""Application entry point shared by main.py and ``ctvis view``."""
from __future__ import annotations

import os
import sys

from PyQt5.QtWidgets import QApplication, QMessageBox

import ctvis
from ctvis.core.errors import LoadError
from ctvis.gui.main_window import MainWindow


def display_problem() -> str | None:
    """Why no window can open here (Qt would abort with a core dump), or None."""
    if not sys.platform.startswith("linux") or QApplication.instance() is not None:
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None                                    # offscreen, vnc, ...: no X needed
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display: DISPLAY is not set (run on a desktop, with ssh -X, or under "
            "xvfb-run); the headless commands (ctvis info/segment/mesh) need none")


def run(path=None, series_uid=None) -> int:
    """Open the viewer on ``path`` (or the demo phantom); return the process exit code."""
    problem = display_problem()
    if problem:
        print(f"ctvis: error: {problem}", file=sys.stderr)
        return 1
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
