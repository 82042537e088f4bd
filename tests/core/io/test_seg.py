"""DICOM SEG: written from a label map on its DICOM series, read back exactly by highdicom,
pydicom, dcmqi and our reader; segment codes and algorithm types; fractional SEGs; other
series and frames of reference; the dciodvfy validator; identifiers only from the source."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from ctvis.core.errors import CtvisError
from ctvis.core.io import load, read_mask, write_mask
from tests.helpers.dicom_factory import random_volume, rotation, write

TABLE = [{"name": "right", "value": 1, "color": [230, 120, 60], "origin": "watershed"},
         {"name": "left", "value": 2, "color": [70, 150, 230], "origin": "watershed"},
         {"name": "nodule", "value": 3, "color": [255, 0, 0], "origin": "painted"},
         {"name": "odd thing", "value": 4, "color": [10, 200, 10], "origin": "threshold"}]


def labels_for(shape) -> np.ndarray:
    labels = np.zeros(shape, np.uint8)
    labels[1:6, 3:20, 2:10] = 1
    labels[1:6, 3:20, 13:22] = 2
    labels[2:4, 8:12, 4:7] = 3                       # inside the right lung: its hole
    labels[5, 0:2, 0:2] = 4                          # in a corner, one slice
    return labels


@pytest.fixture()
def series(tmp_path):
    volume = random_volume(shape=(7, 24, 24), spacing=(2.5, 0.8, 0.7),
                           direction=rotation("z", 15))
    write(volume, tmp_path / "ct", frame_uid="1.2.3.4")
    return load(tmp_path / "ct")


@pytest.fixture()
def seg(series, tmp_path):
    labels = labels_for(series.shape)
    return write_mask(series, labels, tmp_path / "lungs.dcm", segments=TABLE), labels


def test_our_reader_gives_the_array_names_and_colours_back(series, seg):
    path, labels = seg
    mask = read_mask(path, like=series)
    assert mask.array.dtype == np.uint8 and np.array_equal(mask.array, labels)
    assert [r["name"] for r in mask.meta["segments"]] == [r["name"] for r in TABLE]
    for got, want in zip(mask.meta["segments"], TABLE):      # CIELab <-> RGB: within 1
        assert np.abs(np.subtract(got["color"], want["color"])).max() <= 1
    assert mask.meta["warnings"] == []


def test_highdicom_reads_the_same_array_per_source_image(series, seg):
    import highdicom as hd

    path, labels = seg
    obj = hd.seg.segread(path)
    uids = [pydicom.dcmread(series.meta["slice_files"][k]).SOPInstanceUID
            for k in range(series.shape[0])]
    got = obj.get_pixels_by_source_instance(uids, combine_segments=True,
                                            ignore_spatial_locations=True)
    assert np.array_equal(got, labels)


def test_pydicom_reads_the_references_codes_and_algorithm_types(series, seg):
    path, _labels = seg
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.66.4"
    assert ds.ReferencedSeriesSequence[0].SeriesInstanceUID == series.meta["series_uid"]
    assert ds.FrameOfReferenceUID == series.meta["frame_of_reference_uid"]
    kinds = [(s.SegmentLabel, s.SegmentedPropertyTypeCodeSequence[0].CodeValue,
              s.SegmentAlgorithmType) for s in ds.SegmentSequence]
    assert kinds == [("right", "3341006", "AUTOMATIC"), ("left", "44029006", "AUTOMATIC"),
                     ("nodule", "27925004", "MANUAL"), ("odd thing", "85756007",
                                                        "SEMIAUTOMATIC")]
    assert ds.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0] \
        .AlgorithmName == "ctvis lungs (watershed)"
    import ctvis

    assert ds.SoftwareVersions == ctvis.__version__ and ds.Manufacturer == "ctvis"
    sources = {pydicom.dcmread(p).SOPInstanceUID for p in series.meta["slice_files"].values()}
    per_frame = {f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
                 for f in ds.PerFrameFunctionalGroupsSequence}
    assert per_frame <= sources and len(per_frame) == 5          # empty slices left out


def test_identifiers_are_only_the_sources(series, seg):
    path, _labels = seg
    ds = pydicom.dcmread(path)
    source = pydicom.dcmread(series.meta["slice_files"][0])
    assert (ds.PatientName, ds.PatientID) == (source.PatientName, source.PatientID)
    assert ds.StudyInstanceUID == source.StudyInstanceUID
    for key in ("PatientBirthDate", "InstitutionName", "AccessionNumber", "OperatorsName"):
        assert str(ds.get(key, "") or "") == str(source.get(key, "") or "")


def test_a_fractional_seg_is_inside_from_one_half(series, tmp_path):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    from ctvis.core.io.dicom_refs import slice_headers

    sources = [slice_headers(series)[k] for k in range(7)]
    prob = np.zeros(series.shape, np.float32)
    prob[2:5, 5:15, 5:15] = 0.7
    prob[3, 5:15, 5:10] = 0.3
    desc = hd.seg.SegmentDescription(1, "lesion", codes.SCT.Tissue, codes.SCT.Lesion,
                                     "MANUAL")
    obj = hd.seg.Segmentation(sources, prob, "FRACTIONAL", [desc], hd.UID(), 2, hd.UID(), 1,
                              "test", "test", "0", "0")
    obj.save_as(tmp_path / "frac.dcm")
    mask = read_mask(tmp_path / "frac.dcm", like=series)
    assert np.array_equal(mask.array == 1, prob >= 0.5)


def test_another_series_of_the_frame_is_resampled_and_another_frame_refused(series, seg,
                                                                           tmp_path):
    path, labels = seg
    # The same grid moved by two voxels along x, same frame of reference.
    moved = series.with_array(series.array, origin=tuple(series.index_to_patient([0, 0, 2])))
    write(moved, tmp_path / "ct2", frame_uid="1.2.3.4")
    other = load(tmp_path / "ct2")
    mask = read_mask(path, like=other)
    assert np.array_equal(mask.array[:, :, :-2], labels[:, :, 2:])
    assert len(mask.meta["warnings"]) == 1 and series.meta["series_uid"] in \
        mask.meta["warnings"][0] and "nearest neighbour" in mask.meta["warnings"][0]
    write(moved, tmp_path / "ct3", frame_uid="5.6.7")
    third = load(tmp_path / "ct3")
    with pytest.raises(CtvisError) as info:
        read_mask(path, like=third)
    assert series.meta["series_uid"] in str(info.value)
    assert third.meta["series_uid"] in str(info.value)


def test_a_seg_alone_lies_on_its_own_grid(series, seg):
    path, labels = seg
    mask = read_mask(path)
    lps = mask.index_to_patient(np.argwhere(mask.array == 3))
    assert np.allclose(np.sort(lps, axis=0),
                       np.sort(series.index_to_patient(np.argwhere(labels == 3)), axis=0),
                       atol=1e-3)


def test_a_volume_not_from_dicom_is_no_source(tmp_path):
    volume = random_volume()
    with pytest.raises(CtvisError, match="a DICOM object needs a DICOM source"):
        write_mask(volume, np.ones(volume.shape, np.uint8), tmp_path / "x.dcm")


@pytest.mark.parametrize("name", ["lungs.dcm", "lungs.rtstruct.dcm"])
def test_dciodvfy_finds_no_error(series, tmp_path, name):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy (Debian's dicom3tools) is not installed; ./dev setup installs it")
    path = write_mask(series, labels_for(series.shape), tmp_path / name, segments=TABLE)
    run = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True)
    errors = [line for line in (run.stdout + run.stderr).splitlines()
              if line.startswith("Error")]
    assert errors == []
    assert ("Segmentation" if name == "lungs.dcm" else "RTStructureSet") in run.stderr + \
        run.stdout


def test_dcmqi_gives_the_same_voxels(series, seg, tmp_path):
    tool = Path(sys.executable).parent / "segimage2itkimage"
    if not tool.exists():
        pytest.skip("dcmqi is not installed (pip install dcmqi)")
    path, labels = seg
    out = tmp_path / "dcmqi"
    out.mkdir()
    subprocess.run([str(tool), "--inputDICOM", str(path), "--outputDirectory", str(out),
                    "-t", "nrrd"], check=True, capture_output=True)
    found = 0
    for n, row in enumerate(TABLE, start=1):           # one file per segment: "<n>.nrrd"
        got = read_mask(out / f"{n}.nrrd")
        # dcmqi writes each segment on the SEG's frames' grid: place it on the series.
        placed = np.zeros(series.shape, bool)
        kji = np.rint(series.patient_to_index(got.index_to_patient(
            np.argwhere(got.array > 0)))).astype(int)
        placed[tuple(kji.T)] = True
        assert np.array_equal(placed, labels == row["value"]), row["name"]
        found += 1
    assert found == len(TABLE)


def test_a_folder_with_its_seg_and_rtstruct_loads_the_ct_and_lists_them(series, tmp_path):
    labels = labels_for(series.shape)
    folder = tmp_path / "ct"                               # the series' own folder
    write_mask(series, labels, tmp_path / "seg.dcm", segments=TABLE)
    write_mask(series, labels, tmp_path / "rs.rtstruct.dcm", segments=TABLE)
    shutil.copy(tmp_path / "seg.dcm", folder / "zz_seg.dcm")
    shutil.copy(tmp_path / "rs.rtstruct.dcm", folder / "zz_rs.dcm")
    loaded = load(folder)
    assert np.array_equal(loaded.array, series.array) and len(loaded.meta["series"]) == 1
    assert loaded.meta["skipped"] == [] and loaded.meta["warnings"] == []
    found = {o["kind"]: o for o in loaded.meta["segment_objects"]}
    assert set(found) == {"seg", "rtstruct"}
    assert all(o["series_uid"] == series.meta["series_uid"] for o in found.values())
    assert found["seg"]["segments"] == [r["name"] for r in TABLE]


def test_anonymize_keeps_a_seg_and_an_rtstruct_on_their_series(series, tmp_path):
    from ctvis.core.io.anonymize import anonymize_folder

    labels = labels_for(series.shape)
    folder = tmp_path / "ct"
    write_mask(series, labels, folder / "zz_seg.dcm", segments=TABLE)
    write_mask(series, labels, folder / "zz_rs.rtstruct.dcm", segments=TABLE)
    result = anonymize_folder(folder, tmp_path / "anon", key="k")
    assert result.skipped == [] and len(result.written) == series.shape[0] + 2
    anon = load(tmp_path / "anon")
    assert anon.meta["series_uid"] != series.meta["series_uid"]
    objects = {o["kind"]: o["path"] for o in anon.meta["segment_objects"]}
    assert np.array_equal(read_mask(objects["seg"], like=anon).array, labels)
    assert (read_mask(objects["rtstruct"], like=anon).array == labels).mean() > 0.97
    for path in objects.values():
        ds = pydicom.dcmread(path)
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.PatientID != pydicom.dcmread(series.meta["slice_files"][0]).PatientID
