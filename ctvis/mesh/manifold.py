"""Make a decimated surface manifold again: every edge shared by exactly two triangles.

Edge-collapse decimators (``fast_simplification``, ``vtkDecimatePro`` even with topology
preserved) do not check the link condition, so on thin or touching structures (bone) a
collapse can leave

- a *fin*: two copies of one triangle, back to back, hanging on the surface — their edges are
  shared by four triangles;
- a *pinch*: two sheets of the surface meeting along one edge — four triangles again.

Both are undone locally, keeping the surface closed: a fin is deleted (its two triangles
enclose nothing); at a pinch one *sheet* — an a->b and a b->a triangle of the edge, a quad
with the edge as its diagonal — gets its diagonal flipped, which takes it off the edge. Of the
possible sheets the flip is the one whose new edge is not in the mesh yet and whose two new
triangles best keep facing the way the old pair did (the regions are crumpled sub-millimetre
tangles of thin bone, so a small fold is accepted rather than a non-manifold edge). A flip
changes no other edge's count; edges of six triangles lose one sheet per round. Vertices are
not moved or split, so the files (STL merges equal corners) read back just as manifold.
"""
from __future__ import annotations

import logging
import math

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["edge_counts", "repair_manifold"]


def _edge_keys(faces: np.ndarray, n: int) -> np.ndarray:
    """(3F,) int64 key lo*n+hi of each triangle's edges: edge j of face i at j*F + i."""
    a = np.concatenate([faces[:, 0], faces[:, 1], faces[:, 2]]).astype(np.int64)
    b = np.concatenate([faces[:, 1], faces[:, 2], faces[:, 0]]).astype(np.int64)
    return np.minimum(a, b) * n + np.maximum(a, b)


def edge_counts(faces: np.ndarray) -> tuple[int, int]:
    """(open edges, non-manifold edges): edges used by one triangle, and by more than two."""
    if len(faces) == 0:
        return 0, 0
    keys = np.sort(_edge_keys(faces, int(faces.max()) + 1), kind="stable")   # radix: fast
    counts = np.diff(np.r_[np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]), len(keys)])
    return int((counts == 1).sum()), int((counts > 2).sum())


def _unit_normal(points, tri) -> tuple[float, float, float]:
    """In plain floats: numpy's cross and norm of one 3-vector cost 60 µs, a tenth of the
    repair on a chest's bone."""
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = points[list(tri)].tolist()
    ux, uy, uz, vx, vy, vz = bx - ax, by - ay, bz - az, cx - ax, cy - ay, cz - az
    nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
    length = math.sqrt(nx * nx + ny * ny + nz * nz)
    return (nx / length, ny / length, nz / length) if length > 0 else (nx, ny, nz)


def _dot(u, v) -> float:
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]


def _directed(tri, a, b) -> bool:
    """Does the triangle run a -> b (a followed by b in its cyclic order)?"""
    i = tri.index(a)
    return tri[(i + 1) % 3] == b


def _third(tri, a, b) -> int:
    return next(v for v in tri if v != a and v != b)


