"""Phantom lesions of every kind the one-click tool must handle, painted into the chest
phantom's lungs (tests and benchmarks/bench_lesions.py share them).

Each case: (name, volume, truth mask, click voxel).  The lesions are spheres in patient mm
(so their sizes are known exactly) clipped to the lung they lie in, with the phantom's noise
added to what is painted:

* ``solid``: 40 HU, radius 7 mm, in the middle of the right lung;
* ``part-solid``: −550 HU, radius 8 mm, with a 40 HU core of radius 3.5 mm (left lung);
* ``ground-glass``: −600 HU, radius 8 mm (right lung, higher up);
* ``juxta-pleural``: the phantom's own nodule (40 HU, on the right chest wall);
* ``mediastinal mass``: 40 HU, radius 16 mm, centred on the left lung's medial surface, so
  half of it lies against the mediastinum (the truth is the half in the lung);
* ``juxta-cardiac``: 40 HU, radius 5 mm, centred on the left lung's floor where it lies on
  the heart (the truth is the half in the lung);
* ``juxta-diaphragmatic``: 40 HU, radius 8 mm, centred on the right lung's floor at the top
  of the dome, over the liver (likewise).
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

from ctvis.core.image.body import grown_box, index_box
from ctvis.core.phantom import make_phantom

NOISE_HU = 20.0


def _sphere(volume, centre_kji, radius_mm) -> np.ndarray:
    # Reckoned in the ball's box only: on a whole chest the volume's grids took gigabytes.
    box = tuple(slice(max(int(np.floor(c - radius_mm / s)) - 1, 0),
                      max(int(np.ceil(c + radius_mm / s)) + 2, 0))
                for c, s in zip(centre_kji, volume.spacing))
    grids = np.meshgrid(*[(np.arange(n)[b] - c) * s for n, c, s, b in
                          zip(volume.shape, centre_kji, volume.spacing, box)], indexing="ij")
    ball = np.zeros(volume.shape, bool)
    ball[box] = sum(g * g for g in grids) <= radius_mm ** 2
    return ball


def _inner_point(mask, spacing) -> tuple:
    """The voxel of ``mask`` farthest from its border (where a user would click)."""
    # In the mask's box grown by a voxel: every voxel's nearest border voxel lies in it.
    box = grown_box(index_box(mask), 1, mask.shape)
    d = ndimage.distance_transform_edt(mask[box], sampling=spacing)
    return tuple(int(v) + b.start for v, b in zip(np.unravel_index(np.argmax(d), d.shape), box))


def _lung_point(lungs, side, spacing, depth_mm, z_share) -> tuple:
    """A voxel of lung ``side`` at least ``depth_mm`` from its border, at ``z_share`` of its
    height, nearest its centre in that slice."""
    lung = lungs == side
    ks = np.flatnonzero(lung.any(axis=(1, 2)))
    k = int(ks[int(z_share * (len(ks) - 1))])
    d = ndimage.distance_transform_edt(lung[k], sampling=spacing[1:])
    j, i = np.unravel_index(np.argmax(d), d.shape)
    assert d[j, i] >= depth_mm, "the phantom lung is too thin here"
    return k, int(j), int(i)


def _floor_top(lungs, side, spacing, inside_mm=25.0) -> tuple:
    """The highest voxel of lung ``side``'s floor (its lowest voxel in each column) among the
    columns at least ``inside_mm`` inside the lung's outline: the top of the organ under it
    (the phantom's slices run from the feet up)."""
    lung = lungs == side
    columns = lung.any(axis=0)
    floor = np.where(columns, np.argmax(lung, axis=0), -1)
    inside = ndimage.distance_transform_edt(columns, sampling=spacing[1:]) >= inside_mm
    j, i = np.unravel_index(np.argmax(np.where(inside, floor, -1)), floor.shape)
    return int(floor[j, i]), int(j), int(i)


def _paint(array, mask, hu, rng) -> None:
    array[mask] = np.clip(hu + rng.normal(0, NOISE_HU, int(mask.sum())), -1024, 3000)


@functools.lru_cache(maxsize=1)
def lesion_cases(seed: int = 0) -> tuple:
    """The phantom lesions: ((name, volume, truth, click), ...); made once per process
    (several test modules share them; nothing writes into them)."""
    rng = np.random.default_rng(seed)
    cases = []
    base = make_phantom(pathology=("nodule",))
    cases.append(("juxta-pleural", base.volume, base.regions["nodule"],
                  _inner_point(base.regions["nodule"], base.volume.spacing)))

    ph = make_phantom()
    volume, lungs = ph.volume, ph.lungs
    sp = volume.spacing

    def painted(specs):
        v = volume.with_array(volume.array.copy())
        for mask, hu in specs:
            _paint(v.array, mask, hu, rng)
        return v

    c = _lung_point(lungs, 1, sp, 15.0, 0.4)
    solid = _sphere(volume, c, 7.0) & (lungs == 1)
    cases.append(("solid", painted([(solid, 40)]), solid, c))

    c = _lung_point(lungs, 2, sp, 15.0, 0.45)
    outer = _sphere(volume, c, 8.0) & (lungs == 2)
    core = _sphere(volume, c, 3.5) & (lungs == 2)
    cases.append(("part-solid", painted([(outer, -550), (core, 40)]), outer, c))

    c = _lung_point(lungs, 1, sp, 15.0, 0.7)
    ggo = _sphere(volume, c, 8.0) & (lungs == 1)
    cases.append(("ground-glass", painted([(ggo, -600)]), ggo, c))

    # The left lung's medial surface at mid-height: its voxel nearest the body's midline.
    left = lungs == 2
    ks = np.flatnonzero(left.any(axis=(1, 2)))
    k = int(ks[len(ks) // 2])
    jj, ii = np.nonzero(left[k])
    x = volume.index_to_patient(np.stack([np.full(ii.shape, k), jj, ii], axis=1))[:, 0]
    n = int(np.argmin(np.abs(x)))
    centre = (k, int(jj[n]), int(ii[n]))
    mass = _sphere(volume, centre, 16.0) & left
    cases.append(("mediastinal mass", painted([(_sphere(volume, centre, 16.0) &
                                                (volume.array < -300), 40)]), mass,
                  _inner_point(mass, sp)))

    # Small nodules half sunk into an organ far bigger than they are, so that the blob at
    # their level is mostly heart or liver.
    for name, side, radius in (("juxta-cardiac", 2, 5.0), ("juxta-diaphragmatic", 1, 8.0)):
        ball = _sphere(volume, _floor_top(lungs, side, sp), radius)
        truth = ball & (lungs == side)
        cases.append((name, painted([(ball & (volume.array < -300), 40)]), truth,
                      _inner_point(truth, sp)))
    return tuple(cases)
