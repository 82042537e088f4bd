"""Markups in reports (issue 24, item 1): a Markups section lists each markup with its
figures and shows each slice holding markups with them drawn; ``ctvis report --markups``
reads a 3D Slicer file (RAS) for it."""
from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
from PIL import Image

from ctvis.app.report import PICTURES, report_html
from ctvis.app.report_markups import markup_items, markups_section
from ctvis.app.results import measure
from ctvis.core.phantom import make_phantom
from ctvis.model import markups as mk
from ctvis.model.state import ViewerState
from ctvis.render.markup_pictures import COLOR


def yellow(rgb) -> int:
    return int((np.abs(np.asarray(rgb, int)[..., :3] - COLOR).sum(axis=2) < 60).sum())


def test_the_section_lists_figures_and_draws_each_slice_once():
    phantom = make_phantom(shape=(24, 64, 64))
    state = ViewerState()
    state.volume = vol = phantom.volume
    p = lambda kji: tuple(vol.index_to_patient(np.asarray(kji, float)))
    state.markups = (mk.Markup("line", (p((10, 20, 10)), p((10, 20, 40))), "ruler", 0),
                     mk.Markup("ellipse", (p((10, 40, 30)), p((10, 44, 36))), "roi", 0),
                     mk.Markup("point", (p((5, 30, 30)),), "spot"))
    before = state.crosshair
    items = markup_items(state)
    assert state.crosshair == before
    assert [(i["view"], i["slice"]) for i in items] == [("axial", 10), ("axial", 5)]
    assert [n for n, _, _ in items[0]["markups"]] == ["ruler", "roi"]
    for item in items:
        assert yellow(Image.open(io.BytesIO(item["png"])).convert("RGB")) > 20
    length = mk.measure(state.markups[0], vol)["length_mm"]
    html = report_html(vol, measure(vol, phantom.lungs.astype(np.uint8)),
                       {k: b"png" for k in PICTURES}, {}, markups=items)
    section = html.split("<h2>Markups</h2>")[1]
    assert f"<tr><th>ruler</th><td>Line</td><td>{length:.1f} mm</td></tr>" in section
    assert "Axial slice 11: ruler, roi" in section and "Axial slice 6: spot" in section
    assert markups_section([]) == ""


def test_ctvis_report_with_a_slicer_markups_file(tmp_path, capsys):
    from ctvis.cli import main
    from ctvis.core.io import write_nifti

    phantom = make_phantom(shape=(32, 96, 96))
    vol = phantom.volume
    ct = write_nifti(vol, tmp_path / "ct.nii.gz")
    a, b = vol.index_to_patient((16.0, 30, 20)), vol.index_to_patient((16.0, 30, 60))
    ras = lambda lps: [-lps[0], -lps[1], lps[2]]
    (tmp_path / "m.mrk.json").write_text(json.dumps({"markups": [
        {"type": "Line", "coordinateSystem": "RAS", "name": "across",
         "controlPoints": [{"position": ras(a)}, {"position": ras(b)}]},
        {"type": "Plane", "coordinateSystem": "RAS", "controlPoints": []}]}))
    out = tmp_path / "r.html"
    assert main(["report", str(ct), "-o", str(out), "--markups", str(tmp_path / "m.mrk.json"),
                 "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "ctvis: warning: " in err and "m.mrk.json: markup 2: type 'Plane'" in err
    html = out.read_text()
    section = html.split("<h2>Markups</h2>")[1]
    assert f"<th>across</th><td>Line</td><td>{np.linalg.norm(b - a):.1f} mm</td>" in section
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', section)[1])
    assert yellow(Image.open(io.BytesIO(png)).convert("RGB")) > 20
