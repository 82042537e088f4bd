"""Fill between slices: shape-based interpolation of outlines on a few slices."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.fill_between import fill_between


def disc(shape2, radius_mm, spacing2, centre=None):
    r, c = np.indices(shape2).astype(float)
    cr, cc = centre or ((shape2[0] - 1) / 2, (shape2[1] - 1) / 2)
    return ((r - cr) * spacing2[0]) ** 2 + ((c - cc) * spacing2[1]) ** 2 <= radius_mm ** 2


def radius_of(mask2, spacing2) -> float:
    """The radius of a disc of the mask's area."""
    return float(np.sqrt(np.count_nonzero(mask2) * spacing2[0] * spacing2[1] / np.pi))


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_same_disc_fills_between(axis):
    spacing = (1.0, 0.7, 0.7)
    shape = (24, 24, 24)
    rows, cols = [a for a in range(3) if a != axis]
    plane = disc((shape[rows], shape[cols]), 5.0, (spacing[rows], spacing[cols]))
    labels = np.zeros(shape, np.uint8)
    m = np.moveaxis(labels, axis, 0)
    m[2][plane] = 3
    m[12][plane] = 3
    patch = fill_between(labels, 3, axis, spacing)
    out = labels.copy()
    out[patch.region][patch.mask] = 3
    out[patch.region][~patch.mask & (out[patch.region] == 3)] = 0
    mo = np.moveaxis(out == 3, axis, 0)
    for k in range(3, 12):
        assert (mo[k] == plane).all(), k     # the same disc on every slice between
    assert not mo[:2].any() and not mo[13:].any()


def test_two_radii_give_the_intermediate():
    spacing = (2.0, 0.5, 0.5)
    labels = np.zeros((11, 60, 60), np.uint8)
    labels[0][disc((60, 60), 5.0, (0.5, 0.5))] = 1
    labels[10][disc((60, 60), 11.0, (0.5, 0.5))] = 1
    patch = fill_between(labels, 1, 0, spacing)
    out = np.zeros(labels.shape, bool)
    out[patch.region] = patch.mask
    assert abs(radius_of(out[5], (0.5, 0.5)) - 8.0) <= 0.5       # within a voxel
    radii = [radius_of(out[k], (0.5, 0.5)) for k in range(11)]
    assert all(a < b for a, b in zip(radii, radii[1:]))
    assert (out[0] == (labels[0] == 1)).all() and (out[10] == (labels[10] == 1)).all()


def test_radius_5mm_at_the_middle():
    spacing = (1.0, 0.8, 0.8)
    labels = np.zeros((11, 40, 40), np.uint8)
    plane = disc((40, 40), 5.0, (0.8, 0.8))
    labels[0][plane] = 1
    labels[10][plane] = 1
    patch = fill_between(labels, 1, 0, spacing)
    out = np.zeros(labels.shape, bool)
    out[patch.region] = patch.mask
    assert abs(radius_of(out[5], (0.8, 0.8)) - 5.0) <= 0.8


def test_one_slice_is_not_extended():
    labels = np.zeros((10, 20, 20), np.uint8)
    labels[4, 5:10, 5:10] = 1
    assert fill_between(labels, 1, 0, (1, 1, 1)).empty
