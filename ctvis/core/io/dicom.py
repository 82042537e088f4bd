"""DICOM series → HU Volume with patient geometry.

Two passes: headers of every file (``dicom_scan``), then the pixels of the chosen series in
slice order.  Uncompressed little-endian pixels are read straight from their byte offset into
a reused buffer (no second header parse); compressed or odd files go through pydicom's decoders.
"""
from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ctvis.core.io import plausible
from ctvis.core.io.dicom_decode import ChildDecoder, decode_file
from ctvis.core.io.dicom_geometry import StackGeometry, build_geometry
from ctvis.core.io.dicom_scan import ScanResult, SeriesInfo, scan
from ctvis.core.io.hu_offset import undo_offset
from ctvis.core.errors import LoadError
from ctvis.core.image.field import META_KEY as FIELD_KEY
from ctvis.core.image.field import outside_field
from ctvis.core.image.hu import raw_to_hu
from ctvis.core.io.memory import ensure_fits
from ctvis.core.io.quiet import c_stderr_to_log
from ctvis.core.io.walk import open_regular
from ctvis.core.progress import Progress
from ctvis.core.volume import Volume

log = logging.getLogger(__name__)

READ_THREADS = 2          # the machines this runs on have 2 cores; more threads only queue
CHUNK = 16                # slices per task: progress granularity vs. task overhead

# Which package decodes what, for the message when none is installed.
DECODER_HINTS = {
    "1.2.840.10008.1.2.4.90": "pylibjpeg pylibjpeg-openjpeg (or python-gdcm)",
    "1.2.840.10008.1.2.4.91": "pylibjpeg pylibjpeg-openjpeg (or python-gdcm)",
    "1.2.840.10008.1.2.4.57": "pylibjpeg pylibjpeg-libjpeg (or python-gdcm)",
    "1.2.840.10008.1.2.4.70": "pylibjpeg pylibjpeg-libjpeg (or python-gdcm)",
    "1.2.840.10008.1.2.4.50": "pylibjpeg pylibjpeg-libjpeg (or python-gdcm)",
    "1.2.840.10008.1.2.4.80": "pyjpegls (or python-gdcm)",
    "1.2.840.10008.1.2.4.81": "pyjpegls (or python-gdcm)",
    "1.2.840.10008.1.2.5": "pylibjpeg-rle (or python-gdcm)",
}


def choose_series(result: ScanResult, series_uid: str | None, path) -> SeriesInfo:
    if not result.series:
        reasons = sorted({s["reason"] for s in result.skipped})
        detail = f" ({len(result.skipped)} file(s) skipped: {'; '.join(reasons[:3])})" \
            if result.skipped else ""
        raise LoadError(f"{path}: no DICOM images found{detail}")
    if series_uid is None:
        chosen = result.series[0]             # the scan ranks the default first
        others = result.series[1:]
        if others:
            bigger = sum(s.n_images > chosen.n_images for s in others)
            passed = (f", passing over {bigger} with more images (an original axial CT "
                      f"comes first, then the thinnest slices)") if bigger else ""
            log.info("several series in %s; loading %s (%d images, %s)%s; also there: %s",
                     path, chosen.uid, chosen.n_images, chosen.kind, passed,
                     ", ".join(f"{s.uid} ({s.n_images}, {s.kind})" for s in others))
        return chosen
    for s in result.series:
        if s.uid == series_uid:
            return s
    raise LoadError(f"{path}: no series with SeriesInstanceUID {series_uid}; found "
                    + ", ".join(s.uid for s in result.series))


