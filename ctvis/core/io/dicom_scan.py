"""Scan a folder for DICOM images with header-only reads and group them into series.

Every file is opened once with ``stop_before_pixels``; what the loader needs later (geometry,
rescale, where the pixel bytes start) is kept in a small ``SliceHeader`` so that the pixel pass
can read raw bytes without parsing the header again.  Files that are not DICOM images are
skipped with a reason, never fatal.
"""
from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from ctvis.core.io.dicom_header import read_fast_header

from ctvis.core.errors import LoadError
from ctvis.core.io import plausible
from ctvis.core.io.series_rank import kind_label, rank_series
from ctvis.core.io.walk import open_regular, regular_files, special_file_reason
from ctvis.core.progress import Progress

log = logging.getLogger(__name__)

DICOMDIR_UID = "1.2.840.10008.1.3.10"
BITS_ALLOCATED = (8, 16, 32)          # what a CT plane can be stored in
UNCOMPRESSED_LE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}


class RawTags:
    """Fast reads of the few tags the loader needs, from raw bytes.

    Converting elements through pydicom's value machinery (validation, DS objects) cost more
    than the whole pixel pass; the raw bytes of DS/IS/CS/UI/US/SS are simple to parse.  The
    source is either a ``FastHeader`` (our own header walk) or a pydicom dataset; pydicom
    values that are already converted, or big-endian, are used as pydicom gives them.
    """

    def __init__(self, ds=None, fast=None):
        self.ds, self.fast = ds, fast

    def __contains__(self, tag) -> bool:
        if self.fast is not None:
            return tag in self.fast.elements or tag in self.fast.sequences
        return tag in self.ds

    def _raw(self, tag):
        if self.fast is not None:
            item = self.fast.elements.get(tag)
            return None if item is None else _Raw(*item)
        try:
            elem = self.ds.get_item(tag)
        except KeyError:
            return None
        if elem is None or elem.value is None:
            return None
        if isinstance(elem.value, (bytes, bytearray)) and getattr(elem, "is_little_endian", True):
            return elem
        value = self.ds[tag].value                # converted already: use pydicom's value
        return None if value is None or value == "" else value

    def text(self, tag, default="") -> str:
        raw = self._raw(tag)
        if raw is None:
            return default
        if not hasattr(raw, "value"):
            return str(raw)
        return raw.value.decode("latin-1", "replace").strip(" \x00")

    def numbers(self, tag):
        """DS/IS values as a float array, or None."""
        raw = self._raw(tag)
        if raw is None:
            return None
        try:
            if not hasattr(raw, "value"):
                items = raw if isinstance(raw, (list, tuple)) or hasattr(raw, "__iter__") \
                    and not isinstance(raw, str) else [raw]
                return np.array([float(v) for v in items], float)
            text = raw.value.decode("latin-1").strip(" \x00")
            return np.array([float(v) for v in text.split("\\")], float) if text else None
        except (TypeError, ValueError):
            return None

    def number(self, tag, default=None):
        values = self.numbers(tag)
        return float(values[0]) if values is not None and values.size else default

    def binary_int(self, tag, signed=False, default=None):
        """US/SS value; ``signed`` decides when implicit VR leaves the VR unknown."""
        raw = self._raw(tag)
        if raw is None:
            return default
        if not hasattr(raw, "value"):
            return plausible.safe_int(raw, default)
        if len(raw.value) < 2:
            return default
        vr = raw.VR
        is_signed = vr == "SS" or (vr not in ("US",) and signed)
        return struct.unpack("<h" if is_signed else "<H", raw.value[:2])[0]


class _Raw:
    __slots__ = ("VR", "value")

    def __init__(self, vr, value):
        self.VR = vr.decode("ascii") if isinstance(vr, bytes) else vr
        self.value = value


