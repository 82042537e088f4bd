"""A step of the File menu on a worker, with a cancellable progress dialog and its errors
shown; the window keeps every such task until it reports (a save and a report may overlap)."""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QProgressDialog

from ctvis.core.errors import CtvisError
from ctvis.gui.worker import Task

def run_with_progress(window, title: str, fn, *args, done, **kwargs) -> Task:
    """Run ``fn`` on a worker with a cancellable progress dialog; ``done(result)`` after."""
    dialog = QProgressDialog(title, "Cancel", 0, 1000, window)
    dialog.setWindowTitle("ctvis")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.setAutoReset(False)
    task = Task(fn, *args, **kwargs)
    tasks = window.__dict__.setdefault("_menu_tasks", set())
    tasks.add(task)                                  # a save and a report may overlap

    def forget(*_args) -> None:
        tasks.discard(task)

    def finish() -> None:
        dialog.reset()
        dialog.deleteLater()

    def finished(result) -> None:
        finish()
        try:
            done(result)
        except CtvisError as exc:
            window.show_error(title, str(exc))

    task.signals.progress.connect(
        lambda f, msg: (dialog.setValue(int(1000 * f)), dialog.setLabelText(msg)))
    task.signals.finished.connect(finished)
    task.signals.failed.connect(lambda message: (finish(), window.show_error(title, message)))
    task.signals.cancelled.connect(finish)
    for signal in (task.signals.finished, task.signals.failed, task.signals.cancelled):
        signal.connect(forget)
    dialog.canceled.connect(task.cancel)
    return task.start()
