"""The dock panels driven like a user: presets, window sliders, bone threshold, lungs
(segmentation on a worker, overlay, metrics, exports), histogram, DICOM tags."""
from __future__ import annotations

import re
import threading

import numpy as np
import pytest
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QColorDialog, QFileDialog
from scipy import ndimage

from ctvis.model.state import LUNGS
from ctvis.core.labels import LEFT_LUNG, RIGHT_LUNG
from ctvis.core.phantom import make_phantom
from ctvis.gui.main_window import MainWindow
from ctvis.gui.worker import Task
from tests.gui.conftest import wait_task
from tests.gui.shots import annotation_pixels, coloured, save, slice_on_screen, to_rgb

# Teardown and use must be clean: any Qt warning fails the test (the XDG runtime notice
# of a root session under Xvfb aside).
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]


@pytest.fixture
def window(phantom_window):
    return phantom_window


def segment(window, qtbot):
    panel = window.panels["lungs"]
    panel.method.setCurrentText("kmeans")           # the faster method on a small phantom
    with qtbot.waitSignal(window.state.events.overlays and panel.run_button.clicked,
                          timeout=1000):
        panel.run_button.click()
    qtbot.waitUntil(lambda: LUNGS in window.state.overlays and panel.task is None,
                    timeout=60000)
    return panel


def test_preset_buttons_and_window_controls(window, qtbot):
    panel = window.panels["window"]
    assert {"Lung", "Mediastinum", "Bone", "Soft tissue", "Series"} <= set(panel.buttons)
    panel.buttons["Bone"].click()
    assert (window.state.window.center, window.state.window.width) == (400, 1800)
    assert panel.buttons["Bone"].isChecked() and not panel.buttons["Lung"].isChecked()
    assert panel.center.spin.value() == 400 and panel.width.slider.value() == 1800
    assert "W 1800  L 400  (Bone)" in window.views["axial"].annotation_lines()["top_left"]
    panel.width.spin.setValue(900)
    assert window.state.window.width == 900 and window.state.window.preset is None
    assert not any(b.isChecked() for b in panel.buttons.values())
    panel.center.slider.setValue(-500)
    assert window.state.window.center == -500
    # Keys 1..n choose the presets in their order (1 = Lung).
    qtbot.keyClick(window.views["axial"], "2")
    assert window.state.window.preset == "Mediastinum"


def test_bone_threshold_tints_exactly_the_pixels_above_it(window, qtbot, phantom, tmp_path):
    panel = window.panels["bone"]
    view = window.views["axial"]
    window.state.apply_preset("Mediastinum")
    panel.show_box.setChecked(True)
    panel.threshold.slider.setValue(700)
    # Debounced: the state follows after a short pause.
    qtbot.waitUntil(lambda: window.state.bone.hu == 700, timeout=2000)
    assert window.state.bone.visible
    rgb = to_rgb(view)
    save(rgb, tmp_path / "bone.png")
    hu, inside = slice_on_screen(view, phantom.volume.array)
    bone = ndimage.binary_erosion(hu >= 700, np.ones((3, 3), bool)) & inside
    # Two screen pixels of margin: at a zoom that is not a whole number, the screen's
    # sampling of a bone edge and this nearest-neighbour one differ by up to two pixels.
    clear = ~ndimage.binary_dilation(hu >= 700, np.ones((5, 5), bool)) & inside
    tint = coloured(rgb, 10)
    assert bone.sum() > 50
    assert tint[bone].mean() > 0.99
    # Bone colour mixed over white: the blue channel drops the most.
    assert np.median(rgb[bone][:, 2]) < np.median(rgb[bone][:, 0])
    clear &= ~annotation_pixels(view)
    assert tint[clear].mean() < 0.002
    qtbot.keyClick(window.views["axial"], "b")                                  # B hides it
    assert not window.state.bone.visible
    assert coloured(to_rgb(view), 10)[bone].mean() < 0.05


