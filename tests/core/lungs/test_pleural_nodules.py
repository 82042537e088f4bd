"""core.lungs.pleural_nodules on a synthetic block of lung against a flat chest wall: a
round nodule on the wall joins the lung, a crease of the same depth does not, and nothing
is added to a lung with neither (no shared data needed)."""
from __future__ import annotations

import numpy as np

from ctvis.core.lungs.pleural_nodules import add_pleural_nodules

SPACING = (1.0, 0.7, 0.7)


def _chest(shape=(60, 120, 120)):
    """Labels (lung 1 where x < 70) and HU: lung −850, wall 40 (noise SD 10, seed 0)."""
    z, y, x = np.indices(shape)
    lung = (x < 70) & (x > 5) & (y > 5) & (y < shape[1] - 6) & (z > 5) & (z < shape[0] - 6)
    hu = np.where(lung, -850.0, 40.0) + np.random.default_rng(0).normal(0, 10, shape)
    return lung, hu, (z * SPACING[0], y * SPACING[1], x * SPACING[2])


def _added(lung, hu):
    labels = np.where(lung, 1, 0).astype(np.uint8)
    before = labels.copy()
    add_pleural_nodules(labels, hu.astype(np.int16), SPACING)
    return (labels == 1) & (before == 0)


def test_a_round_nodule_on_the_wall_joins_the_lung():
    lung, hu, (zz, yy, xx) = _chest()
    # A 5 mm nodule centred on the wall's surface: its lung half is tissue now.
    ball = (zz - 30) ** 2 + (yy - 42) ** 2 + (xx - 69 * 0.7) ** 2 <= 5.0 ** 2
    nodule = ball & lung
    lung &= ~nodule
    hu[nodule] = 40.0
    added = _added(lung, hu)
    assert np.count_nonzero(added & nodule) >= 0.95 * np.count_nonzero(nodule)
    # Beyond it, at most a layer under its base as thick as the grown one: π r² × 1.5 mm
    # (118 mm³; measured 45).
    assert np.count_nonzero(added & ~nodule) * np.prod(SPACING) < np.pi * 25 * 1.5


def test_a_crease_as_deep_as_a_nodule_stays_out():
    lung, hu, (zz, yy, xx) = _chest()
    # A fold of tissue 6 mm thick and 5 mm deep along the wall, 30 mm long in z: as deep
    # from the lung as a 3 mm nodule, but it reaches five times as far.
    crease = (abs(yy - 42) <= 3.0) & (xx >= 69 * 0.7 - 5.0) & (abs(zz - 30) <= 15) & lung
    lung &= ~crease
    hu[crease] = 40.0
    assert not _added(lung, hu).any()


def test_a_smooth_wall_gains_nothing():
    lung, hu, _ = _chest()
    assert not _added(lung, hu).any()


def _thick_chest():
    """The same wall on 5 mm slices: 24 slices, lung in slices 4-19."""
    spacing = (5.0, 0.7, 0.7)
    shape = (24, 120, 120)
    z, y, x = np.indices(shape)
    lung = (x < 70) & (x > 5) & (y > 5) & (y < shape[1] - 6) & (z > 3) & (z < shape[0] - 4)
    hu = np.where(lung, -850.0, 40.0) + np.random.default_rng(0).normal(0, 10, shape)
    return lung, hu, spacing, (z * spacing[0], y * spacing[1], x * spacing[2])


def _added_at(lung, hu, spacing):
    labels = np.where(lung, 1, 0).astype(np.uint8)
    before = labels.copy()
    add_pleural_nodules(labels, hu.astype(np.int16), spacing)
    return (labels == 1) & (before == 0)


def test_a_bump_within_one_thick_slice_stays_out():
    """A half disc of tissue 4 mm deep in one 5 mm slice passes every other test (round,
    solid, aerated lung around it), but a bump one voxel thick along an axis is that
    slice's partial volume where it cuts the lung's surface (an apex, a dome), or noise."""
    lung, hu, spacing, (zz, yy, xx) = _thick_chest()
    patch = ((yy - 42) ** 2 + (xx - 69 * 0.7) ** 2 <= 4.0 ** 2) & (zz == 60.0) & lung
    lung &= ~patch
    hu[patch] = 40.0
    assert not _added_at(lung, hu, spacing).any()


def test_a_nodule_across_thick_slices_joins_the_lung():
    lung, hu, spacing, (zz, yy, xx) = _thick_chest()
    ball = (zz - 62.5) ** 2 + (yy - 42) ** 2 + (xx - 69 * 0.7) ** 2 <= 6.0 ** 2
    nodule = ball & lung
    assert np.unique(np.nonzero(nodule)[0]).size == 2
    lung &= ~nodule
    hu[nodule] = 40.0
    added = _added_at(lung, hu, spacing)
    assert np.count_nonzero(added & nodule) >= 0.95 * np.count_nonzero(nodule)
