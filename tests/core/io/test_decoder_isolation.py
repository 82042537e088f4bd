"""Hostile compressed pixel data never ends the process (issue 18, item 4).

GDCM aborted the whole process (uncaught C++ exception, SIGABRT, exit 134) when a JPEG 2000
file's header disagreed with its codestream, and a codestream claiming a huge image made it
allocate until the machine swapped.  Each JPEG 2000 frame's SIZ marker is now checked against
the header before any decoder runs, JPEG 2000 is decoded by pylibjpeg (Python errors), and
GDCM runs only in a child process.  Each mutation is made on a copy of
``totalseg-j2k/dicom`` in tmp_path; ``ctvis info`` runs as a subprocess, as a user runs it.
"""
from __future__ import annotations

import json
import resource
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

import ctvis
from ctvis.core.errors import LoadError
from ctvis.core.io import j2k
from ctvis.core.io.dicom_decode import ChildDecoder, DecodeError

MEMORY_LIMIT = 3 * 2**30        # what `ctvis info` may map: junk claiming GBs fails fast


def _ctvis_info(folder: Path, *extra):
    exe = Path(sys.executable).with_name("ctvis")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "ctvis.cli"]

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return subprocess.run(argv + ["info", str(folder), *extra], capture_output=True,
                          text=True, timeout=300, preexec_fn=limits)


@pytest.fixture
def j2k_copy(data_dir, tmp_path):
    """A copy of the 20 JPEG 2000 slices, sorted by position along the table."""
    folder = tmp_path / "series"
    shutil.copytree(data_dir / "totalseg-j2k" / "dicom", folder)
    files = sorted(folder.iterdir(), key=lambda p: float(
        pydicom.dcmread(p, stop_before_pixels=True).ImagePositionPatient[2]))
    assert len(files) == 20
    return folder, files


def _codestream(data: bytes) -> int:
    start = data.find(b"\xff\x4f\xff\x51")          # SOC + SIZ
    assert start > 0
    return start


def _assert_lived(proc):
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_ybr_header_on_a_one_component_codestream_skips_those_two_files(j2k_copy):
    folder, files = j2k_copy
    clean = _reference_hu(files)
    bad = [files[6], files[13]]                   # inside the stack: gaps are interpolated
    for path in bad:
        ds = pydicom.dcmread(path)
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.save_as(path)
    proc = _ctvis_info(folder, "--json")
    _assert_lived(proc)                            # was SIGABRT in GDCM: exit 134, no message
    assert proc.returncode == 0 and proc.stderr == ""
    report = json.loads(proc.stdout)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {str(p) for p in bad}
    for reason in skipped.values():
        assert "PhotometricInterpretation YBR_FULL_422" in reason
        assert "SamplesPerPixel 1" in reason
    assert report["selected"]["shape"] == [20, 512, 512]     # the two gaps interpolated

    # In the process too (the viewer's path): the other 18 slices are the clean ones.
    volume = ctvis.load(folder)
    for k in range(20):
        if k not in (6, 13):
            np.testing.assert_array_equal(volume.array[k], clean[k])


def test_siz_claiming_a_huge_image_is_refused_before_any_decoder_allocates(j2k_copy):
    folder, files = j2k_copy
    for path in files:
        data = bytearray(path.read_bytes())
        struct.pack_into(">II", data, _codestream(data) + 8, 60000, 60000)   # Xsiz, Ysiz
        path.write_bytes(bytes(data))
    proc = _ctvis_info(folder)
    # Before: GDCM allocated for 60000² pixels (minutes of swapping; under this test's
    # memory limit it aborted).  Now: one line naming a file and the disagreement.
    _assert_lived(proc)
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ctvis: error: {folder}"), lines
    assert "60000×60000 pixels but the header says Columns 512, Rows 512" in lines[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_in_every_codestream_give_a_clean_result(j2k_copy, seed):
    folder, files = j2k_copy
    rng = np.random.default_rng(seed)
    for n, path in enumerate(files):
        data = bytearray(path.read_bytes())
        start = _codestream(data)
        if n % 2:                   # the main header after the SIZ marker code: SIZ, COD...
            data[start + 4:start + 200] = rng.integers(0, 256, 196, np.uint8).tobytes()
        else:                       # scattered bytes anywhere in the codestream
            for at in rng.integers(start + 4, len(data), 40):
                data[at] = int(rng.integers(0, 256))
        path.write_bytes(bytes(data))
    proc = _ctvis_info(folder, "--json")
    _assert_lived(proc)             # was SIGABRT for every seed here
    if proc.returncode == 1:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"ctvis: error: {folder}"), lines
    else:
        report = json.loads(proc.stdout)
        assert {s["path"] for s in report["skipped"]} >= {str(p) for p in files[1::2]}


