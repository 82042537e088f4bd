"""Hostile DICOM, NIfTI and NRRD input: each broken slice is skipped like a missing one, a
broken series is one clear LoadError, and nothing impossible comes out as a Volume."""
from __future__ import annotations

import gzip
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import pydicom
import pytest

import ctvis
from ctvis.core.errors import LoadError
from ctvis.core.io import dicom as dicom_module
from ctvis.core.io.nifti_nrrd import write_nifti, write_nrrd
from tests.fuzz import dicom_bytes as db
from tests.fuzz.harness import remove_tree
from tests.helpers.dicom_factory import random_volume, write

N = 7
MIDDLE = 3


def _series(tmp_path, shape=(N, 12, 10)):
    vol = random_volume(shape=shape)
    return vol, write(vol, tmp_path / "series")


def _set(path, tag, value: bytes | None):
    path.write_bytes(db.put(path.read_bytes(), tag, value))


IPP, IOP, SPACING = 0x00200032, 0x00200037, 0x00280030
SLOPE, INTERCEPT = 0x00281053, 0x00281052


def _assert_middle_skipped(tmp_path, paths, vol, words):
    loaded = ctvis.load(tmp_path / "series")
    skipped = {s["path"]: s["reason"] for s in loaded.meta["skipped"]}
    assert str(paths[MIDDLE]) in skipped, skipped
    assert any(w in skipped[str(paths[MIDDLE])] for w in words), skipped
    # The gap is filled like a missing slice: same grid, true spacing, finite geometry.
    assert loaded.shape == vol.shape
    np.testing.assert_allclose(loaded.spacing, vol.spacing, atol=1e-6)
    np.testing.assert_allclose(loaded.origin, vol.origin, atol=1e-6)
    assert any("missing slices" in w for w in loaded.meta["warnings"])
    np.testing.assert_array_equal(loaded.array[MIDDLE + 1], np.maximum(vol.array[MIDDLE + 1],
                                                                      -1024))
    return loaded


@pytest.mark.parametrize("value", [None, b"1\\2", b"abc\\def\\ghi", b"nan\\0\\0",
                                   b"inf\\0\\0", b"1e300\\0\\0"])
def test_broken_position_skips_only_that_slice(tmp_path, value):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], IPP, value)
    _assert_middle_skipped(tmp_path, paths, vol, ["ImagePositionPatient"])


@pytest.mark.parametrize("value", [b"nan\\0\\0\\0\\1\\0", b"0\\0\\0\\0\\0\\0", b"2\\0\\0\\0\\2\\0",
                                   b"1\\0\\0\\0.71\\0.71\\0", b"1\\0\\0"])
def test_broken_orientation_skips_that_slice_and_refuses_a_whole_series(tmp_path, value):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], IOP, value)
    _assert_middle_skipped(tmp_path, paths, vol, ["ImageOrientationPatient"])
    for p in paths:
        _set(p, IOP, value)
    with pytest.raises(LoadError, match="ImageOrientationPatient"):
        ctvis.load(tmp_path / "series")


@pytest.mark.parametrize("value", [b"0\\0", b"-1\\-1", b"inf\\inf", b"1e300\\1e300",
                                   b"1e-300\\1e-300", b"nan\\1"])
def test_impossible_pixel_spacing_is_refused(tmp_path, value):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], SPACING, value)
    _assert_middle_skipped(tmp_path, paths, vol, ["PixelSpacing"])
    for p in paths:
        _set(p, SPACING, value)
    with pytest.raises(LoadError, match="PixelSpacing"):
        ctvis.load(tmp_path / "series")


@pytest.mark.parametrize("tag,value,word", [
    (SLOPE, b"nan", "RescaleSlope"), (SLOPE, b"0", "RescaleSlope"),
    (SLOPE, b"-1", "RescaleSlope"), (SLOPE, b"1e10", "RescaleSlope"),
    (INTERCEPT, b"inf", "RescaleIntercept"), (INTERCEPT, b"-1e308", "RescaleIntercept")])
