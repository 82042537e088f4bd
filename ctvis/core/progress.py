"""Progress and cancellation plumbing shared by all long operations.

Long work takes ``progress(fraction, message)`` and ``cancel() -> bool`` callables, both
optional. ``Progress`` maps a sub-step onto a range of the caller's fraction so nested steps
move one rising bar; by convention its instance is called ``tick`` (``tick(0.5, "smoothing")``,
``tick.sub(0.2, 0.6)``), so that "report" only ever means the HTML report.
"""
from __future__ import annotations

from typing import Callable, Optional

from ctvis.core.errors import Cancelled

ProgressFn = Optional[Callable[[float, str], None]]
CancelFn = Optional[Callable[[], bool]]


class Progress:
    """The progress of one step: ``tick(fraction, message)`` reports, ``tick.check()`` raises
    Cancelled when asked to stop."""

    def __init__(self, progress: ProgressFn = None, cancel: CancelFn = None,
                 start: float = 0.0, stop: float = 1.0):
        self._progress = progress
        self._cancel = cancel
        self.start, self.stop = start, stop

    def __call__(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` of this step and raise Cancelled if asked to stop."""
        self.check()
        if self._progress is not None:
            f = self.start + (self.stop - self.start) * min(max(fraction, 0.0), 1.0)
            self._progress(f, message)

    def check(self) -> None:
        if self._cancel is not None and self._cancel():
            raise Cancelled("cancelled")

    def sub(self, a: float, b: float) -> "Progress":
        """The progress of the part [a, b] of this step."""
        span = self.stop - self.start
        return Progress(self._progress, self._cancel, self.start + span * a, self.start + span * b)