def test_lungs_segment_on_a_worker_and_colour_exactly_their_pixels(window, qtbot, tmp_path):
    panel = segment(window, qtbot)
    overlay = window.state.overlays[LUNGS]
    assert overlay.visible and overlay.labels.shape == window.volume.shape
    assert {1, 2} <= set(np.unique(overlay.labels).tolist())
    view = window.views["coronal"]
    rgb = to_rgb(view)
    save(rgb, tmp_path / "lungs.png")
    labels, inside = slice_on_screen(view, overlay.labels)
    # One voxel of slack at the lungs' borders, where the smooth scaling mixes neighbours.
    cube = np.ones((3, 3, 3), bool)
    plane_dil, _ = slice_on_screen(view, ndimage.binary_dilation(overlay.labels > 0, cube))
    plane_ero, _ = slice_on_screen(view, ndimage.binary_erosion(overlay.labels > 0, cube))
    free = inside & ~annotation_pixels(view)
    tint = coloured(rgb, 20)
    assert plane_ero[free].sum() > 200
    assert tint[free & plane_ero].all()                          # every lung pixel coloured
    assert not tint[free & ~plane_dil].any()                     # nothing else
    # Right lung orange on the screen's left, left lung blue on its right.
    right = free & slice_on_screen(view, ndimage.binary_erosion(
        overlay.labels == RIGHT_LUNG.value, cube))[0]
    left = free & slice_on_screen(view, ndimage.binary_erosion(
        overlay.labels == LEFT_LUNG.value, cube))[0]
    assert np.median(rgb[right][:, 0]) > np.median(rgb[right][:, 2])
    assert np.median(rgb[left][:, 2]) > np.median(rgb[left][:, 0])
    assert np.nonzero(right)[1].mean() < np.nonzero(left)[1].mean()
    # Metrics table: volumes per lung and their total.
    table = panel.table
    right_ml, left_ml, total_ml = (float(table.item(r, 0).text()) for r in range(3))
    assert right_ml > 0 and left_ml > 0 and total_ml == pytest.approx(right_ml + left_ml,
                                                                       abs=1)
    assert -1000 < float(table.item(2, 1).text()) < -500           # MLD of air-filled lungs
    # Show/hide: the checkbox and the L key.
    panel.show_box.setChecked(False)
    assert not window.state.overlays[LUNGS].visible
    assert not coloured(to_rgb(view), 20)[free & plane_ero].any()
    qtbot.keyClick(window.views["axial"], "l")
    assert window.state.overlays[LUNGS].visible
    # Opacity 100 %: exactly the label colour inside the lungs.
    panel.opacity.spin.setValue(100)
    rgb = to_rgb(view)
    assert (np.abs(rgb[right].astype(int) - RIGHT_LUNG.color) <= 2).all()


def test_lung_colour_can_be_changed(window, qtbot, monkeypatch):
    panel = segment(window, qtbot)
    from PyQt5.QtGui import QColor

    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor(0, 255, 0))
    panel.color_buttons[LEFT_LUNG.value].click()
    assert window.state.overlays[LUNGS].color_of(LEFT_LUNG.value) == (0, 255, 0)
    assert window.state.overlays[LUNGS].color_of(RIGHT_LUNG.value) == RIGHT_LUNG.color


