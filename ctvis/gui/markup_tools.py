"""Placing markups with the mouse: one tool per kind (Tools ▸ Markups, keys D Q U W H J),
and the window's markup actions (Esc leaves the tool, Delete removes the selected markup).

A markup tool takes a slice view's left button as the segment editor's tools do (the view's
``set_tool``; choosing one leaves the other).  Placing, all on one slice of one view:

- point (U): a click;
- line (D), ellipse (W: centre, then a corner of its box), sphere (J: centre, then a point
  of its surface): a drag from the first point to the second, or two clicks;
- angle (Q): a drag along the first arm and a click at the end of the second, or three
  clicks (end, vertex, end);
- polygon (H): a click per vertex, a double click closes it.

The markup is added to ``state.markups`` named "Line 1", "Angle 2" … and selected; the tool
stays active for the next one until Esc.  Handles are moved by ``MarkupLayer``.
"""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QObject, QPointF, Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QDockWidget

from ctvis.gui.docks.markups import MarkupsPanel
from ctvis.gui.editor.base import Tool
from ctvis.gui.markup_layer import COLOR, MarkupLayer
from ctvis.gui.subscriptions import subscriptions
from ctvis.model import markups as mk

KEYS = {"line": "D", "angle": "Q", "point": "U", "ellipse": "W", "polygon": "H",
        "sphere": "J"}
TIPS = {"line": "a ruler: drag from one end to the other (length in mm)",
        "angle": "drag along one arm, click the other arm's end (degrees)",
        "point": "click a point (its LPS position and HU)",
        "ellipse": "drag from the centre to a corner (area, HU statistics on the slice)",
        "polygon": "click the vertices, double-click to close (area, HU statistics)",
        "sphere": "drag from the centre to the surface (volume, HU statistics)"}
LEAVE_KEY, DELETE_KEY = "Esc", "Delete"
CLICK_SLOP = 3


class MarkupTool(Tool):
    markup_tool = True                   # the layer's handles stay draggable under it

    def __init__(self, kind: str, controller, parent=None):
        super().__init__(None, parent)
        self.kind, self.controller = kind, controller
        self.name, self.title = f"markup-{kind}", f"{mk.TITLES[kind]}"
        self.key, self.tip = KEYS[kind], TIPS[kind]
        self._points: list = []          # fixed control points (LPS) of the one being placed
        self._where = None               # (view name, slice index) they are on
        self._press_pos = None

    @property
    def state(self):
        return self.controller.state

    # ------------------------------------------------------------ mouse hooks
    def press(self, view, pos) -> None:
        lps = MarkupLayer.to_lps(view, pos, inside_only=True)
        if lps is None:
            return
        where = (view.view, view.index)
        if self._where != where:         # another view or slice: start again there
            self._points, self._where = [], where
        self._press_pos = QPointF(pos)
        self._points.append(tuple(lps))
        self._maybe_finish(view)

    def release(self, view, pos) -> None:
        if self._press_pos is None or not self._points:
            return
        delta = QPointF(pos) - self._press_pos
        self._press_pos = None
        dragged = max(abs(delta.x()), abs(delta.y())) > CLICK_SLOP
        if dragged and self.kind in ("line", "angle", "ellipse", "sphere"):
            lps = MarkupLayer.to_lps(view, pos)
            if lps is not None and (view.view, view.index) == self._where:
                self._points.append(tuple(lps))
                self._maybe_finish(view)

    def double_click(self, view, pos) -> bool:
        """A polygon closes; for the others a quick second click is a click (Qt sends a
        double click instead of its press), never the view's maximise."""
        if self.kind != "polygon":
            self.press(view, pos)
        elif len(self._points) >= 3:
            self._finish(view, self._points)
        return True

    def paint(self, view, painter) -> None:
        """The markup being placed, its last point following the mouse."""
        if not self._points or self._where != (view.view, view.index):
            return
        pts = list(self._points)
        pointer = view.pointer
        if pointer is not None:
            lps = MarkupLayer.to_lps(view, pointer)
            if lps is not None:
                pts.append(tuple(lps))
        need = mk.POINT_COUNT.get(self.kind)
        kind = self.kind
        if len(pts) < 2:
            return
        if need is not None and len(pts) < need:         # an angle's first arm: a line
            kind = "line"
        if kind == "polygon" and len(pts) < 3:
            kind = "line"
        try:
            m = mk.Markup(kind, tuple(pts[:need] if need else pts), id="placing")
        except ValueError:
            return
        self.controller.layer.draw(view, painter, m, COLOR, closed=False)

    def leave(self) -> None:
        self._points, self._where, self._press_pos = [], None, None
        self.drawing_changed.emit()

    # ---------------------------------------------------------------- placing
    def _maybe_finish(self, view) -> None:
        need = mk.POINT_COUNT.get(self.kind)
        if need is not None and len(self._points) >= need:
            self._finish(view, self._points[:need])
        self.drawing_changed.emit()

    def _finish(self, view, points) -> None:
        pts = _distinct(points)
        self._points, self._where = [], None
        need = mk.POINT_COUNT.get(self.kind) or 3
        if len(pts) < need:               # a click without a drag: nothing to measure
            self.message.emit(f"{self.title}: its points coincide; nothing placed.")
            return
        axis = view.geometry_.axes.normal if self.kind in mk.ON_A_SLICE else None
        markup = mk.Markup(self.kind, tuple(pts), mk.next_name(self.state.markups, self.kind),
                           axis)
        self.state.markups = self.state.markups + (markup,)
        self.controller.layer.select(markup.id)
        figures = mk.summary(markup, mk.measure(markup, self.state.volume))
        self.message.emit(f"{markup.name}: {figures}")
        self.drawing_changed.emit()


