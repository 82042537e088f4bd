"""Volume geometry, file round trips, resampling, body mask, presets and histogram."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ctvis.core.body import body_mask, bounding_box, crop_to_body, hu_histogram
from ctvis.core.presets import preset, window_presets
from ctvis.core.resample import resample_isotropic
from ctvis.core.volume import Volume
from ctvis.core.volume_files import read_nifti, read_nrrd, write_nifti, write_nrrd
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


def test_to_pyvista_keeps_direction_and_values():
    pv = pytest.importorskip("pyvista")
    vol = random_volume(direction=rotation("z", 30))
    grid = vol.to_pyvista()
    assert isinstance(grid, pv.ImageData)
    k, j, i = 5, 7, 3
    idx = grid.find_closest_point(vol.index_to_patient([k, j, i]))
    assert grid.point_data["HU"][idx] == vol.array[k, j, i]
    np.testing.assert_allclose(grid.points[idx], vol.index_to_patient([k, j, i]), atol=1e-4)


@pytest.mark.parametrize("suffix,writer,reader", [(".nii.gz", write_nifti, read_nifti),
                                                  (".nrrd", write_nrrd, read_nrrd)])
def test_volume_file_round_trip_keeps_geometry(tmp_path, suffix, writer, reader):
    vol = random_volume(direction=rotation("y", 20) @ rotation("z", 10))
    path = writer(vol, tmp_path / f"vol{suffix}")
    back = reader(path)
    np.testing.assert_array_equal(back.array, vol.array)
    np.testing.assert_allclose(back.index_to_patient_matrix, vol.index_to_patient_matrix,
                               atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == [f"vol{suffix}"]   # no temp file left


def test_nifti_is_written_in_ras(tmp_path):
    nib = pytest.importorskip("nibabel")
    vol = random_volume()
    write_nifti(vol, tmp_path / "v.nii.gz")
    img = nib.load(str(tmp_path / "v.nii.gz"))
    # LPS origin (-10, -20, 30) is RAS (10, 20, 30)
    np.testing.assert_allclose(img.affine[:3, 3], [10, 20, 30])
    assert nib.aff2axcodes(img.affine) == ("L", "P", "S")   # index axes point to L, P, S


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


def test_presets_are_data_and_include_series_window():
    names = {p.name: (p.center, p.width) for p in window_presets()}
    assert names == {"Lung": (-600, 1500), "Mediastinum": (40, 400),
                     "Soft tissue": (40, 350), "Bone": (400, 1800), "Brain": (40, 80)}
    vol = random_volume()
    vol.meta.update(window_center=50, window_width=350)
    assert preset("series", vol).center == 50
    with pytest.raises(KeyError):
        preset("nope")


def test_core_imports_without_qt_or_vtk():
    code = ("import sys, ctvis, ctvis.core.io, ctvis.core.body, ctvis.core.resample, "
            "ctvis.cli; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PyQt5', 'vtk', 'vtkmodules', 'pyvista')]; print(bad); assert not bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_voxel_volume_accounts_for_shear():
    t = np.radians(20)
    sheared = np.column_stack([[1, 0, 0], [0, 1, 0], [0, np.sin(t), np.cos(t)]])
    assert random_volume(spacing=(2, 1, 0.5)).voxel_volume_mm3 == pytest.approx(1.0)
    vol = random_volume(spacing=(2, 1, 0.5), direction=sheared)
    assert vol.voxel_volume_mm3 == pytest.approx(np.cos(t))
