"""The README's "a lung corrected by hand" picture (issue 21): before and after, and the mesh.

    python benchmarks/editor_figure.py OUT.png

lungdx-a0001 cropped in-plane to 200 mm around its left tumour (tests/helpers/unseen.py; no
spine in view, so the sides are told from the body's centre): the automatic mask labels the
left main bronchus and a patch of the left hilum "right lung".  The correction is the
Segment Editor's Scissors: an outline drawn in the coronal view around the left side of the
chest, through the whole volume, erasing the right lung inside it — made through the
window's edit history (one undo step), as a user would.  Top: coronal slice through the patch, before and after; bottom: the
right lung's 3D surface before and after.  Reads ../shared/data (or CTVIS_DATA).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ctvis.app.pipeline import segment  # noqa: E402
from ctvis.app.report import lung_state  # noqa: E402
from ctvis.core.editing.scissors import scissors  # noqa: E402
from ctvis.core.io.dispatch import load  # noqa: E402
from ctvis.model.history import EditHistory  # noqa: E402
from ctvis.render.pictures import picture_3d, slice_picture  # noqa: E402
from tests.helpers import unseen  # noqa: E402


def main(out: str) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = Path(os.environ.get("CTVIS_DATA", ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory() as tmp:
        volume = load(unseen.SeriesCopies(data, Path(tmp)).path("lungdx-a0001-crop"))
    result = segment(volume)
    state = lung_state(volume, result)
    lungs = state.overlays["lungs"].labelmap
    # The outline: from the trachea's column (the middle of the crop's airway-free gap
    # between the lungs, here the first column right of the right lung's main body) to the
    # left edge, top to bottom.
    right = lungs.array == 1
    columns = right.sum(axis=(0, 1))
    gap = int(np.flatnonzero(columns[: volume.shape[2] // 2] > 0.02 * columns.max())[-1]) + 8
    n_k = volume.shape[0]
    outline = [(0, gap), (0, volume.shape[2] - 1), (n_k - 1, volume.shape[2] - 1), (n_k - 1, gap)]
    cut = scissors(outline, 1, volume.shape)
    stray = right[cut.region] & cut.mask
    k, j, i = (np.argwhere(stray).mean(axis=0) + [r.start for r in cut.region]).round().astype(int)
    state.crosshair = tuple(volume.index_to_patient(np.array([k, j, i], float)))
    before = slice_picture(state, "coronal", scale=2)
    before_3d = picture_3d(_surface_state(state), (500, 500))
    history = EditHistory()
    history.erase(lungs, cut.region, 1, cut.mask, name="Scissors: erase inside")
    after = slice_picture(state, "coronal", scale=2)
    after_3d = picture_3d(_surface_state(state), (500, 500))
    removed = int(stray.sum()) * volume.voxel_volume_mm3 / 1000
    fig, axs = plt.subplots(2, 2, figsize=(10, 10))
    for ax, img, title in zip(axs.ravel(), (before, after, before_3d, after_3d), (
            "automatic: the left bronchus and hilum labelled right (orange)",
            f"Scissors: right lung erased left of the mediastinum ({removed:.1f} mL)",
            "right and left lungs' surfaces, before", "after: one undo step away")):
        ax.imshow(img[..., :3])
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    plt.tight_layout()
    plt.savefig(out, dpi=70)
    print(f"wrote {out}; removed {removed:.1f} mL at voxel {(k, j, i)}")
    return 0


def _surface_state(state):
    """``state`` with the 3D pane showing the lungs' surfaces only."""
    from dataclasses import replace

    state.view3d = replace(state.view3d, modes=frozenset({"lungs"}))
    return state


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "editor_figure.png"))
