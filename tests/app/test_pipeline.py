"""The shared pipeline steps: open, segment, build meshes (progress, cancel, plain results)."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.app.pipeline import (LungResult, MeshRequest, build_meshes, lung_structures,
                                open_volume, segment)
from ctvis.core.errors import Cancelled, CtvisError, LoadError
from ctvis.core.io import write_nifti
from ctvis.core.labels import LEFT_LUNG, RIGHT_LUNG
from ctvis.core.phantom import make_phantom
from ctvis.core.surface_options import LUNG_SURFACE


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(48, 96, 96))


def test_open_volume_reads_files_and_names_bad_ones(tmp_path, phantom):
    path = write_nifti(phantom.volume, tmp_path / "ct.nii.gz")
    seen = []
    volume = open_volume(path, progress=lambda f, m: seen.append(f))
    assert volume.shape == phantom.volume.shape and seen[-1] == 1.0
    with pytest.raises(LoadError, match="no such file"):
        open_volume(tmp_path / "missing")


def test_open_volume_without_a_path_is_the_demo_phantom():
    volume = open_volume(None)
    assert volume.array.dtype == np.int16 and volume.shape[0] > 50


def test_segment_returns_labels_and_metrics(phantom):
    seen = []
    result = segment(phantom.volume, progress=lambda f, m: seen.append(f))
    assert isinstance(result, LungResult) and not result.empty
    assert set(np.unique(result.labels)) == {0, RIGHT_LUNG.value, LEFT_LUNG.value}
    truth = phantom.lungs
    dice = 2 * np.sum((result.labels > 0) & (truth > 0)) / (np.sum(result.labels > 0)
                                                            + np.sum(truth > 0))
    assert dice > 0.9
    assert result.metrics["total"]["volume_ml"] == pytest.approx(
        result.metrics["right"]["volume_ml"] + result.metrics["left"]["volume_ml"])
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_segment_can_be_cancelled(phantom):
    with pytest.raises(Cancelled):
        segment(phantom.volume, cancel=lambda: True)


def test_build_meshes_from_labels_and_from_a_threshold(phantom):
    meshes = build_meshes(phantom.volume, MeshRequest("lungs"), labels=phantom.lungs)
    assert list(meshes) == ["right", "left"]
    bone = build_meshes(phantom.volume, MeshRequest("bone", threshold=300))
    assert list(bone) == ["bone"] and bone["bone"].n_cells > 0
    higher = build_meshes(phantom.volume, MeshRequest(
        "bone", threshold=900, options=LUNG_SURFACE.with_(min_island_ml=0.1)))
    assert higher["bone"].n_cells < bone["bone"].n_cells


def test_mesh_request_refuses_unknown_structures():
    with pytest.raises(CtvisError, match="unknown structure"):
        MeshRequest("heart")


def test_lung_structures_read_the_label_vocabulary():
    both = np.array([0, 1, 2], np.uint8)
    assert lung_structures(both, "lungs")[1] == ("right", "left")
    assert lung_structures(both, "left")[1] == ("left",)
    whole, names = lung_structures(np.array([0, 1, 1], np.uint8), "lungs")
    assert names == ("lungs",) and whole.max() == 1
    with pytest.raises(CtvisError, match="expected 1"):
        lung_structures(np.array([0, 1, 5], np.uint8), "lungs")
    with pytest.raises(CtvisError, match="empty"):
        lung_structures(np.zeros(3, np.uint8), "lungs")
