"""One reader dispatch for every input: DICOM folder or file, NIfTI, NRRD → Volume.

The file kind is decided here and only here (``file_kind``); volumes and label masks go
through the same choice, so a suffix the volume reader knows the mask reader knows too.
Label maps keep their segment table (``write_mask(..., segments=)``; ``read_mask`` returns
it in ``meta["segments"]``: NRRD header fields, a 3D Slicer ``.seg.nrrd``, or the colour
table beside a NIfTI).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ctvis.core.errors import CtvisError, LoadError
from ctvis.core.io.archive import is_archive, unpacked
from ctvis.core.io.hu_offset import undo_offset
from ctvis.core.volume import Volume


@dataclass(frozen=True)
class FileFormat:
    """A file format of volumes and label masks, known by its suffixes."""
    kind: str                  # what ``file_kind`` says
    name: str                  # "NIfTI": in help texts and file dialogs
    suffixes: tuple            # lower case, the one written by default first
    space: str                 # the coordinates the file states
    reader: str                # the function of ``nifti_nrrd`` that reads it
    writer: str                # ... and the one that writes it (volume, path, segments=None)
    names: str                 # where a label map's segment names and colours go
    module: str = "nifti_nrrd"  # the module of ``core.io`` holding them ("module.function":
                               # one elsewhere in ``core.io``)


# The one list of the volume and mask formats (and their suffixes): dispatch here, the CLI's
# help and checks, the window's open dialog and the export dialogs read it.
MASK_FORMATS = (
    FileFormat("nifti", "NIfTI", (".nii.gz", ".nii"), "RAS affine", "read_nifti",
               "write_nifti", "3D Slicer colour table beside it (.txt)"),
    FileFormat("nrrd", "NRRD", (".nrrd", ".nhdr"), "LPS", "read_nrrd", "write_nrrd",
               "3D Slicer segment fields in the header"),
    FileFormat("seg.nrrd", "3D Slicer segmentation", (".seg.nrrd",), "LPS", "read_nrrd",
               "write_seg_nrrd", "3D Slicer segment fields in the header"),
    FileFormat("metaimage", "MetaImage", (".mha", ".mhd"), "LPS", "read_metaimage",
               "write_metaimage", "not kept (the format has none: values only)",
               module="metaimage"))
FORMAT = {f.kind: f for f in MASK_FORMATS}

# DICOM objects made of a label map and the series it lies on: a writer needs that series'
# files (``volume.meta["slice_files"]``) and a reader places the object on the series it
# references.  Not rows of MASK_FORMATS: a volume file ending in .dcm is a CT image, and a
# NIfTI or NRRD volume is no source for them.  Written by suffix (the longest wins), read
# by SOP class (both are .dcm files).
DICOM_MASK_FORMATS = (
    FileFormat("dicom-seg", "DICOM SEG", (".dcm",), "on the source series", "read_seg",
               "dicom_seg_write.write_seg", "segment labels, SNOMED CT codes, colours",
               module="dicom_seg"),
    FileFormat("rtstruct", "DICOM RTSTRUCT", (".rtstruct.dcm",), "on the source series",
               "read_rtstruct", "rtstruct_write.write_rtstruct", "ROI names and colours",
               module="rtstruct"),
)
DICOM_FORMAT = {f.kind: f for f in DICOM_MASK_FORMATS}

NIFTI_SUFFIXES = FORMAT["nifti"].suffixes
NRRD_SUFFIXES = FORMAT["nrrd"].suffixes
MASK_SUFFIXES = tuple(s for f in MASK_FORMATS for s in f.suffixes)
WRITABLE_SUFFIXES = MASK_SUFFIXES + tuple(s for f in DICOM_MASK_FORMATS for s in f.suffixes)


def dicom_mask_kind(path) -> str | None:
    """The DICOM_MASK_FORMATS kind an output ``path`` asks for by its suffix, or None."""
    name = str(path).lower()
    found = [(len(s), f.kind) for f in DICOM_MASK_FORMATS for s in f.suffixes
             if name.endswith(s)]
    return max(found)[1] if found else None


def file_kind(path) -> str:
    """"nifti", "nrrd" or "dicom" (a folder, or any other file) for ``path``."""
    name = str(path).lower()
    # The longest suffix wins: x.seg.nrrd is Slicer's segmentation, not any NRRD.
    found = [(len(s), f.kind) for f in MASK_FORMATS for s in f.suffixes if name.endswith(s)]
    return max(found)[1] if found else "dicom"


def _function(path, role: str):
    """The reader or writer (``role``) of ``path``'s format, None for DICOM."""
    f = FORMAT.get(file_kind(path))
    if f is None:
        return None
    return _of(f, role)


