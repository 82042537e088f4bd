"""core.image.slab: slab thickness in planes, the range around a slice, MIP/MinIP/mean."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.slab import slab, slab_planes, slab_range, slab_value
from ctvis.core.image.slicing import VIEWS, oriented_slice, slice_axes


def test_planes_from_thickness_and_spacing():
    assert slab_planes(20, 2.5) == 8
    assert slab_planes(20, 0.7) == 29
    assert slab_planes(0.1, 2.5) == 1 and slab_planes(0, 1.0) == 1
    with pytest.raises(ValueError, match="slab thickness"):
        slab_planes(-1, 1.0)


def test_range_is_centred_and_kept_inside():
    assert slab_range(10, 5, 100) == (8, 13)
    assert slab_range(10, 4, 100) == (9, 13)         # even: one more plane above
    assert slab_range(0, 5, 100) == (0, 5)           # shifted, still 5 planes
    assert slab_range(99, 5, 100) == (95, 100)
    assert slab_range(3, 50, 10) == (0, 10)          # thicker than the volume: all of it
    with pytest.raises(IndexError):
        slab_range(10, 3, 10)


def _direct(array, axes, start, stop, reduce):
    """The projection computed the slow, obvious way: each slice, then reduce."""
    return reduce(np.stack([oriented_slice(array, axes, k).astype(np.float64)
                            for k in range(start, stop)]), axis=0)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("direction", [np.eye(3), np.diag([-1.0, -1.0, 1.0]),
                                       np.array([[0.0, 0, 1], [1, 0, 0], [0, 1, 0]])])
def test_projections_equal_slice_by_slice_on_anisotropic_and_turned_grids(view, direction):
    rng = np.random.default_rng(3)
    array = rng.integers(-1000, 1000, (9, 11, 13)).astype(np.int16)
    spacing = np.array([2.5, 0.7, 1.1])
    axes = slice_axes(direction, view)
    dz = spacing[axes.normal]
    start, stop = slab_range(4, slab_planes(5.0, dz), array.shape[axes.normal])
    for mode, reduce in (("mip", np.max), ("minip", np.min), ("mean", np.mean)):
        got = slab(array, axes, 4, 5.0, dz, mode)
        assert got.shape == oriented_slice(array, axes, 4).shape
        np.testing.assert_allclose(got, _direct(array, axes, start, stop, reduce), atol=1e-3)
    assert slab(array, axes, 4, 5.0, dz, "mip").dtype == np.int16
    assert slab(array, axes, 4, 5.0, dz, "mean").dtype == np.float32


def test_one_plane_is_the_slice_itself_and_bad_mode_is_refused():
    array = np.arange(60, dtype=np.int16).reshape(3, 4, 5)
    axes = slice_axes(np.eye(3), "axial")
    assert np.shares_memory(slab(array, axes, 1, 0.5, 2.0, "mip"), array)
    np.testing.assert_array_equal(slab(array, axes, 1, 0.5, 2.0), oriented_slice(array, axes, 1))
    with pytest.raises(ValueError, match="slab mode"):
        slab(array, axes, 1, 4.0, 2.0, "max")


def test_phantom_mip_shows_more_vessel_and_minip_darker_airways():
    """On the chest phantom: a 20 mm MIP shows more vessel (blood in the lung) than the single
    slice, a 20 mm MinIP is darker inside the lungs and the airway."""
    from ctvis.core.phantom import make_phantom

    ph = make_phantom(shape=(80, 128, 128), noise_hu=0.0)
    vol = ph.volume
    axes = slice_axes(vol.direction, "axial")
    # a slice through the trachea's lumen and the lungs
    k = int(np.argmax(ph.regions["airway"].sum(axis=(1, 2)) * (ph.lungs > 0).sum(axis=(1, 2))))
    dz = vol.spacing[0]
    single = oriented_slice(vol.array, axes, k).astype(np.float32)
    mip, minip, mean = (slab(vol.array, axes, k, 20.0, dz, m).astype(np.float32)
                        for m in ("mip", "minip", "mean"))
    assert (mip >= single).all() and (single >= minip).all()
    assert (mip >= mean).all() and (mean >= minip).all()
    lung = oriented_slice(ph.lungs, axes, k) > 0
    vessel_single = (single[lung] > -400).mean()
    vessel_mip = (mip[lung] > -400).mean()
    assert vessel_mip > 1.5 * vessel_single > 0
    airway = oriented_slice(ph.regions["airway"], axes, k)
    assert airway.any()
    assert minip[lung].mean() < single[lung].mean() - 5
    assert minip[airway].mean() <= single[airway].mean()


def test_the_value_under_a_voxel_is_the_projection_there():
    rng = np.random.default_rng(5)
    array = rng.integers(-1000, 1000, (9, 11, 13)).astype(np.int16)
    for view in VIEWS:
        axes = slice_axes(np.eye(3), view)
        for mode in ("mip", "minip", "mean"):
            picture = slab(array, axes, 4, 3.0, 1.0, mode)
            kji = [2, 3, 4]
            kji[axes.normal] = 4
            ids = oriented_slice(np.arange(array.size).reshape(array.shape), axes, 4)
            row, col = np.argwhere(ids == np.ravel_multi_index(kji, array.shape))[0]
            assert slab_value(array, axes.normal, kji, 3.0, 1.0, mode) == \
                pytest.approx(float(picture[row, col]), abs=1e-3)
