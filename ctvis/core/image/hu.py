"""Stored pixel values → Hounsfield units (int16), one plane at a time.

Padding (PixelPaddingValue / RangeLimit) and the out-of-field fill some scanners write outside
the reconstruction circle (−2000, −2048, −3024 ...) become air, −1024 HU: nothing in a patient
is less dense than air, so anything below it is fill, not anatomy.
"""
from __future__ import annotations

import math

import numpy as np

AIR_HU = -1024
INT16_MIN, INT16_MAX = np.iinfo(np.int16).min, np.iinfo(np.int16).max


def _valid_bits(raw: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Drop bits above BitsStored (some files keep overlay bits there); sign-extend.

    Works in place: ``raw`` is always the loader's own buffer or decoded copy.
    """
    bits = raw.dtype.itemsize * 8
    if not bits_stored or bits_stored >= bits:
        return raw
    shift = bits - bits_stored
    if signed:
        np.left_shift(raw, shift, out=raw)
        return np.right_shift(raw, shift, out=raw)
    return np.bitwise_and(raw, (1 << bits_stored) - 1, out=raw)


def _stored_range(raw: np.ndarray, bits_stored: int, signed: bool) -> tuple[int, int]:
    bits = min(bits_stored or raw.dtype.itemsize * 8, raw.dtype.itemsize * 8)
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def raw_to_hu(raw: np.ndarray, slope: float = 1.0, intercept: float = 0.0, padding=None,
              bits_stored: int = 0, signed: bool = False, out: np.ndarray | None = None
              ) -> tuple[np.ndarray, int]:
    """HU of one plane as int16 (written into ``out`` if given) and the count of voxels set
    to air (padding, fill, anything below −1024 HU)."""
    if not (math.isfinite(slope) and math.isfinite(intercept)) or slope == 0:
        # NaN would make every voxel one value; the loader refuses such slices before this.
        raise ValueError(f"rescale slope {slope:g} / intercept {intercept:g} is no HU rescale")
    raw = _valid_bits(raw, bits_stored, signed)
    if out is None:
        out = np.empty(raw.shape, np.int16)
    pad = None
    if padding is not None:
        low, high = padding
        pad = (raw >= low) & (raw <= high) if low != high else raw == low
    lo, hi = _stored_range(raw, bits_stored, signed)
    if (slope == 1.0 and float(intercept).is_integer()
            and INT16_MIN <= lo + intercept and hi + intercept <= INT16_MAX):
        # The common CT case (12-bit unsigned, integer intercept): exact in int16, one pass.
        np.add(raw, np.int16(intercept), out=out, dtype=np.int16, casting="unsafe")
    else:
        hu = raw.astype(np.float32)
        hu *= np.float32(slope)
        hu += np.float32(intercept)
        np.rint(hu, out=hu)
        np.clip(hu, INT16_MIN, INT16_MAX, out=hu)
        out[...] = hu
    below = out < AIR_HU
    if pad is not None:
        below |= pad
    n = int(np.count_nonzero(below))
    if n:
        out[below] = AIR_HU
    return out, n
