"""Volume geometry: index ↔ patient, RAS affine, voxel volume."""
from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.dicom_factory import random_volume, rotation


def test_index_patient_round_trip_with_oblique_direction():
    vol = random_volume(direction=rotation("x", 25) @ rotation("z", -40))
    kji = np.array([[0, 0, 0], [3, 5, 7], [7.5, 1.25, 19]])
    lps = vol.index_to_patient(kji)
    np.testing.assert_allclose(vol.patient_to_index(lps), kji, atol=1e-9)
    # One step along i moves dx mm along the first direction column.
    np.testing.assert_allclose(vol.index_to_patient([0, 0, 1]) - vol.index_to_patient([0, 0, 0]),
                               vol.spacing[2] * vol.direction[:, 0])


def test_ras_affine_flips_x_and_y():
    vol = random_volume()
    ras = vol.ras_affine()
    np.testing.assert_allclose(ras[:2], -vol.index_to_patient_matrix[:2])
    np.testing.assert_allclose(ras[2:], vol.index_to_patient_matrix[2:])


def test_voxel_volume_accounts_for_shear():
    t = np.radians(20)
    sheared = np.column_stack([[1, 0, 0], [0, 1, 0], [0, np.sin(t), np.cos(t)]])
    assert random_volume(spacing=(2, 1, 0.5)).voxel_volume_mm3 == pytest.approx(1.0)
    vol = random_volume(spacing=(2, 1, 0.5), direction=sheared)
    assert vol.voxel_volume_mm3 == pytest.approx(np.cos(t))
