"""``ctvis screenshot``: headless pictures of a state (no X server), sessions, options."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ctvis.app.session import open_session, save_session
from ctvis.model.state import Source, ViewerState
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom
from ctvis.render.pictures import state_picture


@pytest.fixture(scope="module")
def ct(tmp_path_factory):
    phantom = make_phantom(shape=(48, 112, 112))
    return write_nifti(phantom.volume, tmp_path_factory.mktemp("ct") / "ct.nii.gz"), phantom


def headless(*args):
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "screenshot", *map(str, args)],
                            capture_output=True, text=True, env=env, timeout=300)
    return result


def picture(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


@pytest.mark.slow
def test_every_view_renders_without_a_display(ct, tmp_path):
    path, phantom = ct
    for view in ("3d", "layout"):                    # the layout holds every slice view
        out = tmp_path / f"{view}.png"
        result = headless(path, "--view", view, "-o", out, "--overlay", "bone")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""                   # no VTK warning about the display
        assert picture(out).std() > 10, view         # something is drawn
    state = ViewerState()
    state.volume = phantom.volume
    for view in ("axial", "coronal", "sagittal"):
        assert state_picture(state, view).std() > 10, view


def test_scale_renders_bigger_and_position_picks_the_slice(ct, tmp_path):
    path, phantom = ct
    assert headless(path, "-o", tmp_path / "one.png", "--no-annotations").returncode == 0
    assert headless(path, "-o", tmp_path / "two.png", "--scale", "2",
                    "--no-annotations").returncode == 0
    one, two = picture(tmp_path / "one.png"), picture(tmp_path / "two.png")
    assert two.shape[0] == 2 * one.shape[0] and two.shape[1] == 2 * one.shape[1]
    top = phantom.volume.index_to_patient([2, 56, 56])
    position = ",".join(f"{v:.2f}" for v in top)
    assert headless(path, "-o", tmp_path / "top.png", "--no-annotations",
                    "--position", position).returncode == 0
    assert np.abs(picture(tmp_path / "top.png") - one).mean() > 5   # another slice


def test_lung_overlay_colours_the_lungs(ct, tmp_path):
    path, _ = ct
    plain, lungs = tmp_path / "plain.png", tmp_path / "lungs.png"
    assert headless(path, "-o", plain, "--no-annotations").returncode == 0
    assert headless(path, "-o", lungs, "--no-annotations", "--overlay", "lungs").returncode == 0
    a, b = picture(plain), picture(lungs)
    coloured = np.ptp(b, axis=2) > 30
    assert coloured.mean() > 0.1 and (np.ptp(a, axis=2) > 30).mean() < 0.01


def test_bad_options_get_one_line(ct, tmp_path):
    path, _ = ct
    for args, message in ((["--position", "1,2"], "three numbers"),
                          (["--preset", "nope"], "no window preset"),
                          (["--vr-preset", "nope"], "no volume-rendering preset")):
        result = headless(path, "-o", tmp_path / "x.png", *args)
        assert result.returncode == 1 and message in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_a_session_round_trip_gives_the_same_picture(ct, tmp_path):
    path, phantom = ct
    state = ViewerState()
    state.volume = phantom.volume
    state.source = Source(str(path))
    state.apply_preset("Mediastinum")
    state.set_slice_index("coronal", 40)
    state.layout = "one-by-three"
    before = state_picture(state, "layout", annotations=True)
    session = save_session(state, tmp_path / "s.json")
    again = open_session(session)
    np.testing.assert_array_equal(state_picture(again, "layout", annotations=True), before)
    out = tmp_path / "from_session.png"
    result = headless("--session", session, "--view", "layout", "-o", out)
    assert result.returncode == 0, result.stderr
    assert np.abs(picture(out) - before.astype(int)).mean() < 1.0
