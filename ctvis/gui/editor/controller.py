"""The window's editor tools: one instance of each tool, their checkable actions with
shortcuts (Edit menu and the buttons of the editor section), Esc to leave the tool, Undo
and Redo; the active tool gets the slice views' left button."""
from __future__ import annotations

from PyQt5.QtCore import QObject
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction

from ctvis.gui.docks.lesion_measures import LesionMeasuresTable
from ctvis.gui.editor.panel import EditorPanel
from ctvis.gui.editor.tools import LEAVE_KEY, REDO_KEYS, TOOL_CLASSES, UNDO_KEYS
from ctvis.gui.subscriptions import subscriptions


class EditorTools(QObject):
    """``window``: the MainWindow (its slice views, status bar and Segments dock)."""

    def __init__(self, window, editor):
        super().__init__(window)
        self.window, self.editor = window, editor
        self.tools = {cls.name: cls(editor, self) for cls in TOOL_CLASSES}
        self.actions = {}
        for name, tool in self.tools.items():
            action = QAction(tool.title, window, checkable=True)
            action.setShortcut(QKeySequence(tool.key))
            action.setToolTip(f"{tool.tip} ({tool.key})")
            action.triggered.connect(lambda on, n=name: self.choose(n if on else None))
            self.actions[name] = action
            tool.message.connect(self._say)
            tool.drawing_changed.connect(self._repaint_views)
        self.leave_action = QAction("&Leave the tool", window)
        self.leave_action.setShortcut(QKeySequence(LEAVE_KEY))
        self.leave_action.triggered.connect(lambda: self.choose(None))
        self.undo_action = QAction("&Undo", window)
        self.undo_action.setShortcuts([QKeySequence(k) for k in UNDO_KEYS])
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", window)
        self.redo_action.setShortcuts([QKeySequence(k) for k in REDO_KEYS])
        self.redo_action.triggered.connect(self.redo)
        self.lesions = LesionMeasuresTable(editor.state)    # under the Segments table
        window.panels["segments"].layout().addWidget(self.lesions)
        self.panel = EditorPanel(editor, self.tools, self.actions)
        window.panels["segments"].layout().addWidget(self.panel)
        self._subs = subscriptions(self)
        self._subs.connect(editor.events.tool, self._on_tool)
        self._subs.connect(editor.history.events.changed, self._on_history)
        self._on_tool(editor.tool)
        self._on_history(editor.history.use)

    def fill_edit_menu(self, menu) -> None:
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)
        menu.addSeparator()
        tools = menu.addMenu("Segment editor &tools")
        for action in self.actions.values():
            tools.addAction(action)
        tools.addSeparator()
        tools.addAction(self.leave_action)
        menu.addAction(self.leave_action)

    def close(self) -> None:
        self.choose(None)
        self._subs.disconnect_all()
        self.panel.disconnect_state()
        self.lesions.disconnect_state()
        for tool in self.tools.values():
            tool.disconnect_state()

    # ----------------------------------------------------------------- actions
    def choose(self, name: str | None) -> None:
        """Make ``name`` the active tool (None: no tool)."""
        if name is not None and self.editor.state.volume is None:
            name = None
        self.editor.tool = name
        self._on_tool(self.editor.tool)          # unchecks a refused choice too

    def undo(self) -> None:
        self._leave_all()
        step = self.editor.history.next_undo
        if self.editor.history.undo():
            self._say(f"Undid {step.name}")

    def redo(self) -> None:
        self._leave_all()
        if self.editor.history.redo():
            self._say(f"Redid {self.editor.history.next_undo.name}")

    # ------------------------------------------------------------------ events
    def _on_tool(self, name) -> None:
        self._leave_all()
        tool = self.tools.get(name)
        for n, action in self.actions.items():
            action.setChecked(n == name)
        self.leave_action.setEnabled(tool is not None)
        for view in self.window.views.values():
            view.set_tool(tool)
        if tool is not None:
            dock = self.window.docks["segments"]
            dock.raise_()
            area = dock.widget()                 # the panel's scroll area: show the options
            if hasattr(area, "ensureWidgetVisible"):
                area.ensureWidgetVisible(self.panel.stack)
                area.horizontalScrollBar().setValue(0)      # the labels' starts, not ends
            self._say(f"{tool.title}: {tool.tip} — Esc leaves the tool")

    def _on_history(self, use) -> None:
        self.undo_action.setEnabled(self.editor.history.can_undo)
        self.redo_action.setEnabled(self.editor.history.can_redo)
        step = self.editor.history.next_undo
        self.undo_action.setText("&Undo" + (f" {step.name}" if step else ""))

    def _leave_all(self) -> None:
        for tool in self.tools.values():
            tool.leave()

    def _repaint_views(self) -> None:
        for view in self.window.views.values():
            view.update()

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)
