"""Markups in the model: figures on phantoms of known geometry, their slices, the state's
field and sessions, 3D Slicer's .mrk.json (ctvis's own and one made by Slicer's schema)
and the CSV table."""
import csv
import json
import math

import numpy as np
import pytest

from ctvis.model import markups as mk
from ctvis.model.markup_files import (MarkupFileError, read_mrk_json, write_csv,
                                      write_mrk_json)
from ctvis.model.state import ViewerState
from tests.helpers.markup_phantoms import (BALL_HU, DISC_HU, ball_centre_index,
                                           disc_centre_index, oblique, phantom)


@pytest.fixture(params=["anisotropic", "oblique"])
def vol(request):
    return phantom() if request.param == "anisotropic" else oblique(20)


def lps(vol, kji):
    return tuple(vol.index_to_patient(np.asarray(kji, float)))


def test_line_length_across_the_disc(vol):
    k, j, i = disc_centre_index(vol)
    line = mk.Markup("line", (lps(vol, (3, j, i - 12 / 0.7)), lps(vol, (3, j, i + 12 / 0.7))))
    assert mk.measure(line, vol)["length_mm"] == pytest.approx(24.0)
    assert mk.plane_of(line, vol) == (0, 3)
    assert mk.shows_on(line, vol, 0, 3) and not mk.shows_on(line, vol, 0, 4)


def test_angle_of_a_right_angle_in_patient_mm(vol):
    # In index space the arms are along i and k: 90° in mm on any grid whose columns are
    # orthogonal, whatever the spacing.
    a, b, c = lps(vol, (4, 10, 30)), lps(vol, (4, 10, 10)), lps(vol, (9, 10, 10))
    assert mk.measure(mk.Markup("angle", (a, b, c)), vol)["angle_deg"] == pytest.approx(90)
    d = lps(vol, (4, 10 + 20 * 0.7 / 0.7, 30))       # 45° in the slice
    assert mk.measure(mk.Markup("angle", (a, b, d)), vol)["angle_deg"] == pytest.approx(45)


def test_point_hu_and_position(vol):
    p = lps(vol, disc_centre_index(vol).round())
    f = mk.measure(mk.Markup("point", (p,)), vol)
    assert f["hu"] == DISC_HU and (f["x_mm"], f["y_mm"], f["z_mm"]) == pytest.approx(p)


def test_ellipse_and_polygon_statistics_on_their_slice(vol):
    k, j, i = disc_centre_index(vol)
    r = 8 / 0.7
    ellipse = mk.Markup("ellipse", (lps(vol, (6, j, i)), lps(vol, (6, j + r, i + r))), axis=0)
    f = mk.measure(ellipse, vol)
    assert f["mean"] == DISC_HU and f["sd"] == 0 and f["area_mm2"] == pytest.approx(64 * math.pi)
    square = [lps(vol, (6, j + dj, i + di)) for dj, di in ((-5, -5), (-5, 5), (5, 5), (5, -5))]
    f = mk.measure(mk.Markup("polygon", tuple(square)), vol)      # axis found from the points
    assert f["pixels"] == 100 and f["area_mm2"] == pytest.approx(100 * 0.49)
    assert f["mean"] == DISC_HU


def test_ellipse_on_a_coronal_slice(vol):
    # A coronal slice (array axis 1) through the disc's centre row: the disc is a band
    # 24 mm wide in i, all slices high; an ellipse inside it is pure disc.
    k, j, i = disc_centre_index(vol)
    j = round(j)
    ellipse = mk.Markup("ellipse", (lps(vol, (12, j, i)), lps(vol, (16, j, i + 5))), axis=1)
    f = mk.measure(ellipse, vol)
    assert f["mean"] == DISC_HU and f["area_mm2"] == pytest.approx(math.pi * 4 * 2.5 * 5 * 0.7)


