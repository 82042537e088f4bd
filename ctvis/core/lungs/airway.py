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

Where the lumen merges with the lung on the coarse grid (the airway's wall, 1–3 mm, is
thinner than its pixels), the lumen is looked for at full resolution, where the wall shows.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.image.body import index_box
from ctvis.core.image.boxfilter import median3_at_least

TRACHEA_AREA_MM2 = (40.0, 900.0)     # about 7–34 mm diameter
TRACHEA_MAX_OFFSET_MM = 35.0         # from the body's left-right centre (deviated tracheas)
TRACHEA_MIN_RUN_MM = 15.0            # a run shorter than this is a bubble, not a trachea
TRACHEA_FILL = 0.45                  # round: at least this share of its bounding box ...
TRACHEA_ASPECT = 4.0                 # ... and at most this long for its width (an oval,
                                     # not the flat air under the back on the table)
RUN_AREA_STEP = 1.6                  # a tube's section changes little from slice to slice
LEAK_GROWTH = 2.0                    # a branch may not grow more than this from one slice
LEAK_AREA = 3.0                      # nor exceed this multiple of the trachea's area
TOTAL_AREA = 4.0                     # all branches of a slice together: at most this multiple
MIN_TRACHEA_MM2 = 250.0              # leaks are judged against at least this section
BELOW_CARINA_MM = 45.0               # main bronchi: followed this far below the carina
MAX_LATERAL_MM = 75.0                # a branch further from the trachea's axis is in a lung
LUMEN_HU = -1000.0                   # air
FRAGMENT = 0.25                      # a lumen holding less of the airway's samples than
                                     # this share of the pure air's is a fragment of it
RIM_MM = 1.5                         # a lumen's partial-volume rim, around its pure air
NEAR_MM = 25.0                       # the lumen moves and widens less than this from one
                                     # slice to the next (the carina, a bronchus leaving)
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


def _round(comp, spacing_yx) -> bool:
    """Whether the region ``comp`` (in its bounding box) is round enough for an airway's
    section: it fills its box (not a branching or bent shape) and is not flat (its
    principal axes, from its second moments, at most TRACHEA_ASPECT to 1)."""
    if comp.sum() / comp.size < TRACHEA_FILL:
        return False
    j, i = np.nonzero(comp)
    if j.size < 3:
        return True
    cov = np.cov(np.stack([j * spacing_yx[0], i * spacing_yx[1]]))
    low, high = np.linalg.eigvalsh(cov)
    # A pixel's own extent (1/12 of its side squared) keeps a one-pixel-thick row finite.
    pixel = min(spacing_yx) ** 2 / 12.0
    return high + pixel <= TRACHEA_ASPECT ** 2 * (low + pixel)


def _candidates(air2d, x2d, spacing_yx, midline_x, comps=None, k=None, full=None):
    """Round, trachea-sized air regions near the midline in one slice: (list of masks, and
    a function giving those found at full resolution, or None).  The function looks in the
    components too large or not round, and in those of the candidates it is given the
    indices of (a lumen merged with what lies beside it can still be round).

    ``comps``: the stack's components (:class:`_SliceComponents`), ``air2d`` its slice ``k``;
    ``full``: see :func:`_found_at_full`.
    """
    pixel_mm2 = spacing_yx[0] * spacing_yx[1]
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
        return [], None
    out, kept, merged = [], [], []
    for idx in np.flatnonzero(areas >= TRACHEA_AREA_MM2[0]):
        box = boxes[idx]
        comp = lab[box] == idx + first
        if areas[idx] <= TRACHEA_AREA_MM2[1] and _round(comp, spacing_yx):
            if abs(float(x2d[box][comp].mean()) - midline_x) <= TRACHEA_MAX_OFFSET_MM:
                mask = np.zeros(air2d.shape, bool)
                mask[box] = comp
                out.append(mask)
                kept.append(idx)
        else:
            merged.append(idx)
    if full is None or full[1] == 1 or not (merged or out):
        return out, None

    def at_full(also=()):
        look = merged + [kept[i] for i in also]
        if not look:
            return []
        return _found_at_full(full, k, lab, np.asarray(look) + first, [boxes[i] for i in look],
                              x2d, spacing_yx, midline_x)
    return out, at_full


