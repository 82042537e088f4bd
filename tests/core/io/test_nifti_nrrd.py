"""NIfTI and NRRD readers and writers keep the geometry."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.io.nifti_nrrd import read_nifti, read_nrrd, write_nifti, write_nrrd
from tests.helpers.dicom_factory import random_volume, rotation


@pytest.mark.parametrize("suffix,writer,reader", [(".nii.gz", write_nifti, read_nifti),
                                                  (".nrrd", write_nrrd, read_nrrd)])
def test_volume_file_round_trip_keeps_geometry(tmp_path, suffix, writer, reader):
    vol = random_volume(direction=rotation("y", 20) @ rotation("z", 10))
    path = writer(vol, tmp_path / f"vol{suffix}")
    back = reader(path)
    np.testing.assert_array_equal(back.array, vol.array)
    np.testing.assert_allclose(back.index_to_patient_matrix, vol.index_to_patient_matrix,
                               atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == [f"vol{suffix}"]   # no temp file left


def test_nifti_is_written_in_ras(tmp_path):
    nib = pytest.importorskip("nibabel")
    vol = random_volume()
    write_nifti(vol, tmp_path / "v.nii.gz")
    img = nib.load(str(tmp_path / "v.nii.gz"))
    # LPS origin (-10, -20, 30) is RAS (10, 20, 30)
    np.testing.assert_allclose(img.affine[:3, 3], [10, 20, 30])
    assert nib.aff2axcodes(img.affine) == ("L", "P", "S")   # index axes point to L, P, S


def test_a_detached_nrrd_header_names_its_data_file_beside_it(tmp_path):
    """``x.nhdr`` is written with ``x.raw.gz``: the header names that file, not the temporary
    name it was written under (which was left behind as a hidden ``.x.….part.raw.gz``)."""
    vol = random_volume(shape=(6, 10, 12))
    path = write_nrrd(vol, tmp_path / "lungs.nhdr")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lungs.nhdr", "lungs.raw.gz"]
    assert "data file: lungs.raw.gz" in path.read_text()
    np.testing.assert_array_equal(read_nrrd(path).array, vol.array)


def test_a_nifti_that_states_no_orientation_is_said_to(tmp_path):
    """sform and qform codes 0 (an old Analyze conversion): the axes are a guess, and the
    loading notes say so; a file written by ctvis (codes 1) has no such note."""
    nib = pytest.importorskip("nibabel")
    from ctvis.core.io.dispatch import load

    vol = random_volume()
    img = nib.Nifti1Image(np.transpose(vol.array, (2, 1, 0)), None)
    img.header.set_zooms(tuple(vol.spacing[::-1]))
    nib.save(img, str(tmp_path / "bare.nii"))
    (said,) = [w for w in load(tmp_path / "bare.nii").meta["warnings"]
               if "states no orientation" in w]
    assert str(tmp_path / "bare.nii") in said and "left and right may be swapped" in said
    write_nifti(vol, tmp_path / "ours.nii.gz")
    assert not load(tmp_path / "ours.nii.gz").meta["warnings"]
