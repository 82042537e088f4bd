"""One reader dispatch for every input: DICOM folder or file, NIfTI, NRRD → Volume.

The file kind is decided here and only here (``file_kind``); volumes and label masks go
through the same choice, so a suffix the volume reader knows the mask reader knows too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ctvis.core.errors import CtvisError, LoadError
from ctvis.core.volume import Volume



@dataclass(frozen=True)
class FileFormat:
    """A file format of volumes and label masks, known by its suffixes."""
    kind: str                  # what ``file_kind`` says
    name: str                  # "NIfTI": in help texts and file dialogs
    suffixes: tuple            # lower case, the one written by default first
    space: str                 # the coordinates the file states
    reader: str                # the function of ``nifti_nrrd`` that reads it
    writer: str                # ... and the one that writes it


# The one list of the volume and mask formats (and their suffixes): dispatch here, the CLI's
# help and checks, the window's open dialog and the Lungs dock's export dialog read it.
MASK_FORMATS = (FileFormat("nifti", "NIfTI", (".nii.gz", ".nii"), "RAS affine", "read_nifti",
                      "write_nifti"),
           FileFormat("nrrd", "NRRD", (".nrrd", ".nhdr"), "LPS", "read_nrrd", "write_nrrd"))
FORMAT = {f.kind: f for f in MASK_FORMATS}
NIFTI_SUFFIXES = FORMAT["nifti"].suffixes
NRRD_SUFFIXES = FORMAT["nrrd"].suffixes
MASK_SUFFIXES = tuple(s for f in MASK_FORMATS for s in f.suffixes)


def file_kind(path) -> str:
    """"nifti", "nrrd" or "dicom" (a folder, or any other file) for ``path``."""
    name = str(path).lower()
    for f in MASK_FORMATS:
        if name.endswith(f.suffixes):
            return f.kind
    return "dicom"


def _function(path, role: str):
    """The reader or writer (``role``) of ``path``'s format, None for DICOM."""
    f = FORMAT.get(file_kind(path))
    if f is None:
        return None
    from ctvis.core.io import nifti_nrrd

    return getattr(nifti_nrrd, getattr(f, role))


def _read_file(path: Path, dtype):
    reader = _function(path, "reader")
    return None if reader is None else reader(path, dtype=dtype)


def load(path, series_uid=None, progress=None, cancel=None) -> Volume:
    """A HU Volume from a DICOM folder/file, a NIfTI or an NRRD file."""
    path = Path(path)
    if not path.exists():
        what = "broken symbolic link or link loop" if path.is_symlink() else \
            "no such file or folder"
        raise LoadError(f"{path}: {what}")
    volume = _read_file(path, np.int16) if path.is_file() else None
    if volume is None:
        from ctvis.core.io.dicom import load_dicom

        return load_dicom(path, series_uid=series_uid, progress=progress, cancel=cancel)
    if progress is not None:
        progress(1.0, "loaded")
    return volume


def read_mask(path, like: Volume | None = None) -> Volume:
    """A label mask file (NIfTI or NRRD) as a Volume with a uint8 array.

    With ``like``, the mask must lie on that volume's grid (same shape, same voxel
    positions), else a CtvisError says how they differ.
    """
    path = Path(path)
    if file_kind(path) == "dicom":
        raise CtvisError(f"{path}: a mask must be NIfTI or NRRD "
                         f"({', '.join(MASK_SUFFIXES)})")
    if not path.is_file():
        from ctvis.core.io.walk import special_file_reason

        reason = special_file_reason(path) if os.path.lexists(path) else None
        what = f"{reason}, not a mask file" if reason else "no such mask file"
        raise CtvisError(f"{path}: {what}")
    mask = _read_file(path, np.uint8)
    if like is not None:
        _check_grid(mask, like, path)
    return mask


def _check_grid(mask: Volume, volume: Volume, path) -> None:
    if mask.shape != volume.shape:
        raise CtvisError(f"{path}: mask shape {mask.shape} (z, y, x) does not match the "
                         f"series' {volume.shape}")
    corners = np.array([[k, j, i] for k in (0, volume.shape[0] - 1)
                        for j in (0, volume.shape[1] - 1) for i in (0, volume.shape[2] - 1)])
    gap = np.abs(mask.index_to_patient(corners) - volume.index_to_patient(corners)).max()
    if gap > 0.05 * min(volume.spacing):
        raise CtvisError(f"{path}: mask geometry does not match the series (voxel "
                         f"positions differ by up to {gap:.3g} mm; origin {mask.origin} vs "
                         f"{volume.origin}, spacing {mask.spacing} vs {volume.spacing})")


def write_mask(volume: Volume, labels: np.ndarray, path) -> Path:
    """Write ``labels`` (uint8, on ``volume``'s grid) to ``path`` (format from the suffix)."""
    labels = np.asarray(labels)
    if labels.shape != volume.shape:
        raise ValueError(f"labels shape {labels.shape} differs from the volume's {volume.shape}")
    writer = _function(path, "writer")
    if writer is None:
        raise CtvisError(f"{path}: unknown mask format (use one of {', '.join(MASK_SUFFIXES)})")
    return writer(volume.with_array(labels.astype(np.uint8, copy=False)), path)
