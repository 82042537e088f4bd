"""segment_lungs on the phantom: accuracy, right/left, touching lungs, pathology, plumbing."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ctvis.core.image.body import body_mask
from ctvis.core.errors import Cancelled
from ctvis.core.io import read_mask, write_mask
from ctvis.core.lungs import lung_metrics, segment_lungs
from ctvis.core.phantom import make_phantom
from ctvis.core.volume import Volume

SHAPE = (60, 128, 128)          # 5 × 2.73 × 2.73 mm: fast, and coarse like CIP


def dice(a, b) -> float:
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=SHAPE)


@pytest.fixture(scope="module")
def labels(phantom):
    return segment_lungs(phantom.volume)


def lps_grid(volume: Volume):
    k, j, i = np.indices(volume.shape)
    return volume.index_to_patient(np.stack([k, j, i], -1))


def trachea_region(phantom) -> np.ndarray:
    """Air in the phantom's midline above the carina (z > 30 mm) that is not lung."""
    lps = lps_grid(phantom.volume)
    return ((phantom.lungs == 0) & (phantom.volume.array < -900) & (np.abs(lps[..., 0]) < 15)
            & (lps[..., 2] > 32) & body_mask(phantom.volume))


def mediastinum(true_labels: np.ndarray, margin: int = 2) -> np.ndarray:
    """Everything between the two true lungs along x (identity direction: x index = LPS x),
    kept ``margin`` voxels away from the lungs."""
    nx = true_labels.shape[2]
    i = np.arange(nx)[None, None, :]
    right_max = np.where(true_labels == 1, i, -1).max(axis=2)[..., None]
    left_min = np.where(true_labels == 2, i, nx).min(axis=2)[..., None]
    between = (i > right_max) & (i < left_min) & (right_max >= 0) & (left_min < nx)
    near = ndimage.binary_dilation(true_labels > 0, iterations=margin)
    return between & ~near


def test_phantom_dice_and_sides(phantom, labels):
    assert labels.dtype == np.uint8 and labels.shape == phantom.volume.shape
    assert set(np.unique(labels)) == {0, 1, 2}
    assert dice(labels > 0, phantom.lungs > 0) >= 0.97
    assert dice(labels == 1, phantom.lungs == 1) >= 0.97      # 1 = the patient's right
    assert dice(labels == 2, phantom.lungs == 2) >= 0.97


def test_plain_threshold_is_worse_on_phantom(phantom, labels):
    """The -400 HU air inside the body (what the markers start from) holds the trachea."""
    air = (phantom.volume.array < -400) & body_mask(phantom.volume)
    assert dice(labels > 0, phantom.lungs > 0) > dice(air, phantom.lungs > 0) + 0.01


def test_mask_inside_body_trachea_out_and_aerated(phantom, labels):
    lungs = labels > 0
    assert not np.any(lungs & ~body_mask(phantom.volume))
    trachea = trachea_region(phantom)
    assert trachea.sum() > 50                       # the check below means something
    assert not np.any(lungs & trachea)
    assert phantom.volume.array[lungs].mean() < -600
    middle = mediastinum(phantom.lungs)
    assert middle.sum() > 1000
    assert not np.any(lungs & middle)


def test_sides_follow_patient_orientation_not_array_order(phantom, labels):
    """Flip the x index axis (direction -x): the array mirrors, the patient does not."""
    v = phantom.volume
    flipped = Volume(v.array[:, :, ::-1].copy(), spacing=v.spacing,
                     origin=tuple(v.index_to_patient([0, 0, v.shape[2] - 1])),
                     direction=v.direction @ np.diag([-1.0, 1.0, 1.0]))
    assert np.allclose(flipped.index_to_patient([3, 4, 0]), v.index_to_patient([3, 4, v.shape[2] - 1]))
    out = segment_lungs(flipped)
    assert dice(out[:, :, ::-1] == 1, phantom.lungs == 1) >= 0.97
    assert dice(out[:, :, ::-1] == 2, phantom.lungs == 2) >= 0.97


def test_touching_lungs_are_split():
    ph = make_phantom(shape=SHAPE, touching=True)
    true = ph.lungs
    # The phantom really makes one air region of both lungs.
    _, n = ndimage.label(true > 0)
    assert n == 1
    out = segment_lungs(ph.volume)
    assert dice(out == 1, true == 1) >= 0.97
    assert dice(out == 2, true == 2) >= 0.97


