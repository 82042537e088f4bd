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
