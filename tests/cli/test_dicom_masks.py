"""DICOM SEG and RTSTRUCT wherever a mask is accepted on the command line."""
from __future__ import annotations

import re

import pytest

from ctvis.cli import main

IBSI = "ibsi-nsclc"


@pytest.mark.data
def test_mesh_of_the_ibsi_rtstruct_gtv_has_the_voxel_volume(data_dir, tmp_path, capsys):
    from ctvis.core.io import load, read_mask

    image = data_dir / IBSI / "dicom" / "image"
    rs = data_dir / IBSI / "dicom" / "mask" / "DCM_RS_00060.dcm"
    assert main(["mesh", str(image), "--mask", str(rs), "--segment", "GTV-1",
                 "-o", str(tmp_path / "gtv.stl"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    mesh_ml = float(re.search(r"GTV-1: .* volume ([\d,.]+) mL", out).group(1).replace(",", ""))
    ct = load(image)
    voxels = (read_mask(data_dir / IBSI / "nifti" / "mask" / "mask.nii.gz", like=ct).array
              > 0).sum()
    voxel_ml = voxels * ct.voxel_volume_mm3 / 1000
    assert abs(mesh_ml - voxel_ml) <= 0.05 * voxel_ml


@pytest.fixture(scope="module")
def phantom_series(tmp_path_factory):
    """A small phantom chest written as a DICOM series, and the phantom's true lungs."""
    from ctvis.core.io import write_dicom_series
    from ctvis.core.phantom import make_phantom

    ph = make_phantom(shape=(40, 96, 96))
    folder = tmp_path_factory.mktemp("phantom") / "ct"
    write_dicom_series(ph.volume, folder)
    return folder, ph


def dice(a, b) -> float:
    import numpy as np

    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


def test_segment_writes_a_seg_and_an_rtstruct_of_the_lungs(phantom_series, tmp_path, capsys):
    import numpy as np
    import pydicom

    from ctvis.core.io import load, read_mask

    folder, _ph = phantom_series
    ct = load(folder)
    assert main(["segment", str(folder), "-o", str(tmp_path / "lungs.nii.gz"), "--quiet"]) == 0
    assert main(["segment", str(folder), "-o", str(tmp_path / "lungs.dcm"), "--quiet"]) == 0
    assert main(["segment", str(folder), "-o", str(tmp_path / "lungs.rtstruct.dcm"),
                 "--quiet"]) == 0
    labels = read_mask(tmp_path / "lungs.nii.gz", like=ct).array
    seg = read_mask(tmp_path / "lungs.dcm", like=ct)
    assert np.array_equal(seg.array, labels)                      # the SEG: exactly
    assert [r["name"] for r in seg.meta["segments"]] == ["right", "left"]
    ds = pydicom.dcmread(tmp_path / "lungs.dcm")
    assert {s.SegmentAlgorithmType for s in ds.SegmentSequence} == {"AUTOMATIC"}
    rs = read_mask(tmp_path / "lungs.rtstruct.dcm", like=ct)
    for value in (1, 2):                                          # contours: Dice >= 0.97
        assert dice(rs.array == value, labels == value) >= 0.97
    assert [r["name"] for r in rs.meta["segments"]] == ["right", "left"]


def test_a_dicom_object_from_a_nifti_is_one_clear_error(tmp_path, capsys):
    from ctvis.core.io import write_nifti
    from tests.helpers.dicom_factory import random_volume

    path = write_nifti(random_volume(), tmp_path / "ct.nii.gz")
    assert main(["segment", str(path), "-o", str(tmp_path / "lungs.dcm"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a DICOM object needs a DICOM source" in err[0]
    assert not (tmp_path / "lungs.dcm").exists()


@pytest.mark.data
def test_the_ibsi_gtv_written_as_rtstruct_and_seg_reads_back(data_dir, tmp_path):
    import numpy as np

    from ctvis.core.io import load, read_mask, write_mask

    ct = load(data_dir / IBSI / "dicom" / "image")
    gtv = read_mask(data_dir / IBSI / "nifti" / "mask" / "mask.nii.gz", like=ct).array > 0
    table = [{"name": "GTV-1", "value": 1, "color": [0, 230, 0]}]
    for name in ("gtv.rtstruct.dcm", "gtv.dcm"):
        back = read_mask(write_mask(ct, gtv.astype(np.uint8), tmp_path / name,
                                    segments=table), like=ct)
        assert dice(back.array == 1, gtv) >= (0.97 if "rtstruct" in name else 1.0)
        assert back.meta["segments"][0]["name"] == "GTV-1"
