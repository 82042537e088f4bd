"""Issue 20: segment_lungs on every real chest series and on modified copies of them.

    python benchmarks/lung_classes.py [--only NAME] [--pictures OUT_DIR]

Reads ../shared/data (or CTVIS_DATA).  Real series: cip-10002K-64, pancreas-ct-cb-001,
lungdx-a0001, the three lidc-slabs, lidc-0001-full, ibsi-nsclc (image) and totalseg-j2k's
example_ct.nii.gz.  Modified copies, written to a temporary folder (tests/helpers/unseen.py):
lidc-0001-full with a smaller circular field of view that cuts the right chest wall, with
PixelPaddingValue −2000 ("fov-pad") and with plain air and no padding tag ("fov-air");
lungdx-a0001 with the same cut and padding; lungdx-a0001 cropped in-plane to 200 mm around
its left-lung tumour ("crop").

One Markdown table row per series: load and segmentation seconds (airway=True), right/left
mL, solid mask below the diaphragm (mL; :func:`below_diaphragm_ml`), measures of the case
(Dice per lung inside the field against the uncut series' mask for FOV cuts; against the
uncut mask cropped for the crop; for ibsi-nsclc the aerated-in-lung fraction, the share of
the GTV inside labels 1/2 and the side labels each lung part carries; for lidc-0001-full each
nodule consensus's share inside labels 1/2) and ``lung_warnings``.

``--pictures OUT_DIR``: one PNG per series, an axial slice through the middle of the lungs
and a coronal slice through the middle of the volume (plus a coronal through the right dome
for lidc-0001-full, lungdx-a0001 and their copies); overlay as in lung_figures.py (right lung
orange, left blue, airway green, patient right on the image's left); yellow outline: solid
mask below the diaphragm, the GTV, the nodules or the edge of the cut field.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                      # tests.helpers and benchmarks.*

from ctvis.core.io.dispatch import load, read_mask  # noqa: E402
from ctvis.core.lungs import lung_warnings, segment_lungs  # noqa: E402
from tests.helpers import unseen  # noqa: E402
from tests.helpers.shared_data import data_path  # noqa: E402

REAL, MODIFIED = unseen.REAL, unseen.MODIFIED
DOME = ("lidc-0001-full", "lungdx-a0001")          # also a coronal through the right dome


class Run(unseen.SeriesCopies):
    """Loads, writes the copies and segments on demand; every result is kept."""

    def __init__(self, data: Path, tmp: Path):
        super().__init__(data, tmp)
        self.cache: dict = {}

    def get(self, name: str):
        if name not in self.cache:
            path = self.path(name)
            t0 = time.perf_counter()
            volume = load(path)
            t1 = time.perf_counter()
            info: dict = {}
            labels = segment_lungs(volume, airway=True, info=info)
            t2 = time.perf_counter()
            self.cache[name] = dict(volume=volume, labels=labels, info=info,
                                    load_s=t1 - t0, seg_s=t2 - t1)
        return self.cache[name]


def ml(volume, mask) -> float:
    return float(np.count_nonzero(mask)) * volume.voxel_volume_mm3 / 1000.0


def below_mask(volume, labels, margin_mm: float = 5.0) -> np.ndarray:
    """The voxels :func:`unseen.below_diaphragm_ml` counts (for the pictures)."""
    lung = (labels == 1) | (labels == 2)
    z = unseen.slice_z_mm(volume)
    lowest = np.full(volume.shape[1:], np.inf)
    for k in range(volume.shape[0]):
        np.minimum(lowest, np.where(lung[k] & (volume.array[k] < -500), z[k], np.inf),
                   out=lowest)
    out = np.zeros(volume.shape, bool)
    for k in range(volume.shape[0]):
        out[k] = lung[k] & (volume.array[k] > -200) & (z[k] < lowest - margin_mm)
    return out


def measures(run: Run, name: str) -> tuple[str, np.ndarray | None]:
    """The case's own measures (text) and the outline for its pictures."""
    r = run.get(name)
    volume, labels = r["volume"], r["labels"]
    parts, outline = [], None
    if name in MODIFIED and MODIFIED[name][1] == "fov":
        base = run.get(MODIFIED[name][0])["labels"]
        field = np.broadcast_to(run.field[name], labels.shape)
        d = [unseen.dice((labels == lab) & field, (base == lab) & field) for lab in (1, 2)]
        parts.append(f"Dice in field R {d[0]:.3f} / L {d[1]:.3f}")
        edge = np.zeros(labels.shape, bool)
        edge[:] = run.field[name]
        outline = edge
    if name == "lungdx-a0001-crop":
        y0, y1, x0, x1 = run.crop_box
        base = run.get("lungdx-a0001")["labels"][:, y0:y1, x0:x1]
        d = [unseen.dice(labels == lab, base == lab) for lab in (1, 2)]
        parts.append(f"Dice vs uncut mask cropped R {d[0]:.3f} / L {d[1]:.3f}")
        parts.append(f"aerated in lung {unseen.aerated_in_lung_fraction(volume, labels):.3f}")
    if name == "ibsi-nsclc":
        parts.append(f"aerated in lung {unseen.aerated_in_lung_fraction(volume, labels):.3f}")
        gtv = read_mask(run.data / "ibsi-nsclc/nifti/mask/mask.nii.gz", like=volume).array > 0
        lung = (labels == 1) | (labels == 2)
        parts.append(f"GTV ({ml(volume, gtv):.0f} mL) in lung "
                     f"{np.count_nonzero(gtv & lung) / gtv.sum():.3f}")
        lung_parts = [p for p in unseen.side_labels(labels) if p["voxels"] >= 0.01 * lung.sum()]
        parts.append("lung parts ≥ 1 %: " + ", ".join(
            f"{p['voxels'] * volume.voxel_volume_mm3 / 1000:.0f} mL labels "
            f"{'+'.join({1: 'R', 2: 'L'}[s] for s in p['sides'])}" for p in lung_parts))
        outline = gtv
    if name == "lidc-0001-full":
        data = run.data / "lidc-0001-full"
        nodules = unseen.lidc_consensus(volume, data / "069.xml", data / "dicom")
        lung = (labels == 1) | (labels == 2)
        parts.append("nodules in lung: " + ", ".join(
            f"{ml(volume, n):.1f} mL {np.count_nonzero(n & lung) / n.sum():.3f}"
            for n in nodules))
        outline = np.any(nodules, axis=0) if nodules else None
    below = below_mask(volume, labels)
    if below.any():
        outline = below if outline is None else (outline | below)
    return "; ".join(parts) or "–", outline


