"""Session files: save, open again with the same state, data that moved, damaged files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctvis.app.pipeline import segment
from ctvis.app.session import DataMissing, SessionError, open_session, save_session
from ctvis.model.state import Bone, Camera, Source, View3D, ViewerState, Window
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


def _no_segmentation(monkeypatch):
    """Make any segmentation fail loudly: opening a session must not run one."""
    import ctvis.app.pipeline
    import ctvis.core.lungs

    def refuse(*_args, **_kwargs):
        raise AssertionError("a segmentation ran while opening the session")

    monkeypatch.setattr(ctvis.app.pipeline, "segment", refuse)
    monkeypatch.setattr(ctvis.core.lungs, "segment_lungs", refuse)


def test_a_session_keeps_its_label_map_and_metrics_without_segmenting_again(
        tmp_path, phantom, monkeypatch):
    ct = write_nifti(phantom.volume, tmp_path / "data" / "ct.nii.gz")
    state = ViewerState()
    state.volume = phantom.volume
    state.source = Source(str(ct))
    result = segment(phantom.volume, method="kmeans")
    result.metrics["warnings"] = ["the left lung is cut off by the scan's edge (last slice)"]
    # An empty part's NaN values must survive JSON (which has no NaN) as NaN.
    result.metrics["left"] = dict(result.metrics["left"], mld_hu=float("nan"))
    state.set_overlay("lungs", labels=result.labels, origin="kmeans", metrics=result.metrics,
                      seconds=result.seconds, opacity=0.3)
    path = save_session(state, tmp_path / "sessions" / "s.ctvis.json")

    saved = json.loads(path.read_text())["overlays"]["lungs"]
    assert saved["labels"] == "s.ctvis.lungs.nii.gz"              # relative, beside the JSON
    assert (path.parent / saved["labels"]).is_file()
    assert saved["origin"] == "kmeans" and saved["seconds"] == result.seconds
    assert saved["metrics"]["warnings"] == result.metrics["warnings"]
    assert saved["metrics"]["total"]["volume_ml"] == result.metrics["total"]["volume_ml"]
    assert saved["metrics"]["left"]["mld_hu"] is None
    assert not [p for p in path.parent.iterdir() if ".part" in p.name]   # no temporary left

    _no_segmentation(monkeypatch)
    moved = tmp_path / "moved"
    path.parent.rename(moved)                    # the session and its labels move together
    again = open_session(moved / "s.ctvis.json")
    overlay = again.overlays["lungs"]
    np.testing.assert_array_equal(overlay.labels, result.labels)
    assert overlay.labels.dtype == np.uint8
    assert overlay.origin == "kmeans" and overlay.opacity == 0.3
    assert overlay.seconds == result.seconds
    assert overlay.metrics["warnings"] == result.metrics["warnings"]
    assert overlay.metrics["total"] == result.metrics["total"]
    assert overlay.metrics["right"] == result.metrics["right"]
    assert np.isnan(overlay.metrics["left"]["mld_hu"])
    assert again.to_dict() == state.to_dict()


# A session as the window wrote it before labels were saved: the lung overlay with no
# origin, no labels file, no metrics.
TODAYS_SESSION = {
    "version": 1, "source": {"path": None, "series_uid": None},
    "crosshair": [0.0, 0.0, 0.0], "window": {"center": 40, "width": 400, "preset": "Mediastinum"},
    "layout": "one-by-three",
    "overlays": {"lungs": {"visible": True, "opacity": 0.4,
                           "colors": [[1, [230, 120, 60]], [2, [70, 150, 230]]],
                           "origin": None}},
    "bone": {"hu": 250.0, "visible": True},
    "view3d": {"modes": ["slices", "volume"], "preset": "CT-Bone", "shift": 0.0,
               "clip": "none", "box": None},
    "camera": None}


def test_sessions_written_before_labels_were_saved_still_open(tmp_path, monkeypatch):
    import ctvis.core.phantom

    small = make_phantom(shape=(40, 64, 64)).volume
    monkeypatch.setattr(ctvis.core.phantom, "demo_volume", lambda: small)
    path = tmp_path / "today.ctvis.json"
    path.write_text(json.dumps(TODAYS_SESSION, indent=2))
    again = open_session(path)
    assert again.window == Window(40, 400, "Mediastinum") and again.layout == "one-by-three"
    assert again.bone == Bone(250.0, True) and again.view3d.preset == "CT-Bone"
    assert "lungs" not in again.overlays          # nothing to show: no overlay, not an empty one
    # One whose lungs name their method is made again, as before.
    with_method = json.loads(json.dumps(TODAYS_SESSION))
    with_method["overlays"]["lungs"]["origin"] = "kmeans"
    path.write_text(json.dumps(with_method))
    again = open_session(path)
    assert {1, 2} <= set(np.unique(again.overlays["lungs"].labels).tolist())


def test_a_missing_label_map_is_named(tmp_path, phantom):
    state, _ = saved_state(tmp_path, phantom)
    path = save_session(state, tmp_path / "s.json")
    (tmp_path / "s.lungs.nii.gz").unlink()
    with pytest.raises(SessionError, match=r"label map .*s\.lungs\.nii\.gz is missing"):
        open_session(path)


DATA = __import__("pathlib").Path(__file__).parent / "data"


def test_a_session_file_written_before_segment_tables_still_opens(tmp_path, monkeypatch):
    """tests/app/data/v1.ctvis.json and its labels were written by ctvis at d2cf157 (before
    segment tables) from make_phantom(shape=(40, 80, 80)), kmeans lungs, left lung coloured
    (0, 200, 0); its data has moved since, so it is located as a user would."""
    phantom = make_phantom(shape=(40, 80, 80))
    ct = write_nifti(phantom.volume, tmp_path / "ct.nii.gz")
    saved = json.loads((DATA / "v1.ctvis.json").read_text())
    assert saved["version"] == 1 and "segments" not in saved["overlays"]["lungs"]
    _no_segmentation(monkeypatch)
    with pytest.raises(DataMissing):
        open_session(DATA / "v1.ctvis.json")
    state = open_session(DATA / "v1.ctvis.json", data_path=ct)
    overlay = state.overlays["lungs"]
    assert overlay.origin == "kmeans" and overlay.opacity == 0.35
    assert overlay.metrics_current
    assert overlay.metrics["total"]["volume_ml"] == saved["overlays"]["lungs"]["metrics"][
        "total"]["volume_ml"]
    assert {1, 2} <= set(np.unique(overlay.labels).tolist())
    # Its colours became the lungs' segment table.
    assert [(s.name, s.value) for s in overlay.segments] == [("right", 1), ("left", 2),
                                                             ("airway", 3)]
    assert overlay.color_of(2) == (0, 200, 0) and overlay.color_of(1) == (230, 120, 60)
    assert all(s.origin == "kmeans" and s.visible and not s.locked for s in overlay.segments)
    assert state.window.preset == "Lung" and state.slice_index("axial") == 20


def test_segment_tables_and_a_second_label_map_round_trip(tmp_path, phantom):
    from ctvis.model.labelmap import LabelMap, Segment

    state, _ = saved_state(tmp_path, phantom)
    lungs = state.overlays["lungs"].labelmap
    lungs.set_segment(2, color=(0, 255, 0), visible=False, locked=True)
    # A lesion inside the right lung, in a label map of its own (segments overlap).
    lesions = LabelMap(np.zeros(phantom.volume.shape, np.uint8),
                       (Segment("nodule", 1, (255, 0, 0), origin="paint"),), "lesions")
    from scipy import ndimage

    core = np.argwhere(ndimage.binary_erosion(lungs.array == 1, np.ones((3, 3, 3), bool)))
    inside = core[len(core) // 2]
    box = tuple(slice(int(c) - 1, int(c) + 2) for c in inside)
    lesions.write(box, 1)
    state.set_overlay("lesions", labels=lesions, origin="paint")
    path = save_session(state, tmp_path / "two.ctvis.json")
    again = open_session(path)
    assert again.overlays["lungs"].segments == state.overlays["lungs"].segments
    assert again.overlays["lesions"].segments == lesions.segments
    np.testing.assert_array_equal(again.overlays["lesions"].labels, lesions.array)
    assert (again.overlays["lungs"].labels[box] == 1).all()        # the lung is intact
    assert again.to_dict() == state.to_dict()


def test_one_function_makes_the_lung_overlay_and_reads_it_back(phantom):
    from ctvis.app.report import lung_state
    from ctvis.app.results import show_segmentation, shown_result

    result = segment(phantom.volume, method="kmeans")
    state = lung_state(phantom.volume, result)
    overlay = state.overlays["lungs"]
    assert overlay.labels is result.labels and overlay.metrics is result.metrics
    assert overlay.origin == "kmeans" and overlay.seconds == result.seconds
    assert [s.origin for s in overlay.segments] == ["kmeans"] * 3
    assert shown_result(state).metrics is result.metrics            # current: not measured
    overlay.labelmap.write((slice(0, 2),), 1)
    again = shown_result(state)                                     # edited: measured now
    assert again.metrics["right"]["voxels"] > result.metrics["right"]["voxels"]
    # The user's colours stay when the lungs are segmented again.
    overlay.labelmap.set_segment(2, color=(1, 2, 3))
    show_segmentation(state, result)
    assert state.overlays["lungs"].color_of(2) == (1, 2, 3)
