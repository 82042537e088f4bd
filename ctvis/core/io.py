"""One entry point for every input: a DICOM folder or file, NIfTI, or NRRD → Volume."""
from __future__ import annotations

from pathlib import Path

from ctvis.core.dicom import load_dicom
from ctvis.core.errors import LoadError
from ctvis.core.volume import Volume
from ctvis.core.volume_files import (NIFTI_SUFFIXES, NRRD_SUFFIXES, has_suffix, read_nifti,
                                     read_nrrd)


def load(path, series_uid=None, progress=None, cancel=None) -> Volume:
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file or folder")
    if path.is_file() and has_suffix(path, NIFTI_SUFFIXES):
        volume = read_nifti(path)
    elif path.is_file() and has_suffix(path, NRRD_SUFFIXES):
        volume = read_nrrd(path)
    else:
        return load_dicom(path, series_uid=series_uid, progress=progress, cancel=cancel)
    if progress is not None:
        progress(1.0, "loaded")
    return volume
