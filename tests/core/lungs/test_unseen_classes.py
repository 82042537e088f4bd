"""Issue 20, "lungs on scans the project has never seen": the goals, on real series of
../shared/data and on modified copies of them written to a temporary folder
(tests/helpers/unseen.py; the same cases as benchmarks/lung_classes.py)."""
from __future__ import annotations

import numpy as np
import pytest

import ctvis
from ctvis.core.io.dispatch import read_mask
from ctvis.core.lungs import lung_warnings, segment_lungs
from tests.helpers import unseen

# Modified copies of real series, each segmented (about a minute): ./dev test runs them.
pytestmark = pytest.mark.slow

REAL, MODIFIED = unseen.REAL, unseen.MODIFIED


class Cases(unseen.SeriesCopies):
    """Writes the modified copies and segments (airway=True) once per module."""

    def __init__(self, data_dir, tmp):
        super().__init__(data_dir, tmp)
        self.done: dict = {}

    def __call__(self, name):
        if name not in self.done:
            volume = ctvis.load(self.path(name))
            info: dict = {}
            labels = segment_lungs(volume, airway=True, info=info)
            self.done[name] = (volume, labels, info)
        return self.done[name]


@pytest.fixture(scope="module")
def cases(data_dir, tmp_path_factory):
    return Cases(data_dir, tmp_path_factory.mktemp("unseen"))


# --------------------------------------------------------------- (a), (b) field-of-view cut
FOV_CUTS = ["lidc-0001-full-fov-pad", "lidc-0001-full-fov-air", "lungdx-a0001-fov-pad"]


@pytest.mark.parametrize("name", FOV_CUTS)
def test_fov_cut_lungs_match_uncut_inside_the_field(cases, name):
    _, labels, _ = cases(name)
    _, uncut, _ = cases(MODIFIED[name][0])
    field = np.broadcast_to(cases.field[name], labels.shape)
    for lab, side in ((1, "right"), (2, "left")):
        d = unseen.dice((labels == lab) & field, (uncut == lab) & field)
        assert d >= 0.97, f"{side} lung Dice inside the field {d:.3f} < 0.97"


@pytest.mark.parametrize("name", FOV_CUTS)
def test_fov_cut_airway_is_the_uncut_airway(cases, name):
    """The cut body's centre is not its midline (it lay 34-44 mm toward what is left of the
    body, and the trachea, looked for near it, was lost to the right lung): the vertebrae
    give the midline, and the airway is the uncut series' airway."""
    _, labels, info = cases(name)
    _, uncut, _ = cases(MODIFIED[name][0])
    assert info["midline_from"] == "spine"
    d = unseen.dice(labels == 3, uncut == 3)
    assert d >= 0.95, f"airway Dice vs the uncut series' {d:.3f} < 0.95"


@pytest.mark.parametrize("name", ["lidc-0001-full-fov-pad", "lidc-0001-full-fov-air"])
def test_fov_cut_right_lung_warned_at_the_field_edge(cases, name):
    volume, labels, info = cases(name)
    warnings = lung_warnings(volume, labels, info)
    assert any("right lung" in w and "field of view" in w for w in warnings), warnings


def test_a_field_that_leaves_a_strip_of_a_lung_keeps_its_air(cases):
    """lungdx-a0001 cut to a field whose edge runs through the left lung (the circle moved
    100 mm to the patient's right): a strip of that lung is left in the field, beside the
    mediastinum and the tumour.  Its aerated lung is lung (measured: 63 of its 195,953
    voxels below -500 HU left out) and the lung is said to be cut by the field.  The uncut
    mask also holds 80 mL of the tumour against the spine there, which the strip does not
    enclose (Dice in the field 0.950): a mass is a lesion's segment (one click), not
    lung."""
    volume, uncut, _ = cases("lungdx-a0001")
    cut, field = unseen.cut_to_field(volume, -100.0, 175.0)
    info: dict = {}
    labels = segment_lungs(cut, airway=True, info=info)
    strip = (uncut == 2) & field[None] & (cut.array < -500)
    held = np.count_nonzero(strip & (labels == 2)) / np.count_nonzero(strip)
    assert held >= 0.995, f"the strip's aerated left lung {held:.4f} held"
    assert unseen.dice((labels == 1) & field[None], (uncut == 1) & field[None]) >= 0.99
    warnings = lung_warnings(cut, labels, info)
    assert any("left lung" in w and "field of view" in w for w in warnings), warnings


