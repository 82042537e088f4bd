"""``ctvis segment``: mask + metrics files, table, errors, nothing written beside the input."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctvis.cli import main
from ctvis.core.io import read_mask
from ctvis.core.phantom import make_phantom
from ctvis.core.io.nifti_nrrd import write_nrrd


@pytest.fixture(scope="module")
def ct_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("input")
    ph = make_phantom(shape=(60, 128, 128))
    path = write_nrrd(ph.volume, folder / "chest.nrrd")
    return path, ph


def test_segment_writes_mask_metrics_and_table(tmp_path, ct_file, capsys):
    path, ph = ct_file
    before = sorted(p.name for p in path.parent.iterdir())
    out, met = tmp_path / "lungs.nii.gz", tmp_path / "m.json"
    assert main(["segment", str(path), "-o", str(out), "--metrics", str(met)]) == 0
    text = capsys.readouterr().out
    assert "volume (mL)" in text and "LAA%-950" in text and "PD15" in text
    mask = read_mask(out)
    assert mask.shape == ph.volume.shape
    assert set(np.unique(mask.array)) == {0, 1, 2}
    inter = np.count_nonzero((mask.array == 1) & (ph.lungs == 1))
    assert inter > 0.95 * np.count_nonzero(ph.lungs == 1)
    data = json.loads(met.read_text())
    for key in ("right_ml", "left_ml", "total_ml", "mld_hu", "laa950_pct", "pd15_hu",
                "right_mld_hu", "left_mld_hu"):
        assert key in data
    voxel_ml = np.prod(ph.volume.spacing) / 1000
    assert data["right_ml"] == pytest.approx(np.count_nonzero(mask.array == 1) * voxel_ml,
                                             rel=1e-3)
    assert data["total_ml"] == pytest.approx(data["right_ml"] + data["left_ml"], rel=1e-3)
    assert data["mld_hu"] < -600
    assert sorted(p.name for p in path.parent.iterdir()) == before     # input untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lungs.nii.gz", "m.json"]


def test_segment_nrrd_and_kmeans(tmp_path, ct_file):
    path, _ = ct_file
    out = tmp_path / "lungs.nrrd"
    assert main(["segment", str(path), "-o", str(out), "--method", "kmeans", "--quiet"]) == 0
    assert read_mask(out).array.max() == 2


def test_segment_errors_are_one_line(tmp_path, ct_file, capsys):
    path, _ = ct_file
    assert main(["segment", str(path), "-o", str(tmp_path / "lungs.txt")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ctvis: error:") and "lungs.txt" in err and "Traceback" not in err
    assert main(["segment", str(tmp_path / "missing"), "-o", str(tmp_path / "l.nii.gz")]) == 1
    assert "missing" in capsys.readouterr().err
    assert not (tmp_path / "l.nii.gz").exists()


def test_segment_airway_aerated_and_warnings(tmp_path, ct_file, capsys):
    path, ph = ct_file
    out, met = tmp_path / "lungs.nrrd", tmp_path / "m.json"
    assert main(["segment", str(path), "-o", str(out), "--metrics", str(met), "--airway",
                 "--quiet"]) == 0
    mask = read_mask(out).array
    assert set(np.unique(mask)) == {0, 1, 2, 3}
    data = json.loads(met.read_text())
    assert data["lung_mask"] == "envelope" and isinstance(data["warnings"], list)
    assert main(["segment", str(path), "-o", str(out), "--metrics", str(met), "--aerated",
                 "--quiet"]) == 0
    assert json.loads(met.read_text())["lung_mask"] == "aerated"
    # A slab cut through the lungs: the CLI says they are cut off by the scan's edge.
    slab = write_nrrd(ph.volume.crop((20, 0, 0), (40, 128, 128)), tmp_path / "slab.nrrd")
    capsys.readouterr()
    assert main(["segment", str(slab), "-o", str(tmp_path / "s.nrrd"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "edge" in err


def test_airway_label_can_be_meshed(tmp_path, ct_file):
    path, _ = ct_file
    mask = tmp_path / "m.nii.gz"
    assert main(["segment", str(path), "-o", str(mask), "--airway", "--quiet"]) == 0
    out = tmp_path / "airway.stl"
    assert main(["mesh", str(path), "-o", str(out), "--mask", str(mask),
                 "--structure", "airway"]) == 0
    assert out.stat().st_size > 10000
    plain = tmp_path / "plain.nii.gz"
    assert main(["segment", str(path), "-o", str(plain), "--quiet"]) == 0
    assert main(["mesh", str(path), "-o", str(tmp_path / "x.stl"), "--mask", str(plain),
                 "--structure", "airway"]) == 1          # no label 3: one clear message
