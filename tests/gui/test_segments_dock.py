"""The Segments dock driven like a user (issue 21, item 1): every segment of every label map
in a table; checkboxes, double-click renames, buttons add, recolour, delete and merge; the
selected row is the state's active segment; a map's opacity and fill/outline display.  Each
test checks the label map (table, voxels) and the pixels the axial view draws."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QAbstractItemView, QApplication, QColorDialog, QLineEdit
from scipy import ndimage

from ctvis.core.image.slicing import oriented_slice
from ctvis.core.labels import AIRWAY, LEFT_LUNG, RIGHT_LUNG
from ctvis.gui.docks.segments import COLOR, NAME, VOLUME, SegmentsPanel
from ctvis.model.labelmap import LabelMap, lung_segments
from ctvis.model.segment_volumes import ml_per_voxel
from ctvis.model.state import LUNGS, ViewerState
from tests.gui.shots import annotation_pixels, coloured, save, slice_on_screen, to_rgb
from tests.helpers.pictures import picture_path

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]

RIGHT, LEFT = (LUNGS, RIGHT_LUNG.value), (LUNGS, LEFT_LUNG.value)


@pytest.fixture
def window(phantom_window, qtbot):
    phantom_window.docks["segments"].raise_()
    panel = phantom_window.panels["segments"]
    qtbot.waitUntil(panel.table.isVisible)
    return phantom_window


@pytest.fixture
def lungs(window, phantom):
    """The phantom's true lungs as the lungs' label map, drawn opaque (exact colours)."""
    labelmap = LabelMap(phantom.lungs.astype(np.uint8), lung_segments("phantom"), LUNGS)
    window.state.set_overlay(LUNGS, labels=labelmap, opacity=1.0)
    return labelmap


def drawn(window, view="axial") -> np.ndarray:
    """The slice picture the view shows now (before scaling to the screen)."""
    widget = window.views[view]
    to_rgb(widget)                       # paints, rendering the picture if it is stale
    return widget._rgb


def plane(window, labels, view="axial") -> np.ndarray:
    widget = window.views[view]
    return oriented_slice(labels, widget.geometry_.axes, widget.index)


def has_colour(rgb, colour) -> np.ndarray:
    return np.all(rgb == np.asarray(colour, np.uint8), axis=2)


def swatch(table, row) -> np.ndarray:
    """The colour of a row's swatch as drawn (a pixmap: the screen's depth, maybe 16 bits)."""
    icon = table.item(row, COLOR).icon()
    return np.array(icon.pixmap(14, 14).toImage().pixelColor(7, 7).getRgb()[:3])


def click_row(panel, qtbot, row, modifier=Qt.NoModifier) -> None:
    rect = panel.table.visualItemRect(panel.table.item(row, NAME))
    qtbot.mouseClick(panel.table.viewport(), Qt.LeftButton, modifier, rect.center())


def double_click(panel, qtbot, row, col) -> None:
    """Press, release, double-click, as the window system delivers a double click (QTest's
    mouseDClick alone sends no press, and a table edits only the cell the press was on)."""
    pos = panel.table.visualItemRect(panel.table.item(row, col)).center()
    qtbot.mouseClick(panel.table.viewport(), Qt.LeftButton, pos=pos)
    qtbot.mouseDClick(panel.table.viewport(), Qt.LeftButton, pos=pos)


def test_every_segment_is_a_row_with_its_volume_which_follows_edits(window, lungs, qtbot,
                                                                    phantom):
    panel = window.panels["segments"]
    table = panel.table
    assert panel._keys == [RIGHT, LEFT, (LUNGS, AIRWAY.value)]
    assert [table.item(r, NAME).text() for r in range(3)] == ["right", "left", "airway"]
    assert np.abs(swatch(table, 0) - RIGHT_LUNG.color).max() <= 4
    assert panel.visible_box(0).isChecked() and not panel.locked_box(0).isChecked()
    ml = ml_per_voxel(phantom.volume.spacing)
    count = int((lungs.array == RIGHT_LUNG.value).sum())
    qtbot.waitUntil(lambda: table.item(0, VOLUME).text() == f"{count * ml:.2f}", timeout=3000)
    # An edit recounts only the slices it touched, and the volume follows.
    counts = panel._counts[LUNGS]
    spans = []
    recount = counts.recount
    counts.recount = lambda *span: spans.append(span) or recount(*span)
    k = lungs.shape[0] // 2
    box = (slice(k - 1, k + 2), slice(0, 4), slice(0, 5))           # air outside the body
    assert not lungs.array[box].any()
    lungs.write(box, RIGHT_LUNG.value)
    qtbot.waitUntil(lambda: table.item(0, VOLUME).text() == f"{(count + 60) * ml:.2f}",
                    timeout=3000)
    assert spans == [(k - 1, k + 2)]
    assert panel.volume_ml(RIGHT) == pytest.approx((count + 60) * ml)


def test_lungs_segmented_in_the_lungs_dock_become_rows(window, qtbot):
    lungs_panel = window.panels["lungs"]
    lungs_panel.method.setCurrentText("kmeans")
    lungs_panel.run_button.click()
    qtbot.waitUntil(lambda: LUNGS in window.state.overlays and lungs_panel.task is None,
                    timeout=60000)
    panel = window.panels["segments"]
    assert panel._keys[:2] == [RIGHT, LEFT]
    assert panel.table.item(0, 6).text() == "kmeans"                 # how it was made
    labels = window.state.overlays[LUNGS].labels
    ml = ml_per_voxel(window.volume.spacing)
    qtbot.waitUntil(lambda: panel.table.item(1, VOLUME).text()
                    == f"{(labels == LEFT_LUNG.value).sum() * ml:.2f}", timeout=3000)


def test_the_visible_checkbox_hides_a_segment_in_the_slice_view(window, lungs, qtbot):
    panel = window.panels["segments"]
    view = window.views["axial"]
    labels = plane(window, lungs.array)
    right, left = labels == RIGHT_LUNG.value, labels == LEFT_LUNG.value
    assert right.sum() > 100 and left.sum() > 100
    assert has_colour(drawn(window), RIGHT_LUNG.color)[right].all()
    qtbot.mouseClick(panel.visible_box(0), Qt.LeftButton)
    assert not lungs.segment(RIGHT_LUNG.value).visible
    rgb = drawn(window)
    assert not has_colour(rgb, RIGHT_LUNG.color).any()
    assert (np.ptp(rgb[right].astype(int), axis=1) == 0).all()       # grey CT there
    assert has_colour(rgb, LEFT_LUNG.color)[left].all()              # the other one stays
    screen = to_rgb(view)
    save(screen, picture_path("segments_right_hidden.png"))
    inner, inside = slice_on_screen(view, ndimage.binary_erosion(
        lungs.array == RIGHT_LUNG.value, np.ones((3, 3, 3), bool)))
    assert not coloured(screen, 20)[inner & inside & ~annotation_pixels(view)].any()
    qtbot.mouseClick(panel.visible_box(0), Qt.LeftButton)
    assert lungs.segment(RIGHT_LUNG.value).visible
    assert has_colour(drawn(window), RIGHT_LUNG.color)[right].all()


def test_a_locked_segment_keeps_its_voxels(window, lungs, qtbot):
    panel = window.panels["segments"]
    qtbot.mouseClick(panel.locked_box(1), Qt.LeftButton)
    assert lungs.segment(LEFT_LUNG.value).locked
    before = lungs.array.copy()
    lungs.write(None, 0)                                  # clear everything it may
    assert (lungs.array == LEFT_LUNG.value).sum() == (before == LEFT_LUNG.value).sum() > 0
    assert not (lungs.array == RIGHT_LUNG.value).any()
    panel.table.selectRow(1)
    panel.delete_button.click()                           # locked: refused, said why
    assert lungs.segment(LEFT_LUNG.value) is not None
    assert "locked: left" in panel.status.text()


def test_double_click_renames_and_an_empty_or_taken_name_is_refused(window, lungs, qtbot):
    panel = window.panels["segments"]

    def rename(row, text):
        double_click(panel, qtbot, row, NAME)
        editors = [e for e in panel.table.findChildren(QLineEdit) if e.isVisible()]
        assert len(editors) == 1                  # the last one is hidden, deleted later
        editor = editors[0]
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key_Return)
        qtbot.waitUntil(lambda: panel.table.state() != QAbstractItemView.EditingState,
                        timeout=2000)                       # Return commits queued

    rename(0, "right lung, corrected")
    assert lungs.segment(RIGHT_LUNG.value).name == "right lung, corrected"
    assert panel.table.item(0, NAME).text() == "right lung, corrected"
    rename(1, "right lung, corrected")                    # taken in this map
    assert lungs.segment(LEFT_LUNG.value).name == "left"
    assert panel.table.item(1, NAME).text() == "left"
    assert "taken" in panel.status.text()


def test_recolour_through_the_colour_dialog_changes_the_drawn_colour(window, lungs, qtbot,
                                                                     monkeypatch):
    panel = window.panels["segments"]
    asked = []
    monkeypatch.setattr(QColorDialog, "getColor",
                        lambda initial, *a, **k: asked.append(initial) or QColor(255, 0, 255))
    click_row(panel, qtbot, 1)
    assert window.state.active_segment == LEFT
    panel.color_button.click()
    assert asked[0].getRgb()[:3] == LEFT_LUNG.color           # starts at the current colour
    assert lungs.segment(LEFT_LUNG.value).color == (255, 0, 255)
    assert lungs.segment(RIGHT_LUNG.value).color == RIGHT_LUNG.color
    left = plane(window, lungs.array) == LEFT_LUNG.value
    rgb = drawn(window)
    assert has_colour(rgb, (255, 0, 255))[left].all()
    assert not has_colour(rgb, LEFT_LUNG.color).any()
    assert np.abs(swatch(panel.table, 1) - (255, 0, 255)).max() <= 4
    # Double-clicking the swatch asks too.
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor(0, 200, 0))
    double_click(panel, qtbot, 0, COLOR)
    assert lungs.segment(RIGHT_LUNG.value).color == (0, 200, 0)


def test_the_selected_row_is_the_active_segment_both_ways(window, lungs, qtbot):
    panel = window.panels["segments"]
    click_row(panel, qtbot, 0)
    assert window.state.active_segment == RIGHT
    click_row(panel, qtbot, 2)
    assert window.state.active_segment == (LUNGS, AIRWAY.value)
    window.state.active_segment = LEFT                      # e.g. an editor tool chose it
    assert panel.table.currentRow() == 1 and panel.selected_keys() == [LEFT]
    window.state.active_segment = None
    assert panel.selected_keys() == []


def test_add_then_merge_then_delete(window, lungs, qtbot):
    panel = window.panels["segments"]
    panel.add_button.click()
    new = (LUNGS, 4)                                        # 1, 2, 3 are the lungs' rows
    assert panel._keys[-1] == new and window.state.active_segment == new
    row = lungs.segment(4)
    assert row.name == "Segment 4"
    assert all(np.linalg.norm(np.subtract(row.color, s.color)) > 60
               for s in lungs.segments if s.value != 4)
    k = lungs.shape[0] // 2
    lungs.write((slice(k - 1, k + 2), slice(0, 4), slice(0, 5)), 4)       # paint it
    right_before = int((lungs.array == RIGHT_LUNG.value).sum())
    # Merge: the right lung, then Ctrl+click the new segment; into the first (right).
    click_row(panel, qtbot, 0)
    click_row(panel, qtbot, 3, Qt.ControlModifier)
    assert panel.selected_keys() == [RIGHT, new]
    panel.merge_button.click()
    assert lungs.segment(4) is None and not (lungs.array == 4).any()
    assert int((lungs.array == RIGHT_LUNG.value).sum()) == right_before + 60
    assert window.state.active_segment == RIGHT and new not in panel._keys
    # Delete the left lung: its voxels cleared (the view redraws), its row gone.
    left = plane(window, lungs.array) == LEFT_LUNG.value
    revision = lungs.revision
    click_row(panel, qtbot, 1)
    panel.delete_button.click()
    assert lungs.revision > revision and not (lungs.array == LEFT_LUNG.value).any()
    assert lungs.segment(LEFT_LUNG.value) is None and LEFT not in panel._keys
    assert window.state.active_segment is None
    rgb = drawn(window)
    assert (np.ptp(rgb[left].astype(int), axis=1) == 0).all()
    # Add again: value 2 is free now, in a colour unlike the others.
    panel.add_button.click()
    assert window.state.active_segment == (LUNGS, 2)


def test_add_without_a_map_makes_one(window, qtbot):
    panel = window.panels["segments"]
    assert not window.state.overlays
    panel.add_button.click()
    overlay = window.state.overlays["segments"]
    assert overlay.labels.shape == window.volume.shape and not overlay.labels.any()
    assert [s.value for s in overlay.segments] == [1]
    assert window.state.active_segment == ("segments", 1)


def test_opacity_and_outline_of_a_map(window, lungs, qtbot):
    panel = window.panels["segments"]
    assert panel.map_box.currentText() == LUNGS
    panel.opacity.slider.setValue(60)
    assert window.state.overlays[LUNGS].opacity == pytest.approx(0.6)
    panel.opacity.slider.setValue(100)
    panel.display.setCurrentText("Outline")
    assert window.state.overlays[LUNGS].outline
    labels = plane(window, lungs.array)
    rgb = drawn(window)
    for value, colour in ((RIGHT_LUNG.value, RIGHT_LUNG.color),
                          (LEFT_LUNG.value, LEFT_LUNG.color)):
        mine = np.pad(labels == value, 1)
        inner = mine[1:-1, 1:-1] & mine[:-2, 1:-1] & mine[2:, 1:-1] & mine[1:-1, :-2] \
            & mine[1:-1, 2:]
        edge = (labels == value) & ~inner
        assert edge.sum() > 20 and inner.sum() > 100
        assert np.array_equal(has_colour(rgb, colour), edge)    # the boundary, nothing else
    save(to_rgb(window.views["axial"]), picture_path("segments_outline.png"))
    panel.display.setCurrentText("Fill")
    assert not window.state.overlays[LUNGS].outline
    assert has_colour(drawn(window), RIGHT_LUNG.color)[labels == RIGHT_LUNG.value].all()


def test_the_selected_segments_own_opacity(window, lungs, qtbot):
    panel = window.panels["segments"]
    assert not panel.segment_opacity.isEnabled()                 # nothing selected
    click_row(panel, qtbot, panel._keys.index((LUNGS, RIGHT_LUNG.value)))
    assert window.state.active_segment == (LUNGS, RIGHT_LUNG.value)
    assert panel.segment_opacity.isEnabled() and panel.segment_opacity.spin.value() == 100
    panel.segment_opacity.slider.setValue(50)
    assert lungs.segment(RIGHT_LUNG.value).opacity == pytest.approx(0.5)
    assert lungs.segment(LEFT_LUNG.value).opacity == 1.0
    labels = plane(window, lungs.array)
    rgb = drawn(window)
    assert not has_colour(rgb, RIGHT_LUNG.color)[labels == RIGHT_LUNG.value].any()   # mixed
    assert has_colour(rgb, LEFT_LUNG.color)[labels == LEFT_LUNG.value].all()         # opaque
    click_row(panel, qtbot, panel._keys.index((LUNGS, LEFT_LUNG.value)))
    assert panel.segment_opacity.spin.value() == 100                # follows the selection


def test_the_view_menu_shows_and_hides_the_dock(window, lungs, qtbot):
    panel = window.panels["segments"]
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    toggle = next(a for a in view_menu.actions() if a.text() == "Segments")
    toggle.trigger()
    assert not window.docks["segments"].isVisible()
    toggle.trigger()
    window.docks["segments"].raise_()
    qtbot.waitUntil(panel.table.isVisible)
    click_row(panel, qtbot, 1)
    qtbot.waitUntil(lambda: panel.table.item(0, VOLUME).text() != "…", timeout=3000)
    QApplication.processEvents()
    window.grab().save(picture_path("segments_window.png"))


def test_a_deleted_dock_leaves_no_slot_on_the_state(qtbot, phantom):
    state = ViewerState()
    state.volume = phantom.volume
    before = {s.name: len(s) for s in state.events}
    panel = SegmentsPanel(state)
    assert {s.name: len(s) for s in state.events} != before
    panel.deleteLater()
    from PyQt5.QtCore import QEvent

    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert {s.name: len(s) for s in state.events} == before
