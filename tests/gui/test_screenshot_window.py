"""File ▸ Save window as shown with the window partly off the screen (issue 18, item 10).

The monkey once left the GUI thread stuck in that action while two workers ran.  gdb on a
reproduction: ``QImage.convertToFormat`` (PyQt keeps the GIL) waiting on a semaphore for
strips that Qt 5.15 had queued on ``QThreadPool.globalInstance()``, whose two threads ran
ctvis workers waiting for the GIL.  ctvis's workers now run on their own pool.  Besides, a
``QWidget.grab`` of the window made Qt paint the 3D pane's ``QOpenGLWidget`` through
``grabFramebuffer`` (``paintGL``: the VTK scene rendered again from inside the window's
paint); the picture is now composed from the Qt widgets without the OpenGL widget and the
3D pane's last frame read from VTK.  These tests drive that path (3D pane shown and hidden,
a worker running), check what the saved picture holds, and that workers leave Qt's pool
free; they assert no durations.  (The pane is now VTK's native window, which paints by
rendering: the picture must not paint it either.)
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QRect, QThreadPool
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QApplication

from ctvis.gui import screenshot
from ctvis.gui import view3d as view3d_module
from ctvis.gui.worker import Task

pytestmark = pytest.mark.gui


def rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format_RGB888)
    rows = np.frombuffer(image.bits().asstring(image.sizeInBytes()), np.uint8)
    rows = rows.reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def widget_rgb(widget) -> np.ndarray:
    """A plain Qt widget drawn on its own, the way the composed picture draws it."""
    image = QImage(widget.size(), QImage.Format_RGB32)
    widget.render(image)
    return rgb(image)


def area(picture: np.ndarray, window, widget) -> np.ndarray:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return picture[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1]


def settled(window, qtbot):
    pane = window.view3d
    qtbot.waitUntil(lambda: not pane.scene.first_still_pending()
                    and not pane.scene.volume_actor.interactive, timeout=10000)
    qtbot.wait(view3d_module.STILL_DELAY_MS + 150)
    return pane


def partly_off_screen(window, qtbot) -> None:
    screen = QApplication.primaryScreen().geometry()
    window.move(screen.right() - window.width() // 2, screen.top() + 20)
    qtbot.waitUntil(lambda: not screen.contains(window.frameGeometry()), timeout=2000)


class PaintSpy:
    """Every paint of the 3D pane's render widget (a paint renders the scene), and whether a
    save was under way."""

    def __init__(self, monkeypatch, gl_widget):
        self.saving = False
        self.calls: list[bool] = []
        cls = type(gl_widget)
        original = cls.paintEvent

        def paintEvent(widget, event):
            self.calls.append(self.saving)
            return original(widget, event)

        monkeypatch.setattr(cls, "paintEvent", paintEvent)


def blocked_task() -> tuple[Task, threading.Event, threading.Event]:
    """A worker that runs until released (a load or an export in the real window)."""
    started, release = threading.Event(), threading.Event()

    def work(progress, cancel):
        started.set()
        release.wait(30)
        return "done"

    return Task(work).start(), started, release


@pytest.mark.parametrize("layout", ["four-up", "sagittal"])
def test_window_as_shown_off_screen_is_composed_without_painting_the_3d_widget(
        phantom_window, qtbot, tmp_path, monkeypatch, layout):
    window = phantom_window
    pane = settled(window, qtbot)
    window.state.layout = layout
    shown = layout == "four-up"
    qtbot.waitUntil(lambda: pane.isVisible() == shown, timeout=2000)
    qtbot.wait(view3d_module.STILL_DELAY_MS + 150)
    partly_off_screen(window, qtbot)
    gl = pane.plotter.interactor
    spy = PaintSpy(monkeypatch, gl)
    task, started, release = blocked_task()
    try:
        assert started.wait(10)
        path = tmp_path / "window.png"
        spy.saving = True
        try:
            assert window.save_screenshot(path) == str(path)
        finally:
            spy.saving = False
        assert not task._ran.is_set()                     # the worker ran all along
    finally:
        release.set()
    qtbot.waitUntil(lambda: task._ran.is_set(), timeout=10000)

    assert True not in spy.calls                          # never painted by the grab
    picture = rgb(QImage(str(path)))
    assert picture.shape[:2] == (window.height(), window.width())
    # The slice views as they draw themselves.
    for name, view in window.views.items():
        if view.isVisible():
            assert np.array_equal(area(picture, window, view), widget_rgb(view)), name
    assert window.views["sagittal"].isVisible()
    if not shown:
        assert screenshot.gl_widget(window) is None
        return
    # The 3D area: VTK's frame of the volume, as the OpenGL widget shows it.
    drawn = area(picture, window, gl)
    shown_frame = pane.plotter.screenshot().astype(int)  # rendered again, after the save
    assert drawn.shape == shown_frame.shape
    assert np.abs(drawn - shown_frame).mean() < 2.0
    background = np.round(np.array(pane.scene.renderer.GetBackground()) * 255)
    differs = np.abs(drawn - background).sum(axis=-1) > 30
    assert differs.mean() > 0.02                          # the volume, not an empty frame
    gl.update()
    qtbot.waitUntil(lambda: False in spy.calls, timeout=5000)   # the spy hears real paints


def test_window_as_shown_on_screen_and_composed_agree(qtbot, phantom, tmp_path):
    """On a screen that holds the whole window, the screen's pixels and the composed
    picture are the same picture."""
    from ctvis.gui.main_window import MainWindow

    screen = QApplication.primaryScreen().geometry()
    window = MainWindow(phantom.volume)
    qtbot.addWidget(window)
    window.resize(min(1000, screen.width() - 40), min(700, screen.height() - 60))
    window.move(screen.left() + 10, screen.top() + 10)
    window.show()
    qtbot.waitExposed(window)
    settled(window, qtbot)
    if not screen.contains(window.frameGeometry()):
        pytest.skip("the screen is too small for the window")
    on_screen = rgb(screenshot.window_image(window))
    composed = rgb(screenshot.composed_image(window))
    assert on_screen.shape == composed.shape
    # A 16-bit screen (pytest-xvfb's default) rounds colours; the picture is the same.
    assert np.abs(on_screen - composed).mean() < 4.0


def test_workers_leave_qts_global_pool_to_qt(qtbot):
    """Qt 5.15 converts a large QImage on the GUI thread in strips queued on
    ``QThreadPool.globalInstance()`` and waits for them (``QImage.convertToFormat``, with
    the GIL held).  The monkey's hang: both global pool threads ran ctvis workers that
    waited for the GIL.  ctvis's workers run on their own pool, so the conversion always
    has Qt's threads, however many workers run."""
    workers = [blocked_task() for _ in range(QThreadPool.globalInstance().maxThreadCount())]
    try:
        for _task, started, _release in workers:
            assert started.wait(10)                      # all of them running at once
        assert QThreadPool.globalInstance().activeThreadCount() == 0
        big = QImage(1400, 900, QImage.Format_RGB32)     # many strips of 64 KiB
        big.fill(0x336699)
        converted = big.convertToFormat(QImage.Format_RGB888)
        assert converted.pixelColor(700, 450).name() == "#336699"
        assert all(not task._ran.is_set() for task, _s, _r in workers)
    finally:
        for _task, _started, release in workers:
            release.set()
    qtbot.waitUntil(lambda: all(task._ran.is_set() for task, _s, _r in workers),
                    timeout=10000)