def _of(f: FileFormat, role: str):
    import importlib

    module, _, name = getattr(f, role).rpartition(".")
    return getattr(importlib.import_module(f"ctvis.core.io.{module or f.module}"), name)


def _read_file(path: Path, dtype):
    reader = _function(path, "reader")
    return None if reader is None else reader(path, dtype=dtype)


def load(path, series_uid=None, progress=None, cancel=None) -> Volume:
    """A HU Volume from a DICOM folder/file, a NIfTI, an NRRD or a MetaImage file."""
    path = Path(path)
    if not path.exists():
        what = "broken symbolic link or link loop" if path.is_symlink() else \
            "no such file or folder"
        raise LoadError(f"{path}: {what}")
    if is_archive(path):
        return _load_archive(path, series_uid, progress, cancel)
    volume = _read_file(path, np.int16) if path.is_file() else None
    if volume is None:
        from ctvis.core.io.dicom import load_dicom

        return load_dicom(path, series_uid=series_uid, progress=progress, cancel=cancel)
    shifted = undo_offset(volume.array, path)
    if shifted:
        volume.meta.setdefault("warnings", []).append(shifted)
    if progress is not None:
        progress(1.0, "loaded")
    return volume


def _load_archive(path: Path, series_uid, progress, cancel) -> Volume:
    """The DICOM series an archive holds (as a folder would give it), else its one NIfTI,
    NRRD or MetaImage file."""
    from ctvis.core.io.walk import regular_files

    folder = unpacked(path)
    try:
        volume = load(folder, series_uid=series_uid, progress=progress, cancel=cancel)
    except LoadError as error:
        files = [f for f in regular_files(folder)[0]
                 if f.name.lower().endswith(MASK_SUFFIXES)]
        if len(files) != 1 or series_uid is not None:
            raise LoadError(f"{path}: {str(error).replace(str(folder), '(the archive)')}"
                            ) from None
        volume = load(files[0], progress=progress, cancel=cancel)
    volume.meta["source"] = str(path)
    return volume


def read_mask(path, like: Volume | None = None) -> Volume:
    """A label mask file (NIfTI, NRRD, 3D Slicer ``.seg.nrrd``, DICOM SEG, RTSTRUCT) as a
    Volume with a uint8 (or, as stored or for values above 255, uint16) array; its segment
    table, when the file has one, in ``meta["segments"]`` (dicts: name, value, colour RGB
    0-255); what placing it needed, in ``meta["warnings"]``.

    With ``like``, the mask must lie on that volume's grid (same voxel positions; a file
    cropped to its segments, as 3D Slicer saves them, is padded onto it), else a CtvisError
    says how they differ.  A DICOM SEG or RTSTRUCT is placed on ``like`` when it references
    its series or frame of reference (``dicom_refs.check_reference``).
    """
    path = Path(path)
    if file_kind(path) == "dicom" and path.is_file():
        return _read_dicom_mask(path, like)
    if file_kind(path) == "dicom":
        raise CtvisError(f"{path}: a mask must be NIfTI, NRRD or MetaImage "
                         f"({', '.join(MASK_SUFFIXES)}), a DICOM SEG or an RTSTRUCT")
    if not path.is_file():
        from ctvis.core.io.walk import special_file_reason

        reason = special_file_reason(path) if os.path.lexists(path) else None
        what = f"{reason}, not a mask file" if reason else "no such mask file"
        raise CtvisError(f"{path}: {what}")
    from ctvis.core.io.label_tables import color_table_path, read_color_table
    from ctvis.core.io.nifti_nrrd import LABELS

    mask = _read_file(path, LABELS)
    if file_kind(path) == "nifti" and "segments" not in mask.meta:
        table = read_color_table(color_table_path(path))
        if table is not None:
            mask.meta["segments"] = table
    if like is not None:
        mask = _onto_grid(mask, like, path)
        _check_grid(mask, like, path)
    return mask


