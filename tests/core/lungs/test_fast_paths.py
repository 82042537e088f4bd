"""The lung pipeline's shortcuts give what the plain steps give (issue 20's speed goal):
the Sobel magnitude only at the watershed's mask, the airway's components from one labelling
of the stack, and the full-resolution slabs started while the airless bases are looked for.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ctvis.core.image import body
from ctvis.core.image.body import index_box
from ctvis.core.lungs import airway as aw
from ctvis.core.lungs import segment_lungs
from ctvis.core.lungs.envelope import z_gaps
from ctvis.core.lungs import watershed as ws
from ctvis.core.phantom import make_phantom


def test_sobel_where_is_the_full_sobel_at_the_wanted_pixels():
    rng = np.random.default_rng(3)
    for _ in range(30):
        a = rng.integers(-1024, 3000, size=tuple(rng.integers([1, 3, 3], [5, 30, 30]))
                         ).astype(np.int16)
        # The inner box touches the padded border on some sides (mirrored there) or not.
        inner = (slice(0, a.shape[0]), slice(int(rng.integers(0, 2)), a.shape[1]
                                             - int(rng.integers(0, 2))),
                 slice(int(rng.integers(0, 2)), a.shape[2] - int(rng.integers(0, 2))))
        full = ws._sobel_2d(a)[inner]
        wanted = rng.random(full.shape) < 0.3
        got = ws._sobel_where(a, inner, wanted)
        assert got.shape == full.shape and got.dtype == np.float32
        assert np.array_equal(got[wanted], full[wanted])
        assert not got[~wanted].any()


def test_index_box_is_find_objects_box():
    rng = np.random.default_rng(6)
    for _ in range(200):
        shape = tuple(rng.integers(1, 9, size=rng.integers(1, 4)))
        mask = rng.random(shape) < rng.uniform(0, 0.2)
        if mask.any():
            assert index_box(mask) == ndimage.find_objects(mask.astype(np.uint8))[0]
        else:
            assert index_box(mask) is None


@pytest.mark.parametrize("max_area", [None, 3])
def test_fill_holes_in_the_masks_box_is_the_whole_slices(max_area):
    """Holes found in the mask's box grown by a pixel are those of the whole slices, also
    when the mask reaches the border on one side, two sides or all four."""
    rng = np.random.default_rng(7)
    for _ in range(100):
        mask = np.zeros((3, 14, 15), bool)
        z0, y0, x0 = rng.integers(0, 3), rng.integers(0, 6), rng.integers(0, 6)
        y1, x1 = rng.integers(y0 + 2, 15), rng.integers(x0 + 2, 16)
        mask[z0:, y0:y1, x0:x1] = rng.random((3 - z0, y1 - y0, x1 - x0)) < 0.6
        expected = body._fill_holes(mask, max_area)           # on the whole slices
        assert np.array_equal(body.fill_holes_slices(mask, max_area), expected)
    for k in range(3):
        ref = ndimage.binary_fill_holes(mask[k])
        assert np.array_equal(body.fill_holes_slices(mask)[k], ref)


def test_z_gaps_are_the_short_runs_between_set_voxels():
    rng = np.random.default_rng(8)
    mask = rng.random((40, 5, 6)) < 0.3
    got = z_gaps(mask, 4)
    expected = np.zeros_like(mask)
    for j in range(5):
        for i in range(6):
            on = np.flatnonzero(mask[:, j, i])
            for a, b in zip(on[:-1], on[1:]):
                if 1 <= b - a - 1 <= 4:
                    expected[a + 1:b, j, i] = True
    assert np.array_equal(got, expected)


def test_fat_tissue_lies_in_the_fat_range():
    """The slab leaves fat tissue out of the sure core through the fat range alone."""
    rng = np.random.default_rng(9)
    hu = rng.choice(np.array([-500, -100, -80, 40], np.int16), size=(3, 30, 31),
                    p=[0.2, 0.5, 0.2, 0.1])
    fat_hu = (hu > ws.FAT_HU[0]) & (hu < ws.FAT_HU[1])
    fat = ws.fat_tissue(hu, (0.7, 0.7))
    assert fat.any() and not (fat & ~fat_hu).any()
    assert np.array_equal(ws.fat_tissue(hu, (0.7, 0.7), fat_hu), fat)


def test_stack_components_number_each_slice_as_its_own_labelling():
    rng = np.random.default_rng(4)
    air = ndimage.uniform_filter(rng.random((12, 40, 45)), (1, 3, 3)) > 0.52
    air[5] = False                                           # a slice without air
    comps = aw._SliceComponents(air)
    for k in range(air.shape[0]):
        own, n = ndimage.label(air[k], structure=aw.GROW)
        numbers = comps.numbers(k)
        assert len(numbers) == n
        expected = np.where(own > 0, own + numbers.start - 1, 0)
        assert np.array_equal(comps.labels[k], expected)
        assert np.array_equal(comps.areas[numbers.start:numbers.stop],
                              np.bincount(own.ravel())[1:])


def test_grown_is_the_maximum_filter():
    rng = np.random.default_rng(5)
    for _ in range(20):
        lab = np.zeros((20, 24), np.int32)
        y, x = rng.integers(0, 20), rng.integers(0, 24)
        lab[y:y + rng.integers(1, 6), x:x + rng.integers(1, 6)] = rng.integers(1, 4)
        lab[rng.integers(0, 20), rng.integers(0, 24)] = 5
        assert np.array_equal(aw._grown(lab), ndimage.maximum_filter(lab, size=3))
    assert not aw._grown(np.zeros((5, 5), np.int32)).any()


def _slabs_run(volume, monkeypatch):
    """Labels, and for each _FullRes made (the early one first), how many slabs it did."""
    plans, done = [], []
    init, slab = ws._FullRes.__init__, ws._FullRes.slab

    def made(self, *args):
        init(self, *args)
        plans.append(self)

    def spy(self, s0):
        done.append(self)
        return slab(self, s0)

    monkeypatch.setattr(ws._FullRes, "__init__", made)
    monkeypatch.setattr(ws._FullRes, "slab", spy)
    labels = segment_lungs(volume)
    monkeypatch.setattr(ws._FullRes, "__init__", init)
    monkeypatch.setattr(ws._FullRes, "slab", slab)
    return labels, plans, [sum(d is p for d in done) for p in plans]


@pytest.fixture(scope="module")
def consolidation():
    return make_phantom(pathology=("consolidation",), shape=(80, 160, 160)).volume


def _waiting(volume, monkeypatch):
    """The labels with no slab started before the airless bases are known."""
    monkeypatch.setattr(ws, "base_top", lambda labels, z: np.inf)
    labels, plans, counts = _slabs_run(volume, monkeypatch)
    monkeypatch.undo()
    assert counts[0] == 0 or len(plans) == 1        # the first plan did nothing early
    return labels


def test_early_slabs_give_the_labels_of_waiting(consolidation, monkeypatch):
    """The consolidated base is added by the airless step, below the slabs started early:
    the early plan is kept, its slabs and the rest give the labels of waiting."""
    extras = []
    bases = ws.airless_bases

    def spy(*args):
        extras.append(bases(*args))
        return extras[-1]

    monkeypatch.setattr(ws, "airless_bases", spy)
    early, plans, counts = _slabs_run(consolidation, monkeypatch)
    assert extras[0].any()                          # the airless step added lung
    assert len(plans) == 2 and counts[0] >= 1                # some slabs started early
    assert counts[0] + counts[1] == len(plans[0].starts)    # and were not done again
    assert plans[1].result is plans[0].result       # the same crop: one result
    monkeypatch.undo()
    waited = _waiting(consolidation, monkeypatch)
    assert np.array_equal(early, waited)
    assert np.count_nonzero(early == 1) > 0 and np.count_nonzero(early == 2) > 0


@pytest.mark.parametrize("where", ["outside the crop", "in a slice thought unchanged"])
def test_bases_that_move_the_crop_redo_every_slab(consolidation, monkeypatch, where):
    """Should the airless step add lung outside the early crop, or in a slice it was not
    to change, the early slabs are dropped and every slab is done on the final envelopes."""
    bases = ws.airless_bases

    def odd(labels, *args):
        extra = bases(labels, *args)
        ks = np.flatnonzero(labels.any(axis=(1, 2)))
        for k in (ks[0], ks[-1]):                   # the top one is never changed
            if where == "outside the crop":
                extra[k, 1, 1] = 1
            else:                                   # inside the crop: it stays the same
                j, i = np.argwhere(labels[k] > 0)[0]
                extra[k, j, i] = labels[k, j, i]
        return extra

    monkeypatch.setattr(ws, "airless_bases", odd)
    got, plans, counts = _slabs_run(consolidation, monkeypatch)
    assert len(plans) == 2 and counts[1] == len(plans[1].starts)
    assert plans[1].result is not plans[0].result
    assert (plans[1].crop != plans[0].crop) == (where == "outside the crop")
    waited = _waiting(consolidation, monkeypatch)      # odd() still in place
    assert np.array_equal(got, waited)


@pytest.mark.parametrize("pathology", [(), ("tube",), ("deviated_trachea",)])
def test_airway_followed_in_boxes_as_on_whole_slices(monkeypatch, pathology):
    """The airway grown with the stack's components, slice by slice in boxes, is the one
    grown with each whole slice labelled on its own."""
    captured = {}
    real = ws.airway_mask

    def spy(*args):
        captured["args"] = args
        return real(*args)

    monkeypatch.setattr(ws, "airway_mask", spy)
    segment_lungs(make_phantom(pathology=pathology, shape=(80, 160, 160)).volume)
    air, x_mm, spacing, order, midline, hu, full = captured["args"]
    seed = aw.find_trachea_seed(air, x_mm, spacing, order, midline)
    parenchyma = float(np.median(hu[air][::7]))
    lumen = float(np.median(hu[seed[0]][seed[1]]))
    strict = min((parenchyma + lumen) / 2.0, parenchyma - 50.0)
    boxed = aw.grow_airway(air, seed, spacing, order, x_mm, hu, strict, aw._SliceComponents(air),
                           full)
    whole = aw.grow_airway(air, seed, spacing, order, x_mm, hu, strict, full=full)
    assert boxed.sum() > 20 and np.array_equal(boxed, whole)


@pytest.mark.parametrize("after", ["lungs: airless bases", "lungs: full resolution"])
def test_cancel_with_early_slabs_running(consolidation, after):
    """Cancelled while the early slabs run (or are queued behind the one-at-a-time gate):
    Cancelled is raised, nothing hangs, and the next run gives the same labels."""
    from ctvis.core.errors import Cancelled

    labels = segment_lungs(consolidation)
    asked = []
    with pytest.raises(Cancelled):
        segment_lungs(consolidation, progress=lambda f, m: asked.append(m == after),
                      cancel=lambda: any(asked))
    assert np.array_equal(segment_lungs(consolidation), labels)
