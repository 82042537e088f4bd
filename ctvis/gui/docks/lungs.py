"""Lungs: segment on a worker thread, show/hide the overlay, its colours and opacity, the
metrics, and export of the mask (NIfTI/NRRD) and of the surface meshes (STL/PLY/OBJ/VTP).

The dock holds no result: a segmentation becomes state through
:func:`ctvis.app.results.show_segmentation`, and the dock shows the lungs' overlay of the
state (its segment table's colours, its metrics), whoever put it there (this dock, a
session).  When the lungs' label map is edited in place the metrics are measured again on a
worker, ``REMEASURE_MS`` after the last edit, and written to the state."""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QTimer, pyqtSignal
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QGridLayout,
                             QHBoxLayout, QHeaderView, QLabel, QMessageBox, QProgressBar,
                             QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ctvis.app import pipeline, results
from ctvis.model.state import LUNGS
from ctvis.core.io.dispatch import MASK_FORMATS
from ctvis.core.labels import LUNG_LABELS
from ctvis.core.lungs import METHODS
from ctvis.core.lungs.metrics import METRICS
from ctvis.mesh.mesh_io import FORMATS as MESH_FORMAT_TABLE
from ctvis.gui import file_dialogs
from ctvis.gui.docks.common import SliderSpin, blocked
from ctvis.gui.subscriptions import subscriptions
from ctvis.gui.worker import Task

MASK_FILTERS = file_dialogs.name_filters((f.name, f.suffixes) for f in MASK_FORMATS)
MESH_FILTERS = file_dialogs.name_filters((f.name, (f.suffix,)) for f in MESH_FORMAT_TABLE)
METRIC_ROWS = (("right", "Right"), ("left", "Left"), ("total", "Total"))
REMEASURE_MS = 300               # after the last in-place edit of the lungs' label map


def _suffix_from_filter(path: str, chosen_filter: str) -> str:
    """Add the chosen filter's first suffix when the user typed a name without one."""
    if Path(path).suffix or "*" not in chosen_filter:
        return path
    return path + chosen_filter.split("*", 1)[1].split()[0].rstrip(")")


def _write_mask(volume, labels, path, progress=None, cancel=None):
    from ctvis.core.io import write_mask

    return [write_mask(volume, labels, path)]


def _write_mesh(volume, labels, path, progress=None, cancel=None):
    from ctvis.mesh.mesh_io import write_meshes

    meshes = pipeline.build_meshes(volume, pipeline.MeshRequest("lungs"), labels=labels,
                                   progress=progress, cancel=cancel)
    return write_meshes(meshes, path)


