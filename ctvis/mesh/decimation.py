"""Quadric decimation with ``fast_simplification`` in bounded memory.

``fast_simplification`` copies the mesh into C++ vectors of about 300 bytes per triangle and
keeps them (module globals, cleared but never freed) until its next call: 1 GiB for the
3.5 M triangles of a chest's bone surface, held until the process ends.  So a large surface is
cut into slabs of about ``chunk`` triangles — runs of its triangles, which flying edges makes
slice by slice (else slabs along its longest axis) — and each slab decimated on its own,
with ``preserve_border``: the vertices on the cuts (used by two slabs) stay where they are,
and the slabs join again exactly there.  Those vertices are given first to each call; the
library keeps the surviving vertices in their order and never removes a border vertex, so
they come back as the first rows of its output — checked, and the whole surface is decimated
in one call if they did not.  Slabs are shared with helper processes on the other cores
(:mod:`ctvis.mesh.helpers`); the surface is the same with or without them.
"""
from __future__ import annotations

import logging
import math

import numpy as np

from ctvis.core.progress import Progress
from ctvis.mesh import helpers as H
from ctvis.mesh.decimate_worker import simplify as _simplify

log = logging.getLogger(__name__)

DECIMATE_CHUNK = 200_000          # triangles per call: ~60 MiB inside fast_simplification
# Slabs whose cuts hold more of the points than this are not slabs of the surface (the
# triangles were not in slice order): 5 % on a chest's bone, all of them for a random order.
MAX_CUT = 0.25

__all__ = ["fast_decimate", "DECIMATE_CHUNK"]


def _spatial_order(points: np.ndarray, faces: np.ndarray, k: int) -> np.ndarray:
    """Triangles in the order of k slabs of about equal counts along the longest axis (a
    triangle goes by its first corner): ranks from a histogram of 64 bins a slab, then a
    stable sort of the small slab numbers (not of the coordinates: 0.4-1.2 s on 3.6 M)."""
    axis = int(np.argmax(np.ptp(points, axis=0)))
    x = points[faces[:, 0], axis]
    lo, span, bins = float(x.min()), float(np.ptp(x)), 64 * k
    b = ((x - lo) * (bins / span)).astype(np.int64) if span > 0 else np.zeros(len(x), np.int64)
    np.clip(b, 0, bins - 1, out=b)
    count = np.bincount(b, minlength=bins)
    before = np.cumsum(count) - count                 # triangles in lower bins
    return np.argsort((before * k // len(x)).astype(np.int32)[b], kind="stable")


def _cut(faces: np.ndarray, bounds, n_points: int) -> np.ndarray:
    """Points used by the triangles of two slabs (``faces[bounds[c]:bounds[c + 1]]``)."""
    uses = np.zeros(n_points, np.int8)
    for c in range(len(bounds) - 1):
        lo, hi, used = _used(faces[bounds[c]:bounds[c + 1]], n_points)
        uses[lo:hi] += used
    return uses > 1


def _used(slab_faces: np.ndarray, n_points: int):
    """(lo, hi, used): which points of lo..hi-1 (the slab's index range) the triangles use."""
    if not len(slab_faces):
        return 0, 0, np.zeros(0, bool)
    lo, hi = int(slab_faces.min()), int(slab_faces.max()) + 1
    used = np.zeros(hi - lo, bool)
    used[slab_faces.ravel() - lo] = True
    return lo, hi, used


def fast_decimate(points: np.ndarray, faces: np.ndarray, reduction: float,
                  tick: Progress | None = None, chunk: int | None = None,
                  helpers: int | None = None):
    """(points, faces) with ``reduction`` of the triangles removed, in slabs of about
    ``chunk`` (default ``DECIMATE_CHUNK``) triangles, shared with ``helpers`` processes
    (default: one per further core, :mod:`ctvis.mesh.helpers`); the result does not depend
    on how many."""
    tick = tick or Progress()
    k = max(1, math.ceil(len(faces) / (chunk or DECIMATE_CHUNK)))
    if k == 1:
        return _simplify(points, faces, reduction)
    procs = H.start_helpers(H.helper_count(k) if helpers is None else min(helpers, k - 1))
    try:
        out = _decimate_slabs(points, faces, reduction, k, procs, tick)
    except BaseException:
        H.stop_helpers(procs, kill=True)
        raise
    H.stop_helpers(procs)
    return out


def _decimate_slabs(points, faces, reduction, k, procs, tick):
    n_faces, n_points = len(faces), len(points)
    # Slabs are runs of triangles in their order: flying edges makes them slice by slice,
    # so a run is a slab of slices, and its points a range of indices (no sort, no mask
    # over all points).  Triangles in another order cut the surface everywhere: they are
    # put in spatial slabs first.
    bounds = np.arange(k + 1) * n_faces // k
    cut = _cut(faces, bounds, n_points)
    if cut.sum() > MAX_CUT * n_points:
        faces = faces[_spatial_order(points, faces, k)]
        cut = _cut(faces, bounds, n_points)
    borders = [None] * k
    local = np.empty(n_points, np.int32)

    def prepare(c):
        """Slab c's points (its cut vertices first) and triangles, numbered from 0."""
        slab_faces = faces[bounds[c]:bounds[c + 1]]
        lo, hi, used = _used(slab_faces, n_points)
        borders[c] = lo + np.flatnonzero(used & cut[lo:hi])
        ids = np.concatenate([borders[c], lo + np.flatnonzero(used & ~cut[lo:hi])])
        local[ids] = np.arange(len(ids), dtype=np.int32)
        return points[ids], local[slab_faces]

    results = H.decimate_slabs(prepare, k, reduction, procs, tick)
    cut_ids = np.flatnonzero(cut)
    cut_index = np.full(n_points, -1, np.int64)
    cut_index[cut_ids] = np.arange(len(cut_ids))
    out_points, out_faces, offset = [points[cut_ids]], [], len(cut_ids)
    for border, (p, f) in zip(borders, results):
        nb = len(border)
        if len(p) < nb or not np.array_equal(p[:nb], points[border]):
            log.warning("decimation moved the vertices of a cut: the surface is decimated "
                        "in one piece")
            return _simplify(points, faces, reduction)
        f = np.where(f < nb, cut_index[border][np.minimum(f, max(nb - 1, 0))],
                     f - nb + offset)
        out_points.append(p[nb:])
        out_faces.append(f)
        offset += len(p) - nb
    tick(1.0, "decimated")
    return np.concatenate(out_points), np.concatenate(out_faces)
