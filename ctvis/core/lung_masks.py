"""Lung label masks in files: NIfTI (.nii / .nii.gz, RAS affine) and NRRD (.nrrd, LPS space).

Both carry the CT's grid, so 3D Slicer and ITK-SNAP put the mask on top of the CT.  Writing
goes through a temporary name (never a half-written file under the asked name).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ctvis.core.errors import CtvisError
from ctvis.core.volume import Volume
from ctvis.core.volume_files import (NIFTI_SUFFIXES, NRRD_SUFFIXES, has_suffix, read_nifti,
                                     read_nrrd, write_nifti, write_nrrd)

MASK_SUFFIXES = (".nii.gz", ".nii", ".nrrd")


def write_mask(volume: Volume, labels: np.ndarray, path) -> Path:
    """Write ``labels`` (uint8, on ``volume``'s grid) to ``path`` (format from the suffix)."""
    labels = np.asarray(labels)
    if labels.shape != volume.shape:
        raise ValueError(f"labels shape {labels.shape} differs from the volume's {volume.shape}")
    grid = volume.with_array(labels.astype(np.uint8, copy=False))
    if has_suffix(path, NIFTI_SUFFIXES):
        return write_nifti(grid, path)
    if has_suffix(path, NRRD_SUFFIXES):
        return write_nrrd(grid, path)
    raise CtvisError(f"{path}: unknown mask format (use one of {', '.join(MASK_SUFFIXES)})")


def read_mask(path) -> Volume:
    """A label mask file as a Volume with a uint8 array."""
    if has_suffix(path, NIFTI_SUFFIXES):
        return read_nifti(path, dtype=np.uint8)
    if has_suffix(path, NRRD_SUFFIXES):
        return read_nrrd(path, dtype=np.uint8)
    raise CtvisError(f"{path}: unknown mask format (use one of {', '.join(MASK_SUFFIXES)})")
