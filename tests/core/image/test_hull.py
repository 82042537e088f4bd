"""The numpy convex hull mask is skimage's convex_hull_image, pixel for pixel."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.hull import convex_hull_mask, hull_polygon


def masks():
    yy, xx = np.mgrid[:256, :256]
    yield (yy - 128) ** 2 + (xx - 128) ** 2 < 120 ** 2            # a field of view
    yield (yy - 128) ** 2 + (xx - 140) ** 2 < 150 ** 2            # ... cut by the edges
    one = np.zeros((20, 30), bool)
    one[10, 20] = True
    yield one
    two = np.zeros((40, 40), bool)
    two[5, 5] = two[30, 35] = True
    yield two
    line = np.zeros((40, 40), bool)
    line[5:20, 7] = True
    yield line
    yield line.T.copy()
    rng = np.random.default_rng(7)
    for _ in range(300):
        h, w = rng.integers(1, 80, 2)
        yield rng.random((h, w)) < rng.choice([0.002, 0.01, 0.05, 0.3])


def test_the_same_pixels_as_skimage():
    convex_hull_image = pytest.importorskip("skimage.morphology").convex_hull_image
    for mask in masks():
        if mask.any():
            assert np.array_equal(convex_hull_mask(mask), convex_hull_image(mask)), mask.shape
    assert not convex_hull_mask(np.zeros((5, 5), bool)).any()


def test_hull_polygon_of_a_square_and_its_inside():
    pts = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1], [1, 0]], float)
    assert {tuple(p) for p in hull_polygon(pts)} == {(0, 0), (2, 0), (2, 2), (0, 2)}
