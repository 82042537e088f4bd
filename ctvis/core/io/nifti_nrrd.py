"""NIfTI and NRRD volumes and label masks ↔ Volume, geometry included.

NIfTI affines are RAS (the format says so); NRRD is written in LPS space.  Readers return
[z, y, x] arrays with the LPS origin/direction/spacing of a Volume.  Label maps keep their
segment table (``meta["segments"]``, ``ctvis.core.io.label_tables``): NRRD in 3D Slicer's
header fields (``.seg.nrrd`` is such an NRRD), NIfTI in a colour table beside it; readers
asked for ``dtype=LABELS`` keep a uint8/uint16 file's type (else the smallest that holds it).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import LoadError
from ctvis.core.io import plausible
from ctvis.core.io.gunzip import gunzip
from ctvis.core.io.label_tables import (color_table_path, default_segments, nrrd_fields,
                                        segments_from_nrrd, write_color_table)
from ctvis.core.io.memory import ensure_fits
from ctvis.core.io.walk import special_file_reason
from ctvis.core.volume import LPS_TO_RAS, Volume

LABELS = "labels"                # a reader's dtype for label maps: uint8 or uint16, as stored
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
    if isinstance(dtype, str) and dtype == LABELS:
        dtype = _label_dtype(array_xyz)
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


def _label_dtype(array: np.ndarray):
    """uint8/uint16 as stored (a session's map comes back byte for byte), else the smaller
    of the two that holds the values."""
    if array.dtype in (np.uint8, np.uint16):
        return array.dtype.type
    if array.dtype == bool or not array.size:
        return np.uint8
    top = np.nanmax(array) if np.issubdtype(array.dtype, np.floating) else array.max()
    return np.uint8 if not top > 255 else np.uint16


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
    if _no_orientation(img):
        meta["warnings"].append(
            f"{path}: the file states no orientation (sform and qform codes 0): its axes are "
            f"taken as NIfTI's default (x to the left, y to the front, z up); left and right "
            f"may be swapped and the patient position is unknown")
    return _volume_from_index_matrix(data, matrix, meta, dtype)


def _no_orientation(img) -> bool:
    header = getattr(img, "header", None)
    try:
        return int(header["sform_code"]) == 0 and int(header["qform_code"]) == 0
    except (TypeError, KeyError, ValueError):
        return False


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
    try:
        segments = segments_from_nrrd(header)
    except (TypeError, ValueError) as exc:
        raise LoadError(f"{path}: NRRD segment fields are damaged ({_short(exc)})") from None
    if data.ndim == 4 and segments is not None:      # 3D Slicer's layers of overlapping segments
        data, segments = _one_layer(path, data, header, segments)
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
    if segments is not None:
        meta["segments"] = [{k: v for k, v in s.items() if k != "layer"} for s in segments]
    return _volume_from_index_matrix(data, matrix, meta, dtype)


def _one_layer(path, data: np.ndarray, header: dict, segments: list):
    """3D Slicer's list of layers [layer, x, y, z] as one label array, when the segments do
    not overlap; a value used in two layers gets the next free value."""
    kinds = [str(k) for k in header.get("kinds", [])]
    if kinds and kinds[0] != "list":
        raise LoadError(f"{path}: NRRD has 4 dimensions and the first is not Slicer's list "
                        f"of layers ({' '.join(kinds)})")
    directions = np.asarray(header.get("space directions"), dtype=object)
    header["space directions"] = np.array([list(map(float, d)) for d in directions[1:]])
    out = np.zeros(data.shape[1:], np.uint16)
    used, rows = set(), []
    for s in segments:
        where = data[s["layer"]] == s["value"]
        if np.any(out[where]):
            raise LoadError(f"{path}: segment {s['name']!r} overlaps another one; ctvis keeps "
                            f"one label per voxel (save it without overlaps)")
        value = s["value"]
        while value in used:
            value += 1
        used.add(value)
        out[where] = value
        rows.append(dict(s, value=value, layer=0))
    return (out.astype(np.uint8) if max(used, default=0) < 256 else out), rows


def _short(exc: Exception) -> str:
    """The reason in one short line; bare KeyError/StopIteration text says nothing alone."""
    text = " ".join(str(exc).split())
    text = text[:200] + "…" if len(text) > 200 else text
    if isinstance(exc, StopIteration):
        return "header ends early: empty or truncated file"
    if not text or isinstance(exc, (KeyError, IndexError)):
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text


def write_nifti(volume: Volume, path, segments=None) -> Path:
    """Write ``volume.array`` (HU or labels) as NIfTI with a RAS affine (sform and qform);
    ``segments``: the label map's table, written beside it as a 3D Slicer colour table."""
    import nibabel as nib

    data = np.transpose(volume.array, (2, 1, 0))
    img = nib.Nifti1Image(data, volume.ras_affine())
    img.set_sform(volume.ras_affine(), code=1)       # scanner coordinates
    img.set_qform(volume.ras_affine(), code=1)
    img.header.set_xyzt_units("mm")
    with atomic_path(path) as tmp:
        nib.save(img, str(tmp))
    if segments is not None:
        write_color_table(segments, color_table_path(path))
    return Path(path)


def write_nrrd(volume: Volume, path, segments=None) -> Path:
    """Write as NRRD in LPS space (what 3D Slicer and ITK-SNAP expect), gzip-encoded;
    ``segments``: the label map's table, as 3D Slicer's segment fields."""
    import nrrd

    m = volume.index_to_patient_matrix
    header = {"space": "left-posterior-superior", "space directions": m[:3, :3].T,
              "space origin": m[:3, 3], "kinds": ["domain"] * 3, "encoding": "gzip"}
    data = np.asfortranarray(np.transpose(volume.array, (2, 1, 0)))
    if segments is not None:
        header.update(nrrd_fields(segments, data))
    path = Path(path)
    if path.suffix.lower() == ".nhdr":
        return _write_detached_nrrd(path, data, header)
    with atomic_path(path) as tmp:
        nrrd.write(str(tmp), data, header, index_order="F")
    return path


def write_seg_nrrd(volume: Volume, path, segments=None) -> Path:
    """3D Slicer's segmentation file (``.seg.nrrd``): NRRD in LPS with a segment's name,
    colour, label value, layer and extent per segment (``segments`` None: a table made from
    the values present, lungs named)."""
    if segments is None:
        segments = default_segments(np.unique(volume.array))
    return write_nrrd(volume, path, segments)


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
