"""One-click lesions on real scans: the LIDC readers' nodule of lidc-0001-full and the IBSI
tumour's GTV, clicked at the voxel farthest from their border (issue 22), and the tumour of
lungdx-a0001 (5 mm slices; annotated with boxes only)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import ndimage

import ctvis
from ctvis.app.lesion import lesion_at, lesion_context
from ctvis.core.io.dispatch import read_mask
from tests.helpers import real_lesions, unseen

pytestmark = pytest.mark.slow          # loads two real series (about a minute)


def _deepest_lps(volume, mask):
    box = tuple(slice(max(b.start - 1, 0), b.stop + 1)
                for b in ndimage.find_objects(mask.astype(np.uint8))[0])
    depth = ndimage.distance_transform_edt(mask[box], sampling=volume.spacing)
    kji = np.add(np.unravel_index(np.argmax(depth), depth.shape), [b.start for b in box])
    return volume.index_to_patient(np.asarray(kji, float))


@pytest.fixture(scope="module")
def lidc(data_dir):
    folder = data_dir / "lidc-0001-full"
    volume = ctvis.load(folder / "dicom")
    nodules = unseen.lidc_consensus(volume, folder / "069.xml", folder / "dicom")
    return volume, nodules


def test_lidc_nodule_as_good_as_a_reader(lidc):
    volume, nodules = lidc
    assert nodules, "the LIDC readers' outlines were not read"
    context = lesion_context(volume)
    for truth in nodules:
        result = lesion_at(volume, _deepest_lps(volume, truth), context=context)
        d = unseen.dice(result.mask(volume.shape), truth)
        assert d >= 0.80, f"Dice {d:.3f} against the readers' consensus"
        assert result.measures.type == "solid"
        assert 20 <= result.measures.long_axis_mm <= 40      # a ~7 mL nodule


def test_lidc_nodule_agrees_with_the_consensus_as_readers_agree_with_each_other(
        lidc, data_dir):
    """Readers outline a spiculated nodule's lobes and the bases of its spiculae, which the
    neck split cuts straight across (0.854 against the readers' own 0.880 before the
    lesion took back its surface beyond those cuts)."""
    volume, nodules = lidc
    folder = data_dir / "lidc-0001-full"
    marks = [m for _, m in unseen._lidc_reader_nodules(volume, folder / "069.xml",
                                                       folder / "dicom")]
    truth = nodules[0]
    mine = [m for m in marks if (m & truth).any()]
    assert len(mine) >= 2, "the nodule was outlined by fewer than two readers"
    readers = np.mean([unseen.dice(a, b) for n, a in enumerate(mine) for b in mine[n + 1:]])
    d = unseen.dice(lesion_at(volume, _deepest_lps(volume, truth), context=lesion_context(volume))
                    .mask(volume.shape), truth)
    assert d >= readers - 0.02, f"Dice {d:.3f}; the readers agree at {readers:.3f}"


def test_lidc_nodule_a_click_anywhere_in_its_inner_half(lidc):
    volume, nodules = lidc
    _inner_half_clicks_agree(volume, nodules[0], seed=2)


def _inner_half_clicks_agree(volume, truth, seed: int, n: int = 4) -> None:
    """``n`` clicks anywhere in ``truth``'s inner half give a Dice within 0.05 of the click
    at its deepest voxel (the issue's robustness goal)."""
    context = lesion_context(volume)
    d = unseen.dice(lesion_at(volume, _deepest_lps(volume, truth), context=context)
                    .mask(volume.shape), truth)
    depth = ndimage.distance_transform_edt(truth, sampling=volume.spacing)
    inner = np.argwhere(depth >= depth.max() / 2)
    for kji in inner[np.random.default_rng(seed).choice(len(inner), n, replace=False)]:
        other = lesion_at(volume, volume.index_to_patient(kji.astype(float)),
                          context=context)
        moved = unseen.dice(other.mask(volume.shape), truth) - d
        assert abs(moved) <= 0.05, f"click at {tuple(kji)}: Dice moved by {moved:+.3f}"


@pytest.mark.parametrize("scan", ["a softer kernel", "5 mm slices", "10 mm slices",
                                  "noise of SD 60 HU", "noise of SD 100 HU"])
def test_lidc_nodule_on_other_reconstructions_is_solid_and_outlined(lidc, scan):
    """The same nodule as a softer kernel (a 1 mm Gaussian in-plane) or thicker slices
    (runs of two or four 2.5 mm slices averaged) gives it: a blurred edge is not a
    ground-glass part.  Its end slices on thick slices, and its blurred edge on a soft
    kernel, read as a layer at ground glass's level around the solid nodule: it was taken
    as part-solid and grown to ground glass's edge (Dice 0.789, 0.826, 0.747; 11.6, 12.4,
    15.2 mL against 7.8, 9.2, 9.2).  A low dose's noise (a screening scan's) leaves it
    as it is (measured 0.907 and 0.904, solid)."""
    volume, nodules = lidc
    truth = nodules[0]
    if scan == "a softer kernel":
        volume = unseen.reconstructed(volume, "smooth", sigma_mm=1.0)
    elif scan.startswith("noise"):
        volume = unseen.noisy(volume, float(scan.split()[3]))
    else:
        factor = {"5 mm slices": 2, "10 mm slices": 4}[scan]
        volume, truth = unseen.thicker_slices(volume, factor), unseen.thicker_mask(truth,
                                                                                   factor)
    result = lesion_at(volume, _deepest_lps(volume, truth), context=lesion_context(volume))
    d = unseen.dice(result.mask(volume.shape), truth)
    assert d >= 0.85, f"Dice {d:.3f} against the readers' consensus"
    assert result.measures.type == "solid"


def test_lidc_a_click_on_the_chest_wall_or_below_the_lungs_is_refused(lidc, monkeypatch):
    """Soft tissue outside the pleura is no lesion: a click there is refused with the
    message (it once returned a sliver of tissue elsewhere in the box, after growing the box
    to 240 mm for up to 20 s) — in the chest wall's muscle from the first box or the next; a
    click deep in an organ under the lungs may be judged in wider boxes (as a click deep in
    a mass wider than the first box must be), and is refused there: the lung over the
    liver encloses its top in a box narrower than the ball, but that top's own deepest point
    is no lesion either, and the organ runs out of the widest box."""
    import ctvis.core.lesions.grow as grow

    volume, _ = lidc
    context = lesion_context(volume)
    body, hu = context.body, volume.array
    boxes = []
    real = grow._lesion_in_box
    monkeypatch.setattr(grow, "_lesion_in_box",
                        lambda *a, **k: boxes.append(1) or real(*a, **k))
    k, j = volume.shape[0] // 2, volume.shape[1] // 2
    row = (hu[k, j] > 20) & (hu[k, j] < 100) & body[k, j]       # from the patient's right
    edges = np.flatnonzero(np.diff(np.r_[0, row.astype(int), 0]))
    start, stop = next((a, b) for a, b in zip(edges[::2], edges[1::2]) if b - a >= 8)
    clicks = [(k, j, (start + stop) // 2)]                       # the chest wall's muscle
    for k in (10, 20, 30):                                       # the organs under the lungs
        organs, _ = ndimage.label((hu[k] > 30) & (hu[k] < 120) & body[k])
        largest = organs == np.argmax(np.bincount(organs.ravel())[1:]) + 1
        depth = ndimage.distance_transform_edt(largest)
        clicks.append((k, *np.unravel_index(np.argmax(depth), depth.shape)))
    for n, click in enumerate(clicks):
        boxes.clear()
        with pytest.raises(grow.LesionError, match="not enclosed by aerated lung"):
            grow.grow_lesion(volume, click, body=body, lungs=context.lungs)
        if n == 0:
            assert len(boxes) <= 2, f"click {click}: {len(boxes)} boxes"


@pytest.fixture(scope="module")
def lidc_lungs(lidc):
    from ctvis.core.lungs import segment_lungs
    return segment_lungs(lidc[0])


@pytest.mark.parametrize("height, radius_mm, least", [(0.35, 8.0, 0.8), (0.55, 5.0, 0.78)])
def test_lidc_nodule_on_the_mediastinum(lidc, lidc_lungs, height, radius_mm, least):
    """A nodule centred on the left lung's most medial voxel, its lung part painted 40 HU.
    At 35 % of the lung's height (the posterior junction, on the oesophagus) an 8 mm one
    joins the oesophagus without a neck, and both lungs together enclose the oesophagus:
    the segment was the oesophagus over 140 mm (35 mL, Dice 0.04, after the box grew to
    240 mm) before each lesion was enclosed by its own lung; at 55 % a 5 mm one gave
    4.5 mL of the mediastinum (Dice 0.10).  That one measures 0.787 since 2026-12-05 (0.853
    before): its first box typed it part-solid then, a 2.8 mL "glass layer" of mediastinum,
    which put it beyond its own lung, enclosed by that lung alone; typed solid now, both
    lungs enclose it with 0.11 mL of the mediastinum's border on the slices over and under
    it."""
    volume, _ = lidc
    painted, truth, click = real_lesions.mediastinal_nodule(volume, lidc_lungs, height,
                                                           radius_mm)
    result = lesion_at(painted, painted.index_to_patient(np.asarray(click, float)))
    assert unseen.dice(result.mask(volume.shape), truth) >= least
    assert result.measures.volume_ml < 2 * truth.sum() * volume.voxel_volume_mm3 / 1000


@pytest.mark.parametrize("radius_mm, least", [(7.0, 0.80), (4.0, 0.70)])
def test_lidc_part_solid_nodule_on_the_back_chest_wall_clicked_in_its_core(
        lidc, lidc_lungs, radius_mm, least):
    """A part-solid nodule (ground glass -600 HU, a solid core of half its radius) centred
    on the right lung's most posterior voxel at 40 % of its height, clicked in the core.
    The core joins the chest wall at the solid level and the glass around it, read there as
    lung, enclosed a wedge of the wall beside the spine: 7.7 mL of muscle (Dice 0.025,
    typed solid) before the solid part was kept to the glass pass's side of the pleura.
    The 4 mm one (three slices; a voxel of the pleura's ambiguity is much of it) then: its
    core lies at the base, a voxel beyond the lung's smooth surface, and the glass pass
    found nothing at the click (Dice 0.05, the wedge) before a click there took the lesion
    it touches."""
    volume, _ = lidc
    painted, truth, click = real_lesions.part_solid_on_the_wall(volume, lidc_lungs, "back",
                                                               radius_mm)
    result = lesion_at(painted, painted.index_to_patient(np.asarray(click, float)))
    d = unseen.dice(result.mask(volume.shape), truth)
    assert d >= least, f"Dice {d:.3f}"
    assert result.measures.volume_ml < 2 * truth.sum() * volume.voxel_volume_mm3 / 1000
    assert result.measures.type != "solid"


@pytest.mark.parametrize("radius_mm, height", [(3.0, 0.6), (6.0, 0.3)])
def test_lidc_calcified_nodule_from_one_click(lidc, lidc_lungs, radius_mm, height):
    """A calcified nodule (a granuloma: 700 ± 60 HU, its edge blurred by a 0.8 mm kernel)
    deep in the right lung: a click in it was refused as bone.  Its edge is a third of the
    way from the lung to its own level, as ground glass's is (at soft tissue's level the
    blur of 700 HU reached a voxel further out: Dice 0.67 for the 3 mm one)."""
    volume, _ = lidc
    painted, truth, click = real_lesions.calcified_nodule(volume, lidc_lungs, height,
                                                         radius_mm)
    result = lesion_at(painted, painted.index_to_patient(np.asarray(click, float)))
    d = unseen.dice(result.mask(volume.shape), truth)
    assert d >= 0.85, f"Dice {d:.3f}"
    assert result.measures.type == "solid" and result.measures.mean_hu > 200


def _small_nodules_outlined(volume, lungs, radius_mm, count, least) -> None:
    for painted, truth, click, centre in real_lesions.small_nodules(volume, lungs, radius_mm,
                                                                    count):
        result = lesion_at(painted, painted.index_to_patient(np.asarray(click, float)))
        d = unseen.dice(result.mask(volume.shape), truth)
        assert d >= least, f"Dice {d:.3f} at {centre} ({result.measures.type})"
        assert result.measures.type == "solid", f"{result.measures.type} at {centre}"


def test_8_mm_solid_nodules_at_random_places_beside_vessels(lidc, lidc_lungs):
    """8 mm solid nodules painted one at a time at random places deep in the lungs, with
    whatever vessels run beside them (`benchmarks/small_nodules.py`: twelve at 0.890-0.949,
    solid; the first six here)."""
    _small_nodules_outlined(lidc[0], lidc_lungs, 4.0, 6, 0.85)


def test_4_mm_solid_nodules_at_random_places_beside_vessels(lidc, lidc_lungs):
    """The same at 4 mm (one 2.5 mm slice), all twelve: 0.840-0.913, solid.  Over so small
    a core the rims of the vessels beside it made a glass layer 3-35 mm thick on average,
    and three were typed ground glass or part-solid and grown into the vessels (Dice 0.03,
    0.12, 0.28) before the layer had to surround the core (``_glass_around``)."""
    _small_nodules_outlined(lidc[0], lidc_lungs, 2.0, 12, 0.8)


def test_a_4_mm_nodule_on_thin_slices_is_solid(lidc):
    """lidc-0001-full with its slices interpolated to 1.25 mm: a 4 mm nodule there spans a
    few slices, and in its end slices the wider section beside them blurs into a ring at
    glass's level.  Over all its slices that read as glass around its core (0.51 of the open
    lung), and it was typed part-solid and grown along a faint vessel (Dice 0.342); the
    share is taken in the core's widest slice (0.32): solid, 0.813."""
    from ctvis.core.lungs import segment_lungs
    from ctvis.core.volume import Volume

    volume = lidc[0]
    n = 2 * (volume.shape[0] - 1) + 1
    array = ndimage.zoom(volume.array.astype(np.float32), (n / volume.shape[0], 1, 1), order=1,
                     grid_mode=False)
    thin = Volume(np.rint(array).astype(np.int16),
                  (volume.spacing[0] * (volume.shape[0] - 1) / (n - 1),) + volume.spacing[1:],
                  volume.origin, volume.direction, {})
    cases = real_lesions.small_nodules(thin, segment_lungs(thin), 2.0, count=8)
    painted, truth, click, _ = next(itertools.islice(cases, 3, None))   # the fourth
    result = lesion_at(painted, painted.index_to_patient(np.asarray(click, float)))
    assert result.measures.type == "solid"
    assert unseen.dice(result.mask(thin.shape), truth) >= 0.75


def test_lidc_a_click_in_dense_bone_is_refused_in_the_first_box(lidc, monkeypatch):
    """Calcium at the click is judged in the first box only (calcified lesions are small):
    the densest point behind the body's centre (the spine) a third of the way up is refused
    there, naming bone."""
    import ctvis.core.lesions.grow as grow

    volume, _ = lidc
    context = lesion_context(volume)
    k = volume.shape[0] // 3
    behind = np.arange(volume.shape[1])[:, None] > np.median(np.nonzero(context.body[k])[0])
    dense = np.where(behind, ndimage.median_filter(volume.array[k], size=5), -32768)
    click = (k, *np.unravel_index(np.argmax(dense), dense.shape))
    assert grow._click_level(volume.array, click, volume.spacing) > grow.CALCIUM_HU
    boxes = []
    real = grow._lesion_in_box
    monkeypatch.setattr(grow, "_lesion_in_box",
                        lambda *a, **k: boxes.append(1) or real(*a, **k))
    with pytest.raises(grow.LesionError, match="bone or calcium"):
        grow.grow_lesion(volume, click, body=context.body, lungs=context.lungs)
    assert len(boxes) <= 2


def test_ibsi_tumour_a_click_anywhere_in_its_inner_half(data_dir):
    """A click deep in a tumour 10 cm across: in the first box (6 cm) the lung does not
    enclose it yet, and six of eight such clicks were refused as "not enclosed by aerated
    lung" (the refusal from the first box, made for the chest wall).  Where the click's part
    runs on beyond the box, it is judged again in the next: the same tumour."""
    volume = ctvis.load(data_dir / "ibsi-nsclc/dicom/image")
    gtv = read_mask(data_dir / "ibsi-nsclc/nifti/mask/mask.nii.gz", like=volume).array > 0
    _inner_half_clicks_agree(volume, gtv, seed=0)


@pytest.mark.xfail(strict=True, reason="issue 22: the IBSI GTV lies against atelectatic "
                   "lung and the liver under the dome at equal HU, and its top slices enclose "
                   "aerated lung (55-69 % of their GTV voxels below -500 HU; 16 % of the "
                   "whole GTV below -200 HU); one click reaches Dice 0.78")
def test_ibsi_gtv_from_one_click(data_dir):
    volume = ctvis.load(data_dir / "ibsi-nsclc/dicom/image")
    gtv = read_mask(data_dir / "ibsi-nsclc/nifti/mask/mask.nii.gz", like=volume).array > 0
    result = lesion_at(volume, _deepest_lps(volume, gtv))
    assert unseen.dice(result.mask(volume.shape), gtv) >= 0.85


def test_ibsi_gtv_from_a_few_strokes_of_grow_from_seeds(data_dir):
    """Where one click falls short, the Segment Editor's Grow from seeds outlines the tumour
    from strokes a user draws on five slices: a scribble inside it and a loop around it
    about 7 mm out, plus "other" on the slices just over and under it."""
    from ctvis.core.editing.grow_from_seeds import grow_from_seeds

    volume = ctvis.load(data_dir / "ibsi-nsclc/dicom/image")
    gtv = read_mask(data_dir / "ibsi-nsclc/nifti/mask/mask.nii.gz", like=volume).array > 0
    px = volume.spacing[1]
    ks = np.flatnonzero(gtv.any(axis=(1, 2)))
    seeds = np.zeros(volume.shape, np.uint8)
    for k in np.linspace(ks[0] + 1, ks[-1] - 1, 5).astype(int):
        inside = ndimage.binary_erosion(gtv[k], iterations=int(8 / px))
        loop = ndimage.binary_dilation(gtv[k], iterations=int(8 / px)) & \
            ~ndimage.binary_dilation(gtv[k], iterations=int(6 / px))
        seeds[k][inside], seeds[k][loop] = 1, 2
    for k, beside in ((ks[0] - 1, ks[0]), (ks[-1] + 1, ks[-1])):
        seeds[k][gtv[beside]] = 2
    grown = grow_from_seeds(seeds, volume.array, volume.spacing, margin_mm=15)
    tumour = np.zeros(volume.shape, bool)
    tumour[grown.region] = grown.labels == 1
    assert unseen.dice(tumour, gtv) >= 0.85


def test_lungdx_tumour_on_thick_slices_from_one_click(data_dir):
    """lungdx-a0001's tumour, a 5 cm mass against the spine and the mediastinum on 5 mm
    slices, annotated with one box per slice: clicked at the middle box's centre and two
    points beside it, the lesion lies within the boxes (95 % measured; leaking into the
    mediastinum or the chest wall would leave them) and fills about half of them (a ball
    fills 52 % of its boxes; measured 90 of 177 mL), the same wherever the click fell."""
    folder = data_dir / "lungdx-a0001"
    volume = ctvis.load(folder / "dicom")
    context = lesion_context(volume)
    boxes = unseen.lungdx_tumour_boxes(folder, volume)
    inside = np.zeros(volume.shape, bool)
    for k, y0, y1, x0, x1 in boxes:
        inside[k, y0:y1, x0:x1] = True
    k, y0, y1, x0, x1 = boxes[len(boxes) // 2]
    volumes = []
    for dy, dx in ((0, 0), (5, 5), (-8, 3)):
        click = volume.index_to_patient(np.asarray(
            (k, (y0 + y1) // 2 + dy, (x0 + x1) // 2 + dx), float))
        mask = lesion_at(volume, click, context=context).mask(volume.shape)
        assert np.count_nonzero(mask & inside) >= 0.9 * np.count_nonzero(mask)
        assert 0.35 <= np.count_nonzero(mask) / np.count_nonzero(inside) <= 0.9
        volumes.append(np.count_nonzero(mask))
    assert max(volumes) <= 1.05 * min(volumes)
