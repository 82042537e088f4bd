"""Find the trachea wherever it is in the scan and follow it (and the main bronchi) down.

Works on the coarse grid of the lung pipeline.  The trachea is the longest run of slices, in
the whole scan, holding a round air region of trachea size near the body's left-right centre
(the neck, a low or high carina, a slab without any of it, a deviated trachea: the run is
found wherever it is, or not at all).  From there the airway is followed slice by slice: an
air component belongs to it when it overlaps the airway of the neighbouring slice and is not
much larger than it.  A component that suddenly grows (the lumen merging with lung
parenchyma, a bronchus entering the lung) is a leak: that branch stops there.  Growth toward
the feet stops ``BELOW_CARINA_MM`` below the carina, so what is returned is the trachea and
the main bronchi, never the bronchial tree inside the lungs.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.image.body import index_box

TRACHEA_AREA_MM2 = (40.0, 900.0)     # about 7–34 mm diameter
TRACHEA_MAX_OFFSET_MM = 35.0         # from the body's left-right centre (deviated tracheas)
TRACHEA_MIN_RUN_MM = 15.0            # a run shorter than this is a bubble, not a trachea
RUN_AREA_STEP = 1.6                  # a tube's section changes little from slice to slice
LEAK_GROWTH = 2.0                    # a branch may not grow more than this from one slice
LEAK_AREA = 3.0                      # nor exceed this multiple of the trachea's area
TOTAL_AREA = 4.0                     # all branches of a slice together: at most this multiple
MIN_TRACHEA_MM2 = 250.0              # leaks are judged against at least this section
BELOW_CARINA_MM = 45.0               # main bronchi: followed this far below the carina
MAX_LATERAL_MM = 75.0                # a branch further from the trachea's axis is in a lung
GROW = np.ones((3, 3), bool)


def _components_2d(mask2d):
    return ndimage.label(mask2d, structure=GROW)


class _SliceComponents:
    """The 2-D components of every slice of ``air``, from one labelling of the stack (one
    call instead of one per slice: the labels of a slice are a run of numbers, in the order
    a labelling of that slice alone gives them, so every loop below sees the same order)."""

    def __init__(self, air: np.ndarray):
        plane = np.zeros((3, 3, 3), bool)
        plane[1] = GROW
        self.labels, n = ndimage.label(air, structure=plane)
        self.areas = np.bincount(self.labels.ravel(), minlength=n + 1)
        self.boxes = ndimage.find_objects(self.labels)
        z = np.array([b[0].start for b in self.boxes], dtype=np.intp)
        self._first = np.searchsorted(z, np.arange(air.shape[0]), side="left") + 1
        self._stop = np.searchsorted(z, np.arange(air.shape[0]), side="right") + 1

    def numbers(self, k: int) -> range:
        """The labels of slice ``k``."""
        return range(int(self._first[k]), int(self._stop[k]))


def _candidates(air2d, x2d, pixel_mm2, midline_x, comps=None, k=None):
    """Round, trachea-sized air regions near the midline in one slice: list of masks.

    ``comps``: the stack's components (:class:`_SliceComponents`), ``air2d`` its slice ``k``.
    """
    if comps is None:
        lab, n = _components_2d(air2d)
        first, boxes = 1, ndimage.find_objects(lab)
        areas = np.bincount(lab.ravel())[1:] * pixel_mm2
    else:
        numbers = comps.numbers(k)
        lab, n, first = comps.labels[k], len(numbers), numbers.start
        boxes = [b[1:] for b in comps.boxes[numbers.start - 1:numbers.stop - 1]]
        areas = comps.areas[numbers.start:numbers.stop] * pixel_mm2
    if n == 0:
        return []
    out = []
    for idx in np.flatnonzero((areas >= TRACHEA_AREA_MM2[0]) & (areas <= TRACHEA_AREA_MM2[1])):
        box = boxes[idx]
        comp = lab[box] == idx + first
        if comp.sum() / comp.size < 0.45:                 # not round enough
            continue
        if abs(float(x2d[box][comp].mean()) - midline_x) > TRACHEA_MAX_OFFSET_MM:
            continue
        full = np.zeros(air2d.shape, bool)
        full[box] = comp
        out.append(full)
    return out


def find_trachea_seed(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first: np.ndarray,
                      midline_x: float, comps: _SliceComponents | None = None):
    """(slice index, 2-D seed mask, trachea area in pixels) of the trachea, or None.

    ``air``: coarse air-in-body mask; ``x_mm``: LPS x of every voxel (broadcastable to
    ``air``); ``superior_first``: slice indices ordered from head to feet.  The seed is the
    top slice of the longest vertical run of candidates in the scan.
    """
    comps = _SliceComponents(air) if comps is None else comps
    pixel_mm2 = spacing[1] * spacing[2]
    x3 = np.broadcast_to(x_mm, air.shape)
    chains = []                 # [first pos, first mask, last mask, length, areas]
    open_chains = []
    for pos, k in enumerate(superior_first):
        cands = _candidates(air[k], x3[k], pixel_mm2, midline_x, comps, k) if air[k].any() else []
        still = []
        if cands:                       # all candidates grown by a pixel in one filter
            numbered = np.zeros(air[k].shape, np.int32)
            for i, cand in enumerate(cands, 1):
                numbered[cand] = i
            grown_all = _grown(numbered)
        for i, cand in enumerate(cands, 1):
            grown = grown_all == i
            area = int(cand.sum())
            parent = next((c for c in open_chains if np.any(c[2] & grown)
                           and 1 / RUN_AREA_STEP <= area / c[4][-1] <= RUN_AREA_STEP), None)
            if parent is not None and not any(parent is c for c in still):
                parent[2] = cand
                parent[3] += 1
                parent[4].append(int(cand.sum()))
                still.append(parent)
            elif parent is None:
                chain = [pos, cand, cand, 1, [int(cand.sum())]]
                chains.append(chain)
                still.append(chain)
        open_chains = still
    if not chains:
        return None
    # A run cut by the top of the scan may be short (the trachea leaving the field of view).
    runs = [c for c in chains if c[3] >= 2 and (c[3] * spacing[0] >= TRACHEA_MIN_RUN_MM
                                                 or c[0] == 0)]
    # The trachea starts above the middle of the air in the body (the lungs hold most of it);
    # a run that starts below it is gas in the bowel or the oesophagus under the lungs (a
    # scan that begins at the carina has no trachea to find).
    per_slice = air.sum(axis=(1, 2))[superior_first].astype(np.float64)
    if per_slice.sum() > 0:
        middle = float((np.arange(per_slice.size) * per_slice).sum() / per_slice.sum())
        runs = [c for c in runs if c[0] < middle]
    if not runs:
        return None
    best = max(runs, key=lambda c: (c[3], -c[0]))
    return int(superior_first[best[0]]), best[1], float(np.median(best[4]))


def _accept(cand, prev_lab, trachea_area, comps=None, k=None):
    """Components of ``cand`` touching the previous slice's airway (its components
    ``prev_lab``) that are not leaks, and the leaks.

    ``comps``: the stack's components, ``cand`` its slice ``k`` (labelled already)."""
    if comps is not None:
        return _accept_in_box(prev_lab, trachea_area, comps, k)
    lab, n = _components_2d(cand)
    areas = None
    if n == 0:
        return np.zeros_like(cand), np.zeros_like(cand)
    prev_area = np.bincount(prev_lab.ravel())
    # Grown by a pixel with one filter (where two parents meet, one of them wins: the areas
    # compared below are only a guard against leaks).
    prev_grown = _grown(prev_lab)
    touch = np.unique(lab[prev_grown > 0])
    if areas is None:
        areas = np.bincount(lab.ravel(), minlength=n + 1)
    keep, leak = _keep_or_leak(touch[touch > 0], lab, prev_grown, prev_area, areas,
                               trachea_area)
    return keep[lab], leak[lab]


