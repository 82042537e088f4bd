"""Issue 20, item 6: how much of a nodule at the pleura the default lung mask holds.

    python benchmarks/nodules_in_lungs.py

Nodules painted into a real chest (lidc-0001-full; tests/helpers/real_lesions.py): solid
ones (40 ± 20 HU) on the right lung's back and side wall at two heights, solid ones on the
left lung's mediastinal surface at four heights, part-solid ones (a solid core at the wall
in ground glass) on the back and side wall.  The truth is the painted ball's part in the
real series' lung.  Prints a Markdown table: the share of each nodule inside labels 1 and 2
of ``segment_lungs`` on the painted copy (the issue's goal: at least 0.95).
Reads ../shared/data (or CTVIS_DATA).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ctvis  # noqa: E402
from ctvis.core.lungs import segment_lungs  # noqa: E402
from tests.helpers import real_lesions  # noqa: E402


def data_dir() -> Path:
    env = os.environ.get("CTVIS_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def held(case) -> str:
    """The share of the case's nodule inside the lungs of its painted copy."""
    volume, truth, _ = case
    labels = segment_lungs(volume)
    inside = np.count_nonzero(truth & ((labels == 1) | (labels == 2)))
    return f"{inside / np.count_nonzero(truth):.2f}"


def main() -> None:
    volume = ctvis.load(data_dir() / "lidc-0001-full" / "dicom")
    lungs = segment_lungs(volume)
    radii = (3.0, 5.0, 8.0, 12.0)
    print("| nodule (height: share of the lung's height from its base) | "
          + " | ".join(f"{r:.0f} mm" for r in radii) + " |")
    print("|---" * (len(radii) + 1) + "|")
    rows = [(f"solid, right lung's back wall, {h}",
             lambda r, h=h: real_lesions.wall_nodule(volume, lungs, "back", r, h))
            for h in (0.3, 0.6)]
    rows += [(f"solid, right lung's side wall, {h}",
              lambda r, h=h: real_lesions.wall_nodule(volume, lungs, "side", r, h))
             for h in (0.3, 0.6)]
    rows += [(f"solid, left lung's mediastinal surface, {h}",
              lambda r, h=h: real_lesions.mediastinal_nodule(volume, lungs, h, r))
             for h in (0.55, 0.45, 0.35, 0.25)]
    rows += [(f"part-solid (core of half the radius), right lung's {where} wall, 0.4",
              lambda r, where=where: real_lesions.part_solid_on_the_wall(volume, lungs,
                                                                         where, r))
             for where in ("back", "side")]
    for name, case in rows:
        print(f"| {name} | " + " | ".join(held(case(r)) for r in radii) + " |", flush=True)


if __name__ == "__main__":
    main()
