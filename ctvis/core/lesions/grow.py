"""One-click lesion: from a point inside a nodule or a tumour, the lesion's voxels.

A lesion is a blob of tissue denser than what surrounds it (aerated lung) and set off from
what it touches (vessels, the chest wall, the mediastinum) by a narrowing.  So, in a box
around the click:

1. the lesion's level is the median HU around the click, the lung's level the median of the
   aerated voxels of the body in the box; the lesion is what lies a third of the way from
   the lung's level to the lesion's and above (its partial-volume rim, which readers
   include), below contrast-filled vessels and bone, and not fat tissue (outside the pleura);
   a calcified nodule's level is its calcium's, and it has no upper bound;
2. of that, the part joined to the click, with the air it encloses in the first box (a
   nodule's cavity; a mass's wider box encloses consolidated lung's air bronchograms);
3. split at narrowings: the distance map (mm, anisotropic voxels) of that part is flooded
   from its peaks (a watershed of the negated distance), and the basins are merged, from
   the click's outwards, while the neck between them is wide compared with the click's
   basin (a vessel leaving a nodule, the pleura a juxta-pleural nodule lies on and the
   mediastinum a mass lies against are necks; a lobulated tumour's lobes are not); the
   split cuts straight across each neck, so what it cut off within a tenth of the lesion's
   radius of it is taken back (the lesion's surface: lobulation, the bases of spiculae);
4. only what the aerated lung encloses (its closing with a ball six times the radius of a
   sphere of the lesion's volume, or of twice the click's depth in it if less, 5–80 mm, on
   a grid of at most a fortieth of its radius): the chest wall under a juxta-pleural
   nodule lies beyond the pleura's smooth surface, and so does the heart under a small
   nodule on it (whose blob has joined the heart: the blob's volume would choose a ball
   too wide to keep the heart out); both lungs together also enclose what lies between
   them (the oesophagus at a junction line, which a nodule on it joins without a neck),
   so given the lung labels, a lesion more than half of which its own lung (the one
   nearest the click) does not enclose is what that lung alone encloses;
5. if the lesion reaches the box's side, the box is doubled (up to ``MAX_HALF_MM``).

Everything is measured in millimetres; nothing is tuned per scan.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

from ctvis.core.errors import CtvisError
from ctvis.core.image.distance import distance_mm
from ctvis.core.presets import resource_json
from ctvis.core.unionfind import root

AERATED_HU = -800            # at the click: aerated lung or air, not a lesion
CALCIUM_HU = 600             # at the click: calcium (a calcified nodule) or bone, judged
                             # in the first box only (calcified lesions are small)
LUNG_HU = -850               # the lung's level when the box holds too little aerated lung
SOFT_TISSUE_HU = 40          # a solid lesion's level for its edge, wherever it is clicked
VESSEL_HU = 150              # contrast-filled vessels and bone are not lesion ...
FAT_HU = (-200, -30)         # ... nor fat tissue (a 3 mm opening of this range)
FAT_MM = 3.0
CLICK_MM = 1.5               # the click's level: the median within this radius
START_HALF_MM = 30.0         # the first box: this far around the click
MAX_HALF_MM = 120.0
PEAK_MM = 1.0                # distance peaks shallower than this are a rim, not a blob
NECK = 0.6                   # a neck at least this share of the click basin's radius: one blob
RIM = 1 / 3                  # the edge: a third of the way from the lung's level to the
                             # lesion's, so the partial-volume rim a reader outlines is in
ENCLOSE = 6.0                # the lung-side ball: this many times the radius of a
                             # sphere of the lesion's volume (wide, so that it stays out
                             # of the corner where a juxta-pleural nodule meets the wall)
ENCLOSE_MM = (5.0, 80.0)     # ... within these bounds
CLOSING_STEPS = 40           # the ball's radius in voxels of the grid the closing runs on
GLASS_HU = -600              # ground glass's level
GLASS_MM = 3.0               # a layer this thick at that level beyond the solid part: a
                             # ground-glass part (a solid nodule's blurred edge gives 0.9 mm
                             # on lidc-0001-full, 1.6 on a smoother kernel, 2.2 on 10 mm
                             # slices; the phantom's part-solid nodule 9.5)
DEPTH_SIZE = 2.0             # a lesion's size (for the ball) is at most this many times
                             # the click's depth in it (a small nodule on the heart joins
                             # the heart's blob, whose size would choose a ball wide
                             # enough to take the heart in)
SURFACE = 0.1                # the surface beyond the necks' cuts: this share of the
                             # lesion's radius (a sphere of its volume)
OWN_SHARE = 0.5              # a lesion lies in one lung: if more than this share of what
                             # both lungs enclose lies beyond what its own lung encloses,
                             # that is mediastinum between the lungs
NODULE_MM = 30.0             # a nodule is at most this long (Fleischner glossary); beyond,
                             # a mass, which has no ground-glass part to look for


class LesionError(CtvisError, ValueError):
    """No lesion at the point given (aerated lung, air, bone, outside the volume)."""


@dataclass
class Lesion:
    """``region``: a box (three slices) of the volume; ``mask``: the lesion in it."""
    region: tuple
    mask: np.ndarray
    info: dict = field(default_factory=dict)

    def full(self, shape) -> np.ndarray:
        out = np.zeros(shape, bool)
        out[self.region] = self.mask
        return out


def grow_lesion(volume, seed_kji, body=None, progress=None, lungs=None) -> Lesion:
    """The lesion around voxel ``seed_kji`` (k, j, i) of ``volume``.

    ``body``: the volume's body mask (:func:`ctvis.core.image.body.body_mask`), made here
    when not given (pass it when clicking several lesions of one volume); ``lungs``: the
    volume's lung labels (1 right, 2 left; :func:`ctvis.core.lungs.segment_lungs`), which
    tell a lesion's own lung; without them all aerated lung encloses it."""
    seed = tuple(int(round(float(c))) for c in seed_kji)
    if not all(0 <= c < n for c, n in zip(seed, volume.shape)):
        raise LesionError(f"the point {seed} is outside the volume {volume.shape}")
    spacing = tuple(float(s) for s in volume.spacing)
    level = _click_level(volume.array, seed, spacing)
    if level < AERATED_HU:
        raise LesionError(f"no lesion at the click: {level:.0f} HU there is aerated lung or "
                          f"air; click inside the nodule or tumour")
    if body is None:
        from ctvis.core.image.body import body_mask
        body = body_mask(volume)
    side = None if lungs is None else _own_side(lungs, seed, spacing)
    widest = START_HALF_MM if level > CALCIUM_HU else MAX_HALF_MM
    mask, box, info, half, level = _grow_centred(volume, body, seed, spacing, level, progress,
                                                 lungs, side, widest)
    info.update(click_hu=level, box_half_mm=half)
    region = ndimage.find_objects(mask.astype(np.uint8))
    if not region and widest < MAX_HALF_MM:               # calcium at the click
        raise LesionError(f"no lesion at the click ({level:.0f} HU): bone or calcium that "
                          f"aerated lung does not enclose (a rib, the spine, contrast in a "
                          f"vessel); a calcified nodule lies in the lung")
    if not region:
        raise LesionError(f"no lesion at the click ({level:.0f} HU): the tissue there is not "
                          f"enclosed by aerated lung (the chest wall, the mediastinum or "
                          f"outside the lungs); click inside a nodule or tumour")
    inner = region[0]
    return Lesion(tuple(slice(b.start + r.start, b.start + r.stop) for b, r in zip(box, inner)),
                  mask[inner], info)