def _keep_or_leak(touch, lab, prev_grown, prev_area, areas, trachea_area):
    """Per component number, (kept, leaked) bool tables for the components ``touch`` of
    ``lab`` that touch the previous airway (grown: ``prev_grown``): a component grown past
    its parents' area or the trachea's share is a leak."""
    keep = np.zeros(areas.size, bool)
    leak = np.zeros(areas.size, bool)
    for t in touch:
        parents = np.unique(prev_grown[lab == t])
        parent = float(prev_area[parents[parents > 0]].sum())
        if areas[t] <= LEAK_GROWTH * parent + 4 and areas[t] <= LEAK_AREA * trachea_area:
            keep[t] = True
        else:
            leak[t] = True
    return keep, leak


def _accept_in_box(prev_lab, trachea_area, comps, k):
    """:func:`_accept` on slice ``k`` of the stack's components, worked in the box of the
    previous airway's neighbourhood and of the components touching it (nothing outside it
    can be kept or leak): the same masks, on a few hundred pixels instead of the slice."""
    keep_out, leak_out = np.zeros(prev_lab.shape, bool), np.zeros(prev_lab.shape, bool)
    pb = index_box(prev_lab > 0) if len(comps.numbers(k)) else None
    if pb is None:
        return keep_out, leak_out
    pb = tuple(slice(max(b.start - 1, 0), b.stop + 1) for b in pb)
    grown = ndimage.maximum_filter(prev_lab[pb], size=3)          # as _grown, in its box
    lab_k = comps.labels[k]
    touch = np.unique(lab_k[pb][grown > 0])
    touch = touch[touch > 0]
    if touch.size == 0:
        return keep_out, leak_out
    boxes = [comps.boxes[t - 1][1:] for t in touch] + [pb]
    box = tuple(slice(min(b[i].start for b in boxes), max(b[i].stop for b in boxes))
                for i in range(2))
    lab = lab_k[box]
    prev_grown = np.zeros(lab.shape, grown.dtype)
    prev_grown[tuple(slice(p.start - b.start, p.stop - b.start) for p, b in zip(pb, box))] = grown
    prev_area = np.bincount(prev_lab[pb].ravel())
    keep, leak = _keep_or_leak(touch, lab, prev_grown, prev_area, comps.areas, trachea_area)
    keep_out[box], leak_out[box] = keep[lab], leak[lab]
    return keep_out, leak_out


