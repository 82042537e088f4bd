"""What every editor tool is to the slice views and to the editor section: mouse hooks
(``press``, ``move``, ``release``, ``double_click``, ``wheel``), something drawn over the slice
(``paint``) and its options widget.  Positions are widget positions of a SliceView; the view
turns them into voxel indices (its display flips undone) with ``widget_to_index``."""
from __future__ import annotations

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QLabel, QVBoxLayout, QWidget


class Tool(QObject):
    name = ""               # ctvis.model.editor.TOOLS
    title = ""              # Slicer's name, shown on its button
    key = ""                # its keyboard shortcut
    tip = ""                # what it does, one line (tooltip and the Help table)
    message = pyqtSignal(str)     # a line for the status bar
    drawing_changed = pyqtSignal()    # what it draws over the slices changed: repaint them

    def __init__(self, editor, parent=None):
        super().__init__(parent)
        self.editor = editor
        self._options: QWidget | None = None

    # ------------------------------------------------------------ mouse hooks
    def press(self, view, pos) -> None:
        pass

    def move(self, view, pos) -> None:
        pass

    def release(self, view, pos) -> None:
        pass

    def double_click(self, view, pos) -> bool:
        """True: the tool used the double click (the view does not maximise)."""
        return False

    def wheel(self, view, steps: float) -> bool:
        """Shift+wheel; True: used."""
        return False

    def paint(self, view, painter) -> None:
        """Draw over the slice (a brush outline, an outline being drawn)."""

    def leave(self) -> None:
        """The tool is left (Esc, another tool): end what is under way."""

    def disconnect_state(self) -> None:
        """The window closes: drop subscriptions to the state (widgets closed, not deleted,
        keep theirs otherwise)."""

    # ---------------------------------------------------------------- options
    def options(self) -> QWidget:
        if self._options is None:
            self._options = self.make_options()
        return self._options

    def make_options(self) -> QWidget:
        box = QWidget()
        QVBoxLayout(box).addWidget(QLabel(self.tip, wordWrap=True))
        return box

    # ---------------------------------------------------------------- helpers
    def target(self, create: bool = False):
        """(label map, value) to edit, or None after saying why."""
        target = self.editor.target(create=create)
        if target is None:
            self.message.emit(f"{self.title}: select a segment in the table first.")
        return target

    @property
    def volume(self):
        return self.editor.state.volume
