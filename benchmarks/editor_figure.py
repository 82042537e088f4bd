"""The README's "a lung corrected by hand" picture (issue 21): before and after, and the mesh.

    python benchmarks/editor_figure.py OUT.png

lidc-0001-full with Gaussian noise of 40 HU SD added inside its field of view (seed 0, in
memory; docs/lungs.md, "The patient a pixel aside"), segmented as ctvis did before an airless
base had to reach the lung's outline (``airless.OUTLINE_SHARE`` = 0 here, in this process
only): the automatic mask takes a wedge of liver under the right dome into the right lung,
the kind of error a user corrects by hand.  The wedge is what the noisy scan's right lung holds
and the noise-free scan's does not (its largest connected piece).  The correction is the
Segment Editor's Scissors: an outline drawn in the coronal view around the wedge (the hull of
its coronal footprint, 2 voxels wider), erasing the right lung inside it through the whole
volume with the editable intensity range (Masking > HU range) at -200 ... 3071 HU, so the
air of the lung around the dome is never touched -- made through the window's edit history
(one undo step), as a user would.  Printed: what was removed (mL), how much of it is the
wedge, how much is aerated (< -500 HU) and how much the noise-free scan's mask calls right
lung; the aerated lung the same outline would erase with no intensity range (the lung wraps
the dome in every view, so no outline alone parts them); the solid mask below the diaphragm
before and after (tests/helpers/unseen.py).  Top: coronal slice through the wedge, before and
after; bottom: the lungs' 3D surfaces cut at that slice, seen from in front and below, before
and after.  Reads ../shared/data (or CTVIS_DATA).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ctvis.app.pipeline import segment  # noqa: E402
from ctvis.app.report import lung_state  # noqa: E402
from ctvis.core.editing.masking import MaskingSettings  # noqa: E402
from ctvis.core.editing.scissors import scissors  # noqa: E402
from ctvis.core.io.dispatch import load  # noqa: E402
from ctvis.model.history import EditHistory  # noqa: E402
from ctvis.render.pictures import picture_3d, slice_picture  # noqa: E402
from tests.helpers import unseen  # noqa: E402

NOISE_SD_HU = 40.0
SEED = 0
SOLID_HU = -200.0            # the Scissors' editable intensity range: SOLID_HU..TOP_HU
TOP_HU = 3071.0              # the Masking box's highest setting
AERATED_HU = -500.0


def noisy(volume, sd: float = NOISE_SD_HU, seed: int = SEED):
    """``volume`` with Gaussian noise of ``sd`` HU inside its field of view (the loader's
    ``outside_field`` kept, and its fill left as it is)."""
    noise = np.random.default_rng(seed).normal(0.0, sd, volume.shape).astype(np.float32)
    outside = volume.meta.get("outside_field")
    if outside is not None:
        noise[:, outside] = 0.0
    array = np.clip(np.round(volume.array + noise), -32768, 32767).astype(volume.array.dtype)
    return volume.with_array(array, meta=dict(volume.meta))


def main(out: str) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import ndimage
    from scipy.spatial import ConvexHull

    data = Path(os.environ.get("CTVIS_DATA", ROOT.parent / "shared" / "data"))
    clean = load(data / unseen.REAL["lidc-0001-full"])
    clean_labels = segment(clean).labels
    truth = clean_labels == unseen.RIGHT                    # the noise-free scan's right lung
    below_clean = unseen.below_diaphragm_ml(clean, clean_labels)
    volume = noisy(clean)
    # The mask as it was before the outline test: a real automatic error to correct.
    from ctvis.core.lungs import airless
    airless.OUTLINE_SHARE = 0.0
    result = segment(volume)
    state = lung_state(volume, result)
    lungs = state.overlays["lungs"].labelmap
    ml = volume.voxel_volume_mm3 / 1000
    below_before = unseen.below_diaphragm_ml(volume, lungs.array)
    # The wedge: the largest piece of what the noisy scan's right lung holds and the
    # noise-free one's does not.
    extra, _ = ndimage.label((lungs.array == unseen.RIGHT) & ~truth)
    wedge = extra == np.argmax(np.bincount(extra.ravel())[1:]) + 1
    # The outline: around the wedge's footprint in the coronal view, (z, x) points.
    footprint = ndimage.binary_dilation(wedge.any(axis=1), iterations=2)
    points = np.argwhere(footprint)
    outline = points[ConvexHull(points).vertices]
    cut = scissors(outline, 1, volume.shape)
    # The coronal slice where the wedge is widest, through its centre there.
    j = int(np.argmax(wedge.sum(axis=(0, 2))))
    k, i = (int(v) for v in np.argwhere(wedge[:, j, :]).mean(axis=0).round())
    state.crosshair = tuple(volume.index_to_patient(np.array([k, j, i], float)))
    before = slice_picture(state, "coronal", scale=2)
    before_3d = picture_3d(_surface_state(state), (500, 500))
    right_before = lungs.array == unseen.RIGHT
    # The same outline with no intensity range: the lung wraps the dome in every view.
    bare = np.count_nonzero(cut.mask & right_before[cut.region]
                            & (volume.array[cut.region] < AERATED_HU)) * ml
    history = EditHistory()
    history.erase(lungs, cut.region, unseen.RIGHT, cut.mask,
                  masking=MaskingSettings(hu_range=(SOLID_HU, TOP_HU)),
                  hu=volume.array, name="Scissors: erase inside")
    removed = right_before & (lungs.array != unseen.RIGHT)
    after = slice_picture(state, "coronal", scale=2)
    after_3d = picture_3d(_surface_state(state), (500, 500))
    below_after = unseen.below_diaphragm_ml(volume, lungs.array)
    removed_ml = np.count_nonzero(removed) * ml
    of_wedge = np.count_nonzero(removed & wedge) * ml
    aerated = np.count_nonzero(removed & (volume.array < AERATED_HU)) * ml
    real = np.count_nonzero(removed & truth) * ml
    steps = history.steps()
    # One undo step brings it all back.
    history.undo()
    assert np.array_equal(lungs.array == unseen.RIGHT, right_before)
    history.redo()

    fig, axs = plt.subplots(2, 2, figsize=(10, 10))
    for ax, img, title in zip(axs.ravel(), (before, after, before_3d, after_3d), (
            f"automatic (40 HU noise): liver under the right dome\nlabelled right lung "
            f"(orange; {np.count_nonzero(wedge) * ml:.0f} mL)",
            f"Scissors, -200 HU and above: {removed_ml:.1f} mL erased\n"
            f"({aerated:.1f} mL of it aerated lung)",
            "3D, cut at that slice, from in front and below:\nthe wedge is the rough patch under "
            "the right lung", "after: the dome's hollow, one undo step away")):
        ax.imshow(img[..., :3])
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    plt.tight_layout()
    plt.savefig(out, dpi=70)
    print(f"wrote {out}; coronal slice {j} ({(k, j, i)})")
    print(f"wedge {np.count_nonzero(wedge) * ml:.1f} mL; removed {removed_ml:.1f} mL, of it "
          f"{of_wedge:.1f} mL wedge, {aerated:.2f} mL aerated (< {AERATED_HU:.0f} HU), "
          f"{real:.2f} mL right lung on the noise-free scan")
    print(f"the same outline with no intensity range would erase {bare:.1f} mL of aerated lung")
    print(f"solid mask below the diaphragm: {below_before:.1f} -> {below_after:.1f} mL "
          f"({below_clean:.1f} on the noise-free scan); "
          f"undo steps: {steps}")
    return 0


def _surface_state(state):
    """The lungs' surfaces of ``state`` (opaque, as in reports), cut at the crosshair's
    coronal plane (the part in front taken away) and seen from in front and below."""
    from dataclasses import replace

    from ctvis.model.state import Camera, ViewerState

    volume, labels = state.volume, state.overlays["lungs"].labelmap.array
    surfaces = ViewerState()
    surfaces.volume = volume
    surfaces.overlays = {name: replace(o, opacity=1.0) for name, o in state.overlays.items()}
    surfaces.crosshair = state.crosshair
    surfaces.view3d = replace(surfaces.view3d, modes=frozenset({"lungs"}), clip="coronal")
    # Framed on the lungs: their box's centre, from the right, front and below.
    ends = volume.index_to_patient((np.argwhere(labels[::2, ::2, ::2] > 0) * 2).astype(float))
    lo, hi = ends.min(axis=0), ends.max(axis=0)
    centre, radius = (lo + hi) / 2, float(np.linalg.norm(hi - lo)) / 2
    direction = np.array([-0.2, -0.7, -0.6]) / np.linalg.norm([-0.2, -0.7, -0.6])
    surfaces.camera = Camera(tuple(centre + direction * 0.75 * radius / np.sin(np.radians(15))),
                             tuple(centre), (0.0, 0.0, 1.0), 30.0, radius)
    return surfaces


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "editor_figure.png"))
