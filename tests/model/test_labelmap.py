"""Label maps that change in place: revision, region events, undo data, segment tables, and
the state forwarding them (issue 19, item 2)."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.model.labelmap import LabelMap, Segment, lung_segments
from ctvis.model.state import LUNGS, Overlay, ViewerState


@pytest.fixture
def volume():
    from ctvis.core.volume import Volume

    return Volume(np.full((10, 12, 14), -1000, np.int16), spacing=(2.0, 1.0, 1.0))


def test_a_write_changes_values_in_place_and_says_where():
    array = np.zeros((10, 12, 14), np.uint8)
    labelmap = LabelMap(array, lung_segments("test"))
    heard = []
    labelmap.events.changed.connect(heard.append)
    edit = labelmap.write((slice(2, 4), slice(3, 6), slice(None)), 2)
    assert labelmap.array is array and labelmap.revision == 1
    assert (array[2:4, 3:6, :] == 2).sum() == 2 * 3 * 14 and array.sum() == 2 * 2 * 3 * 14
    [change] = heard
    assert change.region == (slice(2, 4), slice(3, 6), slice(0, 14))
    assert change.values == {2} and change.revision == 1
    assert change.crosses(0, 3) and not change.crosses(0, 4)
    # The edit holds the region's old and new values only: enough to undo and redo.
    assert edit.old.shape == edit.new.shape == (2, 3, 14)
    assert (edit.old == 0).all() and (edit.new == 2).all()
    labelmap.restore(edit)
    assert array.sum() == 0 and labelmap.revision == 2 and heard[-1].values == {2}
    labelmap.restore(edit, undo=False)
    assert (array[2:4, 3:6, :] == 2).all() and labelmap.revision == 3


def test_a_masked_write_keeps_locked_segments_and_notify_reports_outside_writes():
    labelmap = LabelMap(np.zeros((4, 4, 4), np.uint8), lung_segments())
    labelmap.array[1, :, :] = 1
    labelmap.set_segment(1, locked=True)
    heard = []
    labelmap.events.changed.connect(heard.append)
    edit = labelmap.write((slice(0, 3),), 2, where=np.ones((3, 4, 4), bool))
    assert (labelmap.array[1] == 1).all() and (labelmap.array[0] == 2).all()
    assert heard[-1].values == {2}                         # the locked lung was not touched
    assert (edit.new[1] == 1).all()
    # Code that wrote into the array itself says where: one event, the region clipped.
    labelmap.array[3, 0, 0] = 3
    change = labelmap.notify((3, slice(0, 99)))
    assert change.region == (slice(3, 4), slice(0, 4), slice(0, 4)) and change.values is None
    assert heard[-1] is change and labelmap.revision == 2


def test_segment_table_rows_and_their_event():
    labelmap = LabelMap(np.zeros((2, 2, 2), np.uint8), lung_segments("watershed"))
    assert [(s.name, s.value) for s in labelmap.segments] == [
        ("right", 1), ("left", 2), ("airway", 3)]
    assert all(s.origin == "watershed" for s in labelmap.segments)
    tables = []
    labelmap.events.segments.connect(tables.append)
    labelmap.set_segment(2, color=(0, 255, 0), visible=False)
    labelmap.set_segment(2, color=(0, 255, 0), visible=False)        # no change: no event
    assert len(tables) == 1 and labelmap.color_of(2) == (0, 255, 0)
    labelmap.add_segment(Segment("nodule", 7, (255, 0, 0), origin="paint"))
    assert Segment.from_dict(labelmap.segment(7).to_dict()) == labelmap.segment(7)
    half = labelmap.set_segment(7, opacity=0.5)
    assert Segment.from_dict(half.to_dict()) == half and half.opacity == 0.5
    assert Segment.from_dict({k: v for k, v in half.to_dict().items()
                              if k != "opacity"}).opacity == 1.0       # older tables
    with pytest.raises(ValueError, match="opacity"):
        labelmap.set_segment(7, opacity=1.5)
    with pytest.raises(ValueError, match="repeat"):
        labelmap.add_segment(Segment("again", 7, (1, 2, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        labelmap.add_segment(Segment("big", 300, (1, 2, 3)))
    assert LabelMap(np.zeros((2, 2, 2), np.int32) + 300).array.dtype == np.uint16


def test_the_state_forwards_edits_and_tables_of_the_label_maps_it_shows(volume):
    state = ViewerState()
    state.volume = volume
    lungs = np.zeros(volume.shape, np.uint8)
    lungs[2:8, 2:10, 2:6] = 1
    state.set_overlay(LUNGS, labels=lungs, metrics={"total": {"voxels": 1}})
    # A second label map on the same volume: segments that overlap the lungs.
    lesions = LabelMap(np.zeros(volume.shape, np.uint8),
                       (Segment("lesion", 1, (255, 0, 0), origin="paint"),), "lesions")
    state.set_overlay("lesions", labels=lesions)
    edits, overlays = [], []
    state.events.labels.connect(lambda name, change: edits.append((name, change)))
    state.events.overlays.connect(overlays.append)
    assert state.overlays[LUNGS].metrics_current
    lesions.write((slice(3, 5), slice(3, 5), slice(3, 5)), 1)        # inside the right lung
    assert [name for name, _ in edits] == ["lesions"] and overlays == []
    assert (state.overlays[LUNGS].labels[3:5, 3:5, 3:5] == 1).all()   # the lung is intact
    state.overlays[LUNGS].labelmap.write((0,), 2)
    assert edits[-1][0] == LUNGS and not state.overlays[LUNGS].metrics_current
    # Stale metrics are not written to a session (it would show them as measured).
    assert state.to_dict()["overlays"][LUNGS]["metrics"] is None
    state.set_overlay(LUNGS, metrics={"total": {"voxels": 2}})
    assert state.overlays[LUNGS].metrics_current
    # A table change is an overlays event (views restyle); an edit is none.
    state.overlays[LUNGS].labelmap.set_segment(1, visible=False)
    assert len(overlays) == 2
    # A label map no overlay holds any more is not listened to.
    state.set_overlay("lesions", labels=None)
    lesions.write((1,), 1)
    assert [name for name, _ in edits].count("lesions") == 1


def test_segment_tables_travel_in_the_session_json(volume):
    state = ViewerState()
    state.volume = volume
    state.set_overlay(LUNGS, labels=np.zeros(volume.shape, np.uint8), origin="kmeans")
    state.overlays[LUNGS].labelmap.set_segment(2, color=(1, 2, 3), locked=True)
    data = state.to_dict()["overlays"][LUNGS]
    assert data["segments"][1] == {"name": "left", "value": 2, "color": [1, 2, 3],
                                   "visible": True, "locked": True, "origin": "kmeans",
                                   "opacity": 1.0}
    assert data["colors"][1] == [2, [1, 2, 3]]               # for readers of version 1
    again = ViewerState()
    again.volume = volume
    again.set_overlay(LUNGS, labels=np.zeros(volume.shape, np.uint8))
    again.restore(state.to_dict())
    assert again.overlays[LUNGS].segments == state.overlays[LUNGS].segments
    # A version-1 file without a table: its colours go to the lungs' table.
    old = state.to_dict()
    del old["overlays"][LUNGS]["segments"]
    old["overlays"][LUNGS]["colors"] = [[1, [9, 9, 9]], [2, [8, 8, 8]]]
    again.restore(old)
    assert again.overlays[LUNGS].color_of(1) == (9, 9, 9)
    assert [s.name for s in again.overlays[LUNGS].segments] == ["right", "left", "airway"]


def test_an_overlay_made_from_an_array_gets_the_lungs_table():
    overlay = Overlay(labels=np.zeros((2, 2, 2), np.uint8), opacity=0.5)
    assert overlay.colors[:2] == ((1, (230, 120, 60)), (2, (70, 150, 230)))
    assert overlay.labelmap.revision == 0 and not overlay.metrics_current