def test_unmutated_series_loads_identical_pixels(data_dir):
    folder = data_dir / "totalseg-j2k" / "dicom"
    files = sorted(folder.iterdir(), key=lambda p: float(
        pydicom.dcmread(p, stop_before_pixels=True).ImagePositionPatient[2]))
    volume = ctvis.load(folder)
    assert volume.meta["skipped"] == [] and volume.shape == (20, 512, 512)
    np.testing.assert_array_equal(volume.array, _reference_hu(files))


def _reference_hu(files) -> np.ndarray:
    """HU of each file as GDCM decodes it in this (test) process: the decoder used before."""
    from pydicom.pixels import pixel_array

    planes = []
    for path in files:
        ds = pydicom.dcmread(path)
        raw = pixel_array(ds, decoding_plugin="gdcm").astype(np.float64)
        planes.append(np.rint(raw * float(ds.RescaleSlope) + float(ds.RescaleIntercept)))
    return np.maximum(np.array(planes), -1024).astype(np.int16)


def test_gdcm_abort_in_the_child_costs_one_file_and_the_next_decodes(j2k_copy):
    folder, files = j2k_copy
    bad = files[3]
    ds = pydicom.dcmread(bad)
    ds.PhotometricInterpretation = "YBR_FULL_422"     # what made GDCM abort in-process
    ds.save_as(bad)
    with ChildDecoder() as child:
        with pytest.raises(DecodeError, match="crashed"):
            child.decode(str(bad), "gdcm", 2**30)
        good = child.decode(str(files[4]), "gdcm", 2**30)
    from pydicom.pixels import pixel_array
    np.testing.assert_array_equal(good, pixel_array(str(files[4]), decoding_plugin="pylibjpeg"))


def test_siz_check_names_each_disagreement(j2k_copy):
    _, files = j2k_copy
    ds = pydicom.dcmread(files[0])
    from pydicom.encaps import generate_frames
    frame = bytearray(next(generate_frames(ds.PixelData, number_of_frames=1)))
    assert j2k.check_frame(bytes(frame), 512, 512, 1, 16).components == ((12, False, 1, 1),)
    with pytest.raises(LoadError, match="1 component\\(s\\) but the header says "
                                        "SamplesPerPixel 3"):
        j2k.check_frame(bytes(frame), 512, 512, 3, 16)
    with pytest.raises(LoadError, match="12-bit samples but the header says BitsAllocated 8"):
        j2k.check_frame(bytes(frame), 512, 512, 1, 8)
    tiny = bytearray(frame)
    struct.pack_into(">II", tiny, 4 + 2 + 2 + 16, 1, 1)        # 1×1 tiles: 262144 of them
    with pytest.raises(LoadError, match="262144 tiles"):
        j2k.check_frame(bytes(tiny), 512, 512, 1, 16)
    with pytest.raises(LoadError, match="SOC"):
        j2k.check_frame(bytes(frame[10:]), 512, 512, 1, 16)


def test_a_syntax_only_gdcm_decodes_goes_through_the_child(data_dir, j2k_copy, monkeypatch):
    """JPEG lossless and JPEG-LS have no other decoder installed: pretend JPEG 2000 has
    none either, so the series is decoded by GDCM in the child; a file that aborts GDCM
    costs that file only."""
    from ctvis.core.io import dicom_decode

    folder, files = j2k_copy
    clean = _reference_hu(files)
    monkeypatch.setattr(dicom_decode, "J2K_PLUGINS", ())
    monkeypatch.setattr(dicom_decode, "check_header", lambda ds, ts, n: None)   # let it in
    ds = pydicom.dcmread(files[8])
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.save_as(files[8])
    volume = ctvis.load(folder)
    skipped = {s["path"]: s["reason"] for s in volume.meta["skipped"]}
    assert list(skipped) == [str(files[8])]
    assert "gdcm decoder crashed (SIGABRT)" in skipped[str(files[8])]
    keep = [k for k in range(20) if k != 8]
    np.testing.assert_array_equal(volume.array[keep], clean[keep])
