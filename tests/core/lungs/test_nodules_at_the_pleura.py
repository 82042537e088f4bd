"""Issue 20, item 6: a nodule at the pleura is lung (every nodule's consensus at least 95 %
inside the default mask).  Nodules painted into a real chest (lidc-0001-full) on the chest
wall and on the mediastinum (tests/helpers/real_lesions.py; the whole table is printed by
benchmarks/nodules_in_lungs.py).  Their truth is the painted ball's part in the real series'
lung.  Nodules of 12 mm radius come in as masses (lung above and below them, the envelope's
z gaps); the smaller ones, and those on the mediastinum, as the round bumps the lung wraps
around (core.lungs.pleural_nodules)."""
from __future__ import annotations

import numpy as np
import pytest

import ctvis
from ctvis.core.lungs import segment_lungs
from tests.helpers import real_lesions, unseen

# lidc-0001-full segmented once and then once per painted copy (about 8 s each).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chest(data_dir):
    volume = ctvis.load(data_dir / "lidc-0001-full/dicom")
    return volume, segment_lungs(volume)


def _inside(case) -> float:
    """The share of the painted nodule inside labels 1 and 2 of its copy's lungs."""
    volume, truth, _ = case
    labels = segment_lungs(volume)
    return np.count_nonzero(truth & ((labels == 1) | (labels == 2))) / np.count_nonzero(truth)


@pytest.mark.parametrize("where", ["back", "side"])
def test_a_nodule_of_12_mm_radius_on_the_chest_wall_is_lung(chest, where):
    """Measured 1.00 on both walls (0.97 on the side wall lower down)."""
    volume, lungs = chest
    assert _inside(real_lesions.wall_nodule(volume, lungs, where, 12.0, 0.6)) >= 0.95


@pytest.mark.parametrize("where, radius, height", [
    ("side", 3.0, 0.3), ("back", 5.0, 0.3), ("side", 5.0, 0.3), ("side", 8.0, 0.3),
    ("side", 8.0, 0.6)])
def test_a_small_nodule_on_the_chest_wall_is_lung(chest, where, radius, height):
    """Left out before core.lungs.pleural_nodules (0.00-0.06 inside); measured 0.98-1.00
    (the 8 mm ones 0.96 and 0.93 while the layer added at their base was 1.5 mm, not 0.3 of
    their reach)."""
    volume, lungs = chest
    assert _inside(real_lesions.wall_nodule(volume, lungs, where, radius, height)) >= 0.95


@pytest.mark.parametrize("height, radius", [(0.45, 8.0), (0.55, 5.0)])
def test_a_nodule_on_the_mediastinum_is_lung(chest, height, radius):
    """Left out before (0.00); measured 0.96 and 1.00."""
    volume, lungs = chest
    assert _inside(real_lesions.mediastinal_nodule(volume, lungs, height, radius)) >= 0.95


@pytest.mark.xfail(strict=True, reason="issue 20 item 6, open: a nodule on the mediastinum "
                   "larger than the rolled ball (12 mm radius against 10 mm) is left out "
                   "(0.00): no z gap holds it either")
def test_a_large_nodule_on_the_mediastinum_is_lung(chest):
    volume, lungs = chest
    assert _inside(real_lesions.mediastinal_nodule(volume, lungs, 0.25, 12.0)) >= 0.95


def test_a_part_solid_nodule_on_the_back_wall_is_lung(chest):
    """Its solid core at the wall was left out before (0.88 held)."""
    volume, lungs = chest
    assert _inside(real_lesions.part_solid_on_the_wall(volume, lungs, "back", 7.0)) >= 0.95


@pytest.mark.parametrize("name", ["lidc-0001-full/dicom", "lungdx-a0001",
                                  "pancreas-ct-cb-001"])
def test_clean_chests_gain_little_from_the_pleura(data_dir, name):
    """Creases, hilar vessels and folds are not round: on chests with no nodule at the
    pleura the step adds 0.00 mL to each (measured; lungdx-a0001's 5 mm slices gave 0.32
    mL of one-slice bumps before pieces had to span two voxels along every axis)."""
    info = {}
    segment_lungs(ctvis.load(data_dir / name), info=info)
    assert sum(info["pleural_nodules_ml"].values()) <= 1.0


def test_a_nodule_left_out_joins_the_lung_when_clicked_as_a_lesion(chest):
    """What the mask leaves out, the user takes in: a one-click lesion inside the pleura
    joins the lung envelope (core.lungs.lesion_sides).  The 12 mm nodule on the
    mediastinum: 0.00 inside the mask, 0.97 with its lesion, 240 mm³ added beyond it
    (measured)."""
    from ctvis.app.lesion import lesion_context
    from ctvis.core.lesions.grow import grow_lesion
    from ctvis.core.lungs.lesion_sides import lesion_sides

    volume, lungs = chest
    painted, truth, click = real_lesions.mediastinal_nodule(volume, lungs, 0.45, 12.0)
    context = lesion_context(painted)
    labels = context.lungs.copy()
    before = np.isin(labels, (1, 2))
    assert np.count_nonzero(truth & before) / np.count_nonzero(truth) <= 0.05
    lesion = grow_lesion(painted, click, body=context.body, lungs=context.lungs)
    for side, (box, mask) in lesion_sides(labels, lesion.mask, lesion.region).items():
        labels[box][mask] = side
    lung = np.isin(labels, (1, 2))
    assert np.count_nonzero(truth & lung) / np.count_nonzero(truth) >= 0.95
    added = lung & ~before
    assert np.count_nonzero(added & ~truth) * volume.voxel_volume_mm3 < 500.0     # mm³


def _noisy(volume, sd_hu: float):
    """``volume`` with noise of ``sd_hu``, correlated over a pixel in-plane (as a low dose
    gives it)."""
    from scipy import ndimage

    rng = np.random.default_rng(0)
    noise = ndimage.gaussian_filter(rng.normal(0, 1, volume.shape).astype(np.float32),
                                    (0, 0.7, 0.7))
    noise *= sd_hu / noise.std()
    out = np.clip(np.rint(volume.array + noise), -1024, 3071)
    return volume.with_array(out.astype(volume.array.dtype))


@pytest.mark.parametrize("change", ["sharp", "noise"])
def test_thick_slices_with_a_sharp_kernel_or_noise_gain_little(data_dir, change):
    """lungdx-a0001 (5 mm slices) with a lung kernel's sharpness or noise of SD 100 HU: the
    grey where a thick slice cuts the lung's surface (apices, domes), made tissue by the
    overshoot or the noise, passed as nodules (5.11 and 3.02 mL before pieces had to span
    two voxels along every axis and fill 0.8 of their lens; measured since: 0.50, 0.33)."""
    volume = ctvis.load(data_dir / "lungdx-a0001")
    copy = unseen.reconstructed(volume, "sharp") if change == "sharp" else _noisy(volume, 100)
    info = {}
    segment_lungs(copy, info=info)
    assert sum(info["pleural_nodules_ml"].values()) <= 1.0
