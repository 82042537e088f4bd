"""ctvis.load on generated DICOM series: order, gaps, tilt, mixed series, strays, encodings."""
from __future__ import annotations

import copy
import random
import shutil

import numpy as np
import pydicom
import pytest

import ctvis
from ctvis.core.io import dicom_decode, dicom_scan
from ctvis.core.errors import Cancelled, LoadError
from ctvis.core.volume import Volume
from tests.helpers.dicom_factory import edit, positions, random_volume, rotation, write


def assert_geometry_matches_files(volume: Volume, paths) -> None:
    """Voxel [k, j, i] = IPP of slice k + j·row step + i·column step, to 1e-3 mm."""
    ds0 = pydicom.dcmread(paths[0], stop_before_pixels=True)
    iop = np.array([float(v) for v in ds0.ImageOrientationPatient])
    dy, dx = (float(v) for v in ds0.PixelSpacing)
    ipp = positions(paths)
    nz, ny, nx = volume.shape
    for k in range(nz):
        for j, i in ((0, 0), (ny - 1, 0), (0, nx - 1), (ny - 1, nx - 1), (ny // 2, nx // 3)):
            expected = ipp[k] + j * dy * iop[3:] + i * dx * iop[:3]
            np.testing.assert_allclose(volume.index_to_patient([k, j, i]), expected, atol=1e-3)


def test_round_trip_values_and_geometry(tmp_path):
    vol = random_volume()
    paths = write(vol, tmp_path)
    loaded = ctvis.load(tmp_path)
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))
    np.testing.assert_allclose(loaded.spacing, vol.spacing, atol=1e-6)
    np.testing.assert_allclose(loaded.origin, vol.origin, atol=1e-6)
    np.testing.assert_allclose(loaded.direction, np.eye(3), atol=1e-9)
    assert_geometry_matches_files(loaded, paths)
    assert loaded.meta["warnings"] == []


def test_shuffled_file_order_is_sorted_by_position(tmp_path):
    vol = random_volume(shape=(12, 16, 16))
    order = list(range(12))
    random.Random(3).shuffle(order)
    # File names and InstanceNumbers both shuffled: only the positions tell the order.
    for k in range(12):
        single = vol.crop((k, 0, 0), (k + 1, 16, 16))
        write(single, tmp_path, series_uid="1.2.3.4", instance_start=order[k] + 1,
              name_pattern=f"x{order[k]:03d}_{{index}}.dcm", study_uid="1.2.3")
    loaded = ctvis.load(tmp_path)
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))
    np.testing.assert_allclose(loaded.origin, vol.origin, atol=1e-6)


def test_missing_slices_are_reported_and_interpolated(tmp_path):
    vol = random_volume(shape=(10, 8, 8))
    paths = write(vol, tmp_path)
    paths[4].unlink()
    loaded = ctvis.load(tmp_path)
    assert loaded.shape == vol.shape                      # regular grid kept
    assert loaded.spacing[0] == pytest.approx(vol.spacing[0])
    assert any("missing slices" in w for w in loaded.meta["warnings"])
    expected = np.rint((vol.array[3].astype(float) + vol.array[5]) / 2)
    np.testing.assert_allclose(loaded.array[4], np.maximum(expected, -1024), atol=1)
    np.testing.assert_array_equal(loaded.array[5], np.maximum(vol.array[5], -1024))


def test_duplicate_positions_are_dropped(tmp_path):
    vol = random_volume(shape=(6, 8, 8))
    paths = write(vol, tmp_path)
    copy = tmp_path / "dup.dcm"
    shutil.copy(paths[2], copy)
    edit(copy, SOPInstanceUID=pydicom.uid.generate_uid(), InstanceNumber=99)
    loaded = ctvis.load(tmp_path)
    assert loaded.shape == vol.shape
    assert any("duplicate" in w for w in loaded.meta["warnings"])


@pytest.mark.parametrize("tilt_deg", [15.0, -20.0])
def test_gantry_tilt_keeps_exact_sheared_geometry(tmp_path, tilt_deg):
    t = np.radians(tilt_deg)
    direction = np.column_stack([[1, 0, 0], [0, 1, 0], [0, np.sin(t), np.cos(t)]])
    vol = random_volume(shape=(8, 12, 10), direction=direction)
    paths = write(vol, tmp_path)
    loaded = ctvis.load(tmp_path)
    assert any("gantry tilt" in w for w in loaded.meta["warnings"])
    assert loaded.meta["gantry_tilt_deg"] == pytest.approx(abs(tilt_deg), abs=0.01)
    np.testing.assert_allclose(loaded.direction, direction, atol=1e-6)
    assert_geometry_matches_files(loaded, paths)


