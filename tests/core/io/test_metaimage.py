"""MetaImage (.mha, .mhd + data file): LUNA16's and ITK's format, read and written in LPS."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from ctvis.core.errors import LoadError
from ctvis.core.io.dispatch import file_kind, load, read_mask
from ctvis.core.io.metaimage import write_metaimage
from ctvis.core.lungs import segment_lungs
from ctvis.core.phantom import make_phantom
from tests.helpers.dicom_factory import random_volume, rotation


def _header(fields: dict) -> bytes:
    return "".join(f"{k} = {v}\n" for k, v in fields.items()).encode("ascii")


# What ITK writes for an image whose x axis points along LPS (0, 1, 0), y along (-1, 0, 0):
# TransformMatrix holds each index axis's direction, x first; Offset is voxel (0, 0, 0).
ITK_FIELDS = {"ObjectType": "Image", "NDims": 3, "BinaryData": "True",
              "BinaryDataByteOrderMSB": "False", "CompressedData": "False",
              "TransformMatrix": "0 1 0 -1 0 0 0 0 1", "Offset": "-10 20 30",
              "ElementSpacing": "0.5 0.8 2.5", "DimSize": "4 3 2", "ElementType": "MET_SHORT"}


def test_an_itk_header_gives_its_voxels_and_patient_points(tmp_path):
    """Checked against SimpleITK's TransformIndexToPhysicalPoint on an oblique volume
    (docs/decisions.md); here the same rule on a header written by hand."""
    voxels = np.arange(24, dtype="<i2").reshape(2, 3, 4)            # [z, y, x] on disk
    path = tmp_path / "ct.mha"
    path.write_bytes(_header({**ITK_FIELDS, "ElementDataFile": "LOCAL"}) + voxels.tobytes())
    volume = load(path)
    np.testing.assert_array_equal(volume.array, voxels)
    assert volume.spacing == pytest.approx((2.5, 0.8, 0.5))
    # Voxel (k, j, i) = (1, 2, 3): origin + 3 * 0.5 * x axis + 2 * 0.8 * y axis + 2.5 * z.
    point = volume.index_to_patient(np.array([[1.0, 2.0, 3.0]]))[0]
    np.testing.assert_allclose(point, [-10 - 1.6, 20 + 1.5, 30 + 2.5])


def test_a_detached_big_endian_file_after_a_header_size(tmp_path):
    voxels = np.arange(24, dtype=">u2").reshape(2, 3, 4)
    (tmp_path / "ct.raw").write_bytes(b"\0" * 16 + voxels.tobytes())
    fields = {**ITK_FIELDS, "ElementType": "MET_USHORT", "BinaryDataByteOrderMSB": "True",
              "HeaderSize": 16, "ElementDataFile": "ct.raw"}
    (tmp_path / "ct.mhd").write_bytes(_header(fields))
    np.testing.assert_array_equal(load(tmp_path / "ct.mhd").array, voxels.astype(np.int16))


def test_compressed_data_is_read(tmp_path):
    voxels = np.arange(24, dtype="<f4").reshape(2, 3, 4) - 12.0
    data = zlib.compress(voxels.tobytes())
    fields = {**ITK_FIELDS, "ElementType": "MET_FLOAT", "CompressedData": "True",
              "CompressedDataSize": len(data), "ElementDataFile": "LOCAL"}
    (tmp_path / "ct.mha").write_bytes(_header(fields) + data)
    np.testing.assert_array_equal(load(tmp_path / "ct.mha").array, voxels.astype(np.int16))


@pytest.mark.parametrize("name", ["ct.mha", "ct.mhd"])
def test_volume_round_trip_keeps_voxels_and_geometry(tmp_path, name):
    vol = random_volume(direction=rotation("y", 20) @ rotation("z", 10))
    path = write_metaimage(vol, tmp_path / name)
    back = load(path)
    np.testing.assert_array_equal(back.array, vol.array)
    np.testing.assert_allclose(back.index_to_patient_matrix, vol.index_to_patient_matrix,
                               atol=1e-6)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == (["ct.mha"] if name == "ct.mha" else ["ct.mhd", "ct.zraw"])


def test_a_lung_mask_round_trips_and_the_lungs_of_a_metaimage_ct_are_found(tmp_path):
    """What a LUNA16 user does: open the CT (.mhd), segment, compare with a mask file."""
    ph = make_phantom(shape=(40, 96, 96))
    ct = write_metaimage(ph.volume, tmp_path / "ct.mhd")
    labels = segment_lungs(load(ct))
    np.testing.assert_array_equal(labels, segment_lungs(ph.volume))
    mask = write_metaimage(ph.volume.with_array(labels), tmp_path / "lungs.mha")
    back = read_mask(mask, like=ph.volume)
    assert back.array.dtype == np.uint8
    np.testing.assert_array_equal(back.array, labels)
    assert file_kind(mask) == "metaimage"


@pytest.mark.parametrize("fields, data, message", [
    ({"ElementDataFile": "missing.raw"}, b"", "data file .* is missing"),
    ({"ElementDataFile": "LOCAL"}, b"\0" * 10, "truncated"),
    ({"NDims": 2, "DimSize": "4 3", "ElementDataFile": "LOCAL"}, b"\0" * 24,
     "2 dimensions, expected 3"),
    ({"ElementDataFile": "LIST"}, b"", "one data file per slice"),
    ({"ElementType": "MET_STRING", "ElementDataFile": "LOCAL"}, b"\0" * 48, "not a number"),
    ({"DimSize": "4 x 2", "ElementDataFile": "LOCAL"}, b"", "not numbers"),
    ({"CompressedData": "True", "ElementDataFile": "LOCAL"}, b"garbage!" * 4, "damaged"),
])
def test_a_bad_metaimage_is_refused_naming_the_file_and_the_problem(tmp_path, fields, data,
                                                                    message):
    path = tmp_path / "bad.mha"
    path.write_bytes(_header({**ITK_FIELDS, **fields}) + data)
    with pytest.raises(LoadError, match=message) as caught:
        load(path)
    assert str(path) in str(caught.value)


def test_a_file_with_no_metaimage_header_is_refused(tmp_path):
    path = tmp_path / "noise.mha"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(LoadError, match="not a MetaImage file"):
        load(path)
