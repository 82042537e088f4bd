"""One click on small solid nodules painted at random places in a real chest's lungs
(lidc-0001-full), where vessels run beside them as they do beside real ones: the screening
regime (nodules of 4–8 mm), docs/lesions.md "Small nodules beside vessels".

    python benchmarks/small_nodules.py [RADIUS_MM ...]      # default: 2 3 4

Prints per nodule the Dice against the painted ball, mL ours / truth, the type and the long
axis, then per radius the median Dice and how many fell below 0.7.  Reads ../shared/data
(or CTVIS_DATA).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ctvis  # noqa: E402
from ctvis.app.lesion import lesion_at  # noqa: E402
from ctvis.core.lesions.grow import LesionError  # noqa: E402
from ctvis.core.lungs import segment_lungs  # noqa: E402
from tests.helpers import real_lesions, unseen  # noqa: E402
from tests.helpers.shared_data import data_path  # noqa: E402


def main(radii) -> None:
    volume = ctvis.load(data_path() / "lidc-0001-full" / "dicom")
    lungs = segment_lungs(volume)
    for radius in radii:
        print(f"\nSolid nodules of {2 * radius:g} mm, 12 random places:\n")
        print("| centre (k, j, i) | Dice | mL ours / truth | type | long axis mm |")
        print("|---|---|---|---|---|")
        dice = []
        for painted, truth, click, centre in real_lesions.small_nodules(volume, lungs, radius):
            truth_ml = truth.sum() * volume.voxel_volume_mm3 / 1000
            try:
                result = lesion_at(painted, painted.index_to_patient(np.asarray(click, float)))
            except LesionError as error:
                dice.append(0.0)
                print(f"| {centre} | refused | – / {truth_ml:.3f} | {error} | |", flush=True)
                continue
            d = unseen.dice(result.mask(volume.shape), truth)
            dice.append(d)
            m = result.measures
            print(f"| {centre} | {d:.3f} | {m.volume_ml:.3f} / {truth_ml:.3f} | {m.type} | "
                  f"{m.long_axis_mm:.1f} |", flush=True)
        print(f"\nmedian Dice {np.median(dice):.3f}; below 0.7: "
              f"{sum(d < 0.7 for d in dice)} of {len(dice)}")


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [2.0, 3.0, 4.0])
