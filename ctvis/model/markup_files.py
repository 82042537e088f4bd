"""Markups to and from files: 3D Slicer's markups JSON (``.mrk.json``) and a CSV table.

Slicer's schema (markups-schema-v1.0.3.json): a file holds ``markups``, each with a
``type``, a ``coordinateSystem`` (LPS or RAS; RAS points have x and y negated), its
``controlPoints`` (``position``, ``label``) and ``measurements``.  ctvis reads LPS and RAS
and writes LPS.  Kinds map to Slicer's types:

- line → ``Line``; angle → ``Angle``; polygon → ``ClosedCurve``;
- point → ``Fiducial`` (a Slicer point list: each of its control points is read as one point);
- ellipse and sphere → ``ROI`` (``roiType`` ``Box``: Slicer has no ellipse or sphere), its
  ``center``, ``size`` and ``orientation`` the box around the shape — flat (size 0 across
  the slice) for an ellipse, a cube for a sphere — with ctvis's figures in
  ``measurements``.  Each markup also carries a ``ctvis`` object (kind, control points in
  LPS, slice axis, id) that ctvis reads back exactly; Slicer ignores keys it does not know.
  An ROI without it (made in Slicer) is read as a sphere when its box is a cube, as an
  ellipse when it is flat, and is otherwise left out (the reader says so in ``notes``).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.image.roi_stats import plane_axes
from ctvis.model.markups import (FIGURES, KINDS, POINT_COUNT, TITLES, Markup, measure,
                                  plane_of)

SCHEMA = ("https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/"
          "Resources/Schema/markups-schema-v1.0.3.json#")
SLICER_TYPE = {"line": "Line", "angle": "Angle", "point": "Fiducial", "polygon": "ClosedCurve",
               "ellipse": "ROI", "sphere": "ROI"}
_KIND_OF_TYPE = {"Line": "line", "Angle": "angle", "Fiducial": "point",
                 "ClosedCurve": "polygon", "Curve": "polygon"}
_FLIP = np.array([-1.0, -1.0, 1.0])          # LPS <-> RAS
_UNITS = {"length_mm": ("length", "mm"), "angle_deg": ("angle", "deg"),
          "area_mm2": ("area", "mm2"), "volume_ml": ("volume", "ml"), "mean": ("mean", "HU"),
          "sd": ("standard deviation", "HU"), "min": ("minimum", "HU"),
          "max": ("maximum", "HU"), "pixels": ("voxel count", ""), "hu": ("intensity", "HU")}


class MarkupFileError(CtvisError, ValueError):
    """A markups file that cannot be read or written."""


# ------------------------------------------------------------------------ write
def to_slicer(markups, volume=None) -> dict:
    """The ``.mrk.json`` document of ``markups`` (LPS; figures when a volume is given)."""
    return {"@schema": SCHEMA, "markups": [_markup_json(m, volume) for m in markups]}


def write_mrk_json(markups, path, volume=None) -> Path:
    path = Path(path)
    text = json.dumps(to_slicer(markups, volume), indent=2)
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    except OSError as exc:
        raise MarkupFileError(f"{path}: cannot write the markups ({exc.strerror or exc})") \
            from None
    return path


def _control_point(n: int, label: str, lps) -> dict:
    return {"id": str(n + 1), "label": label, "description": "", "associatedNodeID": "",
            "position": [float(v) for v in lps],
            "orientation": [-1.0, -0.0, -0.0, -0.0, -1.0, -0.0, 0.0, 0.0, 1.0],
            "selected": True, "locked": False, "visibility": True,
            "positionStatus": "defined"}


def _markup_json(m: Markup, volume) -> dict:
    pts = m.array
    out = {"type": SLICER_TYPE[m.kind], "name": m.name, "coordinateSystem": "LPS",
           "coordinateUnits": "mm", "locked": False, "labelFormat": "%N-%d"}
    if m.kind in ("ellipse", "sphere"):
        centre, size, orient = _box(m, volume)
        out.update({"roiType": "Box", "center": centre.tolist(), "size": size.tolist(),
                    "orientation": orient.T.ravel().tolist(), "insideOut": False})
        points = [_control_point(0, m.name, centre)]
    elif m.kind == "point":
        points = [_control_point(0, m.name, pts[0])]
    else:
        points = [_control_point(n, f"{m.name}-{n + 1}", p) for n, p in enumerate(pts)]
    out["controlPoints"] = points
    out["measurements"] = [] if volume is None else _measurements(m, volume)
    out["ctvis"] = {"kind": m.kind, "id": m.id, "axis": m.axis,
                    "points": [list(p) for p in m.points]}
    return out


def _box(m: Markup, volume):
    """(centre, size, orientation 3×3 whose columns are the box's axes) around an ellipse or
    sphere.  An ellipse's box lies along its slice's index axes (patient axes without a
    volume)."""
    centre, corner = m.array
    if m.kind == "sphere":
        r = float(np.linalg.norm(corner - centre))
        return centre, np.array([2 * r] * 3), np.eye(3)
    axis = None if volume is None else (plane_of(m, volume) or (None,))[0]
    if axis is None:
        return centre, np.append(2 * np.abs(corner - centre)[:2], 0.0), np.eye(3)
    u, v = plane_axes(axis)
    m3 = volume.index_to_patient_matrix[:3, :3]
    cols = [m3[:, 2 - a] / np.linalg.norm(m3[:, 2 - a]) for a in (v, u, axis)]  # x-like first
    orient = np.stack(cols, axis=1)
    d = corner - centre
    size = np.array([2 * abs(d @ orient[:, 0]), 2 * abs(d @ orient[:, 1]), 0.0])
    return centre, size, orient


def _measurements(m: Markup, volume) -> list:
    out = []
    for key, value in measure(m, volume).items():
        if key not in _UNITS or value is None or (isinstance(value, float) and value != value):
            continue
        name, units = _UNITS[key]
        out.append({"name": name, "enabled": True, "value": value, "units": units,
                    "printFormat": "%-#4.4g%s"})
    return out


# ------------------------------------------------------------------------- read
def read_mrk_json(path) -> tuple[tuple, list]:
    """(markups, notes) from a ``.mrk.json`` file; notes name what was left out."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise MarkupFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MarkupFileError(f"{path}: not a markups JSON file ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("markups"), list):
        raise MarkupFileError(f"{path}: not a markups JSON file (no 'markups' list)")
    out, notes = [], []
    for n, item in enumerate(doc["markups"]):
        try:
            made, note = _from_json(item, n)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise MarkupFileError(f"{path}: markup {n + 1} is damaged ({exc})") from None
        out += made
        if note:
            notes.append(f"{path}: {note}")
    return tuple(out), notes


