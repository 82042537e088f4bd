"""Defects the monkey (tests/gui/monkey.py) found, each replayed as the user did it in a real
window, small and deterministic."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, Qt

from tests.gui.test_editor_tools import key, send_mouse
from tests.gui.test_lesion_tool import wait_for_lesion

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]


def click_voxel(window, view_name, kji) -> None:
    view = window.views[view_name]
    pos = view.index_to_widget(np.asarray(kji, float)).toPoint()
    assert tuple(np.rint(view.widget_to_index(pos)).astype(int)) == tuple(kji)
    send_mouse(view, QEvent.MouseMove, pos, button=Qt.NoButton, buttons=Qt.NoButton)
    send_mouse(view, QEvent.MouseButtonPress, pos)
    send_mouse(view, QEvent.MouseButtonRelease, pos, buttons=Qt.NoButton)


@pytest.mark.parametrize("face", ["last slice", "last row", "last column"])
def test_a_lesion_click_on_the_volumes_far_side_is_refused_not_a_traceback(
        phantom_window, qtbot, face):
    # Seed 3 of the monkey: the Lesion tool and a click in the coronal view near the image's
    # bottom (the last axial slice).  The HU level around the click was read in a box cut at
    # the volume's far side by numpy but not the ball's grid: an IndexError in the click.
    window = phantom_window
    nz, ny, nx = window.state.volume.shape
    kji = {"last slice": (nz - 1, ny // 2, nx // 2), "last row": (nz // 2, ny - 1, nx // 2),
           "last column": (nz // 2, ny // 2, nx - 1)}[face]
    view = {"last slice": "coronal", "last row": "axial", "last column": "axial"}[face]
    window.state.crosshair = tuple(window.state.volume.index_to_patient(np.asarray(kji)))
    key(window, qtbot, Qt.Key_N, view=view)
    assert window.editor.tool == "lesion"
    click_voxel(window, view, kji)                 # pytest-qt fails on an exception here
    wait_for_lesion(window)
    message = window.statusBar().currentMessage()
    assert message.startswith("Lesion: no lesion at the click"), message
    assert "lesions" not in window.state.overlays


def test_a_lesion_grows_on_a_worker_and_the_window_stays_live(qtbot):
    # bench_monkey seed 21: a Lesion click on the demo phantom froze the window for 25 s
    # (the grow ran in the click).  Now the click returns at once, the event loop runs while
    # it grows, a second click meanwhile is refused with a message, and the lesion arrives.
    from PyQt5.QtCore import QTimer

    from ctvis.app.lesion import LESIONS_MAP
    from ctvis.gui.main_window import MainWindow
    from tests.gui.conftest import activate
    from tests.helpers.lesion_phantoms import lesion_cases

    volume, truth, click = next(c[1:] for c in lesion_cases() if c[0] == "solid")
    click = tuple(int(c) for c in click)
    window = MainWindow(volume)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    activate(window)
    window.state.crosshair = tuple(volume.index_to_patient(np.asarray(click)))
    key(window, qtbot, Qt.Key_N)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    click_voxel(window, "axial", click)
    tool = window.editor_tools.tools["lesion"]
    assert tool.task is not None and LESIONS_MAP not in window.state.overlays
    assert "growing" in window.statusBar().currentMessage()
    click_voxel(window, "axial", click)                # while it grows: said, not queued
    assert "still growing" in window.statusBar().currentMessage()
    wait_for_lesion(window)
    timer.stop()
    assert len(ticks) >= 2                             # the GUI thread ran meanwhile
    labelmap = window.state.overlays[LESIONS_MAP].labelmap
    assert [s.name for s in labelmap.segments] == ["lesion 1"]
    assert (labelmap.array > 0)[truth].mean() > 0.8


def test_a_new_volume_drops_the_lesion_that_grows(phantom_window, qtbot, phantom):
    from ctvis.app.lesion import LESIONS_MAP
    from tests.helpers.lesion_phantoms import lesion_cases

    window = phantom_window
    volume, truth, click = next(c[1:] for c in lesion_cases() if c[0] == "solid")
    window.state.volume = volume
    click = tuple(int(c) for c in click)
    window.state.crosshair = tuple(volume.index_to_patient(np.asarray(click)))
    key(window, qtbot, Qt.Key_N)
    click_voxel(window, "axial", click)
    tool = window.editor_tools.tools["lesion"]
    task = tool.task
    assert task is not None
    window.state.volume = phantom.volume                # before the grow comes back
    assert tool.task is None
    qtbot.waitUntil(lambda: task._ran.is_set(), timeout=60000)
    qtbot.wait(100)
    assert LESIONS_MAP not in window.state.overlays
