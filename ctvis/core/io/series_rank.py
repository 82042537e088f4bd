"""Which series of a folder opens by default, and what each series is, from headers only.

A PET/CT or a CT study folder often holds, beside the original axial CT, reformats (coronal,
sagittal, DERIVED\\SECONDARY), localizers (scouts) and thicker reconstructions; the one with
the most images is often a reformat.  The default is the original, primary, axial CT with
the smallest slice step, then the most images.  The order (``rank_key``):

1. localizers last (ImageType LOCALIZER, a scout by its description, or a single image);
2. CT before other modalities;
3. ORIGINAL\\PRIMARY before a series without ImageType, before DERIVED or SECONDARY;
4. axial (slice normal within 30° of the patient's z axis) before coronal, sagittal, oblique;
5. the smallest slice step (positions projected on the normal, to 0.01 mm);
6. the most images; then the SeriesInstanceUID, so the order never depends on the file walk.

``kind_label`` says what a series is in a few words ("original axial", "derived coronal
reformat", "localizer"), so a list of series shows why one was not the default.

Series are duck-typed: ``uid``, ``modality``, ``description``, ``n_images`` and ``slices``
whose items have ``image_type`` (tuple of str), ``orientation`` (6 cosines or None) and
``position`` (3 mm or None), as ``dicom_scan.SeriesInfo`` and ``SliceHeader`` have.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Optional

import numpy as np

PLANE_COS = math.cos(math.radians(30.0))     # normal within 30° of an axis names the plane
SCOUT_WORDS = ("scout", "topogram", "surview", "localizer", "localiser", "scanogram")
REFORMAT_WORDS = {"REFORMATTED", "MPR", "MIP", "MINIP", "CPR", "CURVED", "RESAMPLED"}
IMAGE_CLASS_RANK = {"original": 0, "": 1, "derived": 2, "secondary": 2}


@dataclass(frozen=True)
class SeriesKind:
    modality: str
    image_class: str            # "original" (ORIGINAL\PRIMARY), "derived", "secondary" or ""
    localizer: str              # "" or why: "localizer", "single image"
    plane: str                  # "axial", "coronal", "sagittal", "oblique" or "" (unknown)
    reformat: bool              # a reformat by ImageType, or a derived non-axial series
    step: Optional[float]       # slice step along the normal (mm), None below two positions
    n_images: int

    @property
    def label(self) -> str:
        words = [] if self.modality == "CT" else [self.modality or "no modality"]
        if self.localizer:
            return " ".join(words + [self.localizer])
        words += [w for w in (self.image_class, self.plane) if w]
        if self.reformat:
            words.append("reformat")
        return " ".join(words) or "unknown"


def series_kind(series) -> SeriesKind:
    slices = list(getattr(series, "slices", None) or [])
    image_type = _common([tuple(t.upper() for t in s.image_type) for s in slices]) or ()
    n = getattr(series, "n_images", None) or len(slices)
    description = (getattr(series, "description", "") or "").lower()
    marked = sum("LOCALIZER" in (t.upper() for t in s.image_type) for s in slices)
    if (slices and marked * 2 > len(slices)) or any(w in description for w in SCOUT_WORDS):
        localizer = "localizer"
    elif n <= 1:
        localizer = "single image"
    else:
        localizer = ""
    stack = [s for s in slices if "LOCALIZER" not in (t.upper() for t in s.image_type)] \
        or slices
    orientation = _common([tuple(np.round(s.orientation, 3)) for s in stack
                           if s.orientation is not None])
    normal = None
    if orientation is not None:
        cross = np.cross(orientation[:3], orientation[3:])
        norm = float(np.linalg.norm(cross))
        normal = cross / norm if norm > 1e-6 else None
    plane = _plane(normal)
    image_class = _image_class(image_type)
    reformat = bool(REFORMAT_WORDS & set(image_type)) or (
        image_class in ("derived", "secondary") and plane not in ("axial", ""))
    return SeriesKind(modality=getattr(series, "modality", "") or "", image_class=image_class,
                      localizer=localizer, plane=plane, reformat=reformat,
                      step=_step(stack, normal), n_images=n)


def rank_key(series) -> tuple:
    kind = series_kind(series)
    step = round(kind.step, 2) if kind.step is not None else math.inf
    return (bool(kind.localizer), kind.modality != "CT", IMAGE_CLASS_RANK[kind.image_class],
            kind.plane != "axial", step, -kind.n_images, str(getattr(series, "uid", "")))


def rank_series(series: list) -> list:
    """``series`` in default order: the first one is what a folder opens without asking."""
    return sorted(series, key=rank_key)


def kind_label(series) -> str:
    return series_kind(series).label


def _common(values: list):
    return Counter(values).most_common(1)[0][0] if values else None


def _image_class(image_type: tuple) -> str:
    if "DERIVED" in image_type[:1]:
        return "derived"
    if "SECONDARY" in image_type[1:2]:
        return "secondary"
    if "ORIGINAL" in image_type[:1]:
        return "original"
    return ""


def _plane(normal) -> str:
    if normal is None:
        return ""
    x, y, z = np.abs(normal)
    if z >= PLANE_COS:
        return "axial"
    if y >= PLANE_COS:
        return "coronal"
    if x >= PLANE_COS:
        return "sagittal"
    return "oblique"


def _step(slices: list, normal) -> Optional[float]:
    if normal is None:
        return None
    proj = np.array([float(np.dot(s.position, normal)) for s in slices
                     if s.position is not None])
    steps = np.diff(np.unique(np.round(proj, 3)))
    steps = steps[steps > 1e-3]
    return float(np.median(steps)) if steps.size else None
