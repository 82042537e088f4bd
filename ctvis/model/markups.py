"""Markups: rulers, angles, points and regions of interest the user places on the slices.

A :class:`Markup` is a small frozen value (no Qt, no VTK): its kind, name, control points in
patient LPS mm, and the array axis of the slice plane it was drawn on.  The viewer keeps
them as a tuple in ``ViewerState.markups`` (one event when any is added, moved, renamed or
removed; a session saves them).  Figures are measured on the Volume:

==========  ==============================  =======================================
kind        control points                  figures
==========  ==============================  =======================================
line        two ends                        length (mm)
angle       arm end, vertex, arm end        angle at the vertex (degrees)
point       the point                       LPS position, HU of the voxel there
ellipse     centre, a corner of its box     area (mm²), HU mean, SD, min, max, pixels
polygon     its vertices (closed)           area (mm²), HU mean, SD, min, max, pixels
sphere      centre, a point on its surface  volume (mL), HU mean, SD, min, max, voxels
==========  ==============================  =======================================

An ellipse's axes run along the two array axes of its slice (as the slice views show
them), its box from the centre to the corner; ellipse and polygon statistics are over the
voxels of that one slice whose centres lie inside (``ctvis.core.image.roi_stats``).
"""
from __future__ import annotations

import math
import uuid
import weakref
from dataclasses import dataclass, replace

import numpy as np

from ctvis.core.image import roi_stats

KINDS = ("line", "angle", "point", "ellipse", "polygon", "sphere")
TITLES = {"line": "Line", "angle": "Angle", "point": "Point", "ellipse": "Ellipse",
          "polygon": "Polygon", "sphere": "Sphere"}
POINT_COUNT = {"line": 2, "angle": 3, "point": 1, "ellipse": 2, "sphere": 2}   # polygon: 3+
ON_A_SLICE = ("line", "angle", "ellipse", "polygon")      # drawn on the slice they lie on
def new_id() -> str:
    # Random, not counted: markups opened from a file keep their ids beside new ones.
    return "m" + uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Markup:
    kind: str
    points: tuple                    # ((x, y, z), ...) patient LPS mm
    name: str = ""
    axis: int | None = None          # array axis normal to the slice it lies on (None: found
    #                                  from the points, e.g. a markup read from a file)
    id: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown markup kind {self.kind!r} (one of {', '.join(KINDS)})")
        try:
            pts = np.asarray(self.points, dtype=float).reshape(-1, 3)
        except (TypeError, ValueError):
            raise ValueError(f"a {self.kind}'s points are (x, y, z) triples, got "
                             f"{self.points!r}") from None
        if not np.all(np.isfinite(pts)):
            raise ValueError(f"a {self.kind}'s points must be finite")
        need = POINT_COUNT.get(self.kind)
        if (need is not None and len(pts) != need) or (need is None and len(pts) < 3):
            raise ValueError(f"a {self.kind} has {need or 'at least 3'} control points, "
                             f"got {len(pts)}")
        if self.axis is not None and self.axis not in (0, 1, 2):
            raise ValueError(f"a markup's slice axis is 0, 1 or 2, got {self.axis!r}")
        object.__setattr__(self, "points", tuple(tuple(float(v) for v in p) for p in pts))
        object.__setattr__(self, "id", self.id or new_id())
        object.__setattr__(self, "name", str(self.name or TITLES[self.kind]))

    @property
    def array(self) -> np.ndarray:
        return np.array(self.points, dtype=float)

    # ------------------------------------------------------------------ edits
    def with_point(self, n: int, lps) -> "Markup":
        """Control point ``n`` moved to ``lps``; an ellipse's or sphere's centre (point 0)
        carries the whole markup along."""
        pts = self.array
        lps = np.asarray(lps, dtype=float)
        if n == 0 and self.kind in ("ellipse", "sphere"):
            pts = pts + (lps - pts[0])
        else:
            pts[n] = lps
        return replace(self, points=tuple(map(tuple, pts)))

    def translated(self, delta) -> "Markup":
        return replace(self, points=tuple(map(tuple, self.array + np.asarray(delta, float))))

    # ---------------------------------------------------------------- session
    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "axis": self.axis,
                "points": [list(p) for p in self.points]}

    @classmethod
    def from_dict(cls, d: dict) -> "Markup":
        return cls(kind=d["kind"], points=tuple(map(tuple, d["points"])),
                   name=d.get("name", ""), axis=d.get("axis"), id=str(d.get("id") or ""))


