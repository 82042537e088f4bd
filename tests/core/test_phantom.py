"""The chest phantom: geometry, orientation in LPS, HU, lung labels and determinism."""
import numpy as np
import pytest
from scipy import ndimage

from ctvis.core.phantom import (CARINA, DEFAULT_SHAPE, DEFAULT_SPACING, LEFT_LUNG,
                                MAIN_BRONCHUS, RIGHT_LUNG, Phantom, demo_volume, make_phantom)
from ctvis.core.volume import Volume

CUBE = np.ones((3, 3, 3), bool)


@pytest.fixture(scope="module")
def phantom() -> Phantom:
    return make_phantom()


@pytest.fixture(scope="module")
def clean() -> Phantom:
    """No noise: every voxel holds its tissue's nominal HU."""
    return make_phantom(noise_hu=0.0)


def body_mask(volume: Volume) -> np.ndarray:
    """Largest connected region above -500 HU, holes filled slice by slice."""
    labels, _ = ndimage.label(volume.array > -500)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    body = labels == np.argmax(sizes)
    return np.stack([ndimage.binary_fill_holes(s) for s in body])


def index_of(volume: Volume, x=0.0, y=0.0, z=0.0) -> np.ndarray:
    return np.rint(volume.patient_to_index([x, y, z])).astype(int)


def litres(phantom: Phantom, label: int) -> float:
    return (phantom.lungs == label).sum() * np.prod(phantom.volume.spacing) / 1e6


# ---------------------------------------------------------------- grid and types
def test_default_grid_types_and_meta(phantom):
    v = phantom.volume
    assert isinstance(v, Volume)
    assert v.shape == DEFAULT_SHAPE and v.array.dtype == np.int16
    assert v.spacing == pytest.approx(DEFAULT_SPACING)
    assert v.spacing[0] > v.spacing[1] == v.spacing[2]  # anisotropic: thick slices
    assert phantom.lungs.shape == v.shape and phantom.lungs.dtype == np.uint8
    np.testing.assert_array_equal(v.direction, np.eye(3))
    np.testing.assert_allclose(v.center_patient(), 0.0, atol=1e-6)
    width = v.physical_bounds()[1] - v.physical_bounds()[0]
    assert 330 < width[0] < 370 and 330 < width[1] < 370
    assert v.meta["modality"] == "CT"
    assert (v.meta["window_center"], v.meta["window_width"]) == (-600, 1500)


def test_shape_or_spacing_alone_cover_the_same_field_of_view():
    by_shape = make_phantom(shape=(30, 64, 64), noise_hu=0)
    assert by_shape.volume.shape == (30, 64, 64)
    assert by_shape.volume.spacing == pytest.approx((10.0, 350 / 64, 350 / 64))
    by_spacing = make_phantom(spacing=(10.0, 5.0, 5.0), noise_hu=0)
    assert by_spacing.volume.shape == (30, 70, 70)
    both = make_phantom(shape=(20, 50, 60), spacing=(4.0, 3.0, 2.0), noise_hu=0)
    assert both.volume.shape == (20, 50, 60) and both.volume.spacing == (4.0, 3.0, 2.0)
    np.testing.assert_allclose(both.volume.center_patient(), 0.0, atol=1e-6)


def test_anatomy_is_in_mm_so_lung_volume_does_not_depend_on_the_grid(phantom):
    coarse = make_phantom(shape=(60, 128, 128), noise_hu=0)
    for label in (RIGHT_LUNG, LEFT_LUNG):
        assert litres(coarse, label) == pytest.approx(litres(phantom, label), rel=0.06)


@pytest.mark.parametrize("kwargs", [dict(shape=(10, 10)), dict(spacing=(1.0, 0.0, 1.0)),
                                    dict(noise_hu=-1.0)])
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        make_phantom(**kwargs)


def test_demo_volume_is_the_default_phantom(phantom):
    np.testing.assert_array_equal(demo_volume().array, phantom.volume.array)


# ---------------------------------------------------------------- determinism
def test_same_seed_gives_identical_arrays(phantom):
    again = make_phantom()
    np.testing.assert_array_equal(again.volume.array, phantom.volume.array)
    np.testing.assert_array_equal(again.lungs, phantom.lungs)


def test_another_seed_changes_noise_and_vessels_but_not_the_lungs(phantom, clean):
    other = make_phantom(seed=1)
    assert not np.array_equal(other.volume.array, phantom.volume.array)
    np.testing.assert_array_equal(other.lungs, phantom.lungs)
    other_clean = make_phantom(seed=1, noise_hu=0)
    assert not np.array_equal(other_clean.volume.array, clean.volume.array)  # vessel trees


