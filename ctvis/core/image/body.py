"""Body mask ("noise removal" in the seeds), HU histogram and crop to the body.

The body is the largest connected region denser than fat-ish air (−500 HU) after an opening
that cuts thin bridges (table pads, blankets, cables), with holes filled slice by slice so the
lungs and airways count as inside.  The seeds' single 2-D dilation kept the table.

Where the image ends (the array's border, or the reconstruction circle: see
:mod:`ctvis.core.image.field`) the body may go on unseen: a lung cut there is no hole, it
touches the edge like the air around the patient does.  What touches the edge is judged by
what it holds: nearly pure air (below ``GAS_HU``) is the outside; lung-like air is inside.

Speed: the heavy steps (opening, 3-D labelling, hole filling) run on an in-plane subsampled
grid of about 2 mm; only the skin line is refined at full resolution.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.image.axial import as_axial, as_stored
from ctvis.core.image.boxfilter import box_max, box_min
from ctvis.core.image.field import volume_outside_field
from ctvis.core.progress import Progress
from ctvis.core.volume import Volume

BODY_THRESHOLD_HU = -500
COARSE_MM = 2.0          # in-plane pitch of the grid the heavy steps run on
AIR_HU = -400            # air and aerated lung (the lungs' internal-marker threshold)
GAS_HU, GAS_FRACTION = -975, 0.2   # the air around a patient (and bowel gas) is mostly
                                   # below −975 HU; lung parenchyma, even emphysema, is not
AERATED_HU = -600        # ... and most of a lung's air is below −600 HU
MIN_CUT_LUNG_ML = 5.0    # smaller pockets at the edge: partial volume at the skin
PARENCHYMA_ML = 100.0    # air cut by the field's edge that holds this much aerated air
                         # that is not gas, and more than its gas, is a lung's, however
                         # much gas joins it (its pneumothorax: 0.21 of lidc-0001-full's
                         # right lung with 170 mL); the air outside holds only its rim's
                         # partial volume, and its noise (at an SD of 100 HU, 0.4 of it)
CHANNEL_MM = 10.0        # gas in a chest wall opens a lung to the outside through channels
                         # narrower than this
BRIDGE_MM = 10.0         # gaps in the body's wall narrower than this (metal's streaks) are
                         # closed before its holes are filled

# In-plane connectivity for per-slice operations done on a whole stack at once.
PLANE_CROSS = np.zeros((3, 3, 3), bool)
PLANE_CROSS[1] = ndimage.generate_binary_structure(2, 1)


def coarse_factor(spacing, target_mm: float = COARSE_MM) -> int:
    """In-plane subsampling factor that brings the pixel size near ``target_mm``."""
    return max(1, int(round(target_mm / min(spacing[1:]))))


def subsample(array: np.ndarray, f: int) -> np.ndarray:
    """Every f-th pixel in y and x, sampled at the centre of each f×f block (a view)."""
    c = (f - 1) // 2
    return array[:, c::f, c::f]


def upsample(small: np.ndarray, f: int, shape) -> np.ndarray:
    """Nearest-neighbour inverse of :func:`subsample` onto the full ``shape``."""
    if f == 1:
        return small
    out = small.repeat(f, axis=1).repeat(f, axis=2)
    pad = [(0, 0), (0, max(0, shape[1] - out.shape[1])), (0, max(0, shape[2] - out.shape[2]))]
    if pad[1][1] or pad[2][1]:
        out = np.pad(out, pad, mode="edge")
    return out[:, :shape[1], :shape[2]]


def fill_holes_slices(mask: np.ndarray, max_area_px: int | None = None) -> np.ndarray:
    """binary_fill_holes on every axial slice, done with one labelling of the whole stack.

    With ``max_area_px``, only holes up to that many pixels are filled.
    """
    box = index_box(mask)
    if box is None:
        return mask.copy()
    # Holes lie inside the mask's box: work in it grown by a pixel in-plane.  Background
    # reaching that box's edge reaches the slice's border (the ring of background around
    # the box runs out to it), so the holes are the same.
    grown = (box[0],) + tuple(slice(max(b.start - 1, 0), b.stop + 1) for b in box[1:])
    out = mask.copy()
    out[grown] = _fill_holes(mask[grown], max_area_px)
    return out


def _fill_holes(mask: np.ndarray, max_area_px: int | None) -> np.ndarray:
    background, n = ndimage.label(~mask, structure=PLANE_CROSS)
    keep = np.zeros(n + 1, bool)           # True: stays background
    for edge in (background[:, 0, :], background[:, -1, :], background[:, :, 0],
                 background[:, :, -1]):
        keep[np.unique(edge)] = True
    keep[0] = True                         # label 0 is the mask itself
    if max_area_px is not None:
        keep |= np.bincount(background.ravel(), minlength=n + 1) > max_area_px
    return mask | ~keep[background]


def body_on_grid(array: np.ndarray, spacing, threshold: float, opening_mm: float,
                  tick: Progress, outside: np.ndarray | None = None) -> np.ndarray:
    """The body on ``array``'s grid; ``outside``: its (y, x) columns beyond the field."""
    dense = array > threshold
    # Opening with a square in-plane window: separable min/max filters (shifted views), far
    # faster than a disk per slice, and the z axis is left alone so thick slices do not matter.
    # Rounded down past .75 so a coarse grid never opens wider than the full-resolution one.
    size = 2 * max(int(opening_mm / min(spacing[1:]) + 0.25), 1) + 1
    tick(0.1, "body mask: opening")
    opened = box_max(box_min(dense, (1, size, size)), (1, size, size))
    labels, n = ndimage.label(opened)
    tick(0.5, "body mask: largest component")
    if n == 0:
        return opened
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    component = labels == int(np.argmax(sizes))
    del labels
    # The square opening also shaved curved edges (the body's flanks): take back the dense
    # voxels just around the kept component; the table, further away, stays out.
    grow = size + 2
    body = dense & box_max(component, (1, grow, grow))
    tick(0.7, "body mask: filling holes")
    return _fill_within_field(body, array, outside, spacing)


