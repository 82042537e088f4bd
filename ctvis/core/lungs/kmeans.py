"""Howard Chen's per-slice k-means lung mask (``method="kmeans"``), kept for comparison.

Per slice: standardise the HU, run a two-class k-means on the central region (the middle
60 % of the image, away from the air around the body) to find the threshold between tissue
and air, threshold, erode (~1 mm) then dilate (~5.6 mm) to remove noise and join vessels,
label, and keep the regions whose bounding box looks like a lung (not touching the image
border, not too wide, not too high or low); the union is dilated (~7 mm) and intersected with
the air-and-vessels of the slice.  Sizes are the tutorial's pixels at 0.7 mm, converted to mm.
Right and left come from the shared 3-D side assignment.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.lungs.split import assign_sides
from ctvis.core.lungs.watershed import _x_mm
from ctvis.core.progress import Progress
from ctvis.core.volume import Volume

ERODE_MM, DILATE_MM, FINAL_DILATE_MM = 1.4, 5.6, 7.0


def _kmeans_threshold(values: np.ndarray, iterations: int = 20) -> float:
    """Midpoint of the two 1-D k-means centres."""
    lo, hi = float(values.min()), float(values.max())
    for _ in range(iterations):
        t = (lo + hi) / 2.0
        below, above = values[values < t], values[values >= t]
        if below.size == 0 or above.size == 0:
            break
        new_lo, new_hi = float(below.mean()), float(above.mean())
        if abs(new_lo - lo) < 1e-3 and abs(new_hi - hi) < 1e-3:
            break
        lo, hi = new_lo, new_hi
    return (lo + hi) / 2.0


def _disk(radius_px: int) -> np.ndarray:
    r = max(int(radius_px), 0)
    y, x = np.ogrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= r * r


def _slice_mask(img: np.ndarray, spacing_yx) -> np.ndarray:
    rows, cols = img.shape
    img = img.astype(np.float32)
    std = float(img.std()) or 1.0
    img = (img - img.mean()) / std
    middle = img[int(rows / 5):int(rows / 5 * 4), int(cols / 5):int(cols / 5 * 4)]
    # Overflow and underflow (padding, metal) pull the k-means: clip to the middle's range.
    img = np.clip(img, middle.min(), middle.max())
    thresh = img < _kmeans_threshold(middle.ravel())
    px = min(spacing_yx)
    eroded = ndimage.binary_erosion(thresh, _disk(round(ERODE_MM / 2 / px)))
    dilated = ndimage.binary_dilation(eroded, _disk(round(DILATE_MM / 2 / px)))
    labels, n = ndimage.label(dilated)
    mask = np.zeros_like(thresh)
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if (h < rows / 10 * 9 and w < cols / 10 * 9 and sl[0].start > rows / 5
                and sl[0].stop < rows / 5 * 4):
            mask |= labels == i
    mask = ndimage.binary_dilation(mask, _disk(round(FINAL_DILATE_MM / 2 / px)))
    return mask & thresh


def segment_kmeans(volume: Volume, progress=None, cancel=None) -> np.ndarray:
    tick = Progress(progress, cancel)
    nz = volume.shape[0]
    mask = np.zeros(volume.shape, bool)
    for k in range(nz):
        if k % 8 == 0:
            tick(0.9 * k / nz, "lungs (k-means): slices")
        mask[k] = _slice_mask(volume.array[k], volume.spacing[1:])
    tick(0.9, "lungs (k-means): right and left")
    labels, n = ndimage.label(mask)
    if n == 0:
        tick(1.0, "lungs (k-means): none found")
        return np.zeros(volume.shape, np.uint8)
    counts = np.bincount(labels.ravel())
    counts[0] = 0
    order = np.argsort(counts)[::-1]
    chosen = [int(c) for c in order[:2] if counts[c] >= 0.05 * counts[order[0]]]
    x_mm = _x_mm(volume, 1, volume.shape)
    body_x = float(x_mm[mask].mean())
    out = assign_sides(labels, chosen, x_mm, body_x, volume.spacing)
    tick(1.0, "lungs (k-means) done")
    return out
