"""Paint/Erase brush: round in mm on anisotropic voxels, strokes without gaps."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.brush import brush, stroke, stroke_points
from tests.core.editing import full, mm_distance

SPACING = np.array([0.5, 0.7, 0.7])
SHAPE = (16, 20, 20)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_a_disk_is_round_in_mm_in_its_slice(axis):
    center = (8, 10, 9)
    got = full(brush(center, 2.0, SPACING, SHAPE, axis=axis), SHAPE)
    plane = tuple(a for a in range(3) if a != axis)
    reference = mm_distance(SHAPE, center, SPACING, plane) <= 2.0
    in_slice = np.zeros(SHAPE, bool)
    in_slice[(slice(None),) * axis + (center[axis],)] = True
    assert np.array_equal(got, reference & in_slice)


def test_a_coronal_disk_reaches_further_in_z_than_in_x_in_voxels():
    # 0.5 mm slices vs 0.7 mm columns: the same 2 mm reaches 4 slices but only 2 columns.
    got = full(brush((8, 10, 9), 2.0, SPACING, SHAPE, axis=1), SHAPE)[:, 10, :]
    zs, xs = np.nonzero(got)
    assert (zs.min(), zs.max()) == (4, 12) and (xs.min(), xs.max()) == (7, 11)


def test_a_sphere_is_round_in_mm_and_clipped_at_the_edge():
    for center in [(8, 10, 9), (0.0, 1.0, 19.0)]:
        patch = brush(center, 2.5, SPACING, SHAPE)
        assert all(0 <= s.start <= s.stop <= n for s, n in zip(patch.region, SHAPE))
        assert patch.mask.shape == tuple(s.stop - s.start for s in patch.region)
        assert np.array_equal(full(patch, SHAPE), mm_distance(SHAPE, center, SPACING) <= 2.5)


def test_the_region_is_the_brush_box_not_the_volume():
    patch = brush((8, 10, 9), 1.0, SPACING, SHAPE)
    assert patch.mask.shape == (5, 3, 3) and patch.mask.all(axis=0).any()


def test_a_brush_smaller_than_a_voxel_still_paints_the_nearest_one():
    patch = brush((3.3, 4.6, 5.2), 0.1, SPACING, SHAPE, axis=0)
    assert patch.region == (slice(3, 4), slice(5, 6), slice(5, 6)) and patch.mask.all()


def test_a_stroke_steps_at_most_half_the_radius_and_covers_its_capsule():
    start, end, r = (3.0, 2.0, 2.0), (12.0, 17.0, 15.0), 1.5
    points = stroke_points(start, end, r, SPACING)
    steps = np.linalg.norm(np.diff(points, axis=0) * SPACING, axis=1)
    assert np.allclose(points[[0, -1]], [start, end]) and steps.max() <= r / 2 + 1e-9
    got = full(stroke(start, end, r, SPACING, SHAPE), SHAPE)
    # Distance in mm from each voxel centre to the segment start-end.
    grid = np.indices(SHAPE).reshape(3, -1).T.astype(float)
    a, b = np.array(start), np.array(end)
    t = np.clip(((grid - a) * SPACING ** 2 @ (b - a)) / (((b - a) * SPACING) ** 2).sum(), 0, 1)
    d = np.linalg.norm((grid - (a + t[:, None] * (b - a))) * SPACING, axis=1).reshape(SHAPE)
    # Brushes at most r/2 apart cover the capsule of radius r * sqrt(1 - 1/16) > 0.96 r.
    assert got[d <= 0.96 * r].all() and not got[d > r].any()
    union = np.zeros(SHAPE, bool)
    for p in points:
        union |= full(brush(p, r, SPACING, SHAPE), SHAPE)
    assert np.array_equal(got, union)


def test_a_disk_stroke_stays_in_the_slice_of_its_start():
    patch = stroke((5.0, 2.0, 2.0), (9.0, 15.0, 16.0), 1.0, SPACING, SHAPE, axis=0)
    assert patch.region[0] == slice(5, 6)
    assert patch.mask[0, 0].any() and patch.mask[0, -1].any()    # reaches both ends


def test_bad_brushes_are_refused():
    with pytest.raises(ValueError):
        brush((1, 1, 1), 0, SPACING, SHAPE)
    with pytest.raises(ValueError):
        brush((1, 1, 1), 1, (0.5, 0, 0.7), SHAPE)
    with pytest.raises(ValueError):
        brush((1, 1, 1), 1, SPACING, SHAPE, axis=3)
    assert brush((40, 1, 1), 1, SPACING, SHAPE, axis=0).empty
