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



def _curved_spine_chest(cut_columns: int):
    """A coarse-grid chest (10 slices, 2 mm pixels): an elliptic body, a vertebra 16 mm
    across at x = 0 mm that moves 10 mm front to back from slice to slice (a spine curving
    along the scan: no column holds it in half of the slices), and a field of view that ends
    ``cut_columns`` pixels in from the array's low-x side."""
    nz, n = 10, 100
    yy, xx = np.mgrid[:n, :n]
    small = np.full((nz, n, n), -1000.0)
    body = np.zeros((nz, n, n), bool)
    body[:] = ((xx - 50) / 45.0) ** 2 + ((yy - 50) / 30.0) ** 2 <= 1
    body[:, :, :cut_columns] = False
    small[body] = 40.0
    for k in range(nz):
        small[k][(xx - 50) ** 2 + (yy - 30 - 5 * k) ** 2 <= 8 ** 2] = 400.0
    edge = np.zeros((n, n), bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    edge[:, cut_columns] = True
    x_mm = ((np.arange(n) - 50) * 2.0)[None, None, :]
    return small, body, x_mm, (3.0, 2.0, 2.0), edge


def test_a_body_cut_by_the_field_of_view_takes_its_midline_from_the_vertebrae():
    """The cut body's centre lies toward what is left of it; a large body's outline on the
    field's edge is a small share of its area, so it passed as whole and that centre was the
    midline.  It is judged by the share of the outline, and the vertebrae give the midline."""
    from ctvis.core.lungs.midline import find_midline

    small, body, x_mm, spacing, edge = _curved_spine_chest(cut_columns=25)
    x, how = find_midline(small, body, x_mm, spacing, edge)
    assert how == "spine"
    assert abs(x) <= 3.0, x
    # The same chest whole in the field: its centre, which is the vertebrae's here.
    small, body, x_mm, spacing, edge = _curved_spine_chest(cut_columns=0)
    x, how = find_midline(small, body, x_mm, spacing, edge)
    assert how == "body" and abs(x) <= 3.0