def _bridged(body: np.ndarray, spacing) -> np.ndarray:
    """``body`` closed in-plane across gaps narrower than ``BRIDGE_MM``: the dark streaks
    that metal (a pacemaker, a port, a prosthesis) casts across the chest wall would
    otherwise open a lung's slice to the air outside."""
    size = 2 * max(int(round(BRIDGE_MM / (2 * min(spacing[1:])))), 1) + 1
    return body | box_min(box_max(body, (1, size, size)), (1, size, size))


def _fill_within_field(body: np.ndarray, array: np.ndarray, outside: np.ndarray | None,
                       spacing) -> np.ndarray:
    """``body`` with its holes filled slice by slice, also those that only its narrow gaps
    open (:func:`_bridged`; the gaps open to the air outside stay out), and with what touches the
    field's edge (the array's border or ``outside``) taken in where it is lung-like, not the
    outside air (a lung cut by the field's edge is judged whole, in 3-D)."""
    holes, undecided = _holes(body, outside)
    bridged = _bridged(body, spacing)
    bridged_holes, beyond = _holes(bridged, outside)
    holes |= bridged_holes
    if outside is not None and outside.any():
        beyond = beyond | outside[None]
    holes |= _closed_within(bridged & ~body & ~holes, beyond)
    voxel_ml = float(np.prod(spacing)) / 1000.0
    return body | holes | _cut_lungs(undecided, body, array, voxel_ml, spacing)


def _closed_within(gaps: np.ndarray, beyond: np.ndarray) -> np.ndarray:
    """The ``gaps`` the bridging closed that no open air ``beyond`` the bridged body
    touches (in their slice): a metal streak's gap runs out to the air around the patient
    and stays out; an air pocket beside a vessel in a lung is closed within the body.  (Such
    a lung is no hole of the body where gas in its chest wall opens the slice to the
    outside; the trachea's lumen was one of those pockets, and the airway was lost.)"""
    box = index_box(gaps)
    if box is None:
        return gaps
    box = grown_box(box, 1, gaps.shape)
    parts, n = ndimage.label(gaps[box], structure=PLANE_CROSS)
    open_ = np.zeros(n + 1, bool)
    open_[np.unique(parts[ndimage.binary_dilation(beyond[box], PLANE_CROSS)])] = True
    open_[0] = True
    closed = np.zeros_like(gaps)
    closed[box] = ~open_[parts]
    return closed


