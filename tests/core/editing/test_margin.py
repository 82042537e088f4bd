"""Margin: grow and shrink in mm, the same in every patient direction on anisotropic voxels."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.margin import margin
from tests.core.editing import full, mm_distance

SPACING = (0.5, 0.7, 0.7)


def test_a_voxel_grown_by_5_mm_is_the_ellipsoid_of_the_mm_distance():
    shape, center = (25, 21, 21), (12, 10, 10)
    labels = np.zeros(shape, np.uint8)
    labels[center] = 4
    patch = margin(labels, 4, 5.0, SPACING)
    got = full(patch, shape)
    assert np.array_equal(got, mm_distance(shape, center, SPACING) <= 5.0)
    zs, ys, xs = np.nonzero(got)
    assert np.ptp(zs) == 20 and np.ptp(ys) == np.ptp(xs) == 14   # 10 slices, 7 columns a side
    assert patch.region == (slice(1, 24), slice(1, 20), slice(1, 20))   # box + reach + 1


def test_shrink_removes_the_voxels_within_the_distance_of_the_outside():
    labels = np.zeros((20, 16, 16), np.uint8)
    labels[4:16, 3:13, 3:13] = 1
    labels[0:3, 0:3, 0:3] = 2                 # another segment: not in the result
    got = full(margin(labels, 1, -1.0, SPACING), labels.shape)
    # 1 mm is two 0.5 mm slices but one 0.7 mm column (the second lies 1.4 mm in).
    expected = np.zeros(labels.shape, bool)
    expected[6:14, 4:12, 4:12] = True
    assert np.array_equal(got, expected)


def test_the_edge_of_the_scan_is_not_outside_the_segment():
    labels = np.zeros((10, 10, 10), np.uint8)
    labels[:, :, :6] = 1                      # cut by the scan on five sides
    got = full(margin(labels, 1, -0.8, SPACING), labels.shape)
    expected = np.zeros(labels.shape, bool)
    expected[:, :, :5] = True
    assert np.array_equal(got, expected)
    labels[:] = 1
    assert full(margin(labels, 1, -3.0, SPACING), labels.shape).all()


def test_zero_or_missing_segments_change_nothing():
    labels = np.zeros((5, 5, 5), np.uint8)
    labels[2, 2, 2] = 1
    assert np.array_equal(full(margin(labels, 1, 0.0, SPACING), labels.shape), labels == 1)
    assert margin(labels, 7, 3.0, SPACING).empty
    with pytest.raises(ValueError):
        margin(labels, 1, float("nan"), SPACING)
