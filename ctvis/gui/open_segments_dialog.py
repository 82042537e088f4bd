"""File ▸ Open segments: a mask file (NIfTI, NRRD, .seg.nrrd, DICOM SEG or RTSTRUCT) as a new
overlay with its segment table, read on a worker (``app.open_segments``).  When the open
series' folder holds a SEG or RTSTRUCT that references it, the dialog offers those first."""
from __future__ import annotations

from PyQt5.QtWidgets import QInputDialog

from ctvis.app.open_segments import overlay_name, read_segments
from ctvis.core.io.dispatch import DICOM_MASK_FORMATS, MASK_FORMATS
from ctvis.gui import file_dialogs
from ctvis.gui.task_dialog import run_with_progress

OTHER = "Another file…"
FILTERS = file_dialogs.name_filters(
    [("Segments", tuple(s for f in MASK_FORMATS + DICOM_MASK_FORMATS for s in f.suffixes))]
    + [(f.name, f.suffixes) for f in MASK_FORMATS] + [("DICOM SEG or RTSTRUCT", (".dcm",))])


def choose_file(window) -> str | None:
    """The series' own segment objects first (as the scan found them), else a file."""
    found = window.state.volume.meta.get("segment_objects") or []
    if found:
        items = [f"{o['kind']}: {o['path']}" for o in found] + [OTHER]
        item, ok = QInputDialog.getItem(window, "Open segments",
                                        "Segments of this series:", items, 0, False)
        if not ok:
            return None
        if item != OTHER:
            return found[items.index(item)]["path"]
    path, _ = file_dialogs.open_file_name(window, "Open segments", FILTERS)
    return path or None


def open_segments_dialog(window, path=None):
    state = window.state
    if state.volume is None:
        window.show_error("Open segments", "open a CT series first")
        return None
    path = path or choose_file(window)
    if not path:
        return None

    name = overlay_name(path, state.overlays)

    def show(result) -> None:
        labelmap, warnings = result
        state.set_overlay(name, labels=labelmap, origin=str(path), visible=True)
        text = f"Opened {len(labelmap.segments)} segment(s) from {path} as '{name}'"
        window.statusBar().showMessage(" — ".join([text] + warnings), 12000)

    return run_with_progress(window, f"Reading {path}", read_segments, state.volume, path,
                             name, done=show)
