"""Subscriptions to the state that live as long as the widget that made them.

``subscriptions(widget)`` gives a :class:`ctvis.model.events.Subscriptions` that disconnects
everything it connected when the widget is destroyed (deleted by Qt or by its parent), so a
view or dock that goes leaves no slot on the state's signals; a widget that is closed
without being destroyed (a panel, the 3D view) calls ``disconnect_all`` itself on close."""
from __future__ import annotations

from PyQt5.QtCore import QObject, pyqtSlot

from ctvis.model.events import Subscriptions

_guards: set = set()          # the guards of living widgets (they have no parent)


class _Guard(QObject):
    """Disconnects one widget's subscriptions when the widget is destroyed.  A QObject slot,
    not a lambda: PyQt's proxy for a Python callable connected to ``destroyed`` can be gone
    by the time the signal is delivered (a crash seen under a worker thread)."""

    def __init__(self, subs: Subscriptions):
        super().__init__()
        self.subs = subs
        self.done = False

    @pyqtSlot()
    def release(self) -> None:
        self.subs.disconnect_all()
        self.done = True
        self.deleteLater()


def subscriptions(owner: QObject) -> Subscriptions:
    for guard in [g for g in _guards if g.done]:
        _guards.discard(guard)
    subs = Subscriptions()
    guard = _Guard(subs)
    owner.destroyed.connect(guard.release)
    _guards.add(guard)
    return subs
