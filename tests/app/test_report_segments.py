"""Reports list every segment of every label map with its volume."""
from __future__ import annotations

import re

import numpy as np

from ctvis.app.report import PICTURES, report_html, segment_rows
from ctvis.app.results import measure
from ctvis.core.phantom import make_phantom
from ctvis.model.labelmap import LabelMap, Segment, lung_segments
from ctvis.model.state import ViewerState


def test_the_report_lists_every_segment_with_its_volume():
    phantom = make_phantom(shape=(24, 48, 48))
    volume = phantom.volume
    state = ViewerState()
    state.volume = volume
    lungs = phantom.lungs.astype(np.uint8)
    state.set_overlay("lungs", labels=LabelMap(lungs, lung_segments("watershed"), "lungs"))
    lesion = np.zeros(volume.shape, np.uint16)
    lesion[10:13, 20:24, 14:18] = 300
    state.set_overlay("lesions", labels=LabelMap(lesion, (Segment("lesion", 300, (255, 0, 0)),),
                                                 "lesions"))
    rows = segment_rows(state)
    ml = volume.voxel_volume_mm3 / 1000
    assert [(r["map"], r["name"], r["voxels"]) for r in rows] == [
        ("lungs", "right", int((lungs == 1).sum())), ("lungs", "left", int((lungs == 2).sum())),
        ("lungs", "airway", 0), ("lesions", "lesion", 48)]
    pictures = {key: b"png" for key in PICTURES}
    html = report_html(volume, measure(volume, lungs), pictures, {}, segments=rows)
    table = html.split("<h2>Segments</h2>")[1].split("</table>")[0]
    cells = re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td><td>(\d+)</td><td>([\d.]+)</td>"
                       r"<td>(\d+)</td></tr>", table)
    assert cells[-1] == ("lesions", "lesion", "300", f"{48 * ml:.1f}", "48")
    assert [c[1] for c in cells] == ["right", "left", "airway", "lesion"]
