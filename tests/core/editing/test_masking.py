"""Masking settings: editable area, HU range, overwrite or paint only over background."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.masking import EVERYWHERE, INSIDE, OUTSIDE, MaskingSettings, allowed

LABELS = np.array([0, 0, 1, 1, 2, 2, 3])
HU = np.array([-900, 50, -900, 50, -900, 50, 50])


def test_everywhere_by_default():
    assert allowed(LABELS, None, 1, MaskingSettings()).all()
    assert MaskingSettings().area == EVERYWHERE and MaskingSettings().overwrite


def test_inside_one_segment():
    settings = MaskingSettings(area=INSIDE, inside=2)
    assert allowed(LABELS, None, 1, settings).tolist() == [0, 0, 0, 0, 1, 1, 0]
    assert allowed(LABELS, None, 0, settings).tolist() == [0, 0, 0, 0, 1, 1, 0]   # erase too


def test_outside_all_segments_paints_background_and_its_own_voxels_only():
    settings = MaskingSettings(area=OUTSIDE)
    assert allowed(LABELS, None, 1, settings).tolist() == [1, 1, 1, 1, 0, 0, 0]
    assert allowed(LABELS, None, 0, settings).all()                 # erasing is no painting


def test_the_area_may_come_from_another_map():
    lungs = np.array([1, 0, 1, 0, 2, 2, 0])
    lesion = np.zeros(7, int)
    inside = allowed(lesion, None, 5, MaskingSettings(area=INSIDE, inside=1), lungs)
    outside = allowed(lesion, None, 5, MaskingSettings(area=OUTSIDE), lungs)
    assert inside.tolist() == [1, 0, 1, 0, 0, 0, 0] and outside.tolist() == [0, 1, 0, 1, 0, 0, 1]


def test_hu_range_and_overwrite():
    assert allowed(LABELS, HU, 1, MaskingSettings(hu_range=(-100, 100))).tolist() == \
        [0, 1, 0, 1, 0, 1, 1]
    keep_others = MaskingSettings(overwrite=False)
    assert allowed(LABELS, HU, 1, keep_others).tolist() == [1, 1, 1, 1, 0, 0, 0]
    assert allowed(LABELS, HU, 0, keep_others).all()
    both = MaskingSettings(area=OUTSIDE, hu_range=(0, 100), overwrite=False)
    assert allowed(LABELS, HU, 2, both).tolist() == [0, 1, 0, 0, 0, 1, 0]
    with pytest.raises(ValueError):
        allowed(LABELS, None, 1, MaskingSettings(hu_range=(0, 1)))


def test_settings_are_checked_and_frozen():
    for bad in (dict(area="nowhere"), dict(area=INSIDE), dict(hu_range=(10, -10))):
        with pytest.raises(ValueError):
            MaskingSettings(**bad)
    settings = MaskingSettings(hu_range=(-1000, 0))
    assert settings.hu_range == (-1000.0, 0.0)
    with pytest.raises(AttributeError):
        settings.overwrite = False
