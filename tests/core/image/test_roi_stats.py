"""ROI rasterization and statistics on anisotropic and oblique grids."""
import math

import numpy as np
import pytest

from ctvis.core.image import roi_stats
from tests.helpers.markup_phantoms import (AIR_HU, BALL_HU, DISC_HU, ball_centre_index,
                                           disc_centre_index, oblique, phantom)


@pytest.fixture(params=["anisotropic", "oblique"])
def vol(request):
    return phantom() if request.param == "anisotropic" else oblique(20)


def test_pixel_area_is_the_in_plane_spacing_product(vol):
    assert roi_stats.pixel_area_mm2(vol, 0) == pytest.approx(0.7 * 0.7)
    assert roi_stats.pixel_area_mm2(vol, 1) == pytest.approx(2.5 * 0.7)


def test_ellipse_inside_the_disc_is_pure_disc_hu(vol):
    k, j, i = disc_centre_index(vol)
    r = 8.0 / 0.7                              # 8 mm in index units, inside the 12 mm disc
    out = roi_stats.ellipse_stats(vol, 0, 5, (j, i), (r, r))
    assert out["mean"] == DISC_HU and out["sd"] == 0 and out["min"] == out["max"] == DISC_HU
    assert out["area_mm2"] == pytest.approx(math.pi * 64)
    assert out["pixels"] * 0.49 == pytest.approx(math.pi * 64, rel=0.05)


def test_ellipse_across_the_edge_mixes_disc_and_air(vol):
    k, j, i = disc_centre_index(vol)
    out = roi_stats.ellipse_stats(vol, 0, 5, (j, i), (20 / 0.7, 20 / 0.7))
    assert out["min"] == AIR_HU and out["max"] == DISC_HU
    frac = (out["mean"] - AIR_HU) / (DISC_HU - AIR_HU)        # disc share of the pixels
    assert frac == pytest.approx(144 / 400, abs=0.03)


def test_polygon_square_area_and_pixels(vol):
    k, j, i = disc_centre_index(vol)
    h = 10                                                    # a 20 × 20 pixel square
    square = [(j - h, i - h), (j - h, i + h), (j + h, i + h), (j + h, i - h)]
    out = roi_stats.polygon_stats(vol, 0, 3, square)
    assert out["area_mm2"] == pytest.approx(400 * 0.49)
    assert out["pixels"] == 400 and out["mean"] == DISC_HU


def test_polygon_mask_matches_a_known_triangle():
    mask = roi_stats.polygon_mask((10, 10), [(0.5, 0.5), (0.5, 8.5), (8.5, 0.5)])
    assert mask[1, 1] and mask[1, 7] and not mask[8, 8] and not mask[0, 0]


def test_sphere_inside_the_ball(vol):
    centre = vol.index_to_patient(ball_centre_index(vol))
    out = roi_stats.sphere_stats(vol, centre, 6.0)
    assert out["mean"] == BALL_HU and out["sd"] == 0
    assert out["volume_ml"] == pytest.approx(4 / 3 * math.pi * 216 / 1000)
    voxel_ml = 2.5 * 0.49 / 1000
    assert out["pixels"] * voxel_ml == pytest.approx(out["volume_ml"], rel=0.1)


def test_sphere_beyond_the_grid_has_no_voxels(vol):
    out = roi_stats.sphere_stats(vol, (1e4, 1e4, 1e4), 5.0)
    assert out["pixels"] == 0 and np.isnan(out["mean"])


def test_sphere_mask_equals_the_distance_of_each_voxel_centre(vol):
    # Also on a sheared (gantry-tilted) grid: the z column leans.
    sheared = vol.with_array(vol.array, direction=vol.direction @ np.array(
        [[1, 0, 0.2], [0, 1, 0], [0, 0, 1.0]]))
    for v in (vol, sheared):
        centre = v.index_to_patient((12.3, 40.2, 60.7))
        lo, mask = roi_stats.sphere_mask_box(v, centre, 7.5)
        grid = np.stack(np.meshgrid(*(np.arange(a, a + n) for a, n in zip(lo, mask.shape)),
                                    indexing="ij"), axis=-1)
        d = np.linalg.norm(v.index_to_patient(grid) - centre, axis=-1)
        np.testing.assert_array_equal(mask, d <= 7.5)
        every = np.linalg.norm(v.index_to_patient(np.indices(v.shape).transpose(1, 2, 3, 0))
                               - centre, axis=-1) <= 7.5
        assert every.sum() == mask.sum()                  # the box holds the whole sphere
