"""What loading repaired or passed over reaches the user of every command, not only ``info``:
a mask, a mesh, a picture or a report from a series with a slice missing or a file left out
comes with a warning naming the input and the problem."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.app.notes import loading_notes
from ctvis.app.report import PICTURES, report_html
from ctvis.cli import main
from ctvis.core.phantom import make_phantom
from tests.helpers.dicom_factory import write

SERIES_UID = "1.2.826.0.1.3680043.99.5151"


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A chest phantom series in a folder named like a patient, one slice missing, a stray
    text file beside the images."""
    folder = tmp_path_factory.mktemp("input") / "Doe^Jane_CT"
    paths = write(make_phantom(shape=(40, 96, 96)).volume, folder, series_uid=SERIES_UID)
    paths[20].unlink()
    (folder / "README.txt").write_text("scanner export notes\n")
    return folder


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("ctvis: warning: ")]


def _says_slice_missing_and_file_skipped(lines, folder) -> None:
    assert all(f"ctvis: warning: {folder}: " in line for line in lines)
    assert any("missing slices" in line for line in lines)
    assert any("README.txt" in line and "not a DICOM file" in line for line in lines)


def test_loading_notes_name_the_gap_and_the_skipped_file(messy):
    import ctvis

    notes = loading_notes(ctvis.load(messy))
    assert any("missing slices" in n for n in notes)
    assert any(n.startswith(f"skipped {messy / 'README.txt'}: not a DICOM file") for n in notes)


@pytest.mark.parametrize("command", [
    ["segment", "{in}", "-o", "{out}/lungs.nii.gz", "--quiet"],
    ["mesh", "{in}", "--structure", "bone", "-o", "{out}/bone.stl", "--no-progress"],
    ["screenshot", "{in}", "--view", "axial", "-o", "{out}/axial.png"],
])
def test_commands_warn_about_what_loading_passed_over(messy, tmp_path, capsys, command):
    args = [a.format(**{"in": messy, "out": tmp_path}) for a in command]
    assert main(args) == 0
    _says_slice_missing_and_file_skipped(_warnings(capsys.readouterr().err), messy)


def test_a_clean_series_prints_no_warning(tmp_path, capsys):
    folder = tmp_path / "clean"
    write(make_phantom(shape=(40, 96, 96)).volume, folder)
    assert main(["mesh", str(folder), "--structure", "bone", "-o", str(tmp_path / "b.stl"),
                 "--no-progress"]) == 0
    assert _warnings(capsys.readouterr().err) == []


def test_report_lists_loading_notes_without_identifiers_unless_asked(messy):
    import ctvis

    volume = ctvis.load(messy)
    volume.meta["warnings"].append(f"3 series found; loaded {SERIES_UID} (39 images)")
    empty = {"voxels": 0, "volume_ml": 0.0, "mld_hu": float("nan"), "laa950_pct": 0.0,
             "pd15_hu": float("nan"), "histogram": {"edges": [-1000, 0], "counts": [0]}}
    metrics = {"right": empty, "left": empty, "total": empty, "warnings": []}
    png = b"\x89PNG\r\n\x1a\n"
    pictures = {key: png for key in PICTURES}
    plain = report_html(volume, metrics, pictures, {})
    assert "Loading:" in plain and "missing slices" in plain
    assert "skipped README.txt: not a DICOM file" in plain
    assert "Doe^Jane" not in plain and SERIES_UID not in plain and "(UID)" in plain
    named = report_html(volume, metrics, pictures, {}, with_identifiers=True)
    assert str(messy / "README.txt") in named and SERIES_UID in named
    assert np.char.count(plain, '<li class="warn">') == len(loading_notes(volume))
