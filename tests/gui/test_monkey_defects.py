"""Defects the monkey (tests/gui/monkey.py) found, each replayed as the user did it in a real
window, small and deterministic."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, Qt

from tests.gui.test_editor_tools import key, send_mouse

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
    message = window.statusBar().currentMessage()
    assert message.startswith("Lesion: no lesion at the click"), message
    assert "lesions" not in window.state.overlays