def test_impossible_rescale_is_refused(tmp_path, tag, value, word):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], tag, value)
    _assert_middle_skipped(tmp_path, paths, vol, [word])
    for p in paths:
        _set(p, tag, value)
    with pytest.raises(LoadError, match=word):
        ctvis.load(tmp_path / "series")


@pytest.mark.parametrize("tag,value,word", [
    (0x00280100, struct.pack("<H", 24), "BitsAllocated"),
    (0x00280101, struct.pack("<H", 40), "BitsStored"),
    (0x00280008, b"inf", "NumberOfFrames"), (0x00280008, b"-3", "NumberOfFrames"),
    (0x00280010, struct.pack("<H", 13), "pixel data")])
def test_inconsistent_pixel_description_skips_the_slice(tmp_path, tag, value, word):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], tag, value)
    _assert_middle_skipped(tmp_path, paths, vol, [word])


def test_infinite_instance_number_is_harmless(tmp_path):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], 0x00200013, b"inf")
    loaded = ctvis.load(tmp_path / "series")
    assert loaded.shape == vol.shape and loaded.meta["skipped"] == []


def _displace(path, offset):
    pos = np.array([float(v) for v in db.get(path.read_bytes(), IPP).decode().split("\\")])
    _set(path, IPP, "\\".join(f"{v:.10g}" for v in pos + offset).encode())


def test_slice_ten_metres_away_is_dropped_before_any_allocation(tmp_path, monkeypatch):
    vol, paths = _series(tmp_path)
    _displace(paths[-1], (0, 0, 1e4))
    asked = []
    real = dicom_module.ensure_fits
    monkeypatch.setattr(dicom_module, "ensure_fits",
                        lambda nbytes, what: (asked.append(nbytes), real(nbytes, what)))
    loaded = ctvis.load(tmp_path / "series")
    assert loaded.shape == (N - 1, 12, 10)
    assert asked == [(N - 1) * 12 * 10 * 2]
    assert any("dropped" in w and paths[-1].name in w for w in loaded.meta["warnings"])


def test_slice_moved_within_its_plane_is_dropped_not_read_as_tilt(tmp_path):
    vol, paths = _series(tmp_path)
    _displace(paths[MIDDLE], (50.0, 0, 0))
    loaded = ctvis.load(tmp_path / "series")
    np.testing.assert_allclose(loaded.direction, np.eye(3), atol=1e-9)
    assert loaded.meta["gantry_tilt_deg"] == 0.0
    assert any("off the stack's axis" in w for w in loaded.meta["warnings"])


def test_slice_a_kilometre_away_is_skipped_as_implausible(tmp_path):
    vol, paths = _series(tmp_path)
    _displace(paths[-1], (0, 0, 1e6))
    loaded = ctvis.load(tmp_path / "series")
    assert loaded.shape == (N - 1, 12, 10)
    assert "more than 100000 mm away" in loaded.meta["skipped"][0]["reason"]


def test_two_slices_fifty_metres_apart_are_refused(tmp_path):
    vol, paths = _series(tmp_path, shape=(2, 8, 8))
    _displace(paths[1], (0, 0, 5e4))
    with pytest.raises(LoadError, match="spacing"):
        ctvis.load(tmp_path / "series")


@pytest.mark.timeout(60)
def test_fifo_symlink_loop_and_device_are_skipped_without_blocking(tmp_path):
    vol, paths = _series(tmp_path)
    folder = tmp_path / "series"
    os.mkfifo(folder / "pipe.dcm")
    os.symlink("b.dcm", folder / "a.dcm")
    os.symlink("a.dcm", folder / "b.dcm")
    os.symlink("/dev/zero", folder / "zeros.dcm")
    loaded = ctvis.load(folder)
    reasons = {os.path.basename(s["path"]): s["reason"] for s in loaded.meta["skipped"]}
    assert reasons == {"pipe.dcm": "a FIFO (named pipe)", "a.dcm": "symbolic link loop",
                       "b.dcm": "symbolic link loop", "zeros.dcm": "a device"}
    assert loaded.shape == vol.shape
    with pytest.raises(LoadError, match="FIFO"):
        ctvis.load(folder / "pipe.dcm")


