"""DICOM Segmentation (SEG) → label map, through highdicom.

highdicom reads the object (binary or fractional, one or many segments, frames in any order,
empty frames left out) and stacks its frames into a volume with an affine; here that volume
is placed on the open series (``nearest.nearest_onto``: exact when the SEG references it,
nearest neighbour with a warning for another series of the same frame of reference).
Fractional segments are inside where the value is at least one half.  Segment numbers are
the label values; names and colours (RecommendedDisplayCIELabValue → RGB by highdicom's
``CIELabColor``) go to ``meta["segments"]``.
"""
from __future__ import annotations

import warnings as _warnings

import numpy as np

from ctvis.core.errors import CtvisError
from ctvis.core.io.dicom_refs import check_reference
from ctvis.core.io.nearest import nearest_onto
from ctvis.core.volume import Volume

FRACTION_INSIDE = 0.5


def _references(seg) -> tuple[str | None, str | None]:
    series = seg.get("ReferencedSeriesSequence", [])
    uid = str(series[0].get("SeriesInstanceUID", "")) if len(series) else ""
    return uid or None, str(seg.get("FrameOfReferenceUID", "")) or None


def _color(item, n: int) -> list[int]:
    import highdicom as hd

    from ctvis.core.io.label_tables import PALETTE

    lab = item.get("RecommendedDisplayCIELabValue")
    if lab is not None:
        try:
            rgb = hd.color.CIELabColor.from_dicom_value([int(v) for v in lab]).to_rgb(clip=True)
            return [int(c) for c in rgb]
        except (ValueError, TypeError):
            pass
    return list(PALETTE[n % len(PALETTE)])


def segment_table(seg) -> list[dict]:
    return [{"name": str(item.get("SegmentLabel", "") or f"Segment_{item.SegmentNumber}"),
             "value": int(item.SegmentNumber), "color": _color(item, n)}
            for n, item in enumerate(seg.SegmentSequence)]


def _own_grid(affine: np.ndarray, shape) -> Volume:
    """A Volume on the SEG's own grid (highdicom's affine takes k, j, i)."""
    cols = affine[:3, :3]
    spacing = np.linalg.norm(cols, axis=0)                       # dk, dj, di
    direction = (cols / spacing)[:, [2, 1, 0]]                   # columns: x, y, z
    return Volume(np.zeros(shape, np.uint8), tuple(spacing), tuple(affine[:3, 3]), direction)


def read_seg(path, like: Volume | None) -> Volume:
    """The segments of a DICOM SEG as a label map on ``like``'s grid (or the SEG's own
    when ``like`` is None); where segments overlap, later segment numbers win, with a
    warning."""
    import highdicom as hd

    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            seg = hd.seg.segread(path)
            numbers = list(seg.segment_numbers)
            stack = seg.get_volume(combine_segments=False, skip_overlap_checks=True,
                                   allow_missing_positions=True)
    except (ValueError, RuntimeError, KeyError, AttributeError) as exc:
        raise CtvisError(f"{path}: unreadable DICOM SEG ({exc})") from None
    warnings = []
    if like is not None:
        w = check_reference(path, "seg", *_references(seg), like)
        warnings += [w] if w else []
    target = like if like is not None else _own_grid(stack.affine, stack.spatial_shape)
    array = np.asarray(stack.array)
    dtype = np.uint8 if max(numbers) < 256 else np.uint16
    labels = np.zeros(target.shape, dtype)
    overlap = False
    for channel, number in enumerate(numbers):
        inside = array[..., channel]
        inside = inside >= FRACTION_INSIDE if inside.dtype.kind == "f" else inside > 0
        placed = nearest_onto(inside.astype(np.uint8), stack.affine, target).astype(bool)
        overlap |= bool((labels[placed] != 0).any())
        labels[placed] = number
    if overlap:
        warnings.append("segments overlap; a voxel holds the highest segment number there")
    meta = {"segments": segment_table(seg), "warnings": warnings, "source": str(path),
            "mask_kind": "seg"}
    return target.with_array(labels, meta=meta)


__all__ = ["read_seg", "segment_table"]
