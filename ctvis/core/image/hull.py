"""The convex hull of a 2-D mask as a mask, in numpy alone.

``skimage.morphology.convex_hull_image`` gives the same pixels, but importing
``skimage.morphology`` imports scipy.spatial, scipy.linalg and scipy.sparse: 15 MiB of the
viewer's memory, which the loader paid for one hull of the field of view on every series
with a reconstruction circle (docs/performance.md, "Viewer peak memory with the 3D pane").
"""
from __future__ import annotations

import numpy as np

from ctvis.core.unionfind import root

TOLERANCE = 1e-9             # pixel centres on the hull's edge are in it


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def hull_polygon(points: np.ndarray) -> np.ndarray:
    """Vertices (n × 2) of the convex hull of ``points`` (Andrew's monotone chain)."""
    pts = [tuple(p) for p in np.unique(np.asarray(points, float), axis=0)]
    if len(pts) <= 2:
        return np.asarray(pts, float)

    def chain(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = chain(pts), chain(pts[::-1])
    return np.asarray(lower[:-1] + upper[:-1], float)


def convex_hull_mask(mask: np.ndarray) -> np.ndarray:
    """The pixels whose centres lie in (or on) the convex hull of the middles of the edges
    of ``mask``'s pixels: ``skimage.morphology.convex_hull_image`` with its defaults."""
    mask = np.asarray(mask, bool)
    out = np.zeros(mask.shape, bool)
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return out
    sub = mask[rows]
    left = sub.argmax(axis=1)
    right = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)
    # skimage's points: the middles of the pixels' edges; those of the rows' end pixels
    # have the same hull as those of all the pixels.
    points = [np.stack([rows + dr, cols + dc], axis=1)
              for cols, side in ((left, -0.5), (right, 0.5))
              for dr, dc in ((0.0, side), (-0.5, 0.0), (0.5, 0.0))]
    poly = hull_polygon(np.concatenate(points))
    # Each pixel row crosses the convex polygon in one interval of columns (a vertex on
    # the row is the end of two edges; a horizontal edge's ends are the next edges' too).
    a, b = poly, np.roll(poly, -1, axis=0)
    r = np.arange(rows[0], rows[-1] + 1, dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (r - a[:, 0]) / (b[:, 0] - a[:, 0])
    x = a[:, 1] + t * (b[:, 1] - a[:, 1])
    hit = (t >= 0) & (t <= 1)
    lo = np.where(hit, x, np.inf).min(axis=1)
    hi = np.where(hit, x, -np.inf).max(axis=1)
    cols = np.arange(mask.shape[1])
    out[rows[0]:rows[-1] + 1] = ((cols >= lo[:, None] - TOLERANCE)
                                 & (cols <= hi[:, None] + TOLERANCE))
    return out


def border_parts(mask: np.ndarray) -> np.ndarray:
    """The 4-connected parts of a 2-D ``mask`` that touch the array's border (what
    ``scipy.ndimage.label`` and the labels on the border give), from the rows' runs: the
    loader needs no scipy for the field of view."""
    mask = np.asarray(mask, bool)
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    ends = np.nonzero(step == -1)[1]               # exclusive; same order as the starts
    parent = list(range(len(rows)))
    first = np.searchsorted(rows, np.arange(h + 1))     # runs of row r: first[r]:first[r+1]
    for r in range(h - 1):
        a, a_end, b, b_end = first[r], first[r + 1], first[r + 1], first[r + 2]
        while a < a_end and b < b_end:                   # overlapping runs join
            if starts[a] < ends[b] and starts[b] < ends[a]:
                parent[root(parent, a)] = root(parent, b)
            if ends[a] < ends[b]:
                a += 1
            else:
                b += 1
    edge = (rows == 0) | (rows == h - 1) | (starts == 0) | (ends == w)
    keep = {root(parent, i) for i in np.flatnonzero(edge)}
    out = np.zeros((h, w), bool)
    for i in range(len(rows)):
        if root(parent, i) in keep:
            out[rows[i], starts[i]:ends[i]] = True
    return out


__all__ = ["convex_hull_mask", "hull_polygon", "border_parts"]
