"""``ctvis mesh --mask m.seg.nrrd --segment NAME``: one segment of a label map, meshed on the
mask's own grid (or the series'), its bounds where the segment's voxels are in LPS."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.cli import main
from ctvis.core.io import write_mask, write_nifti
from ctvis.core.volume import Volume
from ctvis.mesh.mesh_io import read_mesh

TABLE = [{"name": "right lung", "value": 1, "color": [230, 120, 60]},
         {"name": "lesion", "value": 5, "color": [255, 0, 0]}]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seg")
    c, s = np.cos(0.2), np.sin(0.2)
    direction = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    volume = Volume(np.full((16, 40, 36), -1000, np.int16), (2.5, 0.9, 0.8), (-30.0, 10.0, 50.0),
                    direction, {})
    labels = np.zeros(volume.shape, np.uint8)
    labels[2:12, 4:30, 3:16] = 1
    labels[6:11, 20:30, 22:31] = 5
    path = write_mask(volume, labels, folder / "m.seg.nrrd", segments=TABLE)
    return volume, labels, path, folder


def lps_box(volume, labels, value):
    lps = volume.index_to_patient(np.argwhere(labels == value))
    return lps.min(axis=0), lps.max(axis=0)


@pytest.mark.parametrize("series", [False, True])
def test_one_named_segment_is_meshed_where_its_voxels_are(case, tmp_path, capsys, series):
    volume, labels, path, folder = case
    args = ["mesh", "--mask", str(path), "--segment", "lesion", "-o", str(tmp_path / "l.stl"),
            "--no-progress"]
    if series:
        args.insert(1, str(write_nifti(volume, folder / "ct.nii.gz")))
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("lesion:")
    bounds = np.asarray(read_mesh(tmp_path / "l.stl").bounds).reshape(3, 2)
    lo, hi = lps_box(volume, labels, 5)
    # The surface lies half a voxel outside the outermost voxel centres (less after
    # smoothing); a voxel of the tilted grid reaches at most this far along each axis.
    reach = np.abs(volume.index_to_patient_matrix[:3, :3]).sum(axis=1)
    assert np.all(np.abs(bounds[:, 0] - lo) < reach), (bounds[:, 0], lo)
    assert np.all(np.abs(bounds[:, 1] - hi) < reach), (bounds[:, 1], hi)
    # Not the other segment: the right lung's box is far larger.
    lung_lo, lung_hi = lps_box(volume, labels, 1)
    assert np.all(bounds[:, 1] - bounds[:, 0] < (lung_hi - lung_lo) + reach)
    assert (bounds[:, 1] - bounds[:, 0]).prod() < 0.5 * (lung_hi - lung_lo).prod()


def test_a_segment_is_found_by_label_value_and_in_ras(case, tmp_path):
    volume, labels, path, _ = case
    assert main(["mesh", "--mask", str(path), "--segment", "5", "--ras", "-o",
                 str(tmp_path / "l.ply"), "--no-progress"]) == 0
    bounds = np.asarray(read_mesh(tmp_path / "l.ply").bounds).reshape(3, 2)
    lo, hi = lps_box(volume, labels, 5)
    centre = (lo + hi) / 2 * [-1, -1, 1]
    np.testing.assert_allclose(bounds.mean(axis=1), centre, atol=2.0)


def test_an_unknown_segment_lists_the_names(case, tmp_path, capsys):
    _, _, path, _ = case
    assert main(["mesh", "--mask", str(path), "--segment", "nodule", "-o",
                 str(tmp_path / "x.stl"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "no segment named 'nodule'" in err and "right lung (1), lesion (5)" in err


def test_segment_needs_a_mask(tmp_path, capsys):
    assert main(["mesh", "--segment", "lesion", "-o", str(tmp_path / "x.stl")]) == 1
    assert "give PATH" in capsys.readouterr().err
