"""The seeds' marker-controlled watershed, 3-D aware and fast (``method="watershed"``).

Steps (sizes in mm, converted with the volume's spacing):

1. Coarse grid (~3 mm in-plane; every slice, or every second or more of thin slices, to a
   pitch near ``COARSE_Z_MM``): body mask; air = HU < −400 inside the body.
2. The trachea is found in the upper slices and followed down (:mod:`lungs_airway`); it and
   the main bronchi are cut out, which disconnects the two lungs in 3-D.
3. 3-D components of the remaining air, two neighbours joined only where the full
   resolution joins them (:mod:`ctvis.core.lungs.coarse_air`); the lungs are the large,
   non-gas ones that a bronchus enters or that are thick (:mod:`lungs_split`; not the
   chest wall's gas), labelled right/left by patient LPS x, touching lungs split.
4. Take-back of juxtapleural nodules and hilar concavities (the seeds' black top-hat of the
   outline with a ~49-pixel disk, then closing): per lung and per slice, a closing with a disk
   of ``closing_mm`` done with two Euclidean distance transforms, then per-lung hole filling.
   Filling each lung on its own never takes in the mediastinum or the heart, which the union
   of the two lungs encloses.
5. Full resolution, cropped to the lungs: internal marker = HU < −400 carrying the coarse
   label, and the coarse envelope shrunk by one coarse pixel; the seeds' watershed of the
   Sobel gradient decides every edge between them and the external marker (a ring
   ``band_mm`` outside the air, and the envelope grown by one coarse pixel): the air's
   partial-volume band and the envelope's edge zone follow the image, not the grid.
   Sampled thin slices: a slice between two coarse ones takes the markers' reach from
   either and the core where both agree (:func:`_along_z`).
6. Nodules on the pleura, which the full-resolution edge leaves out with the wall they sit
   on, join their lung (:mod:`ctvis.core.lungs.pleural_nodules`; not with ``aerated``).
"""
from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
from scipy import ndimage
from skimage.segmentation import watershed

from ctvis.core.cores import usable_cores
from ctvis.core.editing.region import relative
from ctvis.core.image.body import (body_on_grid, coarse_factor, fill_holes_slices, grown_box,
                                   index_box, margin_voxels, subsample, upsample)
from ctvis.core.image.boxfilter import box_max, box_min
from ctvis.core.image.field import volume_outside_field
from ctvis.core.labels import AIRWAY
from ctvis.core.lungs.airless import airless_bases, base_top
from ctvis.core.lungs.airway import airway_mask, lumen_at_full, lumen_level
from ctvis.core.lungs.coarse_air import joined_components
from ctvis.core.lungs.costal import costal_consolidation
from ctvis.core.lungs.envelope import aerated as aerated_only
from ctvis.core.lungs.envelope import MIDLINE_MM, WALL_REACH_MM, envelope
from ctvis.core.lungs.envelope import closing_2d  # noqa: F401 (re-exported)
from ctvis.core.lungs.midline import body_turn, find_midline
from ctvis.core.lungs.patient_size import adult_sized
from ctvis.core.lungs.pleural_air import air_beside, clear_level, remove_pleural_air
from ctvis.core.lungs.pleural_nodules import add_pleural_nodules
from ctvis.core.lungs.split import assign_sides, select_lungs, wall_gas_left_out
from ctvis.core.progress import Progress
from ctvis.core.volume import Volume

INTERNAL_HU = -400          # the seeds' internal-marker threshold
BAND_MM = 3.0               # the watershed decides the border this far outside the marker
CLOSING_MM = 4.0            # take-back radius (juxtapleural nodules, small concavities)
COARSE_MM = 3.0            # in-plane pitch of the coarse grid
COARSE_Z_MM = 1.25         # thinner slices are sampled to about this pitch (issue 25)
ANTERIOR_MEDIASTINUM_MM = 50.0   # half-width of the mediastinum in front of the spine
HEART_MM = 90.0                  # ... below the main bronchi, where the heart is
DISC_MM = 15.0                   # an intervertebral disc is thinner than this
SLAB = 24                   # slices per watershed call (bounds memory)

PLANE = np.zeros((3, 3, 3), bool)
PLANE[1] = True             # 8-connected in-plane, no link across slices


def _x_mm(volume: Volume, f: int, shape, axis: int = 0) -> np.ndarray:
    """LPS x (``axis`` 0; 1 for y) of every voxel of the coarse grid (float32)."""
    m = volume.index_to_patient_matrix
    c = (f - 1) // 2
    k = np.arange(shape[0], dtype=np.float32)[:, None, None]
    j = (np.arange(shape[1], dtype=np.float32) * f + c)[None, :, None]
    i = (np.arange(shape[2], dtype=np.float32) * f + c)[None, None, :]
    return (np.float32(m[axis, 3]) + np.float32(m[axis, 0]) * i + np.float32(m[axis, 1]) * j
            + np.float32(m[axis, 2]) * k).astype(np.float32)


