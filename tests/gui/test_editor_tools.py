"""The Segment Editor's tools in the window, driven like a user (issue 21, items 2-4, 6):
keys choose a tool, the mouse paints, erases and cuts in the slice views, buttons run
Islands and Margin, Ctrl+Z / Ctrl+Y undo and redo.  Every test checks the label map's voxels
against a reference computed with the core functions from the same geometry, and some the
pixels the views draw."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication

from ctvis.core.editing.brush import stroke
from ctvis.core.editing.margin import margin
from ctvis.core.editing.region import plane_axes
from ctvis.core.editing.scissors import scissors
from ctvis.core.image.slicing import oriented_slice
from ctvis.core.labels import LEFT_LUNG, RIGHT_LUNG
from ctvis.gui.editor.paint import WHEEL_FACTOR
from ctvis.gui.editor.panel import MIB
from ctvis.gui.screenshot import window_image
from ctvis.model.labelmap import LabelMap, Segment, lung_segments
from ctvis.model.state import LUNGS
from tests.gui.shots import pixel_centre, slice_on_screen, to_rgb
from tests.helpers.pictures import picture_path

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]

MAP = "edits"
RED, GREEN = (220, 40, 40), (40, 200, 60)
RADIUS_MM = 10.0


# ------------------------------------------------------------------- input helpers
def send_mouse(view, kind, pos, button=Qt.LeftButton, buttons=None, modifiers=Qt.NoModifier):
    """A mouse event straight to the view (QTest's moves warp the real X cursor)."""
    buttons = button if buttons is None else buttons
    event = QMouseEvent(kind, QPointF(pos), QPointF(view.mapToGlobal(pos)), button, buttons,
                        modifiers)
    QApplication.sendEvent(view, event)


def drag(view, points, modifiers=Qt.NoModifier) -> None:
    """Press at the first point, move through the others, release at the last."""
    send_mouse(view, QEvent.MouseButtonPress, points[0], modifiers=modifiers)
    for p in points[1:]:
        send_mouse(view, QEvent.MouseMove, p, Qt.NoButton, Qt.LeftButton, modifiers)
    send_mouse(view, QEvent.MouseButtonRelease, points[-1], buttons=Qt.NoButton,
               modifiers=modifiers)


def hover(view, pos) -> None:
    send_mouse(view, QEvent.MouseMove, pos, Qt.NoButton, Qt.NoButton)


def shift_wheel(view, notches: int, pos) -> None:
    event = QWheelEvent(QPointF(pos), QPointF(view.mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.NoButton, Qt.ShiftModifier,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(view, event)


def key(window, qtbot, k, modifiers=Qt.NoModifier, view="axial") -> None:
    qtbot.keyClick(window.views[view], k, modifiers)     # to the active window (conftest)


def reference_stroke(view, points, radius_mm, shape, spacing) -> np.ndarray:
    """What a drag through ``points`` paints, from the core brush: a stamp at the press,
    then a stroke from each point to the next (voxel positions converted as the view does)."""
    kji = [view.widget_to_index(p) for p in points]
    out = np.zeros(shape, bool)
    axis = view.geometry_.axes.normal
    for a, b in zip([kji[0]] + kji[:-1], kji):
        region, mask = stroke(a, b, radius_mm, spacing, shape, axis)
        out[region] |= mask
    return out


# ------------------------------------------------------------------------ fixtures
@pytest.fixture
def window(phantom_window, qtbot):
    phantom_window.docks["segments"].raise_()
    qtbot.waitUntil(phantom_window.panels["segments"].table.isVisible)
    phantom_window.editor.set_brush(radius_mm=RADIUS_MM, sphere=False)
    return phantom_window


@pytest.fixture
def edits(window, phantom):
    """An empty map of two segments, drawn opaque (exact colours); "A" is being edited."""
    labelmap = LabelMap(np.zeros(phantom.volume.shape, np.uint8),
                        (Segment("A", 1, RED), Segment("B", 2, GREEN)), MAP)
    window.state.set_overlay(MAP, labels=labelmap, opacity=1.0)
    window.state.active_segment = (MAP, 1)
    return labelmap


def axial_points(view):
    return [pixel_centre(view, r, c) for r, c in ((30, 25), (34, 40), (45, 60), (50, 70))]


# --------------------------------------------------------------------------- tests
def test_paint_stroke_is_the_core_stroke_one_undo_step_undone_and_redone_by_keys(
        window, edits, qtbot, phantom):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    assert window.editor.tool == "paint" and view.tool is window.editor_tools.tools["paint"]
    assert window.editor_tools.actions["paint"].isChecked()
    before = edits.array.copy()
    points = axial_points(view)
    drag(view, points)
    expected = reference_stroke(view, points, RADIUS_MM, edits.shape, phantom.volume.spacing)
    assert expected.sum() > 50
    assert np.array_equal(edits.array == 1, expected)
    after = edits.array.copy()
    assert window.editor.history.use.undo_steps == 1             # one stroke, one step
    assert window.editor_tools.undo_action.isEnabled()
    assert not window.editor_tools.redo_action.isEnabled()
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert np.array_equal(edits.array, before)
    assert window.editor_tools.redo_action.isEnabled()
    key(window, qtbot, Qt.Key_Y, Qt.ControlModifier)
    assert np.array_equal(edits.array, after)
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert np.array_equal(edits.array, after)


def test_the_view_draws_the_painted_voxels_in_the_segments_colour(window, edits, qtbot):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    drag(view, axial_points(view))
    to_rgb(view)                         # paints; the slice picture before scaling:
    rgb = view._rgb
    plane = oriented_slice(edits.array, view.geometry_.axes, view.index)
    assert (plane == 1).sum() > 50
    red = np.all(rgb == RED, axis=2)
    assert np.array_equal(red, plane == 1)
    # On the screen, the middle of the stroke is red too.
    labels, inside = slice_on_screen(view, edits.array)
    screen = to_rgb(view)
    p = pixel_centre(view, 34, 40)
    assert labels[p.y(), p.x()] == 1 and tuple(screen[p.y(), p.x()]) == RED


def test_a_stroke_in_a_flipped_view_paints_under_the_mouse(window, edits, qtbot, phantom):
    """The coronal view shows the array's z upside down: the painted voxels, placed on the
    screen by the slice's own geometry, are under the press and the release."""
    view = window.views["coronal"]
    assert view.geometry_.axes.flip_rows
    key(window, qtbot, Qt.Key_P, view="coronal")
    a, b = pixel_centre(view, 8, 30), pixel_centre(view, 12, 60)
    drag(view, [a, b])
    labels, _inside = slice_on_screen(view, edits.array)
    assert labels[a.y(), a.x()] == 1 and labels[b.y(), b.x()] == 1
    expected = reference_stroke(view, [a, b], RADIUS_MM, edits.shape, phantom.volume.spacing)
    assert np.array_equal(edits.array == 1, expected)
    mirror = pixel_centre(view, view.geometry_.size[0] - 1 - 8, 30)
    assert labels[mirror.y(), mirror.x()] == 0


def test_erase_removes_the_stroke_from_the_active_segment_only(window, edits, qtbot, phantom):
    view = window.views["axial"]
    k = view.index
    edits.array[k, 20:60, 20:80] = 1
    edits.array[k, 60:70, 20:80] = 2
    before = edits.array.copy()
    key(window, qtbot, Qt.Key_E)
    assert window.editor.tool == "erase"
    points = [pixel_centre(view, 40, 30), pixel_centre(view, 65, 70)]
    drag(view, points)
    brush = reference_stroke(view, points, RADIUS_MM, edits.shape, phantom.volume.spacing)
    expected = np.where(brush & (before == 1), 0, before)
    assert np.array_equal(edits.array, expected)
    assert (edits.array == 2).sum() == (before == 2).sum()          # B untouched
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert np.array_equal(edits.array, before)


def test_shift_wheel_sizes_the_brush_whose_outline_follows_the_cursor(window, edits, qtbot):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    centre = pixel_centre(view, 48, 48)
    hover(view, centre)
    shift_wheel(view, 2, centre)
    radius = RADIUS_MM * WHEEL_FACTOR ** 2
    assert window.editor.brush.radius_mm == pytest.approx(radius)
    spin = window.editor_tools.tools["paint"].options().radius
    assert spin.value() == pytest.approx(radius, abs=0.05)
    assert view.index == window.state.slice_index("axial")         # no slice change
    rgb = to_rgb(view).astype(int)
    yellow = (rgb[..., 0] > 180) & (rgb[..., 1] > 180) & (rgb[..., 2] < 90)
    ys, xs = np.nonzero(yellow)
    distance = np.hypot(xs + 0.5 - centre.x(), ys + 0.5 - centre.y())
    r_px = radius * view.pixels_per_mm()
    on_circle = np.abs(distance - r_px) < 2.5
    assert on_circle.sum() > 4 * r_px                                # a ring of that radius
    # Typing a size in the spin box sets the brush too.
    spin.setValue(4.0)
    assert window.editor.brush.radius_mm == pytest.approx(4.0)


def test_esc_leaves_the_tool_and_left_drag_is_window_level_again(window, edits, qtbot):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    # Ctrl+left drag keeps window/level while a tool is active, and paints nothing.
    w0 = window.state.window
    drag(view, [pixel_centre(view, 40, 40), pixel_centre(view, 40, 70)], Qt.ControlModifier)
    assert window.state.window.width > w0.width and not edits.array.any()
    key(window, qtbot, Qt.Key_Escape)
    assert window.editor.tool is None and view.tool is None
    assert not window.editor_tools.actions["paint"].isChecked()
    w1 = window.state.window
    drag(view, [pixel_centre(view, 40, 40), pixel_centre(view, 40, 70)])
    assert window.state.window.width > w1.width and not edits.array.any()


def test_a_locked_segment_is_not_painted_over(window, qtbot, phantom):
    lungs = LabelMap(phantom.lungs.astype(np.uint8), lung_segments("phantom"), LUNGS)
    window.state.set_overlay(LUNGS, labels=lungs)
    lungs.set_segment(LEFT_LUNG.value, locked=True)
    window.state.active_segment = (LUNGS, RIGHT_LUNG.value)
    before = lungs.array.copy()
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    row = int(np.median(np.nonzero(before[view.index])[0]))
    points = [pixel_centre(view, row, c) for c in (10, 48, 86)]          # across both lungs
    drag(view, points)
    brush = reference_stroke(view, points, RADIUS_MM, lungs.shape, phantom.volume.spacing)
    left = before == LEFT_LUNG.value
    assert (brush & left).any()
    assert np.array_equal(lungs.array == LEFT_LUNG.value, left)
    assert np.array_equal(lungs.array == RIGHT_LUNG.value,
                          (before == RIGHT_LUNG.value) | (brush & ~left))


def test_the_masking_hu_range_set_in_the_dock_holds(window, edits, qtbot, phantom):
    box = window.editor_tools.panel.masking
    box.hu_check.setChecked(True)
    box.lo.setValue(-1000)
    box.hi.setValue(-400)
    assert window.editor.masking.hu_range == (-1000, -400)
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    row = 48
    points = [pixel_centre(view, row, c) for c in (5, 48, 90)]            # air, body, lung
    drag(view, points)
    brush = reference_stroke(view, points, RADIUS_MM, edits.shape, phantom.volume.spacing)
    hu = phantom.volume.array
    in_range = (hu >= -1000) & (hu <= -400)
    assert (brush & ~in_range).any() and (brush & in_range).any()
    assert np.array_equal(edits.array == 1, brush & in_range)


def _blobs(edits, k):
    """Segment A as a big and a small island on slice k."""
    edits.array[k, 20:40, 20:50] = 1
    edits.array[k, 60:63, 70:73] = 1


def test_islands_buttons_and_click_act_on_the_label_map(window, edits, qtbot):
    k = window.views["axial"].index
    _blobs(edits, k)
    big = edits.array == 1
    big[k, 60:63, 70:73] = False
    key(window, qtbot, Qt.Key_I)
    tool = window.editor_tools.tools["islands"]
    assert window.editor_tools.panel.stack.currentWidget() is tool.options()
    tool.options()
    qtbot.mouseClick(tool.largest_button, Qt.LeftButton)
    assert np.array_equal(edits.array == 1, big)
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    # A click on the small island keeps it alone.
    view = window.views["axial"]
    send_mouse(view, QEvent.MouseButtonPress, pixel_centre(view, 61, 71))
    send_mouse(view, QEvent.MouseButtonRelease, pixel_centre(view, 61, 71), buttons=Qt.NoButton)
    assert (edits.array == 1).sum() == 9 and edits.array[k, 61, 71] == 1
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    # Split: the small island becomes a new segment; one undo takes row and voxels back.
    qtbot.mouseClick(tool.split_button, Qt.LeftButton)
    new = [s for s in edits.segments if s.name == "A 2"]
    assert len(new) == 1 and (edits.array == new[0].value).sum() == 9
    assert np.array_equal(edits.array == 1, big)
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert [s.name for s in edits.segments] == ["A", "B"] and (edits.array == 1).sum() == 609


def test_margin_grows_by_mm_on_anisotropic_voxels(window, edits, qtbot, phantom):
    k = window.views["axial"].index
    edits.array[k - 1:k + 2, 30:50, 30:50] = 1
    expected = edits.array.copy()
    patch = margin(edits.array, 1, 8.0, phantom.volume.spacing)
    expected[patch.region][patch.mask] = 1
    key(window, qtbot, Qt.Key_M)
    tool = window.editor_tools.tools["margin"]
    tool.options().findChild(type(tool.spin)).setValue(8.0)
    qtbot.mouseClick(tool.apply_button, Qt.LeftButton)
    assert np.array_equal(edits.array, expected)
    # 8 mm is two voxels in-plane (3.65 mm) and one across slices (7.5 mm).
    assert (edits.array[k, 40] == 1).sum() == 20 + 2 * 2
    assert edits.array[k - 2, 40, 40] == 1 and edits.array[k - 3, 40, 40] == 0


def test_scissors_polygon_erases_inside_through_the_volume(window, edits, qtbot, phantom):
    edits.array[:, 10:80, 10:80] = 1
    before = edits.array.copy()
    key(window, qtbot, Qt.Key_X)
    tool = window.editor_tools.tools["scissors"]
    tool.options()
    tool.mode_box.setCurrentText("Polygon")
    view = window.views["axial"]
    corners = [pixel_centre(view, r, c) for r, c in ((20, 20), (20, 60), (60, 60), (60, 20))]
    for p in corners:
        send_mouse(view, QEvent.MouseButtonPress, p)
        send_mouse(view, QEvent.MouseButtonRelease, p, buttons=Qt.NoButton)
    assert np.array_equal(edits.array, before)                      # not closed yet
    send_mouse(view, QEvent.MouseButtonDblClick, corners[-1])
    send_mouse(view, QEvent.MouseButtonRelease, corners[-1], buttons=Qt.NoButton)
    rows, cols = plane_axes(0)
    kji = np.array([view.widget_to_index(p) for p in corners])
    region, mask = scissors(kji[:, [rows, cols]], 0, edits.shape)
    cut = np.zeros(edits.shape, bool)
    cut[region] = mask
    assert np.array_equal(edits.array, np.where(cut, 0, before))
    assert cut[:, 40, 40].all() and window.state.layout == "four-up"   # no maximise


def test_delete_in_the_dock_is_undone_with_its_row(window, edits, qtbot):
    edits.array[5, 5:9, 5:9] = 2
    panel = window.panels["segments"]
    panel.delete([(MAP, 2)])
    assert edits.segment(2) is None and not (edits.array == 2).any()
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert edits.segment(2) is not None and (edits.array == 2).sum() == 16


def test_history_stays_within_the_budget_set_in_the_dock(window, edits, qtbot):
    panel = window.editor_tools.panel
    panel.budget.setValue(1)
    assert window.editor.history.budget == MIB
    edits.array[:, 20:70, 20:70] = 1
    key(window, qtbot, Qt.Key_M)
    tool = window.editor_tools.tools["margin"]
    tool.options()
    tool.spin.setValue(4.0)
    for _ in range(6):                      # each grow holds old + new of a ~0.3 MB box
        qtbot.mouseClick(tool.apply_button, Qt.LeftButton)
    use = window.editor.history.use
    assert use.dropped > 0 and 0 < use.nbytes <= MIB
    assert f"{use.undo_steps} steps" in panel.history_label.text()
    assert "of 1.0 MiB" in panel.history_label.text()


def test_paint_without_a_segment_adds_one_and_the_3d_surface_follows(window, qtbot):
    state = window.state
    state.view3d = replace(state.view3d, modes=state.view3d.modes | {"lungs"})
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    drag(view, axial_points(view))
    name, value = state.active_segment
    labels = state.overlays[name].labels
    assert (labels == value).sum() > 50
    scene = window.view3d.scene
    qtbot.waitUntil(lambda: (name, value) in scene.lung_actors, timeout=10000)
    first = scene.lung_actors[(name, value)]
    drag(view, [pixel_centre(view, 70, 30), pixel_centre(view, 75, 60)])
    qtbot.waitUntil(lambda: scene.lung_actors.get((name, value)) is not first, timeout=10000)


def test_screenshot_of_a_painted_stroke_with_the_brush_outline(window, edits, qtbot):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    drag(view, axial_points(view))
    hover(view, pixel_centre(view, 70, 50))
    qtbot.wait(50)
    image = window_image(window)
    assert image.save(picture_path("ctvis_editor_paint.png"))