def _read_dicom_mask(path: Path, like: Volume | None) -> Volume:
    """A DICOM SEG or RTSTRUCT (told apart by SOP class: both are ``.dcm``) as a label
    map on ``like``'s grid (the series it references), or the SEG's own grid."""
    from ctvis.core.io.dicom_refs import segment_object_kind

    kind = segment_object_kind(path)
    if kind == "rtstruct":
        from ctvis.core.io.rtstruct import read_rtstruct

        return read_rtstruct(path, like)
    if kind == "seg":
        from ctvis.core.io.dicom_seg import read_seg

        return read_seg(path, like)
    raise CtvisError(f"{path}: a mask must be NIfTI, NRRD or MetaImage "
                     f"({', '.join(MASK_SUFFIXES)}), a DICOM SEG or an RTSTRUCT; this file is "
                     f"neither")


def _onto_grid(mask: Volume, volume: Volume, path) -> Volume:
    """``mask`` padded onto ``volume``'s grid when it is a box of it (same spacing and
    axes, whole-voxel offset inside it), as 3D Slicer crops a segmentation to its segments;
    otherwise as it is."""
    if mask.shape == volume.shape:
        return mask
    offset = volume.patient_to_index(mask.index_to_patient(np.zeros(3)))
    lo = np.rint(offset).astype(int)
    hi = lo + np.array(mask.shape)
    same_axes = np.allclose(mask.index_to_patient_matrix[:3, :3],
                            volume.index_to_patient_matrix[:3, :3], atol=1e-3)
    if not (same_axes and np.allclose(offset, lo, atol=0.05) and np.all(lo >= 0)
            and np.all(hi <= volume.shape)):
        return mask
    array = np.zeros(volume.shape, mask.array.dtype)
    array[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = mask.array
    return volume.with_array(array, meta=mask.meta)


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


def write_mask(volume: Volume, labels: np.ndarray, path, segments=None) -> Path:
    """Write ``labels`` (on ``volume``'s grid; uint8 and uint16 kept as they are) to
    ``path`` (format from the suffix), with the segment table ``segments`` (dicts or
    ``Segment`` rows; None: none, but a ``.seg.nrrd`` names the values it holds).  A
    DICOM_MASK_FORMATS suffix (``.dcm``: SEG, ``.rtstruct.dcm``) needs ``volume`` loaded
    from DICOM files; a row's ``origin`` says how it was made (SEG algorithm type)."""
    labels = _label_array(np.asarray(labels))
    if labels.shape != volume.shape:
        raise ValueError(f"labels shape {labels.shape} differs from the volume's {volume.shape}")
    dicom = dicom_mask_kind(path)
    if dicom is not None:
        if not volume.meta.get("slice_files"):
            raise CtvisError(f"{path}: a DICOM object needs a DICOM source "
                             f"({volume.meta.get('source') or 'this volume'} is not a "
                             f"DICOM series)")
        return _of(DICOM_FORMAT[dicom], "writer")(volume.with_array(labels), path,
                                                 segments=segments)
    writer = _function(path, "writer")
    if writer is None:
        raise CtvisError(f"{path}: unknown mask format (use one of "
                         f"{', '.join(WRITABLE_SUFFIXES)})")
    return writer(volume.with_array(labels), path, segments=segments)


def _label_array(labels: np.ndarray) -> np.ndarray:
    if labels.dtype in (np.uint8, np.uint16):
        return labels
    if labels.size and (labels.min() < 0 or labels.max() > 65535):
        raise ValueError("label values must be in 0..65535")
    small = not labels.size or labels.max() < 256
    return labels.astype(np.uint8 if small else np.uint16, copy=False)