def test_noise_has_the_asked_spread(phantom, clean):
    diff = phantom.volume.array.astype(float) - clean.volume.array
    muscle = clean.volume.array == 50
    assert np.std(diff[muscle]) == pytest.approx(20.0, rel=0.05)
    assert abs(np.mean(diff[muscle])) < 1.0


# ---------------------------------------------------------------- orientation (LPS)
def test_right_lung_is_at_patient_right_small_x(phantom):
    v, lungs = phantom.volume, phantom.lungs
    centroid = {lb: np.argwhere(lungs == lb).mean(axis=0) for lb in (RIGHT_LUNG, LEFT_LUNG)}
    assert centroid[RIGHT_LUNG][2] < v.shape[2] / 2 < centroid[LEFT_LUNG][2]
    lps = {lb: v.index_to_patient(c) for lb, c in centroid.items()}
    # LPS +x is the patient's left.
    assert lps[RIGHT_LUNG][0] < -40 and lps[LEFT_LUNG][0] > 40
    assert abs(lps[RIGHT_LUNG][1] - lps[LEFT_LUNG][1]) < 15
    assert abs(lps[RIGHT_LUNG][2] - lps[LEFT_LUNG][2]) < 20


def test_spine_is_posterior_to_the_sternum_and_the_table_below_the_back(clean):
    v, hu = clean.volume, clean.volume.array
    k, _, i = index_of(v, z=0.0)
    half = int(round(12 / v.spacing[2]))
    column = hu[k, :, i - half:i + half + 1].max(axis=1)  # the midline, front to back
    body_rows = np.flatnonzero(body_mask(v)[k, :, i])
    dense_rows = np.flatnonzero(column > 200)
    bone_rows = dense_rows[dense_rows <= body_rows[-1]]
    parts = np.split(bone_rows, np.flatnonzero(np.diff(bone_rows) > 3) + 1)
    assert len(parts) >= 2, "sternum and spine along the midline"
    sternum, spine = parts[0], parts[-1]
    assert sternum.mean() < v.shape[1] / 2 < spine.mean()
    assert len(spine) * v.spacing[1] > 40 and len(sternum) * v.spacing[1] < 20
    table = dense_rows[dense_rows > body_rows[-1]]
    assert table.size and table.min() > body_rows[-1] + 3, "an air gap between back and table"
    assert 150 < hu[k, table, i].max() < 600


def test_lungs_taper_to_apices_at_the_top(phantom):
    v, lungs = phantom.volume, phantom.lungs
    for label in (RIGHT_LUNG, LEFT_LUNG):
        area = (lungs == label).sum(axis=(1, 2))
        slices = np.flatnonzero(area)
        top, widest = slices[-1], int(np.argmax(area))
        assert top > widest and v.index_to_patient([top, 0, 0])[2] > 100  # apex high up
        near_apex = top - int(round(10 / v.spacing[0]))
        assert area[near_apex] < 0.35 * area[widest]
        upper = slices[v.index_to_patient(np.stack([slices, slices * 0, slices * 0], 1))[:, 2]
                       > 60]
        assert np.all(np.diff(area[upper]) <= 0), "shrinks steadily toward the apex"


def test_right_dome_of_the_diaphragm_is_higher(clean):
    v, hu, lungs = clean.volume, clean.volume.array, clean.lungs
    lowest = {}
    for label, x in ((RIGHT_LUNG, -70.0), (LEFT_LUNG, 70.0)):
        _, j, i = index_of(v, x=x, y=-15.0)
        k = np.flatnonzero(lungs[:, j, i] == label)[0]
        lowest[label] = v.index_to_patient([k, j, i])[2]
        below = hu[k - 3:k, j, i]
        assert np.all((below > 0) & (below < 100)), "liver / spleen under the dome"
    assert 5 < lowest[RIGHT_LUNG] - lowest[LEFT_LUNG] < 30


def test_heart_sits_left_of_the_midline(clean):
    v, hu = clean.volume, clean.volume.array
    k = index_of(v, z=-30.0)[0]
    y, x = np.mgrid[:v.shape[1], :v.shape[2]]
    pts = v.index_to_patient(np.stack([np.full_like(y, k), y, x], axis=-1))
    between_lungs = (np.hypot(pts[..., 0], pts[..., 1] + 25) < 60)
    soft = between_lungs & (hu[k] > 20) & (hu[k] < 80)
    assert soft.sum() > 500
    assert pts[..., 0][soft].mean() > 5


