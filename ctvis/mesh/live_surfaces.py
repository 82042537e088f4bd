"""Surfaces for the 3D view, fast enough to follow a slider: bone at a HU threshold, lungs
from a label volume.

These are previews, not the exported meshes of :mod:`ctvis.mesh.surfaces`: flying edges on
a grid subsampled to at most ``PREVIEW_VOXELS`` voxels, normals from the gradient, no
smoothing, decimation or island removal.  Points are in scaled index space (spacing applied,
origin 0), like the volume: the actor's user matrix (``volume_actor.patient_matrix``) places
them in LPS mm.
"""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.volume import Volume
from ctvis.mesh.surfaces import contour
from ctvis.core.image.subsample import grid_step, subsampled

PREVIEW_VOXELS = 16_000_000
LUNG_BLUR_VOXELS = 0.8           # Gaussian sigma on the subsampled 0/1 mask: no staircase
INSIDE_FLOOR = 0.55              # a structure's voxels after the blur: above the 0.5 level


def preview_step(shape, budget: int = PREVIEW_VOXELS) -> int:
    return grid_step(shape, budget)


def bone_surface(volume: Volume, hu: float, budget: int = PREVIEW_VOXELS):
    """Iso-surface of the HU field at ``hu`` on the subsampled grid (may be empty)."""
    step = preview_step(volume.shape, budget)
    field = subsampled(volume.array, step)
    value = float(hu)
    if np.issubdtype(field.dtype, np.integer) and value == math.floor(value):
        value -= 0.5            # between integers: the surface of HU >= hu, no flat triangles
    return contour(field, np.asarray(volume.spacing_xyz) * step, (0.0, 0.0, 0.0), value,
                   normals=True)


def label_surface(volume: Volume, labels: np.ndarray, value: int,
                  budget: int = PREVIEW_VOXELS):
    """Closed surface of ``labels == value`` (subsampled, lightly blurred); None if absent."""
    from scipy import ndimage

    step = preview_step(volume.shape, budget)
    mask = subsampled(labels, step) == value
    if not mask.any():
        return None
    # Crop to the structure plus a background margin: faster, and the surface closes where
    # the structure touches the volume's border.
    pad = 3
    lo = [int(np.flatnonzero(mask.any(axis=tuple(a for a in range(3) if a != ax)))[0])
          for ax in range(3)]
    hi = [int(np.flatnonzero(mask.any(axis=tuple(a for a in range(3) if a != ax)))[-1]) + 1
          for ax in range(3)]
    sub = np.pad(mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]], pad).astype(np.float32)
    blurred = ndimage.gaussian_filter(sub, LUNG_BLUR_VOXELS, truncate=2.5)
    # Every voxel of the structure stays inside the surface: blurred alone, a layer one voxel
    # thin (a brush stroke in one slice) falls under 0.5 and would have no surface at all.
    sub = np.maximum(blurred, sub * INSIDE_FLOOR)
    spacing = np.asarray(volume.spacing_xyz) * step
    origin = (np.asarray(lo[::-1]) - pad) * spacing
    return contour(sub, spacing, origin, 0.5, normals=True)


__all__ = ["bone_surface", "label_surface", "preview_step", "PREVIEW_VOXELS"]
