"""Session files: save, open again with the same state, data that moved, damaged files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctvis.app.pipeline import segment
from ctvis.app.session import DataMissing, SessionError, open_session, save_session
from ctvis.app.state import Bone, Camera, Source, View3D, ViewerState, Window
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(40, 80, 80))


def saved_state(tmp_path, phantom):
    ct = write_nifti(phantom.volume, tmp_path / "data" / "ct.nii.gz")
    state = ViewerState()
    state.volume = phantom.volume
    state.source = Source(str(ct))
    state.window = Window(40, 400, "Mediastinum")
    state.set_slice_index("axial", 7)
    result = segment(phantom.volume)
    state.set_overlay("lungs", labels=result.labels, opacity=0.55, origin="watershed")
    state.bone = Bone(420, True)
    state.camera = Camera((0, -500, 0), (0, 0, 0), (0, 0, 1))
    state.view3d = View3D(frozenset({"volume"}), "CT-Bone", 0.0, "box",
                          (-60.0, 5.5, -120.0, 0.0, -40.0, 80.0))
    return state, ct


def test_a_session_opens_as_it_was_saved(tmp_path, phantom):
    state, _ = saved_state(tmp_path, phantom)
    path = save_session(state, tmp_path / "s.ctvis.json")
    again = open_session(path)
    assert again.to_dict() == state.to_dict()
    assert again.view3d.clip == "box" and again.view3d.box == (-60.0, 5.5, -120.0, 0.0, -40.0, 80.0)
    np.testing.assert_array_equal(again.overlays["lungs"].labels, state.overlays["lungs"].labels)
    assert again.slice_index("axial") == 7
    assert json.loads(path.read_text())["version"] == 1


def test_moved_data_is_named_and_can_be_located(tmp_path, phantom):
    state, ct = saved_state(tmp_path, phantom)
    path = save_session(state, tmp_path / "s.json")
    moved = ct.rename(tmp_path / "elsewhere.nii.gz")
    with pytest.raises(DataMissing) as info:
        open_session(path)
    assert str(ct) in str(info.value) and info.value.data_path == ct
    again = open_session(path, data_path=moved)
    assert again.window == state.window and again.source.path == str(moved)


@pytest.mark.parametrize("text,match", [("{", "not a ctvis session"),
                                        ('{"a": 1}', "no version"),
                                        ('{"version": 9, "source": {"path": null}}',
                                         "version 9")])
def test_damaged_sessions_get_one_clear_message(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SessionError, match=match):
        open_session(path)
    with pytest.raises(SessionError, match="no such session"):
        open_session(tmp_path / "missing.json")
