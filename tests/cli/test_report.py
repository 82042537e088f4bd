"""``ctvis report``: a self-contained HTML with every section and decodable pictures, the PDF
of the same HTML with pages that are not blank, and no identifiers unless asked."""
from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from ctvis.core.io import write_dicom_series
from ctvis.core.phantom import make_phantom

# A whole report with its PDF (about 15 s); the window's report and the report sections'
# tests stay in the day-to-day run.
pytestmark = pytest.mark.slow

PATIENT_ID = "ZZSECRET4711"
STUDY_UID = "1.2.826.0.1.3680043.99.4711"
SERIES_UID = "1.2.826.0.1.3680043.99.4712"


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    volume = make_phantom(shape=(48, 128, 128)).volume
    volume.meta.update(patient_id=PATIENT_ID, patient_name="Doe^Secret")
    write_dicom_series(volume, folder / "dicom", series_uid=SERIES_UID, study_uid=STUDY_UID,
                       description="Chest phantom")
    return folder / "dicom"


def run_report(series, out, *extra):
    env = dict(os.environ)
    env.pop("DISPLAY", None)                      # headless: no X server at all
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "report", str(series),
                             "-o", str(out / "report.html"), "--pdf", str(out / "report.pdf"),
                             *extra], capture_output=True, text=True, env=env, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "WARN" not in result.stderr
    return result


@pytest.fixture(scope="module")
def report(series, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    run_report(series, out, "--quiet")
    return out


def pdf_text_and_pages(path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pages = [np.asarray(pdf[i].render(scale=0.5).to_pil().convert("L")) for i in range(len(pdf))]
    return text, pages


def test_html_has_every_section_and_its_pictures_decode(report):
    from PIL import Image

    html = (report / "report.html").read_text()
    for section in ("Series", "Views", "Lung metrics", "Segments", "Lung HU histogram", "Method",
                    "Right lung", "Left lung", "Both lungs", "LAA%−950", "PD15",
                    "Mean lung density", "ctvis 0.1.0", "<svg"):
        assert section in html, section
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 5                       # three slice views, 3D lungs, 3D bone
    for data in images:
        picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
        assert picture.shape[0] > 100 and picture.std() > 10       # not blank
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained


def test_pdf_pages_are_not_blank_and_say_the_same(report):
    text, pages = pdf_text_and_pages(report / "report.pdf")
    assert len(pages) >= 1
    assert any(page.std() > 20 for page in pages)
    assert "Lung metrics" in text and "Both lungs" in text


@pytest.mark.slow
def test_no_identifiers_unless_asked(report, series, tmp_path):
    for identifier in (PATIENT_ID, STUDY_UID, SERIES_UID, "Secret", str(series)):
        assert identifier.encode() not in (report / "report.html").read_bytes()
        assert identifier not in pdf_text_and_pages(report / "report.pdf")[0]
    run_report(series, tmp_path, "--with-identifiers", "--quiet")
    assert PATIENT_ID in (tmp_path / "report.html").read_text()


def test_bad_outputs_are_refused_before_any_work(series, tmp_path):
    from ctvis.cli import main

    assert main(["report", str(series), "-o", str(tmp_path / "r.txt")]) == 1
    assert main(["report", str(series), "-o", str(tmp_path / "r.html"),
                 "--pdf", str(tmp_path / "r.png")]) == 1
    assert not list(tmp_path.iterdir())
