"""The main window on a real X server (Xvfb): orientation, windowing, aspect, wheel, run(),
opening in the background.

The synthetic volume has a bright marker box in the patient's right-anterior-superior corner
and a background that brightens slice by slice, so screenshots show where each view put it.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication

from ctvis.app import pipeline
from ctvis.core.errors import LoadError
from ctvis.core.volume import Volume
from ctvis.gui import app as app_module
from ctvis.gui.main_window import MainWindow
from tests.gui.shots import bbox, coloured, neutral, save, to_rgb, wheel
from tests.helpers.pictures import picture_path

# Teardown and use must be clean: any Qt warning fails the test (the XDG runtime notice
# of a root session under Xvfb aside).
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]

SHAPE = (40, 96, 128)           # z, y, x
SPACING = (2.5, 0.7, 0.7)       # dz, dy, dx mm
# Marker: top fifth in z (superior), first third in y (anterior), first quarter in x (right).
MARKER = (slice(32, 40), slice(0, 32), slice(0, 32))
MARKER_CENTRE = (36, 16, 16)    # k, j, i inside the marker

# Fractions (left, top, right, bottom) of the drawn image the marker must cover in each view.
EXPECTED_BOX = {
    "axial": (0, 0, 32 / 128, 32 / 96),      # R on screen left, A at top
    "coronal": (0, 0, 32 / 128, 8 / 40),     # R on screen left, S at top
    "sagittal": (0, 0, 32 / 96, 8 / 40),     # A on screen left, S at top
}
NORMAL_AXIS = {"axial": 0, "coronal": 1, "sagittal": 2}


def marker_volume() -> Volume:
    nz, ny, nx = SHAPE
    # -1000 HU rising 10 HU per slice: lung-window grey 60..126, different on every axial slice.
    array = np.broadcast_to((-1000 + 10 * np.arange(nz))[:, None, None], SHAPE).astype(np.int16)
    array[MARKER] = 500  # above the lung window: pure white
    return Volume(array, spacing=SPACING, meta={"description": "Marker phantom"})


@pytest.fixture
def window(qtbot):
    win = MainWindow(marker_volume())
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_title_status_and_centre_slices(window):
    assert window.windowTitle() == "ctvis — Marker phantom"
    status = window._info.text()
    assert "128 × 96 × 40" in status and "0.7 × 0.7 × 2.5 mm" in status
    for name, view in window.views.items():
        assert view.count == SHAPE[NORMAL_AXIS[name]]
        assert view.index == view.count // 2


def test_marker_lands_in_the_radiological_quadrant(window, tmp_path):
    # The centre axial slice misses the marker (it is in the top fifth only).
    assert not neutral(to_rgb(window.views["axial"]), 250).any()
    for name, view in window.views.items():
        view.set_index(MARKER_CENTRE[NORMAL_AXIS[name]])
        rgb = to_rgb(view)
        save(rgb, tmp_path / f"{name}.png")
        x0, y0, x1, y1 = bbox(neutral(rgb, 20))            # the drawn image
        mx0, my0, mx1, my1 = bbox(neutral(rgb, 250))       # the white marker
        w, h = x1 - x0, y1 - y0
        got = ((mx0 - x0) / w, (my0 - y0) / h, (mx1 - x0) / w, (my1 - y0) / h)
        assert got == pytest.approx(EXPECTED_BOX[name], abs=0.02), name
        # image_rect() (what the mouse mapping uses) agrees with the pixels.
        r = view.image_rect()
        assert (r.left(), r.top(), r.right(), r.bottom()) == pytest.approx((x0, y0, x1, y1),
                                                                           abs=1.5)
    shot = tmp_path / "window.png"
    assert window.grab().save(str(shot))
    shutil.copy(shot, picture_path("ctvis_window.png"))


@pytest.mark.parametrize("name, height_mm, width_mm", [
    ("axial", 96 * 0.7, 128 * 0.7),
    ("coronal", 40 * 2.5, 128 * 0.7),
    ("sagittal", 40 * 2.5, 96 * 0.7),
])
def test_physical_aspect_ratio(window, name, height_mm, width_mm):
    x0, y0, x1, y1 = bbox(neutral(to_rgb(window.views[name]), 20))
    assert (y1 - y0) / (x1 - x0) == pytest.approx(height_mm / width_mm, rel=0.03)


@pytest.mark.parametrize("name, letters", [
    ("axial", {"left": "R", "right": "L", "top": "A", "bottom": "P"}),
    ("coronal", {"left": "R", "right": "L", "top": "S", "bottom": "I"}),
    ("sagittal", {"left": "A", "right": "P", "top": "S", "bottom": "I"}),
])
def test_orientation_letters_are_drawn_on_their_edges(window, name, letters):
    # Crosshair in a corner, so its coloured lines do not cross the middle of the edges.
    window.state.crosshair = tuple(window.volume.index_to_patient((2, 2, 2)))
    view = window.views[name]
    assert view.letters == letters
    colour = coloured(to_rgb(view), 60)
    h, w = colour.shape
    edges = {"left": colour[h // 2 - 12:h // 2 + 12, :22],
             "right": colour[h // 2 - 12:h // 2 + 12, -22:],
             "top": colour[:24, w // 2 - 12:w // 2 + 12],
             "bottom": colour[-24:, w // 2 - 12:w // 2 + 12]}
    for edge, region in edges.items():
        assert region.sum() > 10, f"no letter on the {edge} edge"
    # and nothing coloured in the middle of the image between them
    assert not colour[h // 2 - 12:h // 2 + 12, w // 2 - 60:w // 2 - 20].any()


def test_wheel_scrolls_one_slice_per_notch_and_clamps(window):
    view = window.views["axial"]
    window.state.crosshair = tuple(window.volume.index_to_patient((20, 90, 120)))
    before_index, before = view.index, to_rgb(view)
    wheel(view, 1)
    assert view.index == before_index + 1
    after = to_rgb(view)
    image = neutral(before, 20) & neutral(after, 20)
    # The background brightens 10 HU (1.7 grey levels in the lung window) per slice.
    assert (after[image].astype(int) - before[image]).mean() == pytest.approx(1.7, abs=0.8)
    wheel(view, -3)
    assert view.index == before_index - 2
    wheel(view, 100)
    assert view.index == view.count - 1
    wheel(view, -100)
    assert view.index == 0


def test_run_bad_path_shows_error_and_returns_1(qtbot, tmp_path, message_boxes, capsys):
    (tmp_path / "notes.txt").write_text("not an image")
    assert app_module.run(str(tmp_path)) == 1
    errors = [m for m in message_boxes if m[0] == "critical"]
    assert len(errors) == 1
    message = errors[0][3]
    assert tmp_path.name in message or "notes.txt" in message
    assert "Traceback" not in capsys.readouterr().err


def run_and_capture(path, **kwargs) -> dict:
    """Run the app; once its window shows a volume, note its title, then quit."""
    seen = {}

    def inspect_and_quit():
        wins = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, MainWindow) and w.isVisible()]
        if not wins or any(w.volume is None for w in wins):
            QTimer.singleShot(20, inspect_and_quit)          # still loading
            return
        seen["titles"] = [w.windowTitle() for w in wins]
        seen["windows"] = [w.state.window for w in wins]
        for w in wins:
            w.close()
        QApplication.quit()

    # Closing the windows must not post a second quit: it would end the next test's
    # event loops at once.
    app = QApplication.instance()
    app.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(0, inspect_and_quit)
    try:
        seen["code"] = app_module.run(path, **kwargs)
    finally:
        app.setQuitOnLastWindowClosed(True)
    return seen


def test_run_opens_the_loaded_volume_with_a_preset(qtbot, monkeypatch):
    monkeypatch.setattr(pipeline, "open_volume",
                        lambda path, series_uid=None, **kw: marker_volume())
    seen = run_and_capture("/some/series", preset="mediastinum")
    assert seen["titles"] == ["ctvis — Marker phantom"] and seen["code"] == 0
    assert seen["windows"][0].preset == "Mediastinum"
    assert (seen["windows"][0].center, seen["windows"][0].width) == (40, 400)


def test_run_without_path_shows_the_demo(qtbot):
    seen = run_and_capture(None)
    assert seen["code"] == 0 and len(seen["titles"]) == 1
    assert seen["titles"][0] == "ctvis — ctvis demo phantom"


def test_run_screenshot_saves_the_window_and_exits_0(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "open_volume",
                        lambda path, series_uid=None, **kw: marker_volume())
    out = tmp_path / "shot.png"
    app = QApplication.instance()
    app.setQuitOnLastWindowClosed(False)
    try:
        assert app_module.run("/some/series", screenshot=str(out)) == 0
    finally:
        app.setQuitOnLastWindowClosed(True)
    from PyQt5.QtGui import QImage

    image = QImage(str(out))
    assert not image.isNull() and image.width() > 600 and image.height() > 400


def test_open_path_reports_load_errors(window, qtbot, monkeypatch, message_boxes):
    def fail(path, series_uid=None, **kw):
        raise LoadError(f"{path}: no DICOM series found")
    monkeypatch.setattr(pipeline, "open_volume", fail)
    task = window.open_path("/data/empty")
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=5000)
    assert "/data/empty: no DICOM series found" in message_boxes[0][3]
    assert window.windowTitle() == "ctvis — Marker phantom"  # the shown volume is kept
    assert window.volume.shape == SHAPE
    assert window._task is None and task is not None


def test_open_path_loads_a_real_series_in_the_background(window, qtbot, tmp_path):
    from tests.helpers.dicom_factory import random_volume, write

    vol = random_volume(shape=(6, 20, 24))
    vol.meta["description"] = "background series"
    write(vol, tmp_path)
    before = to_rgb(window.views["axial"])
    with qtbot.waitSignal(window.volume_opened, timeout=10000):
        window.open_path(str(tmp_path))
    assert window.windowTitle() == "ctvis — background series"
    assert window.volume.shape == (6, 20, 24)
    assert window.state.source.path == str(tmp_path)
    assert window.recent_files()[0] == str(tmp_path)
    assert not np.array_equal(to_rgb(window.views["axial"]), before)   # redrawn


def test_a_quick_load_shows_no_progress_dialog_a_long_one_does(window, qtbot, monkeypatch):
    """A modal progress dialog slowed a 640-slice load by a third (docs/performance.md): a
    load of under a second opens none; one of over two seconds does."""
    import time

    from PyQt5.QtWidgets import QProgressDialog

    from ctvis.gui.main_window import OPEN_DIALOG_MS

    assert OPEN_DIALOG_MS >= 1000
    shown, old = [], set()               # dialogs of earlier opens (closing) do not count
    poll = QTimer()
    poll.timeout.connect(lambda: shown.extend(
        d for d in window.findChildren(QProgressDialog) if d.isVisible() and d not in old))
    poll.start(20)
    volume = window.volume
    for seconds, dialog in ((0.8, False), (2.4, True)):
        def slow(path, series_uid=None, progress=None, cancel=None, seconds=seconds):
            # Half done at once, so Qt's estimate of the time left is short: only the
            # dialog's own delay (shown once OPEN_DIALOG_MS has passed) decides.
            for k in range(5, 11):
                progress(k / 10, f"reading slice {k}")
                time.sleep(seconds / 6)
            return volume
        monkeypatch.setattr(pipeline, "open_volume", slow)
        shown.clear()
        old.update(window.findChildren(QProgressDialog))
        with qtbot.waitSignal(window.volume_opened, timeout=10000):
            window.open_path(None)
        assert bool(shown) is dialog
    poll.stop()


def test_loading_warnings_stay_in_the_status_bar_and_list_on_click(window, qtbot, tmp_path):
    """A series with a slice missing and a stray file: the status bar shows a warning button
    (drawn: its icon is coloured) until a clean volume replaces it; a click lists the notes."""
    from PyQt5.QtCore import Qt

    from tests.helpers.dicom_factory import random_volume, write

    folder = tmp_path / "series"
    paths = write(random_volume(shape=(8, 20, 24)), folder)
    paths[4].unlink()
    (folder / "notes.txt").write_text("export log\n")
    button = window.loading_notes
    assert not button.isVisible()
    bar_before = to_rgb(window.statusBar())
    assert not coloured(bar_before).any()                  # no warning drawn yet
    with qtbot.waitSignal(window.volume_opened, timeout=10000):
        window.open_path(str(folder))
    assert button.isVisible()
    assert button.text() == f"{len(button.notes)} loading warnings" and len(button.notes) >= 2
    assert "Opened with" in window.statusBar().currentMessage()
    shot = to_rgb(window.statusBar())
    ys, xs = np.nonzero(coloured(shot))
    geometry = button.geometry()                           # the warning icon is drawn there
    assert len(xs) > 20
    assert geometry.left() <= xs.min() and xs.max() <= geometry.right()
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: button.box is not None and button.box.isVisible(), timeout=3000)
    text = button.box.informativeText()
    assert "missing slices" in text and "notes.txt" in text and str(folder) in button.box.text()
    button.box.accept()
    window.set_volume(marker_volume())                     # a clean volume: gone
    assert not button.isVisible()
    qtbot.waitUntil(lambda: not coloured(to_rgb(window.statusBar())).any(), timeout=3000)


def test_open_path_can_be_cancelled(window, qtbot, monkeypatch):
    import threading

    started = threading.Event()

    def slow(path, series_uid=None, progress=None, cancel=None):
        started.set()
        while not cancel():                 # a long load that honours cancel()
            threading.Event().wait(0.01)
        from ctvis.core.errors import Cancelled
        raise Cancelled("cancelled")

    monkeypatch.setattr(pipeline, "open_volume", slow)
    task = window.open_path("/slow/series")
    assert started.wait(5)
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        task.cancel()
    assert window.windowTitle() == "ctvis — Marker phantom"


def test_a_folder_with_two_series_asks_which(window, qtbot, tmp_path):
    from tests.helpers.dicom_factory import random_volume, write

    small, big = random_volume(shape=(4, 20, 24)), random_volume(shape=(7, 20, 24))
    write(small, tmp_path / "a")
    write(big, tmp_path / "b")
    asked = []

    def choose(parent, path, series):
        asked.append(sorted(s.n_images for s in series))
        return next(s.uid for s in series if s.n_images == 4)

    window.choose_series = choose
    with qtbot.waitSignal(window.volume_opened, timeout=10000):
        window.open_path(str(tmp_path))
    assert asked == [[4, 7]]
    assert window.volume.shape == (4, 20, 24)


def test_no_display_is_one_clear_message(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(QApplication, "instance", staticmethod(lambda: None))
    problem = app_module.display_problem()
    assert problem.startswith("no display") and "./dev view" in problem


def test_dropping_a_folder_opens_it(window, qtbot, tmp_path):
    from PyQt5.QtCore import QMimeData, QPoint, Qt, QUrl
    from PyQt5.QtGui import QDragEnterEvent, QDropEvent

    from tests.helpers.dicom_factory import random_volume, write

    vol = random_volume(shape=(5, 20, 24))
    vol.meta["description"] = "dropped series"
    write(vol, tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.volume_opened, timeout=10000):
        QApplication.sendEvent(window, QDropEvent(QPoint(50, 50), Qt.CopyAction, mime,
                                                  Qt.LeftButton, Qt.NoModifier))
    assert window.windowTitle() == "ctvis — dropped series"


def test_recent_files_menu_and_screenshot_action(window, qtbot, tmp_path, monkeypatch):
    from PyQt5.QtGui import QImage
    from PyQt5.QtWidgets import QFileDialog

    window.add_recent("/data/a")
    window.add_recent("/data/b")
    window.add_recent("/data/a")
    window._fill_recent()
    assert [a.text() for a in window.recent_menu.actions()] == ["/data/a", "/data/b"]
    out = tmp_path / "window.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PNG"))
    save_action = next(a for a in window.menuBar().actions()[0].menu().actions()
                       if a.text().startswith("Save &window as shown"))
    assert save_action.shortcut().toString() == "Ctrl+Alt+S"
    save_action.trigger()
    image = QImage(str(out))
    assert image.width() >= window.width() - 2 and image.height() >= window.height() - 2


def test_closing_while_segmenting_is_clean(qtbot):
    from ctvis.core.phantom import make_phantom

    win = MainWindow(make_phantom(shape=(60, 160, 160)).volume)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    task = win.panels["lungs"].run()
    results = []
    task.signals.finished.connect(results.append)
    qtbot.wait(100)
    win.close()                      # cancels the work and waits for the worker
    assert not results
    assert all(len(signal) == 0 for signal in win.state.events
               if signal.name in ("crosshair", "window", "overlays", "bone", "layout"))


@pytest.mark.slow
def test_main_py_takes_the_view_options_and_saves_a_screenshot(tmp_path):
    import os
    import subprocess
    import sys

    from tests.helpers.shared_data import ROOT

    out = tmp_path / "main.png"
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--preset", "bone",
                           "--screenshot", str(out)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "xcb"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.stat().st_size > 10000
    no_display = {k: v for k, v in os.environ.items() if k not in ("DISPLAY",
                                                                    "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "ctvis.cli", "view"], capture_output=True,
                          text=True, timeout=60, env={**no_display, "QT_QPA_PLATFORM": "xcb"})
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("ctvis: error: no display")
    assert "Traceback" not in proc.stderr