@dataclass
class SliceHeader:
    """One image plane (a single-frame file, or one frame of a multi-frame file)."""
    path: str
    series_uid: str
    frame: int                    # frame index inside the file (0 for single-frame)
    n_frames: int
    rows: int
    columns: int
    position: Optional[np.ndarray]      # ImagePositionPatient (LPS mm)
    orientation: Optional[np.ndarray]   # ImageOrientationPatient (6,)
    pixel_spacing: Optional[tuple]      # (row spacing dy, column spacing dx)
    slope: float
    intercept: float
    bits_allocated: int
    bits_stored: int
    signed: bool
    padding: Optional[tuple]            # (low, high) raw padding range
    transfer_syntax: str
    pixel_offset: Optional[int]         # file offset of the first pixel byte, uncompressed only
    instance_number: int
    image_type: tuple
    meta: dict = field(default_factory=dict)
    rescale_assumed: bool = False       # no RescaleSlope/Intercept: stored values taken as HU

    @property
    def raw_dtype(self) -> np.dtype:
        kind = "i" if self.signed else "u"
        return np.dtype(f"<{kind}{self.bits_allocated // 8}")     # 8, 16 or 32 (checked)

    @property
    def is_localizer(self) -> bool:
        return "LOCALIZER" in (t.upper() for t in self.image_type)


@dataclass
class SeriesInfo:
    uid: str
    description: str
    modality: str
    n_images: int
    rows: int
    columns: int
    spacing: Optional[tuple]      # (dy, dx) pixel spacing of the first image
    slices: list = field(default_factory=list, repr=False)
    kind: str = ""                # what it is: "original axial", "derived coronal reformat" ...

    def as_dict(self) -> dict:
        return {"uid": self.uid, "description": self.description, "modality": self.modality,
                "n_images": self.n_images, "rows": self.rows, "columns": self.columns,
                "spacing": list(self.spacing) if self.spacing is not None else None,
                "kind": self.kind}


@dataclass
class ScanResult:
    series: list            # SeriesInfo, the default first (``series_rank``)
    skipped: list           # [{"path", "reason"}]
    # DICOM SEG and RTSTRUCT files: segments of a series, not images nor junk
    # [{"path", "kind", "series_uid" (referenced), "label"}]
    segment_objects: list = field(default_factory=list)


SEGMENT_OBJECT_CLASSES = {"1.2.840.10008.5.1.4.1.1.66.4": "seg",
                          "1.2.840.10008.5.1.4.1.1.481.3": "rtstruct"}   # dicom_refs.KINDS


class SegmentObject(ValueError):
    """A SEG or RTSTRUCT met by the scan (``info``: what the scan lists)."""

    def __init__(self, info: dict):
        super().__init__(f"{info['kind']} of series {info['series_uid']}")
        self.info = info


