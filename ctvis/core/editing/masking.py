"""Masking settings shared by every tool, as in Slicer's Segment Editor: where an edit may
write (everywhere, inside one segment, outside all segments), in which HU range, and whether
it may overwrite other segments.  Locked segments are protected by ``LabelMap.write`` itself.

In one label map a voxel holds one segment, so Slicer's "allow overlap" means here: paint
only over background (and the target's own voxels), never over another segment.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EVERYWHERE, INSIDE, OUTSIDE = "everywhere", "inside", "outside"   # OUTSIDE: outside all
AREAS = (EVERYWHERE, INSIDE, OUTSIDE)


@dataclass(frozen=True)
class MaskingSettings:
    area: str = EVERYWHERE                    # the editable area
    inside: int | None = None                 # the segment's label value when area == INSIDE
    hu_range: tuple[float, float] | None = None   # the editable intensity range, inclusive
    overwrite: bool = True                    # False: paint only over background

    def __post_init__(self):
        if self.area not in AREAS:
            raise ValueError(f"editable area is one of {AREAS}, got {self.area!r}")
        if self.area == INSIDE and (self.inside is None or int(self.inside) <= 0):
            raise ValueError("an editable area inside a segment needs its label value (> 0)")
        if self.hu_range is not None:
            lo, hi = (float(v) for v in self.hu_range)
            if math.isnan(lo) or math.isnan(hi) or lo > hi:
                raise ValueError(f"editable HU range needs lo <= hi, got {self.hu_range}")
            object.__setattr__(self, "hu_range", (lo, hi))


def allowed(labels_region: np.ndarray, hu_region: np.ndarray | None, target_value: int,
            settings: MaskingSettings, area_labels: np.ndarray | None = None) -> np.ndarray:
    """Where ``target_value`` (0: erase) may be written in a region: bool, the region's shape.

    ``labels_region``: the edited map's values there; ``hu_region``: the HU there (needed
    with a HU range); ``area_labels``: the values of the map that holds the editable-area
    segments when it is another map (e.g. the lungs while a lesion map is painted).
    Erasing is limited by the area "inside" and the HU range only: "outside all segments" and
    "do not overwrite" speak of painting over others, which erasing never does.
    """
    labels_region = np.asarray(labels_region)
    area = labels_region if area_labels is None else np.asarray(area_labels)
    if area.shape != labels_region.shape:
        raise ValueError(f"area labels {area.shape} differ from the region {labels_region.shape}")
    ok = np.ones(labels_region.shape, bool)
    if settings.area == INSIDE:
        ok &= area == settings.inside
    elif settings.area == OUTSIDE and target_value:
        free = area == 0
        if area_labels is None:               # the target's own voxels are no other segment
            free |= area == target_value
        ok &= free
    if settings.hu_range is not None:
        if hu_region is None:
            raise ValueError("an editable HU range needs the HU of the region")
        lo, hi = settings.hu_range
        ok &= (hu_region >= lo) & (hu_region <= hi)
    if not settings.overwrite and target_value:
        ok &= (labels_region == 0) | (labels_region == target_value)
    return ok
