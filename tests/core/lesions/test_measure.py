"""Lesion measurements against lesions of known size and kind."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.lesions.measure import measure_lesion
from ctvis.core.volume import Volume
from tests.helpers.lesion_phantoms import lesion_cases


def _ellipsoid_volume(spacing=(2.5, 0.7, 0.7), axes_mm=(12.0, 10.0, 6.0), hu=40):
    """An ellipsoid with semi-axes (x, y, z) mm in air, on an anisotropic grid."""
    shape = tuple(int(2 * max(axes_mm) / s) + 9 for s in spacing)
    centre = [(n - 1) / 2 for n in shape]
    z, y, x = np.meshgrid(*[(np.arange(n) - c) * s for n, c, s in
                            zip(shape, centre, spacing)], indexing="ij")
    mask = (x / axes_mm[0]) ** 2 + (y / axes_mm[1]) ** 2 + (z / axes_mm[2]) ** 2 <= 1
    array = np.where(mask, hu, -850).astype(np.int16)
    return Volume(array, spacing=spacing), mask


def test_diameters_and_volume_of_an_ellipsoid_within_half_a_voxel():
    volume, mask = _ellipsoid_volume()
    m = measure_lesion(volume, mask)
    half = 0.5 * 0.7
    # Voxel centres inside the ellipsoid: the long axis (x) spans 2·12 mm less under a voxel.
    assert 24.0 - 2 * 0.7 - half <= m.long_axis_mm <= 24.0 + half
    assert 20.0 - 2 * 0.7 - half <= m.short_axis_mm <= 20.0 + half
    assert 24.0 - 2 * 0.7 - half <= m.max_3d_mm <= 24.0 + half
    truth_ml = 4 / 3 * np.pi * 12 * 10 * 6 / 1000
    assert m.volume_ml == pytest.approx(truth_ml, rel=0.05)
    assert m.long_axis_ends[0][0] == m.long_axis_ends[1][0] == m.axial_slice
    # The long axis runs along x, the short one along y.
    (k0, j0, i0), (k1, j1, i1) = m.long_axis_ends
    assert abs(i1 - i0) > abs(j1 - j0)
    (k0, j0, i0), (k1, j1, i1) = m.short_axis_ends
    assert abs(j1 - j0) > abs(i1 - i0)
    assert m.type == "solid"
    assert m.mean_hu == pytest.approx(40)


def test_types_by_hu():
    cases = {c[0]: c[1:] for c in lesion_cases()}
    for name in ("solid", "part-solid", "ground-glass"):
        volume, truth, _ = cases[name]
        assert measure_lesion(volume, truth).type == name


def test_a_cavitating_nodule_is_solid():
    """A solid ellipsoid whose middle is an air cavity (-1000 HU), outlined whole as a
    reader does: the air is neither of its components (typed by its tissue: solid; by all
    its voxels it was part-solid)."""
    volume, mask = _ellipsoid_volume()
    zz, yy, xx = np.indices(mask.shape)
    centre = [(n - 1) / 2 for n in mask.shape]
    cavity = mask & ((((xx - centre[2]) * 0.7) ** 2 + ((yy - centre[1]) * 0.7) ** 2
                      + ((zz - centre[0]) * 2.5) ** 2) <= 6.0 ** 2)
    volume.array[cavity] = -1000
    assert cavity.sum() > 0.25 * mask.sum()
    m = measure_lesion(volume, mask)
    assert m.type == "solid" and m.solid_share == 1.0


def test_a_solid_nodule_on_thick_slices_is_solid():
    """A 20 mm solid ball on 10 mm slices, centred in one: the slice above and the one
    below average its caps with the lung over their whole thickness (partial volume at
    every level between), and were counted as its ground glass (part-solid, 65 % solid)."""
    from scipy import ndimage

    z, y, x = np.meshgrid((np.arange(60) - 29.5) * 0.5,          # three 10 mm slices
                          *[(np.arange(60) - 29.5) * 0.7] * 2, indexing="ij")
    fine = np.where(x * x + y * y + z * z <= 10.0 ** 2, 40.0, -850.0)
    fine = ndimage.gaussian_filter(fine, (0, 1.0, 1.0))        # a kernel's in-plane blur
    array = np.rint(fine.reshape(3, 20, 60, 60).mean(axis=1)).astype(np.int16)
    volume = Volume(array, spacing=(10.0, 0.7, 0.7))
    lesion = array >= -560            # the grow's edge: a third of the way to tissue
    assert lesion.any(axis=(1, 2)).all()
    assert measure_lesion(volume, lesion).type == "solid"


def test_an_empty_lesion_is_refused():
    volume, mask = _ellipsoid_volume()
    with pytest.raises(ValueError):
        measure_lesion(volume, np.zeros_like(mask))
