"""render.slices with slabs and colour maps, and the headless pictures' colour bar."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.colormaps import colormap_table
from ctvis.core.volume import Volume
from ctvis.model.state import Overlay, ViewerState, Window
from ctvis.render.pictures import slice_picture
from ctvis.render.slices import colorbar_labels, colorbar_rgb, slice_rgb, state_slice_rgb
from tests.helpers.pictures import picture_path


def stripes() -> Volume:
    """A bright dot on slice 5 only and a dark dot on slice 3 only, 2 mm slices."""
    array = np.zeros((10, 8, 8), np.int16)
    array[5, 2, 2] = 800
    array[3, 6, 6] = -900
    return Volume(array, spacing=(2.0, 1.0, 1.0))


def test_defaults_are_the_single_slice_and_slabs_project():
    vol = stripes()
    window = Window(0, 2000)
    single = slice_rgb(vol, "axial", 4, window)
    np.testing.assert_array_equal(single, slice_rgb(vol, "axial", 4, window, slab_mm=0.0,
                                                    slab_mode="mip", colormap="grey"))
    assert single[2, 2, 0] == single[6, 6, 0] == 128
    mip = slice_rgb(vol, "axial", 4, window, slab_mm=6)         # slices 3..5
    minip = slice_rgb(vol, "axial", 4, window, slab_mm=6, slab_mode="minip")
    mean = slice_rgb(vol, "axial", 4, window, slab_mm=6, slab_mode="mean")
    assert mip[2, 2, 0] > 200 and mip[6, 6, 0] == 128           # the bright dot, not the dark
    assert minip[6, 6, 0] < 20 and minip[2, 2, 0] == 128
    assert 128 < mean[2, 2, 0] < mip[2, 2, 0] and minip[6, 6, 0] < mean[6, 6, 0] < 128
    assert (mip.astype(int) >= single).all() and (single.astype(int) >= minip).all()
    thin = slice_rgb(vol, "axial", 4, window, slab_mm=2)        # one plane: the slice
    np.testing.assert_array_equal(thin, single)


def test_colormap_pixels_and_overlays_stay_on_the_centre_slice():
    vol = stripes()
    labels = np.zeros(vol.shape, np.uint8)
    labels[5, 4, 4] = 1                                  # labelled on slice 5 only
    overlay = Overlay(labels=labels, opacity=1.0)
    rgb = slice_rgb(vol, "axial", 4, Window(0, 2000), [overlay], slab_mm=6, colormap="hot")
    np.testing.assert_array_equal(rgb[0, 0], colormap_table("hot")[128])
    np.testing.assert_array_equal(rgb[4, 4], colormap_table("hot")[128])   # not labelled
    at5 = slice_rgb(vol, "axial", 5, Window(0, 2000), [overlay], colormap="hot")
    assert tuple(at5[4, 4]) == overlay.color_of(1)


def test_state_pictures_use_the_views_settings_and_draw_a_colour_bar():
    state = ViewerState()
    vol = stripes()
    state.volume = Volume(np.repeat(np.repeat(vol.array, 8, 1), 8, 2), spacing=(2.0, 1.0, 1.0))
    state.window = Window(0, 2000)
    state.set_slice_index("axial", 4)
    plain = slice_picture(state, "axial", scale=4)
    state.set_view_display("axial", slab_mm=6, colormap="viridis")
    np.testing.assert_array_equal(
        state_slice_rgb(state, "axial"),
        slice_rgb(state.volume, "axial", 4, state.window, slab_mm=6, colormap="viridis"))
    picture = slice_picture(state, "axial", scale=4)
    from PIL import Image
    Image.fromarray(picture).save(picture_path("slabs_headless_viridis.png"))
    assert picture.shape == plain.shape
    # the bar's column: the map's top colour near its top, its bottom colour near the bottom
    h, w = picture.shape[:2]
    bar = colorbar_rgb("viridis", 100, 3)
    top, bottom = picture[int(h * 0.12) + 1], picture[int(h * 0.12) + max(20, int(h * 0.3)) - 2]
    assert (np.abs(top.astype(int) - bar[0, 0]).sum(axis=1) < 20).any()
    assert (np.abs(bottom.astype(int) - bar[-1, 0]).sum(axis=1) < 20).any()
    assert not (np.abs(plain[int(h * 0.12) + 1].astype(int) - bar[0, 0]).sum(axis=1) < 20).any()
    assert colorbar_labels(state.window) == ("1000 HU", "-1000 HU")


def test_colour_bar_runs_from_the_top_of_the_map():
    bar = colorbar_rgb("hot", 256, 4)
    assert bar.shape == (256, 4, 3)
    np.testing.assert_array_equal(bar[0, 0], colormap_table("hot")[255])
    np.testing.assert_array_equal(bar[-1, 0], colormap_table("hot")[0])


@pytest.mark.parametrize("view", ["coronal", "sagittal"])
def test_slabs_in_the_other_views_cover_mm_along_their_normal(view):
    vol = Volume(np.zeros((6, 20, 30), np.int16), spacing=(3.0, 0.5, 0.8))
    vol.array[:, 12, 17] = 500                             # a line along z at (y 12, x 17)
    state = ViewerState()
    state.volume = vol
    idx = {"coronal": 10, "sagittal": 15}[view]             # 2 mm (4 / 2.5 planes) away
    state.set_slice_index(view, idx)
    state.window = Window(0, 1000)
    assert state_slice_rgb(state, view).max() == 128
    state.set_view_display(view, slab_mm=5)
    assert state_slice_rgb(state, view).max() == 255
