"""Segment Editor operations (3D Slicer's effect names), pure functions on arrays, one module
per tool; import them from their module (``from ctvis.core.editing.brush import stroke``).

A tool returns a :class:`~ctvis.core.editing.region.Patch` — a region (three slices, the
edit's bounding box) and a bool mask of that region's shape — never a copy of the volume when
the edit is local; ``ctvis.model.history.EditHistory`` writes it, undoably.

region (Patch and boxes) · brush (Paint, Erase) · threshold · islands · scissors · margin ·
smoothing · logical · masking (the settings every tool obeys).
"""
