"""Hostile input at the command line: valid JSON always, one error line, library chatter only
with -v, option ranges, the three-slice minimum, and ./dev typos."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest

from tests.fuzz import dicom_bytes as db
from tests.helpers.dicom_factory import random_volume, write

ROOT = Path(__file__).resolve().parents[2]


def ctvis(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ctvis.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def _strict(text):
    def refuse(name):
        raise ValueError(name)
    return json.loads(text, parse_constant=refuse)


def test_nan_position_in_one_slice_still_gives_valid_json(tmp_path):
    paths = write(random_volume(shape=(5, 8, 8)), tmp_path)
    paths[2].write_bytes(db.put(paths[2].read_bytes(), 0x00200032, b"nan\\nan\\nan"))
    proc = ctvis("info", tmp_path, "--json")
    assert proc.returncode == 0 and proc.stderr == ""
    report = _strict(proc.stdout)
    assert report["selected"]["shape"] == [5, 8, 8]
    assert "ImagePositionPatient" in report["skipped"][0]["reason"]


def test_every_slice_broken_is_one_error_line(tmp_path):
    paths = write(random_volume(shape=(3, 8, 8)), tmp_path)
    for p in paths:
        p.write_bytes(db.put(p.read_bytes(), 0x00281053, b"nan"))
    proc = ctvis("info", tmp_path, "--json")
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ctvis: error: {tmp_path}")
    assert "RescaleSlope" in lines[0]


def _corrupt_j2k_series(folder):
    paths = write(random_volume(shape=(4, 64, 64)), folder)
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.compress(pydicom.uid.JPEG2000Lossless)
        ds.save_as(p, enforce_file_format=True)
    data = bytearray(paths[1].read_bytes())
    start = data.find(b"\xff\x4f\xff\x51")
    data[start + 60:start + 200] = bytes(140)
    paths[1].write_bytes(bytes(data))
    return paths


def test_decoder_errors_go_to_the_log_not_stderr(tmp_path):
    paths = _corrupt_j2k_series(tmp_path)
    quiet = ctvis("info", tmp_path, "--json")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert _strict(quiet.stdout)["skipped"][0]["path"] == str(paths[1])
    verbose = ctvis("-v", "info", tmp_path, "--json")
    assert verbose.returncode == 0
    assert "pydicom" in verbose.stderr            # -v shows the libraries' own messages


def test_odd_file_names_print_in_the_table(tmp_path):
    write(random_volume(shape=(3, 8, 8)), tmp_path)
    (tmp_path / os.fsdecode(b"bad-\xff-name.dcm")).write_bytes(b"not dicom")
    (tmp_path / "new\nline.dcm").write_bytes(b"not dicom")
    proc = ctvis("info", tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert "skipped 2 file(s)" in proc.stdout


def test_single_slice_is_refused_for_segmentation_and_meshing(tmp_path):
    write(random_volume(shape=(1, 32, 32)), tmp_path / "one")
    seg = ctvis("segment", tmp_path / "one", "-o", tmp_path / "l.nii.gz", "--quiet")
    assert seg.returncode == 1
    assert "1 slice(s); lung segmentation needs a 3-D stack of at least 3 slices" in seg.stderr
    assert not (tmp_path / "l.nii.gz").exists()
    mesh = ctvis("mesh", tmp_path / "one", "-o", tmp_path / "l.stl", "--no-progress")
    assert mesh.returncode == 1 and "meshing needs a 3-D stack" in mesh.stderr
    info = ctvis("info", tmp_path / "one", "--json")                # info still describes it
    assert info.returncode == 0 and _strict(info.stdout)["selected"]["shape"][0] == 1


@pytest.mark.parametrize("option,value,message", [
    ("--smooth", "-3", "smoothing iterations must be in [0, 1000], got -3"),
    ("--smooth", "100000", "smoothing iterations must be in [0, 1000]"),
    ("--pass-band", "0", "pass band must be in (0, 2], got 0"),
    ("--pass-band", "nan", "pass band must be in (0, 2]"),
    ("--decimate", "1.5", "decimate must be in [0, 1), got 1.5"),
    ("--mask-smooth", "nan", "mask smoothing must be in [0, 50] mm"),
    ("--mask-smooth", "1e9", "mask smoothing must be in [0, 50] mm"),
    ("--min-island", "-1", "minimum island must be in [0, 100000] mL"),
    ("--threshold", "inf", "--threshold must be in [-1024, 32767] HU, got inf"),
])
def test_numeric_mesh_options_are_range_checked(tmp_path, option, value, message):
    proc = ctvis("mesh", tmp_path / "missing", "-o", tmp_path / "m.stl", option, value)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"ctvis: error: {message}" or message in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_dev_typo_is_an_error_and_help_is_not():
    typo = subprocess.run([str(ROOT / "dev"), "tets"], capture_output=True, text=True,
                          timeout=30)
    assert typo.returncode == 2
    assert "unknown command: tets" in typo.stderr and typo.stdout == ""
    help_ = subprocess.run([str(ROOT / "dev"), "help"], capture_output=True, text=True,
                           timeout=30)
    assert help_.returncode == 0 and "./dev test" in help_.stdout