def test_oblique_and_coronal_series_keep_direction(tmp_path):
    coronal = np.column_stack([[1, 0, 0], [0, 0, -1], [0, 1, 0]])
    for n, direction in enumerate([coronal, rotation("z", 30) @ rotation("x", 10)]):
        folder = tmp_path / f"s{n}"
        vol = random_volume(shape=(6, 10, 12), direction=direction, seed=n)
        paths = write(vol, folder)
        loaded = ctvis.load(folder)
        np.testing.assert_allclose(loaded.direction, direction, atol=1e-5)
        np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))
        assert_geometry_matches_files(loaded, paths)


def test_mixed_series_loads_the_largest_and_can_choose(tmp_path):
    big, small = random_volume(shape=(9, 8, 8), seed=1), random_volume(shape=(4, 8, 8), seed=2)
    write(big, tmp_path, series_uid="1.2.826.0.1.1", name_pattern="a{index:03d}.dcm")
    write(small, tmp_path, series_uid="1.2.826.0.1.2", name_pattern="b{index:03d}.dcm")
    loaded = ctvis.load(tmp_path)
    assert loaded.meta["series_uid"] == "1.2.826.0.1.1" and loaded.shape[0] == 9
    assert {s["uid"] for s in loaded.meta["series"]} == {"1.2.826.0.1.1", "1.2.826.0.1.2"}
    assert any("2 series found" in w for w in loaded.meta["warnings"])
    other = ctvis.load(tmp_path, series_uid="1.2.826.0.1.2")
    np.testing.assert_array_equal(other.array, np.maximum(small.array, -1024))
    with pytest.raises(LoadError, match="1.2.826.0.9"):
        ctvis.load(tmp_path, series_uid="1.2.826.0.9")


def test_stray_truncated_and_non_image_files_are_skipped_with_reasons(tmp_path):
    vol = random_volume(shape=(6, 8, 8))
    paths = write(vol, tmp_path / "series")
    (tmp_path / "README.txt").write_text("scan notes")
    (tmp_path / "empty.dcm").write_bytes(b"")
    data = paths[-1].read_bytes()
    paths[-1].write_bytes(data[: len(data) - 40])            # truncated pixel data
    sr = pydicom.dcmread(paths[0])
    del sr.PixelData, sr.Rows, sr.Columns
    sr.Modality = "SR"
    sr.save_as(tmp_path / "report.dcm", enforce_file_format=True)
    loaded = ctvis.load(tmp_path)
    reasons = {s["path"].split("/")[-1]: s["reason"] for s in loaded.meta["skipped"]}
    assert reasons["README.txt"] == "not a DICOM file"
    assert "not a DICOM" in reasons["empty.dcm"]
    assert reasons[paths[-1].name].startswith("truncated")
    assert "no image" in reasons["report.dcm"]
    assert loaded.shape[0] == 5
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array[:5], -1024))


def test_file_without_preamble_is_read(tmp_path):
    vol = random_volume(shape=(3, 8, 8))
    paths = write(vol, tmp_path)
    for p in paths:                      # strip preamble + "DICM" + file meta: bare dataset
        ds = pydicom.dcmread(p)
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
        ds.save_as(p, implicit_vr=True, little_endian=True)
        raw = p.read_bytes()
        body = raw[132:]
        # drop group 0002
        meta_len = int.from_bytes(body[8:12], "little")
        p.write_bytes(body[12 + meta_len:])
    loaded = ctvis.load(tmp_path)
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))


def test_signed_unsigned_and_per_slice_rescale(tmp_path):
    vol = random_volume(shape=(4, 8, 8))
    write(vol, tmp_path / "signed", signed=True, intercept=0.0)
    np.testing.assert_array_equal(ctvis.load(tmp_path / "signed").array,
                                  np.maximum(vol.array, -1024))
    paths = write(vol, tmp_path / "rescale")
    for k, p in enumerate(paths):                  # each slice its own slope/intercept
        slope, intercept = [1.0, 0.5, 2.0, 0.25][k], [-1024.0, -1000.0, -2048.0, -1024.0][k]
        ds = pydicom.dcmread(p)
        stored = np.rint((vol.array[k].astype(float) - intercept) / slope)
        ds.PixelData = stored.astype(np.uint16).tobytes()
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.save_as(p, enforce_file_format=True)
    loaded = ctvis.load(tmp_path / "rescale")
    np.testing.assert_allclose(loaded.array, np.maximum(vol.array, -1024), atol=1)