def test_the_window_stays_responsive_while_the_lungs_are_segmented(qtbot, monkeypatch):
    """The real segmentation is held at its first progress report, on its worker thread,
    until the GUI thread has shown that report and then fired a timer queued after it; only
    the order of these events is checked, never a duration. Run on the GUI thread, the
    segmentation would block the timer and the hold would give up ("timer never fired")."""
    from ctvis.app import pipeline

    win = MainWindow(make_phantom(shape=(60, 160, 160)).volume)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    panel = win.panels["lungs"]
    panel.method.setCurrentText("kmeans")
    gui = threading.get_ident()
    events = []                        # (what happened, on the GUI thread?) in their order
    shown, fired = threading.Event(), threading.Event()
    real_segment = pipeline.segment

    def held_segment(volume, *, progress, cancel, **kwargs):
        def report(fraction, message):
            hold = 0 < fraction < 1 and not shown.is_set()
            if hold:
                events.append(("worker reports", threading.get_ident() == gui))
            progress(fraction, message)
            if hold:
                if not shown.wait(30):
                    events.append(("progress never shown", False))
                elif not fired.wait(30):
                    events.append(("timer never fired", False))
                events.append(("worker resumed", threading.get_ident() == gui))

        events.append(("segmentation started", threading.get_ident() == gui))
        result = real_segment(volume, progress=report, cancel=cancel, **kwargs)
        events.append(("segmentation ended", threading.get_ident() == gui))
        return result

    def on_timer():
        events.append(("timer fired", threading.get_ident() == gui))
        fired.set()

    def on_progress(fraction, message):
        if 0 < fraction < 1 and not shown.is_set():
            events.append(("progress shown", threading.get_ident() == gui
                           and panel.progress.value() == int(1000 * fraction)
                           and panel.status.text() == message))
            QTimer.singleShot(0, on_timer)
            shown.set()

    def start(task, *args, **kwargs):        # listen before the worker can report
        if task.fn is held_segment:
            task.signals.progress.connect(on_progress)
            task.signals.finished.connect(lambda _result: events.append(
                ("finished", threading.get_ident() == gui)))
        return real_start(task, *args, **kwargs)

    real_start = Task.start
    monkeypatch.setattr(Task, "start", start)
    monkeypatch.setattr(pipeline, "segment", held_segment)
    assert panel.run() is not None
    qtbot.waitUntil(lambda: ("finished", True) in events, timeout=120000)
    assert events == [("segmentation started", False), ("worker reports", False),
                      ("progress shown", True), ("timer fired", True),
                      ("worker resumed", False), ("segmentation ended", False),
                      ("finished", True)]
    qtbot.waitUntil(lambda: LUNGS in win.state.overlays and panel.task is None, timeout=10000)


def test_cancel_stops_the_segmentation(window, qtbot):
    panel = window.panels["lungs"]
    task = panel.run()
    assert panel.cancel_button.isEnabled()
    with qtbot.waitSignal(task.signals.cancelled, timeout=30000):
        panel.cancel_button.click()
    assert LUNGS not in window.state.overlays
    assert panel.run_button.isEnabled() and panel.status.text() == "Segmentation cancelled."


