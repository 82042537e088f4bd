"""Slice order and patient geometry of a stack of DICOM planes.

Order and z step come from ImagePositionPatient projected on the slice normal, never from
SliceThickness.  The stack is checked for localizers (other orientation), duplicates, missing
slices (uneven steps) and gantry tilt (positions sheared off the normal).  A tilted stack keeps
its exact geometry: the z column of ``direction`` is the true step direction.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pathlib import Path

import numpy as np

from ctvis.core.errors import LoadError
from ctvis.core.io.plausible import MAX_TILT_DEG


ORIENTATION_TOLERANCE = 1e-2      # direction cosine difference (about 0.6°)
MAX_GAP_STEPS = 16                # a wider gap splits the stack; the larger part is kept
INPLANE_TOLERANCE_MM = 1.0        # a slice this far off the stack's line is an outlier


@dataclass
class StackGeometry:
    slices: list                  # SliceHeaders in ascending position along the normal
    origin: np.ndarray            # LPS of voxel [0, 0, 0]
    direction: np.ndarray         # 3×3, columns x, y, z
    spacing: tuple                # (dz, dy, dx)
    positions: np.ndarray         # distance of each kept slice along the normal (mm)
    regular: bool                 # False: slices must be interpolated onto a regular grid
    n_out: int                    # number of slices on the regular grid
    tilt_deg: float = 0.0
    warnings: list = field(default_factory=list)


def _majority(values):
    return Counter(values).most_common(1)[0][0]


def _orientation_key(ori: np.ndarray) -> tuple:
    return tuple(np.round(ori, 3))


def build_geometry(slices: list, series_label: str = "series") -> StackGeometry:
    warnings: list[str] = []
    usable = [s for s in slices if s.position is not None and s.orientation is not None]
    if not usable:
        raise LoadError(f"{series_label}: no image has ImagePositionPatient/Orientation; "
                        "cannot place it in patient space")
    if len(usable) < len(slices):
        warnings.append(f"{len(slices) - len(usable)} image(s) without position ignored")

    # Localizers and other orientations are not part of the stack.
    # The majority orientation (rounded) is the reference; slices whose cosines are within
    # ORIENTATION_TOLERANCE of it belong to the stack, so rounding noise never splits it.
    candidates = [s for s in usable if not s.is_localizer] or usable
    key = np.asarray(_majority([_orientation_key(s.orientation) for s in candidates]))
    stack = [s for s in candidates
             if np.abs(np.asarray(s.orientation) - key).max() <= ORIENTATION_TOLERANCE]
    if len(stack) < len(usable):
        warnings.append(f"{len(usable) - len(stack)} localizer/other-orientation image(s) "
                        "excluded")
    size = _majority([(s.rows, s.columns) for s in stack])
    if any((s.rows, s.columns) != size for s in stack):
        n = sum((s.rows, s.columns) != size for s in stack)
        warnings.append(f"{n} image(s) of another size excluded (kept {size[0]}×{size[1]})")
        stack = [s for s in stack if (s.rows, s.columns) == size]
    keys = [_spacing_key(s) for s in stack]
    spacing_key = _majority(keys)
    if any(k != spacing_key for k in keys):
        other = [s for s, k in zip(stack, keys) if k != spacing_key]
        warnings.append(f"{len(other)} image(s) with another PixelSpacing excluded: "
                        f"{_names(other)}")
        stack = [s for s, k in zip(stack, keys) if k == spacing_key]

    # The key is rounded for grouping only; the geometry uses the files' own cosines.
    ori = np.mean([s.orientation for s in stack], axis=0)
    row_dir, col_dir = _unit(ori[:3]), _unit(ori[3:])
    normal = _unit(np.cross(row_dir, col_dir))
    proj = np.array([float(np.dot(s.position, normal)) for s in stack])
    order = np.lexsort((np.array([s.instance_number for s in stack]), proj))
    stack = [stack[i] for i in order]
    proj = proj[order]

    # Duplicates: same position twice (repeated acquisitions): keep the first.
    keep = np.concatenate([[True], np.diff(proj) > 1e-3])
    if not keep.all():
        warnings.append(f"{int((~keep).sum())} duplicate slice position(s) dropped "
                        "(kept the lowest InstanceNumber)"
                        + _folders_passed_over(stack, keep))
        stack = [s for s, k in zip(stack, keep) if k]
        proj = proj[keep]

    spacing_yx = stack[0].pixel_spacing or (1.0, 1.0)
    if stack[0].pixel_spacing is None:
        warnings.append("no PixelSpacing: 1 mm assumed")
    dy, dx = float(spacing_yx[0]), float(spacing_yx[1])

    if len(stack) > 1:
        stack, proj = _drop_far_slices(stack, proj, warnings)
    if len(stack) > 2:
        stack, proj = _drop_off_line_slices(stack, proj, normal, warnings, series_label)

    if len(stack) == 1:
        thickness = stack[0].meta.get("slice_thickness")
        if thickness is None:
            warnings.append("one slice without a valid SliceThickness: 1 mm assumed")
            thickness = 1.0
        direction = np.column_stack([row_dir, col_dir, normal])
        return StackGeometry(stack, np.asarray(stack[0].position, float), direction,
                             (float(thickness), dy, dx), proj, True, 1, 0.0, warnings)

    steps = np.diff(proj)
    step = _grid_step(steps)
    regular = bool(np.all(np.abs(steps - step) <= max(0.01 * step, 1e-3)))
    n_out = len(stack) if regular else int(round((proj[-1] - proj[0]) / step)) + 1
    if n_out > 2 * len(stack):
        raise LoadError(f"{series_label}: slice positions are too irregular to make a grid "
                        f"({len(stack)} slices would fill {n_out} planes of "
                        f"{step:.3g} mm)")
    if not regular:
        step = (proj[-1] - proj[0]) / (n_out - 1)     # the regular grid spans the same ends
        big = steps[steps > 1.5 * step]
        if len(big):
            missing = int(sum(round(b / step) - 1 for b in big))
            where = proj[:-1][steps > 1.5 * step][0]
            warnings.append(f"missing slices: {len(big)} gap(s), about {missing} slice(s) "
                            f"missing (first after {where:.1f} mm along the normal); "
                            f"interpolated onto a regular {step:.3f} mm grid")
        else:
            warnings.append(f"uneven slice steps ({steps.min():.3f}–{steps.max():.3f} mm); "
                            f"resampled onto a regular {step:.3f} mm grid")

    # Gantry tilt: the least-squares step per mm of normal distance has an in-plane part.
    positions = np.array([s.position for s in stack], dtype=float)
    design = np.column_stack([np.ones_like(proj), proj - proj[0]])
    coef, *_ = np.linalg.lstsq(design, positions, rcond=None)
    per_mm = coef[1]                       # d(position)/d(normal distance), ·normal == 1
    shear = per_mm - normal * np.dot(per_mm, normal)
    tilt = float(np.degrees(np.arctan(np.linalg.norm(shear))))
    if tilt > MAX_TILT_DEG:
        raise LoadError(f"{series_label}: slice positions imply a gantry tilt of {tilt:.1f}° "
                        f"(more than {MAX_TILT_DEG:g}°: no scanner tilts that far)")
    if tilt > 0.05:
        z_dir = _unit(normal + shear)
        dz = step * float(np.linalg.norm(normal + shear))
        warnings.append(f"gantry tilt {tilt:.2f}° (sheared stack): geometry kept exact, "
                        "the z axis is not perpendicular to the slices")
    else:
        tilt, z_dir, dz = 0.0, normal, step
    direction = np.column_stack([row_dir, col_dir, z_dir])
    return StackGeometry(stack, positions[0], direction, (dz, dy, dx), proj,
                         regular, n_out, tilt, warnings)


def _grid_step(steps: np.ndarray) -> float:
    """The slice step: the median, unless every step is a whole multiple of the smallest (a
    short stack with a gap, where the median can be the gap's half-way value)."""
    step = float(np.median(steps))
    smallest = float(steps.min())
    ratios = steps / smallest
    if smallest < step and np.all(np.abs(ratios - np.round(ratios)) <= 0.05):
        return smallest
    return step


def _spacing_key(s) -> tuple | None:
    return None if s.pixel_spacing is None else tuple(round(v, 3) for v in s.pixel_spacing)


def _names(slices, most: int = 3) -> str:
    names = [str(s.path) for s in slices[:most]]
    return ", ".join(names) + (f" and {len(slices) - most} more" if len(slices) > most else "")


def _folders_passed_over(stack, keep, most: int = 3) -> str:
    """": files of FOLDER passed over" for each folder whose files were all dropped as
    duplicates: a second copy of a series in another folder is named, not merged silently."""
    kept = {Path(s.path).parent for s, k in zip(stack, keep) if k}
    dropped = sorted({str(Path(s.path).parent) for s, k in zip(stack, keep) if not k}
                     - {str(p) for p in kept})
    if not dropped:
        return ""
    more = f" and {len(dropped) - most} more" if len(dropped) > most else ""
    return f"; every file of {', '.join(dropped[:most])}{more} passed over (a copy)"


def _drop_far_slices(stack, proj, warnings):
    """Keep the largest run of slices whose gaps stay under MAX_GAP_STEPS median steps.

    One slice moved a kilometre away would otherwise stretch the grid to 250,000 planes;
    dropping it (with a warning) before anything is allocated keeps the series.
    """
    steps = np.diff(proj)
    limit = MAX_GAP_STEPS * float(np.median(steps))
    cuts = np.flatnonzero(steps > limit) + 1
    if not len(cuts):
        return stack, proj
    runs = np.split(np.arange(len(stack)), cuts)
    keep = max(runs, key=len)
    dropped = [s for k, s in enumerate(stack) if k < keep[0] or k > keep[-1]]
    warnings.append(f"{len(dropped)} slice(s) more than {MAX_GAP_STEPS} slice steps "
                    f"({limit:.1f} mm) away from the rest dropped: {_names(dropped)}")
    return [stack[k] for k in keep], proj[keep]


def _drop_off_line_slices(stack, proj, normal, warnings, label):
    """Drop slices displaced within their plane, off the line (or tilted line) of the rest."""
    positions = np.array([s.position for s in stack], float)
    inplane = positions - proj[:, None] * normal
    shear = np.median(np.diff(inplane, axis=0) / np.diff(proj)[:, None], axis=0)
    base = np.median(inplane - proj[:, None] * shear, axis=0)
    off = np.linalg.norm(inplane - base - proj[:, None] * shear, axis=1) > INPLANE_TOLERANCE_MM
    if not off.any():
        return stack, proj
    if off.sum() * 2 >= len(stack):
        raise LoadError(f"{label}: slice positions do not lie along a line (half of the "
                        f"slices are more than {INPLANE_TOLERANCE_MM:g} mm off it)")
    warnings.append(f"{int(off.sum())} slice(s) displaced off the stack's axis dropped: "
                    f"{_names([s for s, o in zip(stack, off) if o])}")
    return [s for s, o in zip(stack, off) if not o], proj[~off]


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    if n == 0:
        raise LoadError("ImageOrientationPatient has a zero vector")
    return np.asarray(v, float) / n