def test_fov_cut_copies_differ_only_in_padding(cases):
    """The two copies are the same image: one declares PixelPaddingValue −2000 (the value
    lidc-0001-full's own header carries), the other has plain −1024 HU and no tag."""
    import pydicom

    pad = pydicom.dcmread(next(iter(sorted(cases.path("lidc-0001-full-fov-pad").iterdir()))))
    air = pydicom.dcmread(next(iter(sorted(cases.path("lidc-0001-full-fov-air").iterdir()))))
    assert int(pad.PixelPaddingValue) == unseen.PADDING_RAW
    assert "PixelPaddingValue" not in air and "PixelPaddingRangeLimit" not in air
    outside = ~cases.field["lidc-0001-full-fov-pad"]
    assert (pad.pixel_array[outside] == unseen.PADDING_RAW).all()
    assert (air.pixel_array[outside] * float(air.RescaleSlope)
            + float(air.RescaleIntercept) == -1024).all()


# --------------------------------------------------------------- (c) below the diaphragm
# ibsi-nsclc is cropped around a tumour on a consolidated, partly collapsed lower lobe:
# what the measure counts there is that lobe's dense lung beside the spine and the tumour's
# rim under aerated lung, not tissue below the diaphragm (its pictures in docs/lungs.md).
# A consolidated lower lobe is lung (the phantom rule), so it stays counted.
OPEN_BELOW = {"ibsi-nsclc"}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(
        strict=True, reason="the measure counts a consolidated lower lobe as below"))
    if n in OPEN_BELOW else n for n in list(REAL) + list(MODIFIED)])
def test_no_solid_mask_below_the_diaphragm(cases, name):
    volume, labels, _ = cases(name)
    below = unseen.below_diaphragm_ml(volume, labels)
    assert below <= 5.0, f"{below:.1f} mL of solid mask below the diaphragm"


def test_a_noisy_chest_takes_no_liver_under_the_dome(cases):
    """With 40 HU of noise (a low-dose scan) the airless-bases step took a wedge of liver
    under lidc-0001-full's right dome in as lung (49 mL below the diaphragm, warned): its
    median HU is the liver's below it within 1-2 HU, which noise tips either way.  It lies
    in the middle of the lung's base, and an airless lobe reaches the chest wall: nothing
    is added, and nothing is said."""
    from ctvis.core.image.field import volume_outside_field

    volume, labels, info = cases("lidc-0001-full")
    assert not any("base holds" in w for w in lung_warnings(volume, labels, info))
    noise = np.random.default_rng(0).normal(0.0, 40.0, volume.shape).astype(np.float32)
    noise[:, volume_outside_field(volume)] = 0.0            # the fill stays the fill
    noisy = volume.with_array((volume.array + noise).astype(volume.array.dtype))
    info = {}
    got = segment_lungs(noisy, info=info)
    below = unseen.below_diaphragm_ml(volume, got)
    assert below <= 5.0, f"{below:.1f} mL of solid mask below the diaphragm"
    assert not any("base holds" in w for w in lung_warnings(noisy, got, info))
    unseen.assert_lungs_agree(got, labels, 0.98, "noise 40 HU")


def test_metal_streaks_across_the_chest_wall_lose_no_slice_of_lung(cases):
    """A pacemaker's dark streaks cross the chest wall into the lung: in the slices where
    they joined the lung's air to the air outside, the body's hole filling lost the whole
    slice of the left lung (its central slice held 0.008 of its 20,233 voxels; Dice 0.980).
    Gaps in the body's wall narrower than 10 mm are closed before its holes are filled:
    every slice holds its lung (the worst 0.967; Dice 0.987; what is left is the streaks'
    air beside the lung, taken in as lung: 45 mL)."""
    volume, labels, _ = cases("lidc-0001-full")
    metal, _ = unseen.with_metal(volume, labels)
    got = segment_lungs(metal)
    left, ref = got == 2, labels == 2
    for k in np.flatnonzero(ref.any(axis=(1, 2))):
        held = np.count_nonzero(left[k] & ref[k]) / np.count_nonzero(ref[k])
        assert held >= 0.9, f"slice {k} holds {held:.2f} of its left lung"
    assert unseen.dice(got == 1, labels == 1) >= 0.99
    assert unseen.dice(left, ref) >= 0.985


