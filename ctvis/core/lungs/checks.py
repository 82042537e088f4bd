"""Warnings when a lung segmentation is doubtful: what a reader must know before using it."""
from __future__ import annotations

import numpy as np

from ctvis.core.labels import LEFT_LUNG, RIGHT_LUNG

SMALL_RATIO = 0.5           # one lung below half the other (normally ~0.8-1.2): far smaller
AIRLESS_WARN_ML = 10.0      # airless lung added at a base (airless.MIN_ML: its smallest region)
# What the steps that take in tissue with no air say they did (``info``'s keys), and what
# that tissue may be instead.
ADDED_WITHOUT_AIR = {
    "airless_ml": "the {lung}'s base holds about {ml:.0f} mL of tissue with no air taken as "
                  "lung (a consolidated or collapsed lobe)",
    "costal_ml": "the {lung} holds about {ml:.0f} mL of tissue with no air between its "
                 "aerated part and the ribs taken as lung (consolidation along the back)",
}
ERASE = {"airless_ml": "the liver or the spleen under a high dome",
         "costal_ml": "an effusion or the chest wall"}


def lung_warnings(volume, labels: np.ndarray, info: dict | None = None) -> list[str]:
    """Plain-language warnings: no lung, one lung missing or far smaller, a lung cut off by
    the scan's edge or the field of view's, airless tissue added at a base (``info``'s
    ``airless_ml``) or between a lung and the ribs (``costal_ml``), air in the pleural
    space left out (``pleural_air_ml``), sides unknown, a
    right/left split that needed a forced cut at the midline."""
    info = info or {}
    voxel_ml = volume.voxel_volume_mm3 / 1000.0
    ml = {lung: float(np.count_nonzero(labels == lung.value)) * voxel_ml
          for lung in (RIGHT_LUNG, LEFT_LUNG)}
    out = []
    if not any(ml.values()):
        return ["no lung found"]
    for lung, other in ((RIGHT_LUNG, LEFT_LUNG), (LEFT_LUNG, RIGHT_LUNG)):
        if ml[lung] == 0:
            out.append(f"no {lung.title} found (only the {other.title})")
        elif ml[lung] < SMALL_RATIO * ml[other]:
            out.append(f"the {lung.title} is far smaller than the {other.title} "
                       f"({ml[lung]:.0f} mL vs {ml[other]:.0f} mL)")
    for lung in (RIGHT_LUNG, LEFT_LUNG):
        m = labels == lung.value
        if not m.any():
            continue
        edges = [name for name, face in (("first slice", m[0]), ("last slice", m[-1]),
                                         ("in-plane border", np.concatenate(
                                             [m[:, 0].ravel(), m[:, -1].ravel(),
                                              m[:, :, 0].ravel(), m[:, :, -1].ravel()])))
                 if face.any()]
        if edges:
            out.append(f"the {lung.title} touches the scan's edge ({', '.join(edges)}): it is "
                       f"cut off, its volume and density are partial")
    for lung in (RIGHT_LUNG, LEFT_LUNG):
        if lung.value in info.get("field_edge", ()):
            out.append(f"the {lung.title} reaches the edge of the reconstructed field of view: "
                       f"it is cut off there, its volume and density are partial")
    for key, said in ADDED_WITHOUT_AIR.items():
        for lung in (RIGHT_LUNG, LEFT_LUNG):
            added = info.get(key, {}).get(lung.value, 0.0)
            if added >= AIRLESS_WARN_ML:
                out.append(said.format(lung=lung.title, ml=added) + ": look at it; if it is "
                           + ERASE[key] + ", erase it (Segment Editor: Scissors with Masking, "
                           "HU range above -200)")
    for lung in (RIGHT_LUNG, LEFT_LUNG):
        air = info.get("pleural_air_ml", {}).get(lung.value, 0.0)
        if air > 0:
            out.append(f"about {air:.0f} mL of air with no lung in it lies along the "
                       f"{lung.title}'s outline, against the chest wall (a pneumothorax): left "
                       f"out of the lung; if it is lung (a bulla), paint it back (Segment "
                       f"Editor: Paint)")
    if info.get("midline_from") == "unknown":
        out.append("side unknown: neither the spine nor the whole body is in the field of "
                   "view, so right and left were told from the body's centre and may be wrong")
    if info.get("forced_split"):
        out.append("the right and left lungs touch: no narrowing was found between them, "
                   "they were cut at the body's midline")
    return out
