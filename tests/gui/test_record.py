"""For the record, from the window: the viewer's pixels equal the headless picture of the
same state; screenshots at scale; sessions (also with moved data); the report."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QFileDialog, QMessageBox

from ctvis.app.pipeline import segment
from ctvis.app.state import LUNGS, Source, Window
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom
from ctvis.gui import record
from ctvis.gui.main_window import MainWindow
from ctvis.render.pictures import slice_picture

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
    one = record.save_picture(window, record.ScreenshotOptions("coronal", 1), tmp_path / "1.png")
    two = record.save_picture(window, record.ScreenshotOptions("coronal", 2), tmp_path / "2.png")
    a, b = Image.open(one), Image.open(two)
    assert b.size == (2 * a.size[0], 2 * a.size[1])
    shot = record.save_picture(window, record.ScreenshotOptions("window"), tmp_path / "w.png")
    assert Image.open(shot).size[0] >= window.width() - 2
    layout = record.save_picture(window, record.ScreenshotOptions("layout"), tmp_path / "l.png")
    assert np.asarray(Image.open(layout).convert("L")).std() > 10


def test_a_session_saved_from_the_window_opens_as_it_was(window, qtbot, tmp_path):
    state = window.state
    state.window = Window(40, 400, "Mediastinum")
    state.set_slice_index("sagittal", 30)
    state.layout = "one-by-three"
    saved = record.save_session_dialog(window, tmp_path / "s.ctvis.json")
    expected = state.to_dict()
    state.apply_preset("Bone")
    state.layout = "four-up"
    task = record.open_session_dialog(window, saved)
    with qtbot.waitSignal(task.signals.finished, timeout=60000):
        pass
    qtbot.waitUntil(lambda: window.state.to_dict() == expected, timeout=5000)


def test_moved_data_can_be_located(window, qtbot, tmp_path, monkeypatch):
    saved = record.save_session_dialog(window, tmp_path / "s.json")
    old = window.state.source.path
    moved = tmp_path / "moved.nii.gz"
    (tmp_path / "data" / "ct.nii.gz").rename(moved)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    task = record.open_session_dialog(window, saved)
    assert asked and old in asked[0]
    with qtbot.waitSignal(task.signals.finished, timeout=60000):
        pass
    qtbot.waitUntil(lambda: window.state.source.path == str(moved), timeout=5000)


def test_export_report_from_the_window(window, qtbot, tmp_path):
    task = record.export_report_dialog(window, tmp_path / "r.html")
    with qtbot.waitSignal(task.signals.finished, timeout=120000):
        pass
    assert (tmp_path / "r.html").stat().st_size > 10000
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_view_opens_a_session_and_saves_its_screenshot(phantom, tmp_path):
    import subprocess
    import sys

    from ctvis.app.session import save_session
    from ctvis.app.state import ViewerState

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