def _grow_centred(volume, body, seed, spacing, level, progress, lungs=None, side=None,
                  widest=MAX_HALF_MM):
    """(mask, box, info, half size, level) of the lesion grown around ``seed``, then again
    around its deepest point.  ``lungs``, ``side``: the lung labels and the lesion's own
    lung's label (None: all aerated lung encloses the lesion); ``widest``: the widest box's
    half size (mm)."""
    mask, box, info, half, alone = _grow_from(volume, body, seed, spacing, level, progress,
                                              lungs, side, widest=widest)
    if mask.any():
        # Again around the lesion's deepest point: the box (and so what of the vessels and
        # the wall it holds) is then the same wherever in the lesion the click fell.
        # (its tissue's: a cavity's air, which the lesion holds, is nothing to grow from)
        depth = np.where(volume.array[box] >= AERATED_HU, distance_mm(mask, spacing), 0)
        centre = tuple(int(b.start + c) for b, c in
                       zip(box, np.unravel_index(np.argmax(depth), depth.shape)))
        if centre != seed:
            # ... and at the level there: a click near the edge reads the partial-volume
            # rim's HU, the deepest point the lesion's own.
            inner = _click_level(volume.array, centre, spacing)
            if inner >= AERATED_HU:
                level = inner
            # Nothing there: the lesion's own deepest point is no lesion (the top of an
            # organ the lung encloses in a box), so neither is the click.
            # The first box there is the narrowest that holds what the click found (the
            # narrower ones only find it again running out of them: a third of a mass's
            # time).
            reach = max(max(c - b.start - lo.start, lo.stop - 1 - (c - b.start)) * s
                        for c, b, lo, s in zip(centre, box, ndimage.find_objects(
                            mask.astype(np.uint8))[0], spacing))
            start = START_HALF_MM
            while start <= reach and start < widest:
                start *= 2
            mask, box, info, half, _ = _grow_from(volume, body, centre, spacing, level,
                                                  progress, lungs, side, alone, start, widest)
    return mask, box, info, half, level


