"""For the record, from the window: the viewer's pixels equal the headless picture of the
same state; screenshots at scale; sessions (also with moved data); the report."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QFileDialog, QMessageBox

from ctvis.app.pipeline import segment
from ctvis.model.state import LUNGS, Source, Window
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom
from ctvis.gui import report_dialog, screenshot_dialog, session_dialogs
from ctvis.gui.main_window import MainWindow
from ctvis.render.pictures import slice_picture
from tests.gui.conftest import shown_window, wait_task

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(48, 112, 112))


@pytest.fixture
def window(qtbot, phantom, tmp_path):
    ct = write_nifti(phantom.volume, tmp_path / "data" / "ct.nii.gz")
    win = MainWindow()
    win.quiet_errors = True
    qtbot.addWidget(win)
    win.resize(1200, 900)
    win.set_volume(phantom.volume, Source(str(ct)))
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def grab_rgb(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format_RGB888)
    ptr = image.constBits()
    ptr.setsize(image.byteCount())
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def test_viewer_pixels_match_the_headless_picture_of_the_same_state(window, qtbot):
    state = window.state
    state.set_overlay(LUNGS, labels=segment(state.volume).labels, origin="watershed")
    view = window.views["axial"]
    qtbot.wait(50)
    drawn = grab_rgb(view)
    rect = view.image_rect().toAlignedRect()
    ratio = view.devicePixelRatioF()
    x0, y0 = int(rect.left() * ratio), int(rect.top() * ratio)
    w, h = int(rect.width() * ratio), int(rect.height() * ratio)
    drawn = drawn[y0:y0 + h, x0:x0 + w]
    headless = np.asarray(Image.fromarray(slice_picture(state, "axial", annotations=False))
                          .resize((drawn.shape[1], drawn.shape[0]), Image.BILINEAR)).astype(int)
    diff = np.abs(drawn - headless).max(axis=2)
    # Crosshair lines and text are drawn over the viewer's picture only: compare the rest.
    assert np.median(diff) <= 4 and np.percentile(diff, 90) <= 25, (
        np.median(diff), np.percentile(diff, 90))


def test_screenshots_render_at_scale_and_the_window_as_shown(window, tmp_path):
    one = screenshot_dialog.save_picture(window, screenshot_dialog.ScreenshotOptions("coronal", 1), tmp_path / "1.png")
    two = screenshot_dialog.save_picture(window, screenshot_dialog.ScreenshotOptions("coronal", 2), tmp_path / "2.png")
    a, b = Image.open(one), Image.open(two)
    assert b.size == (2 * a.size[0], 2 * a.size[1])
    shot = screenshot_dialog.save_picture(window, screenshot_dialog.ScreenshotOptions("window"), tmp_path / "w.png")
    assert Image.open(shot).size[0] >= window.width() - 2
    layout = screenshot_dialog.save_picture(window, screenshot_dialog.ScreenshotOptions("layout"), tmp_path / "l.png")
    assert np.asarray(Image.open(layout).convert("L")).std() > 10


def save_and_wait(window, qtbot, path):
    """Save the session (on a worker) and wait until it is written."""
    assert session_dialogs.save_session_dialog(window, path) is not None
    # Its done-slot has run once the window no longer holds the task (no missed signal).
    qtbot.waitUntil(lambda: not getattr(window, "_menu_tasks", ()), timeout=60000)
    assert path.is_file()
    return path


def test_a_session_saved_from_the_window_opens_as_it_was(window, qtbot, tmp_path):
    state = window.state
    state.window = Window(40, 400, "Mediastinum")
    state.set_slice_index("sagittal", 30)
    state.layout = "one-by-three"
    saved = save_and_wait(window, qtbot, tmp_path / "s.ctvis.json")
    expected = state.to_dict()
    state.apply_preset("Bone")
    state.layout = "four-up"
    task = session_dialogs.open_session_dialog(window, saved)
    wait_task(qtbot, task, timeout=60000)
    qtbot.waitUntil(lambda: window.state.to_dict() == expected, timeout=5000)


def test_moved_data_can_be_located(window, qtbot, tmp_path, monkeypatch):
    saved = save_and_wait(window, qtbot, tmp_path / "s.json")
    old = window.state.source.path
    moved = tmp_path / "moved.nii.gz"
    (tmp_path / "data" / "ct.nii.gz").rename(moved)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    task = session_dialogs.open_session_dialog(window, saved)
    assert asked and old in asked[0]
    wait_task(qtbot, task, timeout=60000)
    qtbot.waitUntil(lambda: window.state.source.path == str(moved), timeout=5000)


def test_export_report_from_the_window(window, qtbot, tmp_path):
    task = report_dialog.export_report_dialog(window, tmp_path / "r.html")
    wait_task(qtbot, task, timeout=120000)
    assert (tmp_path / "r.html").stat().st_size > 10000
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.slow             # the day-to-day run leaves it to ./dev test
def test_view_opens_a_session_and_saves_its_screenshot(phantom, tmp_path):
    import subprocess
    import sys

    from ctvis.app.session import save_session
    from ctvis.model.state import ViewerState

    ct = write_nifti(phantom.volume, tmp_path / "ct.nii.gz")
    state = ViewerState()
    state.volume = phantom.volume
    state.source = Source(str(ct))
    state.layout = "axial"
    state.apply_preset("Bone")
    session = save_session(state, tmp_path / "s.json")
    out = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "view", "--session",
                             str(session), "--screenshot", str(out)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert Image.open(out).size[0] > 300
    ct.unlink()
    moved = subprocess.run([sys.executable, "-m", "ctvis.cli", "view", "--session",
                            str(session), "--screenshot", str(out)],
                           capture_output=True, text=True, timeout=180)
    assert moved.returncode == 1 and "missing" in moved.stderr


def _menu_action(window, text: str):
    """The action of the window's menus whose text (without its & accelerator) is ``text``."""
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.text().replace("&", "") == text:
                return action
    raise AssertionError(f"no menu action {text!r}")


