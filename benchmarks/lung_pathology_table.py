"""Measure segment_lungs on every pathology phantom; prints the table of docs/lungs.md.

    python benchmarks/lung_pathology_table.py

Per case: Dice of each lung against the phantom's truth, the share of the trachea and main
bronchi labelled lung, the share of the pathology inside the default mask and inside
``aerated=True``, the share of the heart and the liver dome inside, and the warnings.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.lungs import lung_warnings, segment_lungs
from ctvis.core.phantom import make_phantom
from ctvis.core.phantom_pathology import PATHOLOGIES

SHAPE = (80, 160, 160)
NECK = dict(shape=(100, 160, 160), spacing=(4.0, 350 / 160, 350 / 160))
REGION = {"blocked_bronchus": "plug"}          # the region that shows the case


def dice(a, b) -> float:
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def pct(mask, region) -> str:
    return f"{100.0 * np.count_nonzero(mask & region) / max(int(region.sum()), 1):.2f} %"


def main() -> int:
    print("| phantom (80×160², 3.75×2.19 mm) | Dice right / left | trachea + main bronchi "
          "labelled lung | pathology in default mask / in `--aerated` | heart / liver dome "
          "inside | warnings |")
    print("|---|---|---|---|---|---|")
    for case in ("none",) + PATHOLOGIES:
        names = () if case == "none" else (case,)
        ph = make_phantom(pathology=names, **(NECK if case == "neck" else dict(shape=SHAPE)))
        info: dict = {}
        labels = segment_lungs(ph.volume, info=info)
        lung = (labels == 1) | (labels == 2)
        regions = ph.regions
        shown = regions.get(REGION.get(case, case))
        path = "–"
        if shown is not None:
            aerated = segment_lungs(ph.volume, aerated=True) > 0
            path = f"{pct(lung, shown)} / {pct(aerated, shown)}"
        warnings = "; ".join(lung_warnings(ph.volume, labels, info)) or "–"
        print(f"| {case} | {dice(labels == 1, ph.lungs == 1):.3f} / "
              f"{dice(labels == 2, ph.lungs == 2):.3f} | {pct(lung, regions['airway'])} | "
              f"{path} | {pct(lung, regions['heart'])} / {pct(lung, regions['liver_dome'])} | "
              f"{warnings} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
