"""Run long core work (loading, segmentation, meshing) off the GUI thread.

The work function gets ``progress(fraction, message)`` and ``cancel() -> bool`` like every long
core operation; its outcome comes back to the GUI thread as Qt signals (queued connections),
so the window keeps painting and the user can cancel.

A started task keeps itself alive until its outcome has reached the GUI thread: the caller
may drop its last reference at any time (a second export, a second session replacing the
first in a ``self.task`` attribute) — a QRunnable deleted while its thread runs it crashed
the process.

Tasks run on ctvis's own pool (:func:`task_pool`), never on ``QThreadPool.globalInstance()``:
Qt 5.15 converts and smooth-scales large QImages on the GUI thread by cutting them into strips
that it queues on the global pool, then blocks on a semaphore until they are done.  With the
global pool's threads (one per core) busy with ctvis work, the GUI thread waited for the work
to end; and as PyQt keeps the GIL during ``QImage.convertToFormat``, workers that needed the
GIL never ended: the window froze for good (issue 18, item 10: File ▸ Save window as shown
while workers ran; gdb showed ``convert_generic`` waiting on ``QSemaphore::acquire`` and both
pool threads in ``take_gil``).
"""
from __future__ import annotations

import logging
import threading

from PyQt5 import sip
from PyQt5.QtCore import QObject, QRunnable, QThreadPool, QTimer, pyqtSignal

from ctvis.core.errors import Cancelled, CtvisError
from ctvis.gui.memory import give_back_soon

log = logging.getLogger(__name__)
_RUNNING: set = set()            # started tasks whose outcome has not reached the GUI thread
_POOL: QThreadPool | None = None


def task_pool() -> QThreadPool:
    """The pool ctvis's tasks run on (as many threads as Qt's global pool), apart from the
    global pool that Qt's image conversions on the GUI thread wait for."""
    global _POOL
    if _POOL is None or sip.isdeleted(_POOL):     # Qt deletes it with its QApplication
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(QThreadPool.globalInstance().maxThreadCount())
    return _POOL


class TaskSignals(QObject):
    progress = pyqtSignal(float, str)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()


class Task(QRunnable):
    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self.setAutoDelete(False)          # the caller keeps it until a signal arrives
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = TaskSignals()
        self._stop = threading.Event()
        self._ran = threading.Event()      # run() has returned
        # ("finished", result) | ("failed", message) | ("cancelled", None), set on the GUI
        # thread when the outcome arrives: a caller that connects after a quick task has
        # emitted would miss the signal, but can still read what happened.
        self.outcome: tuple[str, object] | None = None

    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> None:
        try:
            result = self.fn(*self.args, progress=self.signals.progress.emit,
                             cancel=self._stop.is_set, **self.kwargs)
        except Cancelled:
            self.signals.cancelled.emit()
        except CtvisError as exc:
            self.signals.failed.emit(str(exc))
        except MemoryError:
            self.signals.failed.emit("not enough memory for this operation")
        except Exception as exc:           # a bug: keep the window alive, log the traceback
            log.exception("background task failed")
            self.signals.failed.emit(f"unexpected error ({type(exc).__name__}: {exc})")
        else:
            self.signals.finished.emit(result)
        finally:
            self._ran.set()

    def start(self, pool: QThreadPool | None = None) -> "Task":
        _RUNNING.add(self)
        # Bound methods: PyQt holds them weakly, so these slots keep no task alive.
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._cancelled)
        for signal in (self.signals.finished, self.signals.failed, self.signals.cancelled):
            signal.connect(self._release)
        (pool or task_pool()).start(self)
        return self

    def _finished(self, result) -> None:
        self.outcome = ("finished", result)

    def _failed(self, message: str) -> None:
        self.outcome = ("failed", message)

    def _cancelled(self) -> None:
        self.outcome = ("cancelled", None)

    def _release(self, *_args) -> None:
        """On the GUI thread, once the outcome has arrived: after the other slots of the
        signal have run, and after run() has returned, let the task go."""
        if self._ran.is_set():
            QTimer.singleShot(0, self._forget)
        else:
            QTimer.singleShot(5, self._release)

    def _forget(self) -> None:
        # What the work freed goes back to the system (ctvis.gui.memory says why).
        _RUNNING.discard(self)
        give_back_soon()