def _with_mass_and_effusion(ph):
    """A 25 mm-radius solid mass (+40 HU) in the right lung; fluid (+10 HU) filling the
    posterior base of the left lung (the lowest 40 mm, posterior half)."""
    v = ph.volume
    lps = lps_grid(v)
    y, z = lps[..., 1], lps[..., 2]
    hu = v.array.copy()
    right = ph.lungs == 1
    c = lps[right].mean(axis=0)
    mass = right & (((lps - c) ** 2).sum(-1) < 25.0 ** 2)
    left = ph.lungs == 2
    zl = z[left]
    effusion = left & (z < zl.min() + 40) & (y > np.median(y[left]))
    hu[mass] = 40
    hu[effusion] = 10
    truth = ph.lungs.copy()
    truth[effusion] = 0
    return v.with_array(hu), truth, mass, effusion


def test_mass_and_effusion_no_leak():
    ph = make_phantom(shape=SHAPE)
    vol, truth, mass, effusion = _with_mass_and_effusion(ph)
    assert mass.sum() > 100 and effusion.sum() > 100
    out = segment_lungs(vol)
    assert set(np.unique(out)) == {0, 1, 2}
    assert not np.any((out > 0) & mediastinum(ph.lungs))        # no leak to the mediastinum
    # The two lungs stay apart: each label lies in its own true hemithorax.
    assert np.count_nonzero((out == 1) & (ph.lungs == 2)) == 0
    assert np.count_nonzero((out == 2) & (ph.lungs == 1)) == 0
    assert dice(out == 2, truth == 2) >= 0.93                   # effusion mostly left out
    assert np.count_nonzero((out > 0) & effusion) < 0.2 * effusion.sum()
    assert vol.array[out > 0].mean() < -700                     # still mostly aerated


def test_progress_monotonic_and_cancel(phantom):
    seen = []
    segment_lungs(phantom.volume, progress=lambda f, m: seen.append(f))
    assert len(seen) > 5
    assert all(b >= a for a, b in zip(seen, seen[1:]))
    assert seen[-1] == pytest.approx(1.0)
    with pytest.raises(Cancelled):
        segment_lungs(phantom.volume, cancel=lambda: True)
    calls = []

    def later():                       # cancel half-way, not only at the first check
        calls.append(1)
        return len(calls) > 6
    with pytest.raises(Cancelled):
        segment_lungs(phantom.volume, cancel=later)


def test_watershed_slabs_on_threads_match_one_thread_and_cancel(phantom, monkeypatch):
    from ctvis.core.lungs import watershed as ws

    monkeypatch.setattr(ws, "SLAB", 8)                     # several slabs on the small phantom
    threaded = segment_lungs(phantom.volume)
    monkeypatch.setattr(ws, "_threads", lambda tasks: 1)
    assert np.array_equal(threaded, segment_lungs(phantom.volume))
    monkeypatch.undo()
    monkeypatch.setattr(ws, "SLAB", 8)
    seen = []
    with pytest.raises(Cancelled):                         # cancelled while slabs run
        segment_lungs(phantom.volume, progress=lambda f, m: seen.append(m),
                      cancel=lambda: "lungs: watershed" in seen)
    assert seen.count("lungs: watershed") == 1


def test_no_lungs_gives_empty_mask():
    v = Volume(np.full((8, 32, 32), 40, np.int16), spacing=(2.0, 2.0, 2.0))
    assert not segment_lungs(v).any()
    with pytest.raises(ValueError):
        segment_lungs(v, method="nope")


def test_kmeans_method_runs_and_finds_lungs(phantom):
    out = segment_lungs(phantom.volume, method="kmeans")
    assert out.dtype == np.uint8
    assert dice(out > 0, phantom.lungs > 0) >= 0.9
    assert dice(out == 1, phantom.lungs == 1) >= 0.85


