"""Write a Volume as a DICOM CT series (one file per slice), geometry included.

Used to export the demo phantom as real DICOM (benchmarks, trying the loader end to end) and by
the tests to build series with known geometry.  Positions come from the Volume's own
index → patient mapping, so oblique and sheared (tilted) volumes are written exactly.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ctvis.core.volume import Volume

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def _ds_number(value: float) -> str:
    """A DS string of at most 16 characters."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if len(text) <= 16 else f"{value:.8g}"


def write_dicom_series(volume: Volume, folder, *, series_uid: str | None = None,
                       description: str = "", slope: float = 1.0, intercept: float = -1024.0,
                       signed: bool = False, study_uid: str | None = None,
                       instance_start: int = 1, name_pattern: str = "IM{index:04d}.dcm",
                       frame_uid: str | None = None, progress=None) -> list[Path]:
    """Write ``volume`` slice by slice; returns the file paths in slice order.

    Stored values are (HU − intercept) / slope, as uint16 (or int16 with ``signed``).
    """
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = series_uid or generate_uid()
    study_uid = study_uid or generate_uid()
    frame_uid = frame_uid or generate_uid()
    dtype = np.int16 if signed else np.uint16
    info = np.iinfo(dtype)
    row_dir, col_dir = volume.direction[:, 0], volume.direction[:, 1]
    orientation = [_ds_number(v) for v in np.concatenate([row_dir, col_dir])]
    dz, dy, dx = volume.spacing
    paths = []
    for k in range(volume.shape[0]):
        if progress is not None and k % 16 == 0:
            progress(k / volume.shape[0], f"writing slice {k}/{volume.shape[0]}")
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = folder / name_pattern.format(index=k + instance_start)
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = CT_IMAGE_STORAGE
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = "CT"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.PatientName = str(volume.meta.get("patient_name", "Phantom^Chest"))
        ds.PatientID = str(volume.meta.get("patient_id", "CTVIS-PHANTOM"))
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.SeriesDescription = description or str(volume.meta.get("description", ""))
        ds.SeriesNumber = 1
        ds.InstanceNumber = k + instance_start
        ds.ImagePositionPatient = [_ds_number(v) for v in volume.index_to_patient([k, 0, 0])]
        ds.ImageOrientationPatient = orientation
        ds.PixelSpacing = [_ds_number(dy), _ds_number(dx)]
        ds.SliceThickness = _ds_number(dz)
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = volume.shape[1], volume.shape[2]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 1 if signed else 0
        ds.RescaleSlope = _ds_number(slope)
        ds.RescaleIntercept = _ds_number(intercept)
        ds.RescaleType = "HU"
        for key, tag in (("window_center", "WindowCenter"), ("window_width", "WindowWidth")):
            if volume.meta.get(key) is not None:
                setattr(ds, tag, _ds_number(float(volume.meta[key])))
        stored = np.rint((volume.array[k].astype(np.float64) - intercept) / slope)
        ds.PixelData = np.clip(stored, info.min, info.max).astype(dtype).tobytes()
        ds.save_as(str(path), enforce_file_format=True)
        paths.append(path)
    return paths
