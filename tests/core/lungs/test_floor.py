"""The airless-bases step's lung floor: per column, the lowest patient z holding lung."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.lungs.airless import _floor


@pytest.mark.parametrize("dz", [2.5, -1.25])            # slices running up or down the body
def test_floor_is_the_lowest_z_with_lung_nan_without(dz):
    rng = np.random.default_rng(5)
    lung = rng.random((9, 6, 7)) < 0.3
    lung[:, 0, 0] = False
    z = 40.0 + dz * np.arange(9)
    expected = np.where(lung, z[:, None, None], np.inf).min(axis=0)
    floor = _floor(lung, z)
    assert floor.dtype == np.float32 and np.isnan(floor[0, 0])
    has = lung.any(axis=0)
    assert np.array_equal(floor[has], expected[has].astype(np.float32))
    assert np.isnan(floor[~has]).all()
