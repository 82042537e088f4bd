"""One-click lesions painted into a real chest (lidc-0001-full), the tables of
docs/lesions.md: nodules against the mediastinum at four heights, part-solid nodules on the
chest wall clicked in their core, calcified nodules.

    python benchmarks/lesion_sweeps.py

The lesions are those of tests/helpers/real_lesions.py (the tests assert a few of them).
Prints Markdown tables: Dice against the painted ball's part in the lung, mL ours / truth,
the type.  Reads ../shared/data (or CTVIS_DATA).
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


def clicked(case) -> str:
    """'Dice (mL ours / truth, type)' of the lesion at the case's click, or the refusal."""
    volume, truth, click = case
    truth_ml = truth.sum() * volume.voxel_volume_mm3 / 1000
    try:
        result = lesion_at(volume, volume.index_to_patient(np.asarray(click, float)))
    except LesionError:
        return f"refused ({truth_ml:.2f} mL)"
    d = unseen.dice(result.mask(volume.shape), truth)
    return (f"{d:.3f} ({result.measures.volume_ml:.2f} / {truth_ml:.2f} mL, "
            f"{result.measures.type})")


def main() -> None:
    volume = ctvis.load(data_path() / "lidc-0001-full" / "dicom")
    lungs = segment_lungs(volume)
    radii = (5.0, 8.0, 12.0)
    print("Solid nodules on the left lung's most medial voxel (height from the base):\n")
    print("| height | " + " | ".join(f"{r:.0f} mm" for r in radii) + " |")
    print("|---" * (len(radii) + 1) + "|")
    for height in (0.55, 0.45, 0.35, 0.25):
        row = [clicked(real_lesions.mediastinal_nodule(volume, lungs, height, r))
               for r in radii]
        print(f"| {height} | " + " | ".join(row) + " |", flush=True)
    radii = (4.0, 7.0, 12.0)
    print("\nPart-solid nodules on the right lung's chest wall at 40 % of its height, "
          "clicked in the core:\n")
    print("| wall | " + " | ".join(f"{r:.0f} mm" for r in radii) + " |")
    print("|---" * (len(radii) + 1) + "|")
    for where in ("back", "side"):
        row = [clicked(real_lesions.part_solid_on_the_wall(volume, lungs, where, r))
               for r in radii]
        print(f"| {where} | " + " | ".join(row) + " |", flush=True)
    print("\nCalcified nodules deep in the right lung:\n")
    print("| radius | height | Dice (mL ours / truth, type) |")
    print("|---|---|---|")
    for radius, height in ((3.0, 0.6), (4.0, 0.5), (6.0, 0.3)):
        print(f"| {radius:.0f} mm | {height} | "
              f"{clicked(real_lesions.calcified_nodule(volume, lungs, height, radius))} |",
              flush=True)


if __name__ == "__main__":
    main()
