"""The body's midline (patient x, LPS mm), from the anatomy that is in the image.

The spine and the sternum lie on the midline, and they are the bone that stays in the same
place slice after slice (ribs run obliquely through the slices; a scapula or an arm lies on
one side).  So the midline is the weighted median x of the columns that hold bone in at least
half of the slices.  When the field of view holds no such column (a crop around a tumour),
the body's centre is the midline only if the body lies whole inside the field; otherwise the
sides cannot be told from the image, and the caller must say so.
"""
from __future__ import annotations

import numpy as np

BONE_HU = 200               # cortical bone and most marrow
PERSISTENT = 0.5            # bone in at least this share of the slices: the spine, the sternum
MIN_SPINE_MM2 = 150.0       # less than this much persistent bone: no spine in the field
WHOLE_BODY_EDGE = 0.02      # a body whole in the field touches its edge this little


def find_midline(small: np.ndarray, body: np.ndarray, x_mm: np.ndarray, spacing,
                 field_edge: np.ndarray) -> tuple[float, str]:
    """(patient x of the midline, how it was found: "spine", "body" or "unknown").

    ``small``: HU on the coarse grid; ``body``: the body there; ``x_mm``: patient x of every
    voxel; ``field_edge``: (y, x) pixels at the edge of the field (the array's border and the
    rim of the columns outside the reconstruction circle).
    """
    slices = body.any(axis=(1, 2))
    if not slices.any():
        return 0.0, "unknown"
    bone = (small[slices] > BONE_HU) & body[slices]
    share = bone.mean(axis=0)
    columns = share >= PERSISTENT
    if np.count_nonzero(columns) * spacing[1] * spacing[2] >= MIN_SPINE_MM2:
        xs = x_mm[slices].mean(axis=0)[columns]       # a column's x (one per column)
        return _weighted_median(xs, share[columns]), "spine"
    centre = _body_centre(x_mm, body)
    at_edge = np.count_nonzero(body[:, field_edge]) / max(np.count_nonzero(body), 1)
    return centre, ("body" if at_edge <= WHOLE_BODY_EDGE else "unknown")


def _body_centre(x_mm, body) -> float:
    """The median over slices of each slice's centre (arms, head or a table at one side move a
    whole-volume mean, not this)."""
    counts = body.sum(axis=(1, 2))
    sums = np.where(body, x_mm, 0).sum(axis=(1, 2), dtype=np.float64)
    keep = counts > 0.25 * counts.max()
    return float(np.median(sums[keep] / counts[keep]))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])
