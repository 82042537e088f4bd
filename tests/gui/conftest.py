"""GUI tests never block on a modal message box: every static QMessageBox call is recorded
(``message_boxes`` fixture) instead of opening a window that waits for a click."""
from __future__ import annotations

import pytest
from PyQt5.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch):
    shown = []
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name,
                            lambda *args, _name=name: shown.append((_name,) + args) or 0)
    return shown
