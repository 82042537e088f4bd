"""Find the trachea in the upper slices and follow it (and the main bronchi) down.

Works on the coarse grid of the lung pipeline.  The trachea is the round air region near the
body's left-right centre in the most superior slices that have one; from there the airway is
followed slice by slice toward the feet: an air component of the next slice belongs to the
airway when it overlaps the airway of the slice above and is not much larger than it.  A
component that suddenly grows (the lumen merging with lung parenchyma, or a bronchus entering
the lung) is a leak: that branch stops there, so what is returned is the trachea and the
large-diameter bronchi outside the lungs.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

TRACHEA_AREA_MM2 = (40.0, 900.0)     # about 7–34 mm diameter
TRACHEA_MAX_OFFSET_MM = 30.0         # from the body's left-right centre
LEAK_GROWTH = 2.0                    # a branch may not grow more than this from one slice
LEAK_AREA = 3.0                      # nor exceed this multiple of the trachea's area
SEARCH_FRACTION = 0.4                # look for the trachea in the top 40 % of the lungs


def _components_2d(mask2d):
    lab, n = ndimage.label(mask2d, structure=np.ones((3, 3), bool))
    return lab, n


def find_trachea_seed(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first: np.ndarray,
                      midline_x: float):
    """(slice index, 2-D seed mask) of the trachea, or None.

    ``air``: coarse air-in-body mask; ``x_mm``: LPS x of every (j, i) pixel (2-D, for an axial
    slice; tilt ignored); ``superior_first``: slice indices ordered from head to feet.
    """
    pixel_mm2 = spacing[1] * spacing[2]
    occupied = [k for k in superior_first if air[k].any()]
    if not occupied:
        return None
    search = occupied[:max(3, int(len(occupied) * SEARCH_FRACTION))]
    hits = []
    for k in search:
        lab, n = _components_2d(air[k])
        if n == 0:
            continue
        areas = np.bincount(lab.ravel())[1:] * pixel_mm2
        ok = np.flatnonzero((areas >= TRACHEA_AREA_MM2[0]) & (areas <= TRACHEA_AREA_MM2[1]))
        best = None
        for idx in ok:
            comp = lab == idx + 1
            cx = float(x_mm[k][comp].mean())
            if abs(cx - midline_x) > TRACHEA_MAX_OFFSET_MM:
                continue
            js, is_ = np.nonzero(comp)
            box = (np.ptp(js) + 1) * (np.ptp(is_) + 1)
            if comp.sum() / box < 0.45:                  # not round enough
                continue
            if best is None or areas[idx] > areas[best[0]]:
                best = (idx, comp)
        if best is not None:
            hits.append((k, best[1]))
            # Two consecutive confirming slices make it the trachea (not a stray bubble).
            if len(hits) >= 2 and np.any(ndimage.binary_dilation(hits[-2][1], iterations=1)
                                         & hits[-1][1]):
                return hits[-2]
        else:
            hits.clear()
    return hits[0] if hits else None


def grow_airway(air: np.ndarray, seed, spacing, superior_first: np.ndarray,
                hu: np.ndarray | None = None, strict_hu: float | None = None) -> np.ndarray:
    """3-D mask of the airway followed from ``seed`` toward the feet (and up to the top).

    Where an air component next to the airway is too large (the thin airway wall lost to
    partial volume, so lumen and lung merged), the lumen is looked for inside it with the
    stricter threshold ``strict_hu`` (between lumen and parenchyma) before giving up there.
    """
    airway = np.zeros(air.shape, bool)
    if seed is None:
        return airway
    k0, seed_mask = seed
    trachea_area = float(seed_mask.sum())
    order = list(superior_first)
    pos = order.index(k0)
    airway[k0] = seed_mask
    grow = np.ones((3, 3), bool)

    def accept(cand, prev):
        """Components of ``cand`` touching ``prev`` that are not leaks, and the leaks."""
        lab, n = _components_2d(cand)
        if n == 0:
            return np.zeros_like(cand), np.zeros_like(cand)
        prev_lab, _ = _components_2d(prev)
        prev_area = np.bincount(prev_lab.ravel())
        touch = np.unique(lab[ndimage.binary_dilation(prev, grow)])
        areas = np.bincount(lab.ravel(), minlength=n + 1)
        keep = np.zeros(n + 1, bool)
        leak = np.zeros(n + 1, bool)
        for t in touch[touch > 0]:
            parents = np.unique(prev_lab[ndimage.binary_dilation(lab == t, grow)])
            parent = float(prev_area[parents[parents > 0]].sum())
            if areas[t] <= LEAK_GROWTH * parent + 4 and areas[t] <= LEAK_AREA * trachea_area:
                keep[t] = True
            else:
                leak[t] = True
        return keep[lab], leak[lab]

    for direction in (order[pos + 1:], order[pos - 1::-1] if pos > 0 else []):
        prev = seed_mask
        for k in direction:
            cur, leaked = accept(air[k], prev)
            if leaked.any() and hu is not None and strict_hu is not None:
                lumen, _ = accept(leaked & (hu[k] < strict_hu), prev)
                cur |= lumen
            if not cur.any():
                break
            airway[k] = cur
            prev = cur
    return airway


def airway_mask(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first, midline_x: float,
                hu: np.ndarray | None = None):
    """Trachea + main bronchi on the coarse grid (empty when no trachea is found)."""
    seed = find_trachea_seed(air, x_mm, spacing, superior_first, midline_x)
    strict = None
    if seed is not None and hu is not None:
        parenchyma = float(np.median(hu[air][::7]))
        lumen = float(np.median(hu[seed[0]][seed[1]]))
        strict = min((parenchyma + lumen) / 2.0, parenchyma - 50.0)
    return grow_airway(air, seed, spacing, superior_first, hu, strict)
