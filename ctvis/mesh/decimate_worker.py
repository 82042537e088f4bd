"""A helper process for :mod:`ctvis.mesh.decimation`: it decimates the slabs it is sent.

``fast_simplification`` holds the GIL, so a second core can only help from another process.
``python -m ctvis.mesh.decimate_worker`` reads requests from stdin — points (n, 3) float64,
faces (m, 3) int32 and the reduction, as .npy arrays — and writes each result (points, faces)
to stdout, until stdin closes.  It imports numpy and fast_simplification only (no VTK, no Qt).
"""
from __future__ import annotations

import sys

import numpy as np
from numpy.lib import format as npy


def simplify(points, faces, reduction, preserve_border=False):
    """fast_simplification's quadric decimation, as every slab and whole surface uses it."""
    import fast_simplification

    p, f = fast_simplification.simplify(np.ascontiguousarray(points, dtype=np.float64),
                                        np.ascontiguousarray(faces, dtype=np.int32),
                                        target_reduction=float(reduction), agg=7,
                                        preserve_border=preserve_border)
    return np.asarray(p, np.float64), np.asarray(f, np.int64)


class _Stream:
    """Only read/write: numpy would treat a pipe's file object as a seekable file."""

    def __init__(self, fh):
        self.fh = fh

    def read(self, n=-1):
        return self.fh.read(n)

    def write(self, data):
        return self.fh.write(data)


def send(fh, *arrays) -> None:
    stream = _Stream(fh)
    for a in arrays:
        npy.write_array(stream, np.asarray(a), allow_pickle=False)
    fh.flush()


def receive(fh, count: int) -> list[np.ndarray]:
    """``count`` arrays from ``fh``; EOFError when it closed (or died) before them."""
    stream = _Stream(fh)
    out = []
    for _ in range(count):
        if not fh.peek(1):
            raise EOFError("the other side closed the pipe")
        out.append(npy.read_array(stream, allow_pickle=False))
    return out


READY = b"R"                 # written once imported: requests are sent only after it


def main() -> int:
    import importlib

    importlib.import_module("fast_simplification")   # imported before saying ready

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    out.write(READY)
    out.flush()
    while True:
        try:
            points, faces, reduction = receive(inp, 3)
        except EOFError:
            return 0
        send(out, *simplify(points, faces, float(reduction), preserve_border=True))


if __name__ == "__main__":
    sys.exit(main())
