"""The table "Disease painted into a real chest" of docs/lungs.md:

    python benchmarks/painted_disease.py [WORD]     (WORD: only the rows that name it)

lidc-0001-full with each lung's dependent band (tests/helpers/unseen.py: its most posterior
30 % within 30 mm of its edge, over the middle 60 % of the lungs' height) painted as ground
glass, consolidation, fluid or reticulation; one Markdown row each: the share of the band in
the lung mask (held), each lung's Dice and the airway's against the real series' labels, and
what the consolidation-against-the-ribs step added (mL).  Reads ../shared/data (or CTVIS_DATA).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                      # tests.helpers

import ctvis  # noqa: E402
from ctvis.core.lungs import segment_lungs  # noqa: E402
from tests.helpers import unseen  # noqa: E402
from tests.helpers.shared_data import data_path  # noqa: E402


def ground_glass_with_core(volume, labels):
    """The most posterior 40 % (not 30 %) as ground glass, consolidated 12 mm inside."""
    from scipy import ndimage

    band = unseen.dependent_band(volume, labels, quantile=0.6, depth_mm=np.inf,
                                 height=(0.0, 1.0))
    core = ndimage.distance_transform_edt(band, sampling=volume.spacing) > 12.0
    glass = unseen.painted(volume, band & ~core, -550, 30, False)
    return unseen.painted(glass, core, 35, 30, True), band


def main() -> int:
    volume = ctvis.load(data_path() / "lidc-0001-full/dicom")
    labels = segment_lungs(volume, airway=True)
    band = unseen.dependent_band(volume, labels)
    cases = [
        ("ground glass, −550 ± 30 HU", lambda: unseen.painted(volume, band, -550, 30, False)),
        ("consolidation, 35 ± 30 HU", lambda: unseen.painted(volume, band, 35, 30, False)),
        ("consolidation with the bronchi's air kept (air bronchograms)",
         lambda: unseen.painted(volume, band, 35, 30, True)),
        ("fluid (an effusion), 10 ± 10 HU", lambda: unseen.painted(volume, band, 10, 10, False)),
    ]
    for share in (0.3, 0.5, 0.7):
        cases.append((f"reticulation, {share:.0%} of the band dense (20 ± 30 HU, 1.5 mm scale)",
                      lambda share=share: unseen.reticular(volume, band, share)))
    print("| painted | held | Dice R / L / airway against the real lungs "
          "| added against the ribs mL |")
    print("|---|---|---|---|")
    rows = [(name, make, band) for name, make in cases]
    rows.append(("ground glass with a consolidated core 12 mm inside the edge "
                 "(the most posterior 40 %)", None, None))
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, make, region in rows:
        if only not in name:
            continue
        if make is None:
            copy, region = ground_glass_with_core(volume, labels)
        else:
            copy = make()
        info = {}
        got = segment_lungs(copy, airway=True, info=info)
        lungs = (got == 1) | (got == 2)
        held = np.count_nonzero(lungs & region) / np.count_nonzero(region)
        dice = " / ".join(f"{unseen.dice(got == k, labels == k):.3f}" for k in (1, 2, 3))
        added = sum(info.get("costal_ml", {}).values())
        print(f"| {name} | {held:.3f} | {dice} | {added:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
