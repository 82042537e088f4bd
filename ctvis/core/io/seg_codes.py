"""What a segment is, in the codes DICOM objects carry: SNOMED CT category and type
(DICOM CID 7150 / 7151) from its name, and how it was made (algorithm type) from its origin.

Names are matched by words, so "right lung", "Lung right" and ctvis's own "right" find the
same code; anything not recognised is Tissue / Tissue, which every reader accepts.
"""
from __future__ import annotations

ANATOMY = ("91723000", "SCT", "Anatomical Structure")
ALTERED = ("49755003", "SCT", "Morphologically Altered Structure")
TISSUE = ("85756007", "SCT", "Tissue")

# (words that must all be in the name, category, type); the first match wins.
RULES = (
    ({"right", "lung"}, ANATOMY, ("3341006", "SCT", "Right lung")),
    ({"left", "lung"}, ANATOMY, ("44029006", "SCT", "Left lung")),
    ({"right"}, ANATOMY, ("3341006", "SCT", "Right lung")),        # ctvis's label 1
    ({"left"}, ANATOMY, ("44029006", "SCT", "Left lung")),         # ctvis's label 2
    ({"trachea"}, ANATOMY, ("44567001", "SCT", "Trachea")),
    ({"airway"}, ANATOMY, ("89187006", "SCT", "Airway structure")),
    ({"lung"}, ANATOMY, ("39607008", "SCT", "Lung")),
    ({"lungs"}, ANATOMY, ("39607008", "SCT", "Lung")),
    ({"nodule"}, ALTERED, ("27925004", "SCT", "Nodule")),
    ({"mass"}, ALTERED, ("4147007", "SCT", "Mass")),
    ({"lesion"}, ALTERED, ("52988006", "SCT", "Lesion")),
    ({"tumour"}, ALTERED, ("108369006", "SCT", "Neoplasm")),
    ({"tumor"}, ALTERED, ("108369006", "SCT", "Neoplasm")),
    ({"neoplasm"}, ALTERED, ("108369006", "SCT", "Neoplasm")),
    ({"gtv"}, ALTERED, ("108369006", "SCT", "Neoplasm")),
)

# Algorithm families (DICOM CID 7162) of the ways ctvis makes segments.
MORPHOLOGY = ("123104", "DCM", "Morphological Operations")
CLUSTERS = ("123107", "DCM", "Cluster Analysis")
AUTOMATIC_ORIGINS = {"watershed": MORPHOLOGY, "kmeans": CLUSTERS}   # lungs.segment.METHODS
MANUAL_ORIGINS = ("painted", "erased", "manual")


def _words(name: str) -> set:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in name).split()}


def property_codes(name: str) -> tuple[tuple, tuple]:
    """((value, scheme, meaning) of the category, ... of the type) for a segment name."""
    words = _words(name)
    for need, category, kind in RULES:
        if need <= words:
            return category, kind
    return TISSUE, TISSUE


def algorithm(origin: str | None) -> tuple[str, str | None, tuple | None]:
    """(algorithm type, algorithm name, family code) for a segment's origin; MANUAL has
    neither name nor family."""
    text = (origin or "").lower()
    if text in AUTOMATIC_ORIGINS:
        return "AUTOMATIC", f"ctvis lungs ({text})", AUTOMATIC_ORIGINS[text]
    if text in MANUAL_ORIGINS:
        return "MANUAL", None, None
    # A tool run by a user (threshold, islands, grown, one-click lesion), a file, unknown.
    return "SEMIAUTOMATIC", f"ctvis ({origin})" if origin else "ctvis", MORPHOLOGY


__all__ = ["property_codes", "algorithm"]
