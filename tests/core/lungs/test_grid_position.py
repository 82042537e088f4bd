"""The airway follows the image, not the coarse grid: the same chest moved by a pixel or two
in the image (or stored mirrored, as a feet-first series is) gives the same trachea and main
bronchi, and the airway is their lumen, not the lung beside them (also in emphysematous
lungs, hardly brighter than the lumen).

Before, the airway was followed on the coarse grid only (about 3 mm), where the airway's
wall (1–3 mm) shows or not depending on where its samples fall: on lungdx-a0001 moved by
one to three pixels the airway's Dice against the unmoved one was 0.47–0.87 (it took in up
to 80 mL of the right lung beside the trachea, in coarse blocks), and on pancreas-ct-cb-001
and one lidc slab the trachea was found or not (Dice 0).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import ctvis
from ctvis.core.lungs import segment_lungs
from ctvis.core.volume import Volume
from tests.helpers import unseen
from tests.helpers.unseen import dice

# Each series segmented six times (about 40 s in all): ./dev test runs them.
pytestmark = pytest.mark.slow

SERIES = ["lungdx-a0001/dicom", "pancreas-ct-cb-001/dicom", "lidc-slabs/LIDC-IDRI-0002",
          "lidc-0001-full/dicom"]
MOVES = [(0, 1), (1, 0), (2, 2), (0, 2)]
AIRWAY = 3


def _moved(volume, dy: int, dx: int) -> Volume:
    """The same patient, its image starting ``dy`` rows and ``dx`` columns later."""
    return Volume(np.ascontiguousarray(volume.array[:, dy:, dx:]), spacing=volume.spacing,
                  origin=tuple(volume.index_to_patient([0, dy, dx])),
                  direction=volume.direction)


@pytest.fixture(scope="module", params=SERIES)
def series(request, data_dir):
    """(name, volume, labels, labels of a transform: a function of the transform's name,
    each segmented once)."""
    volume = ctvis.load(data_dir / request.param)
    done: dict = {}

    def moved(how):
        if how not in done:
            if how == "mirrored":
                mirrored = unseen.stored_reversed(volume, (2,))
                done[how] = segment_lungs(mirrored, airway=True)[:, :, ::-1]
            else:
                dy, dx = how
                done[how] = segment_lungs(_moved(volume, dy, dx), airway=True)
        return done[how]
    return request.param, volume, segment_lungs(volume, airway=True), moved


def _unmoved(labels, how):
    return labels if how == "mirrored" else labels[:, how[0]:, how[1]:]


def test_airway_found(series):
    name, volume, labels, _ = series
    assert np.count_nonzero(labels == AIRWAY) * volume.voxel_volume_mm3 / 1000 > 1.0, name


@pytest.mark.parametrize("how", MOVES + ["mirrored"])
def test_airway_the_same_when_the_patient_lies_aside_or_is_stored_mirrored(series, how):
    name, _, labels, moved = series
    d = dice(moved(how) == AIRWAY, _unmoved(labels, how) == AIRWAY)
    assert d >= 0.93, f"{name} {how}: airway Dice {d:.3f}"


# Measured and known (docs/lungs.md, "The patient a pixel aside"): lungdx-a0001's left hilar
# mass is taken in or not at column moves (its thickness on the coarse grid against the
# 12 mm a gap region near the hilum must reach): in at the (0, 1) move and mirrored since
# the coarse grid's air is joined only where the full-resolution image joins it (out
# there before), out at two and three columns.  lidc-0001-full's liver wedge under the
# right dome, which came in at the (1, 0) move (its HU is the liver's within 2 HU), stays
# out since an airless base must reach the lung's outline.
GRID_BOUND = {("lungdx-a0001/dicom", (0, 2))}


@pytest.mark.parametrize("how", MOVES + ["mirrored"])
def test_lungs_the_same_when_the_patient_lies_aside_or_is_stored_mirrored(series, how,
                                                                          request):
    name, _, labels, moved = series
    if (name, how) in GRID_BOUND:
        request.applymarker(pytest.mark.xfail(strict=True, reason="a decision on the grid"))
    for side in (1, 2):
        d = dice(moved(how) == side, _unmoved(labels, how) == side)
        assert d >= 0.99, f"{name} {how}: lung {side} Dice {d:.3f}"


def test_airway_is_the_lumen_not_the_lung_beside_it(series):
    """The airway's wall lies between its lumen and the lung: hardly any airway voxel
    touches a lung voxel in its slice (before: 7 % on lungdx-a0001, where the airway took
    in the lung beside the trachea)."""
    name, volume, labels, _ = series
    airway = labels == AIRWAY
    lung = (labels == 1) | (labels == 2)
    plane = np.zeros((3, 3, 3), bool)
    plane[1] = ndimage.generate_binary_structure(2, 1)
    touching = airway & ndimage.binary_dilation(lung, structure=plane)
    share = np.count_nonzero(touching) / max(np.count_nonzero(airway), 1)
    assert share <= 0.02, f"{name}: {share:.1%} of the airway touches the lung"


def test_airway_kept_when_the_lungs_are_emphysematous(data_dir):
    """lidc-0001-full with its lungs' air made emphysematous (halfway to −1000 HU: median
    −938 HU): the lumen is hardly darker than the parenchyma, and only its wall tells them
    apart.  Before, the lumen's level was kept 50 HU below the parenchyma, so near −990 HU,
    and the lumen found there was a fragment: the airway stopped at the carina (Dice
    0.60-0.67 against the unchanged scan's)."""
    volume = ctvis.load(data_dir / "lidc-0001-full/dicom")
    labels = segment_lungs(volume, airway=True)
    lung = (labels == 1) | (labels == 2)
    array = volume.array.astype(np.float32)
    air = lung & (array < -500)
    array[air] = -1000 + (array[air] + 1000) * 0.5
    darker = segment_lungs(volume.with_array(array.astype(np.int16)), airway=True)
    assert np.median(array[air]) < -930
    d = dice(darker == AIRWAY, labels == AIRWAY)
    assert d >= 0.9, f"airway Dice {d:.3f} in emphysematous lungs"