# ------------------------------------------------------------------ collection
def check_markups(value) -> tuple:
    """The state's ``markups`` field: a tuple of Markups with distinct ids."""
    out = tuple(value)
    for m in out:
        if not isinstance(m, Markup):
            raise TypeError(f"markups are Markup objects, got {type(m).__name__}")
    if len({m.id for m in out}) != len(out):
        raise ValueError("two markups have the same id")
    return out


def find(markups, markup_id: str) -> Markup | None:
    return next((m for m in markups if m.id == markup_id), None)


def replaced(markups, markup: Markup) -> tuple:
    """``markups`` with the one of ``markup``'s id replaced (added at the end if absent)."""
    if find(markups, markup.id) is None:
        return tuple(markups) + (markup,)
    return tuple(markup if m.id == markup.id else m for m in markups)


def removed(markups, markup_id: str) -> tuple:
    return tuple(m for m in markups if m.id != markup_id)


def next_name(markups, kind: str) -> str:
    """"Line 3": the kind's title and one more than the highest number in use."""
    title = TITLES[kind]
    used = [int(m.name[len(title):]) for m in markups
            if m.name.startswith(title + " ") and m.name[len(title):].strip().isdigit()]
    return f"{title} {max(used, default=0) + 1}"


# ------------------------------------------------------------------ geometry
def _round(x) -> np.ndarray:
    # Half-up with slack, as ViewerState.crosshair_index: a point on slice k stays on it.
    return np.floor(np.asarray(x, float) + 0.5 + 1e-6).astype(int)


def plane_of(markup: Markup, volume) -> tuple[int, int] | None:
    """(array axis, slice index) of the slice a line, angle, ellipse or polygon lies on:
    its own axis, else the axis along which all its points share a slice (the nearest
    agreement first); None when they share none (a line across slices)."""
    if markup.kind not in ON_A_SLICE:
        return None
    kji = volume.patient_to_index(markup.array)
    axes = [markup.axis] if markup.axis is not None else \
        sorted(range(3), key=lambda a: np.ptp(kji[:, a]))
    for axis in axes:
        if np.ptp(kji[:, axis]) < 0.5 or markup.axis is not None:
            return axis, int(_round(kji[:, axis].mean()))
    return None


def shows_on(markup: Markup, volume, axis: int, index: int) -> bool:
    """Whether slice ``index`` along array ``axis`` shows ``markup`` (a point on its slice,
    a sphere cut by it, the others on the slice they lie on)."""
    if markup.kind == "point":
        return int(_round(volume.patient_to_index(markup.array[0])[axis])) == index
    if markup.kind == "sphere":
        return sphere_section(markup, volume, axis, index) is not None
    plane = plane_of(markup, volume)
    return plane is not None and plane == (axis, index)


def focus_point(markup: Markup) -> np.ndarray:
    """Where the crosshair goes to show a markup: an angle's vertex, an ellipse's, sphere's
    or point's centre, the middle of a line or polygon (all on its slice)."""
    pts = markup.array
    if markup.kind == "angle":
        return pts[1]
    if markup.kind in ("ellipse", "sphere", "point"):
        return pts[0]
    return pts.mean(axis=0)


def radius_mm(markup: Markup) -> float:
    """A sphere's radius, an ellipse's centre-to-corner distance."""
    a, b = markup.array[:2]
    return float(np.linalg.norm(b - a))


def sphere_section(markup: Markup, volume, axis: int, index: int):
    """(centre LPS, radius mm) of the circle slice ``index`` along ``axis`` cuts from a
    sphere, None when it misses."""
    centre, r = markup.array[0], radius_mm(markup)
    inv = np.linalg.inv(volume.index_to_patient_matrix[:3, :3])
    grad = inv[2 - axis]                          # d(index along axis) / d(mm)
    c_index = volume.patient_to_index(centre)[axis]
    g = float(np.linalg.norm(grad))
    signed = (index - c_index) / g                # mm from the centre to the plane
    if abs(signed) > r:
        return None
    return centre + grad / g * signed, math.sqrt(max(r * r - signed * signed, 0.0))


