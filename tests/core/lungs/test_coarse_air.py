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


def _wall_case():
    """Coarse labels: 1 a lung touching the airway's cut, 2 a thin layer (2 pixels) away
    from it, 3 a thick block away from it (both under a quarter of label 1); the cut
    beside label 1."""
    from ctvis.core.lungs.split import wall_gas_left_out

    labels = np.zeros((4, 60, 60), np.int32)
    labels[:, 5:30, 5:30] = 1
    labels[:, 40:42, 5:55] = 2
    labels[:, 35:58, 35:58] = 0
    labels[:, 46:57, 44:55] = 3
    cut = np.zeros(labels.shape, bool)
    cut[:, 15:18, 30] = True
    from scipy import ndimage
    return wall_gas_left_out, labels, ndimage.find_objects(labels), cut


def test_thin_gas_the_airway_does_not_enter_is_no_lung():
    """The chest wall's gas (subcutaneous emphysema) is thin and no bronchus enters it: out;
    a thick lung the airway does not reach (its bronchus closed) stays."""
    left_out, labels, boxes, cut = _wall_case()
    assert left_out(labels, [1, 2, 3], boxes, cut, 3.0) == [1, 3]


def test_a_thin_lung_the_airway_enters_stays():
    """A lung compressed thin (an effusion beside it) is entered by its bronchus: kept."""
    left_out, labels, boxes, cut = _wall_case()
    cut[:, 39:41, 20] = True
    assert left_out(labels, [1, 2, 3], boxes, cut, 3.0) == [1, 2, 3]


def test_without_an_airway_nothing_is_left_out():
    """An abdominal scan (no trachea): the test has nothing to go by."""
    left_out, labels, boxes, cut = _wall_case()
    assert left_out(labels, [1, 2, 3], boxes, np.zeros_like(cut), 3.0) == [1, 2, 3]


def test_a_thin_lung_of_a_size_with_the_other_stays():
    """A lung's base that the scan's end cuts thin, as large as a quarter of the other: kept
    (totalseg-j2k's lung bases, 43 and 73 mL)."""
    left_out, labels, boxes, cut = _wall_case()
    labels[:, 30:32, 5:55] = 2
    labels[:, 40:42, 5:55] = 2
    labels[:, 34:38, 5:55] = 2
    from scipy import ndimage
    assert left_out(labels, [1, 2, 3], ndimage.find_objects(labels), cut, 3.0) == [1, 2, 3]
