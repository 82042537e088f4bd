"""Scissors: a polygon of a slice extruded through the volume or a slab in mm."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.scissors import polygon_mask, scissors, slab
from tests.core.editing import full

SHAPE = (10, 12, 14)
SQUARE = [(2, 3), (2, 8), (6, 8), (6, 3)]          # rows 2..6, cols 3..8 inclusive


def test_the_polygon_holds_its_outline():
    mask = polygon_mask(SQUARE, (12, 14))
    assert mask.sum() == 5 * 6 and mask[2:7, 3:9].all()
    with pytest.raises(ValueError):
        polygon_mask([(0, 0), (3, 3)], (12, 14))


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_inside_through_the_whole_volume_on_each_view(axis):
    patch = scissors(SQUARE, axis, SHAPE)
    expected = np.zeros(SHAPE, bool)
    rows, cols = [a for a in range(3) if a != axis]
    cut = [slice(None)] * 3
    cut[rows], cut[cols] = slice(2, 7), slice(3, 9)
    expected[tuple(cut)] = True
    assert np.array_equal(full(patch, SHAPE), expected)
    assert patch.mask.shape[axis] == SHAPE[axis] and patch.mask.size == expected.sum()


def test_outside_in_a_slab_of_mm():
    spacing = (2.5, 0.8, 0.8)
    # 6 mm centred on slice 4 of 2.5 mm slices: slices within 3 mm, 3..5.
    assert slab(4, 6.0, 2.5, 10) == slice(3, 6)
    assert slab(0, 6.0, 2.5, 10) == slice(0, 2) and slab(4, 0.0, 2.5, 10) == slice(4, 5)
    patch = scissors(SQUARE, 0, SHAPE, inside=False, thickness_mm=6.0, index=4,
                     spacing=spacing)
    expected = np.zeros(SHAPE, bool)
    expected[3:6] = True
    expected[3:6, 2:7, 3:9] = False
    assert np.array_equal(full(patch, SHAPE), expected)
    with pytest.raises(ValueError):
        scissors(SQUARE, 0, SHAPE, thickness_mm=6.0)