def test_sphere_volume_and_hu(vol):
    c = lps(vol, ball_centre_index(vol))
    surface = np.asarray(c) + vol.direction[:, 0] * 6.0
    sphere = mk.Markup("sphere", (c, tuple(surface)))
    f = mk.measure(sphere, vol)
    assert f["volume_ml"] == pytest.approx(4 / 3 * math.pi * 0.216) and f["mean"] == BALL_HU
    k = round(ball_centre_index(vol)[0])
    assert mk.shows_on(sphere, vol, 0, k) and mk.shows_on(sphere, vol, 0, k + 2)
    assert not mk.shows_on(sphere, vol, 0, k + 3)           # 7.5 mm away > 6 mm
    centre, radius = mk.sphere_section(sphere, vol, 0, k + 2)
    assert radius == pytest.approx(math.sqrt(36 - 25))


def test_moving_handles_and_the_collection():
    line = mk.Markup("line", ((0, 0, 0), (10, 0, 0)))
    assert mk.measure(line.with_point(1, (0, 20, 0)), phantom())["length_mm"] == 20
    sphere = mk.Markup("sphere", ((0, 0, 0), (5, 0, 0)))
    assert sphere.with_point(0, (1, 1, 1)).points == ((1, 1, 1), (6, 1, 1))
    items = (line, sphere)
    assert mk.next_name(items, "line") == "Line 1"
    named = mk.replaced(items, mk.Markup("line", line.points, "Line 4", id=line.id))
    assert named[0].name == "Line 4" and mk.next_name(named, "line") == "Line 5"
    assert mk.removed(named, line.id) == (sphere,)
    with pytest.raises(ValueError):
        mk.Markup("angle", ((0, 0, 0), (1, 0, 0)))
    with pytest.raises(ValueError):
        mk.check_markups((line, line))


def test_state_field_fires_and_sessions_keep_markups():
    state = ViewerState()
    state.volume = phantom()
    seen = []
    state.events.markups.connect(seen.append)
    line = mk.Markup("line", ((0, 0, 0), (10, 0, 0)), "ruler", axis=0)
    state.markups = (line,)
    assert seen == [(line,)]
    data = json.loads(state.to_json())
    again = ViewerState()
    again.volume = phantom()
    again.restore(data)
    assert again.markups == (line,)
    del data["markups"]                         # a session from before markups
    again.restore(data)
    assert again.markups == ()
    state.volume = phantom()                    # another patient: no markups
    assert state.markups == ()


def _all_kinds(vol):
    k, j, i = disc_centre_index(vol)
    return (mk.Markup("line", (lps(vol, (3, j, i)), lps(vol, (3, j, i + 10))), "ruler", 0),
            mk.Markup("angle", (lps(vol, (3, 1, 2)), lps(vol, (3, 5, 5)),
                                lps(vol, (3, 9, 1))), "bend", 0),
            mk.Markup("point", (lps(vol, (3, j, i)),), "spot"),
            mk.Markup("ellipse", (lps(vol, (6, j, i)), lps(vol, (6, j + 5, i + 3))), "e", 0),
            mk.Markup("polygon", tuple(lps(vol, (6, j + a, i + b)) for a, b in
                                       ((0, 0), (0, 9), (7, 4))), "poly", 0),
            mk.Markup("sphere", (lps(vol, ball_centre_index(vol)),
                                 lps(vol, ball_centre_index(vol) + (0, 0, 5))), "ball"))


def test_mrk_json_round_trip_is_equal(vol, tmp_path):
    items = _all_kinds(vol)
    path = write_mrk_json(items, tmp_path / "all.mrk.json", vol)
    doc = json.loads(path.read_text())
    assert [m["type"] for m in doc["markups"]] == ["Line", "Angle", "Fiducial", "ROI",
                                                  "ClosedCurve", "ROI"]
    assert all(m["coordinateSystem"] == "LPS" for m in doc["markups"])
    length = doc["markups"][0]["measurements"][0]
    assert (length["name"], length["units"]) == ("length", "mm")
    assert length["value"] == pytest.approx(7.0)
    back, notes = read_mrk_json(path)
    assert back == items and notes == []
    # Without ctvis's own key (as Slicer would save it), the shapes come back too.
    for m in doc["markups"]:
        del m["ctvis"]
    path.write_text(json.dumps(doc))
    back, notes = read_mrk_json(path)
    assert [m.kind for m in back] == [m.kind for m in items] and notes == []
    for a, b in zip(back, items):
        fa, fb = mk.measure(a, vol), mk.measure(b, vol)
        for key in fb:
            assert fa[key] == pytest.approx(fb[key], rel=1e-6), (a.kind, key)