def _own_side(lungs, seed, spacing):
    """The label (1 right, 2 left) of the lung nearest to ``seed``; None when the volume
    does not hold both lungs (nothing to tell apart) or no lung lies within MAX_HALF_MM."""
    if not ((lungs == 1).any() and (lungs == 2).any()):
        return None
    half = START_HALF_MM
    while half <= MAX_HALF_MM:
        box = _box(seed, half, spacing, lungs.shape)
        near = lungs[box]
        idx = np.argwhere((near == 1) | (near == 2))
        if len(idx):
            d = ((((idx + [b.start for b in box]) - seed) * spacing) ** 2).sum(axis=1)
            return int(near[tuple(idx[np.argmin(d)])])
        half *= 2
    return None


def _beyond_own_lung(volume, body, lungs, side, box, mask, spacing, threshold) -> bool:
    """Whether more than OWN_SHARE of ``mask`` (the lesion in ``box``, enclosed by all
    aerated lung there) lies beyond what its own lung (label ``side`` of ``lungs``, the
    box's labels) alone encloses; never when the box holds no part of the other lung."""
    if not (lungs == 3 - side).any():
        return False
    hu = ndimage.median_filter(volume.array[box], size=(1, 3, 3))
    aerated = (hu < threshold) & body[box]
    # A coarser closing than the lesion's own: a yes or no, far from the bound either way
    # (the phantom's mass against the mediastinum 0.27–0.35; the oesophagus under a
    # nodule at lidc-0001-full's posterior junction, in the first box, 0.94).
    alone = _lung_side(mask, aerated & (lungs == side), spacing, steps=CLOSING_STEPS // 2)
    return np.count_nonzero(mask & ~alone) > OWN_SHARE * np.count_nonzero(mask)


def _grow_from(volume, body, seed, spacing, level, progress, lungs=None, side=None,
               alone=False, half=START_HALF_MM, widest=MAX_HALF_MM):
    """(mask, box, info, half size, alone) of the lesion grown in a box around ``seed`` of
    half size ``half`` (mm), doubled while the lesion reaches its side; ``alone``: enclosed
    by its own lung (label ``side`` of ``lungs``) alone, as decided in a box before or
    here."""
    while True:
        box = _box(seed, half, spacing, volume.shape)
        mask, info = _lesion_in_box(volume.array[box], body[box], tuple(
            s - b.start for s, b in zip(seed, box)), spacing, level,
            lungs[box] == side if alone else None, cavities=half <= START_HALF_MM)
        if not alone and side is not None and mask.any() and _beyond_own_lung(
                volume, body, lungs[box], side, box, mask, spacing, info["threshold_hu"]):
            # Both lungs together enclose what lies between them (the oesophagus at a
            # junction line, which a nodule on it joins without a neck); a lesion lies in
            # one lung: this box again, enclosed by that lung alone.
            alone = True
            continue
        if progress is not None:
            progress(min(half / widest, 1.0), "lesion")
        part, depth = info.pop("unheld", (None, 0.0))
        if not mask.any():
            if part is not None and half < widest and depth >= half / 2 and \
                    _touches_inner_side(part, box, volume.shape):
                # The click lies deep in a part that runs on beyond the box: a mass wider
                # than the box, around which the box holds too little lung to judge; judged
                # again in the next box.
                half *= 2
                continue
            return mask, box, info, half, alone
        if not _touches_inner_side(mask, box, volume.shape):
            return mask, box, info, half, alone
        if half >= widest:
            # Still running out of the widest box (240 mm): an organ (the lung over the
            # liver encloses the liver's top in a box narrower than the ball), not a mass.
            return np.zeros_like(mask), box, info, half, alone
        half *= 2


def _click_level(hu, seed, spacing) -> float:
    r = [max(1, int(np.ceil(CLICK_MM / s))) for s in spacing]
    # Clipped at the far side too: numpy would cut the slice there, not the grids below.
    box = tuple(slice(max(c - k, 0), min(c + k + 1, n)) for c, k, n in zip(seed, r, hu.shape))
    grids = np.meshgrid(*[(np.arange(b.start, b.stop) - c) * s
                          for b, c, s in zip(box, seed, spacing)], indexing="ij")
    ball = sum(g * g for g in grids) <= CLICK_MM ** 2 + 1e-9
    return float(np.median(hu[box][ball]))


def _box(seed, half_mm, spacing, shape) -> tuple:
    return tuple(slice(max(c - int(np.ceil(half_mm / s)), 0),
                       min(c + int(np.ceil(half_mm / s)) + 1, n))
                 for c, s, n in zip(seed, spacing, shape))


def _touches_inner_side(mask, box, shape) -> bool:
    """Whether ``mask`` reaches a side of ``box`` that is not the volume's border."""
    for axis, (b, n) in enumerate(zip(box, shape)):
        lo = np.take(mask, 0, axis=axis).any() and b.start > 0
        hi = np.take(mask, -1, axis=axis).any() and b.stop < n
        if lo or hi:
            return True
    return False


def _fat_tissue(hu, spacing) -> np.ndarray:
    fat = (hu > FAT_HU[0]) & (hu < FAT_HU[1])
    size = tuple(max(1, 2 * int(round(FAT_MM / 2 / s)) + 1) for s in spacing)
    return ndimage.maximum_filter(ndimage.minimum_filter(fat, size=size), size=size)


def _lesion_in_box(hu, body, seed, spacing, level, own=None, cavities=False):
    hu = ndimage.median_filter(hu, size=(1, 3, 3))            # speckle, not structure
    aerated = hu[(hu < -500) & body]
    lung = float(np.median(aerated)) if aerated.size >= 50 else LUNG_HU
    blob, info, _, _ = _blob_at_level(hu, body, seed, spacing, level, lung, own, cavities)
    # A part-solid nodule clicked in its solid core: the edge looked for at ground glass's
    # level adds a thick layer to its solid part (its ground-glass part), where a solid
    # nodule gains only the blurred edge between its solid level and the lung's.  Masses
    # are not looked at so (half the time), nor calcium (a calcified nodule is solid; the
    # glass pass holds none of its calcium, so the core would be a piece of its rim).
    if GLASS_HU < level <= CALCIUM_HU and blob.any() and not _is_mass(blob, spacing):
        glass, glass_info, glass_side, glass_whole = _blob_at_level(
            hu, body, seed, spacing, GLASS_HU, lung, own, cavities)
        # The solid part is inside the ground glass, on the lung's side of the pleura as
        # the glass pass sees it.  A solid core on the chest wall joins the wall at the
        # solid level, and the glass around it, read there as lung, encloses a wedge of the
        # wall: the glass pass, whose lung is the aerated lung beyond the glass, keeps it
        # out.  Nor is what the glass pass cut off at a neck: through noisy glass at the
        # solid pass's own threshold, the solid pass joins the vessels beside a nodule.
        solid = blob & glass_side & ~(glass_whole & ~glass)
        solid_hu = min(resource_json("lesion_types.json")["solid_hu"], level)
        core = _part_at(solid & glass & (hu >= solid_hu), seed, spacing)
        # The layer is ground glass: solid tissue the glass pass joins beyond the core (the
        # heart's wall under a nodule on it, on a noisy scan) is none.
        layer = glass & ((hu < solid_hu) | core)
        if _added_thickness(core, layer, spacing) >= GLASS_MM and \
                _glass_around(core, layer, glass_side & (hu < solid_hu), spacing) >= 0.5:
            blob, info, level = glass | solid, glass_info, GLASS_HU
    info["lesion_hu"] = level
    return blob, info


def _part_at(mask, seed, spacing) -> np.ndarray:
    """The connected part of ``mask`` at ``seed`` (or nearest to it, within two click
    radii), empty if none: the solid core joined to the click, not the pieces of vessels
    that run through a nodule's ground glass (their surface made its glass layer look thin
    on noisy scans)."""
    at = seed if mask[seed] else _nearest_true(mask, seed, spacing, 2 * CLICK_MM)
    if at is None:
        return np.zeros_like(mask)
    parts, _ = ndimage.label(mask)
    return parts == parts[at]


def _is_mass(blob, spacing) -> bool:
    """Whether ``blob`` is longer than a nodule can be: of all shapes of a given volume the
    ball has the shortest longest diameter, so more volume than a ball NODULE_MM across
    means a longer lesion."""
    volume = np.count_nonzero(blob) * float(np.prod(spacing))
    return volume > np.pi / 6 * NODULE_MM ** 3


def _added_thickness(inner, outer, spacing) -> float:
    """The mean thickness (mm) of the layer ``outer`` adds to ``inner`` beyond the slices
    next to it: its volume over ``inner``'s surface area (faces between inner and not-inner
    voxels).  A slice averages the lesion's edge over its whole thickness, so the slice
    above and the one below any lesion hold its partial volume at every level between
    lung and tissue (on 5 mm slices a solid nodule "gained" 5 mm there)."""
    area = 0.0
    for axis in range(3):
        faces = np.count_nonzero(np.diff(inner, axis=axis)) + \
            np.count_nonzero(np.take(inner, [0, -1], axis=axis))
        area += faces * float(np.prod(spacing)) / spacing[axis]
    next_slices = ndimage.binary_dilation(inner, structure=_Z_NEIGHBOURS)
    added = np.count_nonzero(outer & ~next_slices) * float(np.prod(spacing))
    return added / area if area else 0.0


def _glass_around(core, layer, open_lung, spacing) -> float:
    """The share of the open lung around ``core`` (lung-side voxels below the solid level)
    in the outer half of a GLASS_MM layer, in the core's widest slice, that ``layer`` holds.
    Ground glass surrounds its core; vessels leave a nodule in a few directions only, and
    the blurred edge of a solid one mostly ends nearer.  The layer's mean thickness alone
    counts the vessels' rims as glass, and a small core's small area makes them thick."""
    ring = (GLASS_MM / 2, GLASS_MM)
    # In the slice where the core is widest: in the others (its caps, on thin slices) the
    # wider section beside them blurs across the slice into a ring at glass's level.
    k = int(np.argmax(np.count_nonzero(core, axis=(1, 2))))
    far = distance_mm(~core[k], spacing[1:])
    shell = (far > ring[0]) & (far <= ring[1]) & open_lung[k]
    seen = np.count_nonzero(shell)
    return np.count_nonzero(shell & layer[k]) / seen if seen else 0.0


_Z_NEIGHBOURS = np.zeros((3, 3, 3), bool)
_Z_NEIGHBOURS[:, 1, 1] = True


def _blob_at_level(hu, body, seed, spacing, level, lung, own=None, cavities=False):
    """(lesion, info, lung side, whole): the lesion at ``level``, what the aerated lung at
    its threshold encloses (:func:`_lung_side`) and the whole part of the tissue at that
    level joined to the click, before the necks and the lung side cut it."""
    # A solid lesion is soft tissue: its edge does not depend on the HU under the click
    # (contrast, noise); ground glass's level is its own, and so is calcium's (a calcified
    # nodule's blurred edge reaches far out at soft tissue's level).
    solid = resource_json("lesion_types.json")["solid_hu"] <= level <= CALCIUM_HU
    low = lung + RIM * ((SOFT_TISSUE_HU if solid else level) - lung)
    # A calcified nodule: all of its calcium (bone beside it lies beyond the pleura).
    high = np.inf if level > CALCIUM_HU else max(VESSEL_HU, level + 100.0)
    dense = (hu >= low) & (hu <= high) & ~_fat_tissue(hu, spacing)
    info = {"lung_hu": lung, "threshold_hu": low}
    if not dense[seed]:
        near = _nearest_true(dense, seed, spacing, CLICK_MM * 2)
        if near is None:
            lesion, side, whole = (np.zeros(hu.shape, bool) for _ in range(3))
            return lesion, info, side, whole
        seed = near
    parts, _ = ndimage.label(dense)
    whole = parts == parts[seed]
    if cavities:
        # A nodule's cavity: the air its tissue encloses is the nodule's, and no lung (a
        # thin wall would be a neck).  Not in a mass's wider box: there the tissue
        # encloses consolidated lung's air bronchograms too.
        whole = ndimage.binary_fill_holes(whole)
    split, depth, wider = _split_at_necks(whole, seed, spacing)
    aerated = (hu < low) & body & ~whole          # (only a cavity's air is both)
    # ``own``: the lesion's own lung, which alone encloses it (aerated lung elsewhere is
    # still not lesion).
    side = _lung_side(split, aerated if own is None else aerated & own, spacing, depth)
    lesion = _enclosed(split, wider, whole, side, seed, spacing)
    if lesion is None:
        # The tissue under the click lies beyond the pleura (the chest wall, the
        # mediastinum, an organ below the diaphragm): what is left elsewhere in the box is
        # not the lesion clicked, and growing the box would only look further for it —
        # unless the click's part runs on beyond the box (the caller's ``unheld``).
        info["unheld"] = (split, depth)
        return np.zeros(hu.shape, bool), info, side, whole
    return lesion, info, side, whole


def _enclosed(split, wider, whole, side, seed, spacing):
    """The lesion: what of ``split`` the lung side ``side`` allows, joined to ``seed``,
    with its surface; None when the seed's tissue lies beyond the pleura."""
    # Against a wider blob it touches (the dome, the heart, the wall), the flood from that
    # blob's deeper peak takes the lesion's side of the contact: the lesion takes back the
    # voxel layer beyond its border there, where the lung side allows.
    blob = ndimage.binary_dilation(split & side, mask=(split | wider) & side)
    # A lesion has no holes in its slices (a cavity, necrosis, the middle of a mass too
    # wide for the lung-side ball are the lesion's).
    from ctvis.core.image.body import fill_holes_slices   # scipy.ndimage: not at import
    blob = fill_holes_slices(blob)
    if not blob[seed]:
        # A click at the lesion's base on the pleura (a small juxta-pleural nodule's solid
        # core) may fall a voxel beyond the lung's smooth surface: the lesion it touches.
        seed = _nearest_true(blob, seed, spacing, CLICK_MM)
        if seed is None:
            return None
    parts, _ = ndimage.label(blob)
    lesion = parts == parts[seed]
    return _with_surface(lesion, whole & side & ~wider, seed, spacing)


def _with_surface(lesion, cut, seed, spacing) -> np.ndarray:
    """``lesion`` with what of ``cut`` (the parts its neck split cut off) lies within
    SURFACE times its radius of it.  The split cuts straight across each neck, and a
    lesion's surface bulges beyond such a cut by its lobulation and the bases of its
    spiculae, which readers outline; a vessel leaving a 10 mm nodule gains half a
    millimetre."""
    volume = np.count_nonzero(lesion) * float(np.prod(spacing))
    reach = SURFACE * (3 * volume / (4 * np.pi)) ** (1 / 3)
    if reach < min(spacing):
        return lesion                  # not a voxel's reach on this grid
    # Only the lesion's box grown by the reach can gain voxels: the distance map there.
    pad = [int(np.ceil(reach / s)) for s in spacing]
    box = tuple(slice(max(b.start - p, 0), b.stop + p) for b, p in
                zip(ndimage.find_objects(lesion.astype(np.uint8))[0], pad))
    grown = lesion.copy()
    grown[box] |= cut[box] & (distance_mm(~lesion[box], spacing) <= reach)
    parts, _ = ndimage.label(grown)
    return parts == parts[seed]


def _lung_side(blob, aerated, spacing, depth=np.inf, steps=CLOSING_STEPS) -> np.ndarray:
    """What the aerated lung encloses: its closing with a ball wider than the lesion.  The
    chest wall and the mediastinum under a juxta-pleural nodule or a mass lie beyond the
    pleura's smooth surface, which a ball cannot pass; the lesion itself fills a hollow of
    the lung that the ball bridges.  ``depth``: the click's depth in ``blob`` (mm), which
    bounds the lesion's size when ``blob`` has joined an organ under a small nodule."""
    if not aerated.any():
        return np.ones_like(blob)
    volume = np.count_nonzero(blob) * float(np.prod(spacing))
    size = min((3 * volume / (4 * np.pi)) ** (1 / 3), DEPTH_SIZE * depth)
    radius = float(np.clip(ENCLOSE * size,
                           ENCLOSE_MM[0], ENCLOSE_MM[1]))
    # A wide ball needs no fine grid: voxels of at most CLOSING_STEPS-th of its radius (the
    # cost grows with the ball's volume in voxels).
    f = tuple(max(1, int(radius / (steps * s))) for s in spacing)
    coarse = _majority(aerated, f)
    step = tuple(s * k for s, k in zip(spacing, f))
    pad = [int(np.ceil(radius / s)) + 1 for s in step]
    a = np.pad(coarse, [(p, p) for p in pad])
    grown = distance_mm(~a, step) <= radius
    closed = distance_mm(grown, step) > radius
    closed = closed[tuple(slice(p, p + n) for p, n in zip(pad, coarse.shape))]
    for axis, k in enumerate(f):
        closed = np.repeat(closed, k, axis=axis)
    return closed[tuple(slice(0, n) for n in aerated.shape)] | aerated


def _majority(mask, f) -> np.ndarray:
    """``mask`` on a grid ``f`` (per axis) times coarser: blocks at least half true."""
    if f == (1, 1, 1):
        return mask
    pad = [(0, (-n) % k) for n, k in zip(mask.shape, f)]
    m = np.pad(mask, pad).astype(np.float32)
    shape = []
    for n, k in zip(m.shape, f):
        shape += [n // k, k]
    return m.reshape(shape).mean(axis=(1, 3, 5)) >= 0.5


def _nearest_true(mask, seed, spacing, radius_mm):
    r = [max(1, int(np.ceil(radius_mm / s))) for s in spacing]
    box = tuple(slice(max(c - k, 0), c + k + 1) for c, k in zip(seed, r))
    idx = np.argwhere(mask[box])
    if not len(idx):
        return None
    d = (((idx + [b.start for b in box]) - seed) * spacing) ** 2
    best = idx[np.argmin(d.sum(axis=1))]
    return tuple(int(v) + b.start for v, b in zip(best, box))


def _split_at_necks(blob, seed, spacing) -> tuple:
    """``blob`` cut at its narrowings, the part holding ``seed``; the seed's depth in
    ``blob`` (mm to its edge); and the parts cut off that are wider than that part (their
    deepest point deeper)."""
    box = ndimage.find_objects(blob.astype(np.uint8))[0]
    box = tuple(slice(max(b.start - 1, 0), b.stop + 1) for b in box)
    part = blob[box]
    s = tuple(c - b.start for c, b in zip(seed, box))
    dist = distance_mm(part, spacing)
    # Peaks: local maxima of the distance map at least PEAK_MM deep (thinner: a rim).
    peaks = (ndimage.maximum_filter(dist, size=3) == dist) & part & (dist >= PEAK_MM)
    markers, n = ndimage.label(peaks)
    if n <= 1:
        out = np.zeros_like(blob)
        out[box] = part
        return out, float(dist[s]), np.zeros_like(blob)
    from skimage.segmentation import watershed     # here: 15 MiB the viewer need not import

    basins = watershed(-dist, markers, mask=part)
    peak = ndimage.maximum(dist, basins, index=np.arange(n + 1))
    peak = np.asarray(peak, np.float64)
    saddle = _saddles(basins, dist, n)
    start = int(basins[s])
    if start == 0:
        start = int(np.bincount(basins[part].ravel()).argmax())
    keep, wider = _merged(start, saddle, peak)
    out = np.zeros_like(blob)
    out[box] = np.isin(basins, list(keep))
    wide = np.zeros_like(blob)
    wide[box] = np.isin(basins, list(wider))
    return out, float(dist[s]), wide


def _merged(start, saddle, peak) -> tuple:
    """The basins that make one blob with ``start``, and those of the other blobs wider than
    it.  Necks are taken widest first, and two regions become one where the neck between
    them is at least NECK times the wider region's radius (lobes of one lesion; a vessel or
    the wall beyond a narrow neck stays apart).  Done over every basin, not grown from the
    click's, so that where in the lesion the click falls does not change the result."""
    pairs = sorted(((v, a, b) for a, row in saddle.items() for b, v in row.items() if a < b),
                   reverse=True)
    parent = list(range(len(peak)))
    widest = list(peak)
    for value, a, b in pairs:
        ra, rb = root(parent, a), root(parent, b)
        if ra != rb and value >= NECK * max(widest[ra], widest[rb]):
            parent[rb] = ra
            widest[ra] = max(widest[ra], widest[rb])
    r = root(parent, start)
    groups = {x: root(parent, x) for x in range(1, len(peak))}
    return ({x for x, g in groups.items() if g == r},
            {x for x, g in groups.items() if g != r and widest[g] > widest[r]})


def _saddles(basins, dist, n) -> dict:
    """For each pair of touching basins, the widest point (distance) of the neck between
    them: the largest min(dist) over pairs of face neighbours in the two basins."""
    out: dict = {}
    for axis in range(3):
        a = np.moveaxis(basins, axis, 0)
        d = np.moveaxis(dist, axis, 0)
        la, lb = a[:-1].ravel(), a[1:].ravel()
        da = np.minimum(d[:-1], d[1:]).ravel()
        edge = (la != lb) & (la > 0) & (lb > 0)
        if not edge.any():
            continue
        pa, pb, dv = la[edge], lb[edge], da[edge]
        lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)
        key = lo.astype(np.int64) * (n + 1) + hi
        order = np.argsort(key)
        key, dv = key[order], dv[order]
        starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
        best = np.maximum.reduceat(dv, starts)
        for k, v in zip(key[starts], best):
            i, j = int(k // (n + 1)), int(k % (n + 1))
            for x, y in ((i, j), (j, i)):
                row = out.setdefault(x, {})
                row[y] = max(row.get(y, 0.0), float(v))
    return out
