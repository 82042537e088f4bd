"""Distance maps in mm: the same distances as scipy's, on anisotropic grids."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ctvis.core.image.distance import distance_mm


def test_distances_match_scipys_on_an_anisotropic_grid():
    rng = np.random.default_rng(0)
    mask = ndimage.binary_opening(rng.random((20, 40, 30)) > 0.05)
    spacing = (2.5, 0.7, 0.9)
    got = distance_mm(mask, spacing)
    assert got.dtype == np.float32 and got.shape == mask.shape
    np.testing.assert_allclose(got, ndimage.distance_transform_edt(mask, sampling=spacing),
                               atol=1e-4)


def test_beyond_the_array_is_not_background():
    mask = np.ones((5, 5, 5), bool)
    mask[0, 0, 0] = False
    d = distance_mm(mask[:, ::2], (1.0, 2.0, 1.0))         # a strided view is taken too
    assert d[0, 0, 0] == 0 and d[4, 2, 4] == pytest.approx(np.sqrt(16 + 16 + 16))
    assert np.isinf(distance_mm(np.ones((3, 3, 3), bool), (1, 1, 1))).all()


def test_a_large_map_split_over_the_cores_matches_scipys(monkeypatch):
    """Maps of PARALLEL_VOXELS and more run on every usable core: the same distances."""
    import ctvis.core.image.distance as distance

    monkeypatch.setattr(distance, "usable_cores", lambda: 2)
    rng = np.random.default_rng(1)
    mask = rng.random((40, 60, 50)) > 0.01
    monkeypatch.setattr(distance, "PARALLEL_VOXELS", mask.size)
    spacing = (2.5, 0.7, 0.9)
    np.testing.assert_allclose(distance_mm(mask, spacing),
                               ndimage.distance_transform_edt(mask, sampling=spacing),
                               atol=1e-4)