def test_padding_and_out_of_field_fill_become_air(tmp_path):
    vol = random_volume(shape=(3, 8, 8))
    vol.array[:, 0, :] = -3024                          # out-of-field fill
    paths = write(vol, tmp_path, signed=True, intercept=0.0)
    ds = pydicom.dcmread(paths[1])
    pixels = ds.pixel_array.copy()
    pixels[4, :] = -2000
    ds.PixelData = pixels.tobytes()
    ds.add_new(0x00280120, "SS", -2000)                 # PixelPaddingValue
    ds.save_as(paths[1], enforce_file_format=True)
    loaded = ctvis.load(tmp_path)
    assert loaded.array.min() == -1024
    assert (loaded.array[:, 0, :] == -1024).all()
    assert (loaded.array[1, 4, :] == -1024).all()
    assert any("padding" in w for w in loaded.meta["warnings"])


def test_localizer_in_series_is_excluded(tmp_path):
    vol = random_volume(shape=(5, 8, 8))
    paths = write(vol, tmp_path)
    loc = tmp_path / "scout.dcm"
    shutil.copy(paths[0], loc)
    edit(loc, SOPInstanceUID=pydicom.uid.generate_uid(), ImageType=["ORIGINAL", "PRIMARY",
                                                                    "LOCALIZER"],
         ImageOrientationPatient=[1, 0, 0, 0, 0, -1], ImagePositionPatient=[0, 50, 0])
    loaded = ctvis.load(tmp_path)
    assert loaded.shape == vol.shape
    assert any("localizer" in w for w in loaded.meta["warnings"])


def test_multiframe_enhanced_ct(tmp_path):
    vol = random_volume(shape=(5, 8, 6), direction=rotation("z", 20))
    paths = write(vol, tmp_path / "single")
    first = pydicom.dcmread(paths[0])
    ds = copy.deepcopy(first)
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"   # Enhanced CT
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    for kw in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing",
               "RescaleSlope", "RescaleIntercept", "SliceThickness"):
        delattr(ds, kw)
    ds.NumberOfFrames = 5
    shared = pydicom.Dataset()
    measures, plane, transform = pydicom.Dataset(), pydicom.Dataset(), pydicom.Dataset()
    measures.PixelSpacing = first.PixelSpacing
    measures.SliceThickness = first.SliceThickness
    plane.ImageOrientationPatient = first.ImageOrientationPatient
    transform.RescaleSlope, transform.RescaleIntercept = 1, -1024
    transform.RescaleType = "HU"
    shared.PixelMeasuresSequence = [measures]
    shared.PlaneOrientationSequence = [plane]
    shared.PixelValueTransformationSequence = [transform]
    ds.SharedFunctionalGroupsSequence = [shared]
    frames = []
    order = [3, 0, 4, 1, 2]                       # frames stored out of order
    for k in order:
        item, pos = pydicom.Dataset(), pydicom.Dataset()
        pos.ImagePositionPatient = pydicom.dcmread(paths[k]).ImagePositionPatient
        item.PlanePositionSequence = [pos]
        frames.append(item)
    ds.PerFrameFunctionalGroupsSequence = frames
    ds.PixelData = b"".join(pydicom.dcmread(paths[k]).PixelData for k in order)
    out = tmp_path / "multi" / "enhanced.dcm"
    out.parent.mkdir()
    ds.save_as(out, enforce_file_format=True)
    loaded = ctvis.load(out)                        # a single file path
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))
    np.testing.assert_allclose(loaded.direction, vol.direction, atol=1e-5)
    np.testing.assert_allclose(loaded.origin, vol.origin, atol=1e-4)


def _compress_all(paths, syntax):
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.compress(syntax)
        ds.save_as(p, enforce_file_format=True)


@pytest.mark.parametrize("syntax", [pydicom.uid.JPEG2000Lossless, pydicom.uid.RLELossless])
def test_compressed_transfer_syntaxes(tmp_path, syntax):
    vol = random_volume(shape=(3, 64, 64))
    paths = write(vol, tmp_path, signed=True, intercept=0.0)
    _compress_all(paths, syntax)
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == syntax
    loaded = ctvis.load(tmp_path)
    assert loaded.meta["transfer_syntax"] == syntax
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))


def test_jpeg_lossless_via_gdcm(tmp_path):
    gdcm = pytest.importorskip("gdcm")
    vol = random_volume(shape=(2, 16, 16))
    paths = write(vol, tmp_path)
    for p in paths:
        reader = gdcm.ImageReader()
        reader.SetFileName(str(p))
        assert reader.Read()
        change = gdcm.ImageChangeTransferSyntax()
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGLosslessProcess14_1))
        change.SetInput(reader.GetImage())
        assert change.Change()
        writer = gdcm.ImageWriter()
        writer.SetFileName(str(p))
        writer.SetFile(reader.GetFile())
        writer.SetImage(change.GetOutput())
        assert writer.Write()
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.70"
    loaded = ctvis.load(tmp_path)
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))


