"""After big work the window gives the memory it freed back to the system: soon after a
worker's task has ended and after a volume was replaced (:mod:`ctvis.core.heap` says why),
once for several such moments close together, on the GUI thread when it is idle."""
from __future__ import annotations

import gc

from PyQt5 import sip
from PyQt5.QtCore import QTimer

from ctvis.core import heap

DELAY_MS = 300
_pending = {"timer": None, "collect": False}


def give_back_soon(collect: bool = False) -> None:
    """Trim malloc's heaps ``DELAY_MS`` after the last call; ``collect``: collect Python's
    cycles first (a volume was replaced: what held it in a cycle goes now, not at the
    collector's next full pass, which may be long after)."""
    heap.map_large_blocks()
    _pending["collect"] |= collect
    timer = _pending["timer"]
    if timer is None or sip.isdeleted(timer):      # Qt deletes it with its QApplication
        timer = _pending["timer"] = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(_give_back)
    timer.start(DELAY_MS)


def _give_back() -> None:
    if _pending["collect"]:
        _pending["collect"] = False
        gc.collect()
    heap.trim()


__all__ = ["give_back_soon", "DELAY_MS"]
