"""``ctvis movie``: slice sweeps and 3D turns as MP4 and GIF, decoded and counted (issue 24,
items 4 and 5); errors are one line; nothing half-written is left behind."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from ctvis.app.movie import (MovieSpec, pad_even, save_movie, sweep_indices, write_movie)
from ctvis.app.pipeline import open_volume
from ctvis.cli import main
from ctvis.core.errors import Cancelled, CtvisError
from ctvis.core.io import write_nifti
from ctvis.core.phantom import make_phantom
from ctvis.model.state import ViewerState
from ctvis.render.pictures import picture_3d, slice_picture
from ctvis.render.slices import slice_geometry


@pytest.fixture(scope="module")
def ct(tmp_path_factory):
    phantom = make_phantom(shape=(30, 72, 71))          # anisotropic; 71 columns: odd
    return write_nifti(phantom.volume, tmp_path_factory.mktemp("ct") / "ct.nii.gz")


def state_of(path) -> ViewerState:
    state = ViewerState()
    state.volume = open_volume(path)
    return state


def pictures(state, view, indices):
    out = []
    for index in indices:
        state.set_slice_index(view, index)
        out.append(slice_picture(state, view).astype(float))
    return out


def gif_frames(path) -> np.ndarray:
    import imageio.v3 as iio

    frames = iio.imread(path, index=None)
    return frames[..., :3].astype(float)


def mp4_frames(path) -> tuple[np.ndarray, dict]:
    import imageio.v2 as imageio_v2

    reader = imageio_v2.get_reader(path, format="FFMPEG")
    try:
        return np.array([f for f in reader], float), reader.get_meta_data()
    finally:
        reader.close()


def test_axial_sweep_gif_has_every_slice_as_its_screenshot(ct, tmp_path, capsys):
    out = tmp_path / "axial.gif"
    assert main(["movie", str(ct), "--sweep", "axial", "-o", str(out), "-q"]) == 0
    assert "30 frames" in capsys.readouterr().out
    frames = gif_frames(out)
    state = state_of(ct)
    count = slice_geometry(state.volume, "axial").count
    shots = pictures(state, "axial", range(count))
    assert len(frames) == count == 30
    assert frames.shape[1:3] == shots[0].shape[:2]
    # Each frame is the screenshot of its slice (GIF: a palette of 256 colours per frame).
    for n in (0, count // 2, count - 1):
        assert np.abs(frames[n] - shots[n]).mean() < 2.0, n
    # Frames differ as the slices do: the brightness of frame n follows that of slice n.
    means, shot_means = frames.mean(axis=(1, 2, 3)), [s.mean() for s in shots]
    assert np.ptp(means) > 5
    assert np.corrcoef(means, shot_means)[0, 1] > 0.99


def test_coronal_sweep_mp4_counts_the_chosen_slices_at_even_size(ct, tmp_path):
    out = tmp_path / "coronal.mp4"
    assert main(["movie", str(ct), "--sweep", "coronal", "--slices", "20:50", "--step", "3",
                 "--fps", "12", "-o", str(out), "-q"]) == 0
    frames, meta = mp4_frames(out)
    indices = range(19, 50, 3)                          # slices 20..50, numbered from 1
    shots = pictures(state_of(ct), "coronal", indices)
    assert len(frames) == len(indices) == 11
    assert meta["fps"] == pytest.approx(12)
    h, w = shots[0].shape[:2]
    assert w % 2 == 1                                   # 71 columns
    assert frames.shape[1:3] == (h + h % 2, w + w % 2)  # padded to even for yuv420p
    # Lossy (yuv420p halves the colour resolution), but each frame is nearest to its own
    # slice's screenshot of all the sweep's slices: in order, none lost or repeated.
    for n, frame in enumerate(frames):
        errors = [np.abs(frame[:h, :w] - shot).mean() for shot in shots]
        assert int(np.argmin(errors)) == n and errors[n] < 8.0, (n, errors)


def test_sweep_leaves_the_state_alone_and_runs_backwards(tmp_path):
    phantom = make_phantom(shape=(12, 40, 40))
    state = ViewerState()
    state.volume = phantom.volume
    before = state.crosshair
    result = save_movie(state, tmp_path / "back.gif",
                        MovieSpec(view="sagittal", first=30, last=20, step=5))
    assert result.frames == 3                           # 30, 25, 20
    assert state.crosshair == before
    frames = gif_frames(tmp_path / "back.gif")
    shots = pictures(state, "sagittal", (30, 25, 20))
    assert all(np.abs(f - s).mean() < 2.0 for f, s in zip(frames, shots))


@pytest.mark.slow
def test_rotate_3d_gives_n_frames_that_turn_without_a_display(ct, tmp_path):
    out = tmp_path / "turn.gif"
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "ctvis.cli", "movie", str(ct), "--rotate", "3d", "--frames",
         "8", "--size", "160", "--vr-preset", "CT-Bone", "-o", str(out)],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    frames = gif_frames(out)
    assert frames.shape[:3] == (8, 160, 160)
    # The first frame is the headless 3D screenshot; half a turn later it looks different.
    state = state_of(ct)
    from dataclasses import replace
    state.view3d = replace(state.view3d, preset="CT-Bone")
    first = picture_3d(state, (160, 160))[..., :3].astype(float)
    assert np.abs(frames[0] - first).mean() < 6.0
    assert np.abs(frames[4] - frames[0]).mean() > 10.0
    assert all(np.abs(frames[n] - frames[n - 1]).mean() > 1.0 for n in range(1, 8))


def test_errors_are_one_line_naming_the_problem(ct, tmp_path, capsys):
    def error(*args):
        assert main(["movie", str(ct), *map(str, args)]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("ctvis: error:") and "\n" not in err
        return err

    assert "must end in .mp4 or .gif" in error("--sweep", "axial", "-o", tmp_path / "a.avi")
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert "is not a folder" in error("--sweep", "axial", "-o", afile / "m.gif")
    assert "outside this view's 1:30" in error("--sweep", "axial", "--slices", "5:99",
                                               "-o", tmp_path / "m.gif")
    assert "FIRST:LAST" in error("--sweep", "axial", "--slices", "5-9", "-o",
                                 tmp_path / "m.gif")
    assert "frame rate" in error("--sweep", "axial", "--fps", "0", "-o", tmp_path / "m.gif")
    assert "2 to 3600" in error("--rotate", "3d", "--frames", "1", "-o", tmp_path / "m.gif")
    assert "no volume-rendering preset" in error("--rotate", "3d", "--vr-preset", "Nope",
                                                 "-o", tmp_path / "m.gif")
    for args, text in ((["--sweep", "oblique"], "invalid choice"),
                       ([], "one of the arguments --sweep --rotate is required")):
        with pytest.raises(SystemExit) as exc:
            main(["movie", str(ct), *args, "-o", str(tmp_path / "m.gif")])
        assert exc.value.code == 2 and text in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]   # nothing written


def test_a_cancelled_movie_leaves_nothing(tmp_path):
    frames = (np.full((20, 30, 3), n * 10, np.uint8) for n in range(10))
    seen = []
    with pytest.raises(Cancelled):
        write_movie(frames, tmp_path / "m.mp4", progress=lambda f, m: seen.append(f),
                    count=10, cancel=lambda: len(seen) >= 3)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(CtvisError, match="no frames"):
        write_movie([], tmp_path / "m.gif")
    assert list(tmp_path.iterdir()) == []


def test_sweep_indices_and_even_padding():
    assert list(sweep_indices(10, None, None)) == list(range(10))
    assert list(sweep_indices(10, 2, 8, 3)) == [2, 5, 8]
    assert list(sweep_indices(10, 8, 2, 3)) == [8, 5, 2]
    with pytest.raises(CtvisError):
        sweep_indices(10, 0, 10)
    assert pad_even(np.ones((5, 7, 3), np.uint8)).shape == (6, 8, 3)
    assert pad_even(np.ones((5, 7, 3), np.uint8))[5].max() == 0


def test_sweep_with_a_slab_and_a_colour_map_films_what_the_screenshot_shows(ct, tmp_path):
    out = tmp_path / "mip.gif"
    assert main(["movie", str(ct), "--sweep", "axial", "--slices", "10:20", "--slab", "20",
                 "--slab-mode", "mip", "--colormap", "hot", "-o", str(out), "-q"]) == 0
    frames = gif_frames(out)
    assert len(frames) == 11
    state = state_of(ct)
    plain = pictures(state, "axial", range(9, 20))
    state.set_view_display("axial", slab_mm=20.0, slab_mode="mip", colormap="hot")
    shots = pictures(state, "axial", range(9, 20))
    for n in (0, 5, 10):
        assert np.abs(frames[n] - shots[n]).mean() < 3.0, n
        assert np.abs(frames[n] - plain[n]).mean() > 10.0, n     # not the grey slice


@pytest.mark.slow             # the day-to-day run leaves it to ./dev test
def test_real_series_sweep_shows_the_rtstruct_tumour_on_its_slices_only(data_dir, tmp_path):
    """The IBSI NSCLC series (60 × 204 × 201, real CT) swept with its RTSTRUCT's GTV as an
    overlay: one frame per slice, and a frame differs from the plain sweep exactly on the
    slices the tumour crosses."""
    from ctvis.app.open_segments import mask_labelmap

    image = data_dir / "ibsi-nsclc" / "dicom" / "image"
    rs = data_dir / "ibsi-nsclc" / "dicom" / "mask" / "DCM_RS_00060.dcm"
    plain, gtv = tmp_path / "plain.gif", tmp_path / "gtv.gif"
    assert main(["movie", str(image), "--sweep", "axial", "-o", str(plain), "-q"]) == 0
    assert main(["movie", str(image), "--sweep", "axial", "--mask", str(rs), "--segment",
                 "GTV-1", "-o", str(gtv), "-q"]) == 0
    without, with_gtv = gif_frames(plain), gif_frames(gtv)
    volume = open_volume(image)
    labels = mask_labelmap(volume, rs, "GTV-1")[0].array
    assert len(without) == len(with_gtv) == volume.shape[0] == 60
    crossed = labels.reshape(60, -1).any(axis=1)
    assert 10 < crossed.sum() < 60
    changed = (np.abs(with_gtv - without).max(axis=3) > 30).sum(axis=(1, 2))
    assert np.array_equal(changed > 20, crossed), (changed, crossed)
