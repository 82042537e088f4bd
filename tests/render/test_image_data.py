"""A Volume handed to VTK keeps its geometry and shares its buffer."""
from __future__ import annotations

import numpy as np
import pyvista as pv

from ctvis.render.image_data import image_data
from tests.helpers.dicom_factory import random_volume, rotation


def test_image_data_keeps_direction_and_values():
    vol = random_volume(direction=rotation("z", 30))
    grid = image_data(vol)
    assert isinstance(grid, pv.ImageData)
    k, j, i = 5, 7, 3
    idx = grid.find_closest_point(vol.index_to_patient([k, j, i]))
    assert grid.point_data["HU"][idx] == vol.array[k, j, i]
    np.testing.assert_allclose(grid.points[idx], vol.index_to_patient([k, j, i]), atol=1e-4)


def test_image_data_shares_the_volume_buffer():
    vol = random_volume()
    grid = image_data(vol)
    assert np.shares_memory(grid.point_data["HU"], vol.array)
    vol.array[1, 2, 3] = 1234                      # one buffer: VTK sees the change
    assert grid.point_data["HU"][(1 * vol.shape[1] + 2) * vol.shape[2] + 3] == 1234
