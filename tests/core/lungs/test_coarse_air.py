"""The coarse grid's air is joined only where the full-resolution image joins it."""
from __future__ import annotations

import numpy as np

from ctvis.core.image.body import subsample
from ctvis.core.lungs.coarse_air import joined_components

F = 4


def _labels(full):
    small = subsample(full, F)
    return small, joined_components(small < -400, full, F, -200)


def test_two_airs_behind_a_wall_thinner_than_the_grid_stay_apart():
    """A 2-pixel wall that falls between the grid's samples: the samples on either side are
    neighbours on the grid, and one component for a plain labelling."""
    full = np.full((3, 64, 64), -900, np.int16)
    full[:, :, 30:32] = 40                   # samples at x = 1, 5, ... 29, 33: none in it
    small, (labels, n) = _labels(full)
    assert (small[:, :, 7] < -400).all() and (small[:, :, 8] < -400).all()
    assert n == 2
    assert labels[0, 0, 0] != labels[0, 0, -1]


def test_air_around_a_vessel_stays_one():
    """A vessel between two samples parts them there, not around it."""
    full = np.full((3, 64, 64), -900, np.int16)
    full[:, 20:24, 30:32] = 40               # a 4 × 2 pixel vessel across one bridge
    _, (labels, n) = _labels(full)
    assert n == 1


def test_a_lighter_line_leaves_them_joined():
    """A fissure's or a visceral pleura's partial-volume line (lighter than fat) is no
    wall: the air on both sides of it is one."""
    full = np.full((3, 64, 64), -900, np.int16)
    full[:, :, 30] = -300
    _, (_, n) = _labels(full)
    assert n == 1


def test_one_pixel_grid_is_a_plain_labelling():
    full = np.full((2, 8, 8), -900, np.int16)
    full[:, :, 4] = 40
    labels, n = joined_components(full < -400, full, 1, -200)
    assert n == 2 and labels[0, 0, 0] != labels[0, 0, 7]
