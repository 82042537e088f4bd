"""The main window on a real X server (Xvfb): orientation, windowing, aspect, wheel, run().

The synthetic volume has a bright marker box in the patient's right-anterior-superior corner
and a background that brightens slice by slice, so screenshots show where each view put it.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt, QTimer
from PyQt5.QtGui import QImage, QWheelEvent
from PyQt5.QtWidgets import QApplication, QMessageBox

import ctvis
from ctvis.core.errors import LoadError
from ctvis.core.volume import Volume
from ctvis.gui import app as app_module
from ctvis.gui.main_window import MainWindow

pytestmark = pytest.mark.gui

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


def to_rgb(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.byteCount())
    rows = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def neutral(rgb: np.ndarray, lo: int) -> np.ndarray:
    """Grey pixels brighter than ``lo``: image pixels, never the coloured overlay text."""
    rgb = rgb.astype(int)
    return (np.ptp(rgb, axis=2) <= 2) & (rgb[..., 0] > lo)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    assert ys.size, "nothing found"
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


@pytest.fixture
def window(qtbot):
    win = MainWindow(marker_volume())
    qtbot.addWidget(win)
    win.resize(1200, 480)
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
        QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3,
               QImage.Format_RGB888).save(str(tmp_path / f"{name}.png"))
        x0, y0, x1, y1 = bbox(neutral(rgb, 20))            # the drawn image
        mx0, my0, mx1, my1 = bbox(neutral(rgb, 250))       # the white marker
        w, h = x1 - x0, y1 - y0
        got = ((mx0 - x0) / w, (my0 - y0) / h, (mx1 - x0) / w, (my1 - y0) / h)
        assert got == pytest.approx(EXPECTED_BOX[name], abs=0.02), name
        # image_rect() (what later mouse mapping will use) agrees with the pixels.
        r = view.image_rect()
        assert (r.left(), r.top(), r.right(), r.bottom()) == pytest.approx((x0, y0, x1, y1), abs=1.5)
    shot = tmp_path / "window.png"
    assert window.grab().save(str(shot))
    shutil.copy(shot, "/tmp/ctvis_window.png")


@pytest.mark.parametrize("name, height_mm, width_mm", [
    ("axial", 96 * 0.7, 128 * 0.7),
    ("coronal", 40 * 2.5, 128 * 0.7),
    ("sagittal", 40 * 2.5, 96 * 0.7),
])
def test_physical_aspect_ratio(window, name, height_mm, width_mm):
    x0, y0, x1, y1 = bbox(neutral(to_rgb(window.views[name]), 20))
    assert (y1 - y0) / (x1 - x0) == pytest.approx(height_mm / width_mm, rel=0.03)


def test_orientation_letters_are_drawn(window):
    view = window.views["coronal"]
    rgb = to_rgb(view).astype(int)
    coloured = np.ptp(rgb, axis=2) > 60  # the overlay colour, absent from grey image pixels
    h, w = coloured.shape
    edges = {"left": coloured[h // 2 - 20:h // 2 + 20, :25],
             "right": coloured[h // 2 - 20:h // 2 + 20, -25:],
             "top": coloured[:25, w // 2 - 20:w // 2 + 20],
             "bottom": coloured[-25:, w // 2 - 20:w // 2 + 20]}
    for edge, region in edges.items():
        assert region.sum() > 10, f"no letter on the {edge} edge"
    assert view.labels == {"left": "R", "right": "L", "top": "S", "bottom": "I"}


def wheel(widget, notches: int) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre.toPoint()), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.NoButton, Qt.NoModifier,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_scrolls_one_slice_per_notch_and_clamps(window):
    view = window.views["axial"]
    before_index, before = view.index, to_rgb(view)
    wheel(view, 1)
    assert view.index == before_index + 1
    after = to_rgb(view)
    image = neutral(before, 20)
    # The background brightens 10 HU (1.7 grey levels in the lung window) per slice.
    assert (after[image].astype(int) - before[image]).mean() == pytest.approx(1.7, abs=0.8)
    wheel(view, -3)
    assert view.index == before_index - 2
    wheel(view, 100)
    assert view.index == view.count - 1
    wheel(view, -100)
    assert view.index == 0


def test_run_bad_path_shows_error_and_returns_1(qtbot, tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("not an image")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args))
    assert app_module.run(str(tmp_path)) == 1
    assert len(shown) == 1
    message = shown[0][2]
    assert tmp_path.name in message or "notes.txt" in message
    assert "Traceback" not in capsys.readouterr().err


def run_and_capture(path) -> dict:
    """Run the app, and from inside its event loop note the window's title, then quit."""
    seen = {}

    def inspect_and_quit():
        wins = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, MainWindow) and w.isVisible()]
        seen["titles"] = [w.windowTitle() for w in wins]
        for w in wins:
            w.close()
        QApplication.quit()

    # Closing the windows must not post a second quit: it would end the next test's
    # event loops at once.
    app = QApplication.instance()
    app.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(0, inspect_and_quit)
    try:
        seen["code"] = app_module.run(path)
    finally:
        app.setQuitOnLastWindowClosed(True)
    return seen


def test_run_opens_the_loaded_volume(qtbot, monkeypatch):
    monkeypatch.setattr(ctvis, "load", lambda path, series_uid=None, **kw: marker_volume())
    seen = run_and_capture("/some/series")
    assert seen == {"titles": ["ctvis — Marker phantom"], "code": 0}


def test_run_without_path_shows_the_demo(qtbot):
    pytest.importorskip("ctvis.core.phantom")
    seen = run_and_capture(None)
    assert seen["code"] == 0 and len(seen["titles"]) == 1
    assert seen["titles"][0].startswith("ctvis — ")


def test_open_path_reports_load_errors(window, qtbot, monkeypatch):
    def fail(path, series_uid=None, **kw):
        raise LoadError(f"{path}: no DICOM series found")
    monkeypatch.setattr(ctvis, "load", fail)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args))
    task = window.open_path("/data/empty")
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "/data/empty: no DICOM series found" in shown[0][2]
    assert window.windowTitle() == "ctvis — Marker phantom"  # the shown volume is kept
    assert window._task is None and task is not None


def test_open_path_loads_a_real_series_in_the_background(window, qtbot, tmp_path):
    from tests.helpers.dicom_factory import random_volume, write

    vol = random_volume(shape=(6, 20, 24))
    vol.meta["description"] = "background series"
    write(vol, tmp_path)
    before = to_rgb(window.views["axial"])
    task = window.open_path(str(tmp_path))
    with qtbot.waitSignal(task.signals.finished, timeout=10000):
        pass
    qtbot.waitUntil(lambda: window.windowTitle() == "ctvis — background series", timeout=5000)
    assert window.volume.shape == (6, 20, 24)
    assert not np.array_equal(to_rgb(window.views["axial"]), before)   # redrawn


def test_open_path_can_be_cancelled(window, qtbot, monkeypatch):
    import threading

    started = threading.Event()

    def slow(path, series_uid=None, progress=None, cancel=None):
        started.set()
        while not cancel():                 # a long load that honours cancel()
            threading.Event().wait(0.01)
        from ctvis.core.errors import Cancelled
        raise Cancelled("cancelled")

    monkeypatch.setattr(ctvis, "load", slow)
    task = window.open_path("/slow/series")
    assert started.wait(5)
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        task.cancel()
    assert window.windowTitle() == "ctvis — Marker phantom"