def _mediastinum(volume, small, body, x_mm, y_mm, behind_centre, midline,
                 airway=None) -> np.ndarray:
    """Where the mediastinum is (no pathology take-back there), per slice: a narrow strip
    along the midline, wide (``ANTERIOR_MEDIASTINUM_MM``) in front of the spine (aortic
    arch, great vessels), wider still (``HEART_MM``) below the main bronchi, where the heart
    is (everywhere when no airway was found); beside the spine a mass may reach the
    vertebrae."""
    central = np.abs(x_mm - midline) < MIDLINE_MM
    spine = central & body & (small > 150)
    behind = spine & behind_centre                             # not the sternum
    front = np.where(behind, y_mm, np.inf).min(axis=(1, 2))     # the vertebral body's front
    # At a disc (soft, under 150 HU) only the arch behind it is found: the front of the
    # vertebral bodies above and below stands in (within DISC_MM).
    reach = 2 * int(np.ceil(DISC_MM / volume.spacing[0])) + 1
    front = ndimage.minimum_filter1d(front, size=reach, mode="nearest")
    half = np.full(small.shape[0], HEART_MM, np.float32)
    if airway is not None and airway.any():
        order = _superior_first(volume)                     # head to feet
        last = np.flatnonzero(airway.any(axis=(1, 2))[order])[-1]    # the airway's lowest
        half[order[:last + 1]] = ANTERIOR_MEDIASTINUM_MM    # above it: the arch, not the heart
    wide = (np.abs(x_mm - midline) < half[:, None, None]) & (y_mm < front[:, None, None])
    return central | wide


def _superior_first(volume: Volume) -> np.ndarray:
    n = volume.shape[0]
    step = volume.index_to_patient_matrix[2, 2]          # LPS z per slice index
    return np.arange(n - 1, -1, -1) if step > 0 else np.arange(n)


