"""A Volume as ``pyvista.ImageData`` for VTK, sharing the volume's buffer (no copy)."""
from __future__ import annotations

import numpy as np

from ctvis.core.volume import Volume


def image_data(volume: Volume, name: str = "HU"):
    """ImageData with spacing, origin and direction matrix kept; scalars share the array.

    C-order ravel of [z, y, x] is x-fastest, VTK's point order, so a contiguous int16 array
    is handed to VTK as it is (pyvista keeps a reference, the memory is not copied).
    """
    import pyvista as pv

    nz, ny, nx = volume.shape
    grid = pv.ImageData(dimensions=(nx, ny, nz), spacing=tuple(volume.spacing_xyz),
                        origin=volume.origin)
    grid.direction_matrix = volume.direction
    grid.point_data[name] = np.ascontiguousarray(volume.array).ravel(order="C")
    grid.point_data.active_scalars_name = name
    return grid
