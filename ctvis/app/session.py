"""Session files: a ViewerState written as versioned JSON, and opened again with its data.

The session names its data (path and series UID) instead of holding it.  Every label map
it shows (the lungs, a lesion map, any overlay) is saved beside it as NIfTI
(``s.ctvis.json``: ``s.ctvis.lungs.nii.gz``, ``s.ctvis.lesions.nii.gz``, named in the JSON
relative to it), uint8 or uint16 as in memory, so an edited map reopens byte for byte; their
metrics, warnings and method are in the JSON, so opening a session shows them again without
segmenting anything; their segment tables (name, value, colour, visible, locked, origin of
each segment) are in the JSON too (files that have only ``colors``, written before tables,
give those to the lungs' table).  A snapshot carries a :class:`SavedMark` of its label maps:
once written, the maps as they were then count as saved (``ctvis.model.unsaved``).  Sessions written before labels were saved
(an overlay with only ``origin``, a method or a mask file) still open: their labels are made
again from ``origin``, as then; an overlay with neither is left out.  When the data has
moved, :class:`DataMissing` says so and carries the path, so the window can ask the user to
locate it and the CLI can print one clear line.
"""
from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from ctvis.model.state import SESSION_VERSION, ViewerState, metrics_from_json
from ctvis.model.unsaved import SavedMark
from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.progress import Progress


class SessionError(CtvisError):
    """The session file cannot be read or used."""


class DataMissing(SessionError):
    def __init__(self, session_path, data_path):
        self.session_path, self.data_path = Path(session_path), Path(data_path)
        super().__init__(f"{session_path}: its data {data_path} is missing (moved or "
                         f"deleted); locate it (the viewer asks, the CLI takes --data PATH)")


def labels_file_name(session_path, overlay: str) -> str:
    """The label map's file name beside the session: ``s.ctvis.json`` ->
    ``s.ctvis.lungs.nii.gz`` (only ``.json`` dropped, so two sessions of one folder never
    share a label map)."""
    name = Path(session_path).name
    if name.lower().endswith(".json") and len(name) > len(".json"):
        name = name[:-len(".json")]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in overlay) or "labels"
    return f"{name}.{safe}.nii.gz"


@dataclass
class SessionSnapshot:
    """What a session file holds, taken from a state at one moment (cheap: on the thread that
    owns the state), to be written later on any thread by :func:`write_session`."""
    settings: dict
    volume: object
    labels: dict                         # overlay name -> label array (a copy)
    mark: SavedMark | None = None        # the label maps as they were: saved once written


def snapshot(state: ViewerState) -> SessionSnapshot:
    data = state.to_dict()
    if data["source"]["path"] is not None:               # absolute: the session can move
        data["source"]["path"] = str(Path(data["source"]["path"]).resolve())
    labels = {} if state.volume is None else {
        name: overlay.labels.copy() for name, overlay in state.overlays.items()
        if overlay.labels is not None}
    return SessionSnapshot(data, state.volume, labels, SavedMark(state))


def write_session(snap: SessionSnapshot, path, progress=None, cancel=None) -> Path:
    """Write a snapshot as JSON to ``path``, and each overlay's labels as NIfTI beside it
    (named in the JSON, relative to it).  Every file is written to a temporary name first
    and all are moved into place together at the end, so a cancel or an error leaves the
    previous session and its label maps as they were."""
    from ctvis.core.io import write_mask

    path = Path(path)
    tick = Progress(progress, cancel)
    data = json.loads(json.dumps(snap.settings))        # a copy to add file names to
    steps = len(snap.labels) + 1
    with contextlib.ExitStack() as stack:
        for i, (name, labels) in enumerate(snap.labels.items()):
            tick(i / steps, f"writing the {name} label map")
            file_name = labels_file_name(path, name)
            write_mask(snap.volume, labels,
                       stack.enter_context(atomic_path(path.parent / file_name)))
            data["overlays"][name]["labels"] = file_name
        tick((steps - 1) / steps, "writing the session")
        stack.enter_context(atomic_path(path)).write_text(json.dumps(data, indent=2) + "\n")
    if progress is not None:                  # written: too late to cancel
        progress(1.0, "session saved")
    return path


def save_session(state: ViewerState, path, progress=None, cancel=None) -> Path:
    """Write ``state`` as a session file (and its label maps beside it)."""
    return write_session(snapshot(state), path, progress, cancel)