def _lps(position, system: str) -> np.ndarray:
    p = np.asarray(position, dtype=float).reshape(3)
    return p * _FLIP if system == "RAS" else p


def _from_json(item: dict, n: int):
    if not isinstance(item, dict):
        raise TypeError("not an object")
    system = str(item.get("coordinateSystem", "LPS")).upper()
    if system not in ("LPS", "RAS"):
        raise ValueError(f"unknown coordinateSystem {system!r} (LPS or RAS)")
    own = item.get("ctvis")
    if isinstance(own, dict) and own.get("kind") in KINDS:        # written by ctvis: exact
        return [Markup(own["kind"], tuple(map(tuple, own["points"])),
                       item.get("name") or "", own.get("axis"), str(own.get("id") or ""))], None
    kind_type = item.get("type")
    points = [p for p in item.get("controlPoints") or []
              if p.get("positionStatus", "defined") == "defined"]
    lps = [_lps(p["position"], system) for p in points]
    name = item.get("name") or ""
    if kind_type == "Fiducial":
        return [Markup("point", (tuple(p),), points[i].get("label") or name)
                for i, p in enumerate(lps)], None
    if kind_type == "ROI":
        return _roi(item, system, name, n)
    kind = _KIND_OF_TYPE.get(kind_type)
    if kind is None:
        return [], f"markup {n + 1}: type {kind_type!r} is not one ctvis shows; left out"
    if kind == "polygon" and len(lps) < 3:
        return [], f"markup {n + 1}: a closed curve of {len(lps)} points; left out"
    need = POINT_COUNT.get(kind)
    if need is not None and len(lps) != need:        # being placed in Slicer when saved
        return [], (f"markup {n + 1}: {kind_type} with {len(lps)} placed points "
                    f"(needs {need}); left out")
    return [Markup(kind, tuple(map(tuple, lps)), name)], None


def _roi(item: dict, system: str, name: str, n: int):
    centre = _lps(item["center"], system)
    size = np.asarray(item["size"], dtype=float).reshape(3)
    orient = np.asarray(item.get("orientation", np.eye(3).ravel()), float).reshape(3, 3).T
    if system == "RAS":
        orient = orient * _FLIP[:, None]
    if np.allclose(size, size[0], rtol=1e-3) and size[0] > 0:
        surface = centre + orient[:, 0] * size[0] / 2
        return [Markup("sphere", (tuple(centre), tuple(surface)), name)], None
    flat = np.sort(size)
    if flat[0] <= 1e-6 * max(flat[2], 1.0) and flat[1] > 0:
        corner = centre + orient @ (size / 2)
        return [Markup("ellipse", (tuple(centre), tuple(corner)), name)], None
    return [], f"markup {n + 1}: a box ROI (ctvis has ellipses and spheres); left out"


# -------------------------------------------------------------------------- csv
CSV_COLUMNS = ("name", "type") + tuple(header for header, _ in FIGURES.values())


def table_rows(markups, volume) -> list[dict]:
    """One row per markup: name, type and its figures under FIGURES' headers with units."""
    rows = []
    for m in markups:
        figures = measure(m, volume) if volume is not None else {}
        row = {"name": m.name, "type": TITLES[m.kind]}
        for key, (header, fmt) in FIGURES.items():
            v = figures.get(key)
            row[header] = "" if v is None or (isinstance(v, float) and v != v) else \
                fmt.format(int(v) if fmt == "{:d}" else v)
        rows.append(row)
    return rows


def write_csv(markups, volume, path) -> Path:
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            with open(tmp, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
                writer.writeheader()
                writer.writerows(table_rows(markups, volume))
    except OSError as exc:
        raise MarkupFileError(f"{path}: cannot write the table ({exc.strerror or exc})") \
            from None
    return path
