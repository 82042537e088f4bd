"""ctvis.core.heap gives freed memory back to the system (issue 25, item 2)."""
from __future__ import annotations

import sys

import pytest

from ctvis.core import heap

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or heap._glibc() is None,
                                reason="glibc's malloc only")
MIB = 1 << 20


def rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS")


def _mapped_bytes() -> int:
    """glibc's count of bytes in blocks that have their own mapping (mallinfo2's hblkhd)."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = heap._glibc()
    libc.mallinfo2.restype = MallInfo2
    return libc.mallinfo2().hblkhd


_MAPPING_CHECK = """
import numpy as np  # noqa
from ctvis.core import heap
from tests.core.test_heap import MIB, _mapped_bytes
assert heap.map_large_blocks()
# Freeing a mapped 30 MiB block raises glibc's own threshold to 30 MiB: a 6 MiB block
# would land in the heap, and stay there once freed.
big = np.ones(30 * MIB, np.uint8)
del big
before = _mapped_bytes()
block = np.ones(6 * MIB, np.uint8)
assert _mapped_bytes() >= before + 6 * MIB, "a 6 MiB block is not mapped"
del block
assert _mapped_bytes() < before + MIB, "a freed 6 MiB block was not returned"
small = np.ones(MIB, np.uint8)                           # a slice: from the heap (fast)
assert _mapped_bytes() < before + MIB, "a 1 MiB block was mapped"
print("ok")
"""


def test_blocks_of_4_mib_and_more_get_their_own_mapping():
    """In a fresh process: in a long one (the suite) a free chunk that an earlier test left
    in the heap may serve the 6 MiB block before any mapping is asked for."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _MAPPING_CHECK], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_trim_returns_the_free_pages_inside_the_heap():
    heap.map_large_blocks()
    blocks = [bytearray(b"\1" * (600 << 10)) for _ in range(200)]   # 117 MiB below 4 MiB
    pin = bytearray(1000)                        # keeps the heap's top from going back
    high = rss_mib()
    del blocks[:-1]                              # the last one pins the top as well
    assert heap.trim()
    assert rss_mib() < high - 80
    del blocks, pin


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("CTVIS_NO_HEAP_TRIM", "1")
    assert heap._glibc() is None and not heap.trim()
