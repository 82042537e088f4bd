"""NIfTI and NRRD volumes and label masks ↔ Volume, geometry included.

NIfTI affines are RAS (the format says so); NRRD is written in LPS space.  Readers return
[z, y, x] arrays with the LPS origin/direction/spacing of a Volume.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import LoadError
from ctvis.core.io import plausible
from ctvis.core.io.gunzip import gunzip
from ctvis.core.io.memory import ensure_fits
from ctvis.core.io.walk import special_file_reason
from ctvis.core.volume import LPS_TO_RAS, Volume

MAX_BYTES_PER_VOXEL = 8          # what a reader may hold per voxel (float64 after scaling)
GZ_SLACK_BYTES = 1 << 20         # a .nii.gz may decompress to this much past its voxels


def _check_header(path, shape) -> None:
    """Refuse a header whose image size is empty or cannot fit, before reading any data."""
    shape = tuple(int(n) for n in shape)
    if not shape or min(shape) < 1:
        raise LoadError(f"{path}: the image is empty (size {shape})")
    ensure_fits(int(np.prod(shape, dtype=float)) * MAX_BYTES_PER_VOXEL,
                f"{path}: image of {' × '.join(map(str, shape))} voxels")


def _check_scaling(path, img) -> None:
    """scl_slope/scl_inter held to the same limits as DICOM's rescale (0 or NaN slope means
    "no scaling" in NIfTI; nibabel then gives slope 1).  nibabel moves the scaling from the
    header into the data proxy on load, so it is read there."""
    slope = getattr(img.dataobj, "slope", None)
    inter = getattr(img.dataobj, "inter", 0.0)
    if slope is None or (slope == 1 and inter == 0):
        return
    problem = plausible.rescale_problem(float(slope), float(inter or 0.0))
    if problem:
        problem = problem.replace("RescaleSlope", "scl_slope").replace("RescaleIntercept",
                                                                         "scl_inter")
        raise LoadError(f"{path}: {problem}")


def _regular_file(path) -> None:
    reason = special_file_reason(path)
    if reason:
        raise LoadError(f"{path}: {reason}, not a readable file")


def _volume_from_index_matrix(array_xyz: np.ndarray, matrix_lps: np.ndarray, meta: dict,
                              dtype) -> Volume:
    """[x, y, z] array + 4×4 (i, j, k) → LPS matrix → Volume with [z, y, x] array."""
    source = meta.get("source")
    if not np.all(np.isfinite(matrix_lps)):
        raise LoadError(f"{source}: the voxel-to-patient matrix is not finite")
    columns = matrix_lps[:3, :3]
    spacing_xyz = np.linalg.norm(columns, axis=0)
    if np.any(spacing_xyz == 0):
        raise LoadError(f"{source}: degenerate affine (zero voxel size)")
    direction = columns / spacing_xyz[None, :]
    plausible.check_volume(tuple(spacing_xyz[::-1]), matrix_lps[:3, 3], direction, source)
    array = np.ascontiguousarray(np.transpose(array_xyz, (2, 1, 0)))
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
            or array.dtype == bool):
        raise LoadError(f"{source}: voxels of type {array.dtype} are not numbers")
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array)
        if bad.any():
            # NaN/inf voxels hold nothing: the lowest value (air, or background in a mask).
            fill = plausible.AIR_HU if np.issubdtype(np.dtype(dtype), np.signedinteger) else 0
            array = np.where(bad, fill, array)
            meta["warnings"].append(f"{int(bad.sum())} non-finite voxel(s) set to {fill}")
    if np.issubdtype(array.dtype, np.floating) and np.issubdtype(np.dtype(dtype), np.integer):
        array = np.rint(array)
    info = np.iinfo(dtype) if np.issubdtype(np.dtype(dtype), np.integer) else None
    if info is not None and not np.can_cast(array.dtype, dtype):
        outside = int(np.count_nonzero((array < info.min) | (array > info.max)))
        if outside:
            meta["warnings"].append(f"{outside} voxel(s) outside {info.min}…{info.max} "
                                    f"clipped")
        array = np.clip(array, info.min, info.max)
    return Volume(array.astype(dtype, copy=False), tuple(spacing_xyz[::-1]),
                  tuple(matrix_lps[:3, 3]), direction, meta)


def read_nifti(path, dtype=np.int16) -> Volume:
    import nibabel as nib

    _regular_file(path)
    try:
        img = nib.load(str(path))
    except Exception as exc:
        raise LoadError(f"{path}: not a readable NIfTI file ({_short(exc)})") from None
    _check_header(path, img.shape)
    _check_scaling(path, img)
    trailer = None
    try:
        if str(path).endswith(".gz") and hasattr(type(img), "from_bytes"):
            # The whole stream, its CRC checked (nibabel would stop once it has the voxels).
            need = int(img.dataobj.offset) + int(np.prod(img.shape)) \
                * img.get_data_dtype().itemsize
            # vox_offset is the header's word too: the inflated bytes must fit as well.
            ensure_fits(need + GZ_SLACK_BYTES, f"{path}: header and voxels")
            raw, trailer = gunzip(path, limit=need + GZ_SLACK_BYTES)
            img = type(img).from_bytes(raw)
            del raw
        data = np.asanyarray(img.dataobj)       # applies scl_slope / scl_inter
        matrix = np.asarray(img.affine, float).copy()
    except (LoadError, MemoryError):
        raise
    except Exception as exc:
        raise LoadError(f"{path}: not a readable NIfTI file ({_short(exc)})") from None
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise LoadError(f"{path}: NIfTI image has {data.ndim} dimensions, expected 3")
    matrix[:3, :] = LPS_TO_RAS @ matrix[:3, :]            # RAS → LPS (same flip both ways)
    meta = {"source": str(path), "description": Path(path).name, "modality": "CT",
            "warnings": [trailer] if trailer else [], "skipped": []}
    return _volume_from_index_matrix(data, matrix, meta, dtype)


def read_nrrd(path, dtype=np.int16) -> Volume:
    import nrrd

    _regular_file(path)
    try:
        _check_header(path, nrrd.read_header(str(path)).get("sizes", ()))
        data, header = nrrd.read(str(path))          # [x, y, z] (Fortran index order)
    except (LoadError, MemoryError):
        raise
    except Exception as exc:
        raise LoadError(f"{path}: not a readable NRRD file ({_short(exc)})") from None
    if data.ndim != 3:
        raise LoadError(f"{path}: NRRD has {data.ndim} dimensions, expected 3")
    try:
        directions = np.asarray(header.get("space directions", np.eye(3)), float)
        origin = np.asarray(header.get("space origin", np.zeros(3)), float)
        if directions.shape != (3, 3) or origin.shape != (3,):
            raise ValueError(f"space directions {directions.shape}, origin {origin.shape}")
    except (TypeError, ValueError) as exc:
        raise LoadError(f"{path}: NRRD geometry is not three 3-D axes and an origin "
                        f"({_short(exc)})") from None
    space = str(header.get("space", "left-posterior-superior")).lower()
    matrix = np.eye(4)
    matrix[:3, :3] = directions.T            # rows of 'space directions' are the axes
    matrix[:3, 3] = origin
    if space in ("right-anterior-superior", "ras"):
        matrix[:3, :] = LPS_TO_RAS @ matrix[:3, :]
    elif space not in ("left-posterior-superior", "lps"):
        raise LoadError(f"{path}: NRRD space '{space}' is not supported (LPS or RAS)")
    meta = {"source": str(path), "description": Path(path).name, "modality": "CT",
            "warnings": [], "skipped": []}
    return _volume_from_index_matrix(data, matrix, meta, dtype)


def _short(exc: Exception) -> str:
    """The reason in one short line; bare KeyError/StopIteration text says nothing alone."""
    text = " ".join(str(exc).split())
    text = text[:200] + "…" if len(text) > 200 else text
    if isinstance(exc, StopIteration):
        return "header ends early: empty or truncated file"
    if not text or isinstance(exc, (KeyError, IndexError)):
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text


def write_nifti(volume: Volume, path) -> Path:
    """Write ``volume.array`` (HU or labels) as NIfTI with a RAS affine (sform and qform)."""
    import nibabel as nib

    data = np.transpose(volume.array, (2, 1, 0))
    img = nib.Nifti1Image(data, volume.ras_affine())
    img.set_sform(volume.ras_affine(), code=1)       # scanner coordinates
    img.set_qform(volume.ras_affine(), code=1)
    img.header.set_xyzt_units("mm")
    with atomic_path(path) as tmp:
        nib.save(img, str(tmp))
    return Path(path)


def write_nrrd(volume: Volume, path) -> Path:
    """Write as NRRD in LPS space (what 3D Slicer and ITK-SNAP expect), gzip-encoded."""
    import nrrd

    m = volume.index_to_patient_matrix
    header = {"space": "left-posterior-superior", "space directions": m[:3, :3].T,
              "space origin": m[:3, 3], "kinds": ["domain"] * 3, "encoding": "gzip"}
    data = np.asfortranarray(np.transpose(volume.array, (2, 1, 0)))
    path = Path(path)
    if path.suffix.lower() == ".nhdr":
        return _write_detached_nrrd(path, data, header)
    with atomic_path(path) as tmp:
        nrrd.write(str(tmp), data, header, index_order="F")
    return path


def _write_detached_nrrd(path: Path, data, header) -> Path:
    """``x.nhdr`` naming its data file ``x.raw.gz`` beside it: both are written under their
    own names in a temporary folder beside the target, then moved into place, data first
    (written through a temporary name, the header would name the temporary data file)."""
    import tempfile

    import nrrd

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{path.stem}.", suffix=".part",
                                     dir=path.parent) as folder:
        nrrd.write(str(Path(folder) / path.name), data, header, index_order="F")
        data_file = str(nrrd.read_header(str(Path(folder) / path.name))["data file"])
        os.replace(Path(folder) / data_file, path.parent / data_file)
        os.replace(Path(folder) / path.name, path)
    return path
