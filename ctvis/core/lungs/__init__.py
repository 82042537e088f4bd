"""The lungs: segmentation (watershed; k-means for comparison), airway, right/left split, metrics.

Public: ``segment_lungs`` (uint8 labels on the volume's grid, values from
:mod:`ctvis.core.labels`), ``METHODS``, ``lung_metrics`` / ``flat_metrics``, ``lung_warnings``.
"""
from ctvis.core.lungs.checks import lung_warnings
from ctvis.core.lungs.metrics import flat_metrics, lung_metrics
from ctvis.core.lungs.segment import METHODS, segment_lungs

__all__ = ["segment_lungs", "METHODS", "lung_metrics", "flat_metrics", "lung_warnings"]
