"""RTSTRUCT → label map: contours filled on their own slice (even-odd), names and colours,
other series of the same frame of reference resampled with a warning, others refused."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.errors import CtvisError
from ctvis.core.io import load, read_mask
from tests.helpers.dicom_factory import random_volume, rotation, write
from tests.helpers.rtstruct_factory import write_rtstruct

IBSI = "ibsi-nsclc"


def dice(a, b) -> float:
    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


def square(volume, k, lo, hi):
    """A square polygon around voxels lo..hi (j and i) of slice k, in LPS mm (on voxel
    borders: no centre lies on an edge)."""
    a, b = lo - 0.5, hi + 0.5
    corners = [(k, a, a), (k, a, b), (k, b, b), (k, b, a)]
    return volume.index_to_patient(np.array(corners, float))


@pytest.fixture()
def series(tmp_path):
    """A tilted, anisotropic series on disk and its loaded volume."""
    volume = random_volume(shape=(6, 24, 24), spacing=(2.5, 0.8, 0.8),
                           direction=rotation("z", 20))
    write(volume, tmp_path / "ct", frame_uid="1.2.3.4")
    return load(tmp_path / "ct")


def test_a_hole_and_an_island_in_it_follow_the_even_odd_rule(series, tmp_path):
    rs = write_rtstruct(tmp_path / "rs.dcm", {"ring": ((255, 0, 0), [
        square(series, 2, 2, 20), square(series, 2, 6, 16), square(series, 2, 9, 13)])},
        series.meta["series_uid"], "1.2.3.4")
    mask = read_mask(rs, like=series)
    expected = np.zeros(series.shape, bool)
    expected[2, 2:21, 2:21] = True
    expected[2, 6:17, 6:17] = False
    expected[2, 9:14, 9:14] = True
    assert np.array_equal(mask.array == 1, expected)
    assert mask.meta["segments"] == [{"name": "ring", "value": 1, "color": [255, 0, 0]}]
    assert mask.meta["warnings"] == []


def test_each_contour_lands_on_the_slice_its_plane_is(series, tmp_path):
    rs = write_rtstruct(tmp_path / "rs.dcm", {
        "a": ((0, 255, 0), [square(series, k, 4, 8) for k in (1, 4)]),
        "b": ((0, 0, 255), [square(series, 5, 10, 12)])},
        series.meta["series_uid"], "1.2.3.4")
    labels = read_mask(rs, like=series).array
    assert [int(labels[k].max()) for k in range(6)] == [0, 1, 0, 0, 1, 2]
    assert (labels == 1).sum() == 2 * 5 * 5 and (labels == 2).sum() == 3 * 3


def test_another_series_in_the_same_frame_is_resampled_with_a_warning(series, tmp_path):
    # Contours of a series whose slices lie 1 mm off ours (less than half our 2.5 mm step).
    shifted = square(series, 2 + 1 / 2.5, 3, 9)
    rs = write_rtstruct(tmp_path / "rs.dcm", {"a": ((9, 9, 9), [shifted])}, "9.9.9", "1.2.3.4")
    mask = read_mask(rs, like=series)
    assert [int(mask.array[k].max()) for k in range(6)] == [0, 0, 1, 0, 0, 0]
    assert len(mask.meta["warnings"]) == 1 and "9.9.9" in mask.meta["warnings"][0]
    assert series.meta["series_uid"] in mask.meta["warnings"][0]


def test_another_frame_of_reference_is_one_error_naming_both_series(series, tmp_path):
    rs = write_rtstruct(tmp_path / "rs.dcm", {"a": ((9, 9, 9), [square(series, 2, 2, 5)])},
                        "9.9.9", "5.5.5")
    with pytest.raises(CtvisError) as info:
        read_mask(rs, like=series)
    assert "9.9.9" in str(info.value) and series.meta["series_uid"] in str(info.value)


def test_no_series_or_a_volume_without_dicom_geometry_is_refused(series, tmp_path):
    rs = write_rtstruct(tmp_path / "rs.dcm", {"a": ((9, 9, 9), [square(series, 2, 2, 5)])},
                        series.meta["series_uid"], "1.2.3.4")
    with pytest.raises(CtvisError, match="give the CT series"):
        read_mask(rs)
    with pytest.raises(CtvisError, match="belongs to a DICOM series"):
        read_mask(rs, like=random_volume(shape=(6, 24, 24)))


@pytest.mark.data
def test_the_ibsi_gtv_matches_its_voxel_mask(data_dir):
    ct = load(data_dir / IBSI / "dicom" / "image")
    gtv = read_mask(data_dir / IBSI / "dicom" / "mask" / "DCM_RS_00060.dcm", like=ct)
    reference = read_mask(data_dir / IBSI / "nifti" / "mask" / "mask.nii.gz", like=ct)
    assert gtv.meta["segments"] == [{"name": "GTV-1", "value": 1, "color": [0, 230, 0]}]
    assert dice(gtv.array == 1, reference.array > 0) >= 0.99