def ellipse_uv(markup: Markup, volume, axis: int):
    """(centre, radii) of an ellipse in index units of its slice's two array axes."""
    u, v = roi_stats.plane_axes(axis)
    c, q = volume.patient_to_index(markup.array)
    return (c[u], c[v]), (abs(q[u] - c[u]), abs(q[v] - c[v]))


# ------------------------------------------------------------------- figures
_cache: dict = {}
_CACHE_MAX = 512


def measure(markup: Markup, volume) -> dict:
    """The markup's figures on ``volume`` (see the module's table; keys as in FIGURES)."""
    key = (markup, id(volume))
    hit = _cache.get(key)
    if hit is not None and hit[0]() is volume:
        return hit[1]
    figures = _measure(markup, volume)
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[key] = (weakref.ref(volume), figures)
    return figures


def _measure(markup: Markup, volume) -> dict:
    pts = markup.array
    if markup.kind == "line":
        return {"length_mm": float(np.linalg.norm(pts[1] - pts[0]))}
    if markup.kind == "angle":
        a, b = pts[0] - pts[1], pts[2] - pts[1]
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        if na == 0 or nb == 0:
            return {"angle_deg": float("nan")}
        cos = float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))
        return {"angle_deg": math.degrees(math.acos(cos))}
    if markup.kind == "point":
        x, y, z = pts[0]
        kji = _round(volume.patient_to_index(pts[0]))
        inside = np.all(kji >= 0) and np.all(kji < volume.shape)
        hu = float(volume.array[tuple(kji)]) if inside else float("nan")
        return {"x_mm": float(x), "y_mm": float(y), "z_mm": float(z), "hu": hu}
    if markup.kind == "sphere":
        return roi_stats.sphere_stats(volume, pts[0], radius_mm(markup))
    plane = plane_of(markup, volume)
    if plane is None:                                  # not on one slice: no statistics
        return {"area_mm2": float("nan"), **roi_stats.stats(())}
    axis, index = plane
    if markup.kind == "ellipse":
        centre, radii = ellipse_uv(markup, volume, axis)
        return roi_stats.ellipse_stats(volume, axis, index, centre, radii)
    u, v = roi_stats.plane_axes(axis)
    kji = volume.patient_to_index(pts)
    return roi_stats.polygon_stats(volume, axis, index, kji[:, [u, v]])


# The table's columns: figure key -> (header with unit, format).
FIGURES = {"length_mm": ("length (mm)", "{:.1f}"), "angle_deg": ("angle (deg)", "{:.1f}"),
           "x_mm": ("x (mm)", "{:.1f}"), "y_mm": ("y (mm)", "{:.1f}"),
           "z_mm": ("z (mm)", "{:.1f}"), "hu": ("HU", "{:.0f}"),
           "area_mm2": ("area (mm2)", "{:.1f}"), "volume_ml": ("volume (mL)", "{:.2f}"),
           "mean": ("mean (HU)", "{:.1f}"), "sd": ("SD (HU)", "{:.1f}"),
           "min": ("min (HU)", "{:.0f}"), "max": ("max (HU)", "{:.0f}"),
           "pixels": ("pixels", "{:d}")}


def summary(markup: Markup, figures: dict) -> str:
    """One short line for a label on the slice and the dock's table."""
    f = figures

    def num(key, fmt):
        v = f.get(key)
        return "–" if v is None or (isinstance(v, float) and v != v) else fmt.format(v)

    if markup.kind == "line":
        return f"{num('length_mm', '{:.1f}')} mm"
    if markup.kind == "angle":
        return f"{num('angle_deg', '{:.1f}')}°"
    if markup.kind == "point":
        return f"{num('hu', '{:.0f}')} HU"
    size = (f"{num('area_mm2', '{:.1f}')} mm²" if "area_mm2" in f
            else f"{num('volume_ml', '{:.2f}')} mL")
    return f"{size}, {num('mean', '{:.1f}')} ± {num('sd', '{:.1f}')} HU"