def test_export_mask_and_mesh_through_save_dialogs(window, qtbot, tmp_path, monkeypatch):
    panel = segment(window, qtbot)
    answers = iter([(str(tmp_path / "lungs"), "NRRD (*.nrrd)"),
                    (str(tmp_path / "lungs.ply"), "PLY (*.ply)")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    task = panel.export_mask()
    wait_task(qtbot, task, timeout=30000)
    from ctvis.core.io import read_mask

    mask = read_mask(tmp_path / "lungs.nrrd", like=window.volume)
    assert np.array_equal(mask.array, window.state.overlays[LUNGS].labels)
    task = panel.export_mesh()
    wait_task(qtbot, task, timeout=60000)
    text = (tmp_path / "lungs.ply").read_bytes()[:400]
    assert b"SPACE=LPS" in text and b"structure 1 right" in text
    assert "Wrote" in panel.status.text()


def test_the_dock_shows_each_metric_as_the_report_does(window, qtbot):
    """One list of metrics (issue 19, item 5): the dock's cells are the report's texts for
    the same metrics (the dock showed MLD as -856, the report as -856.5)."""
    from ctvis.app.report import metrics_table
    from ctvis.core.lungs.metrics import METRICS

    panel = segment(window, qtbot)
    metrics = window.state.overlays[LUNGS].metrics
    html = metrics_table(metrics)
    report = {title: re.findall(r"<td>([^<]*)</td>", cells) for title, cells in
              re.findall(r"<tr><th>([^<]*)</th>((?:<td>[^<]*</td>)+)</tr>", html)}
    assert [panel.table.horizontalHeaderItem(c).toolTip() for c in range(len(METRICS))] \
        == [m.about for m in METRICS]
    for c, metric in enumerate(METRICS):
        shown = [panel.table.item(r, c).text() for r in range(3)]     # right, left, total
        assert shown == report[metric.title], metric.key
    assert re.fullmatch(r"-\d+\.\d", panel.table.item(2, 1).text())      # MLD to 0.1 HU


def test_export_dialogs_offer_exactly_the_tables_formats(window, qtbot, monkeypatch):
    from ctvis.core.io import MASK_SUFFIXES
    from ctvis.mesh.mesh_io import MESH_FORMATS

    panel = segment(window, qtbot)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: offered.append(a[3]) or ("", ""))
    panel.export_mask()
    panel.export_mesh()
    patterns = [re.findall(r"\*(\.[a-z.]+)", filters) for filters in offered]
    assert patterns == [list(MASK_SUFFIXES), list(MESH_FORMATS)]


def test_histogram_shows_the_window_and_turns_lung_only(window, qtbot):
    panel = window.panels["histogram"]
    window.docks["histogram"].raise_()
    qtbot.waitUntil(lambda: panel.plot.counts is not None, timeout=2000)
    all_counts = panel.plot.counts.copy()
    assert panel.title.text() == "All voxels (HU)"
    # The soft-tissue peak (0–100 HU) is there before the lungs are segmented ...
    bins = lambda lo, hi: slice((lo + 1100) // 10, (hi + 1100) // 10)  # noqa: E731
    assert all_counts[bins(0, 100)].sum() > 1000
    plot_before = to_rgb(panel.plot)
    window.state.apply_preset("Bone")
    assert panel.plot.window.center == 400
    assert not np.array_equal(to_rgb(panel.plot), plot_before)    # the window band moved
    segment(window, qtbot)
    qtbot.waitUntil(lambda: panel.title.text() == "Lung voxels (HU)", timeout=5000)
    lung = panel.plot.counts
    assert lung.sum() < all_counts.sum() / 3
    assert lung[bins(-1100, -500)].sum() > 0.9 * lung.sum()       # ... and gone after


def test_dicom_tags_of_the_current_slice_from_a_real_series(qtbot, data_dir):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    with qtbot.waitSignal(win.volume_opened, timeout=30000):
        win.open_path(str(data_dir / "lungdx-a0001" / "dicom"))
    win.docks["dicom"].raise_()
    panel = win.panels["dicom"]
    qtbot.waitUntil(lambda: bool(panel.rows), timeout=10000)
    names = {row[1] for row in panel.visible_rows()}
    assert {"Modality", "ImagePositionPatient", "SliceThickness"} <= names
    assert "PatientName" not in names                          # identifiers hidden ...
    panel.identifiers.setChecked(True)
    assert "PatientName" in {row[1] for row in panel.visible_rows()}   # ... unless asked
    # The header is the one of the slice under the crosshair.
    z_of = lambda: float(next(r for r in panel.rows  # noqa: E731
                              if r[1] == "ImagePositionPatient")[3].strip("[]").split(",")[2])
    k = win.state.crosshair_index()[0]
    assert z_of() == pytest.approx(win.volume.index_to_patient((k, 0, 0))[2], abs=0.01)
    win.views["axial"].step(3)
    # Long timeout: the 3D pane's first full-quality frame can hold the GUI thread seconds.
    qtbot.waitUntil(lambda: win.state.crosshair_index()[0] != k and abs(
        z_of() - win.volume.index_to_patient((k, 0, 0))[2]) > 1, timeout=20000)
    assert z_of() == pytest.approx(
        win.volume.index_to_patient((win.state.crosshair_index()[0], 0, 0))[2], abs=0.01)
    panel.search.setText("modality")
    assert [row[1] for row in panel.visible_rows()] == ["Modality"]
    assert panel.table.rowCount() == 1


def test_lung_doubts_are_shown_beside_the_metrics(qtbot, phantom):
    """Lungs cut off by the scan's last slice: the dock says so under the metrics (drawn in
    its warning colour), as the CLI does; another volume clears it."""
    from ctvis.core.volume import Volume

    v = phantom.volume
    cut = Volume(v.array[:25].copy(), spacing=v.spacing, origin=v.origin,
                 direction=v.direction, meta={"description": "cut chest"})
    win = MainWindow(cut, defer_3d=True)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    panel = segment(win, qtbot)
    assert panel.doubts.isVisible()
    text = panel.doubts.text()
    assert "right lung touches the scan's edge" in text and "left lung" in text
    rgb = to_rgb(panel.doubts)
    orange = (rgb[..., 0].astype(int) - rgb[..., 2] > 60)        # #a04000 text
    assert orange.sum() > 50
    win.set_volume(phantom.volume)
    assert not panel.doubts.isVisible()


def test_preset_buttons_of_the_last_volume_only_are_drawn(window, qtbot):
    """Opening another volume rebuilds the buttons; the old ones, deleted only when the event
    loop next runs, were drawn over the new ones in a window saved right after opening."""
    from PyQt5.QtWidgets import QPushButton

    from ctvis.core.volume import Volume

    panel = window.panels["window"]
    old = list(panel.buttons.values())
    assert all(b.isVisible() for b in old)
    v = window.volume
    window.set_volume(Volume(v.array, spacing=v.spacing, meta={"description": "plain"}))
    assert not any(b.isVisible() for b in old)         # gone at once, not at the next loop
    qtbot.waitUntil(lambda: all(b.isVisible() for b in panel.buttons.values()), timeout=2000)
    shown = [b for b in panel.findChildren(QPushButton) if b.isVisible()]
    assert sorted(b.text() for b in shown) == sorted(panel.buttons)
    assert "Series" not in panel.buttons              # this volume has no preset of its own


def _click_tab(window, qtbot, title: str) -> None:
    """Click the tab of a tabified dock, as a user brings it to the front."""
    from PyQt5.QtCore import Qt
    from PyQt5.QtWidgets import QTabBar

    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.isVisible() and bar.tabText(i) == title:
                qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
                return
    raise AssertionError(f"no tab {title!r}")


def test_the_dicom_dock_reads_headers_only_while_its_tab_is_shown(qtbot, tmp_path, monkeypatch):
    """Behind the Histogram tab (where the window starts it) the DICOM dock reads no header,
    so the viewer does not import pydicom (30 MiB) for a dock nobody sees; its tab clicked,
    it shows the current slice's header, and follows the slices; behind a tab again it
    stops reading."""
    from ctvis.gui.docks import dicom_info
    from tests.helpers.dicom_factory import random_volume, write

    write(random_volume(shape=(12, 24, 20)), tmp_path / "series")
    reads = []
    real = dicom_info.header_rows
    monkeypatch.setattr(dicom_info, "header_rows", lambda path: reads.append(path) or real(path))
    win = MainWindow(defer_3d=True)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.volume_opened, timeout=30000):
        win.open_path(str(tmp_path / "series"))
    panel = win.panels["dicom"]
    for _ in range(3):                           # slices move while the dock is hidden
        win.views["axial"].step(1)
        qtbot.wait(3 * dicom_info.DEBOUNCE_MS)
    assert reads == [] and panel.rows == [] and not panel.seen()
    _click_tab(win, qtbot, "DICOM information")
    qtbot.waitUntil(lambda: bool(panel.rows), timeout=10000)
    assert panel.seen() and len(reads) == 1
    assert panel.source.toolTip().startswith(f"Slice {win.state.crosshair_index()[0] + 1}:")
    assert "Modality" in {row[1] for row in panel.visible_rows()}
    win.views["axial"].step(1)                   # shown: it follows the slice
    qtbot.waitUntil(lambda: len(reads) == 2, timeout=5000)
    _click_tab(win, qtbot, "Histogram")
    qtbot.waitUntil(lambda: not panel.seen(), timeout=5000)
    win.views["axial"].step(1)
    qtbot.wait(3 * dicom_info.DEBOUNCE_MS)
    assert len(reads) == 2                       # hidden again: nothing read
