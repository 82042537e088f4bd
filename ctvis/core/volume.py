"""The Volume: a CT volume in Hounsfield units with its patient geometry.

Conventions (DESIGN.md): ``array`` is [z, y, x] int16 HU; ``spacing`` is (dz, dy, dx) mm;
``origin`` is the patient position (LPS, mm) of voxel [0, 0, 0]; ``direction`` is 3×3 whose
columns are the patient directions of the x, y and z index axes.  The z column may be
non-orthogonal to the others for gantry-tilted (sheared) stacks: the geometry is kept exact
rather than silently de-sheared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# LPS <-> RAS differ by the sign of the first two axes.
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0])


@dataclass
class Volume:
    array: np.ndarray
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: np.ndarray = field(default_factory=lambda: np.eye(3))
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.array = np.asarray(self.array)
        if self.array.ndim != 3:
            raise ValueError(f"a Volume needs a 3-D array [z, y, x], got shape {self.array.shape}")
        self.spacing = tuple(float(s) for s in self.spacing)
        self.origin = tuple(float(o) for o in self.origin)
        self.direction = np.asarray(self.direction, dtype=float).reshape(3, 3)
        if min(self.spacing) <= 0:
            raise ValueError(f"spacing must be positive, got {self.spacing}")

    # ----------------------------------------------------------------- geometry
    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.array.shape)

    @property
    def spacing_xyz(self) -> np.ndarray:
        return np.array(self.spacing[::-1])

    @property
    def index_to_patient_matrix(self) -> np.ndarray:
        """4×4 matrix taking homogeneous (i, j, k) = (x, y, z) indices to LPS mm."""
        m = np.eye(4)
        m[:3, :3] = self.direction * self.spacing_xyz[None, :]
        m[:3, 3] = self.origin
        return m

    @property
    def voxel_volume_mm3(self) -> float:
        """Volume of one voxel; less than dz·dy·dx on a sheared (tilted) grid."""
        return float(abs(np.linalg.det(self.direction * self.spacing_xyz[None, :])))

    def ras_affine(self) -> np.ndarray:
        """4×4 (i, j, k) → RAS mm, as NIfTI stores it."""
        m = self.index_to_patient_matrix.copy()
        m[:3, :] = LPS_TO_RAS @ m[:3, :]
        return m

    def index_to_patient(self, kji) -> np.ndarray:
        """Patient LPS mm of voxel indices given as [..., (k, j, i)] (array order)."""
        kji = np.asarray(kji, dtype=float)
        ijk = kji[..., ::-1]
        m = self.index_to_patient_matrix
        return ijk @ m[:3, :3].T + m[:3, 3]

    def patient_to_index(self, lps) -> np.ndarray:
        """Continuous voxel indices [..., (k, j, i)] of LPS points (inverse of index_to_patient)."""
        lps = np.asarray(lps, dtype=float)
        m = self.index_to_patient_matrix
        ijk = (lps - m[:3, 3]) @ np.linalg.inv(m[:3, :3]).T
        return ijk[..., ::-1]

    def center_patient(self) -> np.ndarray:
        return self.index_to_patient((np.array(self.shape) - 1) / 2.0)

    def physical_bounds(self) -> np.ndarray:
        """(min, max) LPS corners of the voxel centres' bounding box, shape (2, 3)."""
        corners = np.array([[k, j, i] for k in (0, self.shape[0] - 1)
                            for j in (0, self.shape[1] - 1) for i in (0, self.shape[2] - 1)])
        pts = self.index_to_patient(corners)
        return np.stack([pts.min(0), pts.max(0)])

    # ---------------------------------------------------------------- derived
    def with_array(self, array: np.ndarray, **changes) -> "Volume":
        """A Volume on the same grid (unless changed) holding another array."""
        meta = dict(self.meta)
        meta.pop("outside_field", None)     # the loader's field of view: of the old array
        kw = dict(spacing=self.spacing, origin=self.origin, direction=self.direction.copy(),
                  meta=meta)
        kw.update(changes)
        return Volume(array, **kw)

    def crop(self, lo, hi) -> "Volume":
        """Sub-volume of index box [lo, hi) given as (k, j, i); origin moved to stay exact."""
        lo = np.maximum(np.asarray(lo, int), 0)
        hi = np.minimum(np.asarray(hi, int), self.shape)
        sub = self.array[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        return self.with_array(sub.copy(), origin=tuple(self.index_to_patient(lo)))

    def __repr__(self) -> str:
        return (f"Volume(shape={self.shape}, dtype={self.array.dtype}, spacing="
                f"{tuple(round(s, 4) for s in self.spacing)}, origin="
                f"{tuple(round(o, 2) for o in self.origin)})")
