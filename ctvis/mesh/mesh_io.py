"""Mesh files: binary STL, binary PLY, OBJ and VTP, with the coordinate system stated inside.

Every file says which patient coordinate system its millimetres are in, the way 3D Slicer
writes and reads it (``vtkMRMLModelStorageNode``):

- STL: the 80-byte binary header is ``ctvis output. SPACE=LPS`` (Slicer: ``3D Slicer output.
  SPACE=LPS``; Slicer reads any header containing ``SPACE=LPS`` / ``SPACE=RAS``);
- PLY: a header line ``comment SPACE=LPS``;
- OBJ: a first line ``# ctvis output. SPACE=LPS``;
- VTP: a field-data string array ``SPACE`` holding ``LPS``.

Several structures in one file: PLY and VTP carry a ``label`` point and cell array (the values of
:mod:`ctvis.core.labels`: 1 right lung, 2 left lung, 12 both lungs as one surface, 100 bone), OBJ one group (``g right``) per
structure, and the structure names are written beside (PLY comments ``structure 1 right``,
OBJ comments, VTP field data ``structures``/``labels``).  STL cannot carry labels: several
structures in one STL file are merged into one unlabelled mesh; ``split=True`` writes one
file per structure instead (``lungs_right.stl``, ``lungs_left.stl``).

All writes go to a temporary name in the target folder and are moved into place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError, LoadError
from ctvis.core.labels import STRUCTURES

__all__ = ["FORMATS", "MESH_FORMATS", "LABEL_FORMATS", "write_meshes", "write_mesh", "read_mesh",
           "merge_meshes"]

# MESH_FORMATS and LABEL_FORMATS (suffixes) come from FORMATS, the one list of mesh
# formats (suffix, name, labels or not, writer, reader), at the end of this module.
_KNOWN_LABELS = {name: label.value for name, label in STRUCTURES.items()}
_SPACE_RE = re.compile(r"SPACE=(LPS|RAS)", re.IGNORECASE)
HEADER_TEXT = "ctvis output. SPACE={space}"


def _suffix(path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in MESH_FORMATS:
        raise CtvisError(f"{path}: unknown mesh format {suffix or '(no suffix)'!r} "
                         f"(use {', '.join(MESH_FORMATS)})")
    return suffix


def triangle_faces(poly) -> np.ndarray:
    """(n, 3) int64 vertex indices of a PolyData's triangles (triangulated if needed)."""
    if poly.n_cells == 0:
        return np.empty((0, 3), np.int64)
    if not poly.is_all_triangles:
        poly = poly.triangulate()
    return np.asarray(poly.regular_faces, dtype=np.int64)


def _labels_for(names) -> dict:
    out, used = {}, set()
    for name in names:
        value = _KNOWN_LABELS.get(name)
        if value is None or value in used:
            value = max(list(used) + list(_KNOWN_LABELS.values())) + 1
        out[name] = value
        used.add(value)
    return out


def merge_meshes(meshes: dict):
    """One PolyData holding every structure, with ``label`` point and cell arrays."""
    import pyvista as pv

    labels = _labels_for(meshes)
    points, faces, normals, plabel, clabel = [], [], [], [], []
    offset = 0
    for name, mesh in meshes.items():
        p = np.asarray(mesh.points, dtype=np.float64)
        f = triangle_faces(mesh)
        points.append(p)
        faces.append(f + offset)
        normals.append(_normals(mesh))
        plabel.append(np.full(len(p), labels[name], np.uint8))
        clabel.append(np.full(len(f), labels[name], np.uint8))
        offset += len(p)
    merged = pv.PolyData.from_regular_faces(np.concatenate(points), np.concatenate(faces))
    merged.point_data["Normals"] = np.concatenate(normals)
    merged.point_data["label"] = np.concatenate(plabel)
    merged.cell_data["label"] = np.concatenate(clabel)
    merged.field_data["structures"] = np.array(list(labels))
    merged.field_data["labels"] = np.array(list(labels.values()), dtype=np.int32)
    return merged


def _normals(mesh) -> np.ndarray:
    n = mesh.point_data.get("Normals")
    if n is None or len(n) != mesh.n_points:
        n = mesh.compute_normals(cell_normals=False, split_vertices=False,
                                 consistent_normals=False, auto_orient_normals=False)[
            "Normals"]
    return np.asarray(n, dtype=np.float64)


def _to_space(mesh, ras: bool):
    """``mesh``, or a copy with points and normals in RAS (x, y negated) when asked.

    Negating two axes is a rotation by 180° about z (determinant +1): triangle winding, and so
    the outward orientation, is unchanged.
    """
    if not ras:
        return mesh                 # the writers only read it: no copy of a large mesh
    out = mesh.copy(deep=True)
    flip = np.array([-1.0, -1.0, 1.0])
    out.points = np.asarray(out.points) * flip
    if "Normals" in out.point_data:
        out.point_data["Normals"] = np.asarray(out.point_data["Normals"]) * flip
    return out


