"""The reconstructed field of view: columns that hold no image are unknown, not air."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.body import body_mask
from ctvis.core.image.field import META_KEY, outside_field, volume_outside_field
from ctvis.core.lungs import lung_warnings, segment_lungs
from ctvis.core.phantom import make_phantom


def _circle(shape, centre_shift: float, radius_fraction: float) -> np.ndarray:
    ny, nx = shape
    jj, ii = np.mgrid[:ny, :nx]
    cx = nx / 2 + centre_shift * nx
    return (ii - cx) ** 2 + (jj - ny / 2) ** 2 <= (radius_fraction * nx) ** 2


def _dice(a, b) -> float:
    return 2 * np.count_nonzero(a & b) / max(np.count_nonzero(a) + np.count_nonzero(b), 1)


def test_circle_of_fill_is_outside_the_field():
    array = np.full((5, 64, 64), -700, np.int16)
    inside = _circle((64, 64), 0.0, 0.45)
    array[:, ~inside] = -1024
    assert np.array_equal(outside_field(array), ~inside)


def test_no_fill_value_and_air_hugging_the_body_are_no_field():
    rng = np.random.default_rng(0)
    noisy = (rng.normal(-1000, 15, (4, 48, 48))).astype(np.int16)
    noisy[:, 10:38, 10:38] = 40
    assert not outside_field(noisy).any()              # noisy air: never constant
    clipped = np.full((4, 48, 48), -1024, np.int16)
    clipped[:, 10:38, 10:20] = 40                      # an L-shaped "body" and a table:
    clipped[:, 30:38, 10:38] = 40                      # the fill hugs a non-convex shape
    assert not outside_field(clipped).any()


def test_the_loaders_mask_travels_only_with_its_own_array():
    ph = make_phantom()
    v = ph.volume
    v.meta[META_KEY] = np.ones(v.shape[1:], bool)
    assert volume_outside_field(v).all()
    other = v.with_array(v.array.copy())
    assert META_KEY not in other.meta


@pytest.mark.slow             # the day-to-day run leaves it to ./dev test
def test_phantom_cut_by_the_field_keeps_its_right_lung():
    """The reconstruction circle crosses the right chest wall (patient right = low x index
    on the phantom's identity direction); outside it the fill is air, −1024 HU."""
    ph = make_phantom()
    v = ph.volume
    uncut = segment_lungs(v)
    inside = _circle(v.shape[1:], 0.12, 0.40)
    cut_array = v.array.copy()
    cut_array[:, ~inside] = -1024
    cut = v.with_array(cut_array)
    assert outside_field(cut_array).any()
    info: dict = {}
    labels = segment_lungs(cut, info=info)
    for side in (1, 2):
        assert _dice((labels == side)[:, inside], (uncut == side)[:, inside]) >= 0.97
    assert (labels == 1).any() and not (labels[:, ~inside] > 0).any()
    warnings = lung_warnings(cut, labels, info)
    assert any("right lung reaches the edge of the reconstructed field of view" in w
               for w in warnings)
    # The body mask keeps the cut lung inside the body, not with the outside air.
    body = body_mask(cut)
    assert np.count_nonzero(body & (labels == 1)) >= 0.97 * np.count_nonzero(labels == 1)
