"""``ctvis lesion``: the same segment as the window's step, measurements as JSON, refusals."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctvis.app.lesion import lesion_at
from ctvis.cli import main
from ctvis.core.io import write_dicom_series
from ctvis.core.io.dispatch import load, read_mask
from tests.helpers.lesion_phantoms import lesion_cases


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    """The solid phantom lesion written as a DICOM series, and its click in LPS mm."""
    name, volume, truth, click = lesion_cases()[1]
    assert name == "solid"
    folder = tmp_path_factory.mktemp("lesion") / "dicom"
    write_dicom_series(volume, folder)
    return folder, volume.index_to_patient(np.asarray(click, float)), truth


def test_cli_writes_the_lesion_and_its_measurements(series, tmp_path, capsys):
    folder, at, truth = series
    out, metrics = tmp_path / "lesion.nii.gz", tmp_path / "m.json"
    # --at=... : a point's first number is often negative (an argument, not an option).
    code = main(["lesion", str(folder), "--at=" + ",".join(f"{v:.3f}" for v in at),
                 "-o", str(out), "--metrics", str(metrics)])
    assert code == 0
    volume = load(folder)
    mask = read_mask(out, like=volume)
    assert mask.meta["segments"][0]["name"] == "lesion"
    same = lesion_at(volume, at).mask(volume.shape)
    assert np.array_equal(mask.array == 1, same)            # the window's step, the same
    m = json.loads(metrics.read_text())
    assert m["type"] == "solid"
    assert m["volume_ml"] == pytest.approx(float(same.sum()) * volume.voxel_volume_mm3
                                           / 1000)
    assert "long axis" in capsys.readouterr().out


def test_cli_refuses_a_click_in_air_with_one_line(series, tmp_path, capsys):
    folder, at, _ = series
    volume = load(folder)
    air = volume.index_to_patient(np.array([1.0, 1.0, 1.0]))       # a corner: outside the body
    code = main(["lesion", str(folder), "--at=" + ",".join(f"{v:.3f}" for v in air),
                 "-o", str(tmp_path / "x.nii.gz")])
    err = capsys.readouterr().err
    assert code == 1 and "no lesion at the click" in err and "Traceback" not in err
    assert not (tmp_path / "x.nii.gz").exists()
    assert main(["lesion", str(folder), "--at", "1,2", "-o", str(tmp_path / "x.nii.gz")]) == 1
    assert "three numbers" in capsys.readouterr().err


@pytest.mark.slow             # a whole report: lungs, 3D pictures (about 30 s)
def test_report_with_a_lesion_at_lists_it_with_its_picture(series, tmp_path, capsys):
    import base64
    import re

    folder, at, _ = series
    out = tmp_path / "report.html"
    point = "--lesion-at=" + ",".join(f"{v:.3f}" for v in at)
    assert main(["report", str(folder), "-o", str(out), point]) == 0
    printed = capsys.readouterr().out
    assert "lesion 1: solid" in printed
    html = out.read_text()
    section = html[html.index("<h2>Lesions</h2>"):]
    m = lesion_at(load(folder), at).measures
    assert f"<td>{m.volume_ml:.2f}</td><td>{m.long_axis_mm:.1f}</td>" in section
    png = re.search(r'src="data:image/png;base64,([^"]+)"', section).group(1)
    (tmp_path / "lesion.png").write_bytes(base64.b64decode(png))
    assert main(["report", str(folder), "-o", str(tmp_path / "r2.html"),
                 "--lesion-at", "1,2"]) == 1
    assert "--lesion-at" in capsys.readouterr().err
