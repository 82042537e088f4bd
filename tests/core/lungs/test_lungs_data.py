"""segment_lungs against the reference masks in ../shared/data (skipped when absent)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.segmentation import clear_border

import ctvis
from ctvis.core.image.body import body_mask
from ctvis.core.lungs import lung_warnings, segment_lungs
from ctvis.core.io.nifti_nrrd import read_nifti, read_nrrd
from tests.helpers.lungdx import tumour_boxes


def dice(a, b) -> float:
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def threshold_baseline(hu: np.ndarray, threshold: float = -320) -> np.ndarray:
    """The issue's baseline: threshold, border air removed (per slice), two largest 3-D
    components, holes filled per slice."""
    air = np.stack([clear_border(s) for s in hu < threshold])
    lab, n = ndimage.label(air)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    keep = np.isin(lab, np.argsort(sizes)[::-1][:2])
    return np.stack([ndimage.binary_fill_holes(s) for s in keep])


@pytest.fixture(scope="module")
def cip(data_dir):
    folder = data_dir / "cip-10002K-64"
    volume = ctvis.load(folder / "dicom")
    ref = read_nrrd(folder / "wholeLung-64.nrrd", dtype=np.uint8)
    regions = read_nrrd(folder / "lm-64.nrrd", dtype=np.int32)
    return volume, ref, regions, segment_lungs(volume)


def test_cip_reference_is_on_the_same_grid(cip):
    volume, ref, _, _ = cip
    assert ref.shape == volume.shape
    assert np.allclose(ref.index_to_patient_matrix, volume.index_to_patient_matrix, atol=1e-2)


def test_cip_dice_beats_threshold_baseline(cip):
    volume, ref, _, labels = cip
    truth = ref.array > 0
    ours = dice(labels > 0, truth)
    baseline = dice(threshold_baseline(volume.array), truth)
    assert baseline == pytest.approx(0.970, abs=0.005)      # the figure
    assert ours >= 0.985                                    # issue 11: no regression
    assert ours >= baseline + 0.01


def test_cip_right_left_trachea_body_density(cip):
    volume, _, regions, labels = cip
    region, kind = regions.array % 256, regions.array // 256
    # CIP ChestRegion codes: 9–11 left upper/middle/lower third, 12–14 right.
    assert dice(labels == 1, (region >= 12) & (region <= 14)) >= 0.97
    assert dice(labels == 2, (region >= 9) & (region <= 11)) >= 0.97
    # Airway outside the lung regions (trachea + main bronchi): at most a few partial-volume
    # voxels at the hilum, and none in the trachea above the lungs' apices.
    airway = (kind == 2) & (region == 0)
    assert np.count_nonzero(airway & (labels > 0)) < 0.3 * airway.sum()
    top = int(np.flatnonzero(labels.any(axis=(1, 2))).max())
    trachea_above = airway.copy()
    trachea_above[:top - 8] = False
    assert trachea_above.sum() > 20 and not np.any(trachea_above & (labels > 0))
    assert not np.any((labels > 0) & ~body_mask(volume))
    assert volume.array[labels > 0].mean() < -600


@pytest.mark.slow             # the day-to-day run leaves it to ./dev test
def test_pancreas_no_trachea_in_the_bowel_and_heart_wall_out(data_dir):
    """pancreas-ct-cb-001 begins at the carina: there is no trachea to find. A 27 mm run of
    round gas in the bowel below the lungs was taken for it; the heart's zone then started
    below the bowel, and 76 mL of the left ventricle's wall (median +60 HU) became left lung."""
    volume = ctvis.load(data_dir / "pancreas-ct-cb-001" / "dicom")
    info: dict = {}
    labels = segment_lungs(volume, airway=True, info=info)
    lungs = (labels == 1) | (labels == 2)
    lung_slices = np.flatnonzero(lungs.any(axis=(1, 2)))
    airway_slices = np.flatnonzero((labels == 3).any(axis=(1, 2)))
    # z grows with the slice index here: any airway lies in the upper half of the lungs.
    assert volume.index_to_patient_matrix[2, 2] > 0
    assert airway_slices.size == 0 or airway_slices.min() > lung_slices.mean()
    solid, n = ndimage.label((labels == 2) & (volume.array > -300))
    largest_ml = np.bincount(solid.ravel())[1:].max() * volume.voxel_volume_mm3 / 1000
    assert largest_ml < 40                     # vessels and hilum, not the heart's wall


def test_totalseg_lung_bases(data_dir):
    folder = data_dir / "totalseg-j2k"
    volume = read_nifti(folder / "example_ct.nii.gz")
    ref = read_nifti(folder / "example_lung.nii.gz", dtype=np.uint8).array > 0
    labels = segment_lungs(volume)
    # Measured 0.963 (docs/lungs.md); bowel gas below must not be taken for lung.
    assert dice(labels > 0, ref) >= 0.95
    assert not np.any((labels > 0) & ~body_mask(volume))
    assert volume.array[labels > 0].mean() < -600
    # The x index axis runs toward the patient's right here (direction -x): labels must
    # still follow the patient, right lung at negative LPS x.
    assert volume.direction[0, 0] < 0
    for value, sign in ((1, -1), (2, 1)):
        k, j, i = np.nonzero(labels == value)
        x = volume.index_to_patient(np.stack([k, j, i], -1))[:, 0]
        assert np.sign(x.mean() - volume.index_to_patient(
            np.argwhere(body_mask(volume)).mean(0))[0]) == sign


