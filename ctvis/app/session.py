"""Session files: a ViewerState written as versioned JSON, and opened again with its data.

The session names its data (path and series UID) instead of holding it; an overlay names how
its labels were made (a segmentation method or a mask file), so opening a session makes them
again.  When the data has moved, :class:`DataMissing` says so and carries the path, so the
window can ask the user to locate it and the CLI can print one clear line.
"""
from __future__ import annotations

import json
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


def open_session(path, data_path=None, progress=None, cancel=None) -> ViewerState:
    """A ViewerState as the session left it: data loaded, overlays made, settings restored.

    ``data_path`` replaces the session's data path (the user located moved data).
    """
    from ctvis.app.pipeline import open_volume, segment
    from ctvis.core.io import read_mask

    session = read_session(path)
    report = Reporter(progress, cancel)
    source = dict(session["source"])
    if data_path is not None:
        source["path"] = str(data_path)
    if source["path"] is not None and not Path(source["path"]).exists():
        raise DataMissing(path, source["path"])
    state = ViewerState()
    state.volume = open_volume(source["path"], series_uid=source.get("series_uid"),
                               progress=report.sub(0.0, 0.4))
    overlays = session.get("overlays", {})
    for i, (name, overlay) in enumerate(overlays.items()):
        origin = overlay.get("origin")
        step = report.sub(0.4 + 0.6 * i / len(overlays), 0.4 + 0.6 * (i + 1) / len(overlays))
        if origin is None:
            continue
        if Path(origin).suffix in (".gz", ".nii", ".nrrd", ".nhdr"):
            labels = read_mask(origin, like=state.volume).array
        else:
            labels = segment(state.volume, method=origin, progress=step).labels
        state.set_overlay(name, labels=labels, origin=origin)
    try:
        state.restore(dict(session, source=source))
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionError(f"{path}: damaged session ({exc})") from None
    report(1.0, "session opened")
    return state


__all__ = ["save_session", "read_session", "open_session", "SessionError", "DataMissing"]