def test_bits_allocated_zero_skips_the_slice(tmp_path):
    """Found by the fuzz sample: 0 was taken as "absent" and silently read as 16."""
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], 0x00280100, b"\x00\x00")
    _assert_middle_skipped(tmp_path, paths, vol, ["BitsAllocated 0"])


def test_symlinked_folders_are_followed_once_and_loops_end(tmp_path):
    """A study tree of links (to the series folder, twice, and back up to the top) loads the
    series once; the loop and the second link are reported, not followed."""
    vol, paths = _series(tmp_path)
    study = tmp_path / "study"
    study.mkdir()
    os.symlink(tmp_path / "series", study / "link1")
    os.symlink(tmp_path / "series", study / "link2")
    os.symlink(study, study / "link1_up")                 # a loop back to the study
    os.symlink(paths[0], study / "same_slice.dcm")        # a file reached twice
    loaded = ctvis.load(study)
    assert loaded.shape == vol.shape
    np.testing.assert_array_equal(loaded.array, np.maximum(vol.array, -1024))
    reasons = {os.path.basename(s["path"]): s["reason"] for s in loaded.meta["skipped"]}
    assert reasons["link1_up"] == "a link to a folder already searched"
    assert reasons["link2"] == "a link to a folder already searched"
    assert os.path.basename(str(paths[0])) in reasons or "same_slice.dcm" in reasons


def test_series_1100_folders_deep_loads():
    # Outside pytest's tmp_path: its cleanup (shutil.rmtree) recurses, and a tree left by an
    # interrupted run would break every later session.
    top = Path(tempfile.mkdtemp(prefix="ctvis-deep-"))
    vol = random_volume(shape=(3, 8, 8))
    deep = top
    try:
        for _ in range(1100):
            deep = deep / "d"
            deep.mkdir()
        write(vol, deep)
        loaded = ctvis.load(top)
        assert loaded.shape == vol.shape
    finally:
        remove_tree(top)


def test_corrupt_jpeg2000_slice_is_skipped_quietly(tmp_path, capfd):
    vol, paths = _series(tmp_path, shape=(N, 64, 64))
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.compress(pydicom.uid.JPEG2000Lossless)
        ds.save_as(p, enforce_file_format=True)
    data = bytearray(paths[MIDDLE].read_bytes())
    start = data.find(b"\xff\x4f\xff\x51")          # SOC + SIZ: the codestream starts
    data[start + 60:start + 200] = bytes(140)            # main header and first tile gone
    paths[MIDDLE].write_bytes(bytes(data))
    loaded = ctvis.load(tmp_path / "series")
    skipped = {s["path"]: s["reason"] for s in loaded.meta["skipped"]}
    assert "corrupt" in skipped[str(paths[MIDDLE])]
    assert loaded.shape == vol.shape
    assert any("unreadable pixel data" in w for w in loaded.meta["warnings"])
    assert "Failed to decode" not in capfd.readouterr().err       # C decoders' chatter


def test_all_slices_corrupt_names_the_file(tmp_path):
    vol, paths = _series(tmp_path, shape=(2, 64, 64))
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.compress(pydicom.uid.RLELossless)
        ds.save_as(p, enforce_file_format=True)
        data = bytearray(p.read_bytes())
        data[-200:] = b"\xff" * 200
        p.write_bytes(bytes(data))
    with pytest.raises(LoadError, match=str(paths[0].name)):
        ctvis.load(tmp_path / "series")


# --------------------------------------------------------------------------- NIfTI / NRRD
def _nifti(tmp_path, name="v.nii"):
    path = tmp_path / name
    write_nifti(random_volume(shape=(4, 6, 5)), path)
    return path