class LungsPanel(QWidget):
    message = pyqtSignal(str)          # a line for the status bar

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.task: Task | None = None
        self.export_task: Task | None = None
        self.measure_task: Task | None = None
        self._described = None             # the label map the status line speaks of
        self._remeasure = QTimer(self)
        self._remeasure.setSingleShot(True)
        self._remeasure.setInterval(REMEASURE_MS)
        self._remeasure.timeout.connect(self.measure)
        self.method = QComboBox()
        self.method.addItems(METHODS)
        self.run_button = QPushButton("Segment lungs")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("Not segmented yet.")
        # A progress message must never resize the dock: that would re-lay out the window
        # and redraw every view (the 3D one is slow) on each message.
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.show_box = QCheckBox("Show overlay")
        self.opacity = SliderSpin("Opacity", 0, 100, " %")
        self.color_buttons = {}
        colours = QHBoxLayout()
        for label in LUNG_LABELS:
            button = QPushButton(label.title.capitalize())
            button.clicked.connect(lambda _=False, v=label.value: self.choose_color(v))
            colours.addWidget(button)
            self.color_buttons[label.value] = button
        self.table = QTableWidget(len(METRIC_ROWS), len(METRICS))
        self.table.setHorizontalHeaderLabels([m.column for m in METRICS])
        for c, metric in enumerate(METRICS):
            self.table.horizontalHeaderItem(c).setToolTip(metric.about)
        self.table.setVerticalHeaderLabels([r[1] for r in METRIC_ROWS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setMaximumHeight(130)
        # The segmentation's doubts (a lung cut off by the scan's edge, one far smaller, a
        # forced split): the same warnings the CLI prints, beside the metrics they qualify.
        self.doubts = QLabel()
        self.doubts.setWordWrap(True)
        self.doubts.setStyleSheet("color: #a04000;")
        self.doubts.hide()
        self.mask_button = QPushButton("Export mask…")
        self.mesh_button = QPushButton("Export mesh…")

        grid = QGridLayout()
        grid.addWidget(QLabel("Method"), 0, 0)
        grid.addWidget(self.method, 0, 1)
        grid.addWidget(self.run_button, 1, 0)
        grid.addWidget(self.cancel_button, 1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.show_box)
        lay.addWidget(self.opacity)
        lay.addLayout(colours)
        lay.addWidget(self.table)
        lay.addWidget(self.doubts)
        exports = QHBoxLayout()
        exports.addWidget(self.mask_button)
        exports.addWidget(self.mesh_button)
        lay.addLayout(exports)
        lay.addStretch(1)

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.show_box.toggled.connect(
            lambda on: self._has_overlay() and self.state.set_overlay(LUNGS, visible=on))
        self.opacity.changed.connect(
            lambda v: self._has_overlay() and self.state.set_overlay(LUNGS, opacity=v / 100))
        self.mask_button.clicked.connect(self.export_mask)
        self.mesh_button.clicked.connect(self.export_mesh)
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {"volume": self._on_volume,
                                                 "overlays": self._on_overlays,
                                                 "labels": self._on_labels})
        self._on_overlays(state.overlays)

    def disconnect_state(self) -> None:
        self.cancel()
        self._remeasure.stop()
        self._subs.disconnect_all()

    # ---------------------------------------------------------------- segment
    def run(self) -> Task | None:
        volume = self.state.volume
        if volume is None or self.task is not None:
            return None
        task = Task(pipeline.segment, volume, method=self.method.currentText())
        self.task = task
        self.progress.setValue(0)
        self.status.setText("Segmenting…")
        task.signals.progress.connect(self._on_progress)
        task.signals.finished.connect(lambda result: self._on_result(task, volume, result))
        task.signals.failed.connect(lambda msg: self._on_failed(task, msg))
        task.signals.cancelled.connect(lambda: self._on_ended(task, "Segmentation cancelled."))
        self._enable()
        return task.start()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.status.setText(message)

    def _on_ended(self, task: Task, text: str) -> bool:
        """The task is over; False if it is not the current one any more."""
        if task is not self.task:
            return False
        self.task = None
        self.status.setText(text)
        self._enable()
        return True

    def _on_failed(self, task: Task, message: str) -> None:
        if self._on_ended(task, "Segmentation failed."):
            QMessageBox.critical(self, "Lung segmentation failed", message)

    def _on_result(self, task: Task, volume, result) -> None:
        if not self._on_ended(task, f"Segmented in {result.seconds:.1f} s ({result.method})."):
            return
        if volume is not self.state.volume:            # another volume was opened meanwhile
            return
        self.progress.setValue(1000)
        # The state carries the labels, how they were made and their metrics: views, this
        # dock, sessions and the report read them there.
        results.show_segmentation(self.state, result, visible=True)
        self.status.setText(f"Segmented in {result.seconds:.1f} s ({result.method}).")
        if result.empty:
            QMessageBox.warning(self, "No lungs found",
                                "The segmentation found no lung in this volume.")

    def _on_volume(self, _volume) -> None:
        self.cancel()
        self._remeasure.stop()
        self._described = None
        self.progress.setValue(0)
        self.status.setText("Not segmented yet.")
        self._show_metrics()

    # ---------------------------------------------------------------- overlay
    def _has_overlay(self) -> bool:
        return LUNGS in self.state.overlays

    def _on_overlays(self, overlays) -> None:
        overlay = overlays.get(LUNGS)
        labelmap = None if overlay is None else overlay.labelmap
        if (labelmap is not None and labelmap is not self._described and self.task is None
                and overlay.metrics is not None):
            # Labels that came with their metrics (a session): shown as they were saved.
            how = f" ({overlay.origin})" if overlay.origin else ""
            self.status.setText(f"Segmented{how}; metrics as saved.")
            self.progress.setValue(1000)
        self._described = labelmap
        if overlay is not None:
            with blocked(self.show_box):
                self.show_box.setChecked(overlay.visible)
            self.opacity.set_value(100 * overlay.opacity)
            for value, button in self.color_buttons.items():
                colour = overlay.color_of(value)
                if colour is not None:
                    button.setStyleSheet("background-color: rgb({}, {}, {});".format(*colour))
        self._show_metrics()
        self._enable()

    def choose_color(self, value: int) -> None:
        overlay = self.state.overlays.get(LUNGS)
        if overlay is None:
            return
        colour = QColorDialog.getColor(QColor(*overlay.color_of(value)), self,
                                       "Overlay colour")
        if colour.isValid():                         # the segment table's row
            overlay.labelmap.set_segment(value,
                                         color=(colour.red(), colour.green(), colour.blue()))

    def _show_metrics(self) -> None:
        overlay = self.state.overlays.get(LUNGS)
        metrics = None if overlay is None or overlay.labels is None else overlay.metrics
        doubts = [] if metrics is None else list(metrics.get("warnings", []))
        self.doubts.setText("\n".join(f"⚠ {w[:1].upper()}{w[1:]}." for w in doubts))
        self.doubts.setVisible(bool(doubts))
        for r, (part, _title) in enumerate(METRIC_ROWS):
            for c, metric in enumerate(METRICS):
                value = None if metrics is None else metrics.get(part, {}).get(metric.key)
                self.table.setItem(r, c, QTableWidgetItem(metric.text(value, missing="–")))

    def _enable(self) -> None:
        busy = self.task is not None
        has = self._has_overlay() and self.state.overlays[LUNGS].labels is not None
        self.run_button.setEnabled(not busy and self.state.volume is not None)
        self.cancel_button.setEnabled(busy)
        for w in (self.show_box, self.opacity, self.mask_button, self.mesh_button,
                  *self.color_buttons.values()):
            w.setEnabled(has)

    # ------------------------------------------------------- edits in place
    def _on_labels(self, name: str, _change) -> None:
        if name == LUNGS:
            self._remeasure.start()             # debounced: a brush stroke fires many

    def measure(self) -> Task | None:
        """Measure the lungs' label map as it is now, on a worker; the metrics go to the
        state if the labels have not changed meanwhile (else it measures again)."""
        overlay = self.state.overlays.get(LUNGS)
        volume = self.state.volume
        if overlay is None or overlay.labelmap is None or volume is None \
                or overlay.metrics_current:
            return None
        if self.measure_task is not None:       # one at a time: again when it is done
            self._remeasure.start()
            return None
        labelmap, revision = overlay.labelmap, overlay.labelmap.revision
        mask = None if overlay.metrics is None else overlay.metrics.get("mask")
        task = Task(results.measure, volume, labelmap.array, mask)
        self.measure_task = task

        def measured(metrics) -> None:
            self.measure_task = None
            now = self.state.overlays.get(LUNGS)
            if now is not None and now.labelmap is labelmap and labelmap.revision == revision:
                self.state.set_overlay(LUNGS, metrics=metrics, measured=revision)
            elif now is not None and now.labelmap is labelmap:
                self._remeasure.start()         # edited while measuring: measure again

        def failed(message) -> None:
            self.measure_task = None
            self.message.emit(f"Measuring the lungs failed: {message}")

        task.signals.finished.connect(measured)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(lambda: setattr(self, "measure_task", None))
        return task.start()

    # ----------------------------------------------------------------- export
    def export_mask(self) -> Task | None:
        return self._export("Export lung mask", "lungs.nii.gz", MASK_FILTERS, _write_mask)

    def export_mesh(self) -> Task | None:
        return self._export("Export lung mesh", "lungs.stl", MESH_FILTERS, _write_mesh)

    def _export(self, title, name, filters, writer) -> Task | None:
        overlay = self.state.overlays.get(LUNGS)
        if overlay is None or overlay.labels is None:
            QMessageBox.information(self, title, "Segment the lungs first.")
            return None
        path, chosen = file_dialogs.save_file_name(self, title, name, filters)
        if not path:
            return None
        path = _suffix_from_filter(path, chosen)
        task = Task(writer, self.state.volume, overlay.labels, path)
        self.export_task = task
        self.status.setText(f"Writing {path}…")
        task.signals.progress.connect(self._on_progress)
        task.signals.finished.connect(lambda paths: self._exported(paths))
        task.signals.failed.connect(
            lambda msg: QMessageBox.critical(self, f"{title} failed", msg))
        return task.start()

    def _exported(self, paths) -> None:
        self.export_task = None
        text = "Wrote " + ", ".join(str(p) for p in paths)
        self.status.setText(text)
        self.message.emit(text)
