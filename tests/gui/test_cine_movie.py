"""Cine (K, the status bar's play button, View ▸ Cine) and File ▸ Save movie in a real window
under Xvfb (issue 24, items 4 and 5)."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt, QTimer
from PyQt5.QtWidgets import QApplication, QDialogButtonBox, QFileDialog

from tests.gui.shots import save, to_rgb
from tests.helpers.pictures import picture_path


@pytest.fixture
def window(phantom_window):
    return phantom_window


def indices_seen(window, view):
    """The slice index of ``view`` after each crosshair change, as a list that grows."""
    seen = []
    window.state.events.crosshair.connect(lambda _p: seen.append(view.index))
    return seen


def test_k_plays_the_view_under_the_pointer_and_k_again_stops(window, qtbot, tmp_path):
    view = window.views["coronal"]
    axial = window.views["axial"].index
    qtbot.mouseMove(view, QPoint(view.width() // 2, view.height() // 2))
    qtbot.waitUntil(lambda: window.view_under_pointer() is view, timeout=2000)
    start = view.index
    seen = indices_seen(window, view)
    qtbot.keyClick(view, Qt.Key_K)
    assert window.cine.playing and window.cine.view is view
    assert window.cine.play_action.isChecked()
    assert window.statusBar().currentMessage().startswith("Cine: coronal slices at 10/s, Loop")
    from ctvis.gui.main_window import SHORTCUTS_HELP                # Help ▸ Keyboard and mouse
    assert "<b>K</b>" in SHORTCUTS_HELP and "<b>Ctrl+Shift+M</b>" in SHORTCUTS_HELP
    qtbot.waitUntil(lambda: len(seen) >= 4, timeout=5000)
    assert seen[:4] == [start + 1, start + 2, start + 3, start + 4]   # one slice a tick
    assert window.views["axial"].index == axial          # only the played view's slice moves
    save(to_rgb(window), tmp_path / "cine_playing.png")
    save(to_rgb(window), picture_path("cine_playing.png"))
    qtbot.keyClick(view, Qt.Key_K)
    assert not window.cine.playing and not window.cine.play_action.isChecked()
    stopped = view.index
    qtbot.wait(300)                                      # three ticks at 10 slices/s
    assert view.index == stopped


def test_loop_wraps_and_back_and_forth_turns_at_the_ends(window, qtbot):
    cine = window.cine
    view = window.views["axial"]
    last = view.count - 1
    cine.rate_actions[30].trigger()                      # View ▸ Cine ▸ Frame rate
    assert cine.timer.interval() == 33 or not cine.playing
    view.set_index(last - 2)
    seen = indices_seen(window, view)
    cine.play(view)
    qtbot.waitUntil(lambda: len(seen) >= 4, timeout=5000)
    cine.stop()
    assert seen[:4] == [last - 1, last, 0, 1]            # loop: after the last, the first
    cine.mode_actions["bounce"].trigger()                # View ▸ Cine ▸ Back and forth
    assert cine.mode == "bounce"
    view.set_index(last - 1)
    seen.clear()
    cine.play(view)
    qtbot.waitUntil(lambda: len(seen) >= 4, timeout=5000)
    assert seen[:4] == [last, last - 1, last - 2, last - 3]
    cine.stop()
    view.set_index(1)
    cine.direction = -1                                  # going down, as after the top end
    cine.timer.start(cine.interval())
    seen.clear()
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=5000)
    cine.stop()
    assert seen[:3] == [0, 1, 2]                         # and turns again at the first


def test_the_status_bar_button_plays_and_a_new_volume_stops(window, qtbot, phantom):
    from PyQt5.QtWidgets import QToolButton

    button = next(b for b in window.statusBar().findChildren(QToolButton)
                  if b.defaultAction() is window.cine.play_action)
    window.views["sagittal"].setFocus()
    qtbot.mouseClick(button, Qt.LeftButton)
    assert window.cine.playing
    window.set_volume(phantom.volume.with_array(phantom.volume.array.copy()))
    assert not window.cine.playing and not button.isChecked()


def test_save_movie_dialog_films_what_the_window_shows(window, qtbot, monkeypatch, tmp_path):
    import imageio.v3 as iio

    from ctvis.render.pictures import slice_picture

    out = tmp_path / "coronal.gif"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kw: (str(out), "Animated GIF (*.gif)"))
    window.state.apply_preset("Bone")
    window.state.set_view_display("coronal", slab_mm=10.0, slab_mode="mip", colormap="viridis")
    seen = {}

    def fill_in():
        dialog = QApplication.activeModalWidget()
        if dialog is None or not hasattr(dialog, "target"):
            QTimer.singleShot(50, fill_in)
            return
        try:
            dialog.target.setCurrentIndex(dialog.target.findData("coronal"))
            dialog.step.setValue(4)
            dialog.fps.setValue(5)
            seen["shot"] = to_rgb(dialog)
            qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.Save), Qt.LeftButton)
        finally:
            if dialog.isVisible():                       # never hang on exec_()
                dialog.reject()

    QTimer.singleShot(0, fill_in)
    crosshair = window.state.crosshair
    qtbot.keyClick(window.views["axial"], Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(out.exists, timeout=30000)
    save(seen["shot"], tmp_path / "save_movie_dialog.png")
    save(seen["shot"], picture_path("save_movie_dialog.png"))
    frames = iio.imread(out, index=None)[..., :3].astype(float)
    count = window.views["coronal"].count
    assert len(frames) == len(range(0, count, 4))
    assert window.state.crosshair == crosshair          # the window's views did not move
    from ctvis.app.movie import snapshot

    state = snapshot(window.state)
    state.set_slice_index("coronal", 4)
    shot = slice_picture(state, "coronal").astype(float)  # Bone window, viridis MIP: as shown
    assert frames.shape[1:3] == shot.shape[:2]
    assert np.abs(frames[1] - shot).mean() < 2.0
    state.set_view_display("coronal", slab_mm=0.0, colormap="grey")
    assert np.abs(frames[1] - slice_picture(state, "coronal")).mean() > 10.0
    qtbot.waitUntil(lambda: "Saved" in window.statusBar().currentMessage(), timeout=5000)


def test_save_movie_turns_the_3d_view(window, qtbot, tmp_path):
    import imageio.v3 as iio

    from ctvis.app.movie import MovieSpec
    from ctvis.gui.movie_dialog import start_movie

    out = tmp_path / "turn.gif"
    start_movie(window, MovieSpec(kind="rotate", frames=4, size=128), out)
    qtbot.waitUntil(out.exists, timeout=60000)
    frames = iio.imread(out, index=None)[..., :3].astype(float)
    assert frames.shape[:3] == (4, 128, 128)
    assert np.abs(frames[2] - frames[0]).mean() > 5
    window.quiet_errors = True
    assert start_movie(window, MovieSpec(), tmp_path / "m.avi") is None   # said, not raised
