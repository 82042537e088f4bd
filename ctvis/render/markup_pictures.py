"""Markups drawn into slice pictures (no Qt): what the slice views draw, for ``ctvis
screenshot``, layout pictures and reports — each markup the slice shows, with its label
(name and figure), in the viewer's markup colour.

The picture is a slice at true aspect, filling it (``slice_picture``) or fitted and centred
in a pane (``fit``): either way the slice occupies the largest centred rectangle of its
physical aspect, which is where the markups are placed."""
from __future__ import annotations

import numpy as np

from ctvis.model import markups as mk

COLOR = (255, 220, 60)                  # ctvis.gui.markup_layer.COLOR


def _placement(state, view: str, shape) -> tuple:
    """(geometry, left, top, pixels per slice column, per slice row) of the slice in a
    picture of ``shape``."""
    from ctvis.render.slices import slice_geometry

    g = slice_geometry(state.volume, view)
    h, w = shape[:2]
    width_mm, height_mm = g.size[1] * g.pixel_mm[1], g.size[0] * g.pixel_mm[0]
    scale = min(w / width_mm, h / height_mm)
    rect_w, rect_h = width_mm * scale, height_mm * scale
    return g, (w - rect_w) / 2, (h - rect_h) / 2, rect_w / g.size[1], rect_h / g.size[0], scale


def draw_markups(state, view: str, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` with the markups slice ``view`` of ``state`` shows drawn over it."""
    volume = state.volume
    if volume is None or not state.markups:
        return rgb
    g, left, top, sx, sy, px_per_mm = _placement(state, view, rgb.shape)
    axis, index = g.axes.normal, state.slice_index(view)
    shown = [m for m in state.markups if mk.shows_on(m, volume, axis, index)]
    if not shown:
        return rgb
    from PIL import Image, ImageDraw, ImageFont

    image = Image.fromarray(np.ascontiguousarray(rgb[..., :3]))
    draw = ImageDraw.Draw(image)
    size = max(10, min(image.size) // 36)
    font = ImageFont.load_default(size=size)
    width = max(1, min(image.size) // 300)

    def xy(lps):
        _, row, col = g.index_to_pixel(volume.patient_to_index(np.asarray(lps, float)))
        return left + (col + 0.5) * sx, top + (row + 0.5) * sy

    for m in shown:
        pts = [xy(p) for p in m.points]
        anchor = pts[-1]
        if m.kind in ("line", "angle"):
            draw.line(pts, fill=COLOR, width=width)
            anchor = pts[1] if m.kind == "angle" else pts[-1]
        elif m.kind == "point":
            (x, y), r = pts[0], size // 2
            draw.line([(x - r, y), (x + r, y)], fill=COLOR, width=width)
            draw.line([(x, y - r), (x, y + r)], fill=COLOR, width=width)
        elif m.kind == "ellipse":
            (cx, cy), (qx, qy) = pts
            rx, ry = abs(qx - cx), abs(qy - cy)
            draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=COLOR, width=width)
        elif m.kind == "polygon":
            draw.polygon(pts, outline=COLOR, width=width)
        elif m.kind == "sphere":
            centre, radius = mk.sphere_section(m, volume, axis, index)
            (cx, cy), r = xy(centre), radius * px_per_mm
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=COLOR, width=width)
            anchor = (cx + r, cy)
        label = f"{m.name}: {mk.summary(m, mk.measure(m, volume))}"
        x, y = anchor[0] + size // 2, anchor[1] - size // 2
        text_w = draw.textlength(label, font=font)
        if x + text_w > image.size[0] - 2:          # no room on the right: on the left
            x = max(2, anchor[0] - size // 2 - text_w)
        draw.text((x + 1, y + 1), label, fill=(0, 0, 0), font=font, anchor="lb")
        draw.text((x, y), label, fill=COLOR, font=font, anchor="lb")
    out = np.asarray(image)
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        return np.dstack([out, rgb[..., 3]])
    return out
