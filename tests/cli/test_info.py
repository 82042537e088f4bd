"""`ctvis info`: the table, the JSON object, and one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

from ctvis.cli import main
from tests.helpers.dicom_factory import random_volume, write


def test_info_json_object(tmp_path, capsys):
    write(random_volume(shape=(6, 10, 12)), tmp_path, series_uid="1.2.3.9")
    (tmp_path / "notes.txt").write_text("x")
    assert main(["info", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"series", "selected", "skipped", "segment_objects", "warnings"}
    assert report["series"] == [{"uid": "1.2.3.9", "description": "synthetic",
                                 "modality": "CT", "n_images": 6, "rows": 10, "columns": 12,
                                 "kind": "original axial"}]
    sel = report["selected"]
    assert sel["shape"] == [6, 10, 12] and sel["spacing"] == [2.5, 0.8, 0.7]
    assert sel["origin"] == [-10.0, -20.0, 30.0]
    assert sel["direction"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert -1024 <= sel["hu_min"] < sel["hu_max"] <= 2000
    assert report["skipped"] == [{"path": str(tmp_path / "notes.txt"),
                                  "reason": "not a DICOM file"}]


def test_info_table(tmp_path, capsys):
    write(random_volume(shape=(4, 8, 8)), tmp_path, series_uid="1.2.3.7")
    assert main(["info", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 series found" in out and "1.2.3.7" in out
    assert "spacing (x × y × z): 0.7 × 0.8 × 2.5 mm" in out


def test_info_error_is_one_line_and_exit_1(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    proc = subprocess.run([sys.executable, "-m", "ctvis.cli", "info", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path) in lines[0] and "no DICOM images" in lines[0]


def test_view_without_display_is_a_clear_error_not_a_crash(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "ctvis.cli", "view"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("ctvis: error: no display")