def _distinct(points) -> list:
    """Points with consecutive repeats (a double click's second press) dropped."""
    out = []
    for p in points:
        if not out or np.linalg.norm(np.subtract(p, out[-1])) > 1e-3:
            out.append(p)
    if len(out) > 2 and np.linalg.norm(np.subtract(out[0], out[-1])) <= 1e-3:
        out.pop()
    return out


class MarkupTools(QObject):
    """The window's markup tools, their actions, the markup layer of its slice views and
    the Markups dock (``window.panels["markups"]``, tabbed with the histogram)."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.state = window, window.state
        self.layer = MarkupLayer(self.state, window.views, self)
        self.tools = {kind: MarkupTool(kind, self, self) for kind in mk.KINDS}
        self.active: str | None = None
        self.actions = {}
        for kind, tool in self.tools.items():
            action = QAction(f"&{tool.title}", window, checkable=True)
            action.setShortcut(QKeySequence(tool.key))
            action.setToolTip(f"{tool.tip} ({tool.key})")
            action.triggered.connect(lambda on, k=kind: self.choose(k if on else None))
            window.addAction(action)
            self.actions[kind] = action
            tool.message.connect(self._say)
            tool.drawing_changed.connect(self.layer.repaint)
        self.leave_action = QAction("&Leave the markup tool", window, enabled=False)
        self.leave_action.setShortcut(QKeySequence(LEAVE_KEY))
        self.leave_action.triggered.connect(lambda: self.choose(None))
        self.delete_action = QAction("&Delete the selected markup", window, enabled=False)
        self.delete_action.setShortcut(QKeySequence(DELETE_KEY))
        self.delete_action.triggered.connect(self.delete_selected)
        for action in (self.leave_action, self.delete_action):
            window.addAction(action)
        self.layer.selected_changed.connect(self._on_selected)
        self.panel = MarkupsPanel(self.state, self.layer)
        self.panel.message.connect(self._say)
        self.panel.error.connect(window.show_error)
        dock = QDockWidget("Markups", window)
        dock.setObjectName("dock-markups")
        dock.setWidget(self.panel)
        window.addDockWidget(Qt.RightDockWidgetArea, dock)
        if "histogram" in window.docks:
            window.tabifyDockWidget(window.docks["histogram"], dock)
            window.docks["histogram"].raise_()
        window.panels["markups"], window.docks["markups"] = self.panel, dock
        self._subs = subscriptions(self)
        self._subs.connect_events(self.state.events, {"markups": self._on_markups,
                                                      "volume": lambda _v: self.choose(None)})
        self._subs.connect(window.editor.events.tool, self._on_editor_tool)

    def fill_menu(self, menu) -> None:
        for action in self.actions.values():
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.addAction(self.leave_action)

    def close(self) -> None:
        self.choose(None)
        self._subs.disconnect_all()

    # ---------------------------------------------------------------- actions
    def choose(self, kind: str | None) -> None:
        """Make ``kind``'s tool the views' tool (None: none)."""
        if kind is not None and self.state.volume is None:
            kind = None
        if kind is not None:
            self.window.editor_tools.choose(None)      # one tool at a time
        for tool in self.tools.values():
            tool.leave()
        self.active = kind
        tool = self.tools.get(kind)
        for view in self.window.views.values():
            if tool is not None or getattr(view.tool, "markup_tool", False):
                view.set_tool(tool)
        for k, action in self.actions.items():
            action.setChecked(k == kind)
        self.leave_action.setEnabled(tool is not None)
        if tool is not None:
            self._say(f"{tool.title}: {tool.tip} — Esc leaves the tool")

    def delete_selected(self) -> None:
        markup = mk.find(self.state.markups, self.layer.selected)
        if markup is not None:
            self.state.markups = mk.removed(self.state.markups, markup.id)
            self._say(f"Deleted {markup.name}")

    def _on_editor_tool(self, name) -> None:
        if name is not None and self.active is not None:
            self.active = None                  # the editor's controller set the views' tool
            for tool in self.tools.values():
                tool.leave()
            for action in self.actions.values():
                action.setChecked(False)
            self.leave_action.setEnabled(False)

    def _on_markups(self, markups) -> None:
        if mk.find(markups, self.layer.selected) is None:
            self.layer.select(None)
        self.layer.repaint()

    def _on_selected(self, markup_id) -> None:
        self.delete_action.setEnabled(markup_id is not None)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    @staticmethod
    def shortcut_rows() -> str:
        rows = [(KEYS[k], f"Markups: {mk.TITLES[k]} — {TIPS[k]}") for k in mk.KINDS]
        rows += [(DELETE_KEY, "delete the selected markup"),
                 (LEAVE_KEY, "leave the markup tool"),
                 ("Left drag on a handle", "move a markup's point")]
        return "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)

