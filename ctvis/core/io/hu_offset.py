"""CT values stored as HU + 1024 (air at 0) with no rescale to undo it: found and undone.

Some converters and exports write a CT's stored values without its RescaleIntercept (a
NIfTI or NRRD with no scaling, a DICOM whose intercept is missing or 0): air reads about
0 and soft tissue about +1050, so every window, threshold and the lungs are wrong (no lung
is found).  A body's CT in HU always holds air, lung or fat below -100 HU; such a file
holds none, and its soft tissue sits 1024 above where CT puts it.  Both together are
judged, on a sample of the voxels, and the values shifted back, said in a warning.
"""
from __future__ import annotations

import numpy as np

OFFSET = 1024            # the DICOM convention (intercept -1024; 1000 would be 24 HU off)
FILL_BELOW = -1000       # the loader's fill and padding (set to -1024): not image
NEGATIVE_HU = -100       # a body's CT has air, lung or fat below this ...
NEGATIVE_SHARE = 0.01    # ... in at least this share of its voxels
TISSUE_STORED = (900.0, 1200.0)   # soft tissue (-124 to +176 HU) as stored with the offset
TISSUE_SHARE = 0.1       # ... in at least this share
AIR_STORED = (-100.0, 300.0)      # air, lung and fat as stored with the offset
AIR_SHARE = 0.05
SAMPLE = 1_000_000       # voxels looked at (a regular sample: the judgement is a histogram)


def stored_with_offset(array: np.ndarray) -> bool:
    """Whether ``array``'s values are HU + OFFSET (air at about 0), by a sample."""
    step = max(1, array.size // SAMPLE)
    values = array.reshape(-1)[::step]
    values = values[values > FILL_BELOW]
    if values.size == 0:
        return False

    def share(lo, hi) -> float:
        return np.count_nonzero((values >= lo) & (values <= hi)) / values.size

    return (np.count_nonzero(values < NEGATIVE_HU) < NEGATIVE_SHARE * values.size
            and share(*TISSUE_STORED) >= TISSUE_SHARE and share(*AIR_STORED) >= AIR_SHARE)


def undo_offset(array: np.ndarray, source) -> str | None:
    """Shift ``array`` (in place) back to HU if its values are stored with the offset;
    returns the warning that says so, naming ``source``, or None."""
    if not stored_with_offset(array):
        return None
    image = array > FILL_BELOW
    array[image] -= np.asarray(OFFSET, array.dtype)
    return (f"{source}: no voxel reads as air, lung or fat (below {NEGATIVE_HU} HU) and soft "
            f"tissue reads about +{OFFSET}: the values were stored as HU + {OFFSET} with no "
            f"rescale, and are shifted by -{OFFSET}")


__all__ = ["stored_with_offset", "undo_offset"]
