"""Smoothing: an ellipsoid kernel from a size in mm; median, opening, closing."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.smoothing import closing, median, opening, smooth, structuring_element
from tests.core.editing import full, mm_distance


def test_the_kernel_is_a_ball_in_mm():
    spacing = (0.5, 1.0, 1.5)
    element = structuring_element(3.2, spacing)
    assert element.shape == (7, 3, 3)
    assert np.array_equal(element, mm_distance((7, 3, 3), (3, 1, 1), spacing) <= 1.6)
    assert structuring_element(0.1, spacing).shape == (1, 1, 1)
    with pytest.raises(ValueError):
        structuring_element(0, spacing)


def test_closing_fills_a_hole_and_opening_removes_a_spur():
    mask = np.zeros((12, 12, 12), bool)
    mask[2:10, 2:10, 2:10] = True
    holed = mask.copy()
    holed[5, 5, 5] = False
    assert np.array_equal(closing(holed, 2.0, (1, 1, 1)), mask)
    spur = mask.copy()
    spur[5, 10:12, 5] = True                  # a one-voxel-thin spur to the array's edge
    # A 3 mm ball on 1 mm voxels lacks the 8 corner offsets: the block loses its corners.
    got = opening(spur, 3.0, (1, 1, 1))
    assert np.array_equal(got, opening(mask, 3.0, (1, 1, 1))) and not got[:, 10:].any()
    assert got[3:9, 2:10, 3:9].all() and got.sum() == 8 ** 3 - 8


def test_opening_follows_the_spacing():
    # 1.8 mm on (0.5, 1, 1) mm voxels: the kernel spans 3 slices and one row and column,
    # so a plate 2 slices thin goes, a plate 2 columns thin (but deep in z) stays.
    mask = np.zeros((12, 12, 12), bool)
    mask[1:3, 1:11, 1:11] = True
    mask[5:11, 1:11, 5:7] = True
    got = opening(mask, 1.8, (0.5, 1.0, 1.0))
    assert not got[1:3].any() and got[5:11, 1:11, 5:7].all() and got.sum() == 6 * 10 * 2


def test_median_removes_specks_and_fills_pits():
    mask = np.zeros((12, 12, 12), bool)
    mask[2:10, 2:10, 2:10] = True
    noisy = mask.copy()
    noisy[5, 5, 5] = False
    noisy[0, 0, 11] = True
    assert np.array_equal(median(noisy, 2.0, (1, 1, 1)), mask)


def test_the_edge_of_the_array_does_not_eat_a_segment():
    mask = np.zeros((8, 8, 8), bool)
    mask[:, :, :4] = True
    for operation in (median, opening, closing):
        assert np.array_equal(operation(mask, 3.0, (1, 1, 1)), mask), operation.__name__


def test_smooth_reads_one_segment_in_its_box():
    labels = np.zeros((20, 20, 20), np.uint8)
    labels[5:15, 5:15, 5:15] = 3
    labels[9, 9, 9] = 0                       # a hole
    labels[0:2, 0:2, 0:2] = 1                 # another segment, outside the box
    patch = smooth(labels, 3, "closing", 2.0, (1, 1, 1))
    assert patch.region == (slice(2, 18), slice(2, 18), slice(2, 18))
    expected = np.zeros(labels.shape, bool)
    expected[5:15, 5:15, 5:15] = True
    assert np.array_equal(full(patch, labels.shape), expected)
    with pytest.raises(ValueError):
        smooth(labels, 3, "gaussian", 2.0, (1, 1, 1))
