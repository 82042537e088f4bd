"""The editor model (no Qt): writes into the active segment under the masking settings
through the one history; Paint with no segment adds one; table changes undo with voxels."""
from __future__ import annotations

import numpy as np

from ctvis.core.editing.masking import MaskingSettings
from ctvis.core.editing.region import Patch
from ctvis.core.volume import Volume
from ctvis.model.editor import NEW_MAP, Editor
from ctvis.model.history import EditHistory
from ctvis.model.labelmap import LabelMap, Segment
from ctvis.model.state import ViewerState


def _state():
    hu = np.full((4, 6, 6), -800, np.int16)
    hu[:, :, 3:] = 40
    state = ViewerState()
    state.volume = Volume(hu, (2.0, 1.0, 1.0))
    return state


def _patch():
    return Patch((slice(1, 2), slice(0, 6), slice(0, 6)), np.ones((1, 6, 6), bool))


def test_paint_without_a_segment_adds_one_and_undo_restores_exactly():
    state = _state()
    editor = Editor(state)
    editor.paint(_patch())
    name, value = state.active_segment
    labels = state.overlays[NEW_MAP].labels
    assert name == NEW_MAP and value == 1 and labels[1].all() and labels.sum() == 36
    editor.history.undo()
    assert not labels.any()
    editor.history.redo()
    assert labels[1].all()


def test_masking_hu_range_and_erase_of_the_active_segment_only():
    state = _state()
    labelmap = LabelMap(np.zeros((4, 6, 6), np.uint8),
                        (Segment("a", 1, (255, 0, 0)), Segment("b", 2, (0, 255, 0))), "m")
    labelmap.array[1, 0, :] = 2
    state.set_overlay("m", labels=labelmap)
    state.active_segment = ("m", 1)
    editor = Editor(state)
    editor.masking = MaskingSettings(hu_range=(-1000, -500), overwrite=False)
    editor.paint(_patch())
    expected = np.zeros((6, 6), np.uint8)
    expected[:, :3] = 1
    expected[0, :] = 2
    assert np.array_equal(labelmap.array[1], expected)
    editor.masking = MaskingSettings()
    editor.erase(_patch())
    assert np.array_equal(labelmap.array[1], np.where(expected == 2, 2, 0))


def test_a_table_change_in_a_command_is_undone_with_its_voxels():
    labelmap = LabelMap(np.zeros((2, 2, 2), np.uint8), (Segment("a", 1, (1, 2, 3)),))
    history = EditHistory()
    old = labelmap.segments
    with history.command("split"):
        labelmap.add_segment(Segment("b", 2, (4, 5, 6)))
        history.apply(labelmap, None, 2)
        history.record_table(labelmap, old, labelmap.segments)
    history.undo()
    assert labelmap.segments == old and not labelmap.array.any()
    history.redo()
    assert [s.name for s in labelmap.segments] == ["a", "b"] and (labelmap.array == 2).all()


def test_a_new_volume_clears_the_history_and_leaves_the_tool():
    state = _state()
    editor = Editor(state)
    editor.tool = "paint"
    editor.paint(_patch())
    assert editor.history.can_undo
    state.volume = Volume(np.zeros((2, 2, 2), np.int16), (1.0, 1.0, 1.0))
    assert not editor.history.can_undo and editor.tool is None