# --------------------------------------------------------------- (e) no rectangles
# Whole chests of three vendors and slice thicknesses, the crop and the tumour crop.
@pytest.mark.parametrize("name", ["lidc-0001-full", "lungdx-a0001", "pancreas-ct-cb-001",
                                  "ibsi-nsclc", "lungdx-a0001-crop"])
def test_mask_edges_follow_the_image_not_the_coarse_grid(cases, name):
    """Every edge is decided at full resolution: the share of edges on the coarse grid's
    block lines is what image edges give (1/f), not more (blocks gave 4–50 % more)."""
    from ctvis.core.image.body import coarse_factor
    from ctvis.core.lungs.watershed import COARSE_MM

    volume, labels, _ = cases(name)
    f = coarse_factor(volume.spacing, COARSE_MM)
    assert f > 1
    share = unseen.grid_edge_share(labels, f)
    assert share <= 1.07 / f, f"{share:.3f} of the edges on the grid lines (1/f = {1 / f:.3f})"


# --------------------------------------------------------------- (d) ibsi-nsclc (partial FOV)
def test_ibsi_aerated_lung_is_labelled_lung(cases):
    volume, labels, _ = cases("ibsi-nsclc")
    fraction = unseen.aerated_in_lung_fraction(volume, labels)
    assert fraction >= 0.95, f"aerated voxels in the body labelled lung: {fraction:.3f}"


def test_ibsi_one_lung_one_side_or_a_warning(cases):
    volume, labels, info = cases("ibsi-nsclc")
    lung = (labels == 1) | (labels == 2)
    parts = [p for p in unseen.side_labels(labels) if p["voxels"] >= 0.01 * lung.sum()]
    one_side = all(len(p["sides"]) == 1 for p in parts)
    warnings = lung_warnings(volume, labels, info)
    assert one_side or any("side" in w for w in warnings), (parts, warnings)


def test_ibsi_gtv_mask_is_on_the_image_grid(cases, data_dir):
    """The NIfTI GTV mask and image lie on the DICOM series' [z, y, x] grid (read_mask checks
    the voxel positions); the NIfTI image holds the same HU."""
    volume, _, _ = cases("ibsi-nsclc")
    gtv = read_mask(data_dir / "ibsi-nsclc/nifti/mask/mask.nii.gz", like=volume)
    assert int(np.count_nonzero(gtv.array)) == 125256
    image = ctvis.load(data_dir / "ibsi-nsclc/nifti/image/phantom.nii.gz")
    assert np.array_equal(image.array, volume.array)


# --------------------------------------------------------------- (e) LIDC nodules
def test_lidc_nodule_consensus_inside_the_lungs(cases, data_dir):
    volume, labels, _ = cases("lidc-0001-full")
    folder = data_dir / "lidc-0001-full"
    nodules = unseen.lidc_consensus(volume, folder / "069.xml", folder / "dicom")
    assert nodules, "no nodule consensus read from 069.xml"
    lung = (labels == 1) | (labels == 2)
    for i, nodule in enumerate(nodules):
        inside = np.count_nonzero(nodule & lung) / np.count_nonzero(nodule)
        assert inside >= 0.95, f"nodule {i}: {inside:.3f} inside labels 1/2"


# --------------------------------------------------------------- (f) in-plane crop
def test_lungdx_inplane_crop_sides_match_the_uncut_mask(cases):
    _, labels, _ = cases("lungdx-a0001-crop")
    _, uncut, _ = cases("lungdx-a0001")
    y0, y1, x0, x1 = cases.crop_box
    uncut = uncut[:, y0:y1, x0:x1]
    assert labels.shape == uncut.shape
    for lab, side in ((1, "right"), (2, "left")):
        d = unseen.dice(labels == lab, uncut == lab)
        assert d >= 0.95, f"{side} lung Dice vs the uncut mask cropped {d:.3f} < 0.95"
