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


def test_vtk_image_is_plain_vtk_on_the_volume_buffer():
    """The renderer's image: a plain vtkImageData (no pyvista object) that VTK reads in
    place, with the grid's geometry."""
    from vtkmodules.vtkCommonDataModel import vtkImageData

    from ctvis.mesh.surfaces import image_scalars, vtk_image

    vol = random_volume()
    image = vtk_image(vol.array, vol.spacing_xyz, (1.0, 2.0, 3.0))
    assert type(image) is vtkImageData
    assert image.GetDimensions() == vol.shape[::-1]
    assert np.allclose(image.GetSpacing(), vol.spacing_xyz)
    assert image.GetOrigin() == (1.0, 2.0, 3.0)
    assert image.GetPointData().GetScalars().GetName() == "HU"
    assert np.shares_memory(image_scalars(image), vol.array)
    vol.array[2, 1, 0] = -777
    k, j, i = 2, 1, 0
    assert image.GetScalarComponentAsDouble(i, j, k, 0) == -777
