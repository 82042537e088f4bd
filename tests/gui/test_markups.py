"""Markups in the window (issue 24, items 1 and 5), driven like a user under Xvfb: a key
chooses the tool, the mouse places each markup in a slice view, and its figure is checked
against a phantom of known geometry (a disc and a ball of known HU) within half a voxel, on
an anisotropic grid (2.5 × 0.7 × 0.7 mm) and on one rotated 20° about z.  Handles are
dragged, Delete removes, the dock renames, jumps, exports CSV and .mrk.json."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication, QLineEdit

from ctvis.gui.main_window import MainWindow
from ctvis.model import markups as mk
from ctvis.model.markup_files import read_mrk_json
from tests.gui.conftest import activate, wait_task
from tests.gui.shots import save, to_rgb
from tests.helpers.markup_phantoms import (BALL_HU, DISC_HU, ball_centre_index,
                                           disc_centre_index, oblique, phantom)
from tests.helpers.pictures import picture_path

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]
HALF_VOXEL_MM = 0.35                   # half the in-plane spacing


@pytest.fixture(params=["anisotropic", "oblique"])
def window(qtbot, request):
    vol = phantom() if request.param == "anisotropic" else oblique(20)
    win = MainWindow(vol, defer_3d=True)
    qtbot.addWidget(win)
    win.resize(1300, 900)
    win.show()
    qtbot.waitExposed(win)
    activate(win)
    win.state.layout = "axial"
    qtbot.wait(50)
    return win


# --------------------------------------------------------------------- input
def send(view, kind, pos, button=Qt.LeftButton, buttons=None):
    buttons = button if buttons is None else buttons
    event = QMouseEvent(kind, QPointF(pos), QPointF(view.mapToGlobal(pos)), button, buttons,
                        Qt.NoModifier)
    QApplication.sendEvent(view, event)


def click(view, pos):
    send(view, QEvent.MouseButtonPress, pos)
    send(view, QEvent.MouseButtonRelease, pos, buttons=Qt.NoButton)


def drag(view, a, b, steps=5):
    send(view, QEvent.MouseButtonPress, a)
    for n in range(1, steps + 1):
        send(view, QEvent.MouseMove, a + (b - a) * n / steps, Qt.NoButton, Qt.LeftButton)
    send(view, QEvent.MouseButtonRelease, b, buttons=Qt.NoButton)


def double_click(view, pos):
    click(view, pos)
    send(view, QEvent.MouseButtonDblClick, pos)
    send(view, QEvent.MouseButtonRelease, pos, buttons=Qt.NoButton)


def at(view, kji) -> QPoint:
    """The widget pixel over voxel index (k, j, i) (continuous)."""
    return view.index_to_widget(np.asarray(kji, float)).toPoint()


def on_slice(win, view_name, kji):
    """Move the crosshair to ``kji``'s slice of ``view_name``; the view."""
    win.state.crosshair = tuple(win.state.volume.index_to_patient(np.asarray(kji, float)))
    view = win.views[view_name]
    view.repaint()
    return view


def key(qtbot, win, k):
    qtbot.keyClick(win.views["axial"], k)


def last(win):
    m = win.state.markups[-1]
    return m, mk.measure(m, win.state.volume)


# ---------------------------------------------------------------------- tests
def test_line_across_the_disc_measures_its_diameter(window, qtbot):
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_D)
    assert window.markup_tools.active == "line" and view.tool is window.markup_tools.tools["line"]
    r = 12 / 0.7
    drag(view, at(view, (5, j, i - r)), at(view, (5, j, i + r)))
    m, f = last(window)
    assert m.kind == "line" and m.name == "Line 1" and m.axis == 0
    assert f["length_mm"] == pytest.approx(24.0, abs=HALF_VOXEL_MM)
    assert mk.shows_on(m, window.volume, 0, 5)
    assert window.panels["markups"].row_texts()[0][:2] == ["Line 1", "Line"]
    assert "mm" in window.panels["markups"].row_texts()[0][2]


def test_angle_by_drag_and_click(window, qtbot):
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_Q)
    drag(view, at(view, (5, j, i + 20)), at(view, (5, j, i)))          # the first arm
    assert window.state.markups == ()
    click(view, at(view, (5, j + 20, i)))                               # the second arm
    m, f = last(window)
    assert m.kind == "angle"
    assert f["angle_deg"] == pytest.approx(90.0, abs=1.5)   # half a voxel at 20 voxels


