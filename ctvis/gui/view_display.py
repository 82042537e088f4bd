"""Thick slabs and colour maps in the slice views: a control in each view's corner and the
window's keys (View ▸ Slab and colour map).

The corner control is a small button with a menu (slab off / MIP / MinIP / mean, thickness,
colour map, colour bar) that says what its view shows ("MIP 20 mm · Hot").  The keys act on
the view under the pointer (else the focused one): Y cycles the slab mode, [ and ] step the
thickness, C the colour map.  Both only change ``ViewerState.view_display``; the views
redraw from its event.
"""
from __future__ import annotations

from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtWidgets import QAction, QActionGroup, QMenu, QToolButton

from ctvis.core.image.colormaps import GREY, colormap_label, colormap_names
from ctvis.core.image.slab import SLAB_LABELS, SLAB_MODES
from ctvis.gui.subscriptions import subscriptions
from ctvis.model.slice_display import (DEFAULT_SLAB_MM, SLAB_STEPS, next_colormap,
                                       next_slab_mode, thicker, thinner)

# (key, what it does, the step on a SliceDisplay)
KEYS = (("Y", "slab of the view under the pointer: off → MIP → MinIP → mean", next_slab_mode),
        ("[", "thinner slab (40, 20, 10, 5 mm, single slice)", thinner),
        ("]", "thicker slab (5, 10, 20, 40 mm)", thicker),
        ("C", "next colour map (grey, inverted, hot, viridis)", next_colormap))
CORNER_MARGIN = 4


def button_text(display) -> str:
    """What the corner control says: "Slice", "MIP 20 mm", "MinIP 10 mm · Hot"."""
    parts = [display.label() or "Slice"]
    if display.colormap != GREY:
        parts.append(colormap_label(display.colormap))
    return " · ".join(parts)


class DisplayButton(QToolButton):
    """The corner control of one slice view (its child, kept in its top-right corner)."""

    def __init__(self, view):
        super().__init__(view)
        self.view, self.state = view, view.state
        self.setObjectName(f"display_{view.view}")
        self.setPopupMode(QToolButton.InstantPopup)
        self.setFocusPolicy(Qt.NoFocus)
        self.setToolTip("Thick slab (Y, [ ]) and colour map (C) of this view")
        self.setStyleSheet("QToolButton { color: rgb(255, 200, 40); background: "
                           "rgba(0, 0, 0, 150); border: 1px solid rgba(255, 200, 40, 120); "
                           "padding: 1px 4px; font-size: 8pt; }"
                           "QToolButton::menu-indicator { image: none; }")
        menu = QMenu(self)
        self.mode_actions = self._group(menu, "Slab", [("off", "Single slice")] + [
            (m, SLAB_LABELS[m]) for m in SLAB_MODES], self._set_mode)
        menu.addSeparator()
        self.thickness_actions = self._group(menu, "Thickness", [
            (mm, f"{mm:g} mm") for mm in SLAB_STEPS], self._set_thickness)
        menu.addSeparator()
        self.colormap_actions = self._group(menu, "Colour map", [
            (name, colormap_label(name)) for name in colormap_names()], self._set_colormap)
        menu.addSeparator()
        self.colorbar_action = menu.addAction("Colour bar also in grey")
        self.colorbar_action.setCheckable(True)
        self.colorbar_action.toggled.connect(
            lambda on: self.state.set_view_display(self.view.view, colorbar=on))
        self.setMenu(menu)
        self._subs = subscriptions(self)
        self._subs.connect_events(self.state.events, {"view_display": self.refresh})
        view.installEventFilter(self)
        self.refresh()

    def _group(self, menu, title, items, slot) -> dict:
        menu.addSection(title)
        group = QActionGroup(self)
        actions = {}
        for key, text in items:
            action = QAction(text, self, checkable=True)
            action.triggered.connect(lambda _=False, k=key: slot(k))
            group.addAction(action)
            menu.addAction(action)
            actions[key] = action
        return actions

    @property
    def display(self):
        return self.state.view_display[self.view.view]

    def _set_mode(self, mode) -> None:
        if mode == "off":
            self.state.set_view_display(self.view.view, slab_mm=0.0)
        else:
            self.state.set_view_display(self.view.view, slab_mode=mode,
                                        slab_mm=self.display.slab_mm or DEFAULT_SLAB_MM)

    def _set_thickness(self, mm) -> None:
        self.state.set_view_display(self.view.view, slab_mm=mm)

    def _set_colormap(self, name) -> None:
        self.state.set_view_display(self.view.view, colormap=name)

    def refresh(self, *_args) -> None:
        d = self.display
        self.mode_actions[d.slab_mode if d.slab else "off"].setChecked(True)
        for mm, action in self.thickness_actions.items():
            action.setChecked(d.slab and abs(mm - d.slab_mm) < 1e-6)
        self.colormap_actions[d.colormap].setChecked(True)
        self.colorbar_action.blockSignals(True)
        self.colorbar_action.setChecked(d.colorbar)
        self.colorbar_action.blockSignals(False)
        self.setText(button_text(d))
        self.adjustSize()
        self.place()

    def place(self) -> None:
        parent = self.parentWidget()
        self.move(parent.width() - self.width() - CORNER_MARGIN, CORNER_MARGIN)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.view and event.type() == QEvent.Resize:
            self.place()
        return False


class ViewDisplayControls:
    """The corner controls of ``window``'s slice views and the keys that act on the view
    under the pointer (``window``: a MainWindow with ``views``, ``view_under_pointer``)."""

    def __init__(self, window):
        self.window = window
        self.buttons = {name: DisplayButton(view) for name, view in window.views.items()}
        self.actions = {}
        for key, text, step in KEYS:
            action = QAction(text[0].upper() + text[1:], window)
            action.setShortcut(key)
            action.triggered.connect(lambda _=False, s=step: self.step(s))
            self.actions[key] = action

    def close(self) -> None:
        """Let go of the state (the window closes; its views are not destroyed)."""
        for button in self.buttons.values():
            button._subs.disconnect_all()

    def fill_menu(self, menu) -> None:
        for action in self.actions.values():
            menu.addAction(action)

    def step(self, step) -> bool:
        """Apply ``step`` (e.g. ``thicker``) to the view under the pointer."""
        view = self.window.view_under_pointer()
        state = self.window.state
        if view is None:
            self.window.statusBar().showMessage(
                "Point at a slice view to change its slab or colour map", 4000)
            return False
        state.set_view_display(view.view, **step(state.view_display[view.view]).to_dict())
        return True

    @staticmethod
    def shortcut_rows() -> str:
        return "".join(f"<tr><td><b>{key}</b></td><td>{text}</td></tr>"
                       for key, text, _ in KEYS)


__all__ = ["ViewDisplayControls", "DisplayButton", "button_text", "KEYS"]
