"""A lesion's picture for the record: the axial slice of its longest diameter, cropped around
it, its outline in its colour, the long axis (yellow) and the short axis (cyan) drawn between
their end points, as the window's Lesion tool draws them.  Numpy and PIL, no Qt, no VTK.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ctvis.render.slices import slice_geometry, slice_rgb

LONG_AXIS_RGB = (255, 255, 0)
SHORT_AXIS_RGB = (0, 220, 255)
MARGIN_MM = 15.0            # at least this much around the lesion ...
MARGIN_SHARE = 0.6          # ... or this share of its long axis
MIN_SIDE_PX = 320           # small nodules are enlarged to at least this


def _outline_overlay(mask: np.ndarray, k: int, normal: int, color) -> SimpleNamespace:
    """An overlay drawing only the outline of ``mask`` on axial slice ``k`` (along array
    axis ``normal``)."""
    labels = np.zeros(mask.shape, np.uint8)
    plane = (slice(None),) * normal + (k,)
    labels[plane] = mask[plane]
    row = SimpleNamespace(value=1, color=tuple(color), visible=True, opacity=1.0)
    return SimpleNamespace(labels=labels, visible=True, opacity=1.0, segments=(row,),
                           outline=True)


def lesion_picture(volume, mask: np.ndarray, measures, window, color=(230, 200, 40),
                   title: str = "") -> np.ndarray:
    """RGB uint8 of lesion ``mask`` (bool, the volume's shape) with its ``measures``
    (:class:`ctvis.core.lesions.measure.LesionMeasures`) at ``window`` (center, width)."""
    from PIL import Image, ImageDraw, ImageFont

    k = int(measures.axial_slice)
    geometry = slice_geometry(volume, "axial")
    normal = geometry.axes.normal                   # 0 unless stored in another order
    rgb = slice_rgb(volume, "axial", k, window, (_outline_overlay(mask, k, normal, color),))
    # The crop: the lesion's extent seen along the slice normal, and a margin, in screen
    # rows and columns.
    kji = np.argwhere(np.expand_dims(mask.any(axis=normal), normal)).astype(float)
    kji[:, normal] = k
    pixels = np.array([geometry.index_to_pixel(p)[1:] for p in kji])
    row_mm, col_mm = geometry.pixel_mm
    margin = max(MARGIN_MM, MARGIN_SHARE * measures.long_axis_mm)
    lo = np.floor(pixels.min(axis=0) - (margin / row_mm, margin / col_mm)).astype(int)
    hi = np.ceil(pixels.max(axis=0) + (margin / row_mm, margin / col_mm)).astype(int) + 1
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, rgb.shape[:2])
    crop = rgb[lo[0]:hi[0], lo[1]:hi[1]]
    # Square pixels in mm, enlarged so a small nodule is seen.
    step = min(row_mm, col_mm)
    size_mm = (crop.shape[0] * row_mm, crop.shape[1] * col_mm)
    px_per_mm = max(1.0 / step, MIN_SIDE_PX / max(size_mm))
    width, height = (max(1, int(round(size_mm[1] * px_per_mm))),
                     max(1, int(round(size_mm[0] * px_per_mm))))
    image = Image.fromarray(np.ascontiguousarray(crop)).resize((width, height),
                                                               Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(image)

    def at(end):
        _, r, c = geometry.index_to_pixel(np.asarray(end, float))
        # Pixel centres: pixel p spans [p, p + 1) before scaling.
        return ((c - lo[1] + 0.5) * col_mm * px_per_mm, (r - lo[0] + 0.5) * row_mm * px_per_mm)

    line = max(2, width // 110)
    for ends, rgb_line in ((measures.long_axis_ends, LONG_AXIS_RGB),
                           (measures.short_axis_ends, SHORT_AXIS_RGB)):
        if ends is not None:
            draw.line([at(ends[0]), at(ends[1])], fill=rgb_line, width=line)
    font = ImageFont.load_default(size=max(11, width // 26))
    text = (f"{title}  " if title else "") + (f"{measures.long_axis_mm:.1f} x "
                                              f"{measures.short_axis_mm:.1f} mm, slice {k + 1}")
    draw.text((6, 5), text, fill=(0, 0, 0), font=font)
    draw.text((5, 4), text, fill=(255, 200, 40), font=font)
    return np.asarray(image)


__all__ = ["lesion_picture", "LONG_AXIS_RGB", "SHORT_AXIS_RGB"]
