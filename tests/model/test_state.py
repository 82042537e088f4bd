"""ViewerState: one event per change, derived slice indices, session JSON round trip."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctvis.model.state import (Bone, Camera, Overlay, View3D, ViewerState, Window,
                             SESSION_VERSION)
from ctvis.core.phantom import make_phantom
from tests.helpers.dicom_factory import random_volume, rotation


@pytest.fixture(scope="module")
def volume():
    return make_phantom(shape=(40, 64, 64)).volume


def recorder(state):
    seen = []
    for signal in state.events:
        signal.connect(lambda value, name=signal.name: seen.append(name))
    return seen


def test_each_change_fires_its_event_once_and_no_change_fires_none():
    state = ViewerState()
    seen = recorder(state)
    state.window = Window(40, 400, "Mediastinum")
    state.window = Window(40, 400, "Mediastinum")          # same value: nothing
    state.layout = "one-by-three"
    state.layout = "one-by-three"
    state.bone = Bone(hu=500, visible=True)
    state.view3d = View3D(frozenset({"bone"}), "CT-Bone")
    assert seen == ["window", "layout", "bone", "view3d"]


def test_new_volume_centres_the_crosshair_and_clears_overlays(volume):
    state = ViewerState()
    state.volume = volume
    state.set_overlay("lungs", labels=np.zeros(volume.shape, np.uint8))
    seen = recorder(state)
    other = random_volume()
    state.volume = other
    assert seen[0] == "overlays" and "volume" in seen and "crosshair" in seen
    assert state.overlays == {}
    np.testing.assert_allclose(state.crosshair, other.center_patient())


def test_slice_index_is_derived_from_the_crosshair(volume):
    state = ViewerState()
    state.volume = volume
    state.set_slice_index("axial", 3)
    assert state.slice_index("axial") == 3
    k, j, i = state.crosshair_index()
    assert k == 3
    # the other views did not move
    assert (j, i) == (volume.shape[1] // 2, volume.shape[2] // 2) or (j, i) == (
        (volume.shape[1] - 1) // 2 + 1, (volume.shape[2] - 1) // 2 + 1)
    state.set_slice_index("axial", 10_000)                 # clamped into the volume
    assert state.slice_index("axial") == volume.shape[0] - 1
    assert "slice" not in " ".join(vars(state))            # never stored beside it


def test_slice_index_follows_an_oblique_direction():
    vol = random_volume(direction=rotation("z", 90))
    state = ViewerState()
    state.volume = vol
    before = state.crosshair_index()
    state.set_slice_index("sagittal", 1)
    after = state.crosshair_index()
    changed = [a for a in range(3) if before[a] != after[a]]
    assert len(changed) == 1 and after[changed[0]] == 1


def test_crosshair_is_clamped_into_the_volume_and_refuses_nan(volume):
    state = ViewerState()
    state.volume = volume
    state.crosshair = (1e6, -1e6, 1e6)
    lo, hi = volume.physical_bounds()
    assert np.all(np.asarray(state.crosshair) >= lo - 1e-6)
    assert np.all(np.asarray(state.crosshair) <= hi + 1e-6)
    with pytest.raises(ValueError):
        state.crosshair = (np.nan, 0, 0)


def test_overlay_changes_fire_once_and_compare_labels_by_identity(volume):
    state = ViewerState()
    state.volume = volume
    labels = np.zeros(volume.shape, np.uint8)
    seen = recorder(state)
    state.set_overlay("lungs", labels=labels)
    state.set_overlay("lungs", labels=labels)               # same array: nothing
    state.set_overlay("lungs", opacity=0.7)
    state.set_overlay("lungs", labels=labels.copy())        # another array: a change
    assert seen == ["overlays"] * 3
    with pytest.raises(ValueError):
        state.set_overlay("lungs", labels=np.zeros((2, 2, 2), np.uint8))


def test_bad_values_are_refused():
    state = ViewerState()
    with pytest.raises(ValueError):
        state.layout = "nine-up"
    with pytest.raises(ValueError):
        Window(0, 0)
    with pytest.raises(ValueError):
        Overlay(opacity=2)
    with pytest.raises(ValueError):
        View3D(frozenset({"holograms"}))
    with pytest.raises(AttributeError):
        state.zoom = 3


def test_presets_come_from_resources_and_the_series(volume):
    state = ViewerState()
    assert state.window == Window(-600, 1500, "Lung")       # resources/window_presets.json
    state.apply_preset("bone")
    assert state.window == Window(400, 1800, "Bone")
    vol = random_volume()
    vol.meta.update(window_center=50, window_width=350)
    state.volume = vol
    state.apply_preset("Series")
    assert (state.window.center, state.window.width) == (50, 350)
    with pytest.raises(KeyError):
        state.apply_preset("nope")


def test_session_json_round_trip(volume):
    state = ViewerState()
    state.volume = volume
    state.window = Window(40, 400, "Mediastinum")
    state.layout = "axial"
    state.set_slice_index("coronal", 5)
    state.set_overlay("lungs", labels=np.zeros(volume.shape, np.uint8), opacity=0.6,
                      visible=False)
    state.bone = Bone(450, True)
    state.view3d = View3D(frozenset({"bone", "lungs"}), "CT-Bone", 25.0, "box",
                          (-50, 0.0, -80.5, 20, -10, 60))
    state.camera = Camera((1, 2, 3), (0, 0, 0), (0, 0, 1), 25.0)
    text = state.to_json()
    data = json.loads(text)
    assert data["version"] == SESSION_VERSION
    assert data["view3d"]["box"] == [-50.0, 0.0, -80.5, 20.0, -10.0, 60.0]
    again = ViewerState()
    again.volume = volume
    again.set_overlay("lungs", labels=state.overlays["lungs"].labels)
    again.restore(data)
    assert again.to_dict() == state.to_dict()
    assert again.slice_index("coronal") == 5
    assert again.view3d == state.view3d                       # the clip box included
    plain = ViewerState.from_json(text)                     # no volume: settings only
    assert plain.window == state.window and plain.camera == state.camera
    assert plain.view3d.box == (-50.0, 0.0, -80.5, 20.0, -10.0, 60.0)
    older = json.loads(text)                                # a session from before the box
    del older["view3d"]["box"]
    assert ViewerState.from_json(json.dumps(older)).view3d.box is None
    with pytest.raises(ValueError):
        ViewerState().restore(dict(data, version=99))


def test_listeners_can_disconnect():
    state = ViewerState()
    seen = []
    slot = state.events.layout.connect(seen.append)
    state.layout = "axial"
    state.events.layout.disconnect(slot)
    state.layout = "four-up"
    assert seen == ["axial"]


def test_clip_box_is_checked_and_a_new_volume_drops_it(volume):
    box = View3D(clip="box", box=[-10, 10, -20, 20, -30, 30])
    assert box.box == (-10.0, 10.0, -20.0, 20.0, -30.0, 30.0) and box.clip == "box"
    assert View3D(clip="box").box is None                   # None: the whole volume
    for bad in ((0, 1, 2), (10, -10, 0, 1, 0, 1), (0, 1, 0, 1, 0, float("nan")), "box"):
        with pytest.raises(ValueError):
            View3D(clip="box", box=bad)
    with pytest.raises(ValueError):
        View3D(clip="cube")
    state = ViewerState()
    state.volume = volume
    state.view3d = box
    seen = recorder(state)
    state.volume = make_phantom(shape=(20, 32, 32)).volume  # another patient's space
    assert state.view3d.box is None and state.view3d.clip == "box"
    assert "view3d" in seen