def _holes(body: np.ndarray, outside: np.ndarray | None) -> tuple:
    """(the holes of ``body`` in each slice, what is neither body nor a hole: the regions
    that reach the array's border or the field's edge)."""
    known = ~body
    if outside is not None and outside.any():
        known &= ~outside[None]
    parts, n = ndimage.label(known, structure=PLANE_CROSS)
    touching = np.zeros(n + 1, bool)
    for edge in (parts[:, 0, :], parts[:, -1, :], parts[:, :, 0], parts[:, :, -1]):
        touching[np.unique(edge)] = True
    if outside is not None and outside.any():
        rim = ndimage.binary_dilation(outside) & ~outside      # in the field, at its edge
        touching[np.unique(parts[:, rim])] = True
    touching[0] = False                                      # label 0: body or unknown
    undecided = touching[parts]
    return (parts > 0) & ~undecided, undecided


def _cut_lungs(undecided: np.ndarray, body: np.ndarray, array: np.ndarray,
               voxel_ml: float, spacing) -> np.ndarray:
    """The regions of ``undecided`` that are lung (:func:`_lung_like`), also where gas in
    the chest wall makes a lung and the air outside one region: apart from that air across
    the gas's channels (narrower than ``CHANNEL_MM``, cut by an in-plane opening of the air
    alone: the pieces of tissue the body's opening broke off the wall are no channel), the
    lung is judged on its own and taken back to the channels' mouths."""
    keep = _lung_like(undecided, body, array, voxel_ml)
    box = index_box(body)
    if box is None:
        return keep
    size = 2 * max(int(round(CHANNEL_MM / (2 * min(spacing[1:])))), 1) + 1
    # A lung lies within the body's extent; the ring of outside air around it joins what
    # runs out of the body.
    box = grown_box(box, (0, size + 1, size + 1), body.shape)
    rest = undecided[box] & ~keep[box]
    air = rest & (array[box] < AIR_HU)
    cores = _lung_like(box_min(air, (1, size, size)), body[box], array[box], voxel_ml)
    if cores.any():
        keep[box] |= box_max(cores, (1, size, size)) & rest
        # and what the lungs taken back enclose with the body (the trachea's lumen)
        keep[box] |= _holes(body[box] | keep[box], None)[0] & rest
    return keep


def _lung_like(undecided: np.ndarray, body: np.ndarray, array: np.ndarray,
               voxel_ml: float) -> np.ndarray:
    """The 3-D regions of ``undecided`` that are lung cut by the field's edge: they lie
    mostly within the body's outline (its convex hull, slice by slice: the foam pads and
    the air under a patient's back are outside it), and their air looks like lung, not like
    the air around the patient — or holds a lung's worth of parenchyma, more than its gas
    (``PARENCHYMA_ML``): the air of a pneumothorax the field's edge cuts is as pure as the
    air outside, and joins its lung (and, on a coarse grid, the trachea beside it)."""
    parts, n = ndimage.label(undecided)
    if n == 0:
        return undecided
    air = undecided & (array < AIR_HU)
    count = lambda where: np.bincount(parts[where], minlength=n + 1)    # noqa: E731
    total = count(air)
    gas = count(air & (array < GAS_HU))
    aerated = count(air & (array < AERATED_HU))
    parenchyma = aerated - gas
    keep = ((total * voxel_ml >= MIN_CUT_LUNG_ML) & (aerated >= 0.5 * total)
            & ((gas < GAS_FRACTION * total)
               | ((parenchyma * voxel_ml >= PARENCHYMA_ML) & (parenchyma >= gas))))
    keep[0] = False
    if keep.any():              # the hulls only where needed (the air around: 1 s a chest)
        within = count(air & _hulls(body, keep[parts]))
        keep &= within >= 0.5 * total
    return keep[parts]


def _hulls(body: np.ndarray, where: np.ndarray) -> np.ndarray:
    """The convex hull of ``body`` in each slice that ``where`` touches."""
    from skimage.morphology import convex_hull_image

    out = np.zeros_like(body)
    for k in np.flatnonzero(where.any(axis=(1, 2)) & body.any(axis=(1, 2))):
        out[k] = convex_hull_image(body[k])
    return out


