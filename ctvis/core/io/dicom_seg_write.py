"""Label map → DICOM Segmentation (SEG) of the series it was made on, through highdicom.

highdicom is the reference implementation of the SEG object model (frames, functional
groups, per-frame references to the source images, segment descriptions), so none of that
is written by hand here: this module only says which source images, which frames and what
each segment is (``seg_codes``).  One binary segment per label value, numbered 1..N in the
table's order; empty frames are left out; patient and study come from the source images
only (a de-identified source gives a de-identified SEG).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.io.dicom_refs import slice_headers
from ctvis.core.io.seg_codes import algorithm, property_codes
from ctvis.core.volume import Volume


def table_rows(labels: np.ndarray, segments) -> list[dict]:
    """The rows to write: the table's rows whose value is present (with their ``origin``),
    then present values the table does not name."""
    from ctvis.core.io.label_tables import checked, default_segments

    present = set(np.unique(labels).tolist()) - {0}
    rows = []
    for s, row in zip(list(segments or []), checked(segments or [])):
        origin = getattr(s, "origin", None) if not isinstance(s, dict) else s.get("origin")
        if row["value"] in present:
            rows.append(dict(row, origin=origin))
    named = {r["value"] for r in rows}
    rows += [dict(r, origin=None) for r in default_segments(present - named)]
    return rows


def _description(number: int, row: dict, origin_default: str | None):
    import highdicom as hd
    from pydicom.sr.coding import Code

    from ctvis import __version__

    category, kind = property_codes(row["name"])
    kind_of, name, family = algorithm(row.get("origin") or origin_default)
    ident = None if name is None else hd.AlgorithmIdentificationSequence(
        name=name, version=__version__, family=Code(*family))
    return hd.seg.SegmentDescription(
        segment_number=number, segment_label=row["name"][:64],
        segmented_property_category=Code(*category), segmented_property_type=Code(*kind),
        algorithm_type=kind_of, algorithm_identification=ident,
        tracking_uid=hd.UID(), tracking_id=row["name"][:64],
        display_color=hd.color.CIELabColor.from_rgb(*row["color"]))


def build_seg(volume: Volume, labels: np.ndarray, segments=None, origin: str | None = None):
    """The highdicom Segmentation of ``labels`` (on ``volume``'s grid, ``volume`` loaded
    from DICOM files); ``origin``: how segments without their own were made."""
    import highdicom as hd

    from ctvis import __version__

    headers = slice_headers(volume)
    if len({ds.SOPInstanceUID for ds in headers.values()}) != len(headers):
        raise CtvisError(f"{volume.meta.get('source')}: a multi-frame source (one file, "
                         f"many slices): SEG of it is not written yet")
    rows = table_rows(labels, segments)
    if not rows:
        raise CtvisError("nothing to write: the label map is empty")
    lut = np.zeros(int(labels.max()) + 1, np.uint16)
    for number, row in enumerate(rows, start=1):
        lut[row["value"]] = number
    ks = sorted(headers)
    frames = lut[labels[ks]]
    if len(rows) < 256:
        frames = frames.astype(np.uint8)
    first = headers[ks[0]]
    with warnings.catch_warnings():          # highdicom's doubts about the source's names
        warnings.simplefilter("ignore", UserWarning)
        return _segmentation(hd, headers, ks, frames, rows, origin, first, __version__)


def _segmentation(hd, headers, ks, frames, rows, origin, first, version):
    return hd.seg.Segmentation(
        source_images=[headers[k] for k in ks], pixel_array=frames,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[_description(n, r, origin) for n, r in enumerate(rows, 1)],
        series_instance_uid=hd.UID(), series_number=_series_number(first),
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="ctvis",
        manufacturer_model_name="ctvis", software_versions=version,
        device_serial_number="none", series_description="ctvis segments",
        content_label="SEGMENTS", content_description="Segments made with ctvis")


def _series_number(source) -> int:
    """The source's series number + 1000 (a derived series sorts after its source)."""
    try:
        return int(source.get("SeriesNumber", 0) or 0) % 1000 + 1000
    except (TypeError, ValueError):
        return 1000


def write_seg(volume: Volume, path, segments=None, origin: str | None = None) -> Path:
    """Write ``volume.array`` (a label map on a DICOM series' grid, that series' ``meta``)
    as a DICOM SEG at ``path`` (through a temporary name)."""
    seg = build_seg(volume, np.asarray(volume.array), segments, origin)
    with atomic_path(path) as tmp:
        seg.save_as(tmp)
    return Path(path)


__all__ = ["write_seg", "build_seg", "table_rows"]