def load_dicom(path, series_uid=None, progress=None, cancel=None) -> Volume:
    t0 = time.perf_counter()
    tick = Progress(progress, cancel)
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file or folder")
    result = scan(path, tick.sub(0.0, 0.4), cancel)
    series = choose_series(result, series_uid, path)
    label = f"{path} (series {series.uid})"
    geometry = build_geometry(series.slices, label)

    first = geometry.slices[0]
    # int16 planes, plus the regular grid when gaps are interpolated.
    n_planes = len(geometry.slices) + (0 if geometry.regular else geometry.n_out)
    ensure_fits(n_planes * first.rows * first.columns * 2,
                f"{label}: {geometry.n_out} × {first.rows} × {first.columns} voxels")
    array, filled, failed = _read_pixels(geometry, tick.sub(0.4, 0.95), label)
    warnings = []
    if failed:
        # One unreadable slice costs that slice, not the series: it becomes a missing one.
        array, geometry = _without_failed(array, geometry, failed, label)
        result.skipped.extend({"path": p, "reason": why} for p, why in failed.values())
        warnings.append(f"{len(failed)} slice(s) with unreadable pixel data skipped like "
                        f"missing ones: " + ", ".join(p for p, _ in list(failed.values())[:3]))
    plausible.check_volume(geometry.spacing, geometry.origin, geometry.direction, label)
    warnings = list(geometry.warnings) + warnings
    if result.skipped:
        warnings.append(f"{len(result.skipped)} file(s) skipped (not DICOM images or unreadable)")
    if len(result.series) > 1:
        warnings.append(f"{len(result.series)} series found; loaded {series.uid} "
                        f"({series.n_images} images, {series.kind})")
    first = geometry.slices[0]
    assumed = sum(s.rescale_assumed for s in geometry.slices)
    if assumed:
        warnings.append(f"{assumed} slice(s) without RescaleSlope/RescaleIntercept: stored "
                        f"values taken as HU (slope 1, intercept 0)")
    if filled:
        warnings.append(f"{filled} voxel(s) of padding / out-of-field fill set to air (-1024 HU)")
    if not geometry.regular:
        array = _regularise(array, geometry.positions, geometry.n_out)
    shifted = undo_offset(array, label)
    if shifted:
        warnings.append(shifted)
    # Which columns hold no image (beyond the reconstruction circle): unknown, not air.
    outside = outside_field(array)
    if outside.any():
        warnings.append(f"{100 * outside.mean():.0f} % of each slice lies outside the "
                        f"reconstructed field of view (treated as unknown, not as air)")
    for w in warnings:
        log.info("%s: %s", path, w)

    meta = dict(first.meta)
    # SEG/RTSTRUCT files of the folder that reference this series: offered, not loaded.
    segment_objects = [o for o in result.segment_objects if o["series_uid"] == series.uid]
    if segment_objects:
        log.info("%s: segments of this series in %s", path,
                 ", ".join(o["path"] for o in segment_objects))
    meta.update(series_uid=series.uid, source=str(path), n_files=len(geometry.slices),
                segment_objects=segment_objects,
                transfer_syntax=first.transfer_syntax, warnings=warnings,
                skipped=result.skipped, series=[s.as_dict() for s in result.series],
                gantry_tilt_deg=geometry.tilt_deg)
    meta[FIELD_KEY] = outside
    volume = Volume(array, geometry.spacing, tuple(geometry.origin), geometry.direction, meta)
    meta["slice_files"] = _slice_files(volume, geometry.slices)
    tick(1.0, "loaded")
    log.info("loaded %s: %s in %.2f s", label, array.shape, time.perf_counter() - t0)
    return volume


def _slice_files(volume: Volume, slices) -> dict[int, str]:
    """{slice index k: the file it came from}, by each file's ImagePositionPatient, so a
    viewer can show a slice's header without scanning the folder again."""
    files: dict[int, str] = {}
    positions = np.array([s.position for s in slices], float)
    ks = np.rint(volume.patient_to_index(positions)[:, 0]).astype(int)
    for k, s in zip(ks.tolist(), slices):
        files.setdefault(k, s.path)
    return files


def _without_failed(array, geometry: StackGeometry, failed: dict, label: str):
    """(planes, geometry) of the slices whose pixels were read; the geometry is rebuilt, so
    a failed slice inside the stack is interpolated like a missing file."""
    if len(failed) == len(geometry.slices):
        path, why = next(iter(failed.values()))
        raise LoadError(f"{path}: {why}" + (f" (and {len(failed) - 1} other slice(s) "
                                            f"failed too)" if len(failed) > 1 else ""))
    kept = [s for k, s in enumerate(geometry.slices) if k not in failed]
    rebuilt = build_geometry(kept, label)
    where = {id(s): k for k, s in enumerate(geometry.slices)}
    return array[[where[id(s)] for s in rebuilt.slices]], rebuilt


def _read_pixels(geometry: StackGeometry, tick: Progress, label: str):
    """HU planes in slice order.  Native files are read by two threads (file reads and numpy
    release the GIL); progress and cancel stay on the calling thread."""
    slices = geometry.slices
    rows, cols = slices[0].rows, slices[0].columns
    out = np.empty((len(slices), rows, cols), np.int16)
    native = [k for k, s in enumerate(slices) if s.pixel_offset is not None]
    encoded = [k for k, s in enumerate(slices) if s.pixel_offset is None]
    chunks = [native[i:i + CHUNK] for i in range(0, len(native), CHUNK)]
    filled, done = 0, 0
    failed: dict[int, tuple] = {}            # slice index → (path, reason)
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        futures = [pool.submit(_read_native_chunk, slices, chunk, out, failed)
                   for chunk in chunks]
        try:
            for future in futures:
                filled += future.result()
                done += CHUNK
                tick(min(done, len(slices)) / len(slices), f"reading pixels {done}")
        finally:
            for future in futures:
                future.cancel()
    decoded: dict[str, np.ndarray] = {}       # multi-frame files decoded once
    # The child decoder (GDCM) starts only if a file needs it, and ends with this load.
    with c_stderr_to_log("pixel decoders") if encoded else contextlib.nullcontext(), \
            ChildDecoder() as child:
        filled += _decode_planes(slices, encoded, len(native), out, decoded, failed, tick,
                                 child)
    return out, filled, failed


