"""The reconstructed field of view: which columns (y, x) of a volume hold no image at all.

Scanners write a fill value outside the reconstruction circle (``PixelPaddingValue``, or
−1024 / −1000 HU with no tag; the loader turns padding and anything below −1024 HU into
−1024).  There the value says nothing about the patient: where the circle is narrower than
the patient it cuts through the chest wall, and a lung behind it would seem to touch the air
outside.  Such voxels are *unknown*, not air.

A column lies outside the field when it holds the volume's lowest value (air or below) in
every slice and joins the array's border.  The field left over must be convex (a circle, or
a circle cut by the array's edges): a scanner that clips the air around the patient to one
value gives a "field" shaped like the patient and the table, which is no field at all.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.image.hull import border_parts, convex_hull_mask

FILL_MAX_HU = -1000          # a fill value is air or below (GE −1024/−3024, Philips −1000)
CONVEX_SLACK = 0.01          # unknown columns inside the field's convex hull: about 1 %
META_KEY = "outside_field"   # Volume.meta: the loader's (y, x) mask


def outside_field(array: np.ndarray) -> np.ndarray:
    """Boolean (y, x): the columns outside the reconstructed field (all False when none)."""
    none = np.zeros(array.shape[1:], bool)
    if array.size == 0:
        return none
    low = array.min()
    if low > FILL_MAX_HU:
        return none
    columns = np.ones(array.shape[1:], bool)
    for plane in array:                 # one plane at a time: no volume-sized temporary
        columns &= plane == low
        if not columns.any():
            return none
    # The parts joined to the border, in numpy: the viewer loads a series without scipy.
    outside = border_parts(columns)
    if not outside.any():
        return none
    return outside if _is_field(~outside) else none


def volume_outside_field(volume) -> np.ndarray:
    """The loader's mask when it matches the volume's grid, else computed from the array."""
    mask = volume.meta.get(META_KEY)
    if isinstance(mask, np.ndarray) and mask.shape == volume.shape[1:]:
        return mask
    return outside_field(volume.array)


def _is_field(inside: np.ndarray) -> bool:
    """A reconstructed field is convex: the unknown columns barely enter its hull (numpy's
    hull: skimage.morphology would cost the viewer 15 MiB of imports)."""
    if not inside.any():
        return False
    # The hull of a 512² mask is quick; a coarse copy keeps very large planes cheap.
    step = max(1, max(inside.shape) // 256)
    small = inside[::step, ::step]
    hull = convex_hull_mask(small)
    area = np.count_nonzero(hull)
    # A digital circle leaves about a pixel's sliver along its outline out of its hull.
    return np.count_nonzero(hull & ~small) <= CONVEX_SLACK * area + 4 * np.sqrt(area)