def test_upper_abdomen_without_lungs_has_no_lung(data_dir):
    """totalseg-j2k/dicom shows the upper abdomen only: the stomach's gas bubble (13 mL) and
    air trapped between an arm and the body (6 mL) were labelled left and right lung."""
    volume = ctvis.load(data_dir / "totalseg-j2k" / "dicom")
    info: dict = {}
    labels = segment_lungs(volume, info=info)
    assert not np.any((labels == 1) | (labels == 2))
    assert lung_warnings(volume, labels, info) == ["no lung found"]


# ---------------------------------------------------------------- lungdx-a0001 (issue 11)
@pytest.fixture(scope="module")
def lungdx(data_dir):
    folder = data_dir / "lungdx-a0001"
    volume = ctvis.load(folder / "dicom")
    return volume, tumour_boxes(folder, volume), segment_lungs(volume, airway=True)


def _aerated_holes(volume, labels) -> float:
    """Aerated voxels (< -600 HU) inside a lung's outline on a slice, not in the mask,
    as a fraction of the mask."""
    holes = np.zeros(labels.shape, bool)
    for side in (1, 2):
        filled = np.stack([ndimage.binary_fill_holes(s) for s in labels == side])
        holes |= filled & (labels != side) & (labels != 3 - side) & (volume.array < -600)
    return holes.sum() / np.count_nonzero((labels == 1) | (labels == 2))


def test_lungdx_no_aerated_holes_and_airway_out(lungdx):
    volume, _, labels = lungdx
    assert _aerated_holes(volume, labels) < 0.003        # was 2 % (airway leaking into lobes)
    airway = labels == 3
    assert airway.sum() > 1000
    # The trachea above the apices is airway; no lung label in the slices above the apices.
    top = int(np.flatnonzero(((labels == 1) | (labels == 2)).any(axis=(1, 2))).max())
    assert airway[top + 1:].any()
    ml = [np.count_nonzero(labels == s) * volume.voxel_volume_mm3 / 1e6 for s in (1, 2)]
    assert 1.5 < ml[0] < 5 and 1.5 < ml[1] < 5           # litres, each lung whole


def test_lungdx_tumour_partly_inside(lungdx):
    volume, boxes, labels = lungdx
    tumour = boxes & (volume.array > -300)
    assert tumour.sum() > 10000
    assert np.count_nonzero((labels == 2) & tumour) / tumour.sum() >= 0.75   # was 0.048


# The 0.90 criterion on the boxes was retired (issue 20): they are bounding boxes and hold
# mediastinum; tumours are measured against voxel outlines (ibsi-nsclc's GTV, LIDC readers).


@pytest.mark.parametrize("lo, hi", [(0, 16), (10, 25), (20, 35), (30, 45), (48, 64)])
def test_lungdx_slabs_both_lungs_on_their_sides(lungdx, lo, hi):
    volume, _, full = lungdx
    slab = volume.crop((lo, 0, 0), (hi,) + volume.shape[1:])
    labels = segment_lungs(slab)
    body_x = slab.index_to_patient(np.argwhere(body_mask(slab))[::97].mean(0))[0]
    for side, sign in ((1, -1), (2, 1)):
        k, j, i = np.nonzero(labels == side)
        assert k.size > 0.5 * np.count_nonzero(full[lo:hi] == side)
        x = slab.index_to_patient(np.stack([k, j, i], -1)[::53])[:, 0]
        assert np.sign(x.mean() - body_x) == sign


def test_lungdx_right_lower_lobe_made_airless_is_found(lungdx):
    """A real chest with its right lower lobe made airless: the posterior half of the right
    lung's lower 40 % painted +40 HU (noise 15). Measured 72 % of it inside the mask, 24 mL
    added outside the original lung (partial-volume rims along the ribs, no liver)."""
    volume, _, labels = lungdx
    right = labels == 1
    m = volume.index_to_patient_matrix
    k = np.arange(volume.shape[0])[:, None, None]
    j = np.arange(volume.shape[1])[None, :, None]
    z, y = m[2, 3] + m[2, 2] * k, m[1, 3] + m[1, 1] * j
    zs = z[:, 0, 0][right.any(axis=(1, 2))]
    ys = m[1, 3] + m[1, 1] * np.nonzero(right)[1]
    lobe = right & (z < zs.min() + 0.4 * (zs.max() - zs.min())) & (y > np.median(ys))
    array = volume.array.copy()
    noise = np.random.default_rng(0).normal(0, 15, int(lobe.sum()))
    array[lobe] = (40 + noise).astype(array.dtype)
    airless = ctvis.Volume(array, spacing=volume.spacing, origin=volume.origin,
                           direction=volume.direction)
    found = segment_lungs(airless)
    assert np.count_nonzero((found == 1) & lobe) >= 0.6 * lobe.sum()
    outside_ml = np.count_nonzero((found == 1) & ~right) * volume.voxel_volume_mm3 / 1000
    assert outside_ml < 40