def read_session(path) -> dict:
    """The session's settings, checked for a supported version."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SessionError(f"{path}: no such session file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"{path}: not a ctvis session file ({exc})") from None
    if not isinstance(data, dict) or "version" not in data or "source" not in data:
        raise SessionError(f"{path}: not a ctvis session file (no version or source)")
    if data["version"] != SESSION_VERSION:
        raise SessionError(f"{path}: session version {data['version']!r} is not supported "
                           f"(this ctvis reads version {SESSION_VERSION})")
    return data


@dataclass
class SessionData:
    """What a session needs loaded before it can be shown (made off the GUI thread)."""
    settings: dict
    volume: object
    overlays: dict                       # name -> LungResult (labels, method, metrics, s)


def check_data(path, data_path=None) -> dict:
    """The session's settings with its data path checked (raises DataMissing)."""
    session = read_session(path)
    source = dict(session["source"])
    if data_path is not None:
        source["path"] = str(data_path)
    if source["path"] is not None and not Path(source["path"]).exists():
        raise DataMissing(path, source["path"])
    return dict(session, source=source)


def load_session(path, data_path=None, progress=None, cancel=None) -> SessionData:
    """Load a session's data and make its overlays again (the slow part, any thread).

    ``data_path`` replaces the session's data path (the user located moved data).
    """
    from ctvis.app.pipeline import LungResult, open_volume, segment
    from ctvis.core.io import MASK_SUFFIXES, read_mask

    session = check_data(path, data_path)
    tick = Progress(progress, cancel)
    source = session["source"]
    volume = open_volume(source["path"], series_uid=source.get("series_uid"),
                         progress=tick.sub(0.0, 0.4))
    overlays = {}
    entries = session.get("overlays", {})
    if not isinstance(entries, dict):
        raise SessionError(f"{path}: damaged session (overlays is not a mapping)")
    made = {name: o for name, o in entries.items()
            if isinstance(o, dict) and (o.get("labels") or o.get("origin"))}
    for i, (name, o) in enumerate(made.items()):
        step = tick.sub(0.4 + 0.6 * i / len(made), 0.4 + 0.6 * (i + 1) / len(made))
        origin = o.get("origin")
        if o.get("labels"):                          # saved beside the session: read it
            labels = _saved_labels(path, o["labels"], volume)
            overlays[name] = LungResult(labels, metrics_from_json(o.get("metrics")),
                                        origin, o.get("seconds"))
        elif str(origin).lower().endswith(MASK_SUFFIXES):                # older sessions
            overlays[name] = LungResult(read_mask(origin, like=volume).array, None, origin,
                                        None)
        else:
            overlays[name] = segment(volume, method=origin, progress=step)
    tick(1.0, "session loaded")
    return SessionData(session, volume, overlays)


def _saved_labels(session_path, name, volume):
    """A label map saved with the session (``name`` relative to the session's folder)."""
    from ctvis.core.io import read_mask

    if not isinstance(name, str) or Path(name).is_absolute() or ".." in Path(name).parts:
        raise SessionError(f"{session_path}: damaged session (labels {name!r} is not a file "
                           f"name beside the session)")
    where = Path(session_path).parent / name
    if not where.is_file():
        raise SessionError(f"{session_path}: its label map {where} is missing (keep it "
                           f"beside the session file)")
    try:
        return read_mask(where, like=volume).array
    except CtvisError as exc:
        raise SessionError(f"{session_path}: its label map cannot be used: {exc}") from None


def apply_session(state: ViewerState, data: SessionData, path="session") -> ViewerState:
    """Show a loaded session in ``state`` (on the thread that owns the state's listeners)."""
    from ctvis.app.results import show_segmentation

    state.volume = data.volume
    for name, result in data.overlays.items():
        show_segmentation(state, result, name)
    try:
        state.restore(data.settings)
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionError(f"{path}: damaged session ({exc})") from None
    # An overlay the session has no labels for (sessions written before labels were saved,
    # by the window, which named no origin) shows nothing: leave it out.
    for name in [n for n, o in state.overlays.items() if o.labels is None]:
        state.remove_overlay(name)
    return state


def open_session(path, data_path=None, progress=None, cancel=None) -> ViewerState:
    """A new ViewerState as the session left it: data loaded, overlays made, settings set."""
    data = load_session(path, data_path, progress, cancel)
    return apply_session(ViewerState(), data, path)


__all__ = ["save_session", "snapshot", "write_session", "SessionSnapshot", "read_session",
           "open_session", "load_session", "apply_session", "check_data", "labels_file_name",
           "SessionData", "SessionError", "DataMissing"]
