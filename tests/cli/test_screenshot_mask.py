"""``--mask FILE --segment NAME`` of ``ctvis screenshot`` and ``ctvis report``: a label map
(here the IBSI NSCLC RTSTRUCT's GTV-1) shown over the slices, listed in the report."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ctvis.cli import main

IBSI = "ibsi-nsclc"
pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def ibsi(data_dir):
    """(image folder, RTSTRUCT, NIfTI mask, crosshair in the GTV as X,Y,Z text)."""
    from ctvis.core.io import load, read_mask

    root = data_dir / IBSI
    image, rs = root / "dicom" / "image", root / "dicom" / "mask" / "DCM_RS_00060.dcm"
    nifti = root / "nifti" / "mask" / "mask.nii.gz"
    ct = load(image)
    inside = np.argwhere(read_mask(nifti, like=ct).array > 0)
    centre = ct.index_to_patient(inside.mean(axis=0).round())
    return image, rs, nifti, ",".join(f"{v:.2f}" for v in centre)


def shot(tmp_path, name, *args):
    out = tmp_path / f"{name}.png"
    assert main(["screenshot", *map(str, args), "--no-annotations", "-o", str(out)]) == 0
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


def changed(a, b):
    return np.abs(a - b).sum(axis=2) > 30


def test_screenshot_shows_the_gtv_of_the_rtstruct_where_the_nifti_mask_is(ibsi, tmp_path):
    image, rs, nifti, position = ibsi
    plain = shot(tmp_path, "plain", image, f"--position={position}")
    gtv = shot(tmp_path, "gtv", image, f"--position={position}", "--mask", rs,
               "--segment", "GTV-1")
    reference = shot(tmp_path, "nifti", image, f"--position={position}", "--mask", nifti)
    coloured, expected = changed(gtv, plain), changed(reference, plain)
    assert expected.sum() > 500                      # the GTV crosses the shown slice
    overlap = (coloured & expected).sum() / (coloured | expected).sum()
    assert overlap > 0.9, overlap                    # coloured where the GTV is, not elsewhere
    assert gtv[coloured].std(axis=1).mean() > 5      # tinted, not grey


def test_screenshot_segment_by_name_ignoring_case_or_by_value(ibsi, tmp_path):
    image, rs, _, position = ibsi
    by_name = shot(tmp_path, "name", image, f"--position={position}", "--mask", rs,
                   "--segment", "gtv-1")
    by_value = shot(tmp_path, "value", image, f"--position={position}", "--mask", rs,
                    "--segment", "1")
    assert np.array_equal(by_name, by_value)


def test_unknown_segment_is_one_error_line_naming_the_segments(ibsi, tmp_path):
    image, rs, _, _ = ibsi
    for command, out in (("screenshot", "x.png"), ("report", "x.html")):
        result = subprocess.run(
            [sys.executable, "-m", "ctvis.cli", command, str(image), "--mask", str(rs),
             "--segment", "nodule", "-o", str(tmp_path / out)],
            capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "'nodule'" in lines[0] and "GTV-1 (1)" in lines[0], lines
        assert not (tmp_path / out).exists()


def test_segment_without_mask_is_refused(ibsi, tmp_path, capsys):
    image = ibsi[0]
    assert main(["screenshot", str(image), "--segment", "GTV-1",
                 "-o", str(tmp_path / "x.png")]) == 1
    assert "--mask" in capsys.readouterr().err


@pytest.mark.slow             # the day-to-day run leaves it to ./dev test
def test_report_lists_and_draws_the_gtv_without_importing_qt(ibsi, tmp_path):
    image, rs, _, _ = ibsi
    html = tmp_path / "r.html"
    code = ("import sys; from ctvis.cli import main; "
            f"rc = main(['report', {str(image)!r}, '--mask', {str(rs)!r}, '--segment', "
            f"'GTV-1', '-o', {str(html)!r}, '--quiet']); "
            "assert not [m for m in sys.modules if m.startswith(('PyQt5', 'qtpy'))]; "
            "sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    text = html.read_text()
    row = re.search(r"<tr><th>DCM_RS_00060</th><td>GTV-1</td><td>1</td><td>([\d.]+)</td>",
                    text)
    assert row and abs(float(row.group(1)) - 359) < 4, row
    without = tmp_path / "plain.html"
    assert main(["report", str(image), "-o", str(without), "--quiet"]) == 0
    pictures = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    plain = re.findall(r'src="data:image/png;base64,([^"]+)"', without.read_text())
    assert "GTV-1" not in without.read_text()
    assert len(pictures) == len(plain) and pictures != plain      # the GTV is drawn