def test_metrics(phantom, labels):
    v = phantom.volume
    m = lung_metrics(v, labels)
    voxel_ml = np.prod(v.spacing) / 1000
    assert m["right"]["volume_ml"] == pytest.approx(np.count_nonzero(labels == 1) * voxel_ml)
    assert m["total"]["volume_ml"] == pytest.approx(m["right"]["volume_ml"]
                                                   + m["left"]["volume_ml"])
    hu = v.array[labels > 0]
    assert m["total"]["mld_hu"] == pytest.approx(hu.mean())
    assert m["total"]["laa950_pct"] == pytest.approx(100 * np.mean(hu < -950))
    assert m["total"]["pd15_hu"] == pytest.approx(np.percentile(hu, 15))
    assert sum(m["left"]["histogram"]["counts"]) == np.count_nonzero(labels == 2)
    # A hand-made case: LAA and PD15 exactly known.
    arr = np.full((1, 2, 10), 0, np.int16)
    arr[0, 0] = [-1000] * 3 + [-900] * 7
    lab = np.zeros(arr.shape, np.uint8)
    lab[0, 0] = 1
    mm = lung_metrics(Volume(arr, spacing=(10, 10, 10)), lab)
    assert mm["right"]["laa950_pct"] == pytest.approx(30.0)
    assert mm["right"]["volume_ml"] == pytest.approx(10.0)
    assert mm["right"]["mld_hu"] == pytest.approx(-930.0)
    assert mm["left"]["voxels"] == 0


@pytest.mark.parametrize("name", ["lungs.nii.gz", "lungs.nrrd"])
def test_mask_files_round_trip(tmp_path, phantom, labels, name):
    v = phantom.volume
    path = write_mask(v, labels, tmp_path / name)
    back = read_mask(path)
    assert back.array.dtype == np.uint8
    assert np.array_equal(back.array, labels)
    assert np.allclose(back.index_to_patient_matrix, v.index_to_patient_matrix, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == [name]        # no temporary left behind


def test_nifti_mask_affine_is_ras(tmp_path, phantom, labels):
    import nibabel as nib

    path = write_mask(phantom.volume, labels, tmp_path / "m.nii.gz")
    img = nib.load(str(path))
    assert np.allclose(img.affine, phantom.volume.ras_affine(), atol=1e-4)
    # Voxel [0,0,0]'s RAS x is minus its LPS x.
    assert img.affine[0, 3] == pytest.approx(-phantom.volume.origin[0], abs=1e-4)


@pytest.mark.parametrize("spacing, radius", [((3.0, 3.0), 4.0), ((2.8, 3.1), 6.5),
                                             ((1.0, 1.0), 10.0)])
def test_closing_2d_is_the_distance_map_closing(spacing, radius):
    """The per-slice closing by a disk footprint equals the closing by two Euclidean distance
    maps (its former, slower form): within radius of the mask, then not within radius of
    what is outside that."""
    from scipy import ndimage

    from ctvis.core.lungs.envelope import closing_2d

    rng = np.random.default_rng(7)
    mask = ndimage.binary_opening(rng.random((4, 60, 50)) > 0.45)
    pad = [int(np.ceil(radius / s)) + 1 for s in spacing]
    m = np.pad(mask, [(0, 0), (pad[0], pad[0]), (pad[1], pad[1])])
    sampling = (1e6, *spacing)
    near = ndimage.distance_transform_edt(~m, sampling=sampling) <= radius
    closed = ndimage.distance_transform_edt(near, sampling=sampling) > radius
    expected = closed[:, pad[0]:-pad[0], pad[1]:-pad[1]] | mask
    got = closing_2d(mask, radius, spacing)
    assert got.sum() > mask.sum()
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("below_apex_mm", [10.0, 20.0])
def test_a_scan_that_starts_below_the_apices_keeps_both_lungs(phantom, labels, below_apex_mm):
    """A scan cut at the top below the apices runs the main lung out of its top slice and
    ends below the bases: air that does not reach the top, or narrows toward it, is left
    out there as bowel under the diaphragm.  Near the apex the other lung is cut as narrow
    as the main one (10 mm down: a quarter of its widest section) and narrows going up as
    much (its section falls to a quarter of its widest): compared with the main lung's, it
    is kept; absolute bounds (a half, a fall of a quarter) would have dropped it."""
    volume = phantom.volume
    lung = (labels == 1) | (labels == 2)
    ks = np.flatnonzero(lung.any(axis=(1, 2)))
    assert volume.index_to_patient_matrix[2, 2] > 0         # the top is the last slice
    stop = ks.max() + 1 - int(round(below_apex_mm / volume.spacing[0]))
    cut = volume.crop((0, 0, 0), (stop,) + volume.shape[1:])
    assert lung[stop - 1].any() and not lung[0].any()       # cut above, ends inside
    got = segment_lungs(cut)
    for side in (1, 2):
        assert dice(got == side, labels[:stop] == side) >= 0.99
