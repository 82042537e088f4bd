"""Volume-rendering presets: Slicer's numbers as data, the HU shift, the VTK functions."""
from __future__ import annotations

import pytest

from ctvis.render.transfer_functions import (color_function, default_vr_preset,
                                             opacity_function, volume_property, vr_preset,
                                             vr_presets)

REQUIRED = ("CT-Bone", "CT-Lung", "CT-Chest-Contrast-Enhanced", "CT-Muscle", "CT-MIP")


def test_required_presets_exist_and_default_is_one():
    names = set(vr_presets())
    assert set(REQUIRED) <= names
    assert default_vr_preset() in names


def test_ct_bone_is_slicers():
    bone = vr_preset("ct-bone")                       # names match case-insensitively
    assert bone.scalar_opacity == ((-3024.0, 0.0), (-16.4458, 0.0), (641.385, 0.715686),
                                   (3071.0, 0.705882))
    assert bone.color[2] == (641.385, 0.905882, 0.815686, 0.552941)
    assert bone.shade and bone.blend == "composite"
    assert vr_preset("CT-MIP").blend == "maximum"


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(KeyError, match="CT-Bone"):
        vr_preset("CT-Holograms")


@pytest.mark.parametrize("shift", [0.0, 250.0, -400.0])
def test_shift_moves_every_point(shift):
    bone = vr_preset("CT-Bone")
    otf = opacity_function(bone, shift)
    ctf = color_function(bone, shift)
    assert otf.GetValue(641.385 + shift) == pytest.approx(0.715686, abs=1e-5)
    assert otf.GetValue(-16.4458 + shift - 1.0) == pytest.approx(0.0)
    assert ctf.GetColor(641.385 + shift) == pytest.approx((0.905882, 0.815686, 0.552941),
                                                          abs=1e-5)
    assert bone.opacity_at(641.385 + shift, shift) == pytest.approx(0.715686)


def test_lung_preset_opacity_is_a_band_around_minus_500_hu():
    lung = vr_preset("CT-Lung")
    assert lung.opacity_at(-850) == 0.0               # aerated lung itself is clear
    assert lung.opacity_at(-500) == pytest.approx(0.15)
    assert lung.opacity_at(40) == 0.0                 # soft tissue is clear


def test_volume_property_lighting_and_flat_gradient_opacity_off():
    prop = volume_property(vr_preset("CT-Chest-Contrast-Enhanced"))
    assert prop.GetShade() == 1
    assert prop.GetSpecular() == pytest.approx(0.2)
    # Slicer's gradient opacity is 1 everywhere for this preset: VTK may skip it.
    assert prop.GetDisableGradientOpacity() == 1
    assert volume_property(vr_preset("CT-MIP")).GetShade() == 0
