"""Body mask ("noise removal" in the seeds), HU histogram and crop to the body.

The body is the largest connected region denser than fat-ish air (−500 HU) after an opening
that cuts thin bridges (table pads, blankets, cables), with holes filled slice by slice so the
lungs and airways count as inside.  The seeds' single 2-D dilation kept the table.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.progress import Reporter
from ctvis.core.volume import Volume

BODY_THRESHOLD_HU = -500


def body_mask(volume: Volume, threshold: float = BODY_THRESHOLD_HU, opening_mm: float = 3.0,
              progress=None, cancel=None) -> np.ndarray:
    """Boolean [z, y, x] mask of the patient's body (table and blankets removed)."""
    report = Reporter(progress, cancel)
    dense = volume.array > threshold
    # Fill the lungs and airways first, so that the opening below only cuts thin
    # attachments (table pads, blankets, cables) and never a thin chest wall.
    for k in range(dense.shape[0]):
        if k % 16 == 0:
            report(0.5 * k / dense.shape[0], "body mask: filling holes")
        if dense[k].any():
            dense[k] = ndimage.binary_fill_holes(dense[k])
    # Opening with a square in-plane window: separable min/max filters, far faster than a
    # disk per slice, and the z axis is left alone so thick slices do not matter.
    size = 2 * max(int(round(opening_mm / min(volume.spacing[1:]))), 1) + 1
    report(0.5, "body mask: opening")
    opened = ndimage.maximum_filter(ndimage.minimum_filter(dense, size=(1, size, size)),
                                    size=(1, size, size))
    labels, n = ndimage.label(opened)
    report(0.8, "body mask: largest component")
    if n == 0:
        return opened
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    component = labels == int(np.argmax(sizes))
    del labels
    # The square also shaved the skin at curved edges: take back the dense voxels just
    # around the kept component; the table, further away, stays out.
    grow = size + 2
    body = dense & ndimage.maximum_filter(component, size=(1, grow, grow))
    report(1.0, "body mask done")
    return body


def hu_histogram(volume: Volume, mask: np.ndarray | None = None, bin_width: int = 10,
                 hu_range=(-1024, 3072)):
    """Counts and bin edges of HU (inside ``mask`` if given)."""
    values = volume.array[mask] if mask is not None else volume.array.ravel()
    edges = np.arange(hu_range[0], hu_range[1] + bin_width, bin_width)
    counts, edges = np.histogram(values, bins=edges)
    return counts, edges


def bounding_box(mask: np.ndarray, margin=(0, 0, 0)):
    """(lo, hi) index box [lo, hi) of the True voxels, grown by ``margin`` voxels, or None."""
    if not mask.any():
        return None
    lo, hi = [], []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        hits = np.flatnonzero(mask.any(axis=other))
        lo.append(max(int(hits[0]) - margin[axis], 0))
        hi.append(min(int(hits[-1]) + 1 + margin[axis], mask.shape[axis]))
    return np.array(lo), np.array(hi)


def crop_to_body(volume: Volume, mask: np.ndarray | None = None, margin_mm: float = 5.0):
    """The volume cropped to the body's bounding box (plus a margin); returns (volume, box)."""
    mask = body_mask(volume) if mask is None else mask
    margin = tuple(int(np.ceil(margin_mm / s)) for s in volume.spacing)
    box = bounding_box(mask, margin)
    if box is None:
        return volume, (np.zeros(3, int), np.array(volume.shape))
    return volume.crop(*box), box