def _found_at_full(full, k, lab, numbers, boxes, x2d, spacing_yx, midline_x):
    """Trachea candidates inside the air components ``numbers`` of the coarse slice ``lab``
    that are too large or not round (the lumen merged with the lung beside it: the wall is
    thinner than a coarse pixel), found at full resolution where the wall shows: the round,
    trachea-sized full-resolution air regions near the midline, on the coarse grid (their
    sample points).  ``full``: (HU array, f, air threshold, a lumen's threshold), the coarse
    grid being its every f-th pixel (each f × f block's centre)."""
    array, f, air_hu, lumen_hu = full
    out = []
    c = (f - 1) // 2
    samples = array[k, c::f, c::f]                 # the coarse slice's HU
    fewest = max(1, int(TRACHEA_AREA_MM2[0] / (spacing_yx[0] * spacing_yx[1])))
    fine = (spacing_yx[0] / f, spacing_yx[1] / f)
    pixel_mm2 = fine[0] * fine[1]
    near = np.abs(x2d - midline_x) <= TRACHEA_MAX_OFFSET_MM + np.sqrt(TRACHEA_AREA_MM2[1] / np.pi)
    for number, box in zip(numbers, boxes):
        region = (lab[box] == number) & near[box]
        # Only where a cluster of its samples near the midline reads as a lumen's pure air
        # (parenchyma is denser): most slices' lungs have none, and cost nothing here.
        lumen = region & (samples[box] < lumen_hu)
        if np.count_nonzero(lumen) < fewest or \
                np.bincount(_components_2d(lumen)[0].ravel())[1:].max() < fewest:
            continue
        rb = index_box(region)
        # The part of the component near the midline, a coarse pixel around it, at full
        # resolution: lung that merged there runs on past the box's side.
        cb = tuple(slice(max(b.start + r.start - 1, 0), min(b.start + r.stop + 1, n))
                   for b, r, n in zip(box, rb, lab.shape))
        J = slice(cb[0].start * f, min(cb[0].stop * f, array.shape[1]))
        I = slice(cb[1].start * f, min(cb[1].stop * f, array.shape[2]))
        parts, n = _components_2d(array[k, J, I] < air_hu)
        if n == 0:
            continue
        areas = np.bincount(parts.ravel()) * pixel_mm2
        side = _side_labels(parts)
        points = parts[c::f, c::f]
        for p in np.flatnonzero((areas >= TRACHEA_AREA_MM2[0]) & (areas <= TRACHEA_AREA_MM2[1])):
            if p == 0 or p in side:
                continue
            sampled = points == p
            if not sampled.any() or not _round(parts[index_box(parts == p)] == p, fine):
                continue
            mask = np.zeros(lab.shape, bool)
            mask[cb][:sampled.shape[0], :sampled.shape[1]] = sampled
            if abs(float(x2d[mask].mean()) - midline_x) <= TRACHEA_MAX_OFFSET_MM:
                out.append(mask)
    return out


def _parents(cands, open_chains) -> list:
    """For each candidate mask, the open run it goes on (it overlaps that run's last mask
    grown by a pixel, at a similar area), or None."""
    if not cands:
        return []
    numbered = np.zeros(cands[0].shape, np.int32)    # all grown by a pixel in one filter
    for i, cand in enumerate(cands, 1):
        numbered[cand] = i
    grown_all = _grown(numbered)
    out = []
    for i, cand in enumerate(cands, 1):
        grown = grown_all == i
        area = int(cand.sum())
        out.append(next((c for c in open_chains if np.any(c[2] & grown)
                         and 1 / RUN_AREA_STEP <= area / c[4][-1] <= RUN_AREA_STEP), None))
    return out


def find_trachea_seed(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first: np.ndarray,
                      midline_x: float, comps: _SliceComponents | None = None, full=None):
    """(slice index, 2-D seed mask, trachea area in pixels) of the trachea, or None.

    ``air``: coarse air-in-body mask; ``x_mm``: LPS x of every voxel (broadcastable to
    ``air``); ``superior_first``: slice indices ordered from head to feet.  The seed is the
    top slice of the longest vertical run of candidates in the scan.
    """
    seeds = trachea_seeds(air, x_mm, spacing, superior_first, midline_x, comps, full)
    return seeds[0] if seeds else None


