"""The Segments dock's operations on a label map, without Qt: per-slice voxel counts that an
edit updates on its own slices, the next free value and a distinct colour, delete and merge
through LabelMap.write (change events fire; locked rows refuse)."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.model.labelmap import LabelMap, Segment
from ctvis.model.segment_actions import (add_segment, delete_segment, distinct_color,
                                         merge_segments, next_free_value)
from ctvis.model.segment_volumes import SliceCounts, ml_per_voxel


def _map():
    array = np.zeros((6, 8, 8), np.uint8)
    array[1:3, 2:5, 2:5] = 1                     # 18 voxels
    array[4, 1:3, 1:7] = 2                       # 12 voxels
    array[5, 0, 0] = 7                           # a value with no row
    return LabelMap(array, (Segment("a", 1, (255, 0, 0)), Segment("b", 2, (0, 0, 255))), "m")


def test_counts_follow_an_edit_recounting_only_its_slices():
    labelmap = _map()
    counts = SliceCounts(labelmap.array)
    assert (counts.count(1), counts.count(2), counts.count(7)) == (18, 12, 1)
    assert counts.present() == {1, 2, 7}
    labelmap.write((slice(0, 1),), 2)            # slice 0 all 2
    counts.recount(0, 1)
    assert counts.count(2) == 12 + 64
    assert counts.count(1) == 18
    labelmap.array[2] = 0                        # not recounted yet: still the old count
    assert counts.count(1) == 18
    counts.recount(2, 3)
    assert counts.count(1) == 9
    assert ml_per_voxel((2.0, 0.5, 0.5)) == pytest.approx(0.0005)


def test_add_takes_a_free_value_and_a_colour_unlike_the_others():
    labelmap = _map()
    assert next_free_value(labelmap, present={7, 3}) == 4
    row = add_segment(labelmap, present={3})
    assert (row.value, row.name) == (4, "Segment 4") and labelmap.segment(4) == row
    used = [s.color for s in labelmap.segments[:2]]
    assert min(np.linalg.norm(np.subtract(row.color, c)) for c in used) > 100
    assert distinct_color([]) != distinct_color([distinct_color([])])
    full = LabelMap(np.zeros((1, 1, 1), np.uint8), [Segment(str(v), v, (0, 0, 0))
                                                   for v in range(1, 256)])
    with pytest.raises(ValueError, match="no free label value"):
        next_free_value(full)


def test_delete_and_merge_write_through_the_label_map_and_respect_locks():
    labelmap = _map()
    changes = []
    labelmap.events.changed.connect(changes.append)
    edits = merge_segments(labelmap, 2, [1])
    assert len(edits) == 1 and changes and changes[-1].values == frozenset({1, 2})
    assert (labelmap.array == 1).sum() == 0 and (labelmap.array == 2).sum() == 30
    assert [s.value for s in labelmap.segments] == [2]
    labelmap.set_segment(2, locked=True)
    with pytest.raises(ValueError, match="locked: b"):
        delete_segment(labelmap, 2)
    assert (labelmap.array == 2).sum() == 30
    labelmap.set_segment(2, locked=False)
    delete_segment(labelmap, 2)
    assert (labelmap.array == 2).sum() == 0 and labelmap.segments == ()
    assert (labelmap.array == 7).sum() == 1                  # other voxels untouched


def test_the_active_segment_is_state_and_outline_an_overlay_setting():
    from ctvis.core.phantom import make_phantom
    from ctvis.model.state import ViewerState

    state = ViewerState()
    state.volume = make_phantom(shape=(6, 8, 8)).volume
    fired = []
    state.events.active_segment.connect(fired.append)
    state.set_overlay("m", labels=_map(), outline=True)
    state.active_segment = ["m", 2]
    state.active_segment = ("m", 2)                          # the same: no second event
    assert fired == [("m", 2)] and state.active_row()[1].name == "b"
    delete_segment(state.overlays["m"].labelmap, 2)
    assert state.active_row() is None                        # a gone row is not active
    saved = state.to_dict()
    assert saved["overlays"]["m"]["outline"] is True
    state.set_overlay("m", outline=False)
    state.restore(saved)
    assert state.overlays["m"].outline
    state.volume = make_phantom(shape=(6, 8, 8)).volume      # another volume: none active
    assert state.active_segment is None and fired[-1] is None