def _decode_planes(slices, encoded, start, out, decoded, failed, tick, child) -> int:
    filled = 0
    for n, k in enumerate(encoded):
        tick((start + n) / len(slices), f"decoding pixels {start + n}")
        s = slices[k]
        try:
            filled += raw_to_hu(_decode(s, decoded, child), s.slope, s.intercept, s.padding,
                                s.bits_stored, s.signed, out[k])[1]
        except MemoryError:
            raise
        except Exception as exc:             # corrupt codestream, wrong frame count ...
            failed[k] = (s.path, _failure(exc))
    return filled


def _failure(exc: Exception) -> str:
    if isinstance(exc, LoadError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"pixel data unreadable ({type(exc).__name__}{': ' + text if text else ''})"


def _read_native_chunk(slices, indices, out, failed) -> int:
    buffer, filled = None, 0
    for k in indices:
        s = slices[k]
        if buffer is None or buffer.dtype != s.raw_dtype:
            buffer = np.empty(s.rows * s.columns, s.raw_dtype)
        try:
            raw = _read_native(s, buffer).reshape(s.rows, s.columns)
            filled += raw_to_hu(raw, s.slope, s.intercept, s.padding, s.bits_stored,
                                s.signed, out[k])[1]
        except (OSError, ValueError) as exc:     # the file changed or went since the scan
            failed[k] = (s.path, _failure(exc))
    return filled


def _read_native(s, buffer: np.ndarray) -> np.ndarray:
    with open_regular(s.path) as fp:
        fp.seek(s.pixel_offset)
        n = fp.readinto(memoryview(buffer).cast("B"))
    if n != buffer.nbytes:
        raise LoadError(f"truncated pixel data ({n} of {buffer.nbytes} bytes)")
    return buffer


def _decode(s, cache: dict, child: ChildDecoder) -> np.ndarray:
    """Pixels of one plane through pydicom (compressed, big-endian, multi-frame ...); the
    header is checked against the codestream first and GDCM runs in a child process
    (``dicom_decode``)."""
    pixels = cache.get(s.path)
    if pixels is None:
        try:
            pixels = decode_file(s.path, s.n_frames, child)
        except MemoryError:
            raise
        except LoadError:                  # header and codestream disagree, corrupt data
            raise
        except Exception as exc:
            raise LoadError(_decode_message(s, exc)) from None
        if s.n_frames > 1:
            cache.clear()                  # keep only one multi-frame file in memory
            cache[s.path] = pixels
    if s.n_frames > 1:
        pixels = pixels[s.frame]
    # pydicom already applied BitsStored and the sign; only rescale is left.
    return pixels.astype(s.raw_dtype, copy=False)


def _decode_message(s, exc: Exception) -> str:
    import pydicom.uid

    ts = pydicom.uid.UID(s.transfer_syntax)
    name = ts.name if ts.is_valid else s.transfer_syntax
    hint = DECODER_HINTS.get(s.transfer_syntax)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lower = text.lower()
    if hint and ("plugin" in lower or "decod" in lower or "handler" in lower
                 or "missing" in lower):
        # "raised by all available plugins": decoders exist and the data is bad.
        if "raised by all" in lower and _decoders_installed(s.transfer_syntax):
            return f"pixel data compressed as {name} is corrupt (every installed decoder failed)"
        return (f"pixel data compressed as {name} ({s.transfer_syntax}) and no "
                f"decoder could read it; install: pip install {hint}")
    return f"cannot decode pixel data ({name}): {text}"


def _decoders_installed(transfer_syntax: str) -> bool:
    """Whether pydicom has a working decoder for the syntax (then a failure is bad data)."""
    try:
        from pydicom.pixels.decoders.base import get_decoder

        return bool(get_decoder(transfer_syntax).available_plugins)
    except Exception:
        return False


def _regularise(array: np.ndarray, positions: np.ndarray, n_out: int) -> np.ndarray:
    """Linear interpolation of slices at uneven positions onto a regular grid (same ends)."""
    targets = np.linspace(positions[0], positions[-1], n_out)
    upper = np.clip(np.searchsorted(positions, targets, side="right"), 1, len(positions) - 1)
    lower = upper - 1
    span = positions[upper] - positions[lower]
    w = np.clip((targets - positions[lower]) / span, 0.0, 1.0)
    out = np.empty((n_out,) + array.shape[1:], np.int16)
    for n in range(n_out):
        if w[n] < 1e-6:
            out[n] = array[lower[n]]
        elif w[n] > 1 - 1e-6:
            out[n] = array[upper[n]]
        else:
            out[n] = np.rint((1 - w[n]) * array[lower[n]] + w[n] * array[upper[n]])
    return out