# ---------------------------------------------------------------- HU
def test_hounsfield_units_are_realistic(phantom, clean):
    hu, lungs = phantom.volume.array, phantom.lungs
    assert -900 < hu[lungs > 0].mean() < -750
    parenchyma = clean.volume.array[(clean.lungs > 0) & (clean.volume.array < -700)
                                    & (clean.volume.array > -950)]
    assert -900 < parenchyma.min() and parenchyma.max() < -800
    assert (hu > 700).sum() > 1000, "cortical bone"
    values = set(np.unique(clean.volume.array).tolist())
    assert {-1000, -100, 50, 40, 300, 1000} <= values  # air, fat, muscle, blood, marrow, cortex
    assert hu.min() >= -1024


def test_air_outside_the_body_is_minus_1000(phantom):
    corner = phantom.volume.array[:, :20, :20]
    assert corner.mean() == pytest.approx(-1000, abs=3)
    assert 15 < corner.std() < 25


def test_vessels_run_through_the_lungs(clean):
    inside = clean.volume.array[clean.lungs > 0]
    fraction = np.mean(inside == 40)
    assert 0.01 < fraction < 0.15


# ---------------------------------------------------------------- lung labels
def test_labels_are_right_and_left_only(phantom):
    assert set(np.unique(phantom.lungs).tolist()) == {0, RIGHT_LUNG, LEFT_LUNG}


def test_lung_volumes_are_plausible(phantom):
    for label in (RIGHT_LUNG, LEFT_LUNG):
        assert 1.0 < litres(phantom, label) < 3.5


def test_lungs_lie_inside_the_body(phantom):
    body = body_mask(phantom.volume)
    assert not np.any((phantom.lungs > 0) & ~body)
    assert not body[:, -5:, :].any(), "the table is not part of the body"


def test_labels_hold_only_lung_tissue_vessels_and_small_airways(clean):
    inside = clean.volume.array[clean.lungs > 0]
    assert inside.max() <= 40, "no bone, muscle or heart in the lung labels"
    lung_like = (clean.volume.array > -900) & (clean.volume.array < -780)
    assert not np.any(lung_like & (clean.lungs == 0)), "every parenchyma voxel is labelled"


def test_each_lung_is_one_piece(phantom):
    for label in (RIGHT_LUNG, LEFT_LUNG):
        assert ndimage.label(phantom.lungs == label)[1] == 1


def test_trachea_is_air_in_the_midline_and_not_lung(phantom):
    v, hu, lungs = phantom.volume, phantom.volume.array, phantom.lungs
    k = index_of(v, z=100.0)[0]
    body = ndimage.binary_fill_holes(hu[k] > -500)
    parts, n = ndimage.label((hu[k] < -600) & body)
    found = False
    for p in range(1, n + 1):
        where = np.argwhere(parts == p)
        x_mm = v.index_to_patient([k, *where.mean(axis=0)])[0]
        if abs(x_mm) < 10:
            found = True
            assert len(where) * np.prod(v.spacing[1:]) > 150, "about 18 mm across"
            assert hu[k][parts == p].mean() < -950
            assert not lungs[k][parts == p].any()
    assert found, "no midline air column at z = 100 mm"


def test_main_bronchi_are_air_and_not_lung(clean):
    v, hu, lungs = clean.volume, clean.volume.array, clean.lungs
    for end in MAIN_BRONCHUS.values():
        for t in (0.0, 0.5, 0.8):
            idx = tuple(index_of(v, *(np.add(CARINA, t * np.subtract(end, CARINA)))))
            assert hu[idx] == -1000 and lungs[idx] == 0


def test_lungs_do_not_touch_by_default(phantom):
    right_grown = ndimage.binary_dilation(phantom.lungs == RIGHT_LUNG, CUBE)
    assert not np.any(right_grown & (phantom.lungs == LEFT_LUNG))


def test_touching_lungs_meet_at_an_anterior_junction_line():
    touching = make_phantom(touching=True)
    v, lungs = touching.volume, touching.lungs
    right_grown = ndimage.binary_dilation(lungs == RIGHT_LUNG, CUBE)
    contact = np.argwhere(right_grown & (lungs == LEFT_LUNG))
    assert len(contact) > 0
    lps = v.index_to_patient(contact)
    assert np.all(np.abs(lps[:, 0]) < 3), "on the midline"
    assert np.all(lps[:, 1] < -60), "in front of the heart"
    # The air of the two lungs is one connected region, as a threshold would see it.
    air = ndimage.label((v.array < -500) & (lungs > 0))[0]
    shared = set(np.unique(air[lungs == RIGHT_LUNG])) & set(np.unique(air[lungs == LEFT_LUNG]))
    assert shared - {0}