class _Repair:
    """One round over the non-manifold edges of ``faces`` (edited in place).

    The first round counts every edge; later ones only the triangles of ``subset`` (all
    triangles around the vertices the last round looked at: every edge whose count can have
    changed has one of them, and such an edge's triangles all have it), with the mesh's edges
    as ``existing`` + ``added`` from the first round on.
    """

    def __init__(self, points, faces, subset=None, existing=None, added=None):
        self.points, self.faces = points, faces
        self.n = len(points)
        ids = np.arange(len(faces)) if subset is None else subset
        keys = _edge_keys(faces[ids], self.n)
        sorted_keys = np.sort(keys, kind="stable")    # radix sort: 3x faster than argsort
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        counts = np.diff(np.r_[starts, len(keys)])
        # every edge of the mesh, sorted
        self.existing = sorted_keys[starts] if existing is None else existing
        bad_keys = sorted_keys[starts][counts > 2]
        self.bad: dict[int, list[int]] = {}
        if len(bad_keys):
            # Only triangles with two corners on bad edges can have one: their keys are
            # looked up (searchsorted, not np.isin, which sorts all keys again).
            del keys, sorted_keys
            on_bad = np.zeros(self.n, bool)
            on_bad[bad_keys // self.n] = on_bad[bad_keys % self.n] = True
            ids = ids[on_bad[faces[ids]].sum(axis=1) >= 2]
            keys = _edge_keys(faces[ids], self.n)
            at = np.minimum(np.searchsorted(bad_keys, keys), len(bad_keys) - 1)
            for i in np.flatnonzero(bad_keys[at] == keys):
                self.bad.setdefault(int(keys[i]), []).append(int(ids[int(i) % len(ids)]))
        self.added: set[int] = set() if added is None else added
        self.touched: set[int] = set()                # faces changed in this round
        self.removed: list[int] = []

    def next_subset(self, faces) -> np.ndarray:
        """Triangles (of ``faces``, fins removed) around the vertices this round looked at."""
        mark = np.zeros(self.n, bool)
        for key in self.bad:
            mark[list(divmod(key, self.n))] = True
        if self.touched:
            mark[self.faces[sorted(self.touched)].ravel()] = True
        return np.flatnonzero(mark[faces].any(axis=1))

    def _key(self, u, v) -> int:
        return min(u, v) * self.n + max(u, v)

    def _exists(self, u, v) -> bool:
        key = self._key(u, v)
        i = np.searchsorted(self.existing, key)
        return key in self.added or (i < len(self.existing) and self.existing[i] == key)

    def run(self) -> int:
        """Fix what can be fixed now; the number of edges left for the next round."""
        left = 0
        for key, face_ids in self.bad.items():
            if self.touched.intersection(face_ids):
                left += 1                             # a neighbour moved: next round
                continue
            if not self._fix(divmod(key, self.n), face_ids):
                left += 1
        return left

    def _fix(self, edge, face_ids) -> bool:
        """Take one sheet (an a->b and a b->a triangle) off the edge; True if it is manifold
        now."""
        a, b = edge
        tris = {f: tuple(int(v) for v in self.faces[f]) for f in face_ids}
        forward = [f for f in face_ids if _directed(tris[f], a, b)]
        backward = [f for f in face_ids if f not in forward]
        if len(forward) != len(backward):             # not an oriented closed surface here
            return False
        for f in forward:                              # back-to-back copies: delete them
            for g in backward:
                if _third(tris[f], a, b) == _third(tris[g], a, b):
                    self.removed += [f, g]
                    self.touched.update((f, g))
                    return len(face_ids) == 4
        normal = {f: _unit_normal(self.points, tris[f]) for f in face_ids}
        best = None
        for f in forward:
            for g in backward:
                c, d = _third(tris[f], a, b), _third(tris[g], a, b)
                if self._exists(c, d):
                    continue
                new = ((c, a, d), (d, b, c))
                # How well the new triangles face the way the pair did: a fold scores < 0.
                pair = [x + y for x, y in zip(normal[f], normal[g])]
                score = min(_dot(_unit_normal(self.points, t), pair) for t in new)
                if best is None or score > best[0]:
                    best = (score, f, g, new, c, d)
        if best is None:
            return False
        _, f, g, new, c, d = best
        self.faces[f], self.faces[g] = new
        self.added.add(self._key(c, d))
        self.touched.update((f, g))
        return len(face_ids) == 4


def repair_manifold(points: np.ndarray, faces: np.ndarray, max_rounds: int = 8):
    """(points, faces, edges repaired, edges left): fins deleted and pinches flipped apart
    (see the module doc); points no triangle uses any more are dropped."""
    faces = np.array(faces, dtype=np.int64, copy=True)
    points = np.asarray(points, dtype=np.float64)
    job = _Repair(points, faces)
    found = left = len(job.bad)
    for _ in range(max_rounds):
        if not job.bad:
            left = 0
            break
        left = job.run()
        if not left and not job.removed:              # every edge fixed by a flip: done
            break
        if not job.touched:                           # nothing more can be done
            break
        if job.removed:
            keep = np.ones(len(faces), bool)
            keep[job.removed] = False
            kept = faces[keep]
        else:
            kept = faces
        subset = job.next_subset(kept)
        faces = kept
        job = _Repair(points, faces, subset, job.existing, job.added)
        left = len(job.bad)
    used = np.zeros(len(points), bool)
    used[faces.ravel()] = True
    if not used.all():
        new_index = np.cumsum(used) - 1
        points, faces = points[used], new_index[faces]
    if left:
        log.warning("%d non-manifold edges could not be repaired", left)
    return points, faces, found - left, left
