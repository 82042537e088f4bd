"""Grow from seeds (3D Slicer's effect of that name): strokes of two or more segments (label
values > 0; 0 = undecided) decide every undecided voxel of their bounding box, grown by a
margin in mm, by a marker-controlled watershed on the image's gradient magnitude.

The gradient is ``scipy.ndimage.gaussian_gradient_magnitude`` with a sigma given in mm and
divided by the spacing per axis, so anisotropic voxels are smoothed the same distance in
every direction; the watershed is ``skimage.segmentation.watershed`` in 3-D with the seeds as
markers.  The result is a label array of the box: a preview the caller shows, corrects with
more seeds, and writes.  Pure: no Qt, no history.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.editing.region import box_of, check_spacing

MARGIN_MM = 10.0        # the seeds' box is grown by this much on every side
SIGMA_MM = 1.0          # the gradient's Gaussian


class Grown(NamedTuple):
    """``region``: three slices of the whole array; ``labels``: the decided labels there
    (seeds kept; voxels outside the editable ``mask`` keep their seed value or 0)."""
    region: tuple
    labels: np.ndarray


def seed_box(seeds: np.ndarray, spacing, margin_mm: float = MARGIN_MM) -> tuple | None:
    """The seeds' bounding box grown by ``margin_mm`` (clipped), or None without seeds."""
    spacing = check_spacing(spacing)
    pad = [math.ceil(max(0.0, float(margin_mm)) / s) for s in spacing]
    return box_of(seeds > 0, pad)


def grow_from_seeds(seeds: np.ndarray, hu: np.ndarray, spacing, *,
                    margin_mm: float = MARGIN_MM, sigma_mm: float = SIGMA_MM,
                    mask: np.ndarray | None = None) -> Grown | None:
    """Decide the undecided voxels (0) of ``seeds`` in the seeds' box grown by ``margin_mm``.

    ``seeds`` and ``hu`` (and ``mask``, the editable voxels, if given) are whole arrays of
    one shape.  None when fewer than two segments have seeds (nothing to compete)."""
    spacing = check_spacing(spacing)
    if seeds.shape != hu.shape or (mask is not None and mask.shape != seeds.shape):
        raise ValueError("seeds, image and mask must have one shape")
    box = seed_box(seeds, spacing, margin_mm)
    if box is None:
        return None
    markers = np.asarray(seeds[box])
    if np.unique(markers[markers > 0]).size < 2:
        return None
    image = np.asarray(hu[box], np.float32)
    sigma = [float(sigma_mm) / s for s in spacing]
    gradient = ndimage.gaussian_gradient_magnitude(image, sigma) if sigma_mm > 0 \
        else ndimage.generic_gradient_magnitude(image, ndimage.sobel)
    editable = None if mask is None else np.asarray(mask[box], bool) | (markers > 0)
    markers_i = markers.astype(np.int32)
    from skimage.segmentation import watershed     # here: 15 MiB the viewer need not import

    out = watershed(gradient, markers_i, mask=editable)
    if editable is not None:
        out = np.where(editable, out, markers_i)
    return Grown(box, out.astype(seeds.dtype, copy=False))


__all__ = ["grow_from_seeds", "seed_box", "Grown", "MARGIN_MM", "SIGMA_MM"]
