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


def pick_segment(labelmap: LabelMap, wanted: str, source) -> LabelMap:
    """``labelmap`` with only its segment named ``wanted`` (exactly, else ignoring case), or
    with that label value; a CtvisError lists the segments when there is none."""
    from ctvis.core.errors import CtvisError

    rows = labelmap.segments
    found = [s for s in rows if s.name == wanted] or \
        [s for s in rows if s.name.lower() == wanted.lower()] or \
        [s for s in rows if wanted.isdigit() and s.value == int(wanted)]
    if not found:
        names = ", ".join(f"{s.name} ({s.value})" for s in rows) or "none"
        raise CtvisError(f"{source}: no segment named {wanted!r} (segments: {names})")
    seg = found[0]
    array = np.where(labelmap.array == seg.value, labelmap.array, 0).astype(
        labelmap.array.dtype, copy=False)
    return LabelMap(array, (seg,), labelmap.name)


def mask_labelmap(volume, path, segment: str | None = None,
                  taken=()) -> tuple[LabelMap, list[str]]:
    """(label map of the mask file ``path`` on ``volume``'s grid, named after the file,
    with only segment ``segment`` when given; the mask's warnings): ``--mask``/``--segment``
    of ``ctvis screenshot`` and ``ctvis report``."""
    labelmap, warnings = read_segments(volume, path, overlay_name(path, taken))
    if segment is not None:
        labelmap = pick_segment(labelmap, segment, path)
    return labelmap, warnings


__all__ = ["read_segments", "overlay_name", "pick_segment", "mask_labelmap"]
