"""Issue 20, item 6: how much of a nodule at the pleura the default lung mask holds.

    python benchmarks/nodules_in_lungs.py

Nodules painted into a real chest (lidc-0001-full; tests/helpers/real_lesions.py): solid
ones (40 ± 20 HU) on the right lung's back and side wall at two heights, solid ones on the
left lung's mediastinal surface at four heights, part-solid ones (a solid core at the wall
in ground glass) on the back and side wall.  The truth is the painted ball's part in the
real series' lung.  Prints a Markdown table: the share of each nodule inside labels 1 and 2
of ``segment_lungs`` on the painted copy (the issue's goal: at least 0.95), then, after an
arrow, the share once the nodule is clicked as a one-click lesion, which joins the lung
envelope (``core.lungs.lesion_sides``; "refused" when the lesion tool refuses the click), and
in brackets the mL that adds beyond the nodule.
Reads ../shared/data (or CTVIS_DATA).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ctvis  # noqa: E402
from ctvis.app.lesion import lesion_context  # noqa: E402
from ctvis.core.lesions.grow import LesionError, grow_lesion  # noqa: E402
from ctvis.core.lungs.lesion_sides import lesion_sides  # noqa: E402
from tests.helpers import real_lesions  # noqa: E402
from tests.helpers.shared_data import data_path  # noqa: E402


def _share(truth, labels) -> float:
    return np.count_nonzero(truth & ((labels == 1) | (labels == 2))) / np.count_nonzero(truth)


def held(case) -> str:
    """'before → after (mL beyond)': the share of the case's nodule inside the lungs of its
    painted copy, and once the nodule is clicked as a lesion that joins them."""
    volume, truth, click = case
    context = lesion_context(volume)           # the default lung mask, made once
    labels = context.lungs.copy()
    before = _share(truth, labels)
    try:
        lesion = grow_lesion(volume, click, body=context.body, lungs=context.lungs)
    except LesionError:
        return f"{before:.2f} → refused"
    for side, (box, mask) in lesion_sides(labels, lesion.mask, lesion.region).items():
        labels[box][mask] = side
    beyond = np.count_nonzero(np.isin(labels, (1, 2)) & ~np.isin(context.lungs, (1, 2))
                              & ~truth) * volume.voxel_volume_mm3 / 1000
    return f"{before:.2f} → {_share(truth, labels):.2f} ({beyond:.2f})"


def main() -> None:
    volume = ctvis.load(data_path() / "lidc-0001-full" / "dicom")
    lungs = lesion_context(volume).lungs
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
