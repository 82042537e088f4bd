"""Lung segmentation: ``segment_lungs`` (uint8 labels: 0 background, 1 right, 2 left lung).

Public entry of the lung backend (no Qt, no VTK).  ``method="watershed"`` is the seeds'
marker-controlled watershed made 3-D aware and fast (:mod:`ctvis.core.lungs.watershed`);
``method="kmeans"`` is Howard Chen's per-slice k-means threshold, kept for comparison
(:mod:`ctvis.core.lungs.kmeans`).  Metrics are in :mod:`ctvis.core.lungs.metrics`.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from ctvis.core.image.axial import as_axial, as_stored
from ctvis.core.image.square_pixels import as_square_pixels, labels_back
from ctvis.core.volume import Volume

METHODS = ("watershed", "kmeans")
log = logging.getLogger(__name__)


def segment_lungs(volume: Volume, method: str = "watershed", progress=None,
                  cancel=None, airway: bool = False, aerated: bool = False,
                  info: dict | None = None) -> np.ndarray:
    """Label the lungs of ``volume``: uint8 [z, y, x] on its grid, 1 = right, 2 = left.

    Right and left are the patient's (read from the direction matrix, not the array order).
    By default each lung is its pleural envelope: nodules, masses and consolidation inside
    it are lung; ``aerated=True`` keeps the aerated parenchyma only.  ``airway=True`` adds
    label 3 for the trachea and main bronchi (watershed method; never lung either way).
    ``info`` (a dict, if given) receives facts for :func:`ctvis.core.lungs.lung_warnings`.
    ``progress(fraction, message)`` is called with a rising fraction ending at 1;
    ``cancel()`` returning True raises :class:`ctvis.core.errors.Cancelled`.
    """
    if method not in METHODS:
        raise ValueError(f"unknown lung segmentation method {method!r} "
                         f"(choose from {', '.join(METHODS)})")
    if not isinstance(volume, Volume):
        raise TypeError("segment_lungs needs a ctvis Volume")
    start = time.perf_counter()
    # Slice by slice in the patient's axial planes, whatever order the file stored, on
    # square pixels (a reformat's are not).
    stored, (volume, perm) = volume, as_axial(volume)
    volume, resampled = as_square_pixels(volume)
    if perm is not None or resampled is not None:
        log.info("segment_lungs: %s stored in another order than axial or on oblong pixels; "
                 "segmented on an axial grid of square pixels %s", stored.shape, volume.shape)
    if method == "watershed":
        from ctvis.core.lungs.watershed import segment_watershed

        labels = segment_watershed(volume, progress=progress, cancel=cancel, airway=airway,
                                   aerated=aerated, info=info)
    else:
        from ctvis.core.lungs.envelope import aerated as aerated_only
        from ctvis.core.lungs.kmeans import segment_kmeans

        labels = segment_kmeans(volume, progress=progress, cancel=cancel)
        if aerated:
            labels = aerated_only(labels, volume.array, volume.spacing)
    log.info("segment_lungs(%s) on %s: %.2f s", method, volume.shape,
             time.perf_counter() - start)
    return as_stored(labels_back(labels, resampled), perm)
