"""A Volume's array handed to VTK shares its buffer."""
from __future__ import annotations

import numpy as np

from ctvis.mesh.surfaces import image_data
from tests.helpers.dicom_factory import random_volume


def test_image_data_shares_the_volume_buffer():
    vol = random_volume()
    grid = image_data(vol.array, vol.spacing_xyz)
    assert np.shares_memory(grid.point_data["HU"], vol.array)
    vol.array[1, 2, 3] = 1234                      # one buffer: VTK sees the change
    assert grid.point_data["HU"][(1 * vol.shape[1] + 2) * vol.shape[2] + 3] == 1234
