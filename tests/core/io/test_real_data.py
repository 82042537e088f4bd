"""Every set in ../shared/data loads with the slice count, spacing, HU range and orientation
its README gives."""
from __future__ import annotations

import numpy as np
import pytest

import ctvis
from ctvis.core.io.nifti_nrrd import read_nrrd

LPS_AXIAL = np.eye(3)


def check(volume, n_slices, pixel, step, hu=None, direction=LPS_AXIAL):
    assert volume.shape[0] == n_slices
    assert volume.spacing[1] == pytest.approx(pixel, abs=5e-3)
    assert volume.spacing[2] == pytest.approx(pixel, abs=5e-3)
    assert volume.spacing[0] == pytest.approx(step, abs=5e-3)
    if hu is not None:
        assert (int(volume.array.min()), int(volume.array.max())) == hu
    np.testing.assert_allclose(volume.direction, direction, atol=1e-6)


def test_cip_10002k(data_dir):
    vol = ctvis.load(data_dir / "cip-10002K-64" / "dicom")
    check(vol, 79, 4.172, 3.987, hu=(-1007, 1095))
    assert vol.shape == (79, 64, 64)
    # The reference mask lies on the same grid: same origin and spacing.
    ref = read_nrrd(data_dir / "cip-10002K-64" / "wholeLung-64.nrrd", dtype=np.uint8)
    assert ref.shape == vol.shape
    np.testing.assert_allclose(ref.origin, (-128.41, -264.41, -360.26), atol=0.01)
    np.testing.assert_allclose(ref.index_to_patient_matrix, vol.index_to_patient_matrix,
                               atol=1e-3)
    assert int(ref.array.sum()) == 65624
    # Lungs fully covered: slices 10-74 hold the mask, and they are air-dense there.
    slices = np.flatnonzero(ref.array.any(axis=(1, 2)))
    assert 5 <= slices[0] <= 12 and 70 <= slices[-1] <= 77
    assert vol.array[ref.array > 0].mean() < -700


def test_pancreas_ct_cb(data_dir):
    vol = ctvis.load(data_dir / "pancreas-ct-cb-001" / "dicom")
    check(vol, 134, 1.074, 3.0, hu=(-1000, 1988))
    # Head first supine: the first voxel is right-anterior; the top slice is superior.
    assert vol.index_to_patient([vol.shape[0] - 1, 0, 0])[2] > vol.origin[2]


def test_totalseg_jpeg2000(data_dir):
    vol = ctvis.load(data_dir / "totalseg-j2k" / "dicom")
    check(vol, 20, 0.977, 2.0)
    assert vol.meta["transfer_syntax"] == "1.2.840.10008.1.2.4.90"
    assert vol.array.min() >= -1024 and vol.array.max() > 1000
    # Abdomen: plenty of soft tissue between 0 and 100 HU
    assert ((vol.array > 0) & (vol.array < 100)).mean() > 0.1


def test_totalseg_nifti(data_dir):
    vol = ctvis.load(data_dir / "totalseg-j2k" / "example_ct.nii.gz")
    assert vol.shape == (112, 101, 122)               # README gives x×y×z = 122×101×112
    assert vol.spacing == pytest.approx((3.0, 3.0, 3.0))
    assert (int(vol.array.min()), int(vol.array.max())) == (-1207, 3382)
    # NIfTI is RAS: in LPS the first two axes point the other way.
    np.testing.assert_allclose(np.sign(np.diag(vol.direction)), [-1, -1, 1])
    lung = ctvis.load(data_dir / "totalseg-j2k" / "example_lung.nii.gz")
    assert int((lung.array > 0).sum()) == 4226


@pytest.mark.parametrize("case,n,pixel,step", [("LIDC-IDRI-0001", 16, 0.703, 2.5),
                                               ("LIDC-IDRI-0002", 12, 0.68, 1.25),
                                               ("LIDC-IDRI-0003", 11, 0.82, 2.5)])
def test_lidc_slabs(data_dir, case, n, pixel, step):
    vol = ctvis.load(data_dir / "lidc-slabs" / case)
    check(vol, n, pixel, step)
    # Padding outside the field of view (raw −2048 / −3024) is air, not water.
    assert vol.array.min() == -1024
    assert vol.array[:, 0, 0].max() == -1024          # corner is outside the circle
    assert any("padding" in w for w in vol.meta["warnings"])


def test_lidc_folder_with_three_series_picks_the_largest(data_dir):
    vol = ctvis.load(data_dir / "lidc-slabs")
    assert vol.shape[0] == 16
    assert len(vol.meta["series"]) == 3
    assert {s["reason"] for s in vol.meta["skipped"]} == {"not a DICOM file"}
