"""Small synthetic volumes and DICOM series with known geometry, written with pydicom."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom

from ctvis.core.io.dicom_write import write_dicom_series
from ctvis.core.volume import Volume


def random_volume(shape=(8, 24, 20), spacing=(2.5, 0.8, 0.7), origin=(-10.0, -20.0, 30.0),
                  direction=None, seed=0) -> Volume:
    rng = np.random.default_rng(seed)
    array = rng.integers(-1000, 2000, size=shape).astype(np.int16)
    return Volume(array, spacing, origin, np.eye(3) if direction is None else direction,
                  {"description": "synthetic"})


def rotation(axis, degrees) -> np.ndarray:
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def write(volume: Volume, folder: Path, **kw) -> list[Path]:
    return write_dicom_series(volume, folder, **kw)


def edit(path: Path, **changes) -> None:
    """Rewrite attributes of one written file (keywords as pydicom attribute names)."""
    ds = pydicom.dcmread(path)
    for key, value in changes.items():
        setattr(ds, key, value)
    ds.save_as(path, enforce_file_format=True)


def positions(paths) -> np.ndarray:
    return np.array([[float(v) for v in pydicom.dcmread(p, stop_before_pixels=True)
                      .ImagePositionPatient] for p in paths])
