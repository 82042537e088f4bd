"""A label map outlives the temporary states that showed it (a report's, a picture's): it
must not keep them alive, nor gather their slots (issue 25, item 2)."""
from __future__ import annotations

import gc
import weakref

import numpy as np

from ctvis.model.labelmap import LabelMap, Segment
from ctvis.model.state import ViewerState
from tests.helpers.dicom_factory import random_volume


def _labelmap(shape):
    return LabelMap(np.zeros(shape, np.uint8), (Segment("nodule", 1, (200, 40, 40)),), "tumour")


def _slots(labelmap) -> tuple[int, int]:
    return len(labelmap.events.changed), len(labelmap.events.segments)


def test_a_dropped_state_leaves_the_label_map_it_showed():
    volume = random_volume((6, 8, 8))
    labelmap = _labelmap(volume.shape)
    window = ViewerState()                       # the long-lived one
    window.volume = volume
    window.set_overlay("tumour", labels=labelmap)
    before = _slots(labelmap)
    gone = []
    for _ in range(5):                           # five reports' temporary states
        temporary = ViewerState()
        temporary.volume = volume
        temporary.set_overlay("tumour", labels=labelmap)
        assert _slots(labelmap) == (before[0] + 1, before[1] + 1)
        gone.append(weakref.ref(temporary))
        del temporary
    gc.collect()
    assert [ref() for ref in gone] == [None] * 5
    assert _slots(labelmap) == before
    # The window's state still hears the map's edits and table changes.
    heard = []
    window.events.labels.connect(lambda name, change: heard.append(name))
    window.events.overlays.connect(lambda overlays: heard.append("table"))
    labelmap.write((slice(0, 2), slice(0, 2), slice(0, 2)), 1)
    labelmap.set_segments(labelmap.segments + (Segment("second", 2, (40, 200, 40)),))
    assert heard == ["tumour", "table"]


def test_a_state_with_a_label_map_is_freed_without_the_cycle_collector():
    volume = random_volume((6, 8, 8))
    labelmap = _labelmap(volume.shape)
    state = ViewerState()
    state.volume = volume
    state.set_overlay("tumour", labels=labelmap)
    ref = weakref.ref(state)
    gc.disable()
    try:
        del state
        assert ref() is None                     # refcounting alone frees it
    finally:
        gc.enable()
    assert _slots(labelmap) == (0, 0)
