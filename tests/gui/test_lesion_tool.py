"""The Segment Editor's Lesion tool in the window (issue 22, items 1, 2 and 5): a click in
the axial view on a phantom lesion gives the segment ``ctvis.app.lesion.lesion_at`` gives the
CLI, in the map "lesions", undone by Ctrl+Z; its measurements in the Segments dock; a click
in aerated lung says why in the status bar and adds nothing."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, Qt

from ctvis.app.lesion import LESION_COLOR, LESIONS_MAP, ORIGIN, lesion_at
from ctvis.gui.editor.tools import shortcut_rows
from ctvis.gui.screenshot import window_image
from tests.gui.shots import to_rgb
from tests.gui.test_editor_tools import key, send_mouse
from tests.helpers.lesion_phantoms import lesion_cases
from tests.helpers.pictures import picture_path

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]


@pytest.fixture(scope="module")
def cases():
    return {name: (volume, truth, tuple(int(c) for c in click))
            for name, volume, truth, click in lesion_cases()}


@pytest.fixture
def solid(cases):
    return cases["solid"]


@pytest.fixture
def window(qtbot, solid):
    from ctvis.gui.main_window import MainWindow

    win = MainWindow(solid[0])
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitActive(win)
    win.docks["segments"].raise_()
    return win


def click_voxel(window, kji) -> None:
    view = window.views["axial"]
    window.state.set_slice_index("axial", int(kji[0]))
    assert view.index == kji[0]
    pos = view.index_to_widget(np.asarray(kji, float)).toPoint()
    assert tuple(np.rint(view.widget_to_index(pos)).astype(int)) == tuple(kji)
    send_mouse(view, QEvent.MouseButtonPress, pos)
    send_mouse(view, QEvent.MouseButtonRelease, pos, buttons=Qt.NoButton)
    wait_for_lesion(window)


def wait_for_lesion(window, timeout_s: float = 60.0) -> None:
    """Until the grow a click started on a worker has come back (added or refused)."""
    import time

    from PyQt5.QtTest import QTest

    tool = window.editor_tools.tools["lesion"]
    end = time.monotonic() + timeout_s
    while tool.task is not None:
        assert time.monotonic() < end, "the lesion never came back"
        QTest.qWait(20)


def line_pixels(view, ends, rgb) -> float:
    """The share of points along the line between voxel ``ends`` shown in ``rgb`` (within
    one pixel, ±20 per channel)."""
    screen = to_rgb(view).astype(int)
    a, b = (view.index_to_widget(np.asarray(e, float)) for e in ends)
    hits = []
    for t in np.linspace(0.15, 0.85, 15):
        x, y = a.x() + t * (b.x() - a.x()), a.y() + t * (b.y() - a.y())
        near = screen[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2]
        hits.append(bool(np.any(np.all(np.abs(near - rgb) <= 20, axis=-1))))
    return float(np.mean(hits))


def test_a_click_gives_the_clis_segment_undone_by_ctrl_z(window, qtbot, solid):
    volume, truth, click = solid
    key(window, qtbot, Qt.Key_N)
    assert window.editor.tool == "lesion"
    assert window.editor_tools.actions["lesion"].isChecked()
    assert "Lesion" in shortcut_rows()                  # Help's keys
    click_voxel(window, click)
    overlay = window.state.overlays.get(LESIONS_MAP)
    assert overlay is not None and overlay.labelmap is not None
    labelmap = overlay.labelmap
    (row,) = labelmap.segments
    assert row.name == "lesion 1" and row.origin == ORIGIN
    assert tuple(row.color) == LESION_COLOR
    expected = lesion_at(volume, volume.index_to_patient(np.asarray(click))).mask(
        volume.shape)
    assert expected.sum() > 100
    assert np.array_equal(labelmap.array == row.value, expected)
    assert np.array_equal(labelmap.array > 0, expected)
    assert "solid" in window.statusBar().currentMessage()
    click_voxel(window, click)                          # again: refused, nothing added
    assert "already" in window.statusBar().currentMessage()
    assert len(labelmap.segments) == 1 and window.editor.history.use.undo_steps == 1
    assert np.array_equal(labelmap.array == row.value, expected)
    # The measurements table under the Segments table: the lesion's type and volume.
    table = window.editor_tools.lesions
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=5000)
    m = lesion_at(volume, volume.index_to_patient(np.asarray(click))).measures
    (texts,) = table.row_texts()
    assert texts[:3] == ["lesion 1", "solid", f"{m.volume_ml:.2f}"]
    assert texts[3:6] == [f"{m.long_axis_mm:.1f}", f"{m.short_axis_mm:.1f}",
                          f"{m.max_3d_mm:.1f}"]
    assert table.isVisible()
    # The long axis is drawn (yellow) in the axial view on its slice, the short one (cyan).
    view = window.views["axial"]
    window.state.set_slice_index("axial", int(m.axial_slice))
    area = window.docks["segments"].widget()
    if hasattr(area, "ensureWidgetVisible"):
        area.ensureWidgetVisible(table)
    window_image(window).save(picture_path("ctvis_lesion_tool.png"))
    assert line_pixels(view, m.long_axis_ends, (255, 255, 0)) >= 0.8
    assert line_pixels(view, m.short_axis_ends, (0, 220, 255)) >= 0.8
    key(window, qtbot, Qt.Key_Escape)                   # no tool: no lines
    assert window.editor.tool is None
    assert line_pixels(view, m.long_axis_ends, (255, 255, 0)) < 0.2
    key(window, qtbot, Qt.Key_N)                        # the tool again: the lines again
    assert line_pixels(view, m.long_axis_ends, (255, 255, 0)) >= 0.8
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert not labelmap.array.any()
    assert line_pixels(view, m.long_axis_ends, (255, 255, 0)) < 0.2   # undone: no lines
    assert labelmap.segments == ()
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=5000)
    assert not table.isVisible()


def test_a_lesion_against_the_lungs_joins_their_envelope_in_one_undo_step(window, qtbot,
                                                                         solid):
    """Lungs shown without the nodule (a mask that left it out): a click adds it to the map
    "lesions" and to the right lung; Ctrl+Z takes it out of both."""
    from ctvis.core.phantom import make_phantom
    from ctvis.model.state import LUNGS

    volume, truth, click = solid
    lungs = make_phantom().lungs.copy()
    lungs[truth] = 0
    window.state.set_overlay(LUNGS, labels=lungs.copy())
    key(window, qtbot, Qt.Key_N)
    click_voxel(window, click)
    lesion = window.state.overlays[LESIONS_MAP].labelmap.array > 0
    shown = window.state.overlays[LUNGS].labels
    assert lesion.sum() > 100 and (shown[lesion] == 1).all()          # the right lung
    assert np.array_equal(shown[~lesion], lungs[~lesion])
    assert window.editor.history.use.undo_steps == 1
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert np.array_equal(window.state.overlays[LUNGS].labels, lungs)
    assert not window.state.overlays[LESIONS_MAP].labelmap.array.any()


def test_a_click_in_aerated_lung_says_why_and_adds_nothing(window, qtbot, solid):
    volume, truth, click = solid
    key(window, qtbot, Qt.Key_N)
    # A lung voxel 12 mm across from the lesion, left or right, that is aerated.
    k, j, i = click
    step = int(round(20.0 / volume.spacing[2]))
    aerated = next((k, j, i + d) for d in (step, -step) if volume.array[k, j, i + d] < -700
                   and not truth[k, j, i + d])
    click_voxel(window, aerated)
    message = window.statusBar().currentMessage()
    assert message.startswith("Lesion: ") and len(message) > 12
    overlay = window.state.overlays.get(LESIONS_MAP)
    assert overlay is None or not overlay.labelmap.array.any()
    assert not window.editor.history.can_undo


@pytest.mark.slow             # two more grows in the window (the day-to-day run leaves it)
@pytest.mark.parametrize("name", ["part-solid", "ground-glass"])
def test_other_types_after_another_volume_is_loaded(window, qtbot, cases, name):
    """The window's state gets the case's volume (the body mask is made again for it)."""
    key(window, qtbot, Qt.Key_N)
    click_voxel(window, cases["solid"][2])              # the body mask of the first volume
    volume, truth, click = cases[name]
    window.state.volume = volume
    assert window.state.overlays.get(LESIONS_MAP) is None
    key(window, qtbot, Qt.Key_N)
    click_voxel(window, click)
    labelmap = window.state.overlays[LESIONS_MAP].labelmap
    (row,) = labelmap.segments
    result = lesion_at(volume, volume.index_to_patient(np.asarray(click)))
    assert np.array_equal(labelmap.array == row.value, result.mask(volume.shape))
    assert result.measures.type == name
    table = window.editor_tools.lesions
    qtbot.waitUntil(lambda: table.rowCount() == 1 and table.row_texts()[0][1] == name,
                    timeout=5000)
    assert table.row_texts()[0][2] == f"{result.measures.volume_ml:.2f}"


def test_the_body_and_lung_masks_are_made_once_per_volume(window, qtbot, cases,
                                                          monkeypatch):
    """What every click needs — the body mask and the default lung mask, a second or more
    on a real chest — is made on the first click of a volume, kept after a refused click,
    used by the next, and made again for another volume."""
    import ctvis.gui.editor.lesion as tool_module

    made = []
    real = tool_module.lesion_context
    monkeypatch.setattr(tool_module, "lesion_context",
                        lambda volume, *a, **k: made.append(volume) or real(volume, *a, **k))
    volume, truth, click = cases["solid"]
    key(window, qtbot, Qt.Key_N)
    k, j, i = click
    step = int(round(20.0 / volume.spacing[2]))
    aerated = next((k, j, i + d) for d in (step, -step) if volume.array[k, j, i + d] < -700
                   and not truth[k, j, i + d])
    click_voxel(window, aerated)                              # refused
    assert window.statusBar().currentMessage().startswith("Lesion: no lesion")
    click_voxel(window, click)
    labelmap = window.state.overlays[LESIONS_MAP].labelmap
    assert len(labelmap.segments) == 1
    assert made == [volume]
    other, _, other_click = cases["part-solid"]
    window.state.volume = other
    key(window, qtbot, Qt.Key_N)
    click_voxel(window, other_click)
    assert made == [volume, other]
