"""The status bar's loading warnings: what loading repaired or passed over (a file skipped, a
missing slice interpolated, padding set to air), shown until another volume is opened.

A dialog on every load would be dismissed unread; a warning that stays in the status bar,
with the list one click away, is still there when the picture goes into a report.
"""
from __future__ import annotations

import html

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtWidgets import QMessageBox, QStyle, QToolButton


class LoadingNotesButton(QToolButton):
    """"⚠ 2 loading warnings" in the status bar (hidden when there are none); a click lists
    them in a window-modal box that does not block."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setIcon(self.style().standardIcon(QStyle.SP_MessageBoxWarning))
        self.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        # No taller than a line of status text: the status bar sizes itself to its widgets,
        # hidden ones too, and a taller bar would shrink the views.
        line = self.fontMetrics().height()
        self.setIconSize(QSize(line - 2, line - 2))
        self.setMaximumHeight(line)
        self.notes: list[str] = []
        self.source = ""
        self.box: QMessageBox | None = None
        self.clicked.connect(self.show_notes)
        self.hide()

    def set_notes(self, notes, source: str = "") -> None:
        self.notes, self.source = list(notes), source
        n = len(self.notes)
        self.setText(f"{n} loading warning{'' if n == 1 else 's'}")
        self.setToolTip("\n".join(self.notes))
        self.setVisible(n > 0)

    def show_notes(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Warning, "Loading warnings",
                          f"Opening {self.source or 'this volume'}, ctvis repaired or passed "
                          f"over:", QMessageBox.Ok, self.window())
        box.setTextFormat(Qt.PlainText)
        box.setInformativeText("<ul>" + "".join(f"<li>{html.escape(n)}</li>"
                                                for n in self.notes) + "</ul>")
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        self.box = box
        return box
