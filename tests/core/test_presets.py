"""Presets are data in resources/ and the defaults everywhere."""
from __future__ import annotations

import pytest

from ctvis.core.presets import preset, window_presets
from tests.helpers.dicom_factory import random_volume


def test_presets_are_data_and_include_series_window():
    names = {p.name: (p.center, p.width) for p in window_presets()}
    assert names == {"Lung": (-600, 1500), "Mediastinum": (40, 400),
                     "Soft tissue": (40, 350), "Bone": (400, 1800), "Brain": (40, 80)}
    vol = random_volume()
    vol.meta.update(window_center=50, window_width=350)
    assert preset("series", vol).center == 50
    with pytest.raises(KeyError):
        preset("nope")
