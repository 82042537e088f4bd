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


def activate(widget) -> None:
    """Make ``widget``'s window the active one and wait for it (at most 2 s)."""
    from PyQt5.QtTest import QTest
    from PyQt5.QtWidgets import QApplication

    window = widget.window()
    if window.isVisible() and QApplication.activeWindow() is not window:
        window.activateWindow()
        QTest.qWaitForWindowActive(window, 2000)


@pytest.fixture(autouse=True)
def keys_go_to_the_active_window(monkeypatch):
    """A user's key press goes to the window they work in, which is active; a test's goes
    to a widget whose window may have lost activation to one an earlier test closed (under
    Xvfb no window manager gives it back), and then the window's shortcuts (Ctrl+O, the
    editor's tool keys) do not fire.  So each key press first makes its window active."""
    from pytestqt.qtbot import QtBot

    for name in ("keyClick", "keyPress", "keyClicks"):
        original = getattr(QtBot, name)

        def pressed(widget, *args, _original=original, **kwargs):
            activate(widget)
            return _original(widget, *args, **kwargs)
        monkeypatch.setattr(QtBot, name, staticmethod(pressed))


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
    activate(win)
    return win


def wait_task(qtbot, task, timeout: int, kind: str = "finished"):
    """Wait until ``task``'s outcome has reached the GUI thread and check it is ``kind``;
    return its value.  Waiting on the signal instead misses a task quick enough to emit
    before the wait connects (a session saved under load in CI did)."""
    qtbot.waitUntil(lambda: task.outcome is not None, timeout=timeout)
    got, value = task.outcome
    assert got == kind, f"the task {got}: {value}"
    return value


def menu_action(window, text: str):
    """The menu bar's action whose text (without its & shortcut marks) starts with ``text``,
    as a user finds it."""
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.text().replace("&", "").startswith(text):
                return action
    raise AssertionError(f"no menu entry {text!r}")


def shown_window(qtbot, size=(1200, 900)):
    """A new main window with no volume, errors kept quiet, shown and exposed."""
    from ctvis.gui.main_window import MainWindow

    window = MainWindow()
    window.quiet_errors = True
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window
