"""The midline from the anatomy in the image (spine, sternum), not the centre of the array."""
from __future__ import annotations

import numpy as np

from ctvis.core.lungs import lung_warnings, segment_lungs
from ctvis.core.phantom import make_phantom


def test_lungs_keep_their_sides_when_the_crop_is_off_centre():
    """Cropped in-plane to the right chest and the spine (the array's centre lies in the
    right lung): each lung keeps one label, its own."""
    ph = make_phantom()
    v = ph.volume
    full = segment_lungs(v)
    nx = v.shape[2]
    crop = v.crop((0, 0, 0), (v.shape[0], v.shape[1], int(nx * 0.5)))
    info: dict = {}
    labels = segment_lungs(crop, info=info)
    assert info["midline_from"] == "spine"
    right, truly_right = labels == 1, full[:, :, :crop.shape[2]] == 1
    assert np.count_nonzero(right & truly_right) >= 0.97 * np.count_nonzero(truly_right)
    assert np.count_nonzero((labels == 2) & truly_right) <= 0.02 * np.count_nonzero(truly_right)
    # What the crop holds of the left lung stays left.
    left_part = full[:, :, :crop.shape[2]] == 2
    assert np.count_nonzero((labels == 1) & left_part) <= 0.02 * np.count_nonzero(left_part)
    assert not any("side unknown" in w for w in lung_warnings(crop, labels, info))


def test_side_unknown_when_neither_spine_nor_whole_body_is_in_the_field():
    ph = make_phantom()
    v = ph.volume
    ny, nx = v.shape[1:]
    # The front of the right chest only: no spine, no sternum's column, body cut on 2 sides.
    crop = v.crop((0, 0, 0), (v.shape[0], int(ny * 0.5), int(nx * 0.42)))
    info: dict = {}
    labels = segment_lungs(crop, info=info)
    assert info["midline_from"] == "unknown"
    assert any(w.startswith("side unknown") for w in lung_warnings(crop, labels, info))
