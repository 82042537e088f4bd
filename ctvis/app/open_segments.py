"""File ▸ Open segments, headless: any mask file (NIfTI, NRRD, 3D Slicer ``.seg.nrrd``,
DICOM SEG, RTSTRUCT) read onto the open volume as a new label map with its table.

A DICOM object is placed on the series it references (``core.io.read_mask``); a file
without a table gets ctvis's default names and colours.  No Qt.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ctvis.core.progress import Progress
from ctvis.model.labelmap import LabelMap, Segment


def overlay_name(path, taken) -> str:
    """A new overlay's name: the file's name without its suffixes, made unique."""
    base = Path(path).name.split(".")[0] or "segments"
    name, n = base, 2
    while name in taken:
        name, n = f"{base} {n}", n + 1
    return name


def read_segments(volume, path, name: str = "segments", progress=None,
                  cancel=None) -> tuple[LabelMap, list[str]]:
    """(label map ``name`` on ``volume``'s grid with the file's table, warnings)."""
    from ctvis.core.io import read_mask
    from ctvis.core.io.label_tables import default_segments

    tick = Progress(progress, cancel)
    tick(0.0, f"reading {Path(path).name}")
    mask = read_mask(path, like=volume)
    present = set(np.unique(mask.array).tolist()) - {0}
    rows = [r for r in mask.meta.get("segments") or [] if r["value"] in present]
    rows += default_segments(present - {r["value"] for r in rows})
    origin = f"file {Path(path).name}"
    table = tuple(Segment(r["name"], r["value"], tuple(r["color"]), origin=origin)
                  for r in rows)
    tick(1.0, "read")
    return LabelMap(mask.array, table, name), list(mask.meta.get("warnings", []))


__all__ = ["read_segments", "overlay_name"]
