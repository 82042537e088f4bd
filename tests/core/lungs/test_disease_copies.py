"""A real chest with disease painted into its lungs: ground glass and dependent
consolidation (pneumonia, COVID-19, ARDS: the posterior lung denser than the rest, along
the chest wall, over much of the lungs' height).  The lungs of the painted copy are
compared with the lungs of the real series, and the painted region must be lung."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import ctvis
from ctvis.core.lungs import segment_lungs
from tests.helpers.unseen import assert_lungs_agree

# lidc-0001-full segmented three times (about 20 s): ./dev test runs them.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chest(data_dir):
    volume = ctvis.load(data_dir / "lidc-0001-full/dicom")
    return volume, segment_lungs(volume, airway=True)


def _dependent_band(volume, labels) -> np.ndarray:
    """In each lung: its most posterior 30 % (patient y), within 30 mm of its edge, over
    the middle 60 % of the lungs' height — the lung a dependent process fills first."""
    lungs = (labels == 1) | (labels == 2)
    depth = ndimage.distance_transform_edt(lungs, sampling=volume.spacing)
    y = volume.index_to_patient(np.stack([np.zeros(volume.shape[1]),
                                          np.arange(volume.shape[1]),
                                          np.zeros(volume.shape[1])], axis=1))[:, 1]
    y = np.broadcast_to(y[None, :, None], lungs.shape)
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    height = np.zeros(lungs.shape[0], bool)
    height[ks[0] + int(0.1 * len(ks)):ks[0] + int(0.7 * len(ks))] = True
    band = np.zeros_like(lungs)
    for side in (1, 2):
        lung = labels == side
        back = np.quantile(y[lung], 0.7)                 # LPS: +y is posterior
        band |= lung & (y >= back) & (depth <= 30.0) & height[:, None, None]
    return band


def _painted(volume, band, hu: float, sd: float, keep_air: bool):
    rng = np.random.default_rng(0)
    array = volume.array.copy()
    array[band] = np.clip(hu + rng.normal(0, sd, int(band.sum())), -1024, 3000)
    if keep_air:                          # the bronchi's air stays: air bronchograms
        air = band & (volume.array < -930)
        array[air] = volume.array[air]
    return volume.with_array(array)


def test_ground_glass_along_the_back_of_the_lungs_is_lung(chest):
    """Ground glass (-550 HU) over a dependent band of 917 mL: all of it is lung, and the
    lungs are the real series' lungs (measured 1.000 held, Dice 0.998 / 0.998)."""
    volume, labels = chest
    band = _dependent_band(volume, labels)
    got = segment_lungs(_painted(volume, band, -550, 30, False), airway=True)
    lungs = (got == 1) | (got == 2)
    assert np.count_nonzero(lungs & band) >= 0.98 * np.count_nonzero(band)
    assert_lungs_agree(got, labels, 0.99)


@pytest.mark.xfail(strict=True, reason="issue 20: dependent consolidation along the chest "
                   "wall over much of the lungs' height is left out of the lung mask")
def test_dependent_consolidation_along_the_back_of_the_lungs_is_lung(chest):
    """The same band consolidated (35 HU, the bronchi's air kept): 2 % of it is in the
    lung mask (Dice 0.85 / 0.86 against the real lungs), and 74 mL under the right dome
    comes in as an airless base.  The envelope's steps fill masses with lung above and
    below (at most 65 mm) or against a mass found so; the airless-bases step looks at the
    floor only; a band along the whole back of the lungs is neither (docs/lungs.md)."""
    volume, labels = chest
    band = _dependent_band(volume, labels)
    got = segment_lungs(_painted(volume, band, 35, 30, True), airway=True)
    lungs = (got == 1) | (got == 2)
    assert np.count_nonzero(lungs & band) >= 0.9 * np.count_nonzero(band)
    assert_lungs_agree(got, labels, 0.97)
