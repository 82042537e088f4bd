"""How a surface mesh is made from a mask or a HU threshold: one options object.

Plain data (no VTK), so the CLI, the viewer and batch can build it; ``ctvis.mesh.surfaces``
reads it.  Out-of-range values are refused here with a message a user can act on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

DECIMATE_BACKENDS = ("auto", "fast", "pro", "quadric")
# Upper bounds keep a typo from running for hours (10⁹ iterations, a 1 km blur).
MAX_SMOOTH_ITERATIONS = 1000
MAX_MASK_SIGMA_MM = 50.0
MAX_ISLAND_ML = 100_000.0


def _in(value, lo, hi) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi


@dataclass(frozen=True)
class SurfaceOptions:
    smooth_iterations: int = 20          # windowed-sinc iterations (0: no smoothing)
    pass_band: float = 0.1               # windowed-sinc pass band, lower is smoother
    decimate: float = 0.5                # fraction of triangles removed (0: none)
    mask_sigma_mm: float | None = None   # Gaussian blur of the mask before extraction
    min_island_ml: float = 1.0           # pieces enclosing less are dropped
    decimate_backend: str = "auto"

    def __post_init__(self):
        if not _in(self.smooth_iterations, 0, MAX_SMOOTH_ITERATIONS):
            raise ValueError(f"smoothing iterations must be in [0, {MAX_SMOOTH_ITERATIONS}], "
                             f"got {self.smooth_iterations}")
        if not (_in(self.pass_band, 0, 2) and self.pass_band > 0):
            raise ValueError(f"pass band must be in (0, 2], got {self.pass_band:g}")
        if not (_in(self.decimate, 0, 1) and self.decimate < 1):
            raise ValueError(f"decimate must be in [0, 1), got {self.decimate:g}")
        if self.mask_sigma_mm is not None and not _in(self.mask_sigma_mm, 0, MAX_MASK_SIGMA_MM):
            raise ValueError(f"mask smoothing must be in [0, {MAX_MASK_SIGMA_MM:g}] mm, got "
                             f"{self.mask_sigma_mm:g}")
        if not _in(self.min_island_ml, 0, MAX_ISLAND_ML):
            raise ValueError(f"minimum island must be in [0, {MAX_ISLAND_ML:g}] mL, got "
                             f"{self.min_island_ml:g}")
        if self.decimate_backend not in DECIMATE_BACKENDS:
            raise ValueError(f"unknown decimation backend {self.decimate_backend!r} "
                             f"(choose from {', '.join(DECIMATE_BACKENDS)})")

    def with_(self, **changes) -> "SurfaceOptions":
        """A copy with ``changes``; None values keep the current setting."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


LUNG_SURFACE = SurfaceOptions()
BONE_SURFACE = SurfaceOptions(smooth_iterations=10, min_island_ml=0.1)
# Any segment of a label map: a lesion may be well under a millilitre, so no piece is dropped.
SEGMENT_SURFACE = SurfaceOptions(min_island_ml=0.0)
