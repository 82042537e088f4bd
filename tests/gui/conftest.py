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
