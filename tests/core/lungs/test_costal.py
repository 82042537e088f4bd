"""The step against the ribs on a drawn chest (no data needed): a ring of ribs, a spine, two
lungs whose back halves are airless tissue, on the coarse grid the pipeline gives it."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.lungs.costal import costal_consolidation

SPACING = (2.5, 3.0, 3.0)
SHAPE = (30, 64, 64)


def _chest(tissue_hu: float, rows_to_front: bool = False):
    """(filled, hu, allowed, body, x_mm, y_mm, midline, behind): the ribs a ring 78-84 mm
    from the centre, the spine behind the middle, aerated lungs of radius 30 mm in front
    and everything inside the ribs behind the lungs' centres ``tissue_hu`` (consolidated
    lung, or fluid, filling the back of the pleural spaces)."""
    z, j, i = np.indices(SHAPE)
    x_mm = (i * SPACING[2]).astype(np.float32)
    y_mm = (j * SPACING[1]).astype(np.float32)
    if rows_to_front:
        y_mm = y_mm[:, ::-1]
    cx = cy = 96.0
    r = np.hypot(x_mm - cx, y_mm - cy)
    body = r <= 90.0
    hu = np.where(body, 40.0, -1000.0)
    hu[(r >= 78.0) & (r <= 84.0)] = 400.0                                  # ribs
    hu[(np.abs(x_mm - cx) < 15.0) & (y_mm > 140.0) & (y_mm < 170.0)] = 400.0  # spine
    hu[(r < 78.0) & (y_mm > 110.0) & (hu < 150)] = tissue_hu
    filled = np.zeros(SHAPE, np.uint8)
    for side, lx in ((1, cx - 42.0), (2, cx + 42.0)):
        lung = (np.hypot(x_mm - lx, y_mm - 110.0) <= 30.0) & (y_mm <= 110.0)
        hu[lung] = -850.0
        filled[lung] = side
    behind = body & (y_mm > cy)
    allowed = {1: behind, 2: behind}
    return filled, hu.astype(np.int16), allowed, body, x_mm, y_mm, cx, behind


@pytest.mark.parametrize("rows_to_front", [False, True])
def test_airless_tissue_between_a_lung_and_its_ribs_is_that_lung(rows_to_front):
    filled, hu, allowed, body, x_mm, y_mm, midline, behind = _chest(40.0, rows_to_front)
    added = costal_consolidation(filled, hu, allowed, body, x_mm, y_mm, midline, SPACING,
                                 behind)
    for side, lx in ((1, midline - 42.0), (2, midline + 42.0)):
        # The lung's back half, against the ribs.
        lung_back = (np.hypot(x_mm - lx, y_mm - 110.0) <= 30.0) & (y_mm > 110.0)
        got = added == side
        # Most of the airless back half is found, on this lung's side only, never bone.
        assert np.count_nonzero(got & lung_back) >= 0.7 * np.count_nonzero(lung_back)
        assert not np.any(got & ((x_mm - midline) * (1 if side == 2 else -1) < 0))
    assert not np.any((added > 0) & (hu >= 150))
    assert not np.any((added > 0) & ~behind)


def test_fluid_between_a_lung_and_its_ribs_stays_out():
    filled, hu, allowed, body, x_mm, y_mm, midline, behind = _chest(5.0)
    assert not costal_consolidation(filled, hu, allowed, body, x_mm, y_mm, midline,
                                    SPACING, behind).any()


def test_a_lung_at_its_ribs_gets_nothing():
    """Aerated to the ribs (the normal chest): the gap is the pleura's, thinner than 8 mm."""
    filled, hu, allowed, body, x_mm, y_mm, midline, behind = _chest(-850.0)
    for side, lx in ((1, midline - 42.0), (2, midline + 42.0)):
        lung = np.hypot(x_mm - lx, y_mm - 110.0) <= 30.0
        filled[lung] = side
        # The lung reaches back to 5 mm before the ribs.
        r = np.hypot(x_mm - 96.0, y_mm - 96.0)
        back = (y_mm > 110.0) & (np.abs(x_mm - lx) < 25.0) & (r < 73.0)
        hu[back] = -850
        filled[back] = side
    assert not costal_consolidation(filled, hu, allowed, body, x_mm, y_mm, midline,
                                    SPACING, behind).any()


def test_slices_not_across_the_body_get_nothing():
    """Patient y along the slices (a sagittal or coronal acquisition): nothing is added."""
    filled, hu, allowed, body, x_mm, y_mm, midline, behind = _chest(40.0)
    along_slices = np.broadcast_to(np.arange(SHAPE[0], dtype=np.float32)[:, None, None]
                                   * 10.0, SHAPE)
    assert not costal_consolidation(filled, hu, allowed, body, x_mm, along_slices, midline,
                                    SPACING, behind).any()


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_fluid_is_told_by_the_median_of_each_voxels_neighbourhood(dtype):
    """The count that stands for the 3 x 3 x 3 median gives the rank filter's answer on
    every voxel, borders too (noise around the threshold, so both answers occur)."""
    from scipy import ndimage

    from ctvis.core.lungs.costal import CLEAR_FLUID_HU, _not_fluid

    rng = np.random.default_rng(3)
    hu = rng.integers(CLEAR_FLUID_HU - 40, CLEAR_FLUID_HU + 40, (12, 17, 23)).astype(dtype)
    where = np.zeros(hu.shape, bool)
    where[2:11, 1:16, 3:20] = True
    got = _not_fluid(hu, where)
    box = (slice(2, 11), slice(1, 16), slice(3, 20))
    expected = ndimage.median_filter(hu[box], size=3) >= CLEAR_FLUID_HU
    assert 0.2 < expected.mean() < 0.8
    assert np.array_equal(got[box], expected)
    assert not got[~where].any()
