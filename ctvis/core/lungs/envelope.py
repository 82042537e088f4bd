"""The lung as a radiologist outlines it (pathology inside), and the aerated part of it.

Default mask = the lung's pleural envelope: nodules, masses and consolidation inside it are
lung.  What lies inside the envelope but is not air is found from the air around it:

* per slice, a closing with a small disk (vessels and fissures at the border, small
  juxta-pleural nodules) and the holes of each lung (intraparenchymal nodules, vessels);
* along the body's long axis, gaps between lung above and lung below in the same column
  (``Z_GAP_MM``): a mass against the chest wall, the spine or the mediastinum still has lung
  above and below it, while the heart and the liver dome have lung only on one side
  (above the liver, beside the heart) and an effusion lies at the bottom of the pleural space.

``aerated`` removes from a mask the solid blobs thicker than ``SOLID_RADIUS_MM`` (nodules,
masses, consolidation) and keeps the aerated parenchyma with its vessels.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ctvis.core.image.body import (PLANE_CROSS, fill_holes_slices, grown_box, index_box,
                                   margin_voxels)
from ctvis.core.image.distance import distance_mm

Z_GAP_MM = 65.0             # lung above and below a gap this tall or less: the gap is lung
MAX_HOLE_MM2 = 500.0        # larger holes in one lung's slice (the liver dome) stay out
HILUM_MM = 20.0             # z gaps this close to the trachea and main bronchi: the hilum
HILUM_REACH_MM = 35.0       # ... and a gap region reaching this close must be thick
HILAR_MASS_RADIUS_MM = 12.0
MIN_MASS_RADIUS_MM = 3.5    # a z gap region must be this thick somewhere to be a mass
MIDLINE_MM = 12.0           # z gaps this close to the body's midline: the mediastinum
WALL_MASS_ML = 0.8          # gap regions this large are masses that may reach the wall
RIB_GROW = 1                # pixels the ribs are thickened by to close the gaps between them
WALL_HU = 150               # ribs and spine (marrow included) for the wall closing
WALL_CLOSING_MM = 18.0      # the ball of the wall closing: wider than an intercostal space
WALL_REACH_MM = 25.0        # how far from a mass the wall closing may take tissue
OTHER_LUNG_MM = 15.0        # z gaps this close to the other lung: the mediastinum
BONE_HU = 250               # bone is never lung (ribs, spine in a closing's reach)
SOLID_HU = -300             # denser than this inside the lung: tissue, not aerated lung
SOLID_RADIUS_MM = 3.0       # solid blobs at least this thick are pathology, not vessels


def closing_2d(mask: np.ndarray, radius_mm: float, spacing_yx) -> np.ndarray:
    """Per-slice binary closing with a disk of ``radius_mm`` (the disk's pixels in mm)."""
    if radius_mm <= 0 or not mask.any():
        return mask.copy()
    pad = [int(np.ceil(radius_mm / s)) + 1 for s in spacing_yx]
    dy = np.arange(-pad[0] + 1, pad[0]) * spacing_yx[0]
    dx = np.arange(-pad[1] + 1, pad[1]) * spacing_yx[1]
    disk = (dy[:, None] ** 2 + dx[None, :] ** 2 <= radius_mm ** 2)[None]   # no link in z
    m = np.pad(mask, [(0, 0), (pad[0], pad[0]), (pad[1], pad[1])])
    dilated = ndimage.binary_dilation(m, structure=disk)
    # Outside the padded array counts as set, as it did for the distance transform.
    closed = ndimage.binary_erosion(dilated, structure=disk, border_value=1)
    return closed[:, pad[0]:-pad[0], pad[1]:-pad[1]] | mask


def z_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Voxels in a run of at most ``max_gap`` False voxels with True above and below it."""
    if max_gap < 1 or mask.shape[0] < 3:
        return np.zeros_like(mask)
    n = mask.shape[0]
    # Small integers: the running maximum and minimum below stream less memory.
    idx = np.arange(n, dtype=np.int16 if n < 2**14 else np.int64)[:, None, None]
    # Index of the nearest True at or below / at or above each voxel along z.
    below = _running(np.where(mask, idx, -1), np.maximum)
    above = _running(np.where(mask, idx, n)[::-1], np.minimum)[::-1]
    return ~mask & (below >= 0) & (above < n) & (above - below - 1 <= max_gap)


def _running(a: np.ndarray, op) -> np.ndarray:
    """``op.accumulate(a, axis=0)`` slice by slice (in place on ``a``): NumPy's accumulate
    along the first axis strides through memory and takes several times longer."""
    for k in range(1, a.shape[0]):
        op(a[k - 1], a[k], out=a[k])
    return a


def _masses(gaps: np.ndarray, airway: np.ndarray | None, spacing) -> np.ndarray:
    """The gap regions that are a mass, not the hilum nor a sliver.

    Nothing within ``HILUM_MM`` of the trachea and main bronchi is kept (there the gaps are
    the hilar vessels and bronchi).  A region must be thicker in-plane than
    ``MIN_MASS_RADIUS_MM`` somewhere (the heart's wall under the lingula is a sliver), and
    than ``HILAR_MASS_RADIUS_MM`` if it comes within ``HILUM_REACH_MM`` of the airway.
    """
    if not gaps.any():
        return gaps
    near = reach = np.zeros_like(gaps)
    if airway is not None and airway.any():
        # Distances to the airway only matter within HILUM_REACH_MM of it: its box.
        ab = _box(airway, spacing, HILUM_REACH_MM)
        dist = distance_mm(~airway[ab], spacing)
        near, reach = np.zeros_like(gaps), np.zeros_like(gaps)
        near[ab], reach[ab] = dist <= HILUM_MM, dist <= HILUM_REACH_MM
    gaps = gaps & ~near
    parts, n = ndimage.label(gaps)
    if n == 0:
        return gaps
    # Regions with fewer voxels per slice than the thinnest mass's disk cannot be masses.
    sizes = np.bincount(parts.ravel(), minlength=n + 1)
    disk = np.pi * MIN_MASS_RADIUS_MM ** 2 / (spacing[1] * spacing[2])
    small = sizes < disk
    small[0] = True
    if small[1:].all():
        return np.zeros_like(gaps)
    big = ~small[parts]
    bb = _box(big, spacing, spacing[1])
    pad = [(0, 0), (1, 1), (1, 1)]
    depth = np.zeros(gaps.shape, np.float32)
    depth[bb] = distance_mm(np.pad(big[bb], pad), (1e6,) + tuple(
        spacing[1:]))[:, 1:-1, 1:-1]
    radius = np.zeros(n + 1, np.float32)              # per region (ndimage.maximum sorts)
    np.maximum.at(radius, parts[big], depth[big])
    hilar = np.bincount(parts[reach & big], minlength=n + 1) > 0
    keep = radius >= np.where(hilar, HILAR_MASS_RADIUS_MM, MIN_MASS_RADIUS_MM)
    keep[0] = False
    return keep[parts]


def _big_parts(gaps: np.ndarray, spacing) -> np.ndarray:
    """The gap regions of at least ``WALL_MASS_ML`` (a nodule or a mass, not a rib's
    impression on the lung)."""
    parts, n = ndimage.label(gaps)
    if n == 0:
        return gaps
    ml = np.bincount(parts.ravel()) * float(np.prod(spacing)) / 1000.0
    ml[0] = 0
    return (ml >= WALL_MASS_ML)[parts]


def _to_the_wall(lung: np.ndarray, masses: np.ndarray, hu: np.ndarray, keep_out: np.ndarray,
                 spacing, hilum: np.ndarray | None = None) -> np.ndarray:
    """The rest of a mass that reaches the chest wall or the spine.

    Part of such a mass has no lung above or below it.  With the ribs and the spine counted
    as a wall, the mass, the lung and the wall enclose it: a 3-D closing of (lung ∪ wall)
    with a ball of ``WALL_CLOSING_MM`` (the ribs' gaps are narrower than the ball, so it
    cannot come in between them) fills it.  Only what lies within ``WALL_REACH_MM`` of a
    mass, under or over lung in its column, outside ``keep_out`` and connected to the mass
    is taken.
    """
    box = _box(masses, spacing, WALL_REACH_MM + spacing[1])
    keep_out = keep_out[box]
    if hilum is not None and hilum[box].any():          # nor the hilum
        keep_out = keep_out | (distance_mm(~hilum[box], spacing)
                               <= HILUM_MM)
    wall = hu[box] > WALL_HU
    solid = lung[box] | wall
    r = WALL_CLOSING_MM
    pad = [(g, g) for g in (int(np.ceil(r / s)) + 1 for s in spacing)]
    m = np.pad(solid, pad)
    dilated = distance_mm(~m, spacing) <= r
    closed = distance_mm(dilated, spacing) > r
    closed = closed[tuple(slice(a, -b) for a, b in pad)]
    near = distance_mm(~masses[box], spacing) <= WALL_REACH_MM
    # Inside the pleural line: lung lies above or below in the same column (the chest wall
    # outside the ribs and the descending aorta have none).
    reach = 2 * int(Z_GAP_MM / spacing[0]) + 1
    column = ndimage.maximum_filter1d(lung[box] & ~masses[box], size=reach, axis=0)
    new = closed & ~solid & near & column & ~keep_out
    # Reached from the mass in its slice without passing the ribs (thickened by a pixel so
    # the gaps between rib arcs close): the chest wall outside them stays out.
    ribs = ndimage.binary_dilation(wall, structure=PLANE_CROSS, iterations=RIB_GROW)
    parts, n = ndimage.label((new & ~ribs) | masses[box], structure=PLANE_CROSS)
    touching = np.unique(parts[masses[box]])
    reached = np.isin(parts, touching[touching > 0])
    # ... then the rim along the ribs that the thickening hid.
    reached = ndimage.binary_dilation(reached, structure=PLANE_CROSS, iterations=RIB_GROW)
    out = np.zeros_like(masses)
    out[box] = reached & new
    return out


def envelope(lung: np.ndarray, hu: np.ndarray, allowed: np.ndarray, spacing,
             closing_mm: float, hilum: np.ndarray | None = None,
             other: np.ndarray | None = None,
             central: np.ndarray | None = None) -> np.ndarray:
    """One lung's envelope on its (coarse) grid: ``lung`` plus what it encloses.

    ``allowed``: where the envelope may be (the body, not the airway, not the other lung);
    ``hilum``: the trachea and main bronchi (see :func:`_masses`); ``other``: the other
    lung — where the two lungs come close (junction lines) the gaps are mediastinum;
    ``central``: the strip along the body's midline (heart, great vessels, spine).
    """
    allowed = allowed & (hu < BONE_HU)
    out = np.zeros_like(lung)
    if not lung.any():
        return out
    lb = _box(lung, (np.inf,) + tuple(spacing[1:]), closing_mm)    # the closing's reach
    out[lb] = closing_2d(lung[lb], closing_mm, spacing[1:]) & allowed[lb]
    gaps = z_gaps(out, int(Z_GAP_MM / spacing[0])) & allowed
    if gaps.any():
        # Distances are only needed near the gaps: work in their box (speed).
        margin = max(HILUM_REACH_MM, OTHER_LUNG_MM)
        gb = _box(gaps, spacing, margin)
        sub = (lambda a: None if a is None else a[gb])
        g = _masses(gaps[gb], sub(hilum), spacing)
        # Judge each gap region whole (a sliver joined to the hilum is the hilum's), then
        # drop what lies in the mediastinum.
        if central is not None:
            g &= ~central[gb]
        if other is not None and other[gb].any() and g.any():
            # Within OTHER_LUNG_MM of the other lung (a box, not a ball: separable, fast).
            size = [2 * int(OTHER_LUNG_MM / s) + 1 for s in spacing]
            g &= ~ndimage.maximum_filter(other[gb], size=size)
        gaps = np.zeros_like(gaps)
        gaps[gb] = g
    out |= gaps
    big = _big_parts(gaps, spacing)
    if big.any():
        keep_out = ~allowed | (central if central is not None else False)
        out |= _to_the_wall(out, big, hu, keep_out, spacing, hilum)
    out = fill_holes_slices(out, int(MAX_HOLE_MM2 / (spacing[1] * spacing[2])))
    return out & allowed


def _box(mask: np.ndarray, spacing, margin_mm: float) -> tuple:
    """Index box of ``mask`` grown by ``margin_mm`` on every side, clipped to the array."""
    return grown_box(index_box(mask), margin_voxels(margin_mm, spacing), mask.shape)


def aerated(labels: np.ndarray, hu: np.ndarray, spacing) -> np.ndarray:
    """``labels`` without the solid blobs (nodules, masses, consolidation) inside them."""
    solid = (labels > 0) & (hu > SOLID_HU)
    if not solid.any():
        return labels.copy()
    # An opening with a ball keeps what is thicker than SOLID_RADIUS_MM: vessels are thinner.
    # Done with two distance transforms in mm, on the box of the solid voxels.
    box = index_box(solid)
    box = tuple(slice(max(s.start - 2, 0), s.stop + 2) for s in box)
    part = solid[box]
    core = distance_mm(part, spacing) > SOLID_RADIUS_MM
    blobs = np.zeros_like(solid)
    if core.any():
        blobs[box] = distance_mm(~core, spacing) \
            <= SOLID_RADIUS_MM + 1e-6
    # Their partial-volume rim (between tissue and air) goes with them.
    blobs = ndimage.binary_dilation(blobs, structure=np.ones((1, 3, 3), bool)) & (labels > 0) \
        & (hu > -600)
    out = labels.copy()
    out[blobs] = 0
    return out
