"""segment_lungs on the pathology phantoms: the airway is never lung, pathology inside the
pleural envelope is, effusion, heart and liver are not; ``aerated`` leaves pathology out.

Thresholds are the issue's (#11).  Those the method does not reach yet are marked xfail
(strict), so they turn into failures the day they pass and the marker must go.
"""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.labels import AIRWAY
from ctvis.core.lungs import lung_warnings, segment_lungs
from ctvis.core.phantom import make_phantom
from ctvis.core.volume import Volume

SHAPE = (80, 160, 160)                       # 3.75 × 2.19 × 2.19 mm
NECK = dict(shape=(100, 160, 160), spacing=(4.0, 350 / 160, 350 / 160))   # 400 mm tall
CASES = ("none", "nodule", "mass", "consolidation", "effusion", "blocked_bronchus", "collapse",
         "neck", "tube", "deviated_trachea", "carina_low", "carina_high", "small_lung")
_cache: dict = {}
_infos: dict = {}                 # segment_lungs's info of each case's default labels


def dice(a, b) -> float:
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def run(case):
    """(phantom, default labels, aerated labels), made once per case."""
    if case not in _cache:
        names = () if case == "none" else (case,)
        ph = make_phantom(pathology=names, **(NECK if case == "neck" else dict(shape=SHAPE)))
        _infos[case] = {}
        _cache[case] = (ph, segment_lungs(ph.volume, airway=True, info=_infos[case]),
                        segment_lungs(ph.volume, aerated=True))
    return _cache[case]


def inside(labels, region) -> float:
    lung = (labels == 1) | (labels == 2)
    return float(np.count_nonzero(lung & region)) / max(int(region.sum()), 1)


@pytest.mark.slow             # eight phantoms segmented (the day-to-day run leaves it)
@pytest.mark.parametrize("case", CASES)
def test_trachea_and_main_bronchi_are_never_lung(case):
    ph, labels, _ = run(case)
    airway = ph.regions["airway"]
    assert airway.sum() > 100
    assert inside(labels, airway) <= 0.01


@pytest.mark.parametrize("case", CASES)
def test_dice_against_truth_each_side(case):
    ph, labels, _ = run(case)
    for side in (1, 2):
        assert dice(labels == side, ph.lungs == side) >= 0.97


def test_mass_inside_default_mask_outside_aerated():
    ph, labels, aerated = run("mass")
    mass = ph.regions["mass"]
    assert mass.sum() > 500
    assert inside(labels, mass) >= 0.95
    assert inside(aerated, mass) <= 0.05


def test_juxtapleural_nodule_inside_default_mask_outside_aerated():
    ph, labels, aerated = run("nodule")
    nodule = ph.regions["nodule"]
    assert nodule.sum() > 50
    assert inside(labels, nodule) >= 0.95
    assert inside(aerated, nodule) <= 0.05


def test_consolidation_inside_default_mask():
    ph, labels, aerated = run("consolidation")
    region = ph.regions["consolidation"]
    assert inside(labels, region) >= 0.80 and inside(aerated, region) <= 0.05
    assert inside(labels, ph.regions["liver_dome"]) <= 0.01


@pytest.mark.parametrize("shape", [(60, 128, 128), (120, 200, 200)])
@pytest.mark.parametrize("case", ["consolidation", "collapse"])
def test_airless_lobes_at_other_resolutions(case, shape):
    ph = make_phantom(pathology=(case,), shape=shape)
    labels = segment_lungs(ph.volume)
    assert inside(labels, ph.regions[case]) >= 0.80
    assert inside(labels, ph.regions["liver_dome"]) <= 0.01
    assert inside(labels, ph.regions["heart"]) <= 0.01
    for side in (1, 2):
        assert dice(labels == side, ph.lungs == side) >= 0.97


def test_airless_base_follows_the_patient_not_the_array():
    """The consolidation phantom stored with the x axis reversed (direction −x): the same
    lung found, on the same side."""
    ph, labels, _ = run("consolidation")
    v = ph.volume
    m = v.index_to_patient_matrix
    flipped = Volume(v.array[:, :, ::-1].copy(), spacing=v.spacing,
                     origin=tuple(m[:3, 3] + m[:3, 0] * (v.shape[2] - 1)),
                     direction=np.diag([-1.0, 1.0, 1.0]))
    again = segment_lungs(flipped)[:, :, ::-1]
    region = ph.regions["consolidation"]
    assert inside(again, region) >= 0.80
    assert np.count_nonzero(again != np.where(labels == AIRWAY.value, 0, labels)) \
        <= 0.002 * labels.size


def test_collapsed_lobe_inside_default_mask():
    """Also at the slices of the intervertebral discs (the heart's zone once reached back to
    the spine's arch there and took the collapsed lobe beside the aorta out: 77 %)."""
    ph, labels, aerated = run("collapse")
    region = ph.regions["collapse"]
    assert region.sum() > 1000
    assert inside(labels, region) >= 0.80 and inside(aerated, region) <= 0.05


