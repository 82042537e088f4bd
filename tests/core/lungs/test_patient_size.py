"""The chest's depth, and a child's chest segmented at an adult's size
(ctvis.core.lungs.patient_size)."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.lungs.patient_size import ADULT_DEPTH_MM, adult_sized, chest_depth_mm
from ctvis.core.phantom import make_phantom
from ctvis.core.volume import Volume


def _ellipse(depth_mm: float, width_mm: float, shift_mm: float = 0.0, pixel=1.0):
    """A water ellipse in air, ``depth_mm`` front to back, on 20 slices of 300 mm square."""
    n = int(300 / pixel)
    j, i = np.indices((n, n)) * pixel
    inside = (((j - 150 - shift_mm) / (depth_mm / 2)) ** 2
              + ((i - 150) / (width_mm / 2)) ** 2) <= 1
    array = np.where(inside, 40, -1000).astype(np.int16)
    return Volume(np.repeat(array[None], 20, axis=0), spacing=(2.0, pixel, pixel))


@pytest.mark.parametrize("depth", [90.0, 140.0, 220.0])
def test_the_depth_is_the_smaller_extent_in_plane(depth):
    got = chest_depth_mm(_ellipse(depth, depth * 1.3))
    assert got == pytest.approx(depth, abs=4.0)


def test_a_body_cut_by_the_arrays_border_has_no_depth():
    """A crop (here the ellipse runs off the array's front) cannot be measured."""
    assert chest_depth_mm(_ellipse(140.0, 200.0, shift_mm=100.0)) is None


def _field(volume, centre_shift_mm: float, radius_mm: float) -> np.ndarray:
    """(y, x) outside a reconstruction circle moved ``centre_shift_mm`` along the columns."""
    n = volume.shape[1]
    j, i = (np.indices((n, n)) - (n - 1) / 2) * volume.spacing[1]
    return (j ** 2 + (i - centre_shift_mm) ** 2) > radius_mm ** 2


def test_a_body_cut_by_the_field_at_its_side_has_its_depth():
    """A tight field that cuts the body's side (a child filling the field): the depth, front
    to back, is whole and measured however wide the body is."""
    volume = _ellipse(100.0, 200.0)
    outside = _field(volume, 40.0, 100.0)          # the circle's edge crosses one side
    assert outside[150, 0] and not outside[150, 150] and not outside[100, 150]
    assert chest_depth_mm(volume, outside) == pytest.approx(100.0, abs=4.0)


def test_a_body_cut_by_the_field_front_and_back_has_no_depth():
    volume = _ellipse(140.0, 200.0)
    outside = _field(volume, 0.0, 60.0)            # narrower than the body every way
    assert chest_depth_mm(volume, outside) is None


def test_an_adult_chest_is_left_as_it_is():
    volume = make_phantom(shape=(40, 128, 128)).volume
    same, scale = adult_sized(volume)
    assert scale == 1.0 and same is volume


def test_a_small_chest_is_scaled_to_an_adults_depth_on_the_same_voxels():
    volume = _ellipse(100.0, 120.0)
    work, scale = adult_sized(volume)
    assert scale == pytest.approx(ADULT_DEPTH_MM / 100.0, rel=0.05)
    assert work.array is volume.array
    assert work.spacing == pytest.approx(tuple(s * scale for s in volume.spacing))
    # Too shallow for a chest: left alone.
    assert adult_sized(_ellipse(30.0, 40.0))[1] == 1.0
