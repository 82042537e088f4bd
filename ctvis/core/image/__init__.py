"""Image operations on HU volumes: HU conversion, windowing, slicing, resampling, body mask.

Public: ``raw_to_hu``, ``apply_window``, ``slice_axes`` / ``oriented_slice`` /
``orientation_labels``, ``resample_isotropic``, ``body_mask`` / ``crop_to_body`` /
``bounding_box`` / ``hu_histogram``.
"""
from ctvis.core.image.body import body_mask, bounding_box, crop_to_body, hu_histogram
from ctvis.core.image.hu import raw_to_hu
from ctvis.core.image.resample import resample_isotropic
from ctvis.core.image.slicing import VIEWS, orientation_labels, oriented_slice, slice_axes
from ctvis.core.image.windowing import apply_window

__all__ = ["raw_to_hu", "apply_window", "VIEWS", "slice_axes", "oriented_slice",
           "orientation_labels", "resample_isotropic", "body_mask", "crop_to_body",
           "bounding_box", "hu_histogram"]
