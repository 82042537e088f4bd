"""Label maps with their segment tables in files: 3D Slicer's .seg.nrrd, NRRD header fields,
a colour table beside a NIfTI; uint16 maps kept; Slicer's cropped and layered files read."""
from __future__ import annotations

import nrrd
import numpy as np
import pytest

from ctvis.core.io import file_kind, read_mask, write_mask
from ctvis.core.io.label_tables import color_table_path
from ctvis.core.volume import Volume

TABLE = [{"name": "right lung", "value": 1, "color": [230, 120, 60]},
         {"name": "lesion", "value": 300, "color": [255, 0, 0]}]


@pytest.fixture(scope="module")
def oblique():
    """A small volume with anisotropic voxels and tilted axes (geometry must survive)."""
    c, s = np.cos(0.3), np.sin(0.3)
    direction = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    return Volume(np.zeros((10, 24, 20), np.int16), (2.5, 0.8, 0.7), (-40.0, 12.5, 100.0),
                  direction, {})


def labels_of(volume, dtype=np.uint16):
    labels = np.zeros(volume.shape, dtype)
    labels[2:6, 3:9, 4:10] = 1
    labels[7:9, 10:20, 12:15] = 300 if dtype == np.uint16 else 7
    return labels


def test_seg_nrrd_round_trips_array_names_colours_and_geometry(oblique, tmp_path):
    labels = labels_of(oblique)
    path = write_mask(oblique, labels, tmp_path / "m.seg.nrrd", segments=TABLE)
    assert file_kind(path) == "seg.nrrd"
    back = read_mask(path, like=oblique)
    assert back.array.dtype == np.uint16 and np.array_equal(back.array, labels)
    assert back.meta["segments"] == TABLE
    np.testing.assert_allclose(back.index_to_patient_matrix, oblique.index_to_patient_matrix,
                               atol=1e-9)


def test_seg_nrrd_header_is_what_3d_slicer_reads(oblique, tmp_path):
    path = write_mask(oblique, labels_of(oblique), tmp_path / "m.seg.nrrd", segments=TABLE)
    header = nrrd.read_header(str(path))
    assert header["space"] == "left-posterior-superior"
    assert header["Segmentation_MasterRepresentation"] == "Binary labelmap"
    assert header["Segmentation_ContainedRepresentationNames"].startswith("Binary labelmap")
    assert header["Segmentation_ReferenceImageExtentOffset"] == "0 0 0"
    assert header["Segment0_Name"] == "right lung" and header["Segment1_Name"] == "lesion"
    assert header["Segment1_LabelValue"] == "300" and header["Segment1_Layer"] == "0"
    assert header["Segment0_ID"] != header["Segment1_ID"]
    assert [float(c) for c in header["Segment1_Color"].split()] == [1.0, 0.0, 0.0]
    np.testing.assert_allclose([float(c) for c in header["Segment0_Color"].split()],
                               np.array([230, 120, 60]) / 255, atol=1e-5)
    # Extent: i (x), j (y), k (z) min and max of the segment's voxels.
    assert header["Segment0_Extent"] == "4 9 3 8 2 5"
    assert header["Segment1_Extent"] == "12 14 10 19 7 8"
    # Space directions are the volume's LPS axes times the spacing (rows: i, j, k).
    m = oblique.index_to_patient_matrix
    np.testing.assert_allclose(header["space directions"], m[:3, :3].T)
    np.testing.assert_allclose(header["space origin"], m[:3, 3])


def test_seg_nrrd_without_a_table_names_the_lungs(oblique, tmp_path):
    labels = labels_of(oblique, np.uint8)
    back = read_mask(write_mask(oblique, labels, tmp_path / "m.seg.nrrd"))
    assert back.array.dtype == np.uint8
    assert [(s["name"], s["value"]) for s in back.meta["segments"]] == [("right", 1),
                                                                        ("Segment_7", 7)]


def test_nrrd_keeps_names_and_colours_in_its_header(oblique, tmp_path):
    labels = labels_of(oblique)
    back = read_mask(write_mask(oblique, labels, tmp_path / "m.nrrd", segments=TABLE))
    assert np.array_equal(back.array, labels) and back.meta["segments"] == TABLE


def test_nifti_keeps_names_and_colours_in_a_colour_table_beside_it(oblique, tmp_path):
    labels = labels_of(oblique)
    path = write_mask(oblique, labels, tmp_path / "m.nii.gz", segments=TABLE)
    table = color_table_path(path)
    assert table.name == "m.txt"
    assert table.read_text().splitlines()[2:] == ["1 right_lung 230 120 60 255",
                                                  "300 lesion 255 0 0 255"]
    back = read_mask(path, like=oblique)
    assert back.array.dtype == np.uint16 and np.array_equal(back.array, labels)
    # Slicer's table splits on spaces: a space in a name comes back as "_".
    assert back.meta["segments"] == [dict(TABLE[0], name="right_lung"), TABLE[1]]


def test_a_uint8_map_stays_uint8(oblique, tmp_path):
    labels = labels_of(oblique, np.uint8)
    for suffix in (".nii.gz", ".nrrd", ".seg.nrrd"):
        back = read_mask(write_mask(oblique, labels, tmp_path / f"u8{suffix}"))
        assert back.array.dtype == np.uint8 and np.array_equal(back.array, labels), suffix


def test_a_cropped_slicer_file_is_padded_onto_the_series_grid(oblique, tmp_path):
    """3D Slicer saves a segmentation cropped to its segments: same axes, another origin."""
    labels = labels_of(oblique, np.uint8)
    box = (slice(2, 9), slice(3, 20), slice(4, 15))
    cropped = oblique.crop([s.start for s in box], [s.stop for s in box])
    path = write_mask(cropped, labels[box], tmp_path / "crop.seg.nrrd")
    back = read_mask(path, like=oblique)
    assert np.array_equal(back.array, labels)


def test_slicer_layers_of_a_4d_file_become_one_label_map(oblique, tmp_path):
    """Overlapping-capable files: [layer, x, y, z] with a list axis; two layers that do not
    overlap, both using label value 1."""
    a = labels_of(oblique, np.uint8) == 1
    b = labels_of(oblique, np.uint8) == 7
    data = np.stack([np.transpose(a, (2, 1, 0)), np.transpose(b, (2, 1, 0))]).astype(np.uint8)
    m = oblique.index_to_patient_matrix
    header = {"space": "left-posterior-superior", "kinds": ["list", "domain", "domain", "domain"],
              "space directions": [[np.nan] * 3] + m[:3, :3].T.tolist(), "space origin": m[:3, 3],
              "Segment0_Name": "a", "Segment0_LabelValue": "1", "Segment0_Layer": "0",
              "Segment0_Color": "1 0 0", "Segment1_Name": "b", "Segment1_LabelValue": "1",
              "Segment1_Layer": "1", "Segment1_Color": "0 1 0"}
    nrrd.write(str(tmp_path / "layers.seg.nrrd"), data, header)
    back = read_mask(tmp_path / "layers.seg.nrrd", like=oblique)
    assert [(s["name"], s["value"]) for s in back.meta["segments"]] == [("a", 1), ("b", 2)]
    assert np.array_equal(back.array == 1, a) and np.array_equal(back.array == 2, b)
