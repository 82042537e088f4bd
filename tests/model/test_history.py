"""Undo and redo of label-map edits: exact arrays, commands as one step, the memory budget,
locked segments, masking, events (issue 21, item 3)."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.brush import stroke
from ctvis.core.editing.margin import margin
from ctvis.core.editing.masking import MaskingSettings
from ctvis.model.history import DEFAULT_BUDGET, EditHistory
from ctvis.model.labelmap import LabelMap, Segment
from ctvis.model.segment_actions import merge_segments

SHAPE = (12, 16, 16)


def _labelmap(seed=0) -> LabelMap:
    rng = np.random.default_rng(seed)
    array = rng.choice([0, 0, 0, 1, 2], size=SHAPE).astype(np.uint8)
    return LabelMap(array, [Segment("a", 1, (255, 0, 0)), Segment("b", 2, (0, 255, 0)),
                            Segment("c", 3, (0, 0, 255))])


def _box(z, y, x):
    return (slice(*z), slice(*y), slice(*x))


def test_undo_and_redo_restore_the_arrays_byte_for_byte():
    labelmap, history = _labelmap(), EditHistory()
    states = [labelmap.array.copy()]
    rng = np.random.default_rng(1)
    for value in (3, 0, 1, 3):
        region = _box((2, 9), (1, 12), (4, 15))
        history.apply(labelmap, region, value, rng.random((7, 11, 11)) < 0.5)
        states.append(labelmap.array.copy())
    assert not np.array_equal(states[0], states[-1])
    for state in reversed(states[:-1]):
        assert history.undo() and np.array_equal(labelmap.array, state)
    assert not history.can_undo and not history.undo()
    for state in states[1:]:
        assert history.redo() and np.array_equal(labelmap.array, state)
    assert not history.can_redo and not history.redo()


def test_a_step_holds_only_the_box_it_changed():
    labelmap = LabelMap(np.zeros(SHAPE, np.uint8), [Segment("a", 1, (255, 0, 0))])
    history = EditHistory()
    mask = np.zeros(SHAPE, bool)
    mask[3:5, 6:8, 1:4] = True
    history.apply(labelmap, None, 1, mask)            # a whole-volume write of 12 voxels
    assert history.nbytes == 2 * 2 * 2 * 3
    history.apply(labelmap, None, 1, mask)            # the same again: changes nothing
    assert history.use.undo_steps == 1


def test_a_new_edit_ends_the_redo_branch_and_events_report_the_use():
    labelmap, history = _labelmap(), EditHistory()
    heard = []
    history.events.changed.connect(heard.append)
    history.apply(labelmap, _box((0, 2), (0, 2), (0, 2)), 3)
    history.apply(labelmap, _box((4, 6), (0, 2), (0, 2)), 3)
    history.undo()
    assert history.can_redo and heard[-1].undo_steps == 1 and heard[-1].redo_steps == 1
    history.apply(labelmap, _box((8, 9), (0, 2), (0, 2)), 3)
    assert not history.can_redo and len(heard) == 4
    assert heard[-1].nbytes == history.nbytes > 0 and heard[-1].budget == DEFAULT_BUDGET


def test_at_least_twenty_steps_are_kept():
    labelmap = LabelMap(np.zeros(SHAPE, np.uint8), [Segment("a", 1, (255, 0, 0))])
    history = EditHistory()
    for i in range(25):
        history.apply(labelmap, (i % 12, slice(i % 16, i % 16 + 1)), 1)
    assert history.use.undo_steps == 25
    while history.undo():
        pass
    assert not labelmap.array.any()


def test_the_budget_holds_and_the_oldest_steps_go_first():
    labelmap = LabelMap(np.zeros(SHAPE, np.uint8), [Segment("a", 1, (255, 0, 0))])
    one_step = 2 * 16 * 16                             # one slice, old + new
    history = EditHistory(budget=5 * one_step)
    states = [labelmap.array.copy()]
    for i in range(12):
        history.apply(labelmap, i, 1, name=f"slice {i}")
        states.append(labelmap.array.copy())
        assert history.nbytes <= history.budget
    assert history.steps() == [f"slice {i}" for i in range(7, 12)] and history.dropped == 7
    while history.undo():
        pass
    assert np.array_equal(labelmap.array, states[7])   # the newest five were undone
    history.budget = 2 * one_step                      # lowered: redo steps go, furthest first
    assert history.use.redo_steps == 2 and history.nbytes <= history.budget
    assert history.redo() and history.redo() and np.array_equal(labelmap.array, states[9])
    with pytest.raises(ValueError):
        history.budget = -1


def test_a_step_larger_than_the_budget_is_applied_but_not_kept():
    labelmap = LabelMap(np.zeros(SHAPE, np.uint8), [Segment("a", 1, (255, 0, 0))])
    history = EditHistory(budget=100)
    history.apply(labelmap, None, 1)
    assert labelmap.array.all() and not history.can_undo and history.nbytes == 0


def test_a_stroke_is_one_step_merged_or_grouped():
    labelmap, history = _labelmap(2), EditHistory()
    before = labelmap.array.copy()
    spacing = (1.0, 0.8, 0.8)
    with history.command("paint"):
        points = [(5, 2, 2), (5, 5, 7), (5, 9, 8), (5, 13, 13)]
        for a, b in zip(points, points[1:]):
            region, mask = stroke(a, b, 1.5, spacing, SHAPE, axis=0)
            history.apply(labelmap, region, 3, mask)
        with history.command("nested"):                # joins the outer command
            history.apply(labelmap, _box((5, 6), (0, 1), (0, 1)), 3)
    after = labelmap.array.copy()
    assert history.steps() == ["paint"] and not np.array_equal(before, after)
    [(_, edit)] = history.next_undo.edits              # merged over one slice's box
    assert edit.region[0] == slice(5, 6)
    assert history.undo() and np.array_equal(labelmap.array, before)
    assert history.redo() and np.array_equal(labelmap.array, after)
    # Two far corners of a larger volume: their union box would cost a hundred times more.
    big = LabelMap(np.zeros((100, 100, 100), np.uint8), [Segment("a", 1, (255, 0, 0))])
    with history.command("corners"):
        history.apply(big, _box((0, 2), (0, 2), (0, 2)), 1)
        history.apply(big, _box((98, 100), (98, 100), (98, 100)), 1)
    assert len(history.next_undo.edits) == 2 and history.next_undo.nbytes == 32
    assert history.undo() and not big.array.any() and np.array_equal(labelmap.array, after)


def test_a_command_that_changes_nothing_is_no_step():
    labelmap = LabelMap(np.zeros(SHAPE, np.uint8), [Segment("a", 1, (255, 0, 0))])
    history = EditHistory()
    with history.command("painted and erased"):
        history.apply(labelmap, _box((1, 3), (1, 3), (1, 3)), 1)
        history.apply(labelmap, _box((1, 3), (1, 3), (1, 3)), 0)
    assert not history.can_undo and not labelmap.array.any()


def test_a_locked_segment_never_changes():
    labelmap, history = _labelmap(3), EditHistory()
    labelmap.set_segment(2, locked=True)
    locked = labelmap.array == 2
    history.apply(labelmap, None, 3)
    history.apply(labelmap, None, 0)
    history.replace(labelmap, None, 1, np.ones(SHAPE, bool))
    history.erase(labelmap, None, 2)
    assert np.array_equal(labelmap.array == 2, locked) and (labelmap.array == 1).sum() > 0
    while history.undo():
        assert np.array_equal(labelmap.array == 2, locked)


def test_masking_settings_hold_for_every_write():
    labelmap = LabelMap(np.zeros((1, 1, 6), np.uint8), [Segment("a", 1, (255, 0, 0)),
                                                       Segment("b", 2, (0, 255, 0))])
    labelmap.array[0, 0] = [0, 0, 2, 2, 1, 0]
    hu = np.array([[[-800, 40, -800, 40, 40, 40]]], np.int16)
    history = EditHistory()
    history.apply(labelmap, None, 1, masking=MaskingSettings(overwrite=False))
    assert labelmap.array[0, 0].tolist() == [1, 1, 2, 2, 1, 1]
    history.undo()
    history.apply(labelmap, None, 1, masking=MaskingSettings(hu_range=(0, 100)), hu=hu)
    assert labelmap.array[0, 0].tolist() == [0, 1, 2, 1, 1, 1]
    history.undo()
    inside_b = MaskingSettings(area="inside", inside=2)
    history.replace(labelmap, None, 1, np.ones((1, 1, 6), bool), masking=inside_b)
    assert labelmap.array[0, 0].tolist() == [0, 0, 1, 1, 1, 0]   # a's voxel outside b stays
    history.undo()
    history.erase(labelmap, None, 2, masking=MaskingSettings(hu_range=(0, 100)), hu=hu)
    assert labelmap.array[0, 0].tolist() == [0, 0, 2, 0, 1, 0]


def test_replace_and_erase_touch_one_segment():
    labelmap = LabelMap(np.zeros((9, 9, 9), np.uint8), [Segment("a", 1, (255, 0, 0)),
                                                       Segment("b", 2, (0, 255, 0))])
    labelmap.array[4, 4, 4] = 1
    labelmap.array[4, 4, 5] = 2
    before = labelmap.array.copy()
    history = EditHistory()
    region, mask = margin(labelmap.array, 1, 1.0, (1, 1, 1))    # grow a by one voxel
    history.replace(labelmap, region, 1, mask, masking=MaskingSettings(overwrite=False))
    assert (labelmap.array == 1).sum() == 6 and labelmap.array[4, 4, 5] == 2
    history.replace(labelmap, region, 1, mask)                  # overwriting b this time
    assert (labelmap.array == 1).sum() == 7 and labelmap.values_in(None) == {1}
    region, mask = margin(labelmap.array, 1, -1.0, (1, 1, 1))   # and shrink it back
    history.replace(labelmap, region, 1, mask)
    assert labelmap.array.sum() == 1 and labelmap.array[4, 4, 4] == 1
    labelmap.array[0, 0, 0] = 2
    history.erase(labelmap, None, 1)
    assert labelmap.values_in(None) == {2}
    labelmap.array[0, 0, 0] = 0
    while history.undo():
        pass
    assert np.array_equal(labelmap.array, before)
    with pytest.raises(ValueError):
        history.replace(labelmap, None, 0, np.ones((9, 9, 9), bool))
    with pytest.raises(ValueError):
        history.apply(labelmap, _box((0, 2), (0, 2), (0, 2)), 1, np.ones((3, 3, 3), bool))


def test_edits_written_elsewhere_are_recorded():
    labelmap, history = _labelmap(4), EditHistory()
    before = labelmap.array.copy()
    with history.command("merge"):
        for edit in merge_segments(labelmap, 1, [2]):
            history.record(labelmap, edit)
    assert labelmap.values_in(None) == {1} and history.steps() == ["merge"]
    assert history.undo() and np.array_equal(labelmap.array, before)
