"""For the record, from the window: screenshots with options, sessions, the report.

Pictures of one view or of the layout come from :mod:`ctvis.render.pictures`, the code the
headless ``ctvis screenshot`` uses, rendered at the asked size (never upscaled); only "the
window as it is" is a grab of the screen.  Sessions and reports run on worker threads.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                             QFormLayout, QMessageBox, QProgressDialog, QSpinBox)

from ctvis.app import session as sessions
from ctvis.model.state import LUNGS
from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.gui import file_dialogs
from ctvis.gui.worker import Task

TARGETS = (("window", "The window as it is"), ("layout", "The layout (all views)"),
           ("axial", "Axial view"), ("coronal", "Coronal view"),
           ("sagittal", "Sagittal view"), ("3d", "3D view"))
SESSION_FILTER = "ctvis session (*.ctvis.json *.json)"


@dataclass(frozen=True)
class ScreenshotOptions:
    target: str = "layout"
    scale: int = 1
    annotations: bool = True
    transparent: bool = False          # 3D only


class ScreenshotDialog(QDialog):
    """What to save: the window, the layout or one view; scale 1–4×; annotations;
    transparent 3D background.  Pictures never carry patient identifiers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Save screenshot")
        form = QFormLayout(self)
        self.target = QComboBox()
        for key, text in TARGETS:
            self.target.addItem(text, key)
        self.target.setCurrentIndex(1)
        self.scale = QSpinBox()
        self.scale.setRange(1, 4)
        self.scale.setSuffix(" ×")
        self.annotations = QCheckBox("letters, names and readouts")
        self.annotations.setChecked(True)
        self.transparent = QCheckBox("transparent background (3D)")
        form.addRow("Picture of", self.target)
        form.addRow("Scale (for print)", self.scale)
        form.addRow("Annotations", self.annotations)
        form.addRow("", self.transparent)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.target.currentIndexChanged.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        target = self.target.currentData()
        self.scale.setEnabled(target != "window")        # a grab is what the screen shows
        self.annotations.setEnabled(target != "window")
        self.transparent.setEnabled(target == "3d")

    def options(self) -> ScreenshotOptions:
        return ScreenshotOptions(self.target.currentData(), self.scale.value(),
                                 self.annotations.isChecked(),
                                 self.transparent.isChecked() and self.transparent.isEnabled())


def save_picture(window, options: ScreenshotOptions, path) -> Path:
    """Write the picture ``options`` ask for to ``path`` (PNG, through a temporary name)."""
    from ctvis.render.pictures import png_bytes, state_picture

    path = Path(path)
    if options.target == "window":
        from ctvis.gui.screenshot import window_image

        with atomic_path(path) as tmp:
            if not window_image(window).save(str(tmp), "PNG"):
                raise CtvisError(f"{path}: could not write the image")
        return path
    if window.state.volume is None:
        raise CtvisError("nothing to save: no volume is open")
    size = (800, 800)
    if options.target == "3d":
        size = (max(window.view3d.width(), 200), max(window.view3d.height(), 200))
    rgb = state_picture(window.state, options.target, scale=options.scale,
                        annotations=options.annotations, transparent=options.transparent,
                        size=size)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png_bytes(rgb))
    return path


def screenshot_dialog(window) -> Path | None:
    dialog = ScreenshotDialog(window)
    if dialog.exec_() != QDialog.Accepted:
        return None
    path, _ = file_dialogs.save_file_name(window, "Save screenshot", "ctvis.png",
                                          "PNG image (*.png)")
    if not path:
        return None
    try:
        return save_picture(window, dialog.options(), path)
    except (CtvisError, OSError) as exc:
        window.show_error("Screenshot", str(exc))
        return None


# ----------------------------------------------------------------------- sessions
def save_session_dialog(window, path=None) -> Task | None:
    """Save the session: the state as it is now, written on a worker (its label maps, NIfTI
    beside the JSON, take seconds on a large series)."""
    if path is None:
        path, _ = file_dialogs.save_file_name(window, "Save session", "session.ctvis.json",
                                              SESSION_FILTER)
        if not path:
            return None
    snap = sessions.snapshot(window.state)
    return _run(window, f"Saving session {Path(path).name}", _write_session, snap, path,
                done=lambda saved: window.statusBar().showMessage(
                    f"Session saved to {saved}", 5000))


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


def open_session_dialog(window, path=None, data_path=None) -> Task | None:
    """Open a session: its data is loaded on a worker; the window shows it when done."""
    if path is None:
        path, _ = file_dialogs.open_file_name(window, "Open session", SESSION_FILTER)
        if not path:
            return None
    try:
        sessions.check_data(path, data_path)
    except sessions.DataMissing as missing:
        located = locate_data(window, missing)
        return None if located is None else open_session_dialog(window, path, located)
    except CtvisError as exc:
        window.show_error("Open session", str(exc))
        return None
    return _run(window, f"Opening session {Path(path).name}", sessions.load_session, path,
                data_path=data_path,
                done=lambda data: sessions.apply_session(window.state, data, path))


# ------------------------------------------------------------------------- report
def export_report_dialog(window, html_path=None, with_pdf: bool = True) -> Task | None:
    """Write the lung report of what the window shows, with the window's settings (bone
    threshold) and its lungs and metrics (those of a session too); segments the lungs only
    when the window has none."""
    state = window.state
    if state.volume is None:
        window.show_error("Export report", "nothing to report: no volume is open")
        return None
    if html_path is None:
        html_path, _ = file_dialogs.save_file_name(
            window, "Export report (a PDF of the same report is written beside it)",
            "report.html", "HTML report (*.html)")
        if not html_path:
            return None
    html_path = Path(html_path)
    pdf_path = html_path.with_suffix(".pdf") if with_pdf else None
    volume, bone = state.volume, state.bone
    overlay = state.overlays.get(LUNGS)

    def work(progress=None, cancel=None):
        from ctvis.app.pipeline import segment
        from ctvis.app.report import write_report
        from ctvis.core.progress import Progress

        tick = Progress(progress, cancel)
        lungs = shown_lungs(volume, overlay) or segment(volume, progress=tick.sub(0.0, 0.4))
        return write_report(volume, lungs, html_path, pdf_path, progress=tick.sub(0.4, 1.0),
                            bone=bone)

    return _run(window, "Writing the report", work, done=lambda out: window.statusBar()
                .showMessage(f"Report written to {out['html']}", 8000))


def shown_lungs(volume, overlay):
    """The lungs the window shows, as a LungResult: with the metrics measured when they were
    made (by the dock or a session) unless the labels changed since, else measured now; None
    if the window shows none (:func:`ctvis.app.results.overlay_result`)."""
    from ctvis.app.results import overlay_result

    return overlay_result(volume, overlay)


def _run(window, title: str, fn, *args, done, **kwargs) -> Task:
    """Run ``fn`` on a worker with a cancellable progress dialog; ``done(result)`` after."""
    dialog = QProgressDialog(title, "Cancel", 0, 1000, window)
    dialog.setWindowTitle("ctvis")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.setAutoReset(False)
    task = Task(fn, *args, **kwargs)
    window._record_task = task                       # keep it alive until it reports
    tasks = window.__dict__.setdefault("_record_tasks", set())
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