def _n_branches(lab, trachea_area) -> int:
    """How many of the components ``lab`` (numbers may have gaps) are branches."""
    return int(np.count_nonzero(np.bincount(lab.ravel())[1:] >= 0.15 * trachea_area))


def _grown(lab: np.ndarray) -> np.ndarray:
    """``ndimage.maximum_filter(lab, size=3)`` (lab >= 0), filtered in the box of the
    labels grown by a pixel only: outside it everything is 0, and at the box's edge the
    filter's mirrored border reads the same zeros the whole slice holds there."""
    rows, cols = np.flatnonzero(lab.any(axis=1)), np.flatnonzero(lab.any(axis=0))
    out = np.zeros_like(lab)
    if rows.size:
        box = (slice(max(rows[0] - 1, 0), rows[-1] + 2), slice(max(cols[0] - 1, 0), cols[-1] + 2))
        out[box] = ndimage.maximum_filter(lab[box], size=3)
    return out


def grow_airway(air: np.ndarray, seed, spacing, superior_first: np.ndarray, x_mm=None,
                hu: np.ndarray | None = None, strict_hu: float | None = None,
                comps: _SliceComponents | None = None) -> np.ndarray:
    """3-D mask of the airway followed from ``seed`` toward the feet (and up to the top).

    Where an air component next to the airway is too large (the thin airway wall lost to
    partial volume, so lumen and lung merged), the lumen is looked for inside it with the
    stricter threshold ``strict_hu`` (between lumen and parenchyma) before giving up there.
    """
    airway = np.zeros(air.shape, bool)
    if seed is None:
        return airway
    k0, seed_mask, trachea_area = seed
    # The seed may be a tube's lumen inside the trachea: never judge leaks against less
    # than an adult trachea's section.
    trachea_area = max(trachea_area, MIN_TRACHEA_MM2 / (spacing[1] * spacing[2]))
    x3 = None if x_mm is None else np.broadcast_to(x_mm, air.shape)
    axis_x = None if x3 is None else float(x3[k0][seed_mask].mean())
    order = list(superior_first)
    pos = order.index(k0)
    airway[k0] = seed_mask
    down_limit = max(1, int(round(BELOW_CARINA_MM / spacing[0])))
    for direction, down in ((order[pos + 1:], True), (order[pos - 1::-1] if pos > 0 else [],
                                                       False)):
        prev_lab = _components_2d(seed_mask)[0]
        below_carina = None                  # slices walked since the carina
        for k in direction:
            cur, leaked = _accept(air[k], prev_lab, trachea_area, comps, k)
            if leaked.any() and hu is not None and strict_hu is not None:
                lumen, _ = _accept(leaked & (hu[k] < strict_hu), prev_lab, trachea_area)
                cur |= lumen
            lab = None                        # cur's components, when labelled here
            if x3 is not None and cur.any():                  # branches gone into a lung
                # In cur's box: the same components, numbered in the same order.
                cb = index_box(cur)
                part, n = _components_2d(cur[cb])
                # ndimage.mean's own sums and counts, without its per-call overhead
                flat = part.ravel()
                xs = (np.bincount(flat, weights=x3[k][cb].ravel(), minlength=n + 1)[1:]
                      / np.bincount(flat, minlength=n + 1)[1:])
                far = np.flatnonzero(np.abs(xs - axis_x) > MAX_LATERAL_MM) + 1
                gone = np.isin(part, far)
                cur[cb] &= ~gone
                # The rest keep their numbers: in the same order as a new labelling gives.
                part[gone] = 0
                lab = np.zeros(cur.shape, part.dtype)
                lab[cb] = part
            if not cur.any() or cur.sum() > TOTAL_AREA * trachea_area:
                break
            airway[k] = cur
            prev_lab = _components_2d(cur)[0] if lab is None else lab
            if down:
                if below_carina is None and _n_branches(prev_lab, trachea_area) >= 2:
                    below_carina = 0
                elif below_carina is not None:
                    below_carina += 1
                    if below_carina >= down_limit:
                        break
    return airway


def airway_mask(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first, midline_x: float,
                hu: np.ndarray | None = None):
    """Trachea + main bronchi on the coarse grid (empty when no trachea is found).

    Holes inside the lumen (an endotracheal tube's wall) are part of the airway.
    """
    comps = _SliceComponents(air)
    seed = find_trachea_seed(air, x_mm, spacing, superior_first, midline_x, comps)
    strict = None
    if seed is not None and hu is not None:
        parenchyma = float(np.median(hu[air][::7]))
        lumen = float(np.median(hu[seed[0]][seed[1]]))
        strict = min((parenchyma + lumen) / 2.0, parenchyma - 50.0)
    airway = grow_airway(air, seed, spacing, superior_first, x_mm, hu, strict, comps)
    if airway.any():
        from ctvis.core.image.body import fill_holes_slices
        airway = fill_holes_slices(airway)
    return airway
