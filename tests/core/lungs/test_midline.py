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



def _ellipse_body(turn_deg: float, width_mm=300.0, depth_mm=200.0, shape=(6, 160, 160)):
    """A body of elliptic section centred at patient (0, 0) on a 2 mm grid, off the array's
    centre, its long axis turned by ``turn_deg``: (body, x_mm, y_mm)."""
    n, h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) * 2.0
    x, y = x - x.mean() + 7.0, y - y.mean() - 4.0
    a = np.radians(turn_deg)
    u = x * np.cos(a) + y * np.sin(a)
    v = -x * np.sin(a) + y * np.cos(a)
    section = (u / (width_mm / 2)) ** 2 + (v / (depth_mm / 2)) ** 2 <= 1.0
    return (np.broadcast_to(section, shape).copy(), np.broadcast_to(x, shape),
            np.broadcast_to(y, shape))


def test_the_turn_of_a_patient_is_read_from_the_body_section():
    """A patient lying turned about the long axis turns the body's side-to-side axis with
    it; a round body, or one the field cuts, has no turn to read (0)."""
    from ctvis.core.lungs.midline import body_turn

    no_edge = np.zeros((160, 160), bool)
    for turn in (-12.0, 0.0, 8.0):
        body, x, y = _ellipse_body(turn)
        angle, centre_y = body_turn(body, x, y, no_edge)
        assert abs(np.degrees(angle) - turn) < 1.0, (turn, np.degrees(angle))
        assert abs(centre_y) < 1.0
    body, x, y = _ellipse_body(10.0, width_mm=220.0, depth_mm=210.0)
    assert body_turn(body, x, y, no_edge)[0] == 0.0
    body, x, y = _ellipse_body(10.0, width_mm=360.0)           # wider than the field
    edge = np.zeros((160, 160), bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    assert body_turn(body, x, y, edge)[0] == 0.0


def test_the_mirror_image_of_a_lung_floor_is_taken_across_the_turned_midline():
    """Each column's mirror image lies across the line through the midline square to the
    body's turned side-to-side axis: on a patient turned by 10°, a column 100 mm along that
    axis mirrors to -100 mm along it (the line x = midline would put it 35 mm off); with no
    turn the mirror is x -> 2 midline - x; slices not across the body have no mirror."""
    from ctvis.core.lungs.airless import _mirror_columns

    y, x = np.mgrid[0:100, 0:120].astype(np.float32) * 3.0
    x, y = x[None] - 150.0, y[None] - 120.0                  # patient mm, 3 mm columns
    where = (x[0].astype(np.float64), y[0].astype(np.float64))
    mirror = _mirror_columns(x, y, 6.0, (0.0, 0.0))
    j, i = 40, 10                                            # x = -120 mm, y = 0 mm
    assert (mirror(where[0])[j, i], mirror(where[1])[j, i]) == (132.0, 0.0)
    turn = np.radians(10.0)
    u = np.array([np.cos(turn), np.sin(turn)])
    mirror = _mirror_columns(x, y, 0.0, (turn, 0.0))
    j, i = (int(round((c + o) / 3.0)) for c, o in zip(100.0 * u[::-1], (120.0, 150.0)))
    p = np.array([x[0, j, i], y[0, j, i]])
    expected = p - 2 * (p @ u) * u
    got = np.array([mirror(where[0])[j, i], mirror(where[1])[j, i]])
    assert np.hypot(*(got - expected)) <= 3.0, (got, expected)
    assert np.hypot(*(got - np.array([-p[0], p[1]]))) > 20.0     # not x -> -x
    coronal = np.zeros_like(y)                  # a coronal slice: one patient y all over it
    assert _mirror_columns(x, coronal, 0.0) is None
    # Rows and columns at 30° to patient x and y (an oblique in-plane orientation, which
    # the mirror once refused): x -> 2 midline - x all the same.
    a = np.radians(30.0)
    j, i = np.mgrid[0:100, 0:120].astype(np.float64) * 3.0
    ox = (i * np.cos(a) - j * np.sin(a) - 100.0)[None]
    oy = (i * np.sin(a) + j * np.cos(a) - 150.0)[None]
    mirror = _mirror_columns(ox, oy, 10.0)
    got_x, got_y = mirror(ox[0]), mirror(oy[0])
    ok = np.isfinite(got_x)
    assert ok.sum() > 2000
    assert np.abs(got_x[ok] - (20.0 - ox[0][ok])).max() <= 3.0
    assert np.abs(got_y[ok] - oy[0][ok]).max() <= 3.0
