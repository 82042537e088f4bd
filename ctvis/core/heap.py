"""Give freed memory back to the system (glibc's malloc; elsewhere these do nothing).

Freed Python and numpy memory goes back to malloc, not always to the system.  glibc maps a
block of its own (returned at once when freed) only above a threshold, and each time a
mapped block is freed it raises that threshold to the block's size (up to 32 MiB) and the
size above which it returns the top of its heap to twice that (up to 64 MiB): after the
imports and the first volume, slices, masks and pictures of a few MiB land in the heaps
(one per thread that allocated: the workers' too), and what they free stays there.  A viewer
that opened, segmented and reported on the same 60 × 256² phantom again and again grew from
683 to 858 MiB in five cycles though no object of an earlier cycle was alive
(benchmarks/bench_memory_cycles.py, docs/performance.md).  Fixed thresholds stop the growth
(blocks of 4 MiB and more are mapped; a free top of a heap larger than 4 MiB is returned),
and ``malloc_trim(0)`` after big work returns the free pages inside every heap: 531 -> 549 MiB
over ten cycles.  Not lower than 4 MiB: a mapped block costs its page faults each time, and
a 512² float32 slice (1 MiB) made and freed took 0.59 ms mapped against 0.04 ms from the heap.

``CTVIS_NO_HEAP_TRIM=1`` turns both off (to measure what glibc gives back alone).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3     # mallopt's parameter numbers (malloc.h)
MAP_ABOVE = 4 << 20              # bytes: larger blocks are mapped, returned when freed
_done = {"threshold": False}


def _glibc():
    if not sys.platform.startswith("linux") or os.environ.get("CTVIS_NO_HEAP_TRIM"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim, libc.mallopt               # glibc has both; musl has neither
    except (OSError, AttributeError):
        return None
    return libc


def map_large_blocks(size: int = MAP_ABOVE) -> bool:
    """Blocks of ``size`` bytes or more get their own mapping (returned when freed), a free
    heap top above ``size`` is returned, both fixed from now on; once per process.  Whether
    it was set."""
    if _done["threshold"]:
        return True
    libc = _glibc()
    if libc is None:
        return False
    _done["threshold"] = bool(libc.mallopt(M_MMAP_THRESHOLD, int(size))
                              and libc.mallopt(M_TRIM_THRESHOLD, int(size)))
    return _done["threshold"]


def trim() -> bool:
    """Return the free pages of malloc's heaps to the system; whether any were."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


__all__ = ["map_large_blocks", "trim", "MAP_ABOVE"]
