"""A small synchronous event emitter: one ``Signal`` per field of a model.

Why not psygnal: the state's fields hold Volumes and label arrays whose ``==`` is elementwise
(or a whole-volume comparison); the state decides itself what counts as a change (identity
for data, value for settings), so all it needs from an emitter is connect / disconnect /
emit, in order, on the caller's thread.  The GUI marshals to its own thread where needed.
"""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)


class Signal:
    """Callbacks called in the order they connected, with the new value."""

    def __init__(self, name: str):
        self.name = name
        self._slots: list[Callable] = []

    def connect(self, slot: Callable) -> Callable:
        if slot not in self._slots:
            self._slots.append(slot)
        return slot

    def disconnect(self, slot: Callable) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args) -> None:
        for slot in list(self._slots):
            slot(*args)

    def __len__(self) -> int:
        return len(self._slots)


class Events:
    """``events.<field>``: the Signal of one field; iterable over all of them."""

    def __init__(self, names):
        self._signals = {name: Signal(name) for name in names}

    def __getattr__(self, name: str) -> Signal:
        try:
            return self.__dict__["_signals"][name]
        except KeyError:
            raise AttributeError(f"no event named {name!r}") from None

    def __iter__(self):
        return iter(self._signals.values())


class Subscriptions:
    """The (signal, slot) pairs one subscriber connected, disconnected all at once (napari's
    ``disconnect_events``): a view or dock connects through it and, when it goes, calls
    ``disconnect_all`` (``ctvis.gui.subscriptions.subscriptions`` does so when a widget is
    destroyed), so no slot of a dead widget stays connected to the state."""

    def __init__(self):
        self._pairs: list[tuple[Signal, Callable]] = []

    def connect(self, signal: Signal, slot: Callable) -> Callable:
        signal.connect(slot)
        if (signal, slot) not in self._pairs:
            self._pairs.append((signal, slot))
        return slot

    def connect_events(self, events: Events, slots: dict) -> None:
        """``{field name: slot}``: each slot to ``events.<field>``."""
        for name, slot in slots.items():
            self.connect(getattr(events, name), slot)

    def disconnect_all(self) -> None:
        for signal, slot in reversed(self._pairs):
            signal.disconnect(slot)
        self._pairs.clear()

    def __len__(self) -> int:
        return len(self._pairs)