def _coarse_lungs(volume, f, tick, closing_mm, info, outside):
    """Coarse labels (1 right, 2 left), their envelopes, airway, airway cut, body, the
    airless bases (a function), the slices those cannot change and the lumen level."""
    # A contiguous copy: a dozen passes read the coarse grid, each 20 times slower on the
    # strided view (every f-th row and column of the whole volume).
    small = np.ascontiguousarray(subsample(volume.array, f))
    sp = (volume.spacing[0], volume.spacing[1] * f, volume.spacing[2] * f)
    body = body_on_grid(small, sp, -500, 3.0, tick.sub(0.0, 0.3), outside)
    air = (small < INTERNAL_HU) & body
    x_mm = _x_mm(volume, f, small.shape)
    edge = np.zeros(small.shape[1:], bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    if outside.any():
        edge |= ndimage.binary_dilation(outside) & ~outside
    midline, info["midline_from"] = find_midline(small, body, x_mm, sp, edge)
    tick(0.35, "lungs: trachea")
    lumen_hu = lumen_level(small, air)
    airway = airway_mask(air, x_mm, sp, _superior_first(volume), midline, small,
                         (volume.array, f, INTERNAL_HU, lumen_hu))
    cut = np.zeros_like(airway)
    if airway.any():                        # grown by a voxel, in the airway's box
        box = tuple(slice(max(b.start - 1, 0), b.stop + 1)
                    for b in index_box(airway))
        cut[box] = ndimage.binary_dilation(airway[box])
    info["airway_found"] = bool(airway.any())
    tick(0.5, "lungs: 3-D components")
    labels, n = joined_components(air & ~cut, volume.array, f, FAT_HU[0])
    voxel_ml = float(np.prod(sp)) / 1000.0
    boxes = ndimage.find_objects(labels)
    chosen = select_lungs(labels, n, small, voxel_ml, boxes,
                          head_up=volume.index_to_patient_matrix[2, 2] > 0)
    chosen = wall_gas_left_out(labels, chosen, boxes, cut, sp[1])
    tick(0.6, "lungs: right and left")
    lab = assign_sides(labels, chosen, x_mm, midline, sp, info, boxes)
    # A deep pneumothorax is air of its own beside its lung: not lung, but the lung's room.
    beside = air_beside(labels, n, chosen, lab, small, volume.array, f, volume.spacing,
                        boxes)
    info["pleural_air_ml"] = {} if beside is None else _ml_per_side(beside, voxel_ml)
    del labels
    tick(0.7, "lungs: envelope")
    filled = np.zeros_like(lab)
    boxes = ndimage.find_objects(lab)
    y_mm = _x_mm(volume, f, small.shape, axis=1)
    behind_centre = _behind_centre(y_mm, body)
    central = _mediastinum(volume, small, body, x_mm, y_mm, behind_centre, midline, airway)
    for side in (1, 2):
        if side > len(boxes) or boxes[side - 1] is None:
            continue
        box = _grow_box(boxes[side - 1], lab.shape, sp, closing_mm)
        lung = lab[box] == side
        allowed = body[box] & ~cut[box] & (lab[box] != 3 - side) & (filled[box] == 0)
        closed = envelope(lung, small[box], allowed, sp, closing_mm, airway[box],
                          lab[box] == 3 - side, central[box])
        filled[box][closed] = side
    # Lower lobes fill the posterior recesses; in front, under the middle lobe and the
    # lingula, a high floor is the liver's or the heart's dome.  The heart lies left of the
    # midline and its atria reach back to the spine: on the left its whole zone stays out,
    # on the right only the midline strip (the right recess reaches in front of the spine).
    inside = body & ~cut & behind_centre
    allowed = {1: inside & ~(np.abs(x_mm - midline) < MIDLINE_MM), 2: inside & ~central}
    z_mm = _slice_z(volume)

    def bases():
        """The airless bases' labels and then those of the consolidation between the lungs
        and the ribs (neither yet in ``filled``): the caller runs this while the slices the
        bases cannot change (at or above ``base_top``) go on at full resolution; they are
        done again should the consolidation reach them."""
        # The pleural air beside a lung is its room: the tissue beyond is the chest wall or
        # the organ under the dome, not an airless part of it.
        room = filled if beside is None else np.where(beside > 0, beside, filled)
        extra = airless_bases(room, small, allowed, x_mm, y_mm, z_mm, midline, sp,
                              ndimage.binary_dilation(edge), body_turn(body, x_mm, y_mm, edge))
        # Against the ribs, a lung's side is looked at in front of the body's centre too.
        beside_ribs = {1: body & ~cut & ~(np.abs(x_mm - midline) < MIDLINE_MM),
                       2: body & ~cut & ~central}
        return extra, costal_consolidation(np.where(extra > 0, extra, room), small,
                                           beside_ribs, body, x_mm, y_mm, midline, sp,
                                           behind_centre)
    return (lab, filled, cut, body, airway, bases, z_mm >= base_top(filled, z_mm),
            lumen_hu)


def _behind_centre(y_mm: np.ndarray, body: np.ndarray) -> np.ndarray:
    """The posterior half of the body: behind each slice's body centre (patient y)."""
    counts = np.maximum(body.sum(axis=(1, 2)), 1)
    centre_y = np.where(body, y_mm, 0).sum(axis=(1, 2), dtype=np.float64) / counts
    return y_mm > centre_y[:, None, None]


def _slice_z(volume: Volume) -> np.ndarray:
    """Patient z (LPS, mm) of each slice's centre."""
    m = volume.index_to_patient_matrix
    k = np.arange(volume.shape[0], dtype=np.float64)
    centre = (np.array(volume.shape[1:][::-1], np.float64) - 1) / 2      # (i, j)
    return m[2, 3] + m[2, 0] * centre[0] + m[2, 1] * centre[1] + m[2, 2] * k


def _grow_box(box, shape, spacing, closing_mm):
    """``box`` grown by how far the envelope may reach past the air."""
    reach = max(closing_mm, WALL_REACH_MM)
    m = [int(np.ceil(reach / spacing[0]))] + margin_voxels(reach, spacing[1:])
    return grown_box(box, m, shape)


def _sobel_2d(a: np.ndarray) -> np.ndarray:
    """In-plane Sobel magnitude (float32), the border mirrored as ``ndimage``'s "reflect".

    Differences of shifted views: twice as fast as four ``correlate1d`` passes, and on
    HU integers the same numbers (float32 sums of integers below 2**24 are exact)."""
    p = np.pad(a, [(0, 0), (1, 1), (1, 1)], mode="symmetric").astype(np.float32)
    dx = p[:, :, 2:] - p[:, :, :-2]
    gx = dx[:, :-2] + 2 * dx[:, 1:-1] + dx[:, 2:]
    dy = p[:, 2:, :] - p[:, :-2, :]
    gy = dy[:, :, :-2] + 2 * dy[:, :, 1:-1] + dy[:, :, 2:]
    return np.hypot(gx, gy)


def _sobel_where(a: np.ndarray, inner, where: np.ndarray) -> np.ndarray:
    """:func:`_sobel_2d` of ``a`` cropped to ``inner``, computed only where ``where`` is set
    (0 elsewhere): the watershed reads its image inside its mask only, and the mask is a
    tenth of its box.  The same float32 numbers: the differences are integers either way."""
    p = np.pad(a, [(0, 0), (1, 1), (1, 1)], mode="symmetric")
    # Where the wanted pixels are in the padded array (flat indices, in its own layout).
    box = tuple(slice(b.start + g, b.stop + g) for b, g in zip(inner, (0, 1, 1)))
    wanted = np.zeros(p.shape, bool)
    wanted[box] = where
    at = np.flatnonzero(wanted)
    del wanted
    nx = p.shape[2]
    flat = p.ravel()

    def px(dy, dx):
        return flat[at + (dy * nx + dx)].astype(np.int32)

    gx = (px(-1, 1) - px(-1, -1)) + 2 * (px(0, 1) - px(0, -1)) + (px(1, 1) - px(1, -1))
    gy = (px(1, -1) - px(-1, -1)) + 2 * (px(1, 0) - px(-1, 0)) + (px(1, 1) - px(-1, 1))
    out = np.zeros(p.shape, np.float32)
    out.ravel()[at] = np.hypot(gx.astype(np.float32), gy.astype(np.float32))
    return out[box]


FAT_HU = (-200, -30)        # fat: the mediastinum's and the chest wall's, never lung
FAT_MM = 3.0                # fat tissue is this thick; thinner: partial volume at an edge
BONE_HU = 250               # bone is never lung (the envelope's limit)
CORTEX_HU = 600             # cortical bone (a rib's rim): outside the pleura, like fat
PARTIAL_HU = -200           # the band adds voxels at least a quarter air (pleural partial
                            # volume); denser ones only where the lung encloses them


def fat_tissue(hu: np.ndarray, spacing_yx, fat_hu: np.ndarray | None = None) -> np.ndarray:
    """Fat, not the partial volume between air and tissue: voxels in ``FAT_HU`` whose whole
    neighbourhood of ``FAT_MM`` (in-plane) is too, with that neighbourhood (an opening).
    ``fat_hu``: the voxels in ``FAT_HU``, if known."""
    fat = (hu > FAT_HU[0]) & (hu < FAT_HU[1]) if fat_hu is None else fat_hu
    size = (1,) + tuple(max(3, 2 * int(round(FAT_MM / 2 / s)) + 1) for s in spacing_yx)
    return box_max(box_min(fat, size), size)


def _edge_watershed(hu: np.ndarray, air: np.ndarray, core: np.ndarray, near: np.ndarray,
                    band_px: int, fat: np.ndarray) -> np.ndarray:
    """Full-resolution labels: every edge of the lung decided by the image.

    ``air``: labels (1/2) on the aerated voxels (the internal marker); ``core``: labels of
    the coarse envelope shrunk by one coarse pixel (what is surely lung: vessels, nodules,
    masses taken in, their fat excepted); ``near``: the coarse envelope grown by one coarse
    pixel.  Outside ``near``, and ``band_px`` beyond the air where the envelope is not, is
    the external marker, and so are ``fat`` (fat tissue) and cortical bone: outside the
    pleura.  Between the markers — the air's partial-volume band and the
    coarse envelope's edge zone, two coarse pixels wide — the seeds' watershed of the Sobel
    gradient puts the edge on the strongest step of the image (the pleura against the
    chest wall's fat, the mediastinal fat and vessels), not on the coarse grid.
    """
    inside, in_core = air > 0, core > 0
    if not inside.any() and not in_core.any():
        return air
    size = 2 * max(band_px, 1) - 1
    near_air = box_max(inside, (1, size, size))
    external = (~near & ~near_air) | ((fat | (hu > CORTEX_HU)) & ~inside & ~in_core)
    unknown = (near | near_air) & ~inside & ~in_core & ~external
    out = np.where(in_core, core, air).astype(np.uint8)
    if not unknown.any():
        return out
    # The flood only next to the unknown voxels, and its gradient only in the box of that
    # (a pixel more for the Sobel); from every marker, unknown voxels.
    mask = box_max(unknown, (1, 3, 3)) & (in_core | inside | external | unknown)
    box = index_box(mask)
    grad_box = tuple(slice(max(b.start - (a > 0), 0), b.stop + (a > 0))
                     for a, b in enumerate(box))
    inner = relative(box, grad_box)
    # Markers: 1/2 the air, 4/5 the core (side + 3), 3 outside: a flood from the core is
    # tissue the envelope took in (a mass, an airless lobe), one from the air is the band.
    markers = np.where(in_core[box], core[box] + np.uint8(3), air[box])      # uint8: fast
    markers[external[box]] = 3
    markers = markers.astype(np.int32)                 # the watershed's label type
    flooded = watershed(_sobel_where(hu[grad_box], inner, mask[box]), markers,
                        mask=mask[box], connectivity=PLANE).astype(np.uint8)   # 0..5
    # Everything below in the box: outside it nothing was flooded.
    unknown = unknown[box]
    side = np.where(flooded > 3, flooded - 3, flooded)
    taken = unknown & (flooded > 3)
    band = unknown & (flooded > 0) & (flooded < 3)
    grown = taken | (band & (hu[box] < PARTIAL_HU))
    out_box = out[box]
    out_box[grown] = side[grown]
    # Tissue the air's flood reached is lung only where the lung encloses it in its slice
    # (a vessel's wall); at the lung's edge it is the pleura, the diaphragm, the chest wall.
    left = band & ~grown
    if left.any():                          # only the slices that have such voxels
        zs = np.flatnonzero(left.any(axis=(1, 2)))
        z = slice(zs[0], zs[-1] + 1)
        # Holes of the whole slices (a hole is what the slice's border does not reach).
        whole = slice(box[0].start + z.start, box[0].start + z.stop)
        enclosed = left[z] & fill_holes_slices(out[whole] > 0)[:, box[1], box[2]]
        out_box[z][enclosed] = side[z][enclosed]
    return out


def _record_added(airless, costal, spacing, f, fz, info) -> None:
    """``info["airless_ml"]`` and ``info["costal_ml"]``: per side (1, 2), the mL the
    airless-bases step and the step against the ribs added (on the coarse grid): lung taken
    in with no air in it, which the reader should look at."""
    coarse_ml = float(spacing[0] * fz * spacing[1] * f * spacing[2] * f) / 1000.0
    for key, added in (("airless_ml", airless), ("costal_ml", costal)):
        info[key] = _ml_per_side(added, coarse_ml)


def _ml_per_side(labels, voxel_ml) -> dict:
    """{side: mL} of ``labels`` 1 and 2 (those it holds)."""
    counts = np.bincount(labels.ravel(), minlength=3)
    return {side: float(counts[side]) * voxel_ml for side in (1, 2) if counts[side]}


def segment_watershed(volume: Volume, progress=None, cancel=None, band_mm: float = BAND_MM,
                      closing_mm: float = CLOSING_MM, airway: bool = False,
                      aerated: bool = False, info: dict | None = None) -> np.ndarray:
    """Labels 1 right, 2 left (the pleural envelope, pathology inside; ``aerated``: aerated
    parenchyma only) and, with ``airway``, 3 for the trachea and main bronchi.

    ``info`` (a dict, if given) receives ``forced_split``, ``airway_found``,
    ``midline_from``, ``field_edge``, ``airless_ml``, ``costal_ml``,
    ``pleural_nodules_ml``, ``pleural_air_ml`` (taken out: see
    :mod:`ctvis.core.lungs.pleural_air`) and ``adult_scale`` (a child's chest: see
    :mod:`ctvis.core.lungs.patient_size`).
    """
    info = {} if info is None else info
    outside = volume_outside_field(volume)              # (y, x): beyond the field of view
    work, scale = adult_sized(volume, outside)
    labels = _segment(work, outside, progress, cancel, band_mm, closing_mm, airway, aerated,
                      info)
    info["adult_scale"] = scale
    if scale != 1.0:                                    # mL of the patient, not of the work
        for key in ("airless_ml", "costal_ml", "pleural_nodules_ml", "pleural_air_ml"):
            if info.get(key):
                info[key] = {side: ml / scale ** 3 for side, ml in info[key].items()}
    return labels


def _segment(volume: Volume, outside, progress, cancel, band_mm, closing_mm, airway, aerated,
             info) -> np.ndarray:
    """:func:`segment_watershed` on ``volume`` (``outside``: its field's edge)."""
    tick = Progress(progress, cancel)
    tick(0.0, "lungs: coarse grid")
    f = coarse_factor(volume.spacing, COARSE_MM)
    fz = coarse_z_step(volume.spacing[0])
    outside_s = subsample(outside[None], f)[0]
    lab_s, filled_s, cut_s, body_s, airway_s, bases, unchanged, lumen_hu = _coarse_lungs(
        _thin_out(volume, fz), f, tick.sub(0.0, 0.5), closing_mm, info, outside_s)
    out = np.zeros(volume.shape, np.uint8)
    if airway and airway_s.any():
        _paint_airway(volume, f, _along_z(cut_s, fz, volume.shape[0], union=True),
                      _along_z(airway_s, fz, volume.shape[0], union=True), out, lumen_hu)
    if not lab_s.any():
        tick(1.0, "lungs: none found")
        return out
    nz = volume.shape[0]
    # A coarse label reaches one coarse pixel beyond itself, to catch full-resolution air.
    lab_reach = np.where(lab_s > 0, lab_s,
                         box_max(lab_s, (1, 3, 3))).astype(np.uint8)
    # At the field of view's edge the coarse body's blocks would draw stairs: there the
    # full-resolution field decides.
    edge_s = ndimage.binary_dilation(outside_s, iterations=2) if outside_s.any() else outside_s
    blocked_s = cut_s | (~body_s & ~edge_s[None])
    # Back to every slice: a slice between two coarse ones is reached or blocked where
    # either is.
    lab_reach, blocked_s = (_along_z(a, fz, nz, union=True) for a in (lab_reach, blocked_s))
    lo, hi = _sources(fz, nz, lab_s.shape[0])

    def full_res(filled):
        return _FullRes(volume, f, fz, lab_reach, blocked_s, filled, band_mm, outside)

    # The airless bases change only slices below the base's top (``unchanged`` are the
    # others): the slabs made of those start at full resolution on the other core while
    # this thread looks for airless bases.  Should the bases move the crop, or touch a slice
    # thought unchanged, every slab is done again: the labels are those of waiting.
    # Slabs are independent; NumPy and scikit-image's watershed release the GIL (most of
    # scipy.ndimage does not), so threads use the other core.  Progress and cancellation
    # stay on the calling thread.
    early = full_res(filled_s)
    tick(0.45, "lungs: airless bases")
    # While this thread works, one slab at a time (a second one would take the core this
    # thread runs on); then as many as there are threads.
    threads = _threads(len(early.starts))
    gate, stop = threading.Semaphore(1), threading.Event()

    def gated(slab, s0):
        with gate:
            if not stop.is_set():
                slab(s0)

    futures = {}
    with ThreadPoolExecutor(max_workers=threads) as pool:
        try:
            for s0 in early.largest_first():
                ks = early.slices(s0)
                if unchanged[lo[ks]].all() and unchanged[hi[ks]].all():
                    futures[s0] = pool.submit(gated, early.slab, s0)
            extra, costal = bases()
            del bases                   # frees the coarse grids it holds
            _record_added(extra, costal, volume.spacing, f, fz, info)
            np.copyto(extra, costal, where=costal > 0)
            plan = early
            if extra.any():
                plan = full_res(np.where(extra > 0, extra, filled_s))
                if plan.crop == early.crop and not extra[unchanged].any():
                    plan.result = early.result
                else:
                    for future in futures.values():
                        future.cancel()
                    futures = {}
            tick(0.55, "lungs: full resolution")
            for s0 in plan.largest_first():
                if s0 not in futures:
                    futures[s0] = pool.submit(gated, plan.slab, s0)
            for _ in range(threads - 1):
                gate.release()
            for done, future in enumerate(as_completed(futures.values())):
                future.result()
                tick(0.55 + 0.4 * (done + 1) / len(futures), "lungs: watershed")
        except BaseException:
            stop.set()
            for future in futures.values():
                future.cancel()
            for _ in range(threads):
                gate.release()
            raise
    result, hu = plan.result, plan.hu
    cz, J, I = plan.crop_full
    if aerated:
        tick(0.96, "lungs: aerated parenchyma")
        result = aerated_only(result, hu, volume.spacing)
    region = out[cz, J, I]
    np.copyto(region, result, where=result > 0)
    if not aerated:
        # On the whole volume: the crop's margin is narrower than the ball it rolls.
        tick(0.96, "lungs: nodules on the pleura")
        added = add_pleural_nodules(out, volume.array, volume.spacing, within=(cz, J, I))
        info["pleural_nodules_ml"] = {side: mm3 / 1000 for side, mm3 in added.items()}
    # In the crop: nodules on the pleura may lie beyond it, tissue, never pleural air.
    level = functools.cache(lambda: clear_level(volume.array, volume.spacing,
                                                _air_around(body_s, f, fz, outside)))
    removed = remove_pleural_air(out, volume.array, volume.spacing, within=(cz, J, I),
                                 clear_hu=level)
    beside = info["pleural_air_ml"]                     # left out on the coarse grid
    info["pleural_air_ml"] = {side: beside.get(side, 0.0) + removed.get(side, 0.0)
                              for side in (1, 2) if side in beside or side in removed}
    info["field_edge"] = _at_field_edge(out, outside)
    tick(1.0, "lungs done")
    return out


class _FullRes:
    """The full-resolution step from one set of coarse envelopes (``filled``): the crop
    around the lungs, the markers' coarse grids on every slice, and :meth:`slab`, which
    labels ``SLAB`` slices of the crop into :attr:`result` (slabs are independent)."""

    def __init__(self, volume, f, fz, lab_reach, blocked_s, filled_s, band_mm, outside):
        # Surely lung: the envelope one coarse pixel in from its edge; surely not: one
        # coarse pixel out.  The edge zone between is decided at full resolution by the
        # image.  On a grid already at full resolution (f = 1) the envelope's edge is the
        # image's.
        core_s, near_s = filled_s, filled_s > 0
        if f > 1:
            core_s = filled_s.copy()
            core_s[box_min(filled_s, (1, 3, 3)) != filled_s] = 0
            near_s = box_max(filled_s > 0, (1, 3, 3))
        # Back to every slice: a slice between two coarse ones is near where either is,
        # surely lung only where both agree (the image decides the rest).
        nz, ny, nx = volume.shape
        near_s = _along_z(near_s, fz, nz, union=True)
        core_s = _along_z(core_s, fz, nz, union=False)
        # Crop (aligned to coarse blocks) around the lungs, one coarse pixel of margin.
        lungs_z = _along_z(filled_s > 0, fz, nz, union=True)
        zs, js, is_ = (np.flatnonzero(lungs_z.any(axis=a)) for a in ((1, 2), (0, 2), (0, 1)))
        del lungs_z
        m = 2
        cj = slice(max(js[0] - m, 0), min(js[-1] + 1 + m, filled_s.shape[1]))
        ci = slice(max(is_[0] - m, 0), min(is_[-1] + 1 + m, filled_s.shape[2]))
        cz = slice(zs[0], zs[-1] + 1)
        J = slice(cj.start * f, min(cj.stop * f, ny))
        I = slice(ci.start * f, min(ci.stop * f, nx))
        self.crop = tuple((a.start, a.stop) for a in (cz, cj, ci))
        self.crop_full = cz, J, I
        self.shape = (cz.stop - cz.start, J.stop - J.start, I.stop - I.start)
        self.starts = range(0, self.shape[0], SLAB)
        self.hu = volume.array[cz, J, I]
        self.result = np.zeros(self.shape, np.uint8)
        self._f, self._spacing, self._outside = f, volume.spacing, outside[J, I][None]
        self._band_px = int(round(band_mm / min(volume.spacing[1:])))
        self._grids = {name: a[cz, cj, ci] for name, a in (
            ("lab_reach", lab_reach), ("blocked", blocked_s), ("core", core_s),
            ("near", near_s))}
        # Each slab works in its own in-plane box: where its coarse labels reach, grown by
        # the band and what the filters read beyond it (the apices and bases are small).
        self._margin_s = -(-(self._band_px + 8) // f)
        self._reach_s = self._grids["near"] | (self._grids["lab_reach"] > 0)

    def largest_first(self) -> list[int]:
        """The slabs' starts, the most work first (the last slab done ends the step)."""
        work = [int(np.count_nonzero(self._reach_s[s0:s0 + SLAB])) for s0 in self.starts]
        return [s0 for _, s0 in sorted(zip(work, self.starts), key=lambda w: -w[0])]

    def slices(self, s0: int) -> np.ndarray:
        """The volume's slice indices in the slab starting at ``s0``."""
        z0 = self.crop[0][0]
        return np.arange(z0 + s0, z0 + min(s0 + SLAB, self.shape[0]))

    def slab(self, s0: int) -> None:
        f, shape, g = self._f, self.shape, self._grids
        sl = slice(s0, min(s0 + SLAB, shape[0]))
        rows, cols = (np.flatnonzero(self._reach_s[sl].any(axis=a)) for a in ((0, 2), (0, 1)))
        if rows.size == 0:
            return
        margin_s = self._margin_s
        bj = slice(max(rows[0] - margin_s, 0), rows[-1] + 1 + margin_s)
        bi = slice(max(cols[0] - margin_s, 0), cols[-1] + 1 + margin_s)
        Y = slice(bj.start * f, min(bj.stop * f, shape[1]))
        X = slice(bi.start * f, min(bi.stop * f, shape[2]))

        def up_box(name):
            part = g[name][sl, bj, bi]
            return upsample(part, f, (part.shape[0], Y.stop - Y.start, X.stop - X.start))

        h = self.hu[sl, Y, X]
        blocked = up_box("blocked") | self._outside[:, Y, X]
        air = np.where((h < INTERNAL_HU) & ~blocked, up_box("lab_reach"), 0).astype(np.uint8)
        # Fat and bone inside the coarse envelope are not surely lung (a fat pad in a
        # concavity, the mediastinal fat by a mass, a rib in a block): fat tissue is outside
        # the pleura, the rest (partial volume, a contrast-filled vessel) the image decides.
        fat_hu = (h > FAT_HU[0]) & (h < FAT_HU[1])
        fat = fat_tissue(h, self._spacing[1:], fat_hu)
        # (fat tissue, an opening of fat_hu, lies inside it)
        core = np.where(blocked | fat_hu | (h >= BONE_HU), 0, up_box("core"))
        lab = _edge_watershed(h, air, core, up_box("near") & ~blocked, self._band_px, fat)
        lab[blocked] = 0
        self.result[sl, Y, X] = lab


def coarse_z_step(dz: float) -> int:
    """Slices per coarse slice: thin slices are sampled to a pitch near ``COARSE_Z_MM``."""
    return max(1, int(round(COARSE_Z_MM / dz)))


def _air_around(body_s: np.ndarray, f: int, fz: int, outside: np.ndarray,
                samples: int = 8) -> dict:
    """{full-resolution slice: (y, x) mask outside the body and within the field} for up to
    ``samples`` slices of the coarse body ``body_s`` (every ``fz``-th slice, every ``f``-th
    pixel), evenly through those that hold the body."""
    held = np.flatnonzero(body_s.any(axis=(1, 2)))
    if held.size == 0:
        return {}
    picked = np.unique(held[np.linspace(0, held.size - 1, min(samples, held.size)).astype(int)])
    c = (fz - 1) // 2
    return {c + int(k) * fz: ~upsample(body_s[k:k + 1], f, (1,) + outside.shape)[0] & ~outside
            for k in picked}


def _thin_out(volume: Volume, fz: int) -> Volume:
    """Every ``fz``-th slice (from the centre of the first block) as a Volume of its own:
    the coarse stage reads slice positions and z spacing from it."""
    if fz == 1:
        return volume
    c = (fz - 1) // 2
    return volume.with_array(volume.array[c::fz],
                             spacing=(volume.spacing[0] * fz,) + tuple(volume.spacing[1:]),
                             origin=tuple(volume.index_to_patient((c, 0, 0))))


def _along_z(a: np.ndarray, fz: int, n: int, union: bool) -> np.ndarray:
    """Coarse slices (every ``fz``-th, see :func:`_thin_out`) onto all ``n`` slices: a slice
    between two coarse ones gets their maximum (``union``) or, where they differ, 0."""
    if fz == 1:
        return a
    lo, hi = _sources(fz, n, a.shape[0])
    below, above = a[lo], a[hi]
    if union:
        return np.maximum(below, above)
    return np.where(below == above, below, 0).astype(a.dtype)


def _sources(fz: int, n: int, coarse: int):
    """For each of ``n`` slices, the coarse slices (of ``coarse``) :func:`_along_z` reads:
    the one below and the one above (the same one when ``fz`` is 1)."""
    if fz == 1:
        k = np.arange(n)
        return k, k
    u = (np.arange(n) - (fz - 1) // 2) / fz
    lo = np.clip(np.floor(u).astype(int), 0, coarse - 1)
    hi = np.clip(np.ceil(u).astype(int), 0, coarse - 1)
    return lo, hi


def _at_field_edge(labels: np.ndarray, outside: np.ndarray) -> list[int]:
    """The lung labels with voxels next to the columns outside the field of view."""
    if not outside.any():
        return []
    rim = ndimage.binary_dilation(outside, iterations=2) & ~outside
    found = np.unique(labels[:, rim])
    return [int(v) for v in found if v in (1, 2)]


def _threads(tasks: int) -> int:
    """Threads for the watershed slabs: the cores this process may use, at most 4."""
    return max(1, min(4, usable_cores(), tasks))


def _paint_airway(volume: Volume, f: int, cut_s: np.ndarray, airway_s: np.ndarray,
                  out: np.ndarray, lumen_hu: float) -> None:
    """Label 3 at full resolution: in each slice, the lumen that holds the coarse airway's
    samples (:func:`lumen_at_full`; the cut reaches a coarse pixel beyond it, past a thin
    wall into the lung beside it: that air is the lung's), and a tube's wall inside it."""
    box = index_box(cut_s)
    J = slice(box[1].start * f, min(box[1].stop * f, volume.shape[1]))
    I = slice(box[2].start * f, min(box[2].stop * f, volume.shape[2]))
    shape = (box[0].stop - box[0].start, J.stop - J.start, I.stop - I.start)
    reach = upsample(cut_s[box], f, shape)
    hu = volume.array[box[0], J, I]
    air = reach & (hu < INTERNAL_HU)
    if f > 1:
        spacing_yx = tuple(s * f for s in volume.spacing[1:])
        for z in range(air.shape[0]):                 # per slice, in its own box (speed)
            sb = index_box(reach[z])
            if sb is None:
                continue
            # Whole blocks, and a block of margin so that the lumen never touches the side.
            sb = tuple(slice(max(b.start - b.start % f - f, 0), b.stop + f) for b in sb)
            samples = airway_s[box[0].start + z, box[1], box[2]][
                sb[0].start // f:, sb[1].start // f:]
            lumen = lumen_at_full(hu[z][sb], samples, f, INTERNAL_HU, lumen_hu, spacing_yx)
            air[z][sb] = (lumen & reach[z][sb]) if lumen is not None else air[z][sb]
    out[box[0], J, I][fill_holes_slices(air)] = AIRWAY.value