def _nifti_field(path, offset, fmt, *values):
    data = bytearray(path.read_bytes())
    struct.pack_into("<" + fmt, data, offset, *values)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("offset,fmt,value,word", [
    (280, "f", float("nan"), "not finite"),          # srow_x[0]
    (280, "3f", (0.0, 0.0, 0.0), "zero voxel size"),  # srow_x: a zero column with qform off
    (280, "f", 1e30, "spacing"),
])
def test_nifti_with_impossible_geometry_is_refused(tmp_path, offset, fmt, value, word):
    path = _nifti(tmp_path)
    _nifti_field(path, 252, "h", 0)                   # qform off: the sform decides
    values = value if isinstance(value, tuple) else (value,)
    _nifti_field(path, offset, fmt, *values)
    with pytest.raises(LoadError, match=word):
        ctvis.load(path)


def test_nifti_too_large_for_memory_is_refused_before_reading(tmp_path):
    path = _nifti(tmp_path)
    _nifti_field(path, 40, "4h", 3, 30000, 30000, 30000)
    with pytest.raises(LoadError, match="needs .* GiB"):
        ctvis.load(path)


def test_nifti_non_finite_voxels_become_air_with_a_warning(tmp_path):
    import nibabel as nib

    data = np.zeros((5, 6, 4), np.float32)
    data[1, 2, 3] = np.nan
    data[0, 0, 0] = np.inf
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp_path / "f.nii.gz")
    loaded = ctvis.load(tmp_path / "f.nii.gz")
    assert loaded.array[3, 2, 1] == -1024 and loaded.array[0, 0, 0] == -1024
    assert any("non-finite" in w for w in loaded.meta["warnings"])


@pytest.mark.parametrize("line", [b"space directions: (nan,0,0) (0,1,0) (0,0,1)",
                                  b"space directions: none (1,0,0) (0,1,0)",
                                  b"space directions: (0,0,0) (0,0,0) (0,0,0)",
                                  b"sizes: 99999 99999 99999"])
def test_nrrd_with_broken_header_is_one_clear_error(tmp_path, line):
    path = tmp_path / "v.nrrd"
    write_nrrd(random_volume(shape=(4, 6, 5)), path)
    data = path.read_bytes()
    head, rest = data.split(b"\n\n", 1)
    key = line.split(b":")[0]
    lines = [x for x in head.split(b"\n") if not x.startswith(key + b":")]
    path.write_bytes(b"\n".join(lines[:1] + [line] + lines[1:]) + b"\n\n" + rest)
    with pytest.raises(LoadError, match=str(path.name)):
        ctvis.load(path)


def test_truncated_gzip_nifti_is_one_clear_error(tmp_path):
    path = _nifti(tmp_path, "v.nii.gz")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(LoadError, match="not a readable NIfTI"):
        ctvis.load(path)
    assert gzip  # the module is what made the file


def test_rescale_that_is_not_a_number_skips_the_slice(tmp_path):
    vol, paths = _series(tmp_path)
    _set(paths[MIDDLE], INTERCEPT, b"abc")
    _assert_middle_skipped(tmp_path, paths, vol, ["RescaleIntercept 'abc' is not a number"])


@pytest.mark.parametrize("value", [None, b" "])
def test_absent_rescale_is_taken_as_hu_with_a_warning(tmp_path, value):
    vol, paths = _series(tmp_path)
    for p in paths:
        _set(p, INTERCEPT, value)
    loaded = ctvis.load(tmp_path / "series")
    assert any("without RescaleSlope/RescaleIntercept" in w for w in loaded.meta["warnings"])


def test_two_valued_intercept_skips_the_slice_and_a_short_stack_keeps_its_step(tmp_path):
    vol, paths = _series(tmp_path, shape=(4, 8, 8))
    _set(paths[1], INTERCEPT, b"0.0\\0")
    loaded = ctvis.load(tmp_path / "series")
    assert "is not a number" in loaded.meta["skipped"][0]["reason"]
    # Steps 5 and 2.5 mm: the grid keeps 2.5 mm (not their median, 3.75) and 4 slices.
    assert loaded.shape == vol.shape
    assert loaded.spacing[0] == pytest.approx(vol.spacing[0])


