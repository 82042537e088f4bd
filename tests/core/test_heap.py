"""ctvis.core.heap gives freed memory back to the system (issue 25, item 2)."""
from __future__ import annotations

import sys

import numpy as np
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


def test_freed_blocks_of_a_mib_and_more_go_back_at_once():
    assert heap.map_large_blocks()
    # Freeing a mapped 30 MiB block would raise glibc's own threshold above 2 MiB.
    big = np.ones(30 * MIB, np.uint8)
    del big
    blocks, pins = [], []
    for _ in range(60):                          # 120 MiB, each block followed by a small one
        blocks.append(np.ones(2 * MIB, np.uint8))
        pins.append(np.ones(2000, np.uint8))
    high = rss_mib()
    del blocks
    assert rss_mib() < high - 100                # each had its own mapping
    del pins


def test_trim_returns_the_free_pages_inside_the_heap():
    heap.map_large_blocks()
    blocks = [bytearray(b"\1" * (600 << 10)) for _ in range(200)]   # 117 MiB below 1 MiB
    pin = bytearray(1000)                        # keeps the heap's top from going back
    high = rss_mib()
    del blocks[:-1]                              # the last one pins the top as well
    assert heap.trim()
    assert rss_mib() < high - 80
    del blocks, pin


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("CTVIS_NO_HEAP_TRIM", "1")
    assert heap._glibc() is None and not heap.trim()
