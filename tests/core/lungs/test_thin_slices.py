"""Thin slices (issue 25): the coarse stage samples them to a pitch near COARSE_Z_MM, and the
labels carried back to every slice give the same lungs as a coarse grid of every slice."""
from __future__ import annotations

import numpy as np
import pytest

import ctvis
from ctvis.core.lungs import segment_lungs
from ctvis.core.lungs import watershed as ws
from ctvis.core.phantom import make_phantom


def dice(a, b) -> float:
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def test_the_z_step_follows_the_slice_spacing():
    assert [ws.coarse_z_step(dz) for dz in (5.0, 2.5, 1.25, 1.0, 0.8, 0.625, 0.516, 0.3)] \
        == [1, 1, 1, 1, 2, 2, 2, 4]


def test_between_two_coarse_slices_union_or_agreement():
    a = np.array([[[0, 1, 2]], [[1, 1, 0]], [[2, 2, 2]]], np.uint8)      # 3 coarse slices
    union = ws._along_z(a, 2, 6, union=True)
    agree = ws._along_z(a, 2, 6, union=False)
    assert union.shape == agree.shape == (6, 1, 3)
    for k, c in ((0, 0), (2, 1), (4, 2), (5, 2)):         # on a coarse slice, or past the last
        assert np.array_equal(union[k], a[c]) and np.array_equal(agree[k], a[c])
    assert union[1].tolist() == [[1, 1, 2]] and agree[1].tolist() == [[0, 1, 0]]
    assert union[3].tolist() == [[2, 2, 2]] and agree[3].tolist() == [[0, 0, 0]]
    assert ws._along_z(a, 1, 3, union=True) is a


def _both(volume, monkeypatch):
    """(labels with the z step, slices the coarse stage saw), then the same on every slice."""
    seen = []
    coarse = ws._coarse_lungs

    def spy(vol, *args):
        seen.append((vol.shape[0], vol.spacing[0]))
        return coarse(vol, *args)

    monkeypatch.setattr(ws, "_coarse_lungs", spy)
    sampled = segment_lungs(volume, airway=True)
    monkeypatch.setattr(ws, "COARSE_Z_MM", 1e-3)           # every slice, as before issue 25
    every = segment_lungs(volume, airway=True)
    return sampled, every, seen


def test_thin_phantom_sampled_like_every_slice(monkeypatch):
    ph = make_phantom(shape=(480, 128, 128))               # 0.625 × 2.73 × 2.73 mm
    sampled, every, seen = _both(ph.volume, monkeypatch)
    assert seen[0] == (240, pytest.approx(2 * ph.volume.spacing[0]))
    assert seen[1][0] == 480
    for side in (1, 2):
        assert dice(sampled == side, every == side) > 0.995
        assert dice(sampled == side, ph.lungs == side) > 0.98
    assert dice(sampled == 3, every == 3) > 0.95            # the airway label, painted back


def _thin_copy(volume, slices):
    """``volume`` interpolated linearly along z to ``slices`` slices over the same extent."""
    src = volume.array.astype(np.float32)
    pos = np.linspace(0.0, src.shape[0] - 1, slices)
    lo = np.minimum(np.floor(pos).astype(int), src.shape[0] - 2)
    w = (pos - lo)[:, None, None].astype(np.float32)
    out = np.rint((1 - w) * src[lo] + w * src[lo + 1]).astype(np.int16)
    dz = volume.spacing[0] * (src.shape[0] - 1) / (slices - 1)
    return volume.with_array(out, spacing=(dz,) + tuple(volume.spacing[1:]))


@pytest.mark.slow                   # a 640 × 512² chest segmented twice (about 20 s)
def test_thin_lidc_chest_sampled_like_every_slice(data_dir, monkeypatch):
    lidc = ctvis.load(data_dir / "lidc-0001-full" / "dicom")
    thin = _thin_copy(lidc, 640)                            # 0.52 mm, as in bench_thin
    sampled, every, seen = _both(thin, monkeypatch)
    assert seen[0][0] == 320
    for side in (1, 2):
        assert dice(sampled == side, every == side) > 0.998
