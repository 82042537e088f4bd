"""Segmentation results become state here, and only here.

A lung segmentation (:class:`ctvis.app.pipeline.LungResult`: labels, how they were made,
metrics with their warnings, seconds) is shown by :func:`show_segmentation`: a
:class:`ctvis.model.labelmap.LabelMap` with the lungs' segment table (right, left, airway),
the overlay's origin, metrics and time; the lesions it shows that touch a lung join it
(their envelope holds them).  The Lungs dock, the report, ``ctvis screenshot``
and sessions all call it; views, docks, reports and sessions then read the result from the
state (as 3D Slicer's logic writes into scene nodes and the widget holds nothing).

:func:`shown_result` reads it back as a LungResult (measuring again when the labels were
edited since), and :func:`measure` measures a label map as it is now.  No Qt, no VTK.
"""
from __future__ import annotations

from dataclasses import replace

from ctvis.app.pipeline import LungResult
from ctvis.model.labelmap import LabelMap, lung_segments
from ctvis.model.state import LUNGS, Overlay, ViewerState


def lung_labelmap(labels, origin: str | None, like: Overlay | None = None,
                  name: str = LUNGS) -> LabelMap:
    """A label map of lung labels with the lungs' segment table, each row made by
    ``origin``; the colours, visibility and locks the user chose on ``like``'s table stay."""
    chosen = {s.value: s for s in (like.segments if like is not None else ())}
    table = tuple(replace(s, color=chosen[s.value].color, visible=chosen[s.value].visible,
                          locked=chosen[s.value].locked) if s.value in chosen else s
                  for s in lung_segments(origin))
    return LabelMap(labels, table, name)


def show_segmentation(state: ViewerState, result: LungResult, name: str = LUNGS,
                      **display) -> Overlay:
    """Show ``result`` in ``state`` as overlay ``name``: its label map with the lungs' table,
    how it was made, its metrics (with warnings) and seconds.  ``display``: overlay settings
    (``visible``, ``opacity``).  Fires ``events.overlays`` once."""
    labels, metrics = result.labels, result.metrics
    if _with_lesions(state, labels, name):        # lesions inside the pleura are lung
        metrics = measure(state.volume, labels, (metrics or {}).get("mask"))
    labelmap = lung_labelmap(labels, result.method, state.overlays.get(name), name)
    return state.set_overlay(name, labels=labelmap, origin=result.method,
                             metrics=metrics, seconds=result.seconds, **display)


def _with_lesions(state: ViewerState, labels, name: str) -> bool:
    """Add to ``labels`` (in place) the lesion segments ``state`` shows that touch a lung
    (:func:`ctvis.core.lungs.lesion_sides.lesion_sides`); whether any voxel was added."""
    from ctvis.app.lesion import lesion_masks
    from ctvis.core.lungs.lesion_sides import lesion_sides

    added = False
    for _map, _segment, mask in lesion_masks(state, lungs=name):
        if mask.shape != labels.shape:
            continue
        for side, (box, where) in lesion_sides(labels, mask).items():
            labels[box][where] = side
            added = True
    return added


def measure(volume, labels, mask: str | None = None, progress=None, cancel=None) -> dict:
    """The lung metrics of ``labels`` as they are now, with the lungs' warnings
    (``progress``, ``cancel``: a worker's; measuring is one step)."""
    from ctvis.core.lungs import lung_metrics, lung_warnings

    metrics = lung_metrics(volume, labels) if mask is None else \
        lung_metrics(volume, labels, mask=mask)
    metrics["warnings"] = lung_warnings(volume, labels)
    return metrics


def overlay_result(volume, overlay: Overlay | None) -> LungResult | None:
    """The lungs ``overlay`` shows, as a LungResult: with the metrics measured when they were
    made (by the dock, a session) if the labels have not changed since, else measured now;
    None without labels."""
    if overlay is None or overlay.labels is None:
        return None
    metrics = overlay.metrics
    if not overlay.metrics_current:
        mask = None if metrics is None else metrics.get("mask")
        metrics = measure(volume, overlay.labels, mask)
    return LungResult(overlay.labels, metrics, overlay.origin or "mask", overlay.seconds)


def shown_result(state: ViewerState, name: str = LUNGS) -> LungResult | None:
    """The lungs ``state`` shows (:func:`overlay_result`)."""
    return overlay_result(state.volume, state.overlays.get(name))


__all__ = ["show_segmentation", "shown_result", "overlay_result", "measure",
           "lung_labelmap"]