SLICER_RAS = {
    "@schema": "https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/"
               "Markups/Resources/Schema/markups-schema-v1.0.3.json#",
    "markups": [
        {"type": "Line", "coordinateSystem": "RAS", "coordinateUnits": "mm", "locked": False,
         "labelFormat": "%N-%d", "controlPoints": [
             {"id": "1", "label": "L-1", "position": [10.0, 20.0, 30.0],
              "orientation": [-1, 0, 0, 0, -1, 0, 0, 0, 1], "positionStatus": "defined"},
             {"id": "2", "label": "L-2", "position": [13.0, 24.0, 30.0],
              "positionStatus": "defined"}],
         "measurements": [{"name": "length", "enabled": True, "value": 5.0, "units": "mm"}]},
        {"type": "Fiducial", "coordinateSystem": "RAS", "controlPoints": [
            {"id": "1", "label": "F-1", "position": [-1.5, 2.5, -3.0]},
            {"id": "2", "label": "F-2", "position": [4.0, -5.0, 6.0]}]},
        {"type": "Curve", "coordinateSystem": "RAS", "controlPoints": [
            {"id": "1", "label": "C-1", "position": [0, 0, 0]}]},
        {"type": "Angle", "coordinateSystem": "RAS", "controlPoints": [
            {"id": "1", "position": [0, 0, 0]}, {"id": "2", "position": [1, 0, 0]},
            {"id": "3", "position": [1, 1, 0], "positionStatus": "undefined"}]},
    ]}


def test_a_slicer_ras_file_opens_in_lps(tmp_path):
    path = tmp_path / "slicer.mrk.json"
    path.write_text(json.dumps(SLICER_RAS))
    items, notes = read_mrk_json(path)
    assert [m.kind for m in items] == ["line", "point", "point"]
    assert items[0].points == ((-10, -20, 30), (-13, -24, 30))
    assert mk.measure(items[0], phantom())["length_mm"] == pytest.approx(5.0)
    assert items[1].points == ((1.5, -2.5, -3.0),) and items[1].name == "F-1"
    assert items[2].points == ((-4.0, 5.0, 6.0),)
    assert len(notes) == 2 and "closed curve of 1 points" in notes[0]
    assert "markup 4: Angle with 2 placed points (needs 3); left out" in notes[1]


@pytest.mark.parametrize("text, words", [("{", "not a markups JSON file"),
                                         ('{"x": 1}', "no 'markups' list"),
                                         ('{"markups": [{"type": "Line", "coordinateSystem":'
                                          ' "XYZ"}]}', "markup 1 is damaged")])
def test_bad_files_are_one_clear_error(tmp_path, text, words):
    path = tmp_path / "bad.mrk.json"
    path.write_text(text)
    with pytest.raises(MarkupFileError, match=words) as err:
        read_mrk_json(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_csv_table_has_units(tmp_path):
    vol = phantom()
    path = write_csv(_all_kinds(vol), vol, tmp_path / "m.csv")
    rows = list(csv.DictReader(path.open()))
    assert [r["type"] for r in rows] == ["Line", "Angle", "Point", "Ellipse", "Polygon",
                                         "Sphere"]
    assert rows[0]["length (mm)"] == "7.0" and rows[0]["area (mm2)"] == ""
    assert rows[2]["HU"] == str(DISC_HU) and rows[5]["mean (HU)"] == f"{BALL_HU:.1f}"
    assert rows[3]["pixels"] != "" and rows[5]["volume (mL)"] != ""


def test_markups_count_as_unsaved_until_a_mark_sees_them():
    from ctvis.model.unsaved import SavedMark

    state = ViewerState()
    state.volume = phantom()
    mark = SavedMark(state)
    assert not mark.markups_unsaved(state)
    line = mk.Markup("line", ((0, 0, 0), (10, 0, 0)), axis=0)
    state.markups = (line,)
    assert mark.markups_unsaved(state) and mark.unsaved(state) == []
    mark = SavedMark(state)                                  # saved
    assert not mark.markups_unsaved(state)
    state.markups = mk.replaced(state.markups, line.with_point(1, (20, 0, 0)))   # moved
    assert mark.markups_unsaved(state)
