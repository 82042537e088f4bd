"""Pictures of the lung-mask classes found on changed copies of real series (docs/lungs.md,
"Disease painted into a real chest" and "Another part of the chest ..."):

    python benchmarks/lung_found_classes.py [OUT.png]

Six rows, overlay as in lung_figures.py (right lung orange, left blue, airway green,
patient right on the image's left): lungdx-a0001 turned by -10 degrees about the long axis
(yellow: the unturned series' lungs, turned); lidc-0001-full with dependent consolidation
painted along the back of the lungs (yellow: the painted band); pancreas-ct-cb-001's middle
40 %, an abdominal scan holding only the lungs' bases (yellow: the whole series' lungs in
those slices); lidc-0001-full at 0.4 times its size (yellow: the adult's lungs);
pancreas-ct-cb-001 with 30 % of its lungs emphysema and lidc-0001-full with both lungs
denser by up to 330 HU (yellow: the real lungs).  Reads ../shared/data (or CTVIS_DATA);
writes docs/images/lungs-found-classes.png unless told otherwise.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                      # tests.helpers and benchmarks.*

import ctvis  # noqa: E402
from ctvis.core.lungs import segment_lungs  # noqa: E402
from tests.helpers import unseen  # noqa: E402
from tests.helpers.shared_data import data_path  # noqa: E402


def turned(data: Path):
    from scipy import ndimage

    volume = ctvis.load(data / "lungdx-a0001/dicom")
    labels = segment_lungs(volume, airway=True)
    array = ndimage.rotate(volume.array.astype(np.float32), -10.0, axes=(1, 2), reshape=False,
                           order=1, cval=-1024).astype(np.int16)
    expected = ndimage.rotate(labels, -10.0, axes=(1, 2), reshape=False, order=0)
    copy = volume.with_array(array)
    return copy, segment_lungs(copy, airway=True), (expected == 1) | (expected == 2)


def consolidated(data: Path):
    volume = ctvis.load(data / "lidc-0001-full/dicom")
    band = unseen.dependent_band(volume, segment_lungs(volume, airway=True))
    copy = unseen.painted(volume, band, 35, 30, True)
    return copy, segment_lungs(copy, airway=True), band


def bases_only(data: Path):
    volume = ctvis.load(data / "pancreas-ct-cb-001/dicom")
    labels = segment_lungs(volume, airway=True)
    s = unseen.chest_part(volume, "middle")
    copy = volume.crop((s.start, 0, 0), (s.stop,) + volume.shape[1:])
    return copy, segment_lungs(copy, airway=True), (labels[s] == 1) | (labels[s] == 2)


def child(data: Path):
    from ctvis.core.volume import Volume

    volume = ctvis.load(data / "lidc-0001-full/dicom")
    labels = segment_lungs(volume, airway=True)
    copy = Volume(volume.array, spacing=tuple(0.4 * s for s in volume.spacing),
                  origin=volume.origin, direction=volume.direction, meta=dict(volume.meta))
    return copy, segment_lungs(copy, airway=True), (labels == 1) | (labels == 2)


def emphysema_apart(data: Path):
    volume = ctvis.load(data / "pancreas-ct-cb-001/dicom")
    lungs = np.isin(segment_lungs(volume, airway=True), (1, 2))
    copy = unseen.emphysematous(volume, lungs, 0.3)
    return copy, segment_lungs(copy, airway=True), lungs


def denser(data: Path):
    volume = ctvis.load(data / "lidc-0001-full/dicom")
    lungs = np.isin(segment_lungs(volume, airway=True), (1, 2))
    copy = unseen.denser(volume, lungs, 330)
    return copy, segment_lungs(copy, airway=True), lungs


def main(argv=None) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.lung_figures import panel

    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "docs/images/lungs-found-classes.png"
    data = data_path()
    rows = [("lungdx-a0001 turned by −10°: nothing added under the bases", turned, ""),
            ("lidc-0001-full, dependent consolidation painted (yellow): lung",
             consolidated, ""),
            ("pancreas-ct-cb-001 middle 40 %: the lung bases, the colon left out",
             bases_only, ""),
            ("lidc-0001-full × 0.4 (an infant's size): bases and trachea kept", child,
             " (yellow: the adult's lungs)"),
            ("pancreas-ct-cb-001, 30 % of its lungs emphysema: both lungs",
             emphysema_apart, " (yellow: the real lungs)"),
            ("lidc-0001-full, both lungs 330 HU denser (median −544 HU): both lungs",
             denser, " (yellow: the real lungs)")]
    fig, axes = plt.subplots(len(rows), 2, figsize=(10, 5 * len(rows)))
    for (title, make, note), (ax_k, ax_j) in zip(rows, axes):
        volume, labels, outline = make(data)
        lung = (labels == 1) | (labels == 2)
        # The slice and the coronal plane where the mask and the outline differ most; for
        # the painted band (it lies inside the lungs) and the lungs found whole, where most
        # of the outline lies.
        whole = (consolidated, child, emphysema_apart, denser)
        differ = outline if make in whole else lung != outline
        k = int(np.argmax(differ.sum(axis=(1, 2))))
        j = int(np.argmax(differ.sum(axis=(0, 2))))
        panel(ax_k, volume, labels, "k", k, outline, f"{title}\naxial {k}")
        panel(ax_j, volume, labels, "j", j, outline, f"coronal {j}{note}")
    fig.tight_layout()
    fig.savefig(out, dpi=60)
    plt.close(fig)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