def test_point_gives_its_position_and_hu(window, qtbot):
    k, j, i = disc_centre_index(window.volume)
    kji = np.array([5, round(j), round(i)], float)
    view = on_slice(window, "axial", kji)
    key(qtbot, window, Qt.Key_U)
    click(view, at(view, kji))
    m, f = last(window)
    assert m.kind == "point" and f["hu"] == DISC_HU
    target = window.volume.index_to_patient(kji)
    assert np.linalg.norm(np.array([f["x_mm"], f["y_mm"], f["z_mm"]]) - target) <= HALF_VOXEL_MM


def test_ellipse_inside_the_disc(window, qtbot):
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (7, j, i))
    key(qtbot, window, Qt.Key_W)
    r = 8 / 0.7
    drag(view, at(view, (7, j, i)), at(view, (7, j + r, i + r)))
    m, f = last(window)
    assert m.kind == "ellipse" and mk.plane_of(m, window.volume) == (0, 7)
    assert f["mean"] == DISC_HU and f["sd"] == 0 and f["min"] == f["max"] == DISC_HU
    # Each radius within half a voxel of 8 mm.
    assert math.pi * 7.65 ** 2 <= f["area_mm2"] <= math.pi * 8.35 ** 2
    assert f["pixels"] * 0.49 == pytest.approx(f["area_mm2"], rel=0.06)


def test_polygon_square_by_clicks_closed_by_double_click(window, qtbot):
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (3, j, i))
    key(qtbot, window, Qt.Key_H)
    h = 10
    corners = [(3, j - h, i - h), (3, j - h, i + h), (3, j + h, i + h), (3, j + h, i - h)]
    for c in corners[:-1]:
        click(view, at(view, c))
    double_click(view, at(view, corners[-1]))
    m, f = last(window)
    assert m.kind == "polygon" and len(m.points) == 4
    side = 20 * 0.7
    assert (side - 0.7) ** 2 <= f["area_mm2"] <= (side + 0.7) ** 2
    assert f["mean"] == DISC_HU and f["pixels"] == pytest.approx(400, abs=45)


def test_sphere_in_the_ball(window, qtbot):
    c = ball_centre_index(window.volume)
    view = on_slice(window, "axial", c)
    key(qtbot, window, Qt.Key_J)
    drag(view, at(view, c), at(view, c + (0, 0, 6 / 0.7)))
    m, f = last(window)
    assert m.kind == "sphere"
    assert mk.radius_mm(m) == pytest.approx(6.0, abs=HALF_VOXEL_MM)
    assert f["volume_ml"] == pytest.approx(4 / 3 * math.pi * mk.radius_mm(m) ** 3 / 1000)
    assert f["mean"] == BALL_HU and f["sd"] == 0
    # The sphere's circle shows on the slices it cuts (2.5 mm apart): two above and below.
    assert mk.shows_on(m, window.volume, 0, round(c[0]) + 2)


def test_ellipse_on_a_coronal_slice(window, qtbot):
    window.state.layout = "coronal"
    qtbot.wait(50)
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "coronal", (k, round(j), i))
    qtbot.keyClick(view, Qt.Key_W)
    drag(view, at(view, (k, round(j), i)), at(view, (k + 4, round(j), i + 5 / 0.7)))
    m, f = last(window)
    assert mk.plane_of(m, window.volume) == (1, round(j))
    assert f["mean"] == DISC_HU
    expected = math.pi * 4 * 2.5 * 5                 # 10 mm tall (4 slices), 10 mm wide
    assert f["area_mm2"] == pytest.approx(expected, rel=0.1)


