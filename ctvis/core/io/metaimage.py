"""MetaImage volumes and label masks (``.mha``, ``.mhd`` with its data file) ↔ Volume.

ITK's format, in which LUNA16 ships its chest CTs and lung masks and which ITK, 3D Slicer
and elastix write.  A text header of ``Key = Value`` lines ends with ``ElementDataFile``:
``LOCAL`` (the voxels follow in the same file, ``.mha``) or the data file's name beside
it (``.mhd``).  Coordinates are LPS; ``TransformMatrix`` holds each index axis's direction,
x first (as ITK reads it); ``Offset`` is the first voxel's centre.  zlib-compressed data
(``CompressedData = True``) is read and written.  Label names and colours are not part of
the format: a mask written here keeps its values only.
"""
from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import LoadError
from ctvis.core.io.memory import ensure_fits
from ctvis.core.io.nifti_nrrd import _check_header, _regular_file, _volume_from_index_matrix
from ctvis.core.volume import Volume

HEADER_LIMIT = 1 << 16          # a header is a few hundred bytes: more is no MetaImage
TYPES = {"MET_CHAR": "i1", "MET_UCHAR": "u1", "MET_SHORT": "i2", "MET_USHORT": "u2",
         "MET_INT": "i4", "MET_UINT": "u4", "MET_LONG": "i4", "MET_ULONG": "u4",
         "MET_LONG_LONG": "i8", "MET_ULONG_LONG": "u8", "MET_FLOAT": "f4",
         "MET_DOUBLE": "f8"}
NAMES = {np.dtype(v).newbyteorder("<").str: k for k, v in reversed(TYPES.items())}
TRUE = ("true", "1", "yes")


def read_metaimage(path, dtype=np.int16) -> Volume:
    path = Path(path)
    _regular_file(path)
    header, data_at = _header(path)
    shape = _numbers(path, header, "DimSize", int)
    ndims = int(_numbers(path, header, "NDims", int, 1)[0]) if "NDims" in header else len(shape)
    if ndims == 4 and len(shape) == 4 and shape[3] == 1:
        ndims, shape = 3, shape[:3]
    if ndims != 3 or len(shape) != 3:
        raise LoadError(f"{path}: MetaImage has {ndims} dimensions, expected 3")
    if _numbers(path, header, "ElementNumberOfChannels", int, 1, default=(1,)) != (1,):
        raise LoadError(f"{path}: MetaImage has {header['ElementNumberOfChannels']} channels "
                        f"per voxel, expected 1")
    kind = header.get("ElementType", "")
    if kind not in TYPES:
        raise LoadError(f"{path}: MetaImage ElementType '{kind}' is not a number type")
    msb = (header.get("BinaryDataByteOrderMSB") or header.get("ElementByteOrderMSB")
           or "False").lower() in TRUE
    voxel = np.dtype(TYPES[kind]).newbyteorder(">" if msb else "<")
    _check_header(path, shape)
    raw = _voxels(path, header, data_at, int(np.prod(shape)) * voxel.itemsize)
    data = np.frombuffer(raw, voxel).reshape(shape[::-1])          # [z, y, x] on disk
    spacing = _numbers(path, header, header_key(header, "ElementSpacing", "ElementSize"),
                       float, 3, default=(1.0, 1.0, 1.0))
    origin = _numbers(path, header, header_key(header, "Offset", "Position", "Origin"),
                      float, 3, default=(0.0, 0.0, 0.0))
    axes = _numbers(path, header, header_key(header, "TransformMatrix", "Rotation",
                                             "Orientation"),
                    float, 9, default=tuple(np.eye(3).ravel()))
    matrix = np.eye(4)
    matrix[:3, :3] = np.asarray(axes).reshape(3, 3).T * np.asarray(spacing)[None, :]
    matrix[:3, 3] = origin
    meta = {"source": str(path), "description": path.name, "modality": "CT",
            "warnings": [], "skipped": []}
    return _volume_from_index_matrix(np.transpose(data, (2, 1, 0)).astype(
        voxel.newbyteorder("="), copy=False), matrix, meta, dtype)


def header_key(header: dict, *names) -> str:
    """The first of ``names`` the header holds (MetaIO accepts each), else the first."""
    return next((n for n in names if n in header), names[0])


def _header(path: Path) -> tuple[dict, int]:
    """The header's fields and the byte offset just past it."""
    with open(path, "rb") as f:
        head = f.read(HEADER_LIMIT)
    fields, at = {}, 0
    for line in head.splitlines(keepends=True):
        at += len(line)
        key, sep, value = line.decode("latin-1").partition("=")
        if not sep:
            if line.strip():
                break
            continue
        fields[key.strip()] = value.strip()
        if key.strip() == "ElementDataFile":
            return fields, at
    raise LoadError(f"{path}: not a MetaImage file (no header ending in ElementDataFile "
                    f"in its first {HEADER_LIMIT} bytes)")


