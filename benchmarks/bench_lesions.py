"""Issue 22: one-click lesions against voxel outlines, and their time.

    python benchmarks/bench_lesions.py

For every nodule of lidc-0001-full outlined by at least two LIDC readers: Dice of the
one-click lesion (clicked at the consensus voxel farthest from its border) against the
readers' consensus, beside the readers' own mean pairwise Dice; the IBSI tumour's GTV
(ibsi-nsclc) likewise; the phantom lesions of tests/helpers/lesion_phantoms.py against their
true spheres.  Also: the spread of Dice over 8 clicks anywhere in each lesion's inner half,
and the seconds per lesion (the body and lung masks made once per volume, as the window
does: ``ctvis.app.lesion.lesion_context``).
Reads ../shared/data (or CTVIS_DATA).
"""
from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ctvis  # noqa: E402
from ctvis.app.lesion import lesion_context  # noqa: E402
from ctvis.core.io.dispatch import read_mask  # noqa: E402
from ctvis.core.lesions.grow import LesionError, grow_lesion  # noqa: E402
from ctvis.core.lesions.measure import measure_lesion  # noqa: E402
from tests.helpers import unseen  # noqa: E402
from tests.helpers.lesion_phantoms import lesion_cases  # noqa: E402
from tests.helpers.shared_data import data_path  # noqa: E402


def deepest(truth, spacing):
    d = ndimage.distance_transform_edt(truth, sampling=spacing)
    return tuple(int(v) for v in np.unravel_index(np.argmax(d), d.shape)), d


def grow(volume, click, context):
    return grow_lesion(volume, click, body=context.body, lungs=context.lungs)


def row(name, volume, truth, click, context, readers="–"):
    t0 = time.perf_counter()
    try:
        mask = grow(volume, click, context).full(volume.shape)
    except LesionError as exc:
        return f"| {name} | – | {readers} | – | – | – | {exc} |"
    seconds = time.perf_counter() - t0
    d = unseen.dice(mask, truth)
    _, depth = deepest(truth, volume.spacing)
    inner = np.argwhere(depth >= depth.max() / 2)
    rng = np.random.default_rng(0)
    spread = []
    for p in inner[rng.choice(len(inner), size=min(8, len(inner)), replace=False)]:
        try:
            spread.append(unseen.dice(grow(volume, tuple(p), context)
                                      .full(volume.shape), truth))
        except LesionError:
            spread.append(0.0)
    m = measure_lesion(volume, mask)
    ml = float(truth.sum()) * volume.voxel_volume_mm3 / 1000
    return (f"| {name} | **{d:.3f}** | {readers} | {min(spread):.3f}–{max(spread):.3f} | "
            f"{m.volume_ml:.2f} / {ml:.2f} | {m.type}, {m.long_axis_mm:.1f} × "
            f"{m.short_axis_mm:.1f} mm | {seconds:.2f} s |")


def main() -> int:
    data = data_path()
    print("| lesion | Dice | readers' mean pairwise Dice | Dice over 8 inner-half clicks | "
          "mL ours / truth | type, long × short axis | time |")
    print("|---|---|---|---|---|---|---|")
    folder = data / "lidc-0001-full"
    volume = ctvis.load(folder / "dicom")
    context = lesion_context(volume)
    marks = unseen._lidc_reader_nodules(volume, folder / "069.xml", folder / "dicom")
    for n, truth in enumerate(unseen.lidc_consensus(volume, folder / "069.xml",
                                                    folder / "dicom")):
        mine = [m for _, m in marks if (m & truth).any()]
        if len(mine) < 2:
            continue
        pair = np.mean([unseen.dice(a, b) for a, b in itertools.combinations(mine, 2)])
        print(row(f"lidc-0001-full nodule {n + 1} ({len(mine)} readers)", volume, truth,
                  deepest(truth, volume.spacing)[0], context, f"{pair:.3f}"))
    volume = ctvis.load(data / "ibsi-nsclc/dicom/image")
    gtv = read_mask(data / "ibsi-nsclc/nifti/mask/mask.nii.gz", like=volume).array > 0
    print(row("ibsi-nsclc GTV", volume, gtv, deepest(gtv, volume.spacing)[0],
              lesion_context(volume)))
    for name, volume, truth, click in lesion_cases():
        print(row(f"phantom {name}", volume, truth, click, lesion_context(volume)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
