"""core.image.colormaps: the tables from resources/ and grey levels to RGB."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.image.colormaps import (apply_colormap, colormap_label, colormap_names,
                                        colormap_table)


def test_the_four_maps_in_menu_order():
    assert colormap_names() == ("grey", "inverted", "hot", "viridis")
    assert colormap_label("inverted") == "Inverted grey"
    for name in colormap_names():
        assert colormap_table(name).shape == (256, 3)


def test_known_grey_levels():
    grey = np.array([[0, 128, 255]], np.uint8)
    np.testing.assert_array_equal(apply_colormap(grey, "grey")[0],
                                  [[0, 0, 0], [128, 128, 128], [255, 255, 255]])
    np.testing.assert_array_equal(apply_colormap(grey, "inverted")[0],
                                  [[255, 255, 255], [127, 127, 127], [0, 0, 0]])
    # hot: black-red → yellow → white (matplotlib's "hot", the seed's heat map)
    np.testing.assert_array_equal(apply_colormap(grey, "hot")[0],
                                  [[11, 0, 0], [255, 92, 0], [255, 255, 255]])
    # viridis: dark purple, teal, yellow
    np.testing.assert_array_equal(apply_colormap(grey, "viridis")[0],
                                  [[68, 1, 84], [33, 145, 140], [253, 231, 37]])


def test_hot_and_viridis_brighten_monotonically():
    for name in ("hot", "viridis"):
        t = colormap_table(name).astype(float)
        luma = t @ [0.299, 0.587, 0.114]
        assert (np.diff(luma) >= -1.0).all() and luma[-1] > luma[0] + 150


def test_unknown_map_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown colour map 'jet'.*grey, inverted"):
        apply_colormap(np.zeros((2, 2), np.uint8), "jet")