def body_mask(volume: Volume, threshold: float = BODY_THRESHOLD_HU, opening_mm: float = 3.0,
              progress=None, cancel=None) -> np.ndarray:
    """Boolean [z, y, x] mask of the patient's body (table and blankets removed), made in
    the patient's axial planes whatever order the volume is stored in."""
    axial, perm = as_axial(volume)
    if perm is not None:
        return as_stored(body_mask(axial, threshold, opening_mm, progress, cancel), perm)
    tick = Progress(progress, cancel)
    f = coarse_factor(volume.spacing)
    spacing = (volume.spacing[0], volume.spacing[1] * f, volume.spacing[2] * f)
    outside = subsample(volume_outside_field(volume)[None], f)[0]
    small = body_on_grid(subsample(volume.array, f), spacing, threshold, opening_mm,
                          tick.sub(0, 0.8), outside)
    if f == 1:
        tick(1.0, "body mask done")
        return small
    tick(0.8, "body mask: skin at full resolution")
    # Inside the coarse body minus one coarse pixel: body.  Within one coarse pixel of its
    # outline (either side): the dense voxels, so the skin line keeps full resolution.
    inner = ndimage.minimum_filter(small, size=(1, 3, 3))
    outer = ndimage.maximum_filter(small, size=(1, 3, 3))
    shape = volume.shape
    body = upsample(inner, f, shape) | (upsample(outer & ~inner, f, shape)
                                        & (volume.array > threshold))
    tick(1.0, "body mask done")
    return body


def hu_histogram(volume: Volume, mask: np.ndarray | None = None, bin_width: int = 10,
                 hu_range=(-1024, 3072)):
    """Counts and bin edges of HU (inside ``mask`` if given)."""
    values = volume.array[mask] if mask is not None else volume.array.ravel()
    edges = np.arange(hu_range[0], hu_range[1] + bin_width, bin_width)
    counts, edges = np.histogram(values, bins=edges)
    return counts, edges


def bounding_box(mask: np.ndarray, margin=(0, 0, 0), clip: bool = True):
    """(lo, hi) index box [lo, hi) of the True voxels, grown by ``margin`` voxels, or None.

    With ``clip=False`` the grown box may reach outside the array (for padded crops).
    """
    if not mask.any():
        return None
    lo, hi = [], []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        hits = np.flatnonzero(mask.any(axis=other))
        lo.append(int(hits[0]) - margin[axis])
        hi.append(int(hits[-1]) + 1 + margin[axis])
    lo, hi = np.array(lo), np.array(hi)
    if clip:
        lo, hi = np.maximum(lo, 0), np.minimum(hi, mask.shape)
    return lo, hi


def index_box(mask: np.ndarray) -> tuple | None:
    """The index box (a slice per axis) of ``mask``'s set elements, or None: what
    ``ndimage.find_objects(mask.astype(np.uint8))[0]`` gives, in a twentieth of its time."""
    along = np.flatnonzero(mask.any(axis=tuple(range(1, mask.ndim))) if mask.ndim > 1
                           else mask)
    if along.size == 0:
        return None
    first = slice(int(along[0]), int(along[-1]) + 1)
    if mask.ndim == 1:
        return (first,)
    return (first,) + index_box(mask[first].any(axis=0))


def grown_box(box: tuple, by, shape) -> tuple:
    """``box`` (a slice per axis) grown by ``by`` voxels on each side (one number, or one
    per axis), clipped to an array of ``shape``."""
    by = (by,) * len(box) if np.isscalar(by) else by
    return tuple(slice(max(b.start - k, 0), min(b.stop + k, n))
                 for b, k, n in zip(box, by, shape))


def margin_voxels(mm: float, spacing) -> list[int]:
    """Voxels along each axis that cover ``mm``, with one to spare."""
    return [int(np.ceil(mm / s)) + 1 for s in spacing]


def crop_to_body(volume: Volume, mask: np.ndarray | None = None, margin_mm: float = 5.0):
    """The volume cropped to the body's bounding box (plus a margin); returns (volume, box)."""
    mask = body_mask(volume) if mask is None else mask
    margin = tuple(int(np.ceil(margin_mm / s)) for s in volume.spacing)
    box = bounding_box(mask, margin)
    if box is None:
        return volume, (np.zeros(3, int), np.array(volume.shape))
    return volume.crop(*box), box
