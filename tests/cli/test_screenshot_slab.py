"""ctvis screenshot --slab/--slab-mode/--colormap/--colorbar: headless slabs and colour maps."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ctvis.core.image.colormaps import colormap_table
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom


@pytest.fixture(scope="module")
def ct(tmp_path_factory):
    phantom = make_phantom(shape=(48, 112, 112), noise_hu=0.0)
    return write_nifti(phantom.volume, tmp_path_factory.mktemp("ct") / "ct.nii.gz"), phantom


def headless(*args):
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "ctvis.cli", "screenshot", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def picture(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def test_slab_modes_and_colormap(ct, tmp_path):
    path, _ = ct
    shots = {}
    for name, extra in (("single", []), ("mip", ["--slab", "20"]),
                        ("minip", ["--slab", "20", "--slab-mode", "minip"]),
                        ("hot", ["--colormap", "hot"])):
        out = tmp_path / f"{name}.png"
        result = headless(path, "--view", "axial", "--preset", "Lung", "-o", out,
                          "--no-annotations", *extra)
        assert result.returncode == 0, result.stderr
        shots[name] = picture(out)
    single, mip, minip = shots["single"], shots["mip"], shots["minip"]
    assert (mip >= single - 1).all() and (single >= minip - 1).all()   # (resampling: ±1)
    assert (mip - single).mean() > 1 and (single - minip).mean() > 1
    # hot: every pixel is a colour of the table (grey 0 → 11,0,0 ...), not grey
    hot = shots["hot"]
    assert (np.ptp(hot, axis=2) > 30).mean() > 0.3
    table = colormap_table("hot").astype(int)
    some = hot.reshape(-1, 3)[::97]
    dist = np.abs(some[:, None, :] - table[None]).sum(axis=2).min(axis=1)
    assert np.median(dist) <= 3


def test_annotations_name_the_slab_and_show_the_bar(ct, tmp_path):
    path, _ = ct
    plain, barred = tmp_path / "plain.png", tmp_path / "bar.png"
    assert headless(path, "-o", plain, "--slab", "10", "--slab-mode", "mean").returncode == 0
    assert headless(path, "-o", barred, "--colormap", "viridis").returncode == 0
    a, b = picture(plain), picture(barred)
    h, w = b.shape[:2]
    rows = slice(int(h * 0.12) + 2, int(h * 0.12) + int(h * 0.3) - 2)
    col = w - max(10, min(w, h) // 28) // 2 - 2
    column = b[rows, col]
    viridis = colormap_table("viridis").astype(int)
    # the bar's column runs through viridis from yellow (top) to purple (bottom)
    assert np.abs(column[0] - viridis[-1]).sum() < 80 and np.abs(column[-1] - viridis[0]).sum() < 80
    assert np.ptp(a[rows, col], axis=1).max() < 30         # grey: no bar unless asked


@pytest.mark.parametrize("args, message", [
    (["--slab", "-5"], "--slab -5: give a thickness from 0 to"),
    (["--slab-mode", "minip"], "--slab-mode needs --slab"),
    (["--slab", "thick"], "invalid float value"),
    (["--colormap", "jet"], "invalid choice: 'jet'"),
    (["--slab", "5", "--slab-mode", "max"], "invalid choice: 'max'")])
def test_bad_values_are_one_clear_line(ct, tmp_path, args, message):
    path, _ = ct
    result = headless(path, "-o", tmp_path / "x.png", *args)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()
