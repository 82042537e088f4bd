"""Orthogonal slices of a Volume oriented in the radiological display convention.

Each view is defined in patient terms (LPS): the patient axis it looks along, and the patient
directions that go to the screen's right and down. The volume's direction matrix says which
array axis runs along which patient axis, so the same code shows head-first, feet-first or
flipped-row series the same way. Oblique volumes are shown along their nearest patient axes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VIEWS = ("axial", "coronal", "sagittal")

# view -> (normal patient axis, (patient axis, sign) to screen right, (patient axis, sign) down).
# LPS axes: 0 = +L, 1 = +P, 2 = +S.
_SCREEN = {
    "axial": (2, (0, +1), (1, +1)),     # right = patient left, down = posterior
    "coronal": (1, (0, +1), (2, -1)),   # right = patient left, down = inferior
    "sagittal": (0, (1, +1), (2, -1)),  # right = posterior, down = inferior
}
# Letter of each patient axis for its negative and positive direction.
_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))


@dataclass(frozen=True)
class SliceAxes:
    """How to cut and turn the [z, y, x] array for one view."""

    normal: int       # array axis the view scrolls through
    rows: int         # array axis running down the screen
    cols: int         # array axis running across the screen
    flip_rows: bool
    flip_cols: bool


def patient_axes(direction) -> list[tuple[int, int]]:
    """(patient axis, sign) nearest to each array axis (z, y, x) of a direction matrix."""
    direction = np.asarray(direction, dtype=float)
    out = []
    for array_axis in range(3):
        col = direction[:, 2 - array_axis]  # columns are the x, y, z index axes
        p = int(np.argmax(np.abs(col)))
        out.append((p, 1 if col[p] > 0 else -1))
    if len({p for p, _ in out}) != 3:
        raise ValueError(f"direction matrix has no clear patient axis per array axis:\n{direction}")
    return out


def slice_axes(direction, view: str) -> SliceAxes:
    normal_p, (right_p, right_s), (down_p, down_s) = _SCREEN[view]
    axes = patient_axes(direction)
    find = {p: (a, s) for a, (p, s) in enumerate(axes)}
    rows, row_sign = find[down_p]
    cols, col_sign = find[right_p]
    return SliceAxes(normal=find[normal_p][0], rows=rows, cols=cols,
                     flip_rows=row_sign != down_s, flip_cols=col_sign != right_s)


def oriented_slice(array: np.ndarray, axes: SliceAxes, index: int) -> np.ndarray:
    """2-D slice ``index`` along ``axes.normal``, rows/cols in screen order (a numpy view)."""
    n = array.shape[axes.normal]
    if not 0 <= index < n:  # numpy would wrap negative indices silently
        raise IndexError(f"slice {index} out of range 0..{n - 1}")
    cut = [slice(None)] * 3
    cut[axes.normal] = index
    image = array[tuple(cut)]
    if axes.rows > axes.cols:  # the two remaining axes come out in array order
        image = image.T
    if axes.flip_rows:
        image = image[::-1, :]
    if axes.flip_cols:
        image = image[:, ::-1]
    return image


def orientation_labels(view: str) -> dict[str, str]:
    """Patient-direction letters for the left, right, top and bottom edges of a view."""
    _, (right_p, right_s), (down_p, down_s) = _SCREEN[view]
    right, down = _LETTERS[right_p][right_s > 0], _LETTERS[down_p][down_s > 0]
    left, up = _LETTERS[right_p][right_s < 0], _LETTERS[down_p][down_s < 0]
    return {"left": left, "right": right, "top": up, "bottom": down}
