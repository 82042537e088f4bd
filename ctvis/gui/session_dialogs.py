"""File ▸ Save session and Open session: written and read on workers, moved data located."""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QMessageBox

from ctvis.app import session as sessions
from ctvis.core.errors import CtvisError
from ctvis.gui import file_dialogs, unsaved_prompt
from ctvis.gui.task_dialog import run_with_progress
from ctvis.gui.worker import Task

SESSION_FILTER = "ctvis session (*.ctvis.json *.json)"


def save_session_dialog(window, path=None) -> Task | None:
    """Save the session: the state as it is now, written on a worker (its label maps, NIfTI
    beside the JSON, take seconds on a large series)."""
    if path is None:
        path, _ = file_dialogs.save_file_name(window, "Save session", "session.ctvis.json",
                                              SESSION_FILTER)
        if not path:
            return None
    snap = sessions.snapshot(window.state)

    def saved(where) -> None:
        # The maps as the snapshot took them are saved; edits made while writing are not.
        unsaved_prompt.mark_saved(window, snap.mark, where)
        window.statusBar().showMessage(f"Session saved to {where}", 5000)

    return run_with_progress(window, f"Saving session {Path(path).name}", _write_session,
                             snap, path, done=saved)


def _write_session(snap, path, progress=None, cancel=None) -> Path:
    try:
        return sessions.write_session(snap, path, progress, cancel)
    except OSError as exc:                           # a worker reports only CtvisErrors
        raise CtvisError(f"{path}: {exc.strerror or exc}") from None


def locate_data(window, missing: sessions.DataMissing) -> str | None:
    """Ask where the session's data went; None if the user gives up."""
    answer = QMessageBox.question(
        window, "Data moved", f"{missing}\n\nLocate the data now?",
        QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
    if answer != QMessageBox.Yes:
        return None
    if missing.data_path.suffix:                     # a file: NIfTI, NRRD, a DICOM file
        path, _ = file_dialogs.open_file_name(window, f"Where is {missing.data_path.name}?")
    else:
        path = file_dialogs.existing_directory(window, f"Where is {missing.data_path.name}?")
    return path or None


def open_session_dialog(window, path=None, data_path=None, asked: bool = False) -> Task | None:
    """Open a session: its data is loaded on a worker; the window shows it when done.
    Unsaved edits of the window's label maps are saved or discarded first, if the user says
    so (``asked``: that question was answered already)."""
    if not asked and not unsaved_prompt.settle(
            window, "opening a session", lambda: open_session_dialog(window, path, data_path),
            save_session_dialog):
        return None
    if path is None:
        path, _ = file_dialogs.open_file_name(window, "Open session", SESSION_FILTER)
        if not path:
            return None
    try:
        sessions.check_data(path, data_path)
    except sessions.DataMissing as missing:
        located = locate_data(window, missing)
        return None if located is None else open_session_dialog(window, path, located, True)
    except CtvisError as exc:
        window.show_error("Open session", str(exc))
        return None
    def show(data) -> None:
        sessions.apply_session(window.state, data, path)
        unsaved_prompt.mark_saved(window, None, path)

    return run_with_progress(window, f"Opening session {Path(path).name}", sessions.load_session, path,
                data_path=data_path, done=show)
