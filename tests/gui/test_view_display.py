"""Thick slabs and colour maps in the window: each slice view's corner control (clicked in
its menu like a user) and the keys Y, [, ], C on the view under the pointer; what is drawn
changes as it should (a MIP at least as bright as the slice, a MinIP at most, colours from
the table, a colour bar in the corner)."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt, QTimer
from PyQt5.QtWidgets import QApplication

from ctvis.core.image.colormaps import colormap_table
from ctvis.model.slice_display import SliceDisplay
from tests.gui.shots import annotation_pixels, save, to_rgb
from tests.helpers.pictures import picture_path

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]


def image_pixels(view) -> np.ndarray:
    """Widget pixels showing the slice, away from the texts, lines and corner control."""
    r = view.image_rect()
    mask = np.zeros((view.height(), view.width()), bool)
    mask[int(r.top()) + 2:int(r.bottom()) - 2, int(r.left()) + 2:int(r.right()) - 2] = True
    return mask & ~annotation_pixels(view)


def choose(qtbot, button, text: str) -> None:
    """Click the corner control, then the menu entry ``text`` (as a user does)."""
    def pick():
        menu = QApplication.activePopupWidget()
        assert menu is not None, "the control's menu did not open"
        action = next(a for a in menu.actions() if a.text() == text)
        qtbot.mouseClick(menu, Qt.LeftButton, pos=menu.actionGeometry(action).center())
    QTimer.singleShot(200, pick)
    qtbot.mouseClick(button, Qt.LeftButton)       # the menu runs until pick() clicks
    qtbot.wait(50)


def test_corner_control_sets_a_mip_then_a_colour_map(phantom_window, qtbot):
    window = phantom_window
    view, button = window.views["axial"], window.view_display.buttons["axial"]
    assert button.isVisible() and button.text() == "Slice"
    g = button.geometry()
    assert g.right() > view.width() - 40 and g.top() < 20           # top-right corner
    single = to_rgb(view).astype(int)
    inside = image_pixels(view)
    choose(qtbot, button, "MIP")
    assert window.state.view_display["axial"] == SliceDisplay(slab_mm=20.0)
    assert button.text() == "MIP 20 mm"
    assert "MIP 20 mm" in view.annotation_lines()["top_left"]
    mip = to_rgb(view).astype(int)
    assert (mip[inside] >= single[inside] - 2).all()                 # bilinear scaling: ±2
    assert (mip[inside] - single[inside]).mean() > 2                 # brighter vessels, ribs
    assert window.views["coronal"].annotation_lines()["top_left"][1:] == []   # only axial
    choose(qtbot, button, "10 mm")
    assert window.state.view_display["axial"].slab_mm == 10.0
    choose(qtbot, button, "Hot")
    assert button.text() == "MIP 10 mm · Hot"
    hot = to_rgb(view)
    save(hot, picture_path("slabs_gui_axial_hot.png"))
    table = colormap_table("hot").astype(int)
    sample = hot[inside][::53].astype(int)
    assert np.median(np.abs(sample[:, None] - table[None]).sum(axis=2).min(axis=1)) <= 6
    assert (np.ptp(sample, axis=1) > 40).mean() > 0.5                # colour, not grey
    # the colour bar at the right edge: white-hot at its top, black-red at its bottom
    right = hot[:, view.width() - 12]
    assert (np.abs(right.astype(int) - table[255]).sum(axis=1) < 30).any()
    assert (np.abs(right.astype(int) - table[5]).sum(axis=1) < 30).any()
    choose(qtbot, button, "Single slice")
    choose(qtbot, button, "Grey")
    assert window.state.view_display["axial"] == SliceDisplay(slab_mm=0.0)
    assert np.abs(to_rgb(view).astype(int)[inside] - single[inside]).max() <= 1


def test_keys_act_on_the_view_under_the_pointer(phantom_window, qtbot):
    window = phantom_window
    coronal = window.views["coronal"]
    qtbot.mouseMove(coronal, QPoint(coronal.width() // 2, coronal.height() // 2))
    qtbot.wait(20)
    assert window.view_under_pointer() is coronal
    inside = image_pixels(coronal)
    single = to_rgb(coronal).astype(int)
    qtbot.keyClick(window, Qt.Key_Y)
    d = window.state.view_display
    assert d["coronal"].label() == "MIP 20 mm" and d["axial"] == SliceDisplay()
    qtbot.keyClick(window, Qt.Key_BracketRight)
    assert window.state.view_display["coronal"].slab_mm == 40.0
    qtbot.keyClick(window, Qt.Key_BracketLeft)
    qtbot.keyClick(window, Qt.Key_BracketLeft)
    assert window.state.view_display["coronal"].slab_mm == 10.0
    qtbot.keyClick(window, Qt.Key_Y)                                    # MIP -> MinIP
    assert window.state.view_display["coronal"].label() == "MinIP 10 mm"
    assert "MinIP 10 mm" in coronal.annotation_lines()["top_left"]
    minip = to_rgb(coronal).astype(int)
    save(minip.astype(np.uint8), picture_path("slabs_gui_coronal_minip.png"))
    assert (minip[inside] <= single[inside] + 2).all()
    assert (single[inside] - minip[inside]).mean() > 1
    qtbot.keyClick(window, Qt.Key_C)                                    # grey -> inverted
    assert window.state.view_display["coronal"].colormap == "inverted"
    inverted = to_rgb(coronal).astype(int)
    save(inverted.astype(np.uint8), picture_path("slabs_gui_coronal_inverted.png"))
    near = np.abs(inverted[inside] - (255 - minip[inside])).max(axis=1) <= 2
    assert near.mean() > 0.98                           # all but the colour bar's labels
    qtbot.keyClick(window, Qt.Key_Y)
    qtbot.keyClick(window, Qt.Key_Y)                                    # mean -> off
    assert not window.state.view_display["coronal"].slab
    assert "Y" in window.view_display.shortcut_rows() and "C" in window.view_display.shortcut_rows()
    qtbot.mouseMove(coronal, QPoint(3, 3))      # the real cursor away from a likely spot


def test_a_session_restores_each_views_slab_and_map(phantom_window, qtbot, tmp_path):
    """Saved and opened again through the window's session code: the views draw the saved
    slab and colour map, and their controls say so."""
    from ctvis.app.session import apply_session, load_session, save_session
    from ctvis.core.io import write_nifti
    from ctvis.model.state import Source

    window = phantom_window
    ct = write_nifti(window.state.volume, tmp_path / "ct.nii.gz")
    window.state.source = Source(str(ct))
    window.state.set_view_display("sagittal", slab_mm=10, slab_mode="minip",
                                  colormap="viridis")
    save_session(window.state, tmp_path / "s.ctvis.json")
    window.state.set_view_display("sagittal", slab_mm=0, colormap="grey")
    assert window.view_display.buttons["sagittal"].text() == "Slice"
    apply_session(window.state, load_session(tmp_path / "s.ctvis.json"))
    qtbot.wait(50)
    assert window.state.view_display["sagittal"] == SliceDisplay(10.0, "minip", "viridis")
    assert window.view_display.buttons["sagittal"].text() == "MinIP 10 mm · Viridis"
    view = window.views["sagittal"]
    rgb = to_rgb(view)
    assert (np.ptp(rgb[image_pixels(view)].astype(int), axis=1) > 40).mean() > 0.5


def test_status_bar_gives_the_slabs_value_under_the_cursor(phantom_window, qtbot, phantom):
    from ctvis.core.image.slab import slab_planes, slab_range
    from tests.gui.shots import pixel_centre

    window = phantom_window
    view = window.views["axial"]
    window.state.set_view_display("axial", slab_mm=30, slab_mode="mip")
    qtbot.mouseMove(view, pixel_centre(view, 33, 45))
    k = view.index
    planes = slab_planes(30, phantom.volume.spacing[0])
    assert planes == 4                                          # 30 mm at 7.5 mm
    start, stop = slab_range(k, planes, view.count)
    projected = int(phantom.volume.array[start:stop, 33, 45].max())
    text = window._hover.text()
    assert f"{int(phantom.volume.array[k, 33, 45])} HU (MIP 30 mm: {projected} HU)" in text
    # leave the real cursor elsewhere: a later test's move to the same spot would be none
    qtbot.mouseMove(view, QPoint(3, 3))
