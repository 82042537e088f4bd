"""The numpy convex hull mask is skimage's convex_hull_image, pixel for pixel; the parts of
a mask on its border are those scipy.ndimage.label finds there."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.hull import border_parts, convex_hull_mask, hull_polygon


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


def test_border_parts_are_ndimage_labels_on_the_border():
    from scipy import ndimage

    def labelled(mask):
        parts, _ = ndimage.label(mask)
        edge = np.unique(np.concatenate([parts[0], parts[-1], parts[:, 0], parts[:, -1]]))
        return np.isin(parts, edge[edge > 0])

    yy, xx = np.mgrid[:512, :512]
    cases = [(yy - 255.5) ** 2 + (xx - 255.5) ** 2 > 250 ** 2,        # outside a field
             np.ones((5, 5), bool), np.zeros((5, 5), bool), np.ones((1, 7), bool),
             np.ones((7, 1), bool)]
    rng = np.random.default_rng(3)
    for _ in range(300):
        h, w = rng.integers(1, 60, 2)
        cases.append(rng.random((h, w)) < rng.choice([0.2, 0.45, 0.55, 0.7]))
    for mask in cases:
        assert np.array_equal(border_parts(mask), labelled(mask)), mask.shape
