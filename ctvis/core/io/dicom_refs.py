"""DICOM segment objects (SEG, RTSTRUCT) and the series they reference.

What kind a DICOM file is (by its SOP class, not its suffix: both are ``.dcm``), whether an
object may be placed on an open volume (same series: as it is; same frame of reference:
resampled, with a warning; otherwise one error naming both series), and the header of each
slice of a loaded series (a writer references them).
"""
from __future__ import annotations

from pathlib import Path

from ctvis.core.errors import CtvisError

SEG_UID = "1.2.840.10008.5.1.4.1.1.66.4"
RTSTRUCT_UID = "1.2.840.10008.5.1.4.1.1.481.3"
KINDS = {SEG_UID: "seg", RTSTRUCT_UID: "rtstruct"}
NAMES = {"seg": "DICOM SEG", "rtstruct": "RTSTRUCT"}
# Patient and study attributes a derived object copies (type 2: present, maybe empty).
PATIENT_STUDY_TYPE2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                       "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
                       "AccessionNumber")


def segment_object_kind(path) -> str | None:
    """"seg", "rtstruct" or None (not DICOM, or another SOP class) for a file."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True,
                             specific_tags=["SOPClassUID", "MediaStorageSOPClassUID"])
    except (InvalidDicomError, OSError, EOFError, ValueError, TypeError):
        return None
    uid = str(ds.get("SOPClassUID", "") or ds.file_meta.get("MediaStorageSOPClassUID", ""))
    return KINDS.get(uid)


def check_reference(path, kind: str, series_uid: str | None, frame_uid: str | None,
                    volume) -> str | None:
    """None when the object at ``path`` references ``volume``'s series; a warning (without
    the path: the caller prints it) when it
    references another series in the same frame of reference (the caller resamples);
    a CtvisError naming both series otherwise."""
    meta = volume.meta
    ours, our_frame = meta.get("series_uid"), meta.get("frame_of_reference_uid")
    name = NAMES[kind]
    if ours is None or not our_frame:
        raise CtvisError(f"{path}: a {name} belongs to a DICOM series (it references "
                         f"{series_uid or 'no series'}); open that series, not "
                         f"{meta.get('source') or 'a volume without DICOM geometry'}")
    if series_uid and series_uid == ours:
        return None
    if frame_uid and frame_uid == our_frame:
        return (f"the {name} references series {series_uid or '(none named)'}, not "
                f"the open series {ours}; same frame of reference, so it was resampled "
                f"(nearest neighbour) onto the open volume")
    raise CtvisError(f"{path}: the {name} references series {series_uid or '(none named)'} "
                     f"in frame of reference {frame_uid or '(none)'}, the open series "
                     f"{ours} lies in {our_frame}: they cannot be placed on each other")


def slice_headers(volume) -> dict[int, object]:
    """{slice index k: pydicom header (no pixels)} of a loaded DICOM series (the loader's
    ``meta["slice_files"]``); a CtvisError when the volume did not come from DICOM files.
    Type 2 patient and study attributes a source lacks are set empty in these copies (a
    derived object must carry them; nothing is invented)."""
    import pydicom

    files = volume.meta.get("slice_files")
    if not files:
        raise CtvisError(f"{volume.meta.get('source') or 'the volume'}: a DICOM object "
                         f"needs a DICOM source (a series loaded from DICOM files)")
    out = {}
    for k, path in sorted(files.items()):
        if not Path(path).is_file():
            raise CtvisError(f"{path}: the source slice is gone (the DICOM object "
                             f"references every source file)")
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        for key in PATIENT_STUDY_TYPE2:
            if key not in ds:
                setattr(ds, key, "")
        out[int(k)] = ds
    return out


__all__ = ["SEG_UID", "RTSTRUCT_UID", "segment_object_kind", "check_reference",
           "slice_headers"]
