"""Refuse work that cannot fit in memory, with a message, before allocating it.

Linux overcommits: a too-large ``np.empty`` succeeds and the process is killed later when the
pages are touched.  Checking MemAvailable first turns that into a clear error.
"""
from __future__ import annotations

from ctvis.core.errors import LoadError


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo, or None where it cannot be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def ensure_fits(nbytes: int, what: str, available: int | None = None) -> None:
    available = available_bytes() if available is None else available
    if available is not None and nbytes > available:
        raise LoadError(f"{what} needs {nbytes / 2**30:.1f} GiB of memory and only "
                        f"{available / 2**30:.1f} GiB is available")
