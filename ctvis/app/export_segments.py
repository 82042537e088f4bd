"""File ▸ Export segments, headless: a label map's segments as files other tools open.

One call writes, into a folder under one name, any of: the label map (a row of
``MASK_FORMATS``: NIfTI with a 3D Slicer colour table beside it, NRRD with the segment fields
in its header, or 3D Slicer's ``.seg.nrrd``), one mesh per segment (a row of the mesh
``FORMATS``, LPS or RAS) and a CSV table of volumes (name, value, mL, voxels).  Every file
goes through ``core/atomic.py``.  No Qt; VTK only when meshes are asked for.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.io.dispatch import DICOM_FORMAT
from ctvis.core.io.dispatch import FORMAT as FILE_FORMAT

# Label map formats by kind: MASK_FORMATS rows, then DICOM SEG and RTSTRUCT (those need the
# volume loaded from DICOM files; ``write_mask`` says so otherwise).
MASK_FORMAT = {**FILE_FORMAT, **DICOM_FORMAT}
from ctvis.core.progress import Progress
from ctvis.model.segment_volumes import volume_rows

TABLE_COLUMNS = ("name", "value", "volume_ml", "voxels")


@dataclass(frozen=True)
class SegmentExport:
    """What to write: ``folder``/``name`` + a suffix per file."""
    folder: Path
    name: str = "segments"
    mask_format: str | None = "seg.nrrd"     # a MASK_FORMATS kind, None: no label map
    mesh_format: str | None = ".stl"         # a mesh FORMATS suffix, None: no meshes
    ras: bool = False                        # meshes in RAS instead of LPS
    table: bool = True                       # the CSV of volumes

    def __post_init__(self):
        if self.mask_format is not None and self.mask_format not in MASK_FORMAT:
            raise CtvisError(f"unknown label map format {self.mask_format!r} (choose from "
                             f"{', '.join(MASK_FORMAT)})")
        if self.mesh_format is not None:
            from ctvis.mesh.mesh_io import MESH_FORMATS

            if self.mesh_format not in MESH_FORMATS:
                raise CtvisError(f"unknown mesh format {self.mesh_format!r} (choose from "
                                 f"{', '.join(MESH_FORMATS)})")
        if not self.name or "/" in self.name or self.name in (".", ".."):
            raise CtvisError(f"{self.name!r} is not a file name")


def file_part(name: str) -> str:
    """A segment name as part of a file name (letters, digits, - and _)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "segment"


def volume_table_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    for r in rows:
        writer.writerow([r["name"], r["value"], f"{r['ml']:.3f}", r["voxels"]])
    return out.getvalue()


def export_segments(volume, labelmap, request: SegmentExport, progress=None,
                    cancel=None) -> list[Path]:
    """Write ``labelmap`` (a LabelMap on ``volume``'s grid) as ``request`` asks; returns the
    paths written.  Empty segments get no mesh (the table says 0 voxels)."""
    from ctvis.core.io import write_mask

    tick = Progress(progress, cancel)
    folder = Path(request.folder)
    written = []
    rows = volume_rows(labelmap, volume.voxel_volume_mm3 / 1000.0)
    if request.mask_format is not None:
        tick(0.0, "writing the label map")
        suffix = MASK_FORMAT[request.mask_format].suffixes[0]
        written.append(write_mask(volume, labelmap.array, folder / f"{request.name}{suffix}",
                                  segments=labelmap.segments))
    if request.table:
        path = folder / f"{request.name}_volumes.csv"
        with atomic_path(path) as tmp:
            tmp.write_text(volume_table_csv(rows))
        written.append(path)
    if request.mesh_format is not None:
        written += _meshes(volume, labelmap, request, [r for r in rows if r["voxels"]],
                           tick.sub(0.1, 1.0))
    tick(1.0, "segments exported")
    return written


def _meshes(volume, labelmap, request, rows, tick) -> list[Path]:
    from ctvis.core.surface_options import SEGMENT_SURFACE
    from ctvis.mesh.mesh_io import write_mesh
    from ctvis.mesh.surfaces import surface_from_mask

    out, used = [], set()
    for i, row in enumerate(rows):
        step = tick.sub(i / len(rows), (i + 1) / len(rows))
        mesh = surface_from_mask(volume, labelmap.array == row["value"], name=row["name"],
                                 options=SEGMENT_SURFACE, progress=step)
        part = file_part(row["name"])
        part = f"{part}_{row['value']}" if part in used else part    # "a b" and "a_b"
        used.add(part)
        path = Path(request.folder) / f"{request.name}_{part}{request.mesh_format}"
        out.append(write_mesh(mesh, path, ras=request.ras, name=row["name"]))
    return out


__all__ = ["SegmentExport", "export_segments", "volume_table_csv", "file_part",
           "TABLE_COLUMNS"]