# ----------------------------------------------------------------------------------- write
def write_meshes(meshes: dict, path, ras: bool = False, split: bool = False) -> list[Path]:
    """Write ``{name: PolyData}`` (LPS mm) to ``path``; the suffix picks the format.

    One structure: one file.  Several: one file with labels (PLY, OBJ, VTP), one merged
    unlabelled mesh (STL), or with ``split=True`` one file per structure named
    ``<stem>_<name><suffix>``.  Returns the paths written.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not meshes:
        raise CtvisError(f"{path}: no mesh to write")
    if len(meshes) == 1:
        (name, mesh), = meshes.items()
        return [write_mesh(mesh, path, ras=ras, name=name)]
    if split:
        stem = path.name[: -len(path.suffix)]
        return [write_mesh(mesh, path.with_name(f"{stem}_{name}{path.suffix}"), ras=ras,
                           name=name) for name, mesh in meshes.items()]
    merged = merge_meshes(meshes)
    if not FORMAT[suffix].labels:
        for key in ("label",):
            merged.point_data.pop(key, None)
            merged.cell_data.pop(key, None)
    return [write_mesh(merged, path, ras=ras, name="+".join(meshes))]


def write_mesh(mesh, path, ras: bool = False, name: str | None = None) -> Path:
    """Write one PolyData (LPS mm) to ``path`` in LPS, or RAS with ``ras=True``."""
    path = Path(path)
    suffix = _suffix(path)
    space = "RAS" if ras else "LPS"
    mesh = _to_space(mesh, ras)
    if name is None and "structure" in mesh.field_data:
        name = str(mesh.field_data["structure"][0])
    structures = _structures_of(mesh, name)
    writer = FORMAT[suffix].write
    with atomic_path(path) as tmp:
        writer(mesh, tmp, space, structures)
    return path


def _structures_of(mesh, name):
    """[(label, name)] of the structures in ``mesh``."""
    if "structures" in mesh.field_data and "labels" in mesh.field_data:
        return [(int(v), str(n)) for n, v in zip(mesh.field_data["structures"],
                                                 mesh.field_data["labels"])]
    if name:
        return [(_labels_for([name])[name], name)]
    return []


STL_CHUNK = 500_000                  # triangles per write: their corners and records, not all


def _write_stl(mesh, path, space, structures) -> None:
    faces = triangle_faces(mesh)
    p = np.asarray(mesh.points, dtype=np.float64)
    record = np.dtype([("normal", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    header = HEADER_TEXT.format(space=space).encode("ascii")
    if structures:
        header += (" " + ",".join(n for _, n in structures)).encode("ascii", "replace")
    columns = p.T.copy()             # x, y, z: 1-D gathers, twice as fast as (n, 3) rows
    with open(path, "wb") as fh:
        fh.write(header[:80].ljust(80, b"\0"))
        fh.write(np.uint32(len(faces)).tobytes())
        for start in range(0, len(faces), STL_CHUNK):
            f = faces[start:start + STL_CHUNK]
            data = np.zeros(len(f), record)
            a, b, c = ([axis[f[:, i]] for axis in columns] for i in range(3))
            for i, corner in enumerate((a, b, c)):
                for j in range(3):
                    data["v"][:, i, j] = corner[j]
            u, v = [b[j] - a[j] for j in range(3)], [c[j] - a[j] for j in range(3)]
            normal = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2],
                      u[0] * v[1] - u[1] * v[0])
            length = np.sqrt(normal[0] ** 2 + normal[1] ** 2 + normal[2] ** 2)
            for j in range(3):
                data["normal"][:, j] = np.divide(normal[j], length, where=length > 0,
                                                 out=np.zeros_like(length))
            fh.write(data.tobytes())


def _write_ply(mesh, path, space, structures) -> None:
    faces = triangle_faces(mesh)
    p = np.asarray(mesh.points, dtype=np.float32)
    normals = _normals(mesh).astype(np.float32)
    has_label = "label" in mesh.point_data and "label" in mesh.cell_data
    lines = ["ply", "format binary_little_endian 1.0", "comment ctvis output",
             f"comment SPACE={space}"]
    lines += [f"comment structure {v} {n}" for v, n in structures]
    lines += [f"element vertex {len(p)}", "property float x", "property float y",
              "property float z", "property float nx", "property float ny", "property float nz"]
    vdtype = [("p", "<f4", 3), ("n", "<f4", 3)]
    fdtype = [("count", "u1"), ("idx", "<i4", 3)]
    if has_label:
        lines.append("property uchar label")
        vdtype.append(("label", "u1"))
    lines += [f"element face {len(faces)}", "property list uchar int vertex_indices"]
    if has_label:
        lines.append("property uchar label")
        fdtype.append(("label", "u1"))
    lines.append("end_header")
    vert = np.zeros(len(p), vdtype)
    vert["p"], vert["n"] = p, normals
    face = np.zeros(len(faces), fdtype)
    face["count"], face["idx"] = 3, faces
    if has_label:
        vert["label"] = mesh.point_data["label"]
        face["label"] = mesh.cell_data["label"]
    with open(path, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode("ascii"))
        fh.write(vert.tobytes())
        fh.write(face.tobytes())


def _write_obj(mesh, path, space, structures) -> None:
    faces = triangle_faces(mesh)
    p = np.asarray(mesh.points, dtype=np.float64)
    n = _normals(mesh)
    lines = [f"# {HEADER_TEXT.format(space=space)}"]
    lines += [f"# structure {v} {name}" for v, name in structures]
    if "label" in mesh.cell_data and len(structures) > 1:
        clabel = np.asarray(mesh.cell_data["label"])
        groups = [(name, faces[clabel == v]) for v, name in structures]
    else:
        groups = [(structures[0][1] if structures else "mesh", faces)]
    with open(path, "w", encoding="ascii") as fh:
        fh.write("\n".join(lines) + "\n")
        # Coordinates at 9 significant digits: float32 round-trips exactly.
        np.savetxt(fh, p, fmt="v %.9g %.9g %.9g")
        np.savetxt(fh, n, fmt="vn %.6g %.6g %.6g")
        for name, f in groups:
            fh.write(f"g {name}\n")
            f1 = f + 1
            np.savetxt(fh, np.repeat(f1, 2, axis=1), fmt="f %d//%d %d//%d %d//%d")


def _write_vtp(mesh, path, space, structures) -> None:
    out = mesh.copy(deep=False)
    out.field_data["SPACE"] = np.array([space])
    if structures and "structures" not in out.field_data:
        out.field_data["structures"] = np.array([n for _, n in structures])
        out.field_data["labels"] = np.array([v for v, _ in structures], dtype=np.int32)
    out.save(str(path), binary=True)


# ------------------------------------------------------------------------------------ read
def read_mesh(path):
    """Read a mesh file as PolyData; ``field_data['SPACE']`` says LPS, RAS or '' (unknown).

    Labelled files keep their ``label`` arrays and ``structures``/``labels`` field data.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    try:
        mesh, space, structures = FORMAT[suffix].read(path)
    except CtvisError:
        raise
    except Exception as exc:
        raise LoadError(f"{path}: not a readable {suffix[1:].upper()} mesh ({exc})") from None
    mesh.field_data["SPACE"] = np.array([space])
    if structures:
        mesh.field_data["structures"] = np.array([n for _, n in structures])
        mesh.field_data["labels"] = np.array([v for v, _ in structures], dtype=np.int32)
    return mesh