def trachea_seeds(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first: np.ndarray,
                  midline_x: float, comps: _SliceComponents | None = None, full=None) -> list:
    """The seeds (as :func:`find_trachea_seed`'s) of every run that may be the trachea,
    the longest first."""
    comps = _SliceComponents(air) if comps is None else comps
    x3 = np.broadcast_to(x_mm, air.shape)
    chains = []                 # [first pos, first mask, last mask, length, areas]
    open_chains = []
    for pos, k in enumerate(superior_first):
        cands, at_full = (_candidates(air[k], x3[k], spacing[1:], midline_x, comps, k, full)
                          if air[k].any() else ([], None))
        parents = _parents(cands, open_chains)
        longest = max(open_chains, key=lambda c: c[3], default=None)
        if at_full is not None and not any(p is longest for p in parents):
            # The longest run does not go on through this slice on the coarse grid (or
            # none is open): look at full resolution, only then (speed: where the run goes
            # on, the lumen was not merged), in the candidates too that touch the run but
            # are too large to go on it (a small trachea merged with what lies beside it).
            touching = []
            if longest is not None:
                grown = _grown(longest[2].astype(np.int32))
                touching = [i for i, c in enumerate(cands) if np.any(c & (grown > 0))]
            cands = cands + at_full(touching)
            parents = _parents(cands, open_chains)
        still = []
        for cand, parent in zip(cands, parents):
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
        return []
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
    runs.sort(key=lambda c: (-c[3], c[0]))
    return [(int(superior_first[c[0]]), c[1], float(np.median(c[4]))) for c in runs]


def _accept(cand, prev_lab, trachea_area, comps=None, k=None, widest=0.0):
    """Components of ``cand`` touching the previous slice's airway (its components
    ``prev_lab``) that are not leaks, and the leaks.

    ``comps``: the stack's components, ``cand`` its slice ``k`` (labelled already);
    ``widest``: see :func:`_keep_or_leak`."""
    if comps is not None:
        return _accept_in_box(prev_lab, trachea_area, comps, k, widest)
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
                               trachea_area, widest)
    return keep[lab], leak[lab]


def _keep_or_leak(touch, lab, prev_grown, prev_area, areas, trachea_area, widest=0.0):
    """Per component number, (kept, leaked) bool tables for the components ``touch`` of
    ``lab`` that touch the previous airway (grown: ``prev_grown``): a component grown past
    its parents' area or the trachea's share is a leak — unless it is at most ``widest``
    pixels (the trachea's section, where a tube's tip opens into it)."""
    keep = np.zeros(areas.size, bool)
    leak = np.zeros(areas.size, bool)
    for t in touch:
        parents = np.unique(prev_grown[lab == t])
        parent = float(prev_area[parents[parents > 0]].sum())
        if (areas[t] <= max(LEAK_GROWTH * parent + 4, widest)
                and areas[t] <= LEAK_AREA * trachea_area):
            keep[t] = True
        else:
            leak[t] = True
    return keep, leak


def _accept_in_box(prev_lab, trachea_area, comps, k, widest=0.0):
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
    keep, leak = _keep_or_leak(touch, lab, prev_grown, prev_area, comps.areas, trachea_area,
                               widest)
    keep_out[box], leak_out[box] = keep[lab], leak[lab]
    return keep_out, leak_out


def _judged_section(trachea_area: float, spacing) -> float:
    """The trachea's section (pixels) that leaks are judged against: never less than an
    adult's (``MIN_TRACHEA_MM2``), as the seed may be a tube's lumen inside the trachea."""
    return max(trachea_area, MIN_TRACHEA_MM2 / (spacing[1] * spacing[2]))


