"""Small widgets the window and its docks share."""
from __future__ import annotations

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QPainter
from PyQt5.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """One line of text that never widens its dock: drawn elided in the middle ("/work/…/
    -191.5.dcm") when it does not fit, the whole text in its tooltip.

    A QLabel asks for its whole text's width as its minimum, so a long path (TCIA folders are
    64-character UIDs) would widen the dock and squeeze the views beside it to slivers."""

    def __init__(self, text: str = "", parent=None, mode=Qt.ElideMiddle):
        super().__init__(parent)
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def elided_text(self) -> str:
        """What is drawn: the text, elided to the label's width."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self._mode, width)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("…") * 4,
                     self.fontMetrics().height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), 200), self.fontMetrics().height())

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(self.contentsRect(), int(Qt.AlignLeft | Qt.AlignVCenter), self.elided_text())
        p.end()
