"""model.slice_display and ViewerState.view_display: per-view slab and colour map, events,
the key steps, sessions (older sessions without them open as single grey slices)."""
from __future__ import annotations

import json

import pytest

from ctvis.model.slice_display import (SliceDisplay, next_colormap, next_slab_mode, thicker,
                                       thinner)
from ctvis.model.state import ViewerState


def test_defaults_are_todays_single_grey_slice():
    state = ViewerState()
    assert set(state.view_display) == {"axial", "coronal", "sagittal"}
    d = state.view_display["axial"]
    assert d == SliceDisplay() and not d.slab and d.colormap == "grey"
    assert d.label() == "" and not d.shows_colorbar
    assert d.render_options() == {"slab_mm": 0.0, "slab_mode": "mip", "colormap": "grey"}


def test_set_one_view_fires_one_event_and_leaves_the_others():
    state = ViewerState()
    seen = []
    state.events.view_display.connect(seen.append)
    state.set_view_display("coronal", slab_mm=20, slab_mode="minip", colormap="hot")
    assert len(seen) == 1
    assert state.view_display["coronal"].label() == "MinIP 20 mm"
    assert state.view_display["coronal"].shows_colorbar
    assert state.view_display["axial"] == SliceDisplay()
    state.set_view_display("coronal", slab_mm=20.0)            # no change: no event
    assert len(seen) == 1


@pytest.mark.parametrize("changes, message", [
    ({"slab_mm": -5}, "slab thickness"), ({"slab_mm": "thick"}, "slab thickness"),
    ({"slab_mode": "max"}, "unknown slab mode 'max'"),
    ({"colormap": "jet"}, "unknown colour map 'jet'")])
def test_bad_values_are_refused_with_a_clear_message(changes, message):
    state = ViewerState()
    with pytest.raises(ValueError, match=message):
        state.set_view_display("axial", **changes)
    with pytest.raises(ValueError, match="no slice view"):
        state.set_view_display("3d", slab_mm=5)
    assert state.view_display["axial"] == SliceDisplay()


def test_key_steps():
    d = SliceDisplay()
    modes = []
    for _ in range(4):
        d = next_slab_mode(d)
        modes.append(d.label())
    assert modes == ["MIP 20 mm", "MinIP 20 mm", "Mean 20 mm", ""]
    d = SliceDisplay()
    steps = []
    for _ in range(5):
        d = thicker(d)
        steps.append(d.slab_mm)
    assert steps == [5.0, 10.0, 20.0, 40.0, 40.0]
    down = []
    for _ in range(5):
        d = thinner(d)
        down.append(d.slab_mm)
    assert down == [20.0, 10.0, 5.0, 0.0, 0.0]
    assert thinner(SliceDisplay(slab_mm=15)).slab_mm == 10.0
    names = []
    for _ in range(4):
        d = next_colormap(d)
        names.append(d.colormap)
    assert names == ["inverted", "hot", "viridis", "grey"]


def test_session_round_trip_and_older_sessions():
    state = ViewerState()
    state.set_view_display("axial", slab_mm=10, slab_mode="mean", colormap="viridis")
    state.set_view_display("sagittal", colorbar=True)
    text = state.to_json()
    again = ViewerState.from_json(text)
    assert again.view_display == state.view_display
    old = json.loads(text)
    del old["view_display"]                                    # written before slabs
    assert ViewerState.from_json(json.dumps(old)).view_display == ViewerState().view_display
    old["view_display"] = {"axial": {"colormap": "hot"}}        # missing keys and views
    partial = ViewerState.from_json(json.dumps(old)).view_display
    assert partial["axial"] == SliceDisplay(colormap="hot")
    assert partial["coronal"] == SliceDisplay()