def _divides(airway: np.ndarray, trachea_area: float, spacing) -> bool:
    """Whether ``airway`` (as :func:`grow_airway` gives it from a seed of section
    ``trachea_area`` pixels) holds a slice with two branches: a carina."""
    least = _judged_section(trachea_area, spacing)
    for k in np.flatnonzero(airway.any(axis=(1, 2))):
        box = index_box(airway[k])
        if _n_branches(_components_2d(airway[k][box])[0], least) >= 2:
            return True
    return False


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
                comps: _SliceComponents | None = None, full=None) -> np.ndarray:
    """3-D mask of the airway followed from ``seed`` toward the feet (and up to the top).

    Where an air component next to the airway is too large (the thin airway wall lost to
    partial volume, so lumen and lung merged), the lumen is looked for inside it before
    giving up there: at full resolution when ``full`` = (HU array, f, air threshold, lumen
    level) gives it (``air`` being its every f-th pixel below the threshold, see
    :func:`lumen_at_full`), else with the stricter threshold ``strict_hu`` (between lumen
    and parenchyma).
    """
    airway = np.zeros(air.shape, bool)
    if seed is None:
        return airway
    k0, seed_mask, trachea_area = seed
    trachea_area = _judged_section(trachea_area, spacing)
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
            # Down the trachea, a lumen may widen at once to the trachea's section: where
            # the tip of an endotracheal tube (the seed's run: its lumen) opens into it.
            # It changes nothing where the airway is wider than half that section (twice
            # the parent is then more), so a trachea's own growth is judged as before.
            widest = trachea_area if down and below_carina is None else 0.0
            cur, leaked = _accept(air[k], prev_lab, trachea_area, comps, k, widest)
            if leaked.any() and full is not None and full[1] > 1:
                most = min(max(LEAK_GROWTH * np.count_nonzero(prev_lab) + 4, widest),
                           LEAK_AREA * trachea_area)
                lumen, _ = _accept(_lumen_at_full(full, k, leaked, prev_lab, spacing, most),
                                   prev_lab, trachea_area, widest=widest)
                cur |= lumen
            elif leaked.any() and hu is not None and strict_hu is not None:
                lumen, _ = _accept(leaked & (hu[k] < strict_hu), prev_lab, trachea_area,
                                   widest=widest)
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


def _lumen_at_full(full, k: int, leaked: np.ndarray, prev_lab: np.ndarray, spacing,
                   largest: float):
    """The lumen inside the coarse components ``leaked`` of slice ``k`` (where it merged with
    the lung beside it), as the full resolution shows it (:func:`lumen_at_full`) within
    ``NEAR_MM`` of the previous slice's airway and touching it, back on the coarse grid.
    ``full``: as for :func:`_found_at_full`; ``largest``: the most the airway may have
    grown to here (coarse pixels; see :func:`_keep_or_leak`)."""
    array, f, air_hu, lumen_hu = full
    prev = prev_lab > 0
    out = np.zeros(leaked.shape, bool)
    pb = index_box(prev)
    if pb is None:
        return out
    g = [int(np.ceil(NEAR_MM / s)) for s in spacing[1:]]
    box = tuple(slice(max(b.start - m, 0), min(b.stop + m, n))
                for b, m, n in zip(pb, g, prev.shape))
    J = slice(box[0].start * f, min(box[0].stop * f, array.shape[1]))
    I = slice(box[1].start * f, min(box[1].stop * f, array.shape[2]))
    # The previous airway grown by a coarse pixel, as the coarse grid's overlap reads it
    # (a bronchus leaving the carina moves aside).
    near = ndimage.binary_dilation(prev[box], structure=GROW)
    lumen = lumen_at_full(array[k, J, I], near, f, air_hu, lumen_hu, spacing[1:],
                          largest * f * f, most_held=True)
    if lumen is not None:
        c = (f - 1) // 2
        points = lumen[c::f, c::f]
        out[box][:points.shape[0], :points.shape[1]] = points
    return out & leaked


def lumen_at_full(hu: np.ndarray, inside: np.ndarray, f: int, air_hu: float,
                  lumen_hu: float, spacing_yx, largest: float | None = None,
                  most_held: bool = False) -> np.ndarray | None:
    """The lumen in the full-resolution slice ``hu`` that holds the coarse sample points
    ``inside`` (the coarse grid is ``hu``'s every f-th pixel, at each f × f block's
    centre, ``spacing_yx`` its pixel size), or None.

    The lumen is the air (below ``air_hu``) parted by its wall from the lung around it: it
    does not reach the side of ``hu`` (the lung it merged with on the coarse grid runs on
    beyond).  Where even the full resolution shows no wall (partial volume), it is the
    lumen's core, its pure air (below ``lumen_hu`` on the slice smoothed by a 3 × 3 median:
    noise would join it to the parenchyma), with the partial-volume rim the air threshold
    gives it elsewhere.  Only when neither is found, one that reaches the side (a bronchus
    leaving for a lobe) and is at most ``largest`` pixels.  ``most_held``: the pure air's
    lumen also when the air's is a fragment, holding less than ``FRAGMENT`` of the samples
    the pure air's holds (air beside the lumen joined it through its wall's partial volume:
    air in the mediastinum).
    """
    air = hu < air_hu
    core = None
    for reaching in ((None, largest) if largest is not None else (None,)):
        lumen = _held_inside(air, inside, f, reaching)
        if lumen is not None and not most_held:
            return lumen
        if core is None:
            core = ~median3_at_least(hu, lumen_hu)
        cored = _held_inside(core, inside, f, reaching)
        if cored is not None:
            rim = int(np.ceil(RIM_MM / min(spacing_yx) * f))
            cored = ndimage.binary_dilation(cored, structure=GROW, iterations=rim) & air
            if _samples_held(lumen, inside, f) < FRAGMENT * _samples_held(cored, inside, f):
                return cored
        if lumen is not None:
            return lumen
    return None