def _numbers(path, header, key, kind, count=None, default=None) -> tuple:
    if key not in header:
        if default is None:
            raise LoadError(f"{path}: MetaImage header has no {key}")
        return tuple(default)
    try:
        values = tuple(kind(float(v)) if kind is int else kind(v)
                       for v in header[key].split())
    except ValueError:
        raise LoadError(f"{path}: MetaImage {key} '{header[key]}' is not numbers") from None
    if count is not None and len(values) != count:
        raise LoadError(f"{path}: MetaImage {key} has {len(values)} values, expected {count}")
    return values


def _voxels(path: Path, header: dict, data_at: int, size: int) -> bytes:
    """The voxels' bytes: after the header (LOCAL) or from the data file beside it."""
    name = header["ElementDataFile"]
    if name.upper() == "LOCAL":
        source, skip = path, data_at
    elif name.upper().startswith("LIST") or "%" in name:
        raise LoadError(f"{path}: MetaImage with one data file per slice ({name}) is not "
                        f"supported: save it as one .mha or .mhd with one data file")
    else:
        source = path.parent / name
        if not source.is_file():
            raise LoadError(f"{path}: its data file {source} is missing")
        _regular_file(source)
        skip = int(float(header.get("HeaderSize", "0")))
    compressed = header.get("CompressedData", "False").lower() in TRUE
    ensure_fits(2 * size, f"{path}: image of {size} bytes")
    with open(source, "rb") as f:
        if skip == -1 and not compressed:                 # the voxels end the file
            skip = max(os.fstat(f.fileno()).st_size - size, 0)
        f.seek(max(skip, 0))
        raw = f.read(None if compressed else size)
    if compressed:
        try:
            raw = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(raw, size)
        except zlib.error as exc:
            raise LoadError(f"{path}: MetaImage compressed data is damaged ({exc})") from None
    if len(raw) < size:
        raise LoadError(f"{path}: MetaImage data holds {len(raw)} bytes, the header's size "
                        f"needs {size} (truncated file)")
    return raw[:size]


def write_metaimage(volume: Volume, path, segments=None) -> Path:
    """Write ``volume`` as MetaImage in LPS, zlib-compressed: one ``.mha`` file, or an
    ``.mhd`` header naming its ``.zraw`` data file beside it.  ``segments`` (names,
    colours) have no place in the format and are not written."""
    path = Path(path)
    array = np.ascontiguousarray(volume.array)
    if array.dtype == bool:
        array = array.astype(np.uint8)
    kind = NAMES.get(array.dtype.newbyteorder("<").str)
    if kind is None:
        array, kind = array.astype(np.float32), "MET_FLOAT"
    data = zlib.compress(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes(), 6)
    m = volume.index_to_patient_matrix
    axes = (m[:3, :3] / np.asarray(volume.spacing[::-1])[None, :]).T.ravel()
    detached = path.suffix.lower() == ".mhd"
    data_name = path.with_suffix(".zraw").name
    text = "\n".join([
        "ObjectType = Image", "NDims = 3", "BinaryData = True",
        "BinaryDataByteOrderMSB = False", "CompressedData = True",
        f"CompressedDataSize = {len(data)}", f"TransformMatrix = {_text(axes)}",
        f"Offset = {_text(m[:3, 3])}", f"ElementSpacing = {_text(volume.spacing[::-1])}",
        f"DimSize = {' '.join(str(n) for n in array.shape[::-1])}",
        f"ElementType = {kind}",
        f"ElementDataFile = {data_name if detached else 'LOCAL'}"]) + "\n"
    if not detached:
        with atomic_path(path) as tmp:
            tmp.write_bytes(text.encode("ascii") + data)
        return path
    # Both under their own names in a temporary folder beside the target, then moved in,
    # data first (the header names the data file, which must be there when it is).
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{path.stem}.", suffix=".part",
                                     dir=path.parent) as folder:
        (Path(folder) / data_name).write_bytes(data)
        (Path(folder) / path.name).write_text(text, encoding="ascii")
        os.replace(Path(folder) / data_name, path.parent / data_name)
        os.replace(Path(folder) / path.name, path)
    return path


def _text(values) -> str:
    return " ".join(f"{float(v):.10g}" for v in values)


__all__ = ["read_metaimage", "write_metaimage"]
