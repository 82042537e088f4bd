"""Sessions keep every label map with its edits byte for byte, and know what is unsaved."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctvis.app.session import open_session, save_session
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom
from ctvis.model.labelmap import LabelMap, Segment, lung_segments
from ctvis.model.state import Source, ViewerState
from ctvis.model.unsaved import SavedMark


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(24, 48, 48))


def edited_state(tmp_path, phantom) -> ViewerState:
    """The phantom's true lungs, edited by hand, and a uint16 lesion map (value 300)."""
    state = ViewerState()
    state.volume = phantom.volume
    state.source = Source(str(write_nifti(phantom.volume, tmp_path / "ct.nii.gz")))
    lungs = LabelMap(phantom.lungs.astype(np.uint8).copy(), lung_segments("watershed"),
                     "lungs")
    state.set_overlay("lungs", labels=lungs, origin="watershed")
    lungs.write((slice(10, 12), slice(20, 30), slice(10, 20)), 0)        # erase a block
    lungs.write((slice(5, 6), slice(5, 9), slice(5, 9)), 2)              # paint one
    lungs.set_segment(1, name="right (edited)", color=(1, 2, 3), locked=True)
    lesions = LabelMap(np.zeros(phantom.volume.shape, np.uint16),
                       (Segment("lesion", 300, (255, 0, 0), origin="paint"),), "lesions")
    lesions.write((slice(8, 11), slice(20, 24), slice(14, 18)), 300)
    state.set_overlay("lesions", labels=lesions, origin="paint", opacity=0.7)
    return state


def test_every_label_map_reopens_byte_for_byte_with_its_table(tmp_path, phantom):
    state = edited_state(tmp_path, phantom)
    path = save_session(state, tmp_path / "s.ctvis.json")
    saved = json.loads(path.read_text())
    assert saved["overlays"]["lesions"]["labels"] == "s.ctvis.lesions.nii.gz"
    assert (tmp_path / "s.ctvis.lesions.nii.gz").is_file()
    again = open_session(path)
    for name in ("lungs", "lesions"):
        before, after = state.overlays[name].labelmap, again.overlays[name].labelmap
        assert after.array.dtype == before.array.dtype, name
        assert after.array.tobytes() == before.array.tobytes(), name
        assert after.segments == before.segments, name
    assert again.overlays["lesions"].labelmap.segment(300).name == "lesion"
    assert again.overlays["lesions"].opacity == 0.7
    assert again.to_dict()["overlays"] == state.to_dict()["overlays"]


def test_a_saved_or_opened_session_has_no_unsaved_edits(tmp_path, phantom):
    state = edited_state(tmp_path, phantom)
    assert SavedMark().unsaved(state) == ["lungs", "lesions"]       # edited, never saved
    from ctvis.app.session import snapshot, write_session

    snap = snapshot(state)
    write_session(snap, tmp_path / "s.ctvis.json")
    assert snap.mark.unsaved(state) == []
    lesions = state.overlays["lesions"].labelmap
    lesions.write((slice(0, 1),) * 3, 300)                           # an edit after saving
    assert snap.mark.unsaved(state) == ["lesions"]
    state.overlays["lungs"].labelmap.set_segment(2, color=(9, 9, 9))   # a table change
    assert snap.mark.unsaved(state) == ["lungs", "lesions"]
    again = open_session(tmp_path / "s.ctvis.json")
    mark = SavedMark(again)
    assert mark.unsaved(again) == []
    again.overlays["lungs"].labelmap.write((slice(0, 1),) * 3, 1)
    assert mark.unsaved(again) == ["lungs"]


def test_a_new_unedited_segmentation_is_not_an_unsaved_edit(phantom):
    state = ViewerState()
    state.volume = phantom.volume
    mark = SavedMark(state)
    state.set_overlay("lungs", labels=phantom.lungs.astype(np.uint8))
    assert mark.unsaved(state) == []
    state.overlays["lungs"].labelmap.write((slice(0, 1),) * 3, 2)
    assert mark.unsaved(state) == ["lungs"]