def _samples_held(mask, inside, f: int) -> int:
    """How many sample points of the coarse ``inside`` lie in ``mask`` (None: none)."""
    if mask is None:
        return 0
    c = (f - 1) // 2
    points = mask[c::f, c::f]
    return int(np.count_nonzero(points & inside[:points.shape[0], :points.shape[1]]))


def _side_labels(lab: np.ndarray) -> np.ndarray:
    """The labels of ``lab`` on its border (regions that run on beyond the slice's box)."""
    return np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))


def _held_inside(air, inside, f, largest=None):
    """The components of the full-resolution ``air`` that hold a sample point of the coarse
    ``inside`` and do not reach the side (``largest`` given: that do, and are at most
    ``largest`` pixels), or None."""
    lab, _ = _components_2d(air)
    c = (f - 1) // 2
    points = lab[c::f, c::f]
    held = np.unique(points[inside[:points.shape[0], :points.shape[1]]])
    held = held[held > 0]
    side = _side_labels(lab)
    if largest is None:
        keep = np.setdiff1d(held, side)
    else:
        reach = np.intersect1d(held, side)
        keep = reach[np.bincount(lab.ravel())[reach] <= largest]
    return np.isin(lab, keep) if keep.size else None


def _strict(parenchyma: float, lumen: float) -> float:
    """A level between the lumen's air and the parenchyma (at least 50 HU below it)."""
    return min((parenchyma + lumen) / 2.0, parenchyma - 50.0)


def _parenchyma(hu: np.ndarray, air: np.ndarray) -> float:
    """The parenchyma's level: the median of the air in the body (mostly lung)."""
    return float(np.median(hu[air][::7])) if air.any() else LUMEN_HU


def lumen_level(hu: np.ndarray, air: np.ndarray) -> float:
    """A level that tells a lumen's pure air from the parenchyma, before the trachea is
    found (``hu`` and its ``air`` in the body, on the coarse grid): halfway between them
    (it is read on a median-smoothed slice, so no margin is kept from the parenchyma)."""
    return (_parenchyma(hu, air) + LUMEN_HU) / 2.0


def airway_mask(air: np.ndarray, x_mm: np.ndarray, spacing, superior_first, midline_x: float,
                hu: np.ndarray | None = None, full=None):
    """Trachea + main bronchi on the coarse grid (empty when no trachea is found).

    Holes inside the lumen (an endotracheal tube's wall) are part of the airway.  ``full``:
    (HU array, f, air threshold, :func:`lumen_level`), see :func:`grow_airway`.
    """
    comps = _SliceComponents(air)
    seeds = trachea_seeds(air, x_mm, spacing, superior_first, midline_x, comps, full)
    airway = np.zeros(air.shape, bool)
    # The trachea divides into the main bronchi; a run of air in the oesophagus (dilated,
    # or round a feeding tube) can be longer, and ends without dividing.  So the longest
    # run that divides, else the longest.
    parenchyma = _parenchyma(hu, air) if hu is not None and seeds else None
    for n, seed in enumerate(seeds):
        strict = None
        if parenchyma is not None:
            strict = _strict(parenchyma, float(np.median(hu[seed[0]][seed[1]])))
        grown = grow_airway(air, seed, spacing, superior_first, x_mm, hu, strict, comps, full)
        if n == 0:
            airway = grown
        if len(seeds) == 1 or _divides(grown, seed[2], spacing):
            airway = grown
            break
    if airway.any():
        from ctvis.core.image.body import fill_holes_slices
        airway = fill_holes_slices(airway)
    return airway
