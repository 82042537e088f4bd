"""One-click lesions on phantom lesions of every kind (tests/helpers/lesion_phantoms.py):
Dice against their true spheres, robustness to where the click falls, clear refusals."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ctvis.core.lesions.grow import LesionError, grow_lesion
from tests.helpers.lesion_phantoms import lesion_cases
from tests.helpers.unseen import dice

# The issue asks >= 0.90 on every phantom lesion (the mass against the mediastinum too,
# since the lung-side ball may be 80 mm wide: 0.929).
GOAL: dict[str, float] = {}


@pytest.fixture(scope="module")
def cases():
    return {c[0]: c[1:] for c in lesion_cases()}


@pytest.mark.parametrize("name", ["solid", "part-solid", "ground-glass", "juxta-pleural",
                                  "mediastinal mass"])
def test_phantom_lesion_matches_its_truth(cases, name):
    volume, truth, click = cases[name]
    mask = grow_lesion(volume, click).full(volume.shape)
    d = dice(mask, truth)
    assert d >= GOAL.get(name, 0.90), f"{name}: Dice {d:.3f}"


@pytest.mark.slow             # eight lesions a case (about a minute in all)
@pytest.mark.parametrize("name", ["solid", "part-solid", "juxta-pleural"])
def test_a_click_anywhere_in_the_inner_half_gives_the_same_lesion(cases, name):
    volume, truth, click = cases[name]
    reference = dice(grow_lesion(volume, click).full(volume.shape), truth)
    depth = ndimage.distance_transform_edt(truth, sampling=volume.spacing)
    inner = np.argwhere(depth >= depth.max() / 2)
    rng = np.random.default_rng(1)
    for point in inner[rng.choice(len(inner), size=min(5, len(inner)), replace=False)]:
        d = dice(grow_lesion(volume, tuple(point)).full(volume.shape), truth)
        assert abs(d - reference) <= 0.05, f"click at {tuple(point)}: Dice {d:.3f} " \
                                            f"against {reference:.3f}"


def test_a_click_in_aerated_lung_or_air_is_refused_with_a_message(cases):
    volume, truth, click = cases["solid"]
    lung = volume.array < -800
    k, j, i = np.argwhere(lung & ~ndimage.binary_dilation(truth, iterations=8))[0]
    with pytest.raises(LesionError, match="aerated lung or air"):
        grow_lesion(volume, (k, j, i))
    with pytest.raises(LesionError, match="outside the volume"):
        grow_lesion(volume, (0, -5, 0))


def test_the_chest_wall_is_not_a_lesion(cases):
    volume, truth, click = cases["solid"]
    # A voxel of soft tissue in the chest wall, far from any lung: refused, not grown.
    body_wall = (volume.array > 0) & (volume.array < 100)
    k = click[0]
    js, is_ = np.nonzero(body_wall[k])
    far = np.argmax(np.hypot(js - volume.shape[1] / 2, is_ - volume.shape[2] / 2))
    with pytest.raises(LesionError, match="not enclosed by aerated lung"):
        grow_lesion(volume, (k, int(js[far]), int(is_[far])))
