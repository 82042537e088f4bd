"""Subscriptions: (signal, slot) pairs connected together and disconnected together."""
from __future__ import annotations

from ctvis.model.events import Events, Subscriptions


def test_subscriptions_disconnect_everything_they_connected_and_nothing_else():
    events = Events(("volume", "window"))
    other = []
    events.volume.connect(other.append)               # someone else's slot stays
    seen, subs = [], Subscriptions()
    subs.connect_events(events, {"volume": seen.append, "window": seen.append})
    subs.connect(events.volume, seen.append)          # twice: still one pair
    assert len(subs) == 2 and len(events.volume) == 2 and len(events.window) == 1
    events.volume.emit(1)
    assert seen == [1] and other == [1]
    subs.disconnect_all()
    assert len(subs) == 0 and len(events.volume) == 1 and len(events.window) == 0
    events.volume.emit(2)
    events.window.emit(3)
    assert seen == [1] and other == [1, 2]
    subs.disconnect_all()                             # again: nothing to do
