"""Threshold: paint only in a HU range; a segment from a range over the whole volume."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.brush import brush
from ctvis.core.editing.threshold import in_range, threshold_brush, threshold_fill
from tests.core.editing import full

SHAPE = (8, 10, 12)


@pytest.fixture
def hu():
    rng = np.random.default_rng(3)
    return rng.integers(-1000, 1000, SHAPE).astype(np.int16)


def test_the_range_is_inclusive():
    assert in_range(np.array([-401, -400, 0, 200, 201]), -400, 200).tolist() == \
        [False, True, True, True, False]
    with pytest.raises(ValueError):
        in_range(np.zeros(3), 10, -10)


def test_a_threshold_brush_paints_only_in_range(hu):
    stamp = brush((4, 5, 6), 3.0, (1, 1, 1), SHAPE)
    got = threshold_brush(stamp, hu, -200, 300)
    assert got.region == stamp.region
    expected = full(stamp, SHAPE) & (hu >= -200) & (hu <= 300)
    assert np.array_equal(full(got, SHAPE), expected) and 0 < expected.sum() < stamp.mask.sum()


def test_a_fill_is_the_box_of_the_range_and_drops_what_left_it(hu):
    hu = np.full(SHAPE, -1000, np.int16)
    hu[2:4, 3:7, 5:9] = 100
    patch = threshold_fill(hu, 0, 200)
    assert patch.region == (slice(2, 4), slice(3, 7), slice(5, 9)) and patch.mask.all()
    old = np.zeros(SHAPE, bool)
    old[6, 8, 10] = True                      # a voxel of the segment out of range
    patch = threshold_fill(hu, 0, 200, segment=old)
    assert np.array_equal(full(patch, SHAPE), (hu >= 0))
    assert patch.region == (slice(2, 7), slice(3, 9), slice(5, 11))
