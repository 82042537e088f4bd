"""The central area: the three slice views and the 3D pane arranged as ``state.layout`` says
(the grids are ``ctvis.model.layouts``, shared with headless screenshots).

four-up (3D Slicer's Four-Up): axial | 3D over sagittal | coronal; one-by-three: the 3D view
above a row of axial, sagittal, coronal; a view's name: that view alone.  A double click on a
view maximises it, another brings back the layout it came from.
"""
from __future__ import annotations

from PyQt5.QtCore import QEvent, QObject
from PyQt5.QtWidgets import QFrame, QGridLayout, QVBoxLayout, QWidget

from ctvis.model.layouts import GRIDS, PANES, grid
from ctvis.render.slices import VIEW_COLORS
from ctvis.gui.subscriptions import subscriptions


class _Frame(QFrame):
    """A thin border in the view's colour around each pane."""

    def __init__(self, name: str, child: QWidget):
        super().__init__()
        self.child = child
        colour = VIEW_COLORS.get(name, (120, 120, 120))
        self.setStyleSheet(f"_Frame {{ border: 1px solid rgb{tuple(colour)}; }}")
        self.setObjectName(f"pane-{name}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(1, 1, 1, 1)
        lay.addWidget(child)


class _DoubleClick(QObject):
    """Forwards double clicks of a widget that handles its own mouse (the VTK 3D view)."""

    def __init__(self, callback):
        super().__init__()
        self.callback = callback

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.MouseButtonDblClick:
            self.callback()
        return False


class ViewLayout(QWidget):
    def __init__(self, state, panes: dict, parent=None):
        super().__init__(parent)
        self.state = state
        self.frames = {name: _Frame(name, panes[name]) for name in PANES}
        self._previous = "four-up"          # the multi-view layout a maximised view returns to
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        for name in ("axial", "sagittal", "coronal"):
            panes[name].double_clicked.connect(self.toggle_maximised)
        self._filter = _DoubleClick(lambda: self.toggle_maximised("3d"))
        self._watch_3d(panes["3d"])
        self._subs = subscriptions(self)
        self._subs.connect(state.events.layout, self._arrange)
        self._arrange(state.layout)

    def _watch_3d(self, pane) -> None:
        """The VTK widget eats its mouse events: watch it for double clicks."""
        interactor = getattr(getattr(pane, "plotter", None), "interactor", None)
        (interactor or pane).installEventFilter(self._filter)

    def set_pane(self, name: str, widget: QWidget) -> None:
        """Put ``widget`` in pane ``name`` in place of what was there (the 3D view comes
        after the first paint; a placeholder holds its place until then)."""
        frame = self.frames[name]
        old = frame.child
        frame.layout().replaceWidget(old, widget)
        old.hide()
        old.deleteLater()
        frame.child = widget
        if name == "3d":
            self._watch_3d(widget)

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()

    def toggle_maximised(self, name: str) -> None:
        if self.state.layout == name:
            self.state.layout = self._previous
        else:
            self.state.layout = name

    def visible_panes(self) -> list[str]:
        return [name for name, frame in self.frames.items() if not frame.isHidden()]

    def _arrange(self, layout: str) -> None:
        if layout in GRIDS:                   # a multi-view layout: remember it
            self._previous = layout
        places = grid(layout)
        for frame in self.frames.values():
            self._grid.removeWidget(frame)
        for i in range(3):
            self._grid.setRowStretch(i, 0)
            self._grid.setColumnStretch(i, 0)
        for name, frame in self.frames.items():
            if name not in places:
                frame.hide()
                continue
            row, col, rows, cols = places[name]
            self._grid.addWidget(frame, row, col, rows, cols)
            self._grid.setRowStretch(row, 1)
            self._grid.setColumnStretch(col, 1)
            frame.show()
