"""A real chest with disease painted into its lungs: ground glass, reticulation and dependent
consolidation (pneumonia, COVID-19, ARDS: the posterior lung denser than the rest, along
the chest wall, over much of the lungs' height).  The lungs of the painted copy are
compared with the lungs of the real series, and the painted region must be lung."""
from __future__ import annotations

import numpy as np
import pytest

import ctvis
from ctvis.core.lungs import segment_lungs
from tests.helpers import unseen
from tests.helpers.unseen import assert_lungs_agree

# lidc-0001-full segmented three times (about 20 s): ./dev test runs them.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chest(data_dir):
    volume = ctvis.load(data_dir / "lidc-0001-full/dicom")
    return volume, segment_lungs(volume, airway=True)


def test_ground_glass_along_the_back_of_the_lungs_is_lung(chest):
    """Ground glass (-550 HU) over a dependent band of 917 mL: all of it is lung, and the
    lungs are the real series' lungs (measured 1.000 held, Dice 0.998 / 0.998)."""
    volume, labels = chest
    band = unseen.dependent_band(volume, labels)
    got = segment_lungs(unseen.painted(volume, band, -550, 30, False), airway=True)
    lungs = (got == 1) | (got == 2)
    assert np.count_nonzero(lungs & band) >= 0.98 * np.count_nonzero(band)
    assert_lungs_agree(got, labels, 0.99)


def test_reticulation_along_the_back_of_the_lungs_is_lung(chest):
    """Half of the same band made dense in strands and cysts about 1.5 mm across
    (fibrosis, honeycombing): the lung's own air among them keeps the band in (measured
    0.938 held, Dice 0.987 / 0.983; docs/lungs.md has the other scales and shares)."""
    volume, labels = chest
    band = unseen.dependent_band(volume, labels)
    got = segment_lungs(unseen.reticular(volume, band, 0.5), airway=True)
    lungs = (got == 1) | (got == 2)
    assert np.count_nonzero(lungs & band) >= 0.9 * np.count_nonzero(band)
    assert_lungs_agree(got, labels, 0.975)


@pytest.mark.xfail(strict=True, reason="issue 20: dependent consolidation along the chest "
                   "wall over much of the lungs' height is left out of the lung mask")
def test_dependent_consolidation_along_the_back_of_the_lungs_is_lung(chest):
    """The same band consolidated (35 HU, the bronchi's air kept): 1 % of it is in the
    lung mask (Dice 0.86 / 0.86 against the real lungs; before an airless base had to reach
    the lung's outline, 74 mL of liver under the right dome came in with it).  The envelope's steps fill masses with lung above and
    below (at most 65 mm) or against a mass found so; the airless-bases step looks at the
    floor only; a band along the whole back of the lungs is neither (docs/lungs.md)."""
    volume, labels = chest
    band = unseen.dependent_band(volume, labels)
    got = segment_lungs(unseen.painted(volume, band, 35, 30, True), airway=True)
    lungs = (got == 1) | (got == 2)
    assert np.count_nonzero(lungs & band) >= 0.9 * np.count_nonzero(band)
    assert_lungs_agree(got, labels, 0.97)
