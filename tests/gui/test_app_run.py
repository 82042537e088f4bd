"""The application as `ctvis view` runs it: a failed open after the first never ends it."""
from __future__ import annotations

import pytest
from PyQt5.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PyQt5.QtGui import QDropEvent
from PyQt5.QtWidgets import QApplication, QFileDialog

from ctvis.app import pipeline
from ctvis.core.phantom import make_phantom
from ctvis.gui import app as app_module
from ctvis.gui.main_window import MainWindow
from tests.gui.conftest import menu_action

pytestmark = [pytest.mark.gui]


def _window() -> MainWindow | None:
    wins = [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible()]
    return wins[0] if wins else None


def test_failed_opens_from_the_menu_and_by_drop_keep_the_window(qtbot, tmp_path, monkeypatch,
                                                              message_boxes):
    volume = make_phantom(shape=(30, 64, 64)).volume
    volume.meta["description"] = "kept volume"
    real_open = pipeline.open_volume

    def open_volume(path, series_uid=None, **kw):
        if path == "/the/first/series":
            return volume
        return real_open(path, series_uid=series_uid, **kw)

    monkeypatch.setattr(pipeline, "open_volume", open_volume)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(text_file), ""))
    seen = {"steps": []}

    def critical_count() -> int:
        return len([m for m in message_boxes if m[0] == "critical"])

    def script():
        window = _window()
        if window is None or window.volume is None or window._task is not None:
            QTimer.singleShot(20, script)
            return
        step = len(seen["steps"])
        if step == 0:                        # File ▸ Open file… on a text file
            seen["steps"].append("menu")
            menu_action(window, "Open file").trigger()
        elif step == 1 and critical_count() >= 1:   # a dropped empty folder
            seen["steps"].append("drop")
            data = QMimeData()
            data.setUrls([QUrl.fromLocalFile(str(empty))])
            drop = QDropEvent(QPoint(10, 10), Qt.CopyAction, data, Qt.LeftButton,
                              Qt.NoModifier)
            window.dropEvent(drop)
        elif step == 2 and critical_count() >= 2:
            seen["steps"].append("done")
            seen["title"] = window.windowTitle()
            seen["shape"] = window.volume.shape
            seen["visible"] = window.isVisible()
            window.close()
            QApplication.exit(0)
            return
        QTimer.singleShot(20, script)

    app = QApplication.instance()
    app.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(0, script)
    try:
        code = app_module.run("/the/first/series")
    finally:
        app.setQuitOnLastWindowClosed(True)
    # Without the fix the first failure closed the window and ended the loop with 1.
    assert seen["steps"] == ["menu", "drop", "done"], seen
    assert code == 0
    assert seen["visible"] and seen["title"] == "ctvis — kept volume"
    assert seen["shape"] == volume.shape
    errors = [m[3] for m in message_boxes if m[0] == "critical"]
    assert "notes.txt" in errors[0] and "empty" in errors[1]
