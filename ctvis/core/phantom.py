"""A deterministic, procedurally generated chest CT with its true lung labels.

The anatomy is defined analytically in patient LPS millimetres (+x toward the patient's left,
+y posterior, +z superior; the grid is centred on (0, 0, 0) with an identity direction) and
sampled on whatever grid is asked for, so every shape and spacing shows the same patient.
Structures are painted in order into an int16 HU array, each inside its own bounding box, and
the lung labels (0 background, 1 right lung, 2 left lung) are kept in step: lungs set them,
vessels and airways inside the lungs keep them, every other structure clears them.  Gaussian
noise comes last.  The vessel and bronchial trees and the noise follow the seed; the lung
labels do not.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from ctvis.core import labels
from ctvis.core import phantom_pathology as pp
from ctvis.core.volume import Volume

__all__ = ["Phantom", "make_phantom", "demo_volume", "RIGHT_LUNG", "LEFT_LUNG",
           "DEFAULT_SHAPE", "DEFAULT_SPACING", "FIELD_OF_VIEW_MM"]

RIGHT_LUNG, LEFT_LUNG = labels.RIGHT_LUNG.value, labels.LEFT_LUNG.value

# Field of view (z, y, x) in mm; the default grid samples it at 2.5 mm slices and 256² pixels.
FIELD_OF_VIEW_MM = (300.0, 350.0, 350.0)
DEFAULT_SHAPE = (120, 256, 256)
DEFAULT_SPACING = (2.5, 350.0 / 256, 350.0 / 256)

# ------------------------------------------------------------------ tissue values (HU)
AIR, LUNG, FAT, MEDIASTINAL_FAT = -1000, -850, -100, -90
SKIN, MUSCLE, BLOOD, MYOCARDIUM = 30, 50, 40, 50
LIVER, SPLEEN, STOMACH, OESOPHAGUS = 60, 45, 25, 35
CORTEX, MARROW, VERTEBRAL_ARCH, DISC, CSF, CARTILAGE = 1000, 300, 800, 80, 10, 120
AIRWAY_WALL, TABLE, TABLE_BASE = 40, 350, 250
LUNG_GRADIENT = 0.3   # HU per mm: the dependent (posterior) lung is denser, as when supine.
AIR_FLOOR = -1024     # scanners clip there

# ------------------------------------------------------------------ geometry (mm, LPS)
# Body outline: an ellipse flatter at the back; layers by elliptic radius rho (1 on the skin).
BODY_A, BODY_B_ANT, BODY_B_POST, BODY_Y = 160.0, 115.0, 105.0, -5.0
RHO_FAT, RHO_MUSCLE, RHO_CAVITY = 0.985, 0.90, 0.795
PARASPINAL = ((28.0, 86.0), (22.0, 16.0))            # centre (|x|, y) and half-axes
TABLE_TOP_Y, TABLE_CURVE, TABLE_THICK = 112.0, 6e-4, 8.0

# Lungs: each hemithorax is the cavity beyond a midline gap g(y); above Z_TAPER it shrinks
# about the lung's own centre to a domed apex; below, the diaphragm dome cuts it.
LUNG_CENTRE = (70.0, 5.0)                              # (|x|, y) of the apex
Z_TAPER, Z_APEX = 40.0, 125.0
GAP_Y = (-130.0, -40.0, 0.0, 25.0, 40.0, 130.0)       # half-gap between the lungs ...
GAP_MM = (6.0, 6.0, 9.0, 12.0, 23.0, 23.0)             # ... narrow in front, wide at the spine
JUNCTION = ((-88.0, 30.0), (8.0, 18.0))                # (y, z) centre, half-axes: touching=True
DOME_Z = {RIGHT_LUNG: -30.0, LEFT_LUNG: -45.0}         # the liver lifts the right dome
DOME_X, DOME_Y = 70.0, -15.0                          # top of each dome (|x|, y)
DOME_K_LATERAL, DOME_K_MEDIAL, DOME_K_ANT, DOME_K_POST = 0.012, 0.004, 0.004, 0.012
DOME_MAX_DROP, DIAPHRAGM = 85.0, 4.0
SIDE = {RIGHT_LUNG: -1.0, LEFT_LUNG: 1.0}              # sign of LPS x

# Mediastinum: (x, y, z) points of tube centre lines.
HEART_CENTRE, HEART_AXIS, HEART_RADII = (12.0, -25.0, -32.0), (0.65, -0.55, -0.5), (62, 45, 42)
PERICARDIAL_FAT = 3.0                                  # the long axis points left, forward, down
AORTA_ASC = ((-12.0, -35.0, -5.0), (-12.0, -35.0, 45.0))
AORTA_DESC = ((25.0, 28.0, 45.0), (22.0, 30.0, -170.0))
ARCH_BULGE = (18.0, 0.0, 20.0)                         # lifts the arch up and to the left
PA_BIFURCATION = (12.0, -20.0, 24.0)
PA_TRUNK = ((12.0, -50.0, 0.0), PA_BIFURCATION)
HILUM = {RIGHT_LUNG: (-42.0, -8.0, 18.0), LEFT_LUNG: (48.0, 0.0, 30.0)}
ATRIUM_VEINS = {RIGHT_LUNG: (-38.0, 12.0, -8.0), LEFT_LUNG: (38.0, 12.0, -8.0)}
SVC = ((-38.0, -25.0, 170.0), (-34.0, -25.0, 5.0))
OESOPHAGUS_LINE = ((5.0, 20.0, 170.0), (5.0, 20.0, -170.0))
CARINA = (-1.0, 2.0, 30.0)
TRACHEA = ((-2.0, -22.0, 170.0), CARINA)
MAIN_BRONCHUS = {RIGHT_LUNG: (-30.0, 8.0, 14.0), LEFT_LUNG: (40.0, 10.0, 14.0)}
# Directions of the trees' first branches for the right lung (x is mirrored for the left).
LOBAR_DIRECTIONS = ((-0.5, 0.0, 1.0), (-0.3, 0.3, -1.0), (-0.5, -0.8, -0.2))
ARTERY_DIRECTIONS = ((-0.3, 0.2, 1.0), (-0.6, -0.6, 0.6), (-0.6, 0.6, 0.5), (-1.0, 0.0, 0.1),
                     (-0.5, -0.9, -0.3), (-0.3, 0.6, -0.8), (-0.5, -0.2, -1.0))
VEIN_DIRECTIONS = ((-1.0, 0.1, 0.4), (-0.6, 0.7, -0.4), (-0.2, 0.9, -0.6), (-0.8, -0.3, -0.3))

# Bones.
SPINE_Y, SPINE_AXES, SPINE_PITCH, DISC_MM, SPINE_Z0 = 52.0, (20.0, 16.0), 24.0, 5.0, 3.0
CANAL_Y, CANAL_R, ARCH_R = 80.0, 8.0, 13.0
RIB_RHO, RIB_HALF_T, RIB_HALF_H, RIB_MARROW = 0.83, 3.5, 6.0, 0.45
RIB_Z0, RIB_PITCH, RIB_COUNT, RIB_DROP = 118.0, 22.0, 12, 90.0
RIB_PHI = (0.35, 2.55, 2.95)    # from the posterior midline: bone starts, cartilage, ends
STERNUM = (-104.0, (14.0, 6.0), (-75.0, 105.0), 70.0, (25.0, 8.0))  # y, body, z range, manubrium
CLAVICLE = ((18.0, -100.0, 122.0), (75.0, -95.0, 130.0), (130.0, -55.0, 140.0))
SCAPULA_RHO, SCAPULA_HALF_T, SCAPULA_Z, SCAPULA_PHI = 0.905, 2.0, (20.0, 135.0), (0.9, 0.4)


@dataclass
class Phantom:
    """A phantom CT volume and its true lung labels (0 background, 1 right, 2 left).

    ``regions``: true boolean masks by name — always ``airway`` (trachea and main bronchi
    lumen), ``heart``, ``liver_dome``; and one per pathology asked for
    (:mod:`ctvis.core.phantom_pathology`).
    """
    volume: Volume
    lungs: np.ndarray
    regions: dict = field(default_factory=dict)


def make_phantom(shape=None, spacing=None, seed: int = 0, noise_hu: float = 20.0,
                 touching: bool = False, pathology=()) -> Phantom:
    """Generate the chest phantom.

    ``shape`` (z, y, x) and ``spacing`` (dz, dy, dx) mm: give neither for the default
    120 × 256 × 256 grid at 2.5 × 1.37 × 1.37 mm, one of them to cover the 300 × 350 × 350 mm
    field of view, or both to choose the field of view as well (it stays centred on the
    patient).  ``touching`` makes the lungs meet at an anterior junction line.
    ``pathology``: names from :data:`ctvis.core.phantom_pathology.PATHOLOGIES` (a
    juxta-pleural nodule, a mass, a consolidation, an effusion, a blocked bronchus, the neck,
    an endotracheal tube); their true regions are in ``Phantom.regions``.
    """
    names = pp.check(pathology)
    trachea_top = (TRACHEA[0][0], TRACHEA[0][1], pp.TRACHEA_TOP_NECK) if "neck" in names \
        else TRACHEA[0]
    grid = _Grid.make(shape, spacing)
    if noise_hu < 0:
        raise ValueError(f"noise_hu must be >= 0, got {noise_hu}")
    airway_seed, vessel_seed, noise_seed = np.random.SeedSequence(seed).spawn(3)
    canvas = _Canvas(grid)
    _paint_outside_and_body_wall(canvas)
    _paint_abdomen(canvas)
    _paint_lungs(canvas, touching)
    _paint_mediastinum(canvas)
    pp.paint_in_lungs(canvas, names, RIGHT_LUNG, LEFT_LUNG, canvas.regions)
    if "small_lung" in names:
        pp.paint_small_lung(canvas, RIGHT_LUNG, LIVER)
    main = _paint_airways(canvas, np.random.default_rng(airway_seed), trachea_top,
                          pp.carina_dz(names), pp.DEVIATION if "deviated_trachea" in names
                          else 0.0)
    _paint_vessel_trees(canvas, np.random.default_rng(vessel_seed))
    _paint_spine(canvas)
    _paint_ribs(canvas)
    _paint_sternum_and_clavicles(canvas)
    _paint_scapulae(canvas)
    _drop_lung_islands(canvas)
    if "neck" in names:
        pp.paint_neck(canvas)
    pp.paint_after_airways(canvas, names, main[-1][1], main[-1][0], trachea_top,
                           canvas.regions)
    pp.record_anatomy(canvas, main, LIVER, canvas.regions)
    _add_noise(canvas.hu, noise_hu, np.random.default_rng(noise_seed))
    volume = Volume(canvas.hu, spacing=grid.spacing, origin=grid.origin_xyz,
                    direction=np.eye(3), meta=_meta(grid, seed, noise_hu, touching))
    return Phantom(volume=volume, lungs=canvas.lab, regions=canvas.regions)


def demo_volume() -> Volume:
    """The application's default data: the default phantom's volume."""
    return make_phantom().volume


def _meta(grid, seed, noise_hu, touching) -> dict:
    """Header fields under the keys the DICOM loader uses, plus how the phantom was made."""
    return {"description": "ctvis demo phantom", "modality": "CT", "manufacturer": "ctvis",
            "patient_name": "Phantom^Chest", "patient_id": "CTVIS-PHANTOM",
            "patient_position": "HFS", "slice_thickness": grid.spacing[0],
            "window_center": -600, "window_width": 1500,
            "phantom": {"seed": int(seed), "noise_hu": float(noise_hu),
                        "touching": bool(touching)}}


# ====================================================================== sampling
@dataclass(frozen=True)
class _Grid:
    shape: tuple
    spacing: tuple

    @classmethod
    def make(cls, shape, spacing) -> "_Grid":
        if shape is None and spacing is None:
            shape, spacing = DEFAULT_SHAPE, DEFAULT_SPACING
        if shape is not None:
            shape = _three(shape, int, "shape")
            if min(shape) < 1:
                raise ValueError(f"shape must be >= 1 voxel on each axis, got {shape}")
        if spacing is not None:
            spacing = _three(spacing, float, "spacing")
            if min(spacing) <= 0:
                raise ValueError(f"spacing must be positive, got {spacing}")
        if shape is None:
            shape = tuple(max(1, int(round(f / s))) for f, s in zip(FIELD_OF_VIEW_MM, spacing))
        if spacing is None:
            spacing = tuple(f / n for f, n in zip(FIELD_OF_VIEW_MM, shape))
        return cls(shape, spacing)

    @property
    def origin_xyz(self) -> tuple:
        # Centre the grid on the patient's (0, 0, 0).
        return tuple(-(n - 1) / 2.0 * s for n, s in zip(self.shape[::-1], self.spacing[::-1]))

    def axis(self, a: int) -> np.ndarray:
        """mm coordinates along array axis ``a`` (0 z, 1 y, 2 x), float32."""
        o = self.origin_xyz[2 - a]
        return (o + self.spacing[a] * np.arange(self.shape[a])).astype(np.float32)

    def box(self, lo_xyz, hi_xyz) -> tuple:
        """Index slices (z, y, x) of the voxels within the mm box, clipped to the grid."""
        box = []
        for a in range(3):
            o, s, n = self.origin_xyz[2 - a], self.spacing[a], self.shape[a]
            i0 = max(int(np.ceil((lo_xyz[2 - a] - o) / s)), 0)
            i1 = min(int(np.floor((hi_xyz[2 - a] - o) / s)) + 1, n)
            box.append(slice(i0, max(i0, i1)))
        return tuple(box)

    def coords(self, box) -> tuple:
        """Broadcastable z (n,1,1), y (1,n,1), x (1,1,n) mm coordinates of a box."""
        return (self.axis(0)[box[0]][:, None, None], self.axis(1)[box[1]][None, :, None],
                self.axis(2)[box[2]][None, None, :])

    def capsule(self, p0, p1, r0, r1):
        """Box and mask of the voxels within a tapered capsule: segment p0→p1, radius r0→r1
        (mask None when the box is empty)."""
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        r = max(r0, r1)
        box = self.box(np.minimum(p0, p1) - r, np.maximum(p0, p1) + r)
        if _is_empty(box):
            return box, None
        z, y, x = self.coords(box)
        x, y, z = x - float(p0[0]), y - float(p0[1]), z - float(p0[2])
        d = [float(v) for v in p1 - p0]
        dd = max(d[0] ** 2 + d[1] ** 2 + d[2] ** 2, 1e-9)
        t = (x * (d[0] / dd) + y * (d[1] / dd)) + z * (d[2] / dd)
        np.clip(t, 0.0, 1.0, out=t)
        dist2 = (x - t * d[0]) ** 2 + (y - t * d[1]) ** 2 + (z - t * d[2]) ** 2
        rad = r0 + (r1 - r0) * t
        return box, dist2 <= rad * rad


def _three(values, kind, name) -> tuple:
    values = tuple(kind(v) for v in values)
    if len(values) != 3:
        raise ValueError(f"{name} needs 3 values (z, y, x), got {values}")
    return values


def _is_empty(box) -> bool:
    return any(s.stop <= s.start for s in box)


CLEAR, KEEP = "clear", "keep"


class _Canvas:
    """The HU array and the lung labels being painted together."""

    def __init__(self, grid: _Grid):
        self.grid = grid
        self.hu = np.empty(grid.shape, np.int16)
        self.lab = np.zeros(grid.shape, np.uint8)
        self.regions = {}

    def paint(self, box, mask, value, label=CLEAR, inside_lungs=False) -> None:
        """Set ``value`` where ``mask`` in ``box``; ``label``: CLEAR, KEEP or a lung label."""
        hu, lab = self.hu[box], self.lab[box]
        mask = np.broadcast_to(mask, hu.shape)
        if inside_lungs:
            mask = mask & (lab > 0)
        np.copyto(hu, value, where=mask, casting="unsafe")
        if label == CLEAR:
            np.copyto(lab, 0, where=mask)
        elif label != KEEP:
            np.copyto(lab, label, where=mask)

    def paint_tube(self, points, radius, value, label=CLEAR, inside_lungs=False) -> None:
        """A polyline tube: capsules between consecutive points (radius scalar or per point)."""
        radii = np.broadcast_to(np.asarray(radius, float), (len(points),))
        for p0, p1, r0, r1 in zip(points[:-1], points[1:], radii[:-1], radii[1:]):
            self.paint_capsule(p0, p1, r0, r1, value, label, inside_lungs)

    def paint_capsule(self, p0, p1, r0, r1, value, label=CLEAR, inside_lungs=False) -> None:
        box, mask = self.grid.capsule(p0, p1, r0, r1)
        if mask is not None:
            self.paint(box, mask, value, label, inside_lungs)


def _ellipse(x, y, cx, cy, ax, ay):
    """Inside an axis-aligned ellipse (broadcasting)."""
    return ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1.0


# ====================================================================== anatomy as functions
def _body_rho(x, y):
    """Elliptic radius in the body outline: 1 on the skin, 0 at its centre."""
    b = np.where(y > BODY_Y, BODY_B_POST, BODY_B_ANT).astype(np.float32)
    return np.sqrt((x / BODY_A) ** 2 + ((y - BODY_Y) / b) ** 2)


def _paraspinal(x, y):
    (cx, cy), (ax, ay) = PARASPINAL
    return _ellipse(np.abs(x), y, cx, cy, ax, ay)


def _gap(y):
    """Half-width of the mediastinal strip that keeps the lungs apart, by y."""
    return np.interp(y, GAP_Y, GAP_MM).astype(np.float32)


def _apex_taper(z):
    """Scale of the lung cross-section at height z: 1 below Z_TAPER, a dome above."""
    u = np.clip((z - Z_TAPER) / (Z_APEX - Z_TAPER), 0.0, 1.0)
    return np.sqrt(1.0 - u * u)


def _diaphragm(x, y, label):
    """Height of the diaphragm dome under one lung: steep down into the lateral and posterior
    recesses, gentle toward the central tendon under the heart."""
    dx = SIDE[label] * x - DOME_X
    dy = y - DOME_Y
    kx = np.where(dx > 0, DOME_K_LATERAL, DOME_K_MEDIAL).astype(np.float32)
    ky = np.where(dy > 0, DOME_K_POST, DOME_K_ANT).astype(np.float32)
    return DOME_Z[label] - np.minimum(kx * dx * dx + ky * dy * dy, DOME_MAX_DROP)


def _diaphragm_both(x, y):
    """The whole diaphragm: the upper envelope of the two domes."""
    return np.maximum(_diaphragm(x, y, RIGHT_LUNG), _diaphragm(x, y, LEFT_LUNG))


def _lung_region(z, y, x, label, touching):
    """True inside one lung (broadcasting mm coordinates; scalars work too)."""
    s = SIDE[label]
    t = _apex_taper(z)
    cx, cy = s * LUNG_CENTRE[0], LUNG_CENTRE[1]
    ts = np.maximum(t, 1e-3)
    xs, ys = cx + (x - cx) / ts, cy + (y - cy) / ts  # shrink toward the apex
    gap = _gap(ys)
    if touching:
        (jy, jz), (ay, az) = JUNCTION
        gap = np.where(_ellipse(ys, z, jy, jz, ay, az), np.float32(0), gap)
    # Right takes x < 0, left x >= 0: with no gap the two meet without a voxel between them.
    beyond_gap = (xs < -gap) if s < 0 else (xs >= gap)
    inside = (_body_rho(xs, ys) < RHO_CAVITY) & beyond_gap & ~_paraspinal(xs, ys)
    above = z > _diaphragm(x, y, label) + DIAPHRAGM
    return inside & above & (t > 0)


# ====================================================================== painting
def _paint_outside_and_body_wall(canvas: _Canvas) -> None:
    """Air, table and the body wall layers: the same in every slice."""
    g = canvas.grid
    y, x = g.axis(1)[:, None], g.axis(2)[None, :]
    rho = _body_rho(x, y)
    table_top = TABLE_TOP_Y - TABLE_CURVE * x * x
    base = np.select(
        [rho < RHO_CAVITY, _paraspinal(x, y) & (rho < 1), rho < RHO_MUSCLE, rho < RHO_FAT,
         rho < 1.0, (y >= table_top) & (y < table_top + TABLE_THICK),
         (y > TABLE_TOP_Y + 30) & (y < TABLE_TOP_Y + 38) & (np.abs(x) < 120)],
        [MEDIASTINAL_FAT, MUSCLE, MUSCLE, FAT, SKIN, TABLE, TABLE_BASE], AIR)
    canvas.hu[...] = base.astype(np.int16)


def _paint_abdomen(canvas: _Canvas) -> None:
    """Below the diaphragm: liver on the right, spleen and stomach (with a gas bubble) left."""
    g = canvas.grid
    top = max(DOME_Z.values()) + DIAPHRAGM
    box = g.box((-BODY_A, -BODY_B_ANT + BODY_Y, -1e4), (BODY_A, BODY_B_POST + BODY_Y, top))
    if _is_empty(box):
        return
    z, y, x = g.coords(box)
    cavity = _body_rho(x, y) < RHO_CAVITY
    dome = _diaphragm_both(x, y)
    canvas.paint(box, cavity & (z < dome + DIAPHRAGM), MUSCLE)
    organs = np.where(x < 5, LIVER, np.where(y > 15, SPLEEN, STOMACH))
    canvas.paint(box, cavity & (z < dome), organs)
    bubble = (55.0, -45.0, float(_diaphragm(55.0, -45.0, LEFT_LUNG)) - 16.0)
    canvas.paint(box, ((x - bubble[0]) / 30) ** 2 + ((y - bubble[1]) / 20) ** 2
                 + ((z - bubble[2]) / 11) ** 2 <= 1, AIR)


def _lung_box(grid: _Grid, label) -> tuple:
    """Index box holding one lung (its half of the thoracic cavity)."""
    xs = sorted((0.0, SIDE[label] * BODY_A * RHO_CAVITY))
    return grid.box((xs[0], BODY_Y - BODY_B_ANT, -1e4), (xs[1], BODY_Y + BODY_B_POST, Z_APEX))


def _paint_lungs(canvas: _Canvas, touching: bool) -> None:
    g = canvas.grid
    for label in (RIGHT_LUNG, LEFT_LUNG):
        box = _lung_box(g, label)
        if _is_empty(box):
            continue
        z, y, x = g.coords(box)
        canvas.paint(box, _lung_region(z, y, x, label, touching), LUNG + LUNG_GRADIENT * y,
                     label=label)


def _paint_mediastinum(canvas: _Canvas) -> None:
    """Heart, great vessels and oesophagus: they clear the lung labels they cover."""
    arch = _aortic_arch()
    aorta = [AORTA_ASC[0]] + arch + [AORTA_DESC[1]]
    radii = [14.0] + [13.0] * len(arch) + [11.0]
    canvas.paint_tube(aorta, np.add(radii, 3.0), MEDIASTINAL_FAT)  # fat round the aorta ...
    _paint_heart(canvas)                                             # ... but not in the heart
    canvas.paint_tube(aorta, radii, BLOOD)
    for start, end, r in _great_vessels(arch):
        canvas.paint_capsule(start, end, r, r, BLOOD)
    canvas.paint_tube(PA_TRUNK, 13.0, BLOOD)
    for label in (RIGHT_LUNG, LEFT_LUNG):
        canvas.paint_capsule(PA_BIFURCATION, HILUM[label], 11.0, 9.0, BLOOD)
    canvas.paint_tube(SVC, 10.0, BLOOD)
    canvas.paint_tube(OESOPHAGUS_LINE, 8.0, OESOPHAGUS)


def _drop_lung_islands(canvas: _Canvas) -> None:
    """Pockets of lung cut off by the structures painted over it become mediastinal fat."""
    for label in (RIGHT_LUNG, LEFT_LUNG):
        box = _lung_box(canvas.grid, label)
        if _is_empty(box):
            continue
        parts, n = ndimage.label(canvas.lab[box] == label)
        if n < 2:
            continue
        sizes = np.bincount(parts.ravel())
        sizes[0] = 0
        islands = (parts > 0) & (parts != int(np.argmax(sizes)))
        canvas.paint(box, islands, MEDIASTINAL_FAT)


def _paint_heart(canvas: _Canvas) -> None:
    """A tilted ellipsoid (apex left, forward and down) in a coat of pericardial fat."""
    g = canvas.grid
    c, radii = HEART_CENTRE, HEART_RADII
    r = max(radii) + PERICARDIAL_FAT
    box = g.box(np.subtract(c, r), np.add(c, r))
    if _is_empty(box):
        return
    z, y, x = g.coords(box)
    dx, dy, dz = x - c[0], y - c[1], z - c[2]
    axes = _frame(HEART_AXIS)
    u, v, w = (dx * float(e[0]) + dy * float(e[1]) + dz * float(e[2]) for e in axes)

    def inside(grow=0.0, scale=1.0):
        a, b, h = (ri * scale + grow for ri in radii)
        return (u / a) ** 2 + (v / b) ** 2 + (w / h) ** 2 <= 1.0

    heart = np.zeros(g.shape, bool)
    heart[box] = inside()
    canvas.regions["heart"] = heart
    canvas.paint(box, inside(grow=PERICARDIAL_FAT), MEDIASTINAL_FAT)
    canvas.paint(box, inside(), MYOCARDIUM)
    canvas.paint(box, inside(scale=0.78), BLOOD)


def _frame(axis) -> np.ndarray:
    """Rows: the unit ``axis`` and two unit vectors perpendicular to it and each other."""
    e1 = _unit(axis)
    e2 = _unit(np.cross(e1, (0.0, 0.0, 1.0)))
    return np.array([e1, e2, np.cross(e1, e2)])


def _aortic_arch(n: int = 9) -> list:
    """Points of the arch from the ascending to the descending aorta, bowed up and left."""
    a, b = np.array(AORTA_ASC[1]), np.array(AORTA_DESC[0])
    m = (a + b) / 2
    th = np.linspace(0.0, np.pi, n)
    return [tuple(m + np.cos(t) * (a - m) + np.sin(t) * np.array(ARCH_BULGE)) for t in th]


def _great_vessels(arch) -> list:
    """Brachiocephalic trunk, left carotid and left subclavian: (start, end, radius)."""
    n = len(arch) - 1
    return [(arch[int(0.3 * n)], (-14.0, -28.0, 170.0), 6.5),
            (arch[int(0.5 * n)], (16.0, -18.0, 170.0), 4.5),
            (arch[int(0.65 * n)], (38.0, 2.0, 170.0), 5.0)]


def _paint_airways(canvas: _Canvas, rng, trachea_top=TRACHEA[0], carina_dz: float = 0.0,
                   deviation: float = 0.0) -> list:
    """Trachea and main bronchi (not lung) and lobar bronchi inside the lungs (lung).

    ``carina_dz`` moves the carina and the main bronchi up or down (mm); ``deviation`` bows
    the trachea sideways (LPS x, mm, at its middle).  All walls go first and all lumens
    after, so each lumen runs open into the next.  Returns the trachea and main bronchi as
    (p0, p1, radius) segments.
    """
    carina = np.add(CARINA, (0.0, 0.0, carina_dz))
    bronchus = {lb: tuple(np.add(MAIN_BRONCHUS[lb], (0.0, 0.0, carina_dz)))
                for lb in (RIGHT_LUNG, LEFT_LUNG)}
    middle = tuple(np.add(np.add(trachea_top, carina) / 2, (deviation, 0.0, 0.0)))
    main = [(trachea_top, middle, 9.0), (middle, tuple(carina), 9.0)] + [
        (tuple(carina), bronchus[lb], 7.0 if lb == RIGHT_LUNG else 6.0)
        for lb in (RIGHT_LUNG, LEFT_LUNG)]
    lobar = []
    for label in (RIGHT_LUNG, LEFT_LUNG):
        lobar += _grow_trees(rng, bronchus[label], _mirror(LOBAR_DIRECTIONS, label), 4.5,
                             22.0, 2, _points_in_lung(label))
    for p0, p1, r in main:
        canvas.paint_capsule(p0, p1, r + 2.0, r + 2.0, AIRWAY_WALL)
    for p0, p1, r0, r1 in lobar:
        canvas.paint_capsule(p0, p1, r0 + 1.5, r1 + 1.5, AIRWAY_WALL, label=KEEP)
    for p0, p1, r in main:
        canvas.paint_capsule(p0, p1, r, r, AIR)
    for p0, p1, r0, r1 in lobar:
        canvas.paint_capsule(p0, p1, r0, r1, AIR, label=KEEP)
    return main


def _paint_vessel_trees(canvas: _Canvas, rng) -> None:
    """Pulmonary arteries from the hila and veins toward the atrium, drawn within the lungs."""
    for label in (RIGHT_LUNG, LEFT_LUNG):
        inside = _points_in_lung(label)
        segments = (_grow_trees(rng, HILUM[label], _mirror(ARTERY_DIRECTIONS, label), 5.5, 34.0,
                                6, inside)
                    + _grow_trees(rng, ATRIUM_VEINS[label], _mirror(VEIN_DIRECTIONS, label), 5.0,
                                  34.0, 6, inside))
        for p0, p1, r0, r1 in segments:
            canvas.paint_capsule(p0, p1, r0, r1, BLOOD, label=KEEP, inside_lungs=True)


def _mirror(directions, label) -> np.ndarray:
    """Right-lung directions as they are for ``label``."""
    return np.asarray(directions, float) * (-SIDE[label], 1.0, 1.0)


def _points_in_lung(label):
    """A test of (n, 3) x, y, z mm points against the lung shape, for growing trees."""
    def inside(points):
        p = np.asarray(points, np.float32)
        return _lung_region(p[:, 2], p[:, 1], p[:, 0], label, False)
    return inside


def _grow_trees(rng, start, directions, radius, length, generations, inside) -> list:
    """Segments (p0, p1, r0, r1) of bifurcating trees from ``start``, one per direction.

    Grown a generation at a time, all branches at once: radius and length shrink by 0.8 a
    generation; a branch whose end leaves the lung is shortened once, then dropped.
    """
    d = np.array([_unit(v) for v in directions])
    p = np.repeat(np.asarray(start, float)[None], len(d), axis=0)
    lengths = np.full(len(d), float(length))
    segments = []
    for gen in range(generations):
        lengths = lengths * rng.uniform(0.8, 1.15, len(p))
        end, keep = _reach(p, d, lengths, inside)
        p, d, end, lengths = p[keep], d[keep], end[keep], lengths[keep] * 0.8
        r = radius * 0.8 ** gen
        segments += [(a, b, r, r * 0.8) for a, b in zip(p, end)]
        if gen + 1 == generations or len(p) == 0:
            break
        d = _child_directions(rng, d, end, lengths, inside)
        p, lengths = np.concatenate([end, end]), np.concatenate([lengths, lengths])
    return segments


def _reach(p, d, lengths, inside):
    """Branch ends (full length, or 0.55 of it if that leaves the lung) and which to keep."""
    full = p + d * lengths[:, None]
    short = p + d * (0.55 * lengths)[:, None]
    ok_full, ok_short = inside(full), inside(short)
    return np.where(ok_full[:, None], full, short), ok_full | ok_short


def _child_directions(rng, d, start, lengths, inside) -> np.ndarray:
    """Two children per branch splaying from ``d`` in a random plane: the first of three
    tries whose tips stay in the lung.  Returns all first children, then all second ones."""
    n = len(d)
    out = np.empty((2, n, 3))
    settled = np.zeros(n, bool)
    sign = np.array([1.0, -1.0])[:, None, None]
    for attempt in range(3):
        perp = _random_perpendiculars(rng, d)
        angle = rng.uniform(0.3, 0.75, (2, n))[..., None]
        children = np.cos(angle) * d + sign * np.sin(angle) * perp
        tips = start + children * (0.55 * lengths)[:, None]
        ok = inside(tips.reshape(-1, 3)).reshape(2, n).all(axis=0)
        take = (ok | (attempt == 2)) & ~settled
        out[:, take] = children[:, take]
        settled |= take
    return out.reshape(2 * n, 3)


def _unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


def _random_perpendiculars(rng, d) -> np.ndarray:
    """A random unit vector perpendicular to each row of ``d``."""
    v = rng.normal(size=d.shape)
    v -= np.sum(v * d, axis=1, keepdims=True) * d
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _paint_spine(canvas: _Canvas) -> None:
    """Vertebral bodies (cortex, marrow, discs) and the arch around the spinal canal."""
    g = canvas.grid
    box = g.box((-45.0, SPINE_Y - SPINE_AXES[1] - 1, -1e4), (45.0, BODY_Y + BODY_B_POST, 1e4))
    if _is_empty(box):
        return
    z, y, x = g.coords(box)
    ax, ay = SPINE_AXES
    body = _ellipse(x, y, 0.0, SPINE_Y, ax, ay)
    marrow = _ellipse(x, y, 0.0, SPINE_Y, ax - 2.5, ay - 2.5)
    phase = (z - SPINE_Z0) % SPINE_PITCH
    disc = phase < DISC_MM
    arch_gap = (phase > 9.0) & (phase < 14.0)  # the arches are segmented too, out of step
    canal = _ellipse(x, y, 0.0, CANAL_Y, CANAL_R, CANAL_R)
    arch = (_ellipse(x, y, 0.0, CANAL_Y, ARCH_R, ARCH_R) | _processes(x, y)) & ~body
    canvas.paint(box, arch & ~arch_gap, VERTEBRAL_ARCH)
    canvas.paint(box, body & ~disc, np.where(marrow, MARROW, CORTEX))
    canvas.paint(box, body & disc, DISC)
    canvas.paint(box, canal, CSF)


def _processes(x, y):
    """Transverse and spinous processes in the axial plane."""
    ax = np.abs(x)
    transverse = (ax < 36.0) & (np.abs(y - (CANAL_Y + 0.25 * ax)) < 4.5)
    spinous = (ax < 4.0) & (y > CANAL_Y) & (y < CANAL_Y + 17.0)
    return transverse | spinous


def _paint_ribs(canvas: _Canvas) -> None:
    """Twelve rib pairs: tubes round the body wall, highest at the spine, sloping forward.

    Computed on the in-plane band where ribs can be, for all slices at once: a voxel's
    angle fixes how far its rib has dropped, and so which rib is nearest in z.
    """
    phi_start, phi_cartilage, phi_end = RIB_PHI
    iy, ix, radial, phi = _body_wall_band(canvas.grid, RIB_RHO, RIB_HALF_T, phi_start, phi_end)
    drop = RIB_DROP * ((phi - phi_start) / (np.pi - phi_start)) ** 1.3
    z = canvas.grid.axis(0)[:, None]
    k = (RIB_Z0 - drop - z) / RIB_PITCH                  # which rib, fractional
    rib = np.rint(k)
    d = (radial / RIB_HALF_T) ** 2 + ((k - rib) * RIB_PITCH / RIB_HALF_H) ** 2
    real = (rib >= 0) & (rib < RIB_COUNT) & (d < 1.0)
    _paint_pixels(canvas, iy, ix, real & (phi <= phi_cartilage),
                  np.where(d < RIB_MARROW, MARROW, CORTEX))
    _paint_pixels(canvas, iy, ix, real & (phi > phi_cartilage) & (rib < 7), CARTILAGE)


def _paint_sternum_and_clavicles(canvas: _Canvas) -> None:
    """A flat sternum under the front wall, wider at the manubrium; clavicles as tubes."""
    g = canvas.grid
    y0, (ax, ay), (z0, z1), z_manubrium, (mx, my) = STERNUM
    box = g.box((-mx, y0 - my, z0), (mx, y0 + my, z1))
    if not _is_empty(box):
        z, y, x = g.coords(box)
        upper = z > z_manubrium
        hx, hy = np.where(upper, mx, ax), np.where(upper, my, ay)  # the manubrium is wider
        outer = _ellipse(x, y, 0.0, y0, hx, hy)
        inner = _ellipse(x, y, 0.0, y0, hx - 2.0, hy - 2.0)
        canvas.paint(box, outer, np.where(inner, MARROW, CORTEX))
    for s in (-1.0, 1.0):
        points = [(s * px, py, pz) for px, py, pz in CLAVICLE]
        canvas.paint_tube(points, 7.0, CORTEX)
        canvas.paint_tube(points, 4.5, MARROW)


def _paint_scapulae(canvas: _Canvas) -> None:
    """Shoulder blades: thin curved plates behind the upper ribs, narrowing downward."""
    centre, half_width = SCAPULA_PHI
    iy, ix, _, phi = _body_wall_band(canvas.grid, SCAPULA_RHO, SCAPULA_HALF_T,
                                     centre - half_width, centre + half_width)
    z0, z1 = SCAPULA_Z
    z = canvas.grid.axis(0)[:, None]
    width = half_width * np.clip((z - z0) / (z1 - z0), 0.0, 1.0)  # a triangle, tip down
    _paint_pixels(canvas, iy, ix, (np.abs(phi - centre) < width) & (z < z1), VERTEBRAL_ARCH)


def _body_wall_band(grid: _Grid, rho, half_thickness, phi_min, phi_max):
    """Pixels (iy, ix) within ``half_thickness`` mm of the body contour scaled by ``rho``,
    with their radial offset from it (mm) and their angle from the posterior midline
    (0 at the back, pi in front, the same on both sides), between phi_min and phi_max."""
    y, x = grid.axis(1)[:, None], grid.axis(2)[None, :]
    rho_xy = _body_rho(x, y)
    radial = (rho_xy - rho) * np.sqrt(x * x + (y - BODY_Y) ** 2) / np.maximum(rho_xy, 1e-6)
    phi = np.arctan2(np.abs(x), y - BODY_Y)
    iy, ix = np.nonzero((np.abs(radial) < half_thickness) & (phi > phi_min) & (phi < phi_max))
    return iy, ix, radial[iy, ix], phi[iy, ix]


def _paint_pixels(canvas: _Canvas, iy, ix, mask, value) -> None:
    """Paint ``value`` where ``mask`` [z, pixel] on the columns (iy, ix); clears lung labels."""
    if iy.size == 0:
        return
    hu, lab = canvas.hu[:, iy, ix], canvas.lab[:, iy, ix]
    mask = np.broadcast_to(mask, hu.shape)
    np.copyto(hu, value, where=mask, casting="unsafe")
    lab[mask] = 0
    canvas.hu[:, iy, ix], canvas.lab[:, iy, ix] = hu, lab


def _add_noise(hu: np.ndarray, noise_hu: float, rng, slab: int = 16) -> None:
    """Gaussian noise, slab by slab to bound memory, clipped at the scanner's air floor."""
    if noise_hu == 0:
        return
    for k in range(0, hu.shape[0], slab):
        part = hu[k:k + slab]
        noise = rng.standard_normal(part.shape, dtype=np.float32)
        noise *= noise_hu
        noise += part
        np.rint(noise, out=noise)
        np.clip(noise, AIR_FLOOR, 3071, out=noise)
        part[...] = noise
