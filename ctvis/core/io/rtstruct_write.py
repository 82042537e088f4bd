"""Label map → RT Structure Set (RTSTRUCT) of the series it was made on.

Each segment becomes an ROI whose contours are traced on every slice of the series with
``skimage.measure.find_contours`` (level 0.5 of the slice's mask: edges half-way between
inside and outside voxel centres, holes as contours of their own, so an even-odd fill gives
the mask back) and written as CLOSED_PLANAR polygons in patient LPS mm, each referencing the
image it lies on.  Written with pydicom: highdicom has no RTSTRUCT, and the one library that
writes them (rt-utils) traces with OpenCV and rounds positions — the module here is short.
Patient and study attributes come from the source images only.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.io.dicom_refs import RTSTRUCT_UID, slice_headers
from ctvis.core.io.dicom_seg_write import table_rows
from ctvis.core.io.seg_codes import algorithm
from ctvis.core.volume import Volume

# Attributes copied from the source (Patient and General Study modules).
FROM_SOURCE = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
               "PatientIdentityRemoved", "DeidentificationMethod", "StudyInstanceUID",
               "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
               "AccessionNumber", "StudyDescription")
STUDY_COMPONENT = "1.2.840.10008.3.1.2.3.1"      # RTReferencedStudySequence's SOP class


def slice_contours(mask2d: np.ndarray) -> list[np.ndarray]:
    """Closed contours (row, column; last point not repeated) around a slice's mask."""
    from skimage.measure import find_contours

    padded = np.pad(mask2d.astype(np.uint8), 1)           # contours at the border close
    out = []
    for c in find_contours(padded, 0.5):
        c = c[:-1] - 1 if np.allclose(c[0], c[-1]) else c - 1
        if len(c) >= 3:
            out.append(_without_collinear(c))
    return out


def _without_collinear(c: np.ndarray) -> np.ndarray:
    """The contour without points that lie on the straight line of their neighbours."""
    prev, nxt = np.roll(c, 1, axis=0), np.roll(c, -1, axis=0)
    cross = (c[:, 0] - prev[:, 0]) * (nxt[:, 1] - c[:, 1]) - \
        (c[:, 1] - prev[:, 1]) * (nxt[:, 0] - c[:, 0])
    keep = np.abs(cross) > 1e-9
    return c[keep] if keep.sum() >= 3 else c


def _ds(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _image_ref(header):
    from pydicom.dataset import Dataset

    ref = Dataset()
    ref.ReferencedSOPClassUID = header.SOPClassUID
    ref.ReferencedSOPInstanceUID = header.SOPInstanceUID
    return ref


def build_rtstruct(volume: Volume, labels: np.ndarray, segments=None,
                   origin: str | None = None):
    """The pydicom dataset of an RTSTRUCT of ``labels`` on ``volume`` (loaded from DICOM)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from ctvis import __version__

    headers = slice_headers(volume)
    rows = table_rows(labels, segments)
    if not rows:
        raise CtvisError("nothing to write: the label map is empty")
    first = next(iter(headers.values()))
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = RTSTRUCT_UID
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = first.get("SpecificCharacterSet", "ISO_IR 100")
    ds.SOPClassUID, ds.SOPInstanceUID = RTSTRUCT_UID, ds.file_meta.MediaStorageSOPInstanceUID
    now = datetime.datetime.now()
    for key in FROM_SOURCE:                # slice_headers set absent type 2 ones empty
        if key in first:
            setattr(ds, key, first.data_element(key).value)
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID, ds.SeriesNumber = generate_uid(), 1001
    ds.SeriesDescription = "ctvis structures"
    ds.OperatorsName = ""
    ds.Manufacturer, ds.ManufacturerModelName = "ctvis", "ctvis"
    ds.SoftwareVersions = __version__
    ds.InstanceNumber = 1
    ds.StructureSetLabel = "ctvis"
    ds.StructureSetDate, ds.StructureSetTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    frame_uid = str(first.FrameOfReferenceUID)
    ds.FrameOfReferenceUID = frame_uid                       # Frame of Reference module
    ds.PositionReferenceIndicator = first.get("PositionReferenceIndicator", "")
    series = Dataset()
    series.SeriesInstanceUID = first.SeriesInstanceUID
    series.ContourImageSequence = [_image_ref(h) for _k, h in sorted(headers.items())]
    study = Dataset()
    study.ReferencedSOPClassUID = STUDY_COMPONENT
    study.ReferencedSOPInstanceUID = first.StudyInstanceUID
    study.RTReferencedSeriesSequence = [series]
    frame = Dataset()
    frame.FrameOfReferenceUID = frame_uid
    frame.RTReferencedStudySequence = [study]
    ds.ReferencedFrameOfReferenceSequence = [frame]
    ds.StructureSetROISequence, ds.ROIContourSequence = [], []
    ds.RTROIObservationsSequence = []
    for number, row in enumerate(rows, start=1):
        _add_roi(ds, number, row, volume, labels, headers, frame_uid, origin)
    return ds


def _add_roi(ds, number, row, volume, labels, headers, frame_uid, origin) -> None:
    from pydicom.dataset import Dataset

    roi = Dataset()
    roi.ROINumber, roi.ReferencedFrameOfReferenceUID = number, frame_uid
    roi.ROIName = row["name"][:64]
    roi.ROIGenerationAlgorithm = algorithm(row.get("origin") or origin)[0]
    ds.StructureSetROISequence.append(roi)
    item = Dataset()
    item.ReferencedROINumber, item.ROIDisplayColor = number, list(row["color"])
    item.ContourSequence = []
    for k in np.nonzero((labels == row["value"]).any(axis=(1, 2)))[0]:
        if int(k) not in headers:
            continue                       # a slice the loader interpolated: no image
        for c in slice_contours(labels[k] == row["value"]):
            kji = np.column_stack([np.full(len(c), k, float), c])
            contour = Dataset()
            contour.ContourImageSequence = [_image_ref(headers[int(k)])]
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(c)
            contour.ContourData = [_ds(v) for v in volume.index_to_patient(kji).ravel()]
            item.ContourSequence.append(contour)
    ds.ROIContourSequence.append(item)
    obs = Dataset()
    obs.ObservationNumber, obs.ReferencedROINumber = number, number
    obs.RTROIInterpretedType = ""
    obs.ROIInterpreter = ""
    ds.RTROIObservationsSequence.append(obs)


def write_rtstruct(volume: Volume, path, segments=None, origin: str | None = None) -> Path:
    """Write ``volume.array`` (a label map on a DICOM series' grid, with that series'
    ``meta``) as an RTSTRUCT at ``path`` (through a temporary name)."""
    ds = build_rtstruct(volume, np.asarray(volume.array), segments, origin)
    with atomic_path(path) as tmp:
        ds.save_as(tmp, enforce_file_format=True)
    return Path(path)


__all__ = ["write_rtstruct", "build_rtstruct", "slice_contours"]
