"""Before closing the window or replacing its volume with unsaved edits: Save, Discard or
Cancel.  What is unsaved is the model's word (:class:`ctvis.model.unsaved.SavedMark`); the
window keeps the mark of its last session save or open, and a new volume starts clean."""
from __future__ import annotations

from PyQt5.QtWidgets import QMessageBox

from ctvis.model.unsaved import SavedMark


def track(window) -> None:
    """Keep ``window.saved_mark`` (and ``window.session_path``, where Save writes without
    asking): a new volume has nothing unsaved."""
    window.saved_mark = SavedMark(window.state)
    window.session_path = None
    # Through the window's subscriptions: undone when the window closes.
    window._subs.connect(window.state.events.volume, lambda _volume: mark_saved(window))


def mark_saved(window, mark: SavedMark | None = None, session_path=None) -> None:
    """The label maps as ``mark`` saw them (None: as they are now) count as saved."""
    window.saved_mark = SavedMark(window.state) if mark is None else mark
    if session_path is not None:
        window.session_path = session_path


def unsaved(window) -> list[str]:
    return window.saved_mark.unsaved(window.state)


def settle(window, doing: str, then, save) -> bool:
    """Whether ``doing`` (e.g. "closing") may go on now.  With unsaved edits the user is
    asked: Cancel stops it; Save writes the session with ``save(window, path)`` (the
    session dialog's: a Task, or None when the user gave no file name; path None: ask
    where) and calls ``then()`` once saved, so it too returns False; Discard goes on."""
    names = unsaved(window)
    markups = window.saved_mark.markups_unsaved(window.state)
    if not names and not markups:
        return True
    parts = ([f"the label map{'s' if len(names) > 1 else ''} {', '.join(names)} "
              f"{'have' if len(names) > 1 else 'has'} edits"] if names else []) \
        + (["the markups have changes"] if markups else [])
    text = " and ".join(parts)
    answer = QMessageBox.question(
        window, "Unsaved edits",
        f"{text[0].upper()}{text[1:]} that no session holds.\n\n"
        f"Save the session before {doing}?",
        QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
    if answer == QMessageBox.Cancel:
        return False
    if answer == QMessageBox.Save:
        task = save(window, window.session_path)
        if task is not None:                 # None: the user gave no file name
            task.signals.finished.connect(lambda _saved: then())
        return False
    return True