def _space_in(text: str) -> str:
    m = _SPACE_RE.search(text or "")
    return m.group(1).upper() if m else ""


def _from_triangles(tri: np.ndarray):
    """PolyData from (n, 3, 3) triangle corners, equal corners merged into one point."""
    import pyvista as pv

    flat = tri.reshape(-1, 3)
    points, inverse = np.unique(flat, axis=0, return_inverse=True)
    return pv.PolyData.from_regular_faces(points.astype(np.float64),
                                          inverse.reshape(-1, 3).astype(np.int64))


def _read_stl(path):
    raw = path.read_bytes()
    if len(raw) >= 84:
        n = int(np.frombuffer(raw, "<u4", 1, 80)[0])
        if 84 + 50 * n == len(raw):
            record = np.dtype([("normal", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
            data = np.frombuffer(raw, record, n, 84)
            header = raw[:80].split(b"\0")[0].decode("ascii", "replace")
            return _from_triangles(data["v"]), _space_in(header), []
    import pyvista as pv
    from vtkmodules.vtkIOGeometry import vtkSTLReader

    reader = vtkSTLReader()                         # ASCII STL
    reader.SetFileName(str(path))
    reader.Update()
    return pv.wrap(reader.GetOutput()), _space_in(reader.GetHeader() or ""), []


_PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "<i2",
              "int16": "<i2", "ushort": "<u2", "uint16": "<u2", "int": "<i4", "int32": "<i4",
              "uint": "<u4", "uint32": "<u4", "float": "<f4", "float32": "<f4",
              "double": "<f8", "float64": "<f8"}


def _read_ply(path):
    import pyvista as pv

    raw = path.read_bytes()
    end = raw.find(b"end_header")
    if not raw.startswith(b"ply") or end < 0:
        raise LoadError(f"{path}: not a PLY file")
    body = raw.index(b"\n", end) + 1
    header = raw[:body].decode("ascii", "replace").splitlines()
    comments = [h[8:] for h in header if h.startswith("comment ")]
    space = next((_space_in(c) for c in comments if _space_in(c)), "")
    structures = []
    for c in comments:
        parts = c.split()
        if len(parts) == 3 and parts[0] == "structure" and parts[1].isdigit():
            structures.append((int(parts[1]), parts[2]))
    fmt = next(h.split()[1] for h in header if h.startswith("format "))
    elements, current = [], None
    for h in header:
        parts = h.split()
        if parts[:1] == ["element"]:
            current = (parts[1], int(parts[2]), [])
            elements.append(current)
        elif parts[:1] == ["property"] and current is not None:
            current[2].append(parts[1:])
    simple = (fmt == "binary_little_endian" and [e[0] for e in elements] == ["vertex", "face"]
              and all(len(p) == 2 for p in elements[0][2]))
    if simple:
        vdtype = [(p[1], _PLY_TYPES[p[0]]) for p in elements[0][2]]
        fdtype = []
        for p in elements[1][2]:
            if p[0] == "list":
                fdtype += [("count", _PLY_TYPES[p[1]]), ("idx", _PLY_TYPES[p[2]], 3)]
            else:
                fdtype.append((p[1], _PLY_TYPES[p[0]]))
        vert = np.frombuffer(raw, np.dtype(vdtype), elements[0][1], body)
        face = np.frombuffer(raw, np.dtype(fdtype), elements[1][1],
                             body + elements[0][1] * np.dtype(vdtype).itemsize)
        if "count" in face.dtype.names and np.all(face["count"] == 3):
            points = np.stack([vert["x"], vert["y"], vert["z"]], axis=1).astype(np.float64)
            mesh = pv.PolyData.from_regular_faces(points, face["idx"].astype(np.int64))
            if {"nx", "ny", "nz"} <= set(vert.dtype.names):
                mesh.point_data["Normals"] = np.stack([vert["nx"], vert["ny"], vert["nz"]],
                                                      axis=1)
            if "label" in vert.dtype.names:
                mesh.point_data["label"] = np.asarray(vert["label"])
            if "label" in face.dtype.names:
                mesh.cell_data["label"] = np.asarray(face["label"])
            return mesh, space, structures
    from vtkmodules.vtkIOPLY import vtkPLYReader      # ASCII, big-endian, polygons...

    reader = vtkPLYReader()
    reader.SetFileName(str(path))
    reader.Update()
    return pv.wrap(reader.GetOutput()), space, structures


def _read_obj(path):
    import pyvista as pv
    from vtkmodules.vtkIOGeometry import vtkOBJReader

    reader = vtkOBJReader()
    reader.SetFileName(str(path))
    reader.Update()
    mesh = pv.wrap(reader.GetOutput())
    comment = reader.GetComment() or ""
    structures = []
    for line in comment.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "structure" and parts[1].isdigit():
            structures.append((int(parts[1]), parts[2]))
    groups = mesh.cell_data.get("GroupIds")
    if groups is not None and structures and len(structures) > 1:
        values = np.array([v for v, _ in structures])
        ids = np.asarray(groups).astype(int)
        if ids.max() < len(values):
            mesh.cell_data["label"] = values[ids].astype(np.uint8)
    return mesh, _space_in(comment), structures


def _read_vtp(path):
    import pyvista as pv

    mesh = pv.read(str(path))
    space = str(mesh.field_data["SPACE"][0]) if "SPACE" in mesh.field_data else ""
    structures = []
    if "structures" in mesh.field_data and "labels" in mesh.field_data:
        structures = [(int(v), str(n)) for n, v in zip(mesh.field_data["structures"],
                                                       mesh.field_data["labels"])]
    return mesh, _space_in(f"SPACE={space}"), structures


# --------------------------------------------------------------------------- the formats
@dataclass(frozen=True)
class MeshFormat:
    suffix: str                     # ".stl"
    name: str                       # "STL": in help texts and file dialogs
    labels: bool                    # carries several labelled structures in one file
    write: Callable                 # (mesh, path, space, structures) -> None
    read: Callable                  # path -> (PolyData, space, [(label, name)])


# The one list of mesh formats: the writers and readers here, the CLI's help and check,
# the Lungs dock's save dialog and the docs all read it.
FORMATS = (MeshFormat(".stl", "STL", False, _write_stl, _read_stl),
           MeshFormat(".ply", "PLY", True, _write_ply, _read_ply),
           MeshFormat(".obj", "OBJ", True, _write_obj, _read_obj),
           MeshFormat(".vtp", "VTK PolyData", True, _write_vtp, _read_vtp))
FORMAT = {f.suffix: f for f in FORMATS}
MESH_FORMATS = tuple(f.suffix for f in FORMATS)
LABEL_FORMATS = tuple(f.suffix for f in FORMATS if f.labels)
