"""Lesions inside the pleura join the lung envelope (issue 22, item 1): a lesion touching a
lung takes that lung's label, voxel by nearest lung; one touching none adds nothing; the
airway keeps its label.  On the IBSI tumour (real CT): the GTV, shown as a lesion, is wholly
inside the lungs after segmenting, where the automatic mask alone holds a sixth of it."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.lungs.lesion_sides import lesion_sides


def _ball(shape, centre, radius):
    k, j, i = np.ogrid[:shape[0], :shape[1], :shape[2]]
    return ((k - centre[0]) ** 2 + (j - centre[1]) ** 2 + (i - centre[2]) ** 2) <= radius ** 2


def _lungs(shape=(20, 40, 60)):
    lungs = np.zeros(shape, np.uint8)
    lungs[2:18, 5:35, 5:25] = 1          # right lung: low i (patient right is image left)
    lungs[2:18, 5:35, 35:55] = 2
    return lungs


def _apply(lungs, sides):
    out = lungs.copy()
    for value, (box, mask) in sides.items():
        out[box][mask] = value
    return out


def test_a_lesion_against_one_lung_takes_its_label():
    lungs = _lungs()
    lesion = _ball(lungs.shape, (10, 20, 27), 4) & (lungs == 0)      # in the gap, right side
    assert lesion.any()
    out = _apply(lungs, lesion_sides(lungs, lesion))
    assert (out[lesion] == 1).all()
    assert np.array_equal(out[~lesion], lungs[~lesion])


def test_a_lesion_between_both_lungs_is_shared_along_the_middle():
    lungs = _lungs()
    lesion = np.zeros(lungs.shape, bool)
    lesion[8:12, 15:25, 25:35] = True                               # fills the whole gap
    out = _apply(lungs, lesion_sides(lungs, lesion))
    assert (out[lesion] > 0).all()
    assert (out[8:12, 15:25, 25:29] == 1).all() and (out[8:12, 15:25, 31:35] == 2).all()


def test_a_lesion_touching_no_lung_adds_nothing_and_the_airway_stays():
    lungs = _lungs()
    away = np.zeros(lungs.shape, bool)
    away[8:12, 36:39, 27:33] = True                                  # below both lungs
    assert lesion_sides(lungs, away) == {}
    lungs[10, 20, 25:28] = 3                                         # airway in the gap
    lesion = np.zeros(lungs.shape, bool)
    lesion[9:12, 19:22, 25:29] = True
    out = _apply(lungs, lesion_sides(lungs, lesion))
    assert (out[10, 20, 25:28] == 3).all()
    assert (out[lesion & (lungs != 3)] == 1).all()


def test_a_region_and_its_mask_give_the_same_as_the_whole_volume():
    lungs = _lungs()
    lesion = _ball(lungs.shape, (10, 20, 27), 4) & (lungs == 0)
    box = (slice(6, 15), slice(16, 25), slice(23, 32))
    assert np.array_equal(_apply(lungs, lesion_sides(lungs, lesion[box], box)),
                          _apply(lungs, lesion_sides(lungs, lesion)))


@pytest.mark.slow
def test_the_ibsi_tumour_shown_as_a_lesion_is_inside_the_segmented_lungs(data_dir):
    from ctvis.app.lesion import LESIONS_MAP
    from ctvis.app.open_segments import mask_labelmap
    from ctvis.app.pipeline import open_volume, segment
    from ctvis.app.results import show_segmentation
    from ctvis.model.state import LUNGS, ViewerState

    folder = data_dir / "ibsi-nsclc"
    volume = open_volume(folder / "dicom" / "image")
    gtv_map, _ = mask_labelmap(volume, folder / "nifti" / "mask" / "mask.nii.gz", None,
                               taken=(LUNGS,))
    gtv = gtv_map.array > 0
    result = segment(volume)
    alone = float((result.labels[gtv] > 0).mean())
    state = ViewerState()
    state.volume = volume
    state.set_overlay(LESIONS_MAP, labels=gtv_map)
    before_ml = result.metrics["total"]["volume_ml"]
    overlay = show_segmentation(state, result)
    inside = float((overlay.labels[gtv] > 0).mean())
    assert alone < 0.5 and inside >= 0.99, (alone, inside)
    # Measured again with the tumour: the lungs grew by its volume (within a voxel layer).
    added_ml = (gtv & (overlay.labels > 0)).sum() * volume.voxel_volume_mm3 / 1000 \
        - alone * gtv.sum() * volume.voxel_volume_mm3 / 1000
    assert overlay.metrics_current
    assert overlay.metrics["total"]["volume_ml"] == pytest.approx(before_ml + added_ml, rel=0.02)
