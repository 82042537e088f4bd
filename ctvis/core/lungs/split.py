"""Which air components are lungs, which side each is on, and splitting touching lungs.

Right and left follow the patient, not the array: patient left is +x in LPS, so a voxel's side
is read from its LPS x (through the volume's direction matrix) against the body's midline.
Two lungs that touch (anterior or posterior junction) form one component with much of its
volume on both sides of the midline; it is split where it is thinnest: the distance map is
thresholded higher and higher until two cores on opposite sides appear, and every voxel goes
to the core it floods from (watershed on the distance map).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.segmentation import watershed

from ctvis.core.image.body import AERATED_HU, GAS_FRACTION, GAS_HU, grown_box, index_box
from ctvis.core.image.boxfilter import box_min
from ctvis.core.labels import LEFT_LUNG, RIGHT_LUNG

RIGHT, LEFT = RIGHT_LUNG.value, LEFT_LUNG.value
MIN_LUNG_ML = 5.0             # smaller air components are not lung
MIN_FIRST_LUNG_ML = 20.0      # nor is anything when the largest lung-like one is smaller:
                              # a stomach bubble or air beside an arm (a lung base cut by the
                              # scan is 40 mL and more)
MIN_FRACTION = 0.02           # ... nor those below 2 % of the largest lung component
THICK_MM = 12.0               # a lung the airway does not enter holds a square twice this
PAIR_SHARE = 0.25             # ... or is at least this share of the largest
# Bowel gas (GAS_HU, GAS_FRACTION), like the air around a patient, is mostly below −975 HU;
# lung parenchyma is denser, and most of a lung component is below AERATED_HU (median).
WHOLE_LUNG_ML = 500.0         # a component this large is a lung (bowel gas rarely is, in one
                              # piece): the others are judged against it (select_lungs)
MOSTLY_GAS = 0.6              # ... unless this much of it is below GAS_HU (a severely
                              # emphysematous lung: up to about half)
BILATERAL_FRACTION = 0.12     # a component with this much on each side holds both lungs
TOP_SHARE = 0.5               # a scan of the lungs' lower part: a lung is cut by the top slice
                              # at least half as wide (for its size) as the main lung is,
NARROWING = 0.25              # and narrows going up by at most this much more than it does


def select_lungs(labels: np.ndarray, n: int, hu: np.ndarray, voxel_ml: float,
                 boxes: list | None = None, head_up: bool | None = None) -> list[int]:
    """Labels of the components that are lung (largest first).  ``boxes``: the components'
    ``ndimage.find_objects``, if known; ``head_up``: whether a higher slice index lies nearer
    the head (None: not known; then a scan of the lungs' lower part is not looked for)."""
    if n == 0:
        return []
    counts = np.bincount(labels.ravel(), minlength=n + 1)
    counts[0] = 0
    big = np.flatnonzero(counts * voxel_ml >= MIN_LUNG_ML)
    if big.size == 0:
        return []
    # Bowel gas is nearly pure air (below GAS_HU); lung parenchyma mostly is not, and most
    # of a lung is aerated (below AERATED_HU).  Disease changes both lungs alike: severe
    # emphysema makes them more like gas, ground glass over all of them (ARDS, pneumonia)
    # or a scan in expiration denser.  So when the largest component is as large as a whole
    # lung, and not mostly gas, the others are judged against it.
    gas = np.bincount(labels[hu < GAS_HU].ravel(), minlength=n + 1) / np.maximum(counts, 1)
    aerated = (np.bincount(labels[hu < AERATED_HU].ravel(), minlength=n + 1)
               / np.maximum(counts, 1))
    largest = int(big[np.argmax(counts[big])])
    gas_limit, aerated_need = GAS_FRACTION, 0.5
    if counts[largest] * voxel_ml >= WHOLE_LUNG_ML and gas[largest] < MOSTLY_GAS:
        gas_limit = min(max(gas_limit, 2.0 * gas[largest]), MOSTLY_GAS)
        aerated_need = min(aerated_need, 0.5 * aerated[largest])
    # A component as large as a whole lung is judged as the largest is: a lung with its
    # pneumothorax (the pleural air taken out later) was a fifth gas and more, and lost
    # where the lungs lie apart.  Its gas by neighbourhoods' medians (noise spreads a
    # bowel's gas about their median; clipped at the scale's floor it lifts their mean: a
    # pure air's mean reads -960 HU at an SD of 100 HU).
    zs = ndimage.find_objects(labels) if boxes is None else boxes
    lungish = [int(c) for c in big if aerated[c] >= aerated_need and (
        gas[c] < gas_limit or (counts[c] * voxel_ml >= WHOLE_LUNG_ML
                               and _gas_by_neighbourhood(labels, c, zs[c - 1], hu)
                               < MOSTLY_GAS))]
    if not lungish:                       # all pure air: take the largest anyway
        lungish = [largest]
    lungish.sort(key=lambda c: -counts[c])
    first = lungish[0]
    if counts[first] * voxel_ml < MIN_FIRST_LUNG_ML:
        return []
    z0, z1 = zs[first - 1][0].start, zs[first - 1][0].stop
    chosen = [first]
    for c in lungish[1:]:
        if counts[c] < MIN_FRACTION * counts[first]:
            continue
        sl = zs[c - 1][0]
        if sl.start < z1 and sl.stop > z0:          # overlaps the main lung in z
            chosen.append(c)
    if head_up is not None and len(chosen) > 1:
        chosen = _below_the_lungs_left_out(labels, chosen, zs, head_up)
    return chosen


def _gas_by_neighbourhood(labels, c: int, box, hu) -> float:
    """The share of component ``c`` (in ``box``) whose neighbourhood (3 voxels across) has
    its median below ``GAS_HU``."""
    piece = labels[box] == c
    median = ndimage.median_filter(hu[box], 3)
    return np.count_nonzero(piece & (median < GAS_HU)) / max(np.count_nonzero(piece), 1)


def wall_gas_left_out(labels: np.ndarray, chosen: list[int], boxes, cut: np.ndarray,
                      pitch_mm: float) -> list[int]:
    """``chosen`` without the gas of the chest wall (subcutaneous emphysema, which an
    emphysematous chest's own gas lets pass as lung-like).  A lung is entered by its main
    bronchus, so its air touches the airway's cut (``cut``, when the airway was found); a
    lung whose bronchus a tumour closes is thick (in some slice it holds a square
    ``2 THICK_MM`` wide) or of a size with the largest (``PAIR_SHARE``: a lung's base that
    the scan's end cuts thin).  The wall's gas, in the fat and muscle outside the ribs, is
    none of these: painted, its pieces were at most 8 mm from their edge and 3 % of a lung;
    the lungs of every chest here are 26 mm and more from theirs."""
    if len(chosen) < 2 or not cut.any():
        return chosen
    box = tuple(slice(max(b.start - 1, 0), b.stop + 1) for b in index_box(cut))
    touching = set(np.unique(labels[box][ndimage.binary_dilation(cut[box])]).tolist())
    half = max(1, int(np.ceil(THICK_MM / pitch_mm)))
    keep = [chosen[0]]
    first = np.count_nonzero(labels[boxes[chosen[0] - 1]] == chosen[0])
    for c in chosen[1:]:
        piece = labels[boxes[c - 1]] == c
        if c in touching or np.count_nonzero(piece) >= PAIR_SHARE * first:
            keep.append(c)
            continue
        # In its box grown by the square's half (what lies beyond the array counts as it).
        around = grown_box(boxes[c - 1], (0, half, half), labels.shape)
        if box_min(labels[around] == c, (1, 2 * half + 1, 2 * half + 1)).any():
            keep.append(c)
    return keep


def _below_the_lungs_left_out(labels, chosen: list[int], boxes, head_up: bool) -> list[int]:
    """``chosen`` without the air that lies under the diaphragm in a scan of the lungs'
    lower part (an abdominal scan, a lower-chest slab: the main lung runs out of the top
    slice and ends inside the scan).  The lungs then go on above the scan, and every piece
    of lung is shaped along the long axis as the main lung is: it reaches the top slice, is
    cut there much as the main lung is (its section there, for its largest, at least
    TOP_SHARE of the main lung's), and narrows going up no more than the main lung does
    (a lung's base widens steadily from the dome's slope upward; near an apex both lungs
    narrow alike).  Gas and stool in the colon or the stomach under a dome, which the
    lungs' small bases make look large, end below the top slice, or narrow toward it, or
    widen and narrow again from slice to slice.  A scan that holds the apices or is cut at
    both ends (a slab of the middle) is left as it is."""
    n = labels.shape[0]
    top, bottom = (n - 1, 0) if head_up else (0, n - 1)
    main = boxes[chosen[0] - 1][0]
    if not (main.start <= top < main.stop) or main.start <= bottom < main.stop:
        return chosen

    def profile(c):
        """(section in the top slice over the largest, the largest fall of the section
        below the widest one under it, going up), or None when ``c`` ends below the top."""
        box = boxes[c - 1]
        if not box[0].start <= top < box[0].stop:
            return None
        section = np.count_nonzero(labels[box] == c, axis=(1, 2)).astype(np.float64)
        section = section if head_up else section[::-1]          # from the feet up
        widest = np.maximum.accumulate(section)
        return section[-1] / widest[-1], float(((widest - section) / widest).max())

    share, fall = profile(chosen[0])
    keep = [chosen[0]]
    for c in chosen[1:]:
        p = profile(c)
        if p is not None and p[0] >= TOP_SHARE * share and p[1] <= fall + NARROWING:
            keep.append(c)
    return keep


def _split_component(comp: np.ndarray, x_mm: np.ndarray, midline: float, spacing):
    """Split one bilateral component into (right, left, forced) — forced: cut at the midline."""
    dist = ndimage.distance_transform_edt(comp, sampling=spacing)
    total = comp.sum()
    steps = np.linspace(0, float(dist.max()), 24)[1:-1]
    for t in steps:
        cores, n = ndimage.label(dist > t)
        if n < 2:
            continue
        sizes = np.bincount(cores.ravel())
        sizes[0] = 0
        big = np.flatnonzero(sizes >= 0.02 * total)
        if big.size < 2:
            continue
        xs = ndimage.mean(x_mm, cores, big)
        right = [int(b) for b, x in zip(big, xs) if x < midline]
        left = [int(b) for b, x in zip(big, xs) if x >= midline]
        if not right or not left:
            continue
        markers = np.zeros(comp.shape, np.int32)
        markers[np.isin(cores, right)] = RIGHT
        markers[np.isin(cores, left)] = LEFT
        flooded = watershed(-dist, markers, mask=comp)
        return flooded == RIGHT, flooded == LEFT, False
    right = comp & (x_mm < midline)                 # no neck found: cut at the midline
    return right, comp & ~right, True


def assign_sides(labels: np.ndarray, chosen: list[int], x_mm: np.ndarray, midline: float,
                 spacing, info: dict | None = None, boxes: list | None = None) -> np.ndarray:
    """uint8 labels 1 (right) / 2 (left) for the chosen components.

    ``x_mm``: LPS x of every voxel (same shape as ``labels``, or broadcastable).  The side of
    a component is where its LPS x lies against ``midline`` — never its size or its
    contact with the airway.  ``info`` receives ``forced_split`` (a component holding both
    lungs had to be cut at the midline).  ``boxes``: the components' ``find_objects``.
    """
    out = np.zeros(labels.shape, np.uint8)
    boxes = ndimage.find_objects(labels) if boxes is None else boxes
    if info is not None:
        info["forced_split"] = False
    for c in chosen:
        box = boxes[c - 1]
        comp = labels[box] == c
        xb = np.broadcast_to(x_mm, labels.shape)[box]
        on_left = (comp & (xb >= midline)).sum() / comp.sum()
        if min(on_left, 1 - on_left) >= BILATERAL_FRACTION:
            pad = [(1, 1)] * 3
            right, left, forced = _split_component(np.pad(comp, pad),
                                                   np.pad(xb, pad, mode="edge"), midline, spacing)
            if info is not None:
                info["forced_split"] |= forced
            inner = tuple(slice(1, -1) for _ in range(3))
            out[box][right[inner]] = RIGHT
            out[box][left[inner]] = LEFT
        else:
            out[box][comp] = LEFT if on_left >= 0.5 else RIGHT
    return out
