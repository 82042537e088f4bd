"""The CPU cores this process may use (its affinity on Linux, else the machine's)."""
from __future__ import annotations

import os


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):                       # not on Linux
        return os.cpu_count() or 1


__all__ = ["usable_cores"]