@pytest.mark.parametrize("slope,inter,word", [(1e6, 0.0, "scl_slope"),
                                              (1.0, 1e6, "scl_inter")])
def test_nifti_with_absurd_scaling_is_refused(tmp_path, slope, inter, word):
    path = _nifti(tmp_path)
    _nifti_field(path, 112, "2f", slope, inter)          # scl_slope, scl_inter
    with pytest.raises(LoadError, match=word):
        ctvis.load(path)


def test_nifti_gz_with_its_end_cut_off_is_reported(tmp_path):
    path = _nifti(tmp_path, "v.nii.gz")
    assert ctvis.load(path).meta["warnings"] == []
    path.write_bytes(path.read_bytes()[:-1])                 # the size trailer is cut
    try:
        loaded = ctvis.load(path)
    except LoadError as exc:                 # nibabel read to the end and noticed
        assert "not a readable NIfTI" in str(exc)
    else:                                    # it had all voxels and stopped: we notice
        assert any("gzip stream's end is missing" in w for w in loaded.meta["warnings"])


def _gz_of(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


@pytest.mark.parametrize("where", ["middle", "crc"])
def test_damaged_nifti_gz_is_refused_not_read_wrong(tmp_path, where):
    """nibabel stops reading once it has the voxels, so the CRC-32 at the stream's end was
    never checked: a flipped bit decoded to wrong voxels without a word."""
    path = tmp_path / "v.nii.gz"
    volume = random_volume(shape=(20, 40, 30))
    write_nifti(volume, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 if where == "middle" else -8] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError, match=r"v\.nii\.gz: the compressed data is damaged"):
        ctvis.load(path)


def test_damaged_gzip_nrrd_is_refused(tmp_path):
    """pynrrd inflates the whole stream, so zlib checks the CRC-32 (kept so)."""
    path = tmp_path / "v.nrrd"
    write_nrrd(random_volume(shape=(20, 40, 30)), path)
    data = bytearray(path.read_bytes())
    data[-8] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError, match=r"v\.nrrd: .*incorrect data check"):
        ctvis.load(path)


def test_nifti_gz_in_two_members_or_zero_padded_reads_whole(tmp_path):
    plain = _nifti(tmp_path, "v.nii")
    raw = plain.read_bytes()
    expected = ctvis.load(plain).array
    for name, body in [("members.nii.gz", _gz_of(raw[:500]) + _gz_of(raw[500:])),
                       ("padded.nii.gz", _gz_of(raw) + bytes(4096))]:
        (tmp_path / name).write_bytes(body)
        loaded = ctvis.load(tmp_path / name)
        assert np.array_equal(loaded.array, expected)
        assert loaded.meta["warnings"] == []


def test_nifti_gz_that_decompresses_past_its_voxels_stops(tmp_path):
    """A small file whose stream goes on for far more than its header accounts for (a
    decompression bomb) is refused once past the margin, without inflating all of it."""
    raw = _nifti(tmp_path, "v.nii").read_bytes()
    path = tmp_path / "bomb.nii.gz"
    path.write_bytes(_gz_of(raw + bytes(8 << 20)))
    assert path.stat().st_size < 100_000
    with pytest.raises(LoadError, match="decompresses to more than"):
        ctvis.load(path)


def test_nifti_values_beyond_int16_are_clipped_with_a_warning(tmp_path):
    import nibabel as nib

    data = np.zeros((4, 5, 3), np.float32)
    data[0, 0, 0] = 1e9
    nib.save(nib.Nifti1Image(data, np.eye(4)), tmp_path / "big.nii")
    loaded = ctvis.load(tmp_path / "big.nii")
    assert loaded.array.max() == 32767
    assert any("clipped" in w for w in loaded.meta["warnings"])
