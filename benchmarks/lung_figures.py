"""Pictures of the lung segmentation's hard cases for docs/lungs.md (axial and coronal, overlay).

    python benchmarks/lung_figures.py [OUT_DIR]        # default docs/images

Phantom cases are generated; ``lungdx-a0001`` is read from ../shared/data (or CTVIS_DATA) and
skipped when absent.  Overlay: right lung orange, left lung blue, airway (label 3) green;
yellow: the true region of the pathology (phantom) or the tumour's boxes (lungdx).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ctvis.core.image.slicing import oriented_slice, slice_axes  # noqa: E402
from ctvis.core.labels import AIRWAY, LEFT_LUNG, RIGHT_LUNG  # noqa: E402
from ctvis.core.lungs import segment_lungs  # noqa: E402
from ctvis.core.phantom import make_phantom  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COLOURS = np.zeros((4, 4))
for label in (RIGHT_LUNG, LEFT_LUNG, AIRWAY):
    COLOURS[label.value] = [*(c / 255 for c in label.color), 0.45]


def panel(ax, volume, labels, kind, index, outline=None, title=""):
    """One axial (kind "k") or coronal ("j") view, patient right on the image's left,
    oriented from the volume's direction as the viewer does (a NIfTI's rows and columns may
    run the other way)."""
    axes = slice_axes(volume.direction, "axial" if kind == "k" else "coronal")
    img, lab = (oriented_slice(a, axes, index) for a in (volume.array, labels))
    out = None if outline is None else oriented_slice(outline, axes, index)
    aspect = volume.spacing[axes.rows] / volume.spacing[axes.cols]
    ax.imshow(np.clip(img, -1000, 300), cmap="gray", aspect=aspect, interpolation="nearest")
    ax.imshow(COLOURS[lab], aspect=aspect, interpolation="nearest")
    if out is not None and out.any():
        ax.contour(out, [0.5], colors="yellow", linewidths=0.8)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
    print(f"wrote {path}")


def phantom_cases(out: Path):
    cases = [("mass + juxta-pleural nodule", ("mass", "nodule"), ("mass", "nodule")),
             ("effusion (left base)", ("effusion",), ("effusion",)),
             ("consolidated right base", ("consolidation",), ("consolidation",)),
             ("collapsed left lower lobe", ("collapse",), ("collapse",)),
             ("neck + endotracheal tube", ("neck", "tube"), ("tube",)),
             ("blocked left main bronchus", ("blocked_bronchus",), ("plug",)),
             ("deviated trachea", ("deviated_trachea",), ()),
             ("far smaller right lung", ("small_lung",), ())]
    fig, axes = plt.subplots(2, len(cases), figsize=(3.2 * len(cases), 6.4))
    for col, (title, names, shown) in enumerate(cases):
        kw = dict(shape=(100, 160, 160), spacing=(4.0, 350 / 160, 350 / 160)) \
            if "neck" in names else dict(shape=(80, 160, 160))
        ph = make_phantom(pathology=names, **kw)
        labels = segment_lungs(ph.volume, airway=True)
        outline = np.zeros(labels.shape, bool)
        for name in shown:
            outline |= ph.regions[name]
        focus = outline if outline.any() else ph.regions["airway"]
        k = int(np.argmax(focus.sum(axis=(1, 2))))
        j = int(np.argmax(focus.sum(axis=(0, 2))))
        panel(axes[0, col], ph.volume, labels, "k", k, outline, f"{title}\naxial")
        panel(axes[1, col], ph.volume, labels, "j", j, outline, "coronal")
    save(fig, out / "lungs-phantom-cases.png")


def lungdx_case(out: Path):
    data = Path(os.environ.get("CTVIS_DATA", ROOT.parent / "shared" / "data"))
    folder = data / "lungdx-a0001"
    if not folder.is_dir():
        print(f"skipped lungdx-a0001: {folder} not found")
        return
    import ctvis

    sys.path.insert(0, str(ROOT))                  # the tests' helper reads the boxes
    from tests.helpers.lungdx import tumour_boxes

    volume = ctvis.load(folder / "dicom")
    boxes = tumour_boxes(folder, volume)
    labels = segment_lungs(volume, airway=True)
    ks = np.flatnonzero(boxes.any(axis=(1, 2)))
    j = int(np.flatnonzero(boxes.any(axis=(0, 2))).mean())
    airway = labels == AIRWAY.value
    top = np.flatnonzero(airway.any(axis=(1, 2)))[-10:]          # the trachea in the neck
    trachea_j = int(np.nonzero(airway[top])[1].mean())
    fig, axes = plt.subplots(1, 4, figsize=(16, 4.6))
    panel(axes[0], volume, labels, "k", int(ks[len(ks) // 2]), boxes, "tumour, axial")
    panel(axes[1], volume, labels, "k", int(ks[-2]), boxes, "tumour, upper axial")
    panel(axes[2], volume, labels, "j", j, boxes, "tumour, coronal")
    panel(axes[3], volume, labels, "j", trachea_j, None, "trachea (airway, label 3), coronal")
    save(fig, out / "lungs-lungdx-a0001.png")
    tumour_misses(volume, boxes, labels, ks, out)


def missed_parts(hu, tissue, missed) -> dict:
    """What the mask leaves out of the boxes' soft tissue, as shares of it: bone, tissue
    that aerated lung cuts off from the mass in its slice, and the rest (joined to it)."""
    from scipy import ndimage

    bone = tissue & (hu > 200)
    joined = np.zeros_like(tissue)
    for k in np.flatnonzero(tissue.any(axis=(1, 2))):
        parts, n = ndimage.label(tissue[k] & ~bone[k])
        if n:
            sizes = np.bincount(parts.ravel())
            sizes[0] = 0
            joined[k] = parts == sizes.argmax()            # the mass and what touches it
    total = tissue.sum()
    return {"bone (> 200 HU)": (missed & bone).sum() / total,
            "cut off from the mass by aerated lung": (missed & ~bone & ~joined).sum() / total,
            "joined to the mass": (missed & joined).sum() / total}


def tumour_misses(volume, boxes, labels, ks, out: Path):
    """The tumour's boxes close up on its four largest slices: which of their soft-tissue
    voxels (> −300 HU) the default mask leaves out (red)."""
    tissue = boxes & (volume.array > -300)
    lung = (labels == RIGHT_LUNG.value) | (labels == LEFT_LUNG.value)
    missed = tissue & ~lung
    print(f"lungdx-a0001 tumour boxes: {tissue.sum()} soft-tissue voxels, "
          f"{missed.sum()} outside the mask ({1 - missed.sum() / tissue.sum():.3f} inside)")
    for what, share in missed_parts(volume.array, tissue, missed).items():
        print(f"  left out, {what}: {100 * share:.1f} %")
    largest = sorted(ks, key=lambda k: -int(tissue[k].sum()))[:4]
    fig, axes = plt.subplots(1, 4, figsize=(16, 4.4))
    for ax, k in zip(axes, sorted(largest)):
        js, is_ = np.nonzero(boxes[k])
        win = (slice(max(js.min() - 30, 0), js.max() + 30),
               slice(max(is_.min() - 30, 0), is_.max() + 30))
        ax.imshow(np.clip(volume.array[k][win], -160, 240), cmap="gray", interpolation="nearest")
        red = np.zeros(missed[k][win].shape + (4,))
        red[missed[k][win]] = (1, 0, 0, 0.45)
        ax.imshow(red, interpolation="nearest")
        ax.contour(lung[k][win], [0.5], colors="deepskyblue", linewidths=0.8)
        ax.contour(boxes[k][win], [0.5], colors="yellow", linewidths=0.8)
        ax.set_title(f"slice {k}: {missed[k].sum()} of {tissue[k].sum()} left out", fontsize=9)
        ax.axis("off")
    save(fig, out / "lungs-lungdx-tumour-boxes.png")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    phantom_cases(out)
    lungdx_case(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
