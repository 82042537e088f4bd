"""Progress (fraction + cancel) and atomic_path (outputs appear whole or not at all)."""
from __future__ import annotations

import os

import pytest

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import Cancelled
from ctvis.core.progress import Progress


def test_progress_maps_sub_steps_onto_one_rising_bar():
    seen = []
    tick = Progress(lambda f, m: seen.append((round(f, 3), m)))
    tick.sub(0.0, 0.5)(0.5, "half of the first half")
    tick.sub(0.5, 1.0).sub(0.5, 1.0)(0.0, "three quarters")
    tick(2.0, "clamped")
    assert seen == [(0.25, "half of the first half"), (0.75, "three quarters"),
                    (1.0, "clamped")]


def test_progress_raises_cancelled_when_asked():
    stop = []
    tick = Progress(None, lambda: bool(stop)).sub(0.2, 0.4)
    tick(0.1)                                   # fine
    stop.append(True)
    with pytest.raises(Cancelled):
        tick(0.2)
    with pytest.raises(Cancelled):
        tick.check()


def test_atomic_path_moves_into_place_on_success(tmp_path):
    target = tmp_path / "out" / "mask.nii.gz"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.endswith(".nii.gz")
        assert not target.exists()
        tmp.write_text("data")
    assert target.read_text() == "data"
    assert os.listdir(target.parent) == ["mask.nii.gz"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old"              # the previous file is kept
    assert os.listdir(tmp_path) == ["report.html"]
