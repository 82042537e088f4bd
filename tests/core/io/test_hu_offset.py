"""A CT stored as HU + 1024 with no rescale (air at 0) is shifted back to HU and said."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.io.dicom_write import write_dicom_series
from ctvis.core.io.dispatch import load
from ctvis.core.io.hu_offset import stored_with_offset
from ctvis.core.io.nifti_nrrd import write_nifti, write_nrrd
from ctvis.core.lungs import segment_lungs
from ctvis.core.phantom import make_phantom


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(40, 96, 96)).volume


def _said(volume) -> list:
    return [w for w in volume.meta.get("warnings", []) if "HU + 1024" in w]


@pytest.mark.parametrize("suffix, writer", [(".nii.gz", write_nifti), (".nrrd", write_nrrd)])
def test_a_file_stored_with_air_at_zero_loads_in_hu(tmp_path, phantom, suffix, writer):
    """Before: air read 0 and soft tissue +1064, and no lung was found."""
    stored = phantom.with_array((phantom.array.astype(np.int32) + 1024).astype(np.uint16))
    path = writer(stored, tmp_path / f"ct{suffix}")
    back = load(path)
    np.testing.assert_array_equal(back.array, phantom.array)
    (said,) = _said(back)
    assert str(path) in said
    np.testing.assert_array_equal(segment_lungs(back), segment_lungs(phantom))


def test_a_dicom_series_without_its_intercept_loads_in_hu(tmp_path, phantom):
    """The same from DICOM: stored HU + 1024 with RescaleIntercept 0."""
    stored = phantom.with_array(phantom.array.astype(np.int32) + 1024)
    write_dicom_series(stored, tmp_path / "series", intercept=0.0)
    back = load(tmp_path / "series")
    np.testing.assert_array_equal(back.array, phantom.array)
    assert len(_said(back)) == 1


def test_ct_in_hu_is_left_as_it_is(tmp_path, phantom):
    """A CT in HU, and a crop of one that holds no air, lung or fat (soft tissue and bone
    only), are not shifted."""
    path = write_nifti(phantom, tmp_path / "ct.nii.gz")
    back = load(path)
    np.testing.assert_array_equal(back.array, phantom.array)
    assert not _said(back)
    tissue = np.clip(phantom.array, 20, 1500)
    assert not stored_with_offset(tissue)


@pytest.mark.parametrize("series", ["lidc-slabs/LIDC-IDRI-0001", "pancreas-ct-cb-001/dicom",
                                    "totalseg-j2k/example_ct.nii.gz"])
def test_real_series_are_not_shifted_and_their_copies_with_air_at_zero_are(tmp_path, data_dir,
                                                                          series):
    volume = load(data_dir / series)
    assert not _said(volume) and volume.array.min() < -900
    stored = volume.with_array(np.maximum(volume.array.astype(np.int32) + 1024, 0))
    back = load(write_nifti(stored, tmp_path / "copy.nii.gz"))
    np.testing.assert_array_equal(back.array, np.maximum(volume.array, -1024))
    assert len(_said(back)) == 1
