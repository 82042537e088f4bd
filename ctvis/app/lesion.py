"""One-click lesion, shared by the window and the CLI: a point in patient LPS mm in, the
lesion's voxels, its measurements and its segment row out (no Qt)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ctvis.core.errors import CtvisError
from ctvis.core.image.axial import as_axial, as_axial_array, as_stored, index_as_axial
from ctvis.core.image.square_pixels import (as_square_pixels, index_to_square, labels_back,
                                           mask_to_square)
from ctvis.core.lesions.grow import Lesion, LesionError, grow_lesion
from ctvis.core.lesions.measure import LesionMeasures, measure_lesion

LESION_COLOR = (230, 200, 40)          # yellow: apart from the lungs' orange and blue
ORIGIN = "one-click lesion"
LESIONS_MAP = "lesions"                # the label map the window's Lesion tool writes


def is_lesion(map_name: str, segment) -> bool:
    """Whether a segment is a lesion: a row of the map "lesions" or made by a click."""
    return map_name == LESIONS_MAP or segment.origin == ORIGIN


def lesion_masks(state, lungs: str | None = None):
    """(map name, segment, bool mask) of every lesion segment ``state`` shows (the lungs'
    map ``lungs`` apart)."""
    for name, overlay in state.overlays.items():
        if name == lungs or overlay.labelmap is None:
            continue
        for segment in overlay.labelmap.segments:
            if is_lesion(name, segment):
                mask = overlay.labelmap.array == segment.value
                if mask.any():
                    yield name, segment, mask


@dataclass
class LesionContext:
    """What every click on one volume shares: its body mask and its default lung labels
    (each lesion is enclosed by its own lung; None when no lung was found)."""
    volume: object
    body: np.ndarray
    lungs: np.ndarray | None
    _grid: tuple | None = field(default=None, repr=False, compare=False)

    def of(self, volume) -> bool:
        return self.volume is volume

    def grid(self) -> tuple:
        """(the volume in axial order on square pixels, the permutation, the resampling,
        the body and the lungs on that grid), made at the first click: a stack stored in
        another order or on oblong pixels is not transposed or resampled again per click."""
        if self._grid is None:
            axial, perm = as_axial(self.volume)
            grid, how = as_square_pixels(axial)

            def on_grid(mask):
                return None if mask is None else mask_to_square(as_axial_array(mask, perm),
                                                                how)

            self._grid = (grid, perm, how, on_grid(self.body), on_grid(self.lungs))
        return self._grid


def lesion_context(volume, progress=None) -> LesionContext:
    """The body mask and the default lung mask of ``volume``, made once for all its
    clicks (a second or a few on a whole chest)."""
    from ctvis.core.image.body import body_mask
    from ctvis.core.lungs import segment_lungs

    body = body_mask(volume)
    try:
        lungs = segment_lungs(volume, progress=progress)
    except CtvisError:              # not a chest: each lesion is enclosed by any lung there
        lungs = None
    if lungs is not None and not lungs.any():
        lungs = None
    return LesionContext(volume, body, lungs)


@dataclass
class LesionResult:
    lesion: Lesion
    measures: LesionMeasures
    seed_kji: tuple
    at_lps: tuple

    def mask(self, shape) -> np.ndarray:
        return self.lesion.full(shape)


def lesion_at(volume, at_lps, context=None, progress=None) -> LesionResult:
    """The lesion under the patient point ``at_lps`` (x, y, z mm).  ``context``: the
    volume's :func:`lesion_context` if already made (several clicks on one volume)."""
    at = tuple(float(v) for v in at_lps)
    kji = np.rint(volume.patient_to_index(np.asarray(at))).astype(int)
    if not all(0 <= c < n for c, n in zip(kji, volume.shape)):
        raise LesionError(f"the point {_fmt(at)} mm lies outside the volume")
    if context is None or not context.of(volume):
        context = lesion_context(volume)
    # Grown in the patient's axial planes (a slice's partial volume is judged along the
    # head-foot axis) on square pixels, whatever order and pixels the volume is stored in.
    grid, perm, how, body, lungs = context.grid()
    grown = grow_lesion(grid, index_to_square(index_as_axial(tuple(int(c) for c in kji), perm),
                                              how),
                        body=body, lungs=lungs, progress=progress)
    lesion = grown
    if perm is not None or how is not None:
        from ctvis.core.image.body import index_box   # scipy.ndimage: not at the viewer's start

        full = as_stored(labels_back(grown.full(grid.shape), how), perm)
        box = index_box(full)
        if box is None:
            raise LesionError(f"the lesion at {_fmt(at)} mm is smaller than a voxel")
        lesion = Lesion(box, full[box], grown.info)
    return LesionResult(lesion, measure_lesion(volume, lesion.full(volume.shape)),
                        tuple(int(c) for c in kji), at)


def lesions_labelmap(volume, points, context=None):
    """The map "lesions" of the lesions under ``points`` (patient LPS mm), "lesion 1", ...
    as the window's Lesion tool makes it (a point inside a lesion found already adds none)."""
    from ctvis.model.labelmap import LabelMap, Segment

    labels = np.zeros(volume.shape, np.uint8)
    if points and (context is None or not context.of(volume)):
        context = lesion_context(volume)
    segments = []
    for at in points:
        kji = np.rint(volume.patient_to_index(np.asarray(at, float))).astype(int)
        if all(0 <= c < n for c, n in zip(kji, volume.shape)) and labels[tuple(kji)]:
            continue
        result = lesion_at(volume, at, context=context)
        value = len(segments) + 1
        labels[result.lesion.region][result.lesion.mask & (labels[result.lesion.region]
                                                           == 0)] = value
        segments.append(Segment(f"lesion {value}", value, LESION_COLOR, origin=ORIGIN))
    return LabelMap(labels, tuple(segments), LESIONS_MAP)


def _fmt(p) -> str:
    return ", ".join(f"{v:.1f}" for v in p)


def measures_text(m: LesionMeasures) -> list[tuple[str, str]]:
    """(name, value) rows for a table or a printout."""
    return [("type", m.type), ("volume", f"{m.volume_ml:.2f} mL"),
            ("long axis (axial)", f"{m.long_axis_mm:.1f} mm"),
            ("short axis (same slice)", f"{m.short_axis_mm:.1f} mm"),
            ("longest 3D diameter", f"{m.max_3d_mm:.1f} mm"),
            ("HU mean ± SD", f"{m.mean_hu:.0f} ± {m.sd_hu:.0f}"),
            ("solid share", f"{m.solid_share:.2f}")]
