"""Session files: a ViewerState written as versioned JSON, and opened again with its data.

The session names its data (path and series UID) instead of holding it; an overlay names how
its labels were made (a segmentation method or a mask file), so opening a session makes them
again.  When the data has moved, :class:`DataMissing` says so and carries the path, so the
window can ask the user to locate it and the CLI can print one clear line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ctvis.app.state import SESSION_VERSION, ViewerState
from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.progress import Reporter


class SessionError(CtvisError):
    """The session file cannot be read or used."""


class DataMissing(SessionError):
    def __init__(self, session_path, data_path):
        self.session_path, self.data_path = Path(session_path), Path(data_path)
        super().__init__(f"{session_path}: its data {data_path} is missing (moved or "
                         f"deleted); locate it (the viewer asks, the CLI takes --data PATH)")


def save_session(state: ViewerState, path) -> Path:
    """Write ``state`` as JSON to ``path`` (through a temporary name)."""
    data = state.to_dict()
    if data["source"]["path"] is not None:               # absolute: the session can move
        data["source"]["path"] = str(Path(data["source"]["path"]).resolve())
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")
    return Path(path)


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
    overlays: dict                       # name -> (labels, origin)


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
    from ctvis.app.pipeline import open_volume, segment
    from ctvis.core.io import read_mask

    session = check_data(path, data_path)
    report = Reporter(progress, cancel)
    source = session["source"]
    volume = open_volume(source["path"], series_uid=source.get("series_uid"),
                         progress=report.sub(0.0, 0.4))
    overlays = {}
    made = {name: o["origin"] for name, o in session.get("overlays", {}).items()
            if o.get("origin")}
    for i, (name, origin) in enumerate(made.items()):
        step = report.sub(0.4 + 0.6 * i / len(made), 0.4 + 0.6 * (i + 1) / len(made))
        if Path(origin).suffix in (".gz", ".nii", ".nrrd", ".nhdr"):
            labels = read_mask(origin, like=volume).array
        else:
            labels = segment(volume, method=origin, progress=step).labels
        overlays[name] = (labels, origin)
    report(1.0, "session loaded")
    return SessionData(session, volume, overlays)


def apply_session(state: ViewerState, data: SessionData, path="session") -> ViewerState:
    """Show a loaded session in ``state`` (on the thread that owns the state's listeners)."""
    state.volume = data.volume
    for name, (labels, origin) in data.overlays.items():
        state.set_overlay(name, labels=labels, origin=origin)
    try:
        state.restore(data.settings)
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionError(f"{path}: damaged session ({exc})") from None
    return state


def open_session(path, data_path=None, progress=None, cancel=None) -> ViewerState:
    """A new ViewerState as the session left it: data loaded, overlays made, settings set."""
    data = load_session(path, data_path, progress, cancel)
    return apply_session(ViewerState(), data, path)


__all__ = ["save_session", "read_session", "open_session", "load_session", "apply_session",
           "check_data", "SessionData", "SessionError", "DataMissing"]
