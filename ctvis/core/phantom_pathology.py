"""Pathology for the chest phantom: each option paints its lesion and records its true region.

Options (``make_phantom(pathology=(...))``) and their true label:

* ``nodule`` — a juxta-pleural nodule (radius 9 mm) on the right lung's lateral pleura: lung.
* ``mass`` — an intraparenchymal mass (radius 18 mm) in the left lung: lung.
* ``consolidation`` — the posterior base of the right lung airless (+40 HU); bronchi crossing
  it would stay aerated, but the phantom's lobar bronchi end above it, so it shows no air
  bronchograms: lung.
* ``effusion`` — fluid (+10 HU) in the posterior base of the left pleural space: not lung.
* ``blocked_bronchus`` — a plug (+30 HU) in the left main bronchus, so the airway tree reaches
  only the right lung: airway, not lung.
* ``collapse`` — the left main bronchus plugged as in ``blocked_bronchus`` and the left lower
  lobe collapsed behind it: an airless wedge (+40 HU, no air bronchograms: its bronchi are
  blocked) against the spine, below z = −10 mm; the rest of the lower lobe stays aerated
  (the upper lobe's compensating expansion): lung.
* ``neck`` — the body narrows to a neck above the shoulders and the trachea runs on up to the
  top of the field: not lung.
* ``tube`` — an endotracheal tube (wall +100 HU) in the trachea down to 25 mm above the
  carina: airway, not lung.
* ``deviated_trachea`` — the trachea bowed 28 mm to the left; ``carina_low`` /
  ``carina_high`` — the carina and main bronchi 30 mm lower / 25 mm higher.
* ``small_lung`` — the right hemidiaphragm raised by 90 mm (its dome keeps its shape, the
  liver follows it up): a right lung far smaller than the left; below it is not lung.

Regions always recorded: ``airway`` (trachea and main bronchi lumen), ``heart`` and
``liver_dome`` (liver above the lowest lung voxel).

:mod:`ctvis.core.phantom` calls these functions with its canvas (HU array, lung labels,
grid); they use only what it hands them (the grid's ``axis``, ``box``, ``coords`` and
``capsule``) and import nothing from it.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.labels import LEFT_LUNG

PATHOLOGIES = ("nodule", "mass", "consolidation", "effusion", "blocked_bronchus", "collapse",
               "neck", "tube", "deviated_trachea", "carina_low", "carina_high", "small_lung")
DEVIATION = 28.0                        # mm toward the patient's left at the trachea's middle
CARINA_DZ = {"carina_low": -30.0, "carina_high": 25.0}
SMALL_LUNG_RISE = 90.0                  # mm the right hemidiaphragm is raised by
NODULE = ((-126.0, 5.0, 0.0), 9.0)
MASS = ((75.0, 15.0, 5.0), 18.0)
CONSOLIDATION_Z, CONSOLIDATION_Y = -45.0, -10.0      # below / behind these: airless
EFFUSION_Z, EFFUSION_Y = -55.0, 15.0
COLLAPSE_Z, COLLAPSE_Y, COLLAPSE_X = -10.0, 30.0, 60.0   # below / behind / medial of these
NECK_Z, NECK_AXES, NECK_Y = 135.0, (62.0, 55.0), -5.0
TRACHEA_TOP_NECK = 400.0
TUBE_RADII, TUBE_ABOVE_CARINA = (5.5, 4.0), 25.0
SOLID, FLUID, PLUG, TUBE_WALL = 40, 10, 30, 100


def check(pathology) -> tuple:
    names = tuple(pathology or ())
    unknown = [p for p in names if p not in PATHOLOGIES]
    if unknown:
        raise ValueError(f"unknown pathology {unknown[0]!r} (choose from {', '.join(PATHOLOGIES)})")
    return names


def _sphere(grid, centre, radius):
    box = grid.box(np.subtract(centre, radius), np.add(centre, radius))
    z, y, x = grid.coords(box)
    return box, ((x - centre[0]) ** 2 + (y - centre[1]) ** 2 + (z - centre[2]) ** 2
                 <= radius * radius)


def _full(grid, box, mask):
    out = np.zeros(grid.shape, bool)
    out[box] = np.broadcast_to(mask, out[box].shape)
    return out


def paint_in_lungs(canvas, names, right, left, regions) -> None:
    """Lesions inside the lungs, painted after the lungs and before the airways and vessels
    (so bronchi stay aerated through a consolidation)."""
    g = canvas.grid
    if "nodule" in names:
        box, m = _sphere(g, *NODULE)
        m = m & (canvas.lab[box] == right)
        canvas.paint(box, m, SOLID, label="keep")
        regions["nodule"] = _full(g, box, m)
    if "mass" in names:
        box, m = _sphere(g, *MASS)
        m = m & (canvas.lab[box] == left)
        canvas.paint(box, m, SOLID, label="keep")
        regions["mass"] = _full(g, box, m)
    z, y = g.axis(0)[:, None, None], g.axis(1)[None, :, None]
    if "consolidation" in names:
        m = (canvas.lab == right) & (z < CONSOLIDATION_Z) & (y > CONSOLIDATION_Y)
        canvas.paint((slice(None),) * 3, m, SOLID, label="keep")
        regions["consolidation"] = m
    if "effusion" in names:
        m = (canvas.lab == left) & (z < EFFUSION_Z) & (y > EFFUSION_Y)
        canvas.paint((slice(None),) * 3, m, FLUID)          # clears the lung label
        regions["effusion"] = m


def carina_dz(names) -> float:
    return sum(CARINA_DZ.get(n, 0.0) for n in names)


def paint_small_lung(canvas, right, liver_hu) -> None:
    """Raise the right hemidiaphragm: a lung voxel stays lung only if the voxel
    ``SMALL_LUNG_RISE`` below it was lung too (the floor moves up in every column, the dome
    keeps its shape); the rest becomes liver."""
    g = canvas.grid
    shift = int(round(SMALL_LUNG_RISE / g.spacing[0]))
    lung = canvas.lab == right
    below = np.zeros_like(lung)
    below[shift:] = lung[:-shift]                   # axis 0 runs upward (z grows with k)
    canvas.paint((slice(None),) * 3, lung & ~below, liver_hu)       # not lung any more


def paint_neck(canvas) -> None:
    """Above the shoulders only a neck is left: outside its ellipse is air."""
    g = canvas.grid
    z = g.axis(0)
    ks = np.flatnonzero(z > NECK_Z)
    if ks.size == 0:
        return
    y, x = g.axis(1)[:, None], g.axis(2)[None, :]
    outside = ((x / NECK_AXES[0]) ** 2 + ((y - NECK_Y) / NECK_AXES[1]) ** 2) > 1.0
    box = (slice(ks[0], ks[-1] + 1), slice(None), slice(None))
    canvas.paint(box, outside[None], -1000)


def paint_after_airways(canvas, names, bronchus_left, carina, trachea_top, regions) -> None:
    g = canvas.grid
    if "blocked_bronchus" in names or "collapse" in names:
        # The plug fills the left main bronchus beyond its first 8 mm.
        c, b = np.asarray(carina, float), np.asarray(bronchus_left, float)
        start = c + (b - c) * 8.0 / np.linalg.norm(b - c)
        box, m = _capsule_mask(g, start, b, 6.5)
        canvas.paint(box, m & (canvas.hu[box] < -500), PLUG)
        regions["plug"] = _full(g, box, m)
    if "collapse" in names:
        z, y, x = g.axis(0)[:, None, None], g.axis(1)[None, :, None], g.axis(2)[None, None, :]
        m = (canvas.lab == LEFT_LUNG.value) & (z < COLLAPSE_Z) & (y > COLLAPSE_Y) & \
            (x < COLLAPSE_X)
        canvas.paint((slice(None),) * 3, m, SOLID, label="keep")
        regions["collapse"] = m
    if "tube" in names:
        end = (carina[0], carina[1] - 2.0, carina[2] + TUBE_ABOVE_CARINA)
        top = (trachea_top[0], trachea_top[1], trachea_top[2])
        box, wall = _capsule_mask(g, top, end, TUBE_RADII[0])
        canvas.paint(box, wall, TUBE_WALL)
        box2, lumen = _capsule_mask(g, top, end, TUBE_RADII[1])
        canvas.paint(box2, lumen, -1000)
        regions["tube"] = _full(g, box, wall)


def _capsule_mask(grid, p0, p1, r):
    box, m = grid.capsule(p0, p1, r, r)
    return box, (np.zeros(grid.shape, bool)[box] if m is None else m)


def record_anatomy(canvas, airway_segments, liver_hu, regions) -> None:
    """``airway`` (trachea + main bronchi lumen), ``liver_dome``; call before the noise."""
    g = canvas.grid
    air = np.zeros(g.shape, bool)
    for p0, p1, r in airway_segments:
        box, m = _capsule_mask(g, p0, p1, r)
        air[box] |= m
    regions["airway"] = air & (canvas.hu < -500) & (canvas.lab == 0)
    lung_z = np.flatnonzero(canvas.lab.any(axis=(1, 2)))
    liver = canvas.hu == liver_hu
    if lung_z.size:
        liver[:lung_z[0]] = False
    regions["liver_dome"] = liver