def _counting(monkeypatch, module, name, calls):
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def _table(panel) -> list[list[str]]:
    return [[panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
            for r in range(panel.table.rowCount())]


def test_lungs_segmented_in_the_dock_come_back_with_the_session(qtbot, phantom, tmp_path,
                                                                 monkeypatch):
    import ctvis.app.pipeline
    import ctvis.core.lungs
    from PyQt5.QtCore import Qt
    from scipy import ndimage

    from tests.gui.shots import coloured, save, slice_on_screen, to_rgb

    ct = write_nifti(phantom.volume, tmp_path / "data" / "ct.nii.gz")
    calls = []
    _counting(monkeypatch, ctvis.app.pipeline, "segment", calls)
    _counting(monkeypatch, ctvis.core.lungs, "segment_lungs", calls)

    # Segment like a user: the Lungs dock's button.
    first = MainWindow()
    first.quiet_errors = True
    qtbot.addWidget(first)
    first.resize(1200, 900)
    first.set_volume(phantom.volume, Source(str(ct)))
    first.show()
    qtbot.waitExposed(first)
    panel = first.panels["lungs"]
    panel.method.setCurrentText("kmeans")
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: LUNGS in first.state.overlays and panel.task is None,
                    timeout=60000)
    assert calls == ["segment", "segment_lungs"]
    labels = first.state.overlays[LUNGS].labels
    metrics_shown = _table(panel)
    assert metrics_shown[2][0] != "–"

    # File ▸ Save session…, the file dialog answered.
    path = tmp_path / "sessions" / "chest.ctvis.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(path), session_dialogs.SESSION_FILTER))
    _menu_action(first, "Save session…").trigger()
    # Saved on a worker: done once the window no longer holds the task.
    qtbot.waitUntil(lambda: not getattr(first, "_menu_tasks", ()), timeout=60000)
    assert path.is_file()
    first.close()

    # Open it in a new window the way `ctvis view --session` does.
    calls.clear()
    second = shown_window(qtbot)
    task = session_dialogs.open_session_dialog(second, path)
    wait_task(qtbot, task, timeout=60000)
    qtbot.waitUntil(lambda: LUNGS in second.state.overlays, timeout=5000)

    # The overlay is drawn: the lungs' pixels of the axial view are tinted, right orange and
    # left blue.
    view = second.views["axial"]
    qtbot.wait(50)
    rgb = to_rgb(view)
    save(rgb, tmp_path / "reopened-axial.png")
    cube = np.ones((3, 3, 3), bool)
    right, inside = slice_on_screen(view, ndimage.binary_erosion(labels == 1, cube))
    left, _ = slice_on_screen(view, ndimage.binary_erosion(labels == 2, cube))
    right, left = right.astype(bool) & inside, left.astype(bool) & inside
    assert right.sum() > 200 and left.sum() > 200
    tint = coloured(rgb, 20)
    assert tint[right].mean() > 0.95 and tint[left].mean() > 0.95
    assert np.median(rgb[right][:, 0].astype(int) - rgb[right][:, 2]) > 40      # orange
    assert np.median(rgb[left][:, 2].astype(int) - rgb[left][:, 0]) > 40        # blue

    # The dock shows the metrics it showed before saving, from the session.
    again = second.panels["lungs"]
    assert _table(again) == metrics_shown
    assert again.status.text() != "Not segmented yet."
    assert again.show_box.isEnabled() and again.show_box.isChecked()
    assert calls == []                                          # nothing was segmented again
    np.testing.assert_array_equal(second.state.overlays[LUNGS].labels, labels)
    # The label map is a NIfTI beside the session, named in it.
    import json

    saved = json.loads(path.read_text())["overlays"][LUNGS]
    assert saved["labels"] == "chest.ctvis.lungs.nii.gz" and saved["origin"] == "kmeans"
    assert (path.parent / saved["labels"]).is_file()
    second.close()


def test_the_report_from_the_window_uses_its_bone_threshold_and_its_lungs(
        window, qtbot, tmp_path, monkeypatch):
    import ctvis.app.pipeline
    import ctvis.render.pictures
    from ctvis.app.report import PICTURES
    from ctvis.model.state import Bone
    from ctvis.render.pictures import png_bytes

    # Lungs the window shows (a mask it was given: labels without metrics) and the bone
    # threshold moved from the preset's 300 HU to 200 HU.
    result = segment(window.state.volume, method="kmeans")
    window.state.set_overlay(LUNGS, labels=result.labels, origin="kmeans")
    window.state.bone = Bone(200, True)
    drawn = []

    def pictures(state, progress=None, cancel=None):
        drawn.append(state)
        return {key: png_bytes(np.zeros((4, 4, 3), np.uint8)) for key in PICTURES}

    monkeypatch.setattr(ctvis.render.pictures, "report_pictures", pictures)
    segmented = []
    _counting(monkeypatch, ctvis.app.pipeline, "segment", segmented)
    task = report_dialog.export_report_dialog(window, tmp_path / "r.html", with_pdf=False)
    wait_task(qtbot, task, timeout=60000)
    assert drawn[0].bone.hu == 200
    text = (tmp_path / "r.html").read_text()
    assert "200 HU, flying edges" in text and "300 HU" not in text
    # The window's lungs, measured, not new ones.
    np.testing.assert_array_equal(drawn[0].overlays[LUNGS].labels, result.labels)
    assert segmented == []
    assert f"{result.metrics['total']['volume_ml']:.0f}" in text
