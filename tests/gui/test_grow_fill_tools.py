"""Grow from seeds and Fill between slices in the window (issue 22, item 3), driven like a
user: Paint strokes with the mouse, G / F choose the tool, its buttons run it, Ctrl+Z
undoes it.  The label map is checked against the core functions on the same input."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import Qt

from ctvis.core.editing.fill_between import fill_between
from ctvis.core.editing.grow_from_seeds import grow_from_seeds
from ctvis.gui.screenshot import window_image
from ctvis.model.labelmap import LabelMap, Segment
from tests.gui.shots import pixel_centre, to_rgb
from tests.gui.test_editor_tools import GREEN, MAP, RED, drag, key
from tests.helpers.pictures import picture_path

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]

LUNG_STROKE = ((46, 14), (52, 30))          # slice pixels (row, col) in the axial view
BODY_STROKE = ((38, 48), (58, 48))          # the mediastinum


@pytest.fixture
def window(phantom_window, qtbot):
    phantom_window.docks["segments"].raise_()
    qtbot.waitUntil(phantom_window.panels["segments"].table.isVisible)
    phantom_window.editor.set_brush(radius_mm=4.0, sphere=False)
    return phantom_window


@pytest.fixture
def edits(window, phantom):
    labelmap = LabelMap(np.zeros(phantom.volume.shape, np.uint8),
                        (Segment("lung", 1, RED), Segment("other", 2, GREEN)), MAP)
    window.state.set_overlay(MAP, labels=labelmap, opacity=1.0)
    window.state.active_segment = (MAP, 1)
    return labelmap


def test_grow_from_seeds_painted_initialized_applied_and_undone(window, edits, qtbot,
                                                                 phantom):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    drag(view, [pixel_centre(view, *p) for p in LUNG_STROKE])
    window.state.active_segment = (MAP, 2)
    drag(view, [pixel_centre(view, *p) for p in BODY_STROKE])
    seeds = edits.array.copy()
    assert (seeds == 1).sum() > 5 and (seeds == 2).sum() > 5
    hu = phantom.volume.array
    assert hu[seeds == 1].mean() < -500 and hu[seeds == 2].mean() > -200

    key(window, qtbot, Qt.Key_G)
    tool = window.editor_tools.tools["grow_from_seeds"]
    assert window.editor.tool == "grow_from_seeds" and view.tool is tool
    options = tool.options()
    assert options.isVisible() and tool.init_button.text() == "Initialize"
    assert not tool.apply_button.isEnabled()
    before_rgb = to_rgb(view)
    qtbot.mouseClick(tool.init_button, Qt.LeftButton)
    assert tool.preview is not None and tool.init_button.text() == "Update"
    assert np.array_equal(edits.array, seeds)           # a preview only
    # The preview is drawn in the segments' colours: a lung pixel away from the strokes
    # turns red, a mediastinum pixel green.
    after_rgb = to_rgb(view).astype(int)
    lung, wall = pixel_centre(view, 44, 24), pixel_centre(view, 42, 50)
    for p, (c, other) in ((lung, (0, 1)), (wall, (1, 0))):
        change = after_rgb[p.y(), p.x()] - before_rgb[p.y(), p.x()]
        assert change[c] > change[other] + 20, (p, change)
    window_image(window).save(picture_path("grow_from_seeds_preview.png"))

    expected = seeds.copy()
    grown = grow_from_seeds(seeds, hu, phantom.volume.spacing)
    box = expected[grown.region]
    box[box == 0] = grown.labels[box == 0]
    qtbot.mouseClick(tool.apply_button, Qt.LeftButton)
    assert np.array_equal(edits.array, expected)
    assert tool.preview is None and not tool.apply_button.isEnabled()
    # The phantom's lungs in the box are "lung"; most of the rest "other" (the chest wall
    # beyond the lung stroke, with no stroke of its own, joins the lung's basin).
    lungs = phantom.lungs[grown.region] > 0
    got = edits.array[grown.region]
    assert (got[lungs] == 1).mean() > 0.95 and (got[~lungs] == 2).mean() > 0.6
    window_image(window).save(picture_path("grow_from_seeds_applied.png"))
    assert window.editor.history.steps()[-1] == "grow from seeds"
    assert window.editor.history.use.undo_steps == 3       # two strokes and the growth
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert np.array_equal(edits.array, seeds)


def test_grow_from_seeds_cancel_and_one_segment(window, edits, qtbot):
    view = window.views["axial"]
    key(window, qtbot, Qt.Key_P)
    drag(view, [pixel_centre(view, *p) for p in LUNG_STROKE])
    seeds = edits.array.copy()
    key(window, qtbot, Qt.Key_G)
    tool = window.editor_tools.tools["grow_from_seeds"]
    tool.options()
    qtbot.mouseClick(tool.init_button, Qt.LeftButton)        # one segment: nothing
    assert tool.preview is None
    window.state.active_segment = (MAP, 2)
    key(window, qtbot, Qt.Key_P)
    drag(view, [pixel_centre(view, *p) for p in BODY_STROKE])
    seeds = edits.array.copy()
    key(window, qtbot, Qt.Key_G)
    qtbot.mouseClick(tool.init_button, Qt.LeftButton)
    assert tool.preview is not None
    qtbot.mouseClick(tool.cancel_button, Qt.LeftButton)
    assert tool.preview is None and np.array_equal(edits.array, seeds)
    assert window.editor.history.use.undo_steps == 2
    qtbot.mouseClick(tool.init_button, Qt.LeftButton)
    assert tool.preview is not None
    window.state.remove_overlay(MAP)                 # the map gone: the preview goes too
    assert not tool.apply() and tool.preview is None


def test_fill_between_slices_one_undo_step(window, edits, qtbot, phantom):
    spacing = phantom.volume.spacing
    r, c = np.indices(edits.shape[1:])
    small = np.hypot((r - 48) * spacing[1], (c - 30) * spacing[2]) <= 10.0
    large = np.hypot((r - 48) * spacing[1], (c - 30) * spacing[2]) <= 20.0
    edits.array[10][small] = 1
    edits.array[16][large] = 1
    edits.array[16, 5:8, 5:8] = 2                  # another segment: untouched
    before = edits.array.copy()
    key(window, qtbot, Qt.Key_F)
    tool = window.editor_tools.tools["fill_between"]
    assert window.editor.tool == "fill_between"
    tool.options()
    qtbot.mouseClick(tool.apply_button, Qt.LeftButton)
    patch = fill_between(before, 1, 0, spacing)
    expected = before.copy()
    box = expected[patch.region]
    box[patch.mask] = 1
    assert np.array_equal(edits.array, expected)
    areas = [(edits.array[k] == 1).sum() for k in range(10, 17)]
    assert areas[0] < areas[3] < areas[6] and all(a > 0 for a in areas)
    assert window.editor.history.steps()[-1] == "fill between slices"
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert np.array_equal(edits.array, before)


def test_help_lists_the_keys(window):
    from ctvis.gui.main_window import SHORTCUTS_HELP
    assert "<b>G</b></td><td>Segment editor: Grow from seeds" in SHORTCUTS_HELP
    assert "<b>F</b></td><td>Segment editor: Fill between slices" in SHORTCUTS_HELP


def test_fill_between_along_the_view_last_painted_in(window, edits, qtbot, phantom):
    """Discs painted with the mouse on two coronal slices: Apply fills along y."""
    window.editor.set_brush(radius_mm=15.0)
    view = window.views["coronal"]
    key(window, qtbot, Qt.Key_P, view="coronal")
    for index in (40, 48):
        window.state.set_slice_index("coronal", index)
        qtbot.waitUntil(lambda: view.index == index)
        centre = pixel_centre(view, 20, 48)
        drag(view, [centre, centre])
    before = edits.array.copy()
    ys = np.flatnonzero((before == 1).any(axis=(0, 2)))
    assert list(ys) == [40, 48]
    key(window, qtbot, Qt.Key_F, view="coronal")
    tool = window.editor_tools.tools["fill_between"]
    tool.options()
    qtbot.mouseClick(tool.apply_button, Qt.LeftButton)
    assert tool.axis == 1 and tool.axis_box.currentText() == "coronal"
    patch = fill_between(before, 1, 1, phantom.volume.spacing)
    assert not patch.empty
    expected = before.copy()
    expected[patch.region][patch.mask] = 1
    assert np.array_equal(edits.array, expected)
    assert all((edits.array[:, y] == 1).sum() > 0 for y in range(40, 49))
    key(window, qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert np.array_equal(edits.array, before)
