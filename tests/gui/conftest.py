"""GUI tests never block on a modal message box: every static QMessageBox call is recorded
(``message_boxes`` fixture) instead of opening a window that waits for a click.  QSettings
(recent files) go to a temporary folder, never to the user's."""
from __future__ import annotations

import pytest
from PyQt5.QtCore import QSettings
from PyQt5.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch):
    shown = []
    for name in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, name,
                            lambda *args, _name=name: shown.append((_name,) + args) or 0)
    return shown


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("settings")
    for kind in (QSettings.NativeFormat, QSettings.IniFormat):    # the same on Linux
        QSettings.setPath(kind, QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture(scope="module")
def phantom():
    """A small chest phantom (tests that need another size define their own)."""
    from ctvis.core.phantom import make_phantom

    return make_phantom(shape=(40, 96, 96))


@pytest.fixture
def phantom_window(qtbot, phantom):
    """The main window on the phantom, shown and active (menu shortcuts need it active)."""
    from ctvis.gui.main_window import MainWindow

    win = MainWindow(phantom.volume)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitActive(win)
    return win
