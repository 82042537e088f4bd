"""box_min / box_max are ndimage's minimum / maximum filters (bool masks, labels), borders included."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ctvis.core.image.boxfilter import box_max, box_min, median3_at_least


@pytest.mark.parametrize("shape", [(3, 40, 37), (1, 9, 8), (2, 3, 4), (5, 2, 30)])
@pytest.mark.parametrize("size", [3, (1, 5, 5), (1, 7, 3), (2, 4, 6), (3, 1, 9)])
@pytest.mark.parametrize("density", [0.2, 0.8])
def test_same_as_ndimage(shape, size, density):
    rng = np.random.default_rng(7)
    mask = rng.random(shape) < density
    assert np.array_equal(box_min(mask, size), ndimage.minimum_filter(mask, size=size))
    assert np.array_equal(box_max(mask, size), ndimage.maximum_filter(mask, size=size))
    labels = (rng.random(shape) * 3 * density).astype(np.uint8)
    for ours, theirs in ((box_min, ndimage.minimum_filter), (box_max, ndimage.maximum_filter)):
        out = ours(labels, size)
        assert out.dtype == np.uint8
        assert np.array_equal(out, theirs(labels, size=size))


def test_a_new_array_and_a_clear_error():
    mask = np.ones((2, 4, 4), bool)
    out = box_max(mask, 1)
    assert np.array_equal(out, mask) and out is not mask
    with pytest.raises(ValueError, match="does not match"):
        box_min(mask, (3, 3))


@pytest.mark.parametrize("size", [(1, 8, 13), (25, 2, 16), (4, 17, 1)])
def test_wide_windows_by_doubling_still_ndimage(size):
    """Windows wider than the axis and of every parity (the doubling's two end windows)."""
    rng = np.random.default_rng(8)
    mask = rng.random((9, 14, 12)) < 0.15
    assert np.array_equal(box_max(mask, size), ndimage.maximum_filter(mask, size=size))
    assert np.array_equal(box_min(~mask, size), ndimage.minimum_filter(~mask, size=size))


@pytest.mark.parametrize("shape", [(9, 13), (1, 7), (6, 11, 8), (1, 5, 9)])
@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_median3_at_least_is_ndimages_median_compared(shape, dtype):
    """The count stands for the 3**ndim median on every voxel, the border included (noise
    around the threshold, so both answers occur)."""
    rng = np.random.default_rng(5)
    a = rng.integers(-60, 60, shape).astype(dtype)
    expected = ndimage.median_filter(a, size=3) >= 0
    assert 0.1 < expected.mean() < 0.9
    assert np.array_equal(median3_at_least(a, 0), expected)