def _segment_object(path: str, kind: str) -> dict:
    """What the scan says of a SEG/RTSTRUCT: the series it references and its label."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True)
    ref = None
    for item in ds.get("ReferencedSeriesSequence", []):                      # SEG
        ref = ref or str(item.get("SeriesInstanceUID", "")) or None
    for frame in ds.get("ReferencedFrameOfReferenceSequence", []):          # RTSTRUCT
        for study in frame.get("RTReferencedStudySequence", []):
            for series in study.get("RTReferencedSeriesSequence", []):
                ref = ref or str(series.get("SeriesInstanceUID", "")) or None
    names = [str(s.get("SegmentLabel", "")) for s in ds.get("SegmentSequence", [])] + \
        [str(r.get("ROIName", "")) for r in ds.get("StructureSetROISequence", [])]
    return {"path": path, "kind": kind, "series_uid": ref,
            "label": str(ds.get("SeriesDescription", "") or ds.get("StructureSetLabel", "")),
            "segments": names}


def _functional(ds, frame: int, sequence: str, attr: str):
    """An attribute from the per-frame functional group of ``frame``, else the shared one."""
    if ds is None:                        # our own header walk: no functional groups there
        return None
    for groups, index in (("PerFrameFunctionalGroupsSequence", frame),
                          ("SharedFunctionalGroupsSequence", 0)):
        seq = ds.get(groups)
        if seq is None or len(seq) <= index:
            continue
        inner = seq[index].get(sequence)
        if inner is not None and len(inner) and attr in inner[0]:
            return inner[0].get(attr)
    return None


# Tags read from every file (raw access; see RawTags).
T = dict(
    sop_class=0x00080016, image_type=0x00080008, modality=0x00080060, study_date=0x00080020,
    manufacturer=0x00080070, description=0x0008103E, patient_id=0x00100020,
    thickness=0x00180050, tilt=0x00181120, kernel=0x00181210, patient_position=0x00185100,
    study_uid=0x0020000D, series_uid=0x0020000E, series_number=0x00200011,
    acquisition=0x00200012, instance=0x00200013, position=0x00200032, orientation=0x00200037,
    frame_of_reference=0x00200052, samples=0x00280002, frames=0x00280008, rows=0x00280010,
    columns=0x00280011, pixel_spacing=0x00280030, bits_allocated=0x00280100,
    bits_stored=0x00280101, representation=0x00280103, padding=0x00280120,
    padding_limit=0x00280121, window_center=0x00281050, window_width=0x00281051,
    intercept=0x00281052, slope=0x00281053, directory=0x00041220,
)


def _read_file(path: str) -> list[SliceHeader]:
    """Header-only read of one file; raises ValueError with the reason to skip it."""
    size = os.path.getsize(path)        # opening refuses anything but a regular file
    fast = read_fast_header(path, size)
    if fast is not None and fast.truncated:
        raise ValueError("truncated: the file ends inside its header")
    if fast is not None and (fast.pixel_tag_offset is None
                             or (0x52009229 not in fast.sequences
                                 and 0x52009230 not in fast.sequences)):
        tags = RawTags(fast=fast)
        ds = None
        ts = fast.transfer_syntax
        pixel_length = fast.pixel_length
        pixel_value_offset = fast.pixel_value_offset
    else:                        # multi-frame functional groups, odd encodings: pydicom
        ds, pixel_length, pixel_value_offset = _read_with_pydicom(path)
        tags = RawTags(ds=ds)
        ts = str(ds.file_meta.get("TransferSyntaxUID", "1.2.840.10008.1.2"))
    sop_class = tags.text(0x00020002) or tags.text(T["sop_class"])
    if sop_class in SEGMENT_OBJECT_CLASSES:
        raise SegmentObject(_segment_object(path, SEGMENT_OBJECT_CLASSES[sop_class]))
    if sop_class == DICOMDIR_UID or T["directory"] in tags:
        raise ValueError("DICOMDIR (an index of files, not an image)")
    rows, cols = tags.binary_int(T["rows"]), tags.binary_int(T["columns"])
    if not rows or not cols:
        modality = tags.text(T["modality"], "?")
        raise ValueError(f"no image (modality {modality}; e.g. a structured report)")
    if (tags.binary_int(T["samples"]) or 1) != 1:
        raise ValueError("colour image (SamplesPerPixel > 1), not CT")
    if pixel_length is None:
        raise ValueError("no pixel data")
    n_frames = _frame_count(tags.number(T["frames"], 1), size)
    bits = tags.binary_int(T["bits_allocated"])
    if bits is None:                                # absent: CT's usual 16
        bits = 16
    if bits not in BITS_ALLOCATED:                  # 0 included: not silently taken as 16
        raise ValueError(f"BitsAllocated {bits} is not one of {BITS_ALLOCATED}")
    frame_bytes = rows * cols * bits // 8
    offset = None
    if ts in UNCOMPRESSED_LE and pixel_length != 0xFFFFFFFF:
        need = frame_bytes * n_frames
        have = min(pixel_length, size - pixel_value_offset)
        if have < need:
            raise ValueError(f"truncated: pixel data holds {max(have, 0)} of {need} bytes")
        if pixel_length > need + 1:            # +1: an odd length padded to even
            raise ValueError(f"pixel data holds {pixel_length} bytes, not the {need} that "
                             f"Rows × Columns × BitsAllocated × frames make")
        offset = pixel_value_offset
    elif ts in UNCOMPRESSED_LE:
        ts = "encapsulated"                  # mislabelled file: let pydicom try to decode
    return _slices_from_dataset(ds, tags, path, ts, offset, n_frames, rows, cols, bits)


def _frame_count(value, size: int) -> int:
    """NumberOfFrames, checked: a whole number from 1 to what the file's bytes can hold."""
    if value is None:
        return 1
    n = plausible.safe_int(value, -1)
    if n == 0:
        return 1                          # some writers put 0 in single-frame files
    if n < 1 or n != value or n > max(size // 8, 1):
        raise ValueError(f"NumberOfFrames {value:g} is not a frame count this file can hold")
    return n


def _read_with_pydicom(path: str):
    """(dataset, pixel length, pixel value offset) through pydicom, header only."""
    import pydicom                        # imported only when needed: it costs 0.35 s
    from pydicom.errors import InvalidDicomError

    with open_regular(path) as fp:
        try:
            ds = pydicom.dcmread(fp, stop_before_pixels=True)
        except InvalidDicomError:
            # Some old files lack the 128-byte preamble: accept them if they start like a
            # DICOM group-0008 element, otherwise it is simply not DICOM.
            fp.seek(0)
            if fp.read(2) not in (b"\x08\x00", b"\x02\x00"):
                raise ValueError("not a DICOM file")
            fp.seek(0)
            try:
                ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
            except Exception as exc:
                raise ValueError(f"unreadable DICOM header ({type(exc).__name__})")
        except Exception as exc:                 # truncated headers, broken elements
            raise ValueError(f"unreadable DICOM header ({type(exc).__name__}: {exc})")
        start = fp.tell()
        head = fp.read(12)
    if len(head) < 8 or struct.unpack("<HH", head[:4]) != (0x7FE0, 0x0010):
        return ds, None, None
    implicit = ds.file_meta.get("TransferSyntaxUID", "1.2.840.10008.1.2") == "1.2.840.10008.1.2"
    if implicit:                                  # tag, 4-byte length
        return ds, struct.unpack("<I", head[4:8])[0], start + 8
    return ds, struct.unpack("<I", head[8:12])[0], start + 12


def _slices_from_dataset(ds, tags: RawTags, path, ts, offset, n_frames, rows, cols, bits
                         ) -> list[SliceHeader]:
    signed = tags.binary_int(T["representation"]) == 1
    bits_stored = tags.binary_int(T["bits_stored"], default=bits)
    if not 1 <= bits_stored <= bits:
        raise ValueError(f"BitsStored {bits_stored} does not fit BitsAllocated {bits}")
    padding = None
    low = tags.binary_int(T["padding"], signed=signed)
    if low is not None:
        high = tags.binary_int(T["padding_limit"], signed=signed, default=low)
        padding = (min(low, high), max(low, high))
    meta = {
        "description": tags.text(T["description"]),
        "modality": tags.text(T["modality"]),
        "series_number": plausible.finite_or_none(tags.number(T["series_number"])),
        "study_uid": tags.text(T["study_uid"]),
        "frame_of_reference_uid": tags.text(T["frame_of_reference"]),
        "manufacturer": tags.text(T["manufacturer"]),
        "study_date": tags.text(T["study_date"]),
        "patient_id": tags.text(T["patient_id"]),
        "patient_position": tags.text(T["patient_position"]),
        "slice_thickness": _thickness(tags.number(T["thickness"])),
        "kernel": tags.text(T["kernel"]),
        "window_center": plausible.finite_or_none(tags.number(T["window_center"])),
        "window_width": _positive(tags.number(T["window_width"])),
        "gantry_tilt": plausible.finite_or_none(tags.number(T["tilt"])),
        "acquisition_number": plausible.finite_or_none(tags.number(T["acquisition"])),
    }
    image_type = tuple(t for t in tags.text(T["image_type"]).split("\\") if t)
    common = dict(path=path, series_uid=tags.text(T["series_uid"]) or "(no series uid)",
                  n_frames=n_frames, rows=rows, columns=cols, bits_allocated=bits,
                  bits_stored=bits_stored, signed=signed,
                  padding=padding, transfer_syntax=ts,
                  instance_number=plausible.safe_int(tags.number(T["instance"], 0)),
                  image_type=image_type,
                  meta=meta)
    position = _fixed(tags.numbers(T["position"]), 3)
    orientation = _fixed(tags.numbers(T["orientation"]), 6)
    spacing = _fixed(tags.numbers(T["pixel_spacing"]), 2)
    slope, intercept = tags.number(T["slope"]), tags.number(T["intercept"])
    for name, tag in (("RescaleSlope", T["slope"]), ("RescaleIntercept", T["intercept"])):
        values = tags.numbers(tag)
        if (values is None or values.size != 1) and tag in tags and tags.text(tag):
            # Present but not one number: guessing 1 or 0 could shift every HU by 1024.
            raise ValueError(f"{name} {tags.text(tag)[:20]!r} is not a number")
    frame_bytes = rows * cols * bits // 8
    out = []
    for frame in range(n_frames):
        pos, ori, spc, slp, icp = position, orientation, spacing, slope, intercept
        if n_frames > 1 or pos is None:
            # Enhanced (multi-frame) objects keep geometry in functional groups.
            pos = _fixed(_functional(ds, frame, "PlanePositionSequence",
                                     "ImagePositionPatient"), 3) if n_frames > 1 or pos is None \
                else pos
            if ori is None:
                ori = _fixed(_functional(ds, frame, "PlaneOrientationSequence",
                                         "ImageOrientationPatient"), 6)
            if spc is None:
                spc = _fixed(_functional(ds, frame, "PixelMeasuresSequence", "PixelSpacing"), 2)
            if slp is None:
                group = "PixelValueTransformationSequence"
                slp = _first(_functional(ds, frame, group, "RescaleSlope"))
                icp = _first(_functional(ds, frame, group, "RescaleIntercept"))
        assumed = slp is None or icp is None
        slp = 1.0 if slp is None else float(slp)
        icp = 0.0 if icp is None else float(icp)
        # A plane whose geometry or rescale is broken is unusable: skip it (like a missing
        # slice) rather than let it place or scale the whole volume.
        problem = (plausible.position_problem(pos) or plausible.orientation_problem(ori)
                   or plausible.spacing_problem(spc) or plausible.rescale_problem(slp, icp))
        if problem:
            raise ValueError(problem + (f" (frame {frame + 1})" if n_frames > 1 else ""))
        out.append(SliceHeader(
            frame=frame, position=pos, orientation=ori,
            pixel_spacing=tuple(float(v) for v in spc) if spc is not None else None,
            slope=slp, intercept=icp, rescale_assumed=assumed,
            pixel_offset=None if offset is None else offset + frame * frame_bytes,
            **common))
    return out


def _thickness(value):
    value = plausible.finite_or_none(value)
    lo, hi = plausible.THICKNESS_MM
    return value if value is not None and lo <= value <= hi else None


def _positive(value):
    value = plausible.finite_or_none(value)
    return value if value is not None and value > 0 else None


def _fixed(values, n):
    """``values`` as a float array of length ``n``, else None."""
    if values is None:
        return None
    try:
        arr = np.array([float(v) for v in values], float)
    except (TypeError, ValueError):
        return None
    return arr if arr.size == n else None


def _first(value):
    if value is None or value == "":
        return None
    try:
        if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            return float(value[0]) if len(value) else None
        return float(value)
    except (TypeError, ValueError):
        return float("nan")               # present but not a number: refused as such


def iter_files(path: Path) -> tuple[list[Path], list[dict]]:
    """(regular files below ``path`` or the file itself, entries passed over with reasons)."""
    if path.is_dir():
        return regular_files(path)
    reason = special_file_reason(path)
    if reason:
        raise LoadError(f"{path}: {reason}, not a DICOM file or folder")
    return [path], []


def scan(path, progress=None, cancel=None) -> ScanResult:
    """Group the DICOM images under ``path`` by SeriesInstanceUID; list skipped files."""
    path = Path(path)
    tick = Progress(progress, cancel)
    files, skipped = iter_files(path)
    by_series: dict[str, list[SliceHeader]] = {}
    objects = []
    for n, file in enumerate(files):
        if n % 16 == 0:
            tick(n / max(len(files), 1), f"reading headers {n}/{len(files)}")
        try:
            for header in _read_file(str(file)):
                by_series.setdefault(header.series_uid, []).append(header)
        except SegmentObject as found:
            objects.append(found.info)
        except (ValueError, OSError, EOFError) as exc:
            skipped.append({"path": str(file), "reason": str(exc) or type(exc).__name__})
        except MemoryError:
            raise
        except Exception as exc:          # a header broken in a way nobody foresaw
            log.debug("header of %s", file, exc_info=True)
            skipped.append({"path": str(file), "reason": f"unreadable DICOM header "
                                                         f"({type(exc).__name__}: {exc})"})
    tick(1.0, "headers read")
    series = rank_series([_summarise(uid, slices) for uid, slices in by_series.items()])
    return ScanResult(series=series, skipped=skipped, segment_objects=objects)


def _summarise(uid: str, slices: list[SliceHeader]) -> SeriesInfo:
    first = slices[0]
    info = SeriesInfo(uid=uid, description=first.meta["description"],
                      modality=first.meta["modality"], n_images=len(slices),
                      rows=first.rows, columns=first.columns,
                      spacing=first.pixel_spacing, slices=slices)
    info.kind = kind_label(info)
    return info
