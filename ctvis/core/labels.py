"""The label vocabulary: what each value of a ctvis label mask means, its name and colour.

One table for the lungs, the metrics, the meshes, the phantom, the CLI and the viewer
(DESIGN.md: 0 background, 1 right lung, 2 left lung; 3 airway — trachea and main bronchi,
written only when asked for).  Mesh structures that have no value of
their own in a mask (both lungs as one surface, a bone threshold surface) are listed apart
with values that can never collide with a mask label.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    value: int
    name: str                      # short machine name: file suffixes, CLI choices, JSON keys
    title: str                     # what a person reads
    color: tuple[int, int, int]    # RGB 0–255, the default overlay and mesh colour


BACKGROUND = 0
RIGHT_LUNG = Label(1, "right", "right lung", (230, 120, 60))
LEFT_LUNG = Label(2, "left", "left lung", (70, 150, 230))
LUNG_LABELS = (RIGHT_LUNG, LEFT_LUNG)
AIRWAY = Label(3, "airway", "airway", (120, 220, 120))  # trachea + main bronchi, never lung
MASK_LABELS = {label.value: label for label in LUNG_LABELS + (AIRWAY,)}

# Mesh-only structures: surfaces of a union of labels or of a HU threshold.
BOTH_LUNGS = Label(12, "lungs", "both lungs", (200, 140, 150))
BONE = Label(100, "bone", "bone", (241, 214, 145))          # 3D Slicer's bone colour

# Structure name -> the mask values it is made of.
LUNG_STRUCTURES = {RIGHT_LUNG.name: (RIGHT_LUNG.value,), LEFT_LUNG.name: (LEFT_LUNG.value,),
                   BOTH_LUNGS.name: (RIGHT_LUNG.value, LEFT_LUNG.value),
                   AIRWAY.name: (AIRWAY.value,)}
STRUCTURES = {label.name: label for label in (RIGHT_LUNG, LEFT_LUNG, BOTH_LUNGS, BONE, AIRWAY)}
