"""A one-click lesion joins sessions, exports and reports like any segment (issue 22, items
2 and 5): its label map and table reopen from a session with the same measurements, it is
exported as a label map the next tool reads back, and the report lists it with a picture at
the slice of its longest diameter, its long (yellow) and short (cyan) axis drawn."""
from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest

from ctvis.app.lesion import LESIONS_MAP, ORIGIN, lesion_at, lesions_labelmap
from ctvis.app.report import lesion_items, lesions_section
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom
from ctvis.model.state import LUNGS, Source, ViewerState
from ctvis.render.lesion_picture import LONG_AXIS_RGB, SHORT_AXIS_RGB, lesion_picture
from tests.helpers.lesion_phantoms import lesion_cases


@pytest.fixture(scope="module")
def solid():
    name, volume, truth, click = lesion_cases()[1]
    assert name == "solid"
    return volume, truth, volume.index_to_patient(np.asarray(click, float))


@pytest.fixture(scope="module")
def state(solid, tmp_path_factory):
    """The window's state after two clicks in the lesion (tests only read it)."""
    volume, _, at = solid
    state = ViewerState()
    state.volume = volume
    state.source = Source(str(write_nifti(volume, tmp_path_factory.mktemp("ct") /
                                          "ct.nii.gz")))
    state.set_overlay(LUNGS, labels=make_phantom().lungs.astype(np.uint8))
    state.set_overlay(LESIONS_MAP, labels=lesions_labelmap(volume, [at, at]))
    return state


def _colour_pixels(rgb, colour) -> int:
    return int(np.all(np.abs(rgb[..., :3].astype(int) - colour) <= 10, axis=-1).sum())


def test_the_map_holds_the_clicked_lesion_once(state, solid):
    volume, _, at = solid
    labelmap = state.overlays[LESIONS_MAP].labelmap
    (row,) = labelmap.segments                       # the second click was inside it
    assert row.name == "lesion 1" and row.origin == ORIGIN
    assert np.array_equal(labelmap.array == row.value, lesion_at(volume, at).mask(
        volume.shape))


def test_a_session_reopens_the_lesion_with_the_same_measurements(state, tmp_path):
    from ctvis.app.session import open_session, save_session

    before = lesion_items(state)
    save_session(state, tmp_path / "s.ctvis.json")
    again = open_session(tmp_path / "s.ctvis.json")
    labelmap = again.overlays[LESIONS_MAP].labelmap
    assert labelmap.segments == state.overlays[LESIONS_MAP].labelmap.segments
    assert np.array_equal(labelmap.array, state.overlays[LESIONS_MAP].labels)
    after = lesion_items(again)
    assert [i["measures"] for i in after] == [i["measures"] for i in before]


def test_an_export_of_the_lesions_reads_back_with_its_name(state, tmp_path):
    from ctvis.app.export_segments import SegmentExport, export_segments
    from ctvis.core.io.dispatch import read_mask

    labelmap = state.overlays[LESIONS_MAP].labelmap
    written = export_segments(state.volume, labelmap, SegmentExport(
        tmp_path, "lesions", mask_format="nifti", mesh_format=".stl"))
    mask = read_mask(next(p for p in written if p.name.endswith(".nii.gz")),
                     like=state.volume)
    assert np.array_equal(mask.array, labelmap.array)
    # (NIfTI's colour table writes names without spaces, as 3D Slicer's does)
    assert mask.meta["segments"][0]["name"].replace("_", " ") == "lesion 1"
    assert any(p.name.endswith(".stl") for p in written)
    assert "lesion 1" in next(p for p in written if p.suffix == ".csv").read_text()


def test_the_report_section_lists_it_with_its_axes_drawn(state):
    (item,) = lesion_items(state)
    m = item["measures"]
    assert item["name"] == "lesion 1" and m.type == "solid"
    html = lesions_section([item])
    assert "<h2>Lesions</h2>" in html and "lesion 1" in html
    assert f"{m.volume_ml:.2f}" in html and f"{m.long_axis_mm:.1f}" in html
    from PIL import Image

    png = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB"))
    assert min(rgb.shape[:2]) >= 200
    # Both axes are drawn, the long one longer (in pixels of its colour).
    assert _colour_pixels(rgb, LONG_AXIS_RGB) > _colour_pixels(rgb, SHORT_AXIS_RGB) > 20


def test_the_picture_is_the_slice_of_the_longest_diameter_with_the_outline(solid):
    volume, truth, at = solid
    result = lesion_at(volume, at)
    m, mask = result.measures, result.mask(volume.shape)
    outline = (230, 200, 40)
    rgb = lesion_picture(volume, mask, m, (-600, 1500), outline)
    drawn = _colour_pixels(rgb, outline)
    assert drawn > 20
    # Another slice (above the lesion) has no outline: the picture is of ``axial_slice``
    # (a few pixels of the caption's antialiased text may come near the colour).
    from dataclasses import replace

    k = int(np.flatnonzero(mask.any(axis=(1, 2))).max()) + 2
    other = lesion_picture(volume, mask, replace(m, axial_slice=k), (-600, 1500), outline)
    assert _colour_pixels(other, outline) < drawn / 10
