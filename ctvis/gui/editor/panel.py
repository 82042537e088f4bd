"""The editor's section of the Segments dock: the tools' buttons, what is edited, the active
tool's options, the masking settings, and the undo history's memory use with its budget."""
from __future__ import annotations

from PyQt5.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QSpinBox, QStackedWidget,
                             QToolButton, QVBoxLayout, QWidget)

from ctvis.gui.docks.common import blocked
from ctvis.gui.editor.masking import MaskingBox
from ctvis.gui.subscriptions import subscriptions

MIB = 2 ** 20
BUTTON_COLUMNS = 3            # a narrow dock shows every label


def mib(nbytes: int) -> str:
    return f"{nbytes / MIB:.1f} MiB"


class EditorPanel(QWidget):
    def __init__(self, editor, tools: dict, actions: dict, parent=None):
        super().__init__(parent)
        self.editor, self.tools = editor, tools
        self.buttons = {}
        grid = QGridLayout()
        for n, (name, action) in enumerate(actions.items()):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setSizePolicy(button.sizePolicy().Expanding, button.sizePolicy().Fixed)
            grid.addWidget(button, n // BUTTON_COLUMNS, n % BUTTON_COLUMNS)
            self.buttons[name] = button
        self.target = QLabel()
        self.target.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(QLabel("Choose a tool (keys on the buttons' tips; Esc leaves "
                                    "it).", wordWrap=True))
        self.pages = {name: self.stack.addWidget(tool.options()) for name, tool in tools.items()}
        self.masking = MaskingBox(editor)
        self.history_label = QLabel()
        self.budget = QSpinBox()
        self.budget.setRange(0, 1 << 20)
        self.budget.setSuffix(" MiB")
        self.budget.setKeyboardTracking(False)
        self.budget.setToolTip("Memory the undo history may hold; the oldest steps go first")
        history = QHBoxLayout()
        history.addWidget(self.history_label, 1)
        history.addWidget(QLabel("Budget"))
        history.addWidget(self.budget)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("<b>Segment editor</b>"))
        lay.addLayout(grid)
        lay.addWidget(self.target)
        lay.addWidget(self.stack)
        lay.addWidget(self.masking)
        lay.addLayout(history)
        self.budget.valueChanged.connect(lambda v: setattr(editor.history, "budget", v * MIB))
        self._subs = subscriptions(self)
        self._subs.connect(editor.history.events.changed, self._show_use)
        self._subs.connect(editor.events.tool, self._show_tool)
        self._subs.connect_events(editor.state.events, {
            "active_segment": lambda _k: self._show_target(),
            "overlays": lambda _o: self._show_target()})
        self._show_use(editor.history.use)
        self._show_tool(editor.tool)
        self._show_target()

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()
        self.masking.disconnect_state()

    def _show_use(self, use) -> None:
        redo = f", {use.redo_steps} to redo" if use.redo_steps else ""
        dropped = f"; {use.dropped} oldest dropped" if use.dropped else ""
        self.history_label.setText(f"Undo: {use.undo_steps} steps{redo}, "
                                   f"{mib(use.nbytes)} of {mib(use.budget)}{dropped}")
        with blocked(self.budget):
            self.budget.setValue(round(use.budget / MIB))

    def _show_tool(self, name) -> None:
        self.stack.setCurrentIndex(self.pages.get(name, 0))

    def _show_target(self) -> None:
        row = self.editor.state.active_row()
        if row is None:
            self.target.setText("Editing: no segment selected (Paint adds one)")
        else:
            _overlay, segment = row
            locked = " — locked, tools leave it alone" if segment.locked else ""
            self.target.setText(f"Editing: <b>{segment.name}</b> of "
                                f"{self.editor.state.active_segment[0]}{locked}")
