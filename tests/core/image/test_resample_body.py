"""Resampling, body mask, crop and histogram."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.body import body_mask, bounding_box, crop_to_body, hu_histogram
from ctvis.core.image.resample import resample_isotropic
from ctvis.core.volume import Volume
from tests.helpers.dicom_factory import random_volume, rotation


def test_resample_isotropic_geometry_and_values():
    z, y, x = np.mgrid[0:10, 0:12, 0:14]
    vol = Volume((10 * z + 2 * y + x).astype(np.int16), (2.0, 1.0, 0.5), (1, 2, 3),
                 rotation("z", 15))
    iso = resample_isotropic(vol, order=1)
    assert iso.spacing == (0.5, 0.5, 0.5)
    assert iso.shape == (37, 23, 14)
    # Same patient point, same (linear) value; origin and direction unchanged.
    np.testing.assert_allclose(iso.origin, vol.origin)
    np.testing.assert_allclose(iso.index_to_patient([36, 22, 13]),
                               vol.index_to_patient([9, 11, 13]), atol=1e-9)
    expected = 10 * (17 * 0.25) + 2 * (9 * 0.5) + 5
    assert iso.array[17, 9, 5] == pytest.approx(expected, abs=0.51)
    nearest = resample_isotropic(vol, 1.0, order=0)
    assert nearest.shape == (19, 12, 7)
    assert set(np.unique(nearest.array)) <= set(np.unique(vol.array))


def test_body_mask_removes_table_and_keeps_lungs_inside():
    a = np.full((6, 80, 80), -1000, np.int16)
    yy, xx = np.mgrid[0:80, 0:80]
    body = ((yy - 38) / 28.0) ** 2 + ((xx - 40) / 34.0) ** 2 <= 1
    a[:, body] = 40
    a[:, (((yy - 38) / 18.0) ** 2 + ((xx - 28) / 8.0) ** 2) <= 1] = -850      # a lung
    a[:, 72:75, 5:75] = 300                                                  # the table
    vol = Volume(a, (2.5, 1.0, 1.0))
    mask = body_mask(vol)
    assert mask[:, body].all()                     # lungs are inside (holes filled)
    assert not mask[:, 72:75, :].any()             # table is not
    lo, hi = bounding_box(mask)
    assert tuple(lo) == (0, 10, 6) and tuple(hi) == (6, 67, 75)
    cropped, _ = crop_to_body(vol, mask, margin_mm=0)
    assert cropped.shape == (6, 57, 69)
    np.testing.assert_allclose(cropped.origin, vol.index_to_patient([0, 10, 6]))


def test_histogram_counts_every_voxel():
    vol = random_volume()
    counts, edges = hu_histogram(vol, bin_width=50)
    assert counts.sum() == vol.array.size
    assert edges[0] == -1024 and np.all(np.diff(edges) == 50)