@pytest.mark.parametrize("case, side", [("collapse", "left"), ("consolidation", "right")])
def test_airless_lung_added_at_a_base_is_warned(case, side):
    """Tissue with no air taken in as lung is the step a reader must check (the same step
    took a wedge of liver in on a noisy real chest): said, with its volume."""
    ph, labels, _ = run(case)
    said = [w for w in lung_warnings(ph.volume, labels, _infos[case]) if "base holds" in w]
    assert len(said) == 1 and said[0].startswith(f"the {side} lung's base holds about")
    added = _infos[case]["airless_ml"][1 if side == "right" else 2]
    truth = ph.regions[case].sum() * ph.volume.voxel_volume_mm3 / 1000
    assert 0.5 * truth <= added <= 1.5 * truth
    ph, labels, _ = run("none")
    assert not any("base holds" in w for w in lung_warnings(ph.volume, labels, _infos["none"]))


def test_collapse_is_airless_behind_a_plugged_bronchus():
    """The phantom itself: the collapsed wedge is solid, true lung, behind the plug."""
    ph, labels, _ = run("collapse")
    region, hu = ph.regions["collapse"], ph.volume.array
    assert np.all(ph.lungs[region] == 2)
    assert np.median(hu[region]) > 0 and np.count_nonzero(hu[region] < -500) == 0
    assert ph.regions["plug"].sum() > 50
    assert inside(labels, ph.regions["airway"]) <= 0.01


def test_effusion_heart_and_liver_dome_stay_out():
    ph, labels, _ = run("effusion")
    assert ph.regions["effusion"].sum() > 1000
    assert inside(labels, ph.regions["effusion"]) <= 0.05
    for case in ("none", "mass", "nodule"):
        ph, labels, _ = run(case)
        assert ph.regions["heart"].sum() > 1000 and ph.regions["liver_dome"].sum() > 100
        assert inside(labels, ph.regions["heart"]) <= 0.01
        assert inside(labels, ph.regions["liver_dome"]) <= 0.01


def test_small_lung_is_found_and_warned_about():
    ph, labels, _ = run("small_lung")
    assert np.count_nonzero(ph.lungs == 1) < 0.5 * np.count_nonzero(ph.lungs == 2)
    assert any("right lung is far smaller" in w for w in lung_warnings(ph.volume, labels))
    ph, labels, _ = run("none")
    assert not any("far smaller" in w for w in lung_warnings(ph.volume, labels))


def test_airway_label_covers_trachea_in_the_neck():
    ph, labels, _ = run("neck")
    airway = ph.regions["airway"]
    z_top = np.flatnonzero(airway.any(axis=(1, 2)))[-1]
    assert z_top == ph.volume.shape[0] - 1           # the trachea runs out of the field
    assert np.count_nonzero((labels == AIRWAY.value) & airway) >= 0.8 * airway.sum()
    # Asked for or not, the lungs are the same.
    plain = segment_lungs(ph.volume)
    assert np.array_equal(np.where(labels == AIRWAY.value, 0, labels), plain)


@pytest.mark.parametrize("lo, hi", [(0, 24), (10, 34), (25, 45), (40, 60), (55, 80)])
def test_both_lungs_on_their_own_sides_in_every_slab(lo, hi):
    ph, _, _ = run("none")
    v = ph.volume.crop((lo, 0, 0), (hi,) + SHAPE[1:])
    truth = ph.lungs[lo:hi]
    labels = segment_lungs(v)
    for side in (1, 2):
        assert np.count_nonzero(labels == side) > 0.8 * np.count_nonzero(truth == side)
        # Each label lies in its own true hemithorax: patient right is -x (LPS).
        assert np.count_nonzero((labels == side) & (truth == 3 - side)) == 0
    assert any("edge" in w for w in lung_warnings(v, labels))


def test_warnings():
    v = run("none")[0].volume
    empty = np.zeros(v.shape, np.uint8)
    assert lung_warnings(v, empty) == ["no lung found"]
    labels = np.zeros(v.shape, np.uint8)
    labels[30:50, 40:120, 30:70] = 1
    labels[30:50, 40:60, 100:110] = 2
    text = " ".join(lung_warnings(v, labels, {"forced_split": True}))
    assert "left lung is far smaller" in text and "cut at the body's midline" in text
    assert "edge" not in text
    labels[0, 50, 50] = 1
    assert "first slice" in " ".join(lung_warnings(v, labels))


def test_wide_field_with_one_arm_down_keeps_sides_and_airway():
    """A PET/CT-like field: wider than the body, the neck in it, one arm beside the chest
    resting against it (asymmetric: it is part of the body mask and pulls its centre)."""
    ph = make_phantom(pathology=("neck",), shape=(100, 160, 230),
                      spacing=(4.0, 350 / 160, 350 / 160))
    v = ph.volume
    k, j, i = np.indices((1,) + v.shape[1:])
    lps = v.index_to_patient(np.stack([k[0], j[0], i[0]], -1))
    x, y = lps[..., 0], lps[..., 1]
    arm = ((x - 195.0) / 38.0) ** 2 + (y / 45.0) ** 2 <= 1.0       # the patient's left arm
    bone = ((x - 195.0) / 12.0) ** 2 + (y / 12.0) ** 2 <= 1.0
    hu = v.array.copy()
    hu[:, arm] = 50
    hu[:, bone] = 900
    labels = segment_lungs(v.with_array(hu))
    for side in (1, 2):
        assert dice(labels == side, ph.lungs == side) >= 0.97
    assert inside(labels, ph.regions["airway"]) <= 0.01
