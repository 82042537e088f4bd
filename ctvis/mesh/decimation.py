"""Quadric decimation with ``fast_simplification`` in bounded memory.

``fast_simplification`` copies the mesh into C++ vectors of about 300 bytes per triangle and
keeps them (module globals, cleared but never freed) until its next call: 1 GiB for the
3.5 M triangles of a chest's bone surface, held until the process ends.  So a large surface is
cut into slabs of at most ``chunk`` triangles along its longest axis and each slab decimated
on its own, with ``preserve_border``: the vertices on the cuts (used by two slabs) stay where
they are, and the slabs join again exactly there.  Those vertices are given first to each
call; the library keeps the surviving vertices in their order and never removes a border
vertex, so they come back as the first rows of its output — checked, and the whole surface is
decimated in one call if they did not.
"""
from __future__ import annotations

import logging
import math

import numpy as np

from ctvis.core.progress import Progress

log = logging.getLogger(__name__)

DECIMATE_CHUNK = 200_000          # triangles per call: ~60 MiB inside fast_simplification

__all__ = ["fast_decimate", "DECIMATE_CHUNK"]


def _simplify(points, faces, reduction, preserve_border=False):
    import fast_simplification

    p, f = fast_simplification.simplify(np.ascontiguousarray(points, dtype=np.float64),
                                        np.ascontiguousarray(faces, dtype=np.int32),
                                        target_reduction=float(reduction), agg=7,
                                        preserve_border=preserve_border)
    return np.asarray(p, np.float64), np.asarray(f, np.int64)


def fast_decimate(points: np.ndarray, faces: np.ndarray, reduction: float,
                  tick: Progress | None = None, chunk: int | None = None):
    """(points, faces) with ``reduction`` of the triangles removed, in slabs of at most
    ``chunk`` (default ``DECIMATE_CHUNK``) triangles."""
    tick = tick or Progress()
    chunk = chunk or DECIMATE_CHUNK
    n_faces, n_points = len(faces), len(points)
    k = max(1, math.ceil(n_faces / chunk))
    if k == 1:
        return _simplify(points, faces, reduction)
    # Slabs of equal triangle counts along the longest axis (a triangle goes by its first
    # corner).
    axis = int(np.argmax(np.ptp(points, axis=0)))
    order = np.argsort(points[faces[:, 0], axis], kind="stable")
    slab = np.empty(n_faces, np.int32)
    slab[order] = (np.arange(n_faces, dtype=np.int64) * k // n_faces).astype(np.int32)
    del order
    # Points used by triangles of two slabs: the cuts.
    uses = np.zeros(n_points, np.int8)
    for c in range(k):
        used = np.zeros(n_points, bool)
        used[faces[slab == c].ravel()] = True
        uses += used
    cut = uses > 1
    del uses
    cut_ids = np.flatnonzero(cut)
    cut_index = np.full(n_points, -1, np.int64)
    cut_index[cut_ids] = np.arange(len(cut_ids))
    out_points, out_faces, offset = [points[cut_ids]], [], len(cut_ids)
    local = np.empty(n_points, np.int32)
    for c in range(k):
        tick(c / k, "decimating")
        slab_faces = faces[slab == c]
        used = np.zeros(n_points, bool)
        used[slab_faces.ravel()] = True
        border = np.flatnonzero(used & cut)
        ids = np.concatenate([border, np.flatnonzero(used & ~cut)])
        del used
        local[ids] = np.arange(len(ids), dtype=np.int32)
        p, f = _simplify(points[ids], local[slab_faces], reduction, preserve_border=True)
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
