"""File ▸ Export report: the lung report of what the window shows, written on a worker."""
from __future__ import annotations

from pathlib import Path

from ctvis.gui import file_dialogs
from ctvis.gui.task_dialog import run_with_progress
from ctvis.gui.worker import Task
from ctvis.model.state import LUNGS

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
    volume, bone, markups = state.volume, state.bone, state.markups
    overlay = state.overlays.get(LUNGS)
    # The other label maps it shows (lesions among them get their table and pictures).
    labelmaps = tuple(o.labelmap for name, o in state.overlays.items()
                      if name != LUNGS and o.labelmap is not None)

    def work(progress=None, cancel=None):
        from ctvis.app.pipeline import segment
        from ctvis.app.report import segment_rows, write_report
        from ctvis.core.progress import Progress

        tick = Progress(progress, cancel)
        lungs = shown_lungs(volume, overlay) or segment(volume, progress=tick.sub(0.0, 0.4))
        # Every label map the window shows; the lungs' segments when it shows none.
        rows = segment_rows(state) or None
        return write_report(volume, lungs, html_path, pdf_path, progress=tick.sub(0.4, 1.0),
                            bone=bone, segments=rows, labelmaps=labelmaps,
                            markups=markups)

    return run_with_progress(window, "Writing the report", work, done=lambda out: window.statusBar()
                .showMessage(f"Report written to {out['html']}", 8000))


def shown_lungs(volume, overlay):
    """The lungs the window shows, as a LungResult: with the metrics measured when they were
    made (by the dock or a session) unless the labels changed since, else measured now; None
    if the window shows none (:func:`ctvis.app.results.overlay_result`)."""
    from ctvis.app.results import overlay_result

    return overlay_result(volume, overlay)
