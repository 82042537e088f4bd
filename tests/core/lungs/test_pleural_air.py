"""Air in the pleural space is told from lung that is air too (ctvis.core.lungs.pleural_air)."""
from __future__ import annotations

import numpy as np

from ctvis.core.lungs.pleural_air import pleural_air, remove_pleural_air

SPACING = (2.0, 1.0, 1.0)


def _lung(shape=(60, 140, 140)):
    """A box of lung (-850 +/- 30 HU) labelled 1, in a wall of tissue 10 voxels thick."""
    rng = np.random.default_rng(0)
    hu = np.full(shape, 40.0) + rng.normal(0, 10, shape)
    labels = np.zeros(shape, np.uint8)
    inside = (slice(5, -5), slice(10, -10), slice(10, -10))
    hu[inside] = -850 + rng.normal(0, 30, hu[inside].shape)
    labels[inside] = 1
    return hu, labels


def _air(hu, where, rng=np.random.default_rng(1)):
    hu[where] = -1000 + rng.normal(0, 10, np.count_nonzero(where))


def test_a_layer_of_air_along_the_wall_is_pleural_air():
    hu, labels = _lung()
    layer = np.zeros(labels.shape, bool)
    layer[5:-5, 10:20, 10:-10] = True                 # 10 mm deep along the front
    _air(hu, layer)
    hu[5:-5, 20, 10:-10] = -300                       # the visceral pleura
    removed = remove_pleural_air(labels, hu, SPACING)
    assert set(removed) == {1}
    assert removed[1] == np.count_nonzero(layer & (labels == 0)) * 2.0 / 1000
    assert np.count_nonzero(labels[layer] == 0) >= 0.95 * np.count_nonzero(layer)
    assert np.count_nonzero((labels == 0)[5:-5, 21:-10, 10:-10]) == 0    # the lung stays


def test_a_round_bulla_at_the_wall_is_lung():
    hu, labels = _lung()
    z, y, x = np.indices(labels.shape)
    bulla = (((z - 30) * 2.0) ** 2 + (y - 40) ** 2 + (x - 70) ** 2 <= 30 ** 2) & (labels == 1)
    _air(hu, bulla)                                   # 30 mm radius, against the front wall
    assert pleural_air(labels, hu, SPACING) == {}


def test_air_holes_all_through_the_lung_are_lung():
    """Emphysema's holes: pure air in blobs all through the lung, not a layer at its edge."""
    from scipy import ndimage
    hu, labels = _lung()
    rng = np.random.default_rng(2)
    field = ndimage.gaussian_filter(rng.normal(0, 1, labels.shape), (2, 4, 4))
    holes = (labels == 1) & (field >= np.quantile(field[labels == 1], 0.6))
    _air(hu, holes)
    assert pleural_air(labels, hu, SPACING) == {}
