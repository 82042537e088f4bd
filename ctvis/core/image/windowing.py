"""Window/level: map Hounsfield units to 8-bit display grey."""
from __future__ import annotations

import numpy as np


def apply_window(array, center: float, width: float) -> np.ndarray:
    """uint8 display values: clip((HU - (center - width/2)) / width, 0, 1) * 255, rounded."""
    if width <= 0:
        raise ValueError(f"window width must be positive, got {width}")
    lo = center - width / 2.0
    # float32 is exact enough for HU and halves the memory of float64 on whole volumes.
    scaled = (np.asarray(array, dtype=np.float32) - np.float32(lo)) * np.float32(255.0 / width)
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)
