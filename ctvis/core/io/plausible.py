"""What a CT header or a volume's geometry may hold: the limits every reader enforces.

One place for the rules (docs/decisions.md, "Hostile input"), so the DICOM, NIfTI and NRRD
readers refuse or repair the same things the same way.  Per-slice checks return the problem
as text (the slice is then skipped like a missing one); ``check_volume`` raises LoadError.
"""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.errors import LoadError

SPACING_MM = (0.01, 100.0)        # voxel edge: below is noise, above is no CT
POSITION_LIMIT_MM = 1e5           # |coordinate| of any voxel: 100 m
COSINE_TOLERANCE = 1e-2           # unit length and orthogonality of orientation vectors
MAX_TILT_DEG = 45.0               # scanners tilt the gantry by 30° at most
SLOPE_RANGE = (1e-3, 100.0)       # RescaleSlope; 0, negative or huge is no CT rescale
INTERCEPT_RANGE = (-32768.0, 32767.0)
THICKNESS_MM = (0.01, 100.0)
AIR_HU = -1024


def finite_or_none(value):
    """``value`` as a float if it is a finite number, else None (for meta fields)."""
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def safe_int(value, default: int = 0) -> int:
    """An integer tag value; non-finite or absurd values give ``default``."""
    value = finite_or_none(value)
    if value is None or abs(value) > 2**31:
        return default
    return int(value)


# Per-slice checks run on every file of a series: plain floats, not numpy (3-6 values each).
def position_problem(pos) -> str | None:
    if pos is None:
        return "no ImagePositionPatient (or not three numbers)"
    values = [float(v) for v in pos]
    if not all(map(math.isfinite, values)):
        return f"ImagePositionPatient is not finite ({_fmt(values)})"
    if max(map(abs, values)) > POSITION_LIMIT_MM:
        return f"ImagePositionPatient {_fmt(values)} is more than {POSITION_LIMIT_MM:g} mm away"
    return None


def orientation_problem(ori) -> str | None:
    if ori is None:
        return "no ImageOrientationPatient (or not six numbers)"
    v = [float(x) for x in ori]
    if not all(map(math.isfinite, v)):
        return f"ImageOrientationPatient is not finite ({_fmt(v)})"
    norms = math.hypot(*v[:3]), math.hypot(*v[3:])
    if max(abs(n - 1) for n in norms) > COSINE_TOLERANCE:
        return (f"ImageOrientationPatient vectors are not unit length (lengths "
                f"{norms[0]:.3g}, {norms[1]:.3g})")
    dot = v[0] * v[3] + v[1] * v[4] + v[2] * v[5]
    if abs(dot) > COSINE_TOLERANCE:
        return f"ImageOrientationPatient vectors are not orthogonal (dot product {dot:.3g})"
    return None


def spacing_problem(spacing, what: str = "PixelSpacing") -> str | None:
    if spacing is None:
        return None                       # absent: the caller assumes 1 mm and says so
    lo, hi = SPACING_MM
    values = [float(v) for v in np.ravel(spacing)]
    if not all(lo <= v <= hi for v in values):            # NaN fails the comparison too
        return f"{what} {_fmt(values)} is outside {lo:g}–{hi:g} mm"
    return None


def rescale_problem(slope: float, intercept: float) -> str | None:
    lo, hi = SLOPE_RANGE
    if not math.isfinite(slope) or not lo <= slope <= hi:
        return f"RescaleSlope {slope:g} is outside {lo:g}–{hi:g}"
    lo, hi = INTERCEPT_RANGE
    if not math.isfinite(intercept) or not lo <= intercept <= hi:
        return f"RescaleIntercept {intercept:g} is outside {lo:g}–{hi:g}"
    return None


def check_volume(spacing, origin, direction, source) -> None:
    """Refuse a grid no CT can have: non-finite or absurd spacing, origin or direction."""
    problem = spacing_problem(spacing, "voxel spacing")
    if problem:
        raise LoadError(f"{source}: {problem}")
    origin = np.asarray(origin, float)
    if not np.all(np.isfinite(origin)) or np.abs(origin).max() > POSITION_LIMIT_MM:
        raise LoadError(f"{source}: origin {_fmt(origin)} is not a position in a scanner "
                        f"(limit ±{POSITION_LIMIT_MM:g} mm)")
    direction = np.asarray(direction, float)
    if not np.all(np.isfinite(direction)):
        raise LoadError(f"{source}: the direction matrix is not finite")
    norms = np.linalg.norm(direction, axis=0)
    if np.abs(norms - 1).max() > COSINE_TOLERANCE:
        raise LoadError(f"{source}: direction vectors are not unit length ({_fmt(norms)})")
    dot = float(np.dot(direction[:, 0], direction[:, 1]))
    if abs(dot) > COSINE_TOLERANCE:
        raise LoadError(f"{source}: row and column directions are not orthogonal "
                        f"(dot product {dot:.3g})")
    # The slice axis may lean (gantry tilt) but not lie near the image plane.
    normal = np.cross(direction[:, 0], direction[:, 1])
    lean = math.degrees(math.acos(min(1.0, abs(float(np.dot(normal, direction[:, 2])))
                                      / max(float(np.linalg.norm(normal)), 1e-12))))
    if lean > MAX_TILT_DEG:
        raise LoadError(f"{source}: the slice axis leans {lean:.1f}° off the slice normal "
                        f"(more than {MAX_TILT_DEG:g}°: no scanner tilts that far)")


def _fmt(values) -> str:
    return "(" + ", ".join(f"{float(v):.4g}" for v in np.ravel(values)) + ")"
