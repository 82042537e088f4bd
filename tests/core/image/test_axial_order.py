"""A volume stored in another order than axial (a coronal or sagittal stack, a converter's
axis order) is the same patient: its lungs, airway, one-click lesions, their measures and
their pictures are those of the axial volume (before, the lungs were segmented in coronal
planes and the airway was lost: Dice 0.000 on lidc-0001-full stored so)."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.app.lesion import lesion_at
from ctvis.core.image.axial import (as_axial, as_stored, axial_order, index_as_axial,
                                    index_as_stored)
from ctvis.core.lungs import segment_lungs
from ctvis.core.phantom import make_phantom
from ctvis.core.volume import Volume
from ctvis.render.lesion_picture import lesion_picture
from tests.helpers import lesion_phantoms

ORDERS = [(1, 0, 2), (2, 0, 1), (2, 1, 0)]      # coronal and sagittal stacks


def stored_as(volume: Volume, perm) -> Volume:
    """``volume`` with its array axes permuted (new axis a = old axis perm[a]), the same
    patient: the direction's columns permuted with them."""
    direction = np.empty((3, 3))
    for axis in range(3):
        direction[:, 2 - axis] = volume.direction[:, 2 - perm[axis]]
    return Volume(np.ascontiguousarray(volume.array.transpose(perm)),
                  tuple(volume.spacing[p] for p in perm), volume.origin, direction,
                  dict(volume.meta))


@pytest.mark.parametrize("perm", ORDERS)
def test_the_axial_order_is_found_and_undone(perm):
    volume = make_phantom(shape=(10, 24, 32)).volume
    stored = stored_as(volume, perm)
    assert axial_order(volume.direction) is None
    axial, found = as_axial(stored)
    np.testing.assert_array_equal(axial.array, volume.array)
    np.testing.assert_allclose(axial.index_to_patient_matrix, volume.index_to_patient_matrix)
    np.testing.assert_array_equal(as_stored(axial.array, found), stored.array)
    kji = (3, 7, 11)
    assert index_as_stored(index_as_axial(index_as_axial(kji, None), found), found) == kji
    np.testing.assert_allclose(stored.index_to_patient([index_as_stored(kji, found)]),
                               volume.index_to_patient([kji]))


@pytest.fixture(scope="module")
def chest():
    ph = make_phantom(shape=(48, 96, 96))
    return ph.volume, segment_lungs(ph.volume, airway=True)


@pytest.mark.parametrize("perm", ORDERS)
def test_lungs_and_airway_of_a_volume_stored_in_another_order(chest, perm):
    volume, labels = chest
    got = segment_lungs(stored_as(volume, perm), airway=True)
    np.testing.assert_array_equal(got, labels.transpose(perm))
    assert (got == 3).any()


@pytest.mark.parametrize("perm", ORDERS)
def test_a_lesion_of_a_volume_stored_in_another_order(perm):
    name, volume, truth, click = next(c for c in lesion_phantoms.lesion_cases()
                                      if c[0] == "part-solid")
    at = volume.index_to_patient(np.asarray(click, float))
    axial = lesion_at(volume, at)
    stored = stored_as(volume, perm)
    got = lesion_at(stored, at)
    np.testing.assert_array_equal(got.mask(stored.shape),
                                  axial.mask(volume.shape).transpose(perm))
    a, b = axial.measures, got.measures
    assert b.type == a.type == "part-solid"
    assert (b.volume_ml, b.long_axis_mm, b.short_axis_mm, b.axial_slice) == pytest.approx(
        (a.volume_ml, a.long_axis_mm, a.short_axis_mm, a.axial_slice))
    for ends_a, ends_b in ((a.long_axis_ends, b.long_axis_ends),
                           (a.short_axis_ends, b.short_axis_ends)):
        np.testing.assert_allclose(stored.index_to_patient(np.asarray(ends_b, float)),
                                   volume.index_to_patient(np.asarray(ends_a, float)))
    window = (-600.0, 1500.0)
    np.testing.assert_array_equal(
        lesion_picture(stored, got.mask(stored.shape), b, window),
        lesion_picture(volume, axial.mask(volume.shape), a, window))


def test_a_real_chest_stored_as_a_coronal_stack_gets_the_same_lungs_and_airway(data_dir):
    """lungdx-a0001 (a whole chest, 5 mm slices) with its array in coronal order."""
    import ctvis

    volume = ctvis.load(data_dir / "lungdx-a0001" / "dicom")
    labels = segment_lungs(volume, airway=True)
    got = segment_lungs(stored_as(volume, (1, 0, 2)), airway=True)
    np.testing.assert_array_equal(got, labels.transpose(1, 0, 2))
    assert np.count_nonzero(got == 3) > 1000


@pytest.mark.parametrize("perm", ORDERS)
def test_the_body_of_a_volume_stored_in_another_order(perm):
    """Made in axial planes: in coronal ones the lungs at the scan's open ends are not
    enclosed, and one-click lesions look for aerated lung inside the body."""
    from ctvis.core.image.body import body_mask

    volume = make_phantom(shape=(40, 80, 80)).volume
    np.testing.assert_array_equal(body_mask(stored_as(volume, perm)),
                                  body_mask(volume).transpose(perm))
