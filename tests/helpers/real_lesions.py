"""Lesions painted into a real chest's lungs (``lidc-0001-full``): the tests in
``tests/core/lesions/test_lesions_data.py`` and ``benchmarks/lesion_sweeps.py`` share them.

Each function takes the volume and its default lung labels (1 right, 2 left) and returns
(painted volume, truth mask, click voxel): the truth is a ball in patient mm clipped to the
lung it lies in, the click where a user would put it.  Heights are shares of the lung's
height from its base.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from tests.helpers.lesion_phantoms import _inner_point, _sphere


def _slice_at(volume, lung, height: float) -> int:
    ks = np.flatnonzero(lung.any(axis=(1, 2)))
    if volume.index_to_patient_matrix[2, 2] < 0:
        ks = ks[::-1]                                   # from the base up
    return int(ks[int(height * (len(ks) - 1))])


def _painted(volume, parts):
    """``volume`` with each (mask, HU, SD) of ``parts`` painted in turn (noise: seed 0)."""
    rng = np.random.default_rng(0)
    array = volume.array.copy()
    for mask, hu, sd in parts:
        array[mask] = np.clip(hu + rng.normal(0, sd, int(mask.sum())), -1024, 3000)
    return volume.with_array(array)


def _on_the_wall(volume, right, where: str, height: float) -> tuple:
    """The right lung's most posterior (``where="back"``) or most lateral (``"side"``)
    voxel in its slice at ``height``."""
    k = _slice_at(volume, right, height)
    jj, ii = np.nonzero(right[k])
    lps = volume.index_to_patient(np.stack([np.full(jj.shape, k), jj, ii], axis=1))
    # LPS: +y is posterior, -x the patient's right (the right lung's lateral wall).
    n = int(np.argmax(lps[:, 1]) if where == "back" else np.argmin(lps[:, 0]))
    return (k, int(jj[n]), int(ii[n]))


def mediastinal_nodule(volume, lungs, height: float, radius_mm: float):
    """A solid nodule (40 ± 20 HU) centred on the left lung's most medial voxel."""
    left = lungs == 2
    k = _slice_at(volume, left, height)
    jj, ii = np.nonzero(left[k])
    x = volume.index_to_patient(np.stack([np.full(ii.shape, k), jj, ii], axis=1))[:, 0]
    n = int(np.argmin(x))                               # the most medial (patient right)
    ball = _sphere(volume, (k, int(jj[n]), int(ii[n])), radius_mm)
    truth = ball & left
    painted = _painted(volume, [(ball & (volume.array < -300), 40, 20)])
    return painted, truth, _inner_point(truth, volume.spacing)


def wall_nodule(volume, lungs, where: str, radius_mm: float, height: float):
    """A solid nodule (40 ± 20 HU) centred on the right lung's most posterior
    (``where="back"``) or most lateral (``"side"``) voxel at ``height``: a juxta-pleural
    nodule, its base on the chest wall."""
    right = lungs == 1
    truth = _sphere(volume, _on_the_wall(volume, right, where, height), radius_mm) & right
    painted = _painted(volume, [(truth & (volume.array < -300), 40, 20)])
    return painted, truth, _inner_point(truth, volume.spacing)


def part_solid_on_the_wall(volume, lungs, where: str, radius_mm: float,
                           height: float = 0.4):
    """A part-solid nodule (ground glass −600 ± 30 HU, a 40 ± 20 HU core of half its
    radius) centred on the right lung's most posterior (``where="back"``) or most lateral
    (``"side"``) voxel, clicked in its core."""
    right = lungs == 1
    centre = _on_the_wall(volume, right, where, height)
    truth = _sphere(volume, centre, radius_mm) & right
    glass = truth & (volume.array < -300)
    core = glass & _sphere(volume, centre, radius_mm / 2)
    painted = _painted(volume, [(glass, -600, 30), (core, 40, 20)])
    return painted, truth, _inner_point(core, volume.spacing)


def calcified_nodule(volume, lungs, height: float, radius_mm: float):
    """A calcified nodule (a granuloma: 700 ± 60 HU, its edge blurred by a 0.8 mm kernel
    in-plane) at the right lung's deepest point in its slice."""
    right = lungs == 1
    k = _slice_at(volume, right, height)
    depth = ndimage.distance_transform_edt(right[k])
    centre = (k, *(int(c) for c in np.unravel_index(np.argmax(depth), depth.shape)))
    truth = _sphere(volume, centre, radius_mm)
    array = volume.array.astype(np.float32)
    array[truth] = 700 + np.random.default_rng(0).normal(0, 60, int(truth.sum()))
    box = tuple(slice(max(c - 12, 0), c + 13) for c in centre)
    array[box] = ndimage.gaussian_filter(array[box], sigma=(0.3,) + tuple(
        0.8 / s for s in volume.spacing[1:]))
    painted = volume.with_array(np.rint(array).astype(volume.array.dtype))
    return painted, truth, _inner_point(truth, volume.spacing)


def small_nodules(volume, lungs, radius_mm: float, count: int = 12, seed: int = 0):
    """``count`` small solid nodules (40 ± 20 HU, the edge blurred by a 0.8 mm kernel
    in-plane, as a screening scan shows a 4–8 mm nodule), one at a time, each centred on a
    random aerated voxel (below −700 HU) more than 15 mm inside either lung: beside vessels
    wherever they happen to run.  Yields (painted volume, truth, click, centre)."""
    from ctvis.core.image.distance import distance_mm

    rng = np.random.default_rng(seed)
    inner = distance_mm(np.isin(lungs, (1, 2)), volume.spacing) > 15.0
    candidates = np.argwhere(inner & (volume.array < -700))
    for _ in range(count):
        centre = tuple(int(c) for c in candidates[rng.integers(len(candidates))])
        truth = _sphere(volume, centre, radius_mm)
        array = volume.array.astype(np.float32)
        array[truth] = 40 + rng.normal(0, 20, int(truth.sum()))
        box = tuple(slice(max(c - 12, 0), c + 13) for c in centre)
        array[box] = ndimage.gaussian_filter(array[box], sigma=(0.3,) + tuple(
            0.8 / s for s in volume.spacing[1:]))
        painted = volume.with_array(np.rint(array).astype(volume.array.dtype))
        yield painted, truth, _inner_point(truth, volume.spacing), centre
