"""Application entry point shared by main.py and ``ctvis view``."""
from __future__ import annotations

import os
import sys

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication

from ctvis.gui.main_window import MainWindow
from ctvis.gui.series_chooser import first_series

SCREENSHOT_SETTLE_MS = 1500       # the 3D pane draws a coarse frame first, the full one after


def display_problem() -> str | None:
    """Why no window can open here (Qt would abort with a core dump), or None."""
    if not sys.platform.startswith("linux") or QApplication.instance() is not None:
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None                                    # offscreen, vnc, ...: no X needed
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display: DISPLAY is not set (run on a desktop or with ssh -X; for a picture "
            "of the window, ./dev view --screenshot out.png draws it on a virtual X server); "
            "the headless commands (ctvis info/segment/mesh/screenshot/report) need none")


def run(path=None, series_uid=None, preset=None, screenshot=None, session=None) -> int:
    """Open the viewer on ``path`` (or the demo phantom); return the process exit code.

    ``preset``: a window preset name applied once the volume is shown.  ``screenshot``: save
    the whole window to this file once the data is drawn, then exit (0, or 1 on any error).
    ``session``: open this session file (its data, window, overlays, camera) instead of
    ``path``; ``path``, if given, is where the session's data is now.
    """
    problem = display_problem()
    if problem:
        print(f"ctvis: error: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ctvis")
    app.setOrganizationName("ctvis")
    # The slices paint first; the 3D pane (VTK's import is about half the start-up) follows.
    window = MainWindow(defer_3d=True)
    if screenshot:
        window.quiet_errors = True
        window.choose_series = first_series
    window.fit_to_screen()
    window.show()
    outcome = {"code": 0}

    def finish(code: int) -> None:
        outcome["code"] = code
        window.close()
        app.exit(code)

    def opened(_volume) -> None:
        for view in window.views.values():      # the slices on screen before VTK loads
            view.repaint()
        QTimer.singleShot(0, window.ensure_3d)
        if preset:
            try:
                window.state.apply_preset(preset)
            except KeyError as exc:
                window.show_error("Unknown preset", exc.args[0])
                finish(1)
                return
        if screenshot:
            QTimer.singleShot(SCREENSHOT_SETTLE_MS, shoot)

    def shoot() -> None:
        saved = window.save_screenshot(screenshot)
        if saved:
            print(f"saved {saved}")
        finish(0 if saved else 1)

    # Only the command line's own open decides the exit code: a later File ▸ Open or a drop
    # that fails shows its error and the window keeps what it showed.
    first_open = {"pending": True}

    def first_opened(_volume) -> None:
        if first_open["pending"]:
            first_open["pending"] = False
            opened(_volume)

    def first_failed(_message) -> None:
        if first_open["pending"]:
            first_open["pending"] = False
            finish(1)

    window.volume_opened.connect(first_opened)
    window.open_failed.connect(first_failed)
    window.open_failed.connect(window.ensure_3d)
    if session:
        from ctvis.app.session import check_data
        from ctvis.core.errors import CtvisError
        from ctvis.gui.session_dialogs import open_session_dialog

        try:
            check_data(session, path)
        except CtvisError as exc:
            print(f"ctvis: error: {exc}", file=sys.stderr)
            return 1
        task = open_session_dialog(window, session, data_path=path)
        task.signals.finished.connect(lambda _data: QTimer.singleShot(0, lambda: opened(None)))
        task.signals.failed.connect(lambda _message: finish(1))
    else:
        window.open_path(path, series_uid)
    code = app.exec_()
    return outcome["code"] or code