def test_handles_move_delete_rename_and_jump(window, qtbot, tmp_path):
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_D)
    drag(view, at(view, (5, j, i)), at(view, (5, j, i + 10 / 0.7)))
    qtbot.keyClick(view, Qt.Key_Escape)
    assert window.markup_tools.active is None and view.tool is None
    # Without a tool a drag on the handle moves the end (not the window/level).
    window_before = window.state.window
    drag(view, at(view, (5, j, i + 10 / 0.7)), at(view, (5, j, i + 20 / 0.7)))
    m, f = last(window)
    assert f["length_mm"] == pytest.approx(20.0, abs=HALF_VOXEL_MM)
    assert window.state.window == window_before and len(window.state.markups) == 1
    # The view draws it: markup-coloured pixels along the line (orange: it is selected).
    rgb = to_rgb(view)
    save(rgb, picture_path("markups_line.png"))
    mid = at(view, (5, j, i + 10 / 0.7))
    patch = rgb[mid.y() - 3:mid.y() + 4, mid.x() - 3:mid.x() + 4].astype(int)
    assert ((patch[..., 0] > 200) & (patch[..., 0] - patch[..., 2] > 100)).any()
    # Rename by double-click in the dock's table.
    panel = window.panels["markups"]
    window.docks["markups"].raise_()
    qtbot.wait(50)
    table = panel.table
    rect = table.visualItemRect(table.item(0, 0))
    # Press, release, double click, as the window system delivers one (see the Segments
    # dock's tests).
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    editors = [e for e in table.findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editors[0].selectAll()
    qtbot.keyClicks(editors[0], "trachea width")
    qtbot.keyClick(editors[0], Qt.Key_Return)
    qtbot.waitUntil(lambda: window.state.markups[0].name == "trachea width", timeout=2000)
    assert window.state.markups[0].name == "trachea width"
    # A click on the row jumps the crosshair to the line's middle (slice 5).
    window.state.crosshair = tuple(window.volume.index_to_patient((15, 5, 5)))
    table.clearSelection()
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualItemRect(
        table.item(0, 1)).center())
    assert window.state.slice_index("axial") == 5
    # CSV and .mrk.json from the dock; Delete removes the selected one.
    panel.export_csv(tmp_path / "m.csv")
    rows = list(csv.DictReader((tmp_path / "m.csv").open()))
    assert rows[0]["name"] == "trachea width" and float(rows[0]["length (mm)"]) > 19
    panel.save_markups(tmp_path / "m.mrk.json")
    assert read_mrk_json(tmp_path / "m.mrk.json")[0] == window.state.markups
    window.markup_tools.layer.select(window.state.markups[0].id)
    qtbot.keyClick(view, Qt.Key_Delete)
    assert window.state.markups == ()
    assert panel.open_markups(tmp_path / "m.mrk.json") == 1
    assert window.state.markups[0].name == "trachea width"


def test_keys_are_listed_and_do_not_clash(window):
    from ctvis.gui.main_window import SHORTCUTS_HELP

    for k in "DQUWHJ":
        assert f"<b>{k}</b>" in SHORTCUTS_HELP
    seen = {}
    for action in window.findChildren(type(window.markup_tools.leave_action)):
        text = action.shortcut().toString()
        if text and action.isEnabled():
            assert text not in seen, (text, action.text(), seen.get(text))
            seen[text] = action.text()
    # An editor tool leaves the markup tool and the other way round.
    window.markup_tools.choose("line")
    window.editor_tools.choose("paint")
    assert window.markup_tools.active is None
    window.markup_tools.choose("sphere")
    assert window.editor.tool is None
    assert window.views["axial"].tool is window.markup_tools.tools["sphere"]


def test_the_window_screenshot_shows_every_kind_and_the_dock(window, qtbot):
    from ctvis.gui.screenshot import window_image
    from tests.model.test_markups import _all_kinds

    window.state.layout = "four-up"
    window.state.markups = _all_kinds(window.volume)
    window.docks["markups"].raise_()
    window.state.crosshair = window.state.markups[0].array[0]        # slice 3: line, angle
    qtbot.wait(100)
    image = window_image(window)
    image.save(picture_path("markups_window.png"))
    rows = window.panels["markups"].row_texts()
    assert [r[1] for r in rows] == ["Line", "Angle", "Point", "Ellipse", "Polygon", "Sphere"]
    assert rows[0][2] == "7.0 mm" and rows[2][2] == f"{DISC_HU} HU"
    rgb = to_rgb(window.views["axial"])
    orange_or_yellow = (rgb[..., 0] > 200) & (rgb[..., 0].astype(int) - rgb[..., 2] > 100)
    assert orange_or_yellow.sum() > 100


