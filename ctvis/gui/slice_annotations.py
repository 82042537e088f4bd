"""What a slice view paints over its picture: tag, corner texts, edge letters, scale bar.

Plain painting functions on a QPainter; the view decides what to say.  Text is drawn in
colour with a dark shadow, so it stays legible on bright tissue and can never be mistaken for
(grey) image pixels in a screenshot.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from PyQt5.QtCore import QPointF, QRect, QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen

from ctvis.render.slices import colorbar_labels, colorbar_rgb

TEXT_COLOR = QColor(255, 200, 40)
LETTER_COLOR = QColor(255, 200, 40)
MARGIN = 6
NICE_STEPS = (1, 2, 5)
CONTROL_HEIGHT = 24        # the slab/colour control in the top-right corner (view_display)
COLORBAR_WIDTH = 10


def shadowed_text(p: QPainter, rect, flags, text: str, color: QColor = TEXT_COLOR) -> None:
    p.setPen(Qt.black)
    p.drawText(rect.translated(1, 1), flags, text)
    p.setPen(color)
    p.drawText(rect, flags, text)


def font(base: QFont, size: int, bold: bool = False) -> QFont:
    f = QFont(base)
    f.setPointSize(size)
    f.setBold(bold)
    return f


def draw_tag(p: QPainter, color, name: str, base: QFont) -> int:
    """The view's coloured tag and name in the top-left corner; returns the height used."""
    f = font(base, 9, bold=True)
    p.setFont(f)
    metrics = QFontMetrics(f)
    h = metrics.height() + 4
    tag = QRect(0, 0, h, h)
    p.fillRect(tag, QColor(*color))
    p.setPen(Qt.black)
    p.drawText(tag, Qt.AlignCenter, name[0].upper())
    label = QRect(h, 0, metrics.horizontalAdvance(name) + 12, h)
    p.fillRect(label, QColor(0, 0, 0, 150))
    p.setPen(QColor(*color))
    p.drawText(label, Qt.AlignCenter, name)
    return h


def draw_lines(p: QPainter, rect: QRect, lines: list[str], flags, base: QFont) -> None:
    """Lines of text stacked in one corner of ``rect`` (``flags``: the corner's alignment)."""
    p.setFont(font(base, 9))
    shadowed_text(p, rect, flags | Qt.TextWordWrap, "\n".join(lines))


def draw_edge_letters(p: QPainter, rect: QRect, letters: dict, base: QFont) -> None:
    """The patient direction of each edge, centred on it."""
    p.setFont(font(base, 12, bold=True))
    inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    shadowed_text(p, inner, Qt.AlignLeft | Qt.AlignVCenter, letters["left"], LETTER_COLOR)
    shadowed_text(p, inner, Qt.AlignRight | Qt.AlignVCenter, letters["right"], LETTER_COLOR)
    shadowed_text(p, inner, Qt.AlignHCenter | Qt.AlignTop, letters["top"], LETTER_COLOR)
    shadowed_text(p, inner, Qt.AlignHCenter | Qt.AlignBottom, letters["bottom"], LETTER_COLOR)


def nice_length(max_mm: float) -> float:
    """The largest 1, 2 or 5 × 10^n mm not above ``max_mm``."""
    if max_mm <= 0:
        return 0.0
    exponent = math.floor(math.log10(max_mm))
    best = 10.0 ** exponent
    for step in NICE_STEPS:
        if step * 10.0 ** exponent <= max_mm:
            best = step * 10.0 ** exponent
    return best


def draw_scale_bar(p: QPainter, rect: QRect, px_per_mm: float, base: QFont) -> None:
    """A bar of a round length in mm at the bottom right, at most a quarter of the width."""
    if px_per_mm <= 0:
        return
    length_mm = nice_length(rect.width() / 4 / px_per_mm)
    length_px = length_mm * px_per_mm
    if length_px < 10:
        return
    f = font(base, 8)
    p.setFont(f)
    text_h = QFontMetrics(f).height()
    right = rect.right() - 3 * MARGIN
    y = rect.bottom() - 3 * MARGIN - text_h
    pen = QPen(TEXT_COLOR, 2)
    for colour, dx in ((Qt.black, 1), (TEXT_COLOR, 0)):
        pen.setColor(QColor(colour))
        p.setPen(pen)
        a, b = QPointF(right - length_px + dx, y + dx), QPointF(right + dx, y + dx)
        p.drawLine(a, b)
        p.drawLine(a, a + QPointF(0, -5))
        p.drawLine(b, b + QPointF(0, -5))
    label = f"{length_mm:g} mm"
    shadowed_text(p, QRectF(right - length_px, y + 2, length_px, text_h).toRect(),
                  Qt.AlignHCenter | Qt.AlignTop, label)


@lru_cache(maxsize=16)
def _colorbar_image(colormap: str, height: int) -> QImage:
    rgb = colorbar_rgb(colormap, height, COLORBAR_WIDTH)
    image = QImage(rgb.data, COLORBAR_WIDTH, height, 3 * COLORBAR_WIDTH, QImage.Format_RGB888)
    return image.copy()                 # owns its pixels (the array goes)


def draw_colorbar(p: QPainter, rect: QRect, colormap: str, window, base: QFont) -> QRect:
    """The colour bar of ``colormap`` at the right edge under the corner control, the
    window's ends in HU beside it (the same bar as the headless pictures'); returns where."""
    height = max(20, int(rect.height() * 0.3))
    top = rect.top() + max(CONTROL_HEIGHT + 2 * MARGIN, int(rect.height() * 0.12))
    bar = QRect(rect.right() - MARGIN - COLORBAR_WIDTH, top, COLORBAR_WIDTH, height)
    p.drawImage(bar, _colorbar_image(colormap, height))
    p.setPen(QPen(TEXT_COLOR, 1))
    p.setBrush(Qt.NoBrush)
    p.drawRect(bar.adjusted(-1, -1, 0, 0))
    f = font(base, 8)
    p.setFont(f)
    text_h = QFontMetrics(f).height()
    high, low = colorbar_labels(window)
    width = 90
    shadowed_text(p, QRect(bar.left() - 4 - width, bar.top() - 2, width, text_h),
                  Qt.AlignRight | Qt.AlignTop, high)
    shadowed_text(p, QRect(bar.left() - 4 - width, bar.bottom() - text_h + 2, width, text_h),
                  Qt.AlignRight | Qt.AlignBottom, low)
    return bar


def series_name(volume, path=None) -> str:
    """The volume's name for the title bar: its series description, else its modality and
    series number ("CT series 3000611": LIDC series have no description), else the file's
    name.  Never a folder's name (it may be the patient's)."""
    meta = volume.meta
    if meta.get("description"):
        return str(meta["description"])
    number = meta.get("series_number")
    if number is not None:
        return f"{meta.get('modality') or 'CT'} series {float(number):.10g}"
    if path is not None and Path(path).is_file():
        return Path(path).name
    nz, ny, nx = volume.shape
    return f"{meta.get('modality') or 'CT'} volume {nx} × {ny} × {nz}"
