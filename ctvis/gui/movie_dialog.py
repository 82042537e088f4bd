"""File ▸ Save movie: a slice sweep of one view or a 360° turn of the 3D view, as MP4 or GIF.

The movie is what the window shows (window/level, overlays, bone, 3D settings and camera):
a copy of the window's state is filmed by :func:`ctvis.app.movie.save_movie` — the step
``ctvis movie`` runs — on a worker with a cancellable progress dialog.
"""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                             QFormLayout, QSpinBox)

from ctvis.app.movie import (DEFAULT_FPS, DEFAULT_TURN_FRAMES, MovieSpec, check_output,
                             snapshot)
from ctvis.core.errors import CtvisError
from ctvis.gui import file_dialogs
from ctvis.gui.task_dialog import run_with_progress

TARGETS = (("axial", "Axial slices"), ("coronal", "Coronal slices"),
           ("sagittal", "Sagittal slices"), ("3d", "3D view, one turn"))
FILTERS = "MP4 video (*.mp4);;Animated GIF (*.gif)"


class MovieDialog(QDialog):
    """What to film (a view's slices or the 3D turn), frames a second, every Nth slice or
    the turn's frames."""

    def __init__(self, parent=None, view: str = "axial"):
        super().__init__(parent)
        self.setWindowTitle("Save movie")
        form = QFormLayout(self)
        self.target = QComboBox()
        for key, text in TARGETS:
            self.target.addItem(text, key)
        self.target.setCurrentIndex(max(0, self.target.findData(view)))
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setDecimals(0)
        self.fps.setValue(DEFAULT_FPS)
        self.fps.setSuffix(" frames/s")
        self.step = QSpinBox()
        self.step.setRange(1, 50)
        self.step.setPrefix("every ")
        self.step.setSuffix(" slice(s)")
        self.frames = QSpinBox()
        self.frames.setRange(2, 720)
        self.frames.setValue(DEFAULT_TURN_FRAMES)
        self.frames.setSuffix(" frames")
        form.addRow("Film", self.target)
        form.addRow("Frame rate", self.fps)
        form.addRow("Slices", self.step)
        form.addRow("3D turn", self.frames)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.target.currentIndexChanged.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        turn = self.target.currentData() == "3d"
        self.step.setEnabled(not turn)
        self.frames.setEnabled(turn)

    def spec(self) -> MovieSpec:
        target = self.target.currentData()
        if target == "3d":
            return MovieSpec(kind="rotate", frames=self.frames.value(), fps=self.fps.value())
        return MovieSpec(kind="sweep", view=target, step=self.step.value(),
                         fps=self.fps.value())


def save_movie_dialog(window):
    """Ask what to film and where, then film it on a worker (the Task, or None)."""
    if window.state.volume is None:
        window.show_error("Save movie", "nothing to film: no volume is open")
        return None
    view = window.view_under_pointer() or getattr(window.cine, "view", None)
    dialog = MovieDialog(window, getattr(view, "view", "axial"))
    try:
        if dialog.exec_() != QDialog.Accepted:
            return None
        spec = dialog.spec()
    finally:
        dialog.deleteLater()        # a child of the window: it would stay until the window goes
    path, chosen = file_dialogs.save_file_name(window, "Save movie", "ctvis.mp4", FILTERS)
    if not path:
        return None
    if not Path(path).suffix and "gif" in chosen.lower():
        path += ".gif"
    elif not Path(path).suffix:
        path += ".mp4"
    return start_movie(window, spec, path)


def start_movie(window, spec: MovieSpec, path):
    """Film what the window shows now into ``path`` on a worker (the Task, or None)."""
    from ctvis.app.movie import save_movie

    try:
        check_output(path)
    except CtvisError as exc:
        window.show_error("Save movie", str(exc))
        return None
    state = snapshot(window.state)          # the worker never touches the window's state

    def done(result) -> None:
        window.statusBar().showMessage(
            f"Saved {result.path} ({result.frames} frames)", 8000)

    return run_with_progress(window, "Saving the movie", save_movie, state, path, spec,
                             done=done)