def test_a_markup_placed_in_a_slice_view_shows_in_the_3d_view(window, qtbot):
    window.state.layout = "four-up"
    window.ensure_3d()
    qtbot.wait(100)
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_D)
    drag(view, at(view, (5, j, i - 10)), at(view, (5, j, i + 10)))
    scene = window.view3d.scene
    qtbot.waitUntil(lambda: len(scene.markup_actors.actors) == 1, timeout=5000)
    lo, hi = scene.markup_actors.bounds()
    ends = window.state.markups[0].array
    assert np.allclose(lo, ends.min(0), atol=1e-3) and np.allclose(hi, ends.max(0), atol=1e-3)
    window.markup_tools.delete_selected()
    qtbot.waitUntil(lambda: not scene.markup_actors.actors, timeout=5000)


def test_closing_with_unsaved_markups_asks_and_a_saved_session_does_not(window, qtbot,
                                                                        tmp_path, monkeypatch):
    from PyQt5.QtWidgets import QMessageBox

    from ctvis.gui import session_dialogs

    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.Cancel)
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_U)
    click(view, at(view, (5, j, i)))
    window.close()
    assert len(asked) == 1 and "markups have changes" in asked[0] and window.isVisible()
    task = session_dialogs.save_session_dialog(window, tmp_path / "s.ctvis.json")
    wait_task(qtbot, task, timeout=30000)
    window.close()
    assert len(asked) == 1 and not window.isVisible()


def test_two_quick_clicks_place_a_line_and_do_not_maximise_the_view(window, qtbot):
    window.state.layout = "four-up"
    k, j, i = disc_centre_index(window.volume)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_D)
    a, b = at(view, (5, j, i)), at(view, (5, j, i + 1))        # a few pixels apart
    click(view, a)
    send(view, QEvent.MouseButtonDblClick, b)                  # what Qt sends for the 2nd
    send(view, QEvent.MouseButtonRelease, b, buttons=Qt.NoButton)
    assert window.state.layout == "four-up"
    m, f = last(window)
    assert m.kind == "line" and f["length_mm"] == pytest.approx(0.7, abs=HALF_VOXEL_MM)


def test_a_line_across_slices_shows_its_ends_in_the_other_views_and_tooltips_list_figures(
        window, qtbot):
    window.state.layout = "four-up"
    k, j, i = disc_centre_index(window.volume)
    j = round(j)
    view = on_slice(window, "axial", (5, j, i))
    key(qtbot, window, Qt.Key_D)
    drag(view, at(view, (5, j, i - 10)), at(view, (5, j, i + 10)))
    qtbot.keyClick(view, Qt.Key_Escape)
    window.markup_tools.layer.select(None)
    # The line lies in the axial plane; the coronal view through its row shows its two
    # ends as small crosses.
    coronal = on_slice(window, "coronal", (5, j, i))
    qtbot.wait(50)
    rgb = to_rgb(coronal)
    save(rgb, picture_path("markups_line_ends.png"))
    for end in window.state.markups[0].points:
        c = widget_point(coronal, end)
        patch = rgb[c.y() - 5:c.y() + 6, c.x() - 5:c.x() + 6].astype(int)
        assert ((patch[..., 0] > 200) & (patch[..., 2] < 140)).any()
    tip = window.panels["markups"].table.item(0, 2).toolTip()
    assert "length (mm): " in tip


def widget_point(view, lps):
    from ctvis.gui.markup_layer import MarkupLayer

    return MarkupLayer.to_widget(view, lps).toPoint()


def test_the_windows_report_lists_and_draws_its_markups(phantom_window, qtbot, tmp_path):
    from ctvis.gui import report_dialog

    win = phantom_window
    vol = win.state.volume
    a, b = vol.index_to_patient((20.0, 30, 20)), vol.index_to_patient((20.0, 30, 60))
    win.state.markups = (mk.Markup("line", (tuple(a), tuple(b)), "carina gap", axis=0),)
    task = report_dialog.export_report_dialog(win, tmp_path / "r.html", with_pdf=False)
    wait_task(qtbot, task, timeout=120000)
    section = (tmp_path / "r.html").read_text().split("<h2>Markups</h2>")[1]
    length = mk.measure(win.state.markups[0], vol)["length_mm"]
    assert f"<th>carina gap</th><td>Line</td><td>{length:.1f} mm</td>" in section