def test_missing_decoder_message_names_syntax_and_package(tmp_path, monkeypatch):
    vol = random_volume(shape=(2, 64, 64))
    paths = write(vol, tmp_path)
    _compress_all(paths, pydicom.uid.JPEG2000Lossless)

    def no_decoder(self, *a, **kw):
        raise RuntimeError("Unable to decode as there are no pixel data plugins available")

    monkeypatch.setattr(pydicom.dataset.Dataset, "pixel_array", property(no_decoder))
    monkeypatch.setattr(dicom_decode, "_plugins", lambda ts: ())     # none installed
    with pytest.raises(LoadError) as err:
        ctvis.load(tmp_path)
    text = str(err.value)
    assert "JPEG 2000" in text and "pylibjpeg-openjpeg" in text and str(paths[0].name) in text


def test_fast_header_and_pydicom_paths_agree(tmp_path, monkeypatch):
    vol = random_volume(shape=(4, 8, 8), direction=rotation("y", 12))
    write(vol, tmp_path, signed=True, intercept=-10.0)
    fast = ctvis.load(tmp_path)
    monkeypatch.setattr(dicom_scan, "read_fast_header", lambda *a: None)
    slow = ctvis.load(tmp_path)
    np.testing.assert_array_equal(fast.array, slow.array)
    np.testing.assert_allclose(fast.index_to_patient_matrix, slow.index_to_patient_matrix)
    assert fast.meta["description"] == slow.meta["description"] == "synthetic"


def test_not_dicom_and_missing_paths_give_clear_errors(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LoadError, match=r"no DICOM images found .*not a DICOM file"):
        ctvis.load(tmp_path)
    with pytest.raises(LoadError, match="no such file"):
        ctvis.load(tmp_path / "absent")


def test_progress_reaches_one_and_cancel_stops(tmp_path):
    write(random_volume(shape=(20, 8, 8)), tmp_path)
    seen = []
    ctvis.load(tmp_path, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        ctvis.load(tmp_path, cancel=lambda: True)


def test_input_folder_is_not_written(tmp_path):
    write(random_volume(shape=(3, 8, 8)), tmp_path)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    ctvis.load(tmp_path)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir()) == before


def test_series_too_large_for_memory_is_refused_before_reading(tmp_path, monkeypatch):
    from ctvis.core.io import memory

    write(random_volume(shape=(4, 16, 16)), tmp_path)
    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)   # 4×16×16×2 = 2048 bytes
    with pytest.raises(LoadError, match=r"4 × 16 × 16 voxels needs .* GiB of memory"):
        ctvis.load(tmp_path)


def test_truncated_header_is_skipped(tmp_path):
    vol = random_volume(shape=(4, 8, 8))
    paths = write(vol, tmp_path)
    for path, size in ((paths[0], 300), (paths[1], 700), (paths[2], 140)):
        path.write_bytes(path.read_bytes()[:size])          # cut inside the header
    loaded = ctvis.load(tmp_path)
    reasons = {s["path"]: s["reason"] for s in loaded.meta["skipped"]}
    for path in paths[:3]:
        assert reasons[str(path)] == "truncated: the file ends inside its header"
    assert loaded.shape[0] == 1


def test_orientation_noise_does_not_split_the_stack(tmp_path):
    direction = rotation("z", 30)
    vol = random_volume(shape=(6, 8, 8), direction=direction)
    paths = write(vol, tmp_path)
    # Cosines that round differently at the 3rd decimal (0.86653 vs 0.86593), as scanners write.
    for n, p in enumerate(paths):
        ds = pydicom.dcmread(p)
        iop = [float(v) for v in ds.ImageOrientationPatient]
        iop[0] += 5e-4 if n % 2 else -1e-4
        ds.ImageOrientationPatient = [f"{v:.6f}" for v in iop]
        ds.save_as(p, enforce_file_format=True)
    loaded = ctvis.load(tmp_path)
    assert loaded.shape == vol.shape
    assert not any("excluded" in w for w in loaded.meta["warnings"])
    np.testing.assert_allclose(loaded.direction, direction, atol=1e-3)


def test_each_slice_names_the_file_it_came_from(tmp_path):
    vol = random_volume()
    paths = write(vol, tmp_path / "s")
    loaded = ctvis.load(tmp_path / "s")
    assert loaded.meta["slice_files"] == {k: str(p) for k, p in enumerate(paths)}


def test_a_second_copy_of_a_series_in_another_folder_is_named(tmp_path):
    """A cohort folder holding a series twice: the copy is passed over, and said so by name."""
    vol = random_volume(shape=(6, 8, 8))
    write(vol, tmp_path / "first")
    shutil.copytree(tmp_path / "first", tmp_path / "copy")
    loaded = ctvis.load(tmp_path)
    assert loaded.shape == vol.shape
    note = next(w for w in loaded.meta["warnings"] if "duplicate" in w)
    named = [name for name in ("first", "copy") if str(tmp_path / name) in note]
    assert len(named) == 1 and "passed over" in note        # the one not loaded
