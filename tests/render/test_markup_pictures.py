"""Markups in headless pictures (issue 24, item 1): slice pictures, layouts and the
screenshot command from a session draw each markup the slice shows, with its label."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PIL import Image

from ctvis.app.session import open_session, save_session
from ctvis.core.io import write_nifti
from ctvis.model import markups as mk
from ctvis.model.state import Source, ViewerState
from ctvis.render.markup_pictures import COLOR, _placement
from ctvis.render.pictures import slice_picture, state_picture
from tests.helpers.markup_phantoms import ball_centre_index, disc_centre_index, oblique
from tests.helpers.pictures import picture_path


def yellow(rgb) -> np.ndarray:
    rgb = np.asarray(rgb, int)
    return (np.abs(rgb[..., :3] - COLOR).sum(axis=2) < 60)


def state_with_markups():
    state = ViewerState()
    state.volume = oblique(20)
    vol = state.volume
    k, j, i = disc_centre_index(vol)
    a, b = vol.index_to_patient((5, j, i - 10)), vol.index_to_patient((5, j, i + 10))
    c = ball_centre_index(vol)
    state.markups = (mk.Markup("line", (tuple(a), tuple(b)), "ruler", axis=0),
                     mk.Markup("sphere", (tuple(vol.index_to_patient(c)),
                                          tuple(vol.index_to_patient(c + (0, 0, 8)))), "ball"))
    state.set_slice_index("axial", 5)
    return state


def pixel_of(state, view, picture, kji):
    g, left, top, sx, sy, _ = _placement(state, view, picture.shape)
    _, row, col = g.index_to_pixel(np.asarray(kji, float))
    return int(round(top + (row + 0.5) * sy)), int(round(left + (col + 0.5) * sx))


def test_a_slice_picture_draws_the_line_on_its_slice_only(tmp_path):
    state = state_with_markups()
    vol = state.volume
    k, j, i = disc_centre_index(vol)
    with_line = slice_picture(state, "axial", scale=2)
    Image.fromarray(with_line).save(picture_path("markups_picture.png"))
    r, c = pixel_of(state, "axial", with_line, (5, j, i))
    assert yellow(with_line[r - 2:r + 3, c - 2:c + 3]).any()
    plain = ViewerState()
    plain.volume = vol
    plain.crosshair = state.crosshair
    without = slice_picture(plain, "axial", scale=2)
    assert yellow(with_line).sum() > yellow(without).sum() + 50
    state.set_slice_index("axial", 6)              # the line is on slice 5 only
    assert yellow(slice_picture(state, "axial", scale=2)[r - 2:r + 3, c - 2:c + 3]).sum() == 0


def test_the_sphere_is_a_circle_in_every_view_through_it_and_in_layouts(tmp_path):
    state = state_with_markups()
    c = ball_centre_index(state.volume)
    state.crosshair = tuple(state.volume.index_to_patient(c))
    state.layout = "one-by-three"
    picture = state_picture(state, "layout")
    Image.fromarray(picture).save(picture_path("markups_layout.png"))
    for view in ("axial", "coronal", "sagittal"):
        p = slice_picture(state, view, scale=2)
        r, col = pixel_of(state, view, p, c)
        assert not yellow(p[r - 2:r + 3, col - 2:col + 3]).any()       # inside: not drawn
        assert yellow(p).sum() > 50, view


def test_screenshot_from_a_session_draws_its_markups(tmp_path):
    state = state_with_markups()
    path = write_nifti(state.volume, tmp_path / "ct.nii.gz")
    state.source = Source(str(path))
    session = save_session(state, tmp_path / "s.json")
    again = open_session(session)
    assert [m.name for m in again.markups] == ["ruler", "ball"]
    assert again.markups[0].points == state.markups[0].points
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    out = tmp_path / "axial.png"
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "screenshot", "--session",
                             str(session), "--view", "axial", "-o", str(out)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert yellow(np.asarray(Image.open(out).convert("RGB"))).sum() > 50


def test_screenshot_draws_a_markups_file_at_its_slice(tmp_path):
    from ctvis.model.markup_files import write_mrk_json

    state = state_with_markups()
    path = write_nifti(state.volume, tmp_path / "ct.nii.gz")
    write_mrk_json(state.markups[:1], tmp_path / "m.mrk.json")
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    out = tmp_path / "axial.png"
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "screenshot", str(path),
                             "--markups", str(tmp_path / "m.mrk.json"), "--view", "axial",
                             "-o", str(out)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    picture = np.asarray(Image.open(out).convert("RGB"))
    assert yellow(picture).sum() > 50                     # at the line's slice, drawn
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "screenshot", str(path),
                             "--markups", str(tmp_path / "absent.mrk.json"), "-o", str(out)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1 and "absent.mrk.json: no such file" in result.stderr
    assert "Traceback" not in result.stderr
