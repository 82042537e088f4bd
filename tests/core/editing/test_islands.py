"""Islands: sizes in mL on anisotropic voxels, the largest, the one under a click, a split."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.islands import keep_island_at, keep_largest, remove_small, \
    split_islands
from tests.core.editing import full

SPACING = (2.0, 0.5, 0.5)          # 0.5 mm3 a voxel: 2000 voxels make 1 mL
SHAPE = (20, 40, 40)


@pytest.fixture
def labels():
    out = np.zeros(SHAPE, np.uint8)
    out[1:11, 1:21, 1:21] = 1       # 4000 voxels: 2.0 mL
    out[12:16, 25:35, 25:35] = 1    # 400 voxels:  0.2 mL
    out[1:3, 30:35, 2:7] = 1        # 50 voxels:   0.025 mL
    out[15:19, 2:6, 30:34] = 2      # another segment, left alone
    return out


def test_remove_small_uses_millilitres(labels):
    patch = remove_small(labels, 1, 0.1, SPACING)
    got = full(patch, SHAPE)
    assert got.sum() == 4400 and not got[1:3, 30:35, 2:7].any()
    assert full(remove_small(labels, 1, 0.2, SPACING), SHAPE).sum() == 4400   # 0.2 stays
    assert full(remove_small(labels, 1, 0.21, SPACING), SHAPE).sum() == 4000
    # The same islands on voxels 8 times as large are 8 times as many mL.
    assert full(remove_small(labels, 1, 0.1, (4.0, 1.0, 1.0)), SHAPE).sum() == 4450
    assert patch.region == (slice(1, 16), slice(1, 35), slice(1, 35))


def test_keep_largest_and_the_island_under_a_click(labels):
    assert np.array_equal(full(keep_largest(labels, 1), SHAPE), _box(1, 11, 1, 21, 1, 21))
    assert np.array_equal(full(keep_island_at(labels, 1, (13, 30, 30)), SHAPE),
                          _box(12, 16, 25, 35, 25, 35))
    beside = keep_island_at(labels, 1, (0, 0, 0))     # not on the segment: nothing goes
    assert np.array_equal(full(beside, SHAPE), labels == 1)


def test_faces_or_corners_decide_what_is_one_island():
    labels = np.zeros((3, 3, 3), np.uint8)
    labels[0, 0, 0] = labels[1, 1, 1] = 1
    assert full(keep_largest(labels, 1), labels.shape).sum() == 1
    assert full(keep_largest(labels, 1, connectivity=3), labels.shape).sum() == 2


def test_split_gives_each_island_largest_first_in_its_own_box(labels):
    parts = split_islands(labels, 1)
    assert [p.mask.sum() for p in parts] == [4000, 400, 50]
    assert parts[2].region == (slice(1, 3), slice(30, 35), slice(2, 7))
    together = np.zeros(SHAPE, bool)
    for p in parts:
        assert not together[p.region][p.mask].any()
        together[p.region] |= p.mask
    assert np.array_equal(together, labels == 1)
    assert split_islands(labels, 9) == [] and keep_largest(labels, 9).empty


def _box(z0, z1, y0, y1, x0, x1):
    out = np.zeros(SHAPE, bool)
    out[z0:z1, y0:y1, x0:x1] = True
    return out