def right_dome_j(volume, labels) -> int:
    """Coronal index through the right dome: the right lung's mean y on the slice a fifth of
    its height above its lowest slice (lower slices are the posterior recess only)."""
    right = labels == 1
    ks = np.flatnonzero(right.any(axis=(1, 2)))
    if not len(ks):
        return labels.shape[1] // 2
    z = unseen.slice_z_mm(volume)[ks]
    ks = ks[np.argsort(z)]                          # inferior first
    k = int(ks[int(0.2 * (len(ks) - 1))])
    return int(round(np.nonzero(right[k])[0].mean()))


def picture(run: Run, name: str, outline, out_dir: Path) -> Path:
    import matplotlib.pyplot as plt

    from benchmarks.lung_figures import panel

    r = run.get(name)
    volume, labels = r["volume"], r["labels"]
    lung = (labels == 1) | (labels == 2)
    ks = np.flatnonzero(lung.any(axis=(1, 2)))
    k = int((ks[0] + ks[-1]) // 2) if len(ks) else volume.shape[0] // 2
    views = [("k", k, f"axial {k} (lungs' middle)"),
             ("j", volume.shape[1] // 2, f"coronal {volume.shape[1] // 2} (volume's middle)")]
    if any(name.startswith(b) for b in DOME):
        j = right_dome_j(volume, labels)
        views.append(("j", j, f"coronal {j} (right dome)"))
    fig, axes = plt.subplots(1, len(views), figsize=(5 * len(views), 5.2))
    for ax, (kind, index, title) in zip(np.atleast_1d(axes), views):
        panel(ax, volume, labels, kind, index, outline, title)
    fig.suptitle(f"{name} (patient right on the image's left; yellow: "
                 f"{'below-diaphragm solid mask / GTV / nodules / field edge'})", fontsize=9)
    path = out_dir / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
    print(f"wrote {path}", file=sys.stderr)
    return path


def row(run: Run, name: str, out_dir: Path | None) -> str:
    r = run.get(name)
    volume, labels = r["volume"], r["labels"]
    extra, outline = measures(run, name)
    if out_dir is not None:
        picture(run, name, outline, out_dir)
    warnings = "; ".join(lung_warnings(volume, labels, r["info"])) or "–"
    shape = "×".join(str(s) for s in volume.shape)
    return (f"| {name} | {shape} | {r['load_s']:.1f} / {r['seg_s']:.1f} | "
            f"{ml(volume, labels == 1):.0f} / {ml(volume, labels == 2):.0f} | "
            f"{unseen.below_diaphragm_ml(volume, labels):.1f} | {extra} | {warnings} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(REAL) + list(MODIFIED))
    parser.add_argument("--pictures", type=Path, metavar="OUT_DIR")
    args = parser.parse_args(argv)
    data = data_path()
    if not data.is_dir():
        print(f"shared data folder not found: {data}", file=sys.stderr)
        return 1
    if args.pictures is not None:
        import matplotlib

        matplotlib.use("Agg")
        args.pictures.mkdir(parents=True, exist_ok=True)
    names = [args.only] if args.only else list(REAL) + list(MODIFIED)
    print("| series | shape (z×y×x) | load / segment s | right / left mL | solid below "
          "diaphragm mL | case measures | warnings |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="lung_classes_") as tmp:
        run = Run(data, Path(tmp))
        for name in names:
            print(row(run, name, args.pictures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
