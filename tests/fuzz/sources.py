"""The inputs the fuzzer mutates: real series from ../shared/data and small generated ones.

Generated sources are written once per run into a cache folder; real ones are read in place
and only ever copied (never written).  Each source says what kind of reader it exercises and
which command runs on it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path | None:
    env = os.environ.get("CTVIS_DATA")
    path = Path(env) if env else ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


@dataclass(frozen=True)
class Source:
    name: str
    kind: str            # dicom | nifti | nrrd | mask
    path: Path           # folder (dicom) or file
    weight: int          # relative frequency in the mix
    commands: tuple      # commands that may run on it
    volume: Path | None = None     # mask sources: the series the mask belongs to


def _generated(cache: Path) -> list[Source]:
    from ctvis.core.io.nifti_nrrd import write_nifti, write_nrrd
    from tests.helpers.dicom_factory import random_volume, rotation, write

    out = []
    plain = cache / "gen-axial"
    if not plain.is_dir():
        write(random_volume(shape=(10, 24, 20), seed=1), plain)
    out.append(Source("gen-axial", "dicom", plain, 6, ("info",) * 5 + ("segment",)))
    tilted = cache / "gen-oblique"
    if not tilted.is_dir():
        vol = random_volume(shape=(8, 20, 16), direction=rotation("x", 20), seed=2)
        write(vol, tilted, signed=True, slope=0.5, intercept=-1000.0)
    out.append(Source("gen-oblique", "dicom", tilted, 3, ("info",)))
    vol = random_volume(shape=(12, 16, 14), seed=3)
    nii = cache / "gen.nii.gz"
    if not nii.exists():
        write_nifti(vol, nii)
    out.append(Source("gen-nifti", "nifti", nii, 3, ("info",)))
    raw = cache / "gen.nii"
    if not raw.exists():
        write_nifti(vol, raw)
    out.append(Source("gen-nifti-raw", "nifti", raw, 3, ("info",)))
    nrrd = cache / "gen.nrrd"
    if not nrrd.exists():
        write_nrrd(vol, nrrd)
    out.append(Source("gen-nrrd", "nrrd", nrrd, 3, ("info",)))
    return out


def all_sources(cache: Path) -> list[Source]:
    cache.mkdir(parents=True, exist_ok=True)
    out = _generated(cache)
    data = data_dir()
    if data is None:
        return out
    cip = data / "cip-10002K-64"
    out += [
        Source("cip", "dicom", cip / "dicom", 14, ("info",) * 7 + ("segment",)),
        Source("lidc-0001", "dicom", data / "lidc-slabs" / "LIDC-IDRI-0001", 2, ("info",)),
        Source("j2k", "dicom", data / "totalseg-j2k" / "dicom", 2, ("info",)),
        Source("totalseg-nifti", "nifti", data / "totalseg-j2k" / "example_ct.nii.gz", 1,
               ("info",)),
        Source("cip-nrrd", "nrrd", cip / "wholeLung-64.nrrd", 1, ("info",)),
        Source("cip-mask-nrrd", "mask", cip / "wholeLung-64.nrrd", 2, ("mesh",),
               volume=cip / "dicom"),
    ]
    mask_nii = cache / "cip-mask.nii.gz"
    if not mask_nii.exists():
        import ctvis
        from ctvis.core.io import read_mask, write_mask

        volume = ctvis.load(cip / "dicom")
        labels = read_mask(cip / "wholeLung-64.nrrd", like=volume).array
        write_mask(volume, np.where(labels > 0, 1, 0).astype(np.uint8), mask_nii)
    out.append(Source("cip-mask-nifti", "mask", mask_nii, 1, ("mesh",), volume=cip / "dicom"))
    return out
