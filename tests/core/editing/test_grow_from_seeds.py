"""Grow from seeds: a marker watershed on the gradient decides the box between seeds."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.grow_from_seeds import grow_from_seeds, seed_box


def dice(a, b) -> float:
    return 2 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def phantom(spacing, radius_mm=12.0):
    """A ball of 40 HU in -800 HU (an edge between them), some noise; the truth."""
    shape = tuple(int(2 * (radius_mm + 8) / s) for s in spacing)
    z, y, x = np.indices(shape).astype(float)
    c = [(n - 1) / 2 for n in shape]
    d = np.sqrt(((z - c[0]) * spacing[0]) ** 2 + ((y - c[1]) * spacing[1]) ** 2
                + ((x - c[2]) * spacing[2]) ** 2)
    truth = d <= radius_mm
    rng = np.random.default_rng(0)
    hu = np.where(truth, 40.0, -800.0) + rng.normal(0, 20, shape)
    return hu.astype(np.float32), truth


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (3.0, 0.8, 0.8)])
def test_two_seeds_decide_each_region(spacing):
    hu, truth = phantom(spacing)
    seeds = np.zeros(hu.shape, np.uint8)
    zc, yc, xc = (n // 2 for n in hu.shape)
    seeds[zc, yc - 2:yc + 2, xc - 4:xc + 4] = 1   # a stroke inside the ball
    seeds[zc, 1:3, 2:-2] = 2                      # strokes outside, near the scan's edges
    seeds[1, -3:-1, 2:-2] = 2
    grown = grow_from_seeds(seeds, hu, spacing, margin_mm=200.0)
    assert grown is not None
    out = np.zeros_like(seeds)
    out[grown.region] = grown.labels
    assert not (out == 0).any()                   # every voxel decided (box = the scan)
    assert dice(out == 1, truth) >= 0.95
    assert dice(out == 2, ~truth) >= 0.95
    assert (out[seeds > 0] == seeds[seeds > 0]).all()     # seeds kept


def test_box_margin_in_mm_and_anisotropic():
    seeds = np.zeros((30, 40, 40), np.uint8)
    seeds[15, 20, 20] = 1
    box = seed_box(seeds, (3.0, 1.0, 0.5), margin_mm=6.0)
    assert box == (slice(13, 18), slice(14, 27), slice(8, 33))


def test_one_segment_only_or_none():
    hu = np.zeros((5, 5, 5), np.float32)
    seeds = np.zeros((5, 5, 5), np.uint8)
    assert grow_from_seeds(seeds, hu, (1, 1, 1)) is None
    seeds[2, 2, 2] = 1
    assert grow_from_seeds(seeds, hu, (1, 1, 1)) is None


def test_mask_restricts():
    hu, truth = phantom((1.0, 1.0, 1.0))
    seeds = np.zeros(hu.shape, np.uint8)
    seeds[20, 18:22, 16:24] = 1
    seeds[20, 1:3, 2:38] = 2
    mask = np.zeros(hu.shape, bool)
    mask[:, :, :20] = True                        # only the left half is editable
    grown = grow_from_seeds(seeds, hu, (1, 1, 1), margin_mm=200.0, mask=mask)
    out = np.zeros_like(seeds)
    out[grown.region] = grown.labels
    assert (out[:, :, 20:][seeds[:, :, 20:] == 0] == 0).all()
    assert dice(out[:, :, :20] == 1, truth[:, :, :20]) >= 0.95
