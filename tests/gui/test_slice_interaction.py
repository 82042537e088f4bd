"""Slice views driven like a user: keys, clicks, drags; the crosshair links the views; the
status bar tells what is under the cursor; layouts and double-click maximise."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt

from tests.gui.shots import drag, pixel_centre, slice_on_screen, to_rgb, wheel

# Teardown and use must be clean: any Qt warning fails the test (the XDG runtime notice
# of a root session under Xvfb aside).
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]


@pytest.fixture
def window(phantom_window):
    return phantom_window


def test_keys_scroll_slices(window, qtbot):
    view = window.views["axial"]
    start = view.index
    qtbot.keyClick(view, Qt.Key_Up)
    qtbot.keyClick(view, Qt.Key_PageUp)
    assert view.index == start + 2
    qtbot.keyClick(view, Qt.Key_Down)
    qtbot.keyClick(view, Qt.Key_Left)
    qtbot.keyClick(view, Qt.Key_PageDown)
    assert view.index == start - 1
    qtbot.keyClick(view, Qt.Key_End)
    assert view.index == view.count - 1
    qtbot.keyClick(view, Qt.Key_Home)
    assert view.index == 0


def test_click_moves_the_crosshair_and_the_other_views_follow(window, qtbot):
    axial, coronal, sagittal = (window.views[n] for n in ("axial", "coronal", "sagittal"))
    before = {n: v.index for n, v in window.views.items()}
    coronal_before = to_rgb(coronal)
    # Click the axial pixel at row 20 (anterior), column 70 (patient left).
    qtbot.mouseClick(axial, Qt.LeftButton, pos=pixel_centre(axial, 20, 70))
    k, j, i = window.state.crosshair_index()
    assert (j, i) == (20, 70) and k == before["axial"]          # same axial slice
    assert coronal.index == 20 and sagittal.index == 70
    assert axial.index == before["axial"]
    assert not np.array_equal(to_rgb(coronal), coronal_before)  # redrawn at its new slice
    # A click in the sagittal view moves the axial slice.
    qtbot.mouseClick(sagittal, Qt.LeftButton, pos=pixel_centre(sagittal, 10, 20))
    assert axial.index == 40 - 1 - 10                           # row 10 from the top (S)
    assert coronal.index == 20


def test_left_drag_changes_window_and_level(window, qtbot):
    view = window.views["axial"]
    centre = QPoint(view.width() // 2, view.height() // 2)
    w0 = window.state.window
    drag(view, Qt.LeftButton, centre, centre + QPoint(50, 25))
    w1 = window.state.window
    assert w1.width == pytest.approx(w0.width * (1 + 50 / 250))
    assert w1.center == pytest.approx(w0.center + 25 * w0.width / 250)
    assert w1.preset is None
    # The readout and the dock follow the state.
    assert view.annotation_lines()["top_left"][0] == f"W {w1.width:g}  L {w1.center:g}"
    assert window.panels["window"].width.value() == round(w1.width)
    # A drag is not a click: the crosshair stayed.
    assert window.state.crosshair_index()[1:] == (48, 48)


def test_right_drag_zooms_and_middle_drag_pans_and_r_resets(window, qtbot):
    view = window.views["coronal"]
    centre = QPoint(view.width() // 2, view.height() // 2)
    width0 = view.image_rect().width()
    drag(view, Qt.RightButton, centre, centre + QPoint(0, -60))
    assert view.image_rect().width() == pytest.approx(width0 * np.exp(60 / 150), rel=0.01)
    left0 = view.image_rect().left()
    drag(view, Qt.MiddleButton, centre, centre + QPoint(30, 10))
    assert view.image_rect().left() == pytest.approx(left0 + 30)
    # Zoom and pan are the view's own: the others did not change.
    assert window.views["axial"].image_rect().width() < view.image_rect().width()
    qtbot.keyClick(view, Qt.Key_R)
    assert view.image_rect().width() == pytest.approx(width0)


def test_ctrl_wheel_zooms_without_scrolling(window):
    view = window.views["axial"]
    index, width0 = view.index, view.image_rect().width()
    wheel(view, 2, Qt.ControlModifier)
    assert view.index == index
    assert view.image_rect().width() == pytest.approx(width0 * 1.44)


def test_status_bar_shows_hu_and_position_under_the_cursor(window, qtbot, phantom):
    view = window.views["axial"]
    qtbot.mouseMove(view, pixel_centre(view, 30, 40))
    k = view.index
    hu = int(phantom.volume.array[k, 30, 40])
    x, y, z = phantom.volume.index_to_patient((k, 30, 40))
    # The move reaches the view through the X server: on a loaded machine after the call.
    qtbot.waitUntil(lambda: f"{hu} HU" in window._hover.text(), timeout=5000)
    text = window._hover.text()
    assert f"{hu} HU" in text
    assert f"LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm" in text
    assert f"voxel i,j,k = 40, 30, {k}" in text


def test_lung_window_makes_lungs_dark_and_soft_tissue_grey(window, phantom, tmp_path):
    view = window.views["axial"]
    window.state.crosshair = tuple(window.volume.index_to_patient((20, 90, 90)))
    hu, inside = slice_on_screen(view, phantom.volume.array)
    lungs, _ = slice_on_screen(view, phantom.lungs)
    soft = inside & (hu > 0) & (hu < 100)
    lung = inside & (lungs > 0)
    assert soft.sum() > 500 and lung.sum() > 500
    grey = to_rgb(view)[..., 0].astype(float)
    window.state.apply_preset("Lung")
    # Lung window: lungs dark grey (about 20–90), soft tissue light grey (about 236).
    assert 20 < np.median(grey[lung]) < 90 and np.median(grey[soft]) > 200
    window.state.apply_preset("Mediastinum")
    grey = to_rgb(view)[..., 0].astype(float)
    # Mediastinal window: lungs black, soft tissue mid grey.
    assert np.median(grey[lung]) == 0 and 100 < np.median(grey[soft]) < 180


def test_layouts_and_double_click_maximise(window, qtbot):
    lay = window.layout_widget
    assert lay.visible_panes() == ["axial", "sagittal", "coronal", "3d"]
    window.layout_actions["one-by-three"].trigger()
    assert window.state.layout == "one-by-three"
    qtbot.wait(50)
    axial_geom = lay.frames["axial"].geometry()
    three_d = lay.frames["3d"].geometry()
    assert three_d.bottom() < axial_geom.top()                 # the 3D view above the row
    assert lay.frames["sagittal"].geometry().top() == axial_geom.top()
    view = window.views["sagittal"]
    qtbot.mouseDClick(view, Qt.LeftButton, pos=QPoint(view.width() // 2, view.height() // 2))
    assert window.state.layout == "sagittal" and lay.visible_panes() == ["sagittal"]
    assert window.layout_actions["sagittal"].isChecked()
    qtbot.mouseDClick(view, Qt.LeftButton, pos=QPoint(view.width() // 2, view.height() // 2))
    assert window.state.layout == "one-by-three"               # back where it came from
    window.layout_actions["four-up"].trigger()
    assert len(lay.visible_panes()) == 4


def test_series_text_never_shows_the_patient_unless_asked(window, phantom):
    view = window.views["axial"]
    assert view.annotation_lines()["top_right"] == []           # off by default
    window.series_text_action.trigger()
    text = " ".join(view.annotation_lines()["top_right"])
    assert phantom.volume.meta["description"] in text and "96×96×40" in text
    assert "Phantom^Chest" not in text and "CTVIS-PHANTOM" not in text
    window.patient_action.trigger()
    assert "Phantom^Chest" in " ".join(view.annotation_lines()["top_right"])


def test_slice_number_and_position_readout(window):
    view = window.views["axial"]
    view.set_index(0)
    lines = view.annotation_lines()["bottom_left"]
    z = window.volume.index_to_patient((0, 0, 0))[2]
    assert lines == ["slice 1/40", f"I {abs(z):.1f} mm"]


def test_reset_views_action_resets_every_view(window, qtbot):
    widths = {n: v.image_rect().width() for n, v in window.views.items()}
    for view in window.views.values():
        drag(view, Qt.RightButton, QPoint(100, 100), QPoint(100, 40))
    assert all(v.image_rect().width() > widths[n] * 1.2 for n, v in window.views.items())
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    reset = next(a for a in view_menu.actions() if a.text() == "&Reset views")
    assert reset.shortcut().toString() == "Ctrl+R"
    reset.trigger()
    assert all(v.image_rect().width() == pytest.approx(widths[n])
               for n, v in window.views.items())
