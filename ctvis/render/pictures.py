"""Pictures without a window: slice views at their true aspect with annotations, the 3D view
off-screen (VTK through EGL when there is no X server), PNG bytes.

The slice pixels come from :func:`ctvis.render.slices.slice_rgb`, the same function the
viewer's slice views draw, so a headless picture of a state matches the viewer's.
"""
from __future__ import annotations

import io

import numpy as np

from ctvis.core.progress import Progress

TEXT_COLOR = (255, 200, 40)      # as the viewer's: never mistaken for image pixels


def offscreen_without_display() -> None:
    """Off-screen VTK with no X server draws through EGL; say so before VTK makes its first
    window, so it does not try X first and warn.  Done when a picture is made, not at import."""
    import os

    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


def png_bytes(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG")
    return buffer.getvalue()


def true_aspect(rgb: np.ndarray, pixel_mm, scale: float = 1.0) -> np.ndarray:
    """Resample so one picture pixel is square in mm; ``scale`` × the finer pixel size."""
    from PIL import Image

    row_mm, col_mm = pixel_mm
    step = min(row_mm, col_mm) / scale
    height = max(1, int(round(rgb.shape[0] * row_mm / step)))
    width = max(1, int(round(rgb.shape[1] * col_mm / step)))
    if (height, width) == rgb.shape[:2]:
        return rgb
    image = Image.fromarray(np.ascontiguousarray(rgb)).resize((width, height),
                                                             Image.Resampling.BILINEAR)
    return np.asarray(image)


def annotate(rgb: np.ndarray, view: str, letters: dict, lines=()) -> np.ndarray:
    """Orientation letters at the edges, the view's name and ``lines`` top left."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.fromarray(np.ascontiguousarray(rgb))
    draw = ImageDraw.Draw(image)
    size = max(11, min(image.size) // 24)
    font = ImageFont.load_default(size=size)
    w, h = image.size

    def text(xy, s, anchor):
        x, y = xy
        draw.text((x + 1, y + 1), s, fill=(0, 0, 0), font=font, anchor=anchor)
        draw.text((x, y), s, fill=TEXT_COLOR, font=font, anchor=anchor)

    pad = size // 2
    text((pad, h / 2), letters["left"], "lm")
    text((w - pad, h / 2), letters["right"], "rm")
    text((w / 2, pad), letters["top"], "mt")
    text((w / 2, h - pad), letters["bottom"], "mb")
    for i, line in enumerate((view.capitalize(), *lines)):
        text((pad, pad + i * (size + 2)), line, "lt")
    return np.asarray(image)


def colorbar(rgb: np.ndarray, colormap: str, window) -> np.ndarray:
    """The colour bar of ``colormap`` at the right edge, the window's ends in HU beside it
    (the viewer draws the same bar in its slice views)."""
    from PIL import Image, ImageDraw, ImageFont

    from ctvis.render.slices import colorbar_labels, colorbar_rgb

    h, w = rgb.shape[:2]
    size = max(10, min(w, h) // 28)
    bar_w, bar_h = max(6, w // 60), max(20, int(h * 0.3))
    top, right = int(h * 0.12), w - size // 2
    out = np.array(rgb[..., :3], np.uint8)
    x0 = max(0, right - bar_w)
    out[top:top + bar_h, x0:right] = colorbar_rgb(colormap, bar_h, right - x0)
    out[top - 1:top + bar_h + 1, [max(0, x0 - 1), min(w - 1, right)]] = TEXT_COLOR
    out[[top - 1, top + bar_h], max(0, x0 - 1):right + 1] = TEXT_COLOR
    image = Image.fromarray(out)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size)
    high, low = colorbar_labels(window)
    for text, y, anchor in ((high, top, "rt"), (low, top + bar_h, "rb")):
        draw.text((x0 - 3, y + 1), text, fill=(0, 0, 0), font=font, anchor=anchor)
        draw.text((x0 - 4, y), text, fill=TEXT_COLOR, font=font, anchor=anchor)
    if rgb.shape[2] == 4:
        return np.dstack([np.asarray(image), rgb[..., 3]])
    return np.asarray(image)


def _view_lines(state, view: str) -> tuple[str, ...]:
    """The texts under a slice picture's name: slice, window, and the slab if any."""
    from ctvis.render.slices import slice_geometry

    index = state.slice_index(view)
    window = state.window
    slab = state.view_display[view].label()
    return (f"slice {index + 1}/{slice_geometry(state.volume, view).count}",
            f"W {window.width:g} L {window.center:g}", *((slab,) if slab else ()))


def _decorate(state, view: str, rgb: np.ndarray) -> np.ndarray:
    """Annotations (letters, name, texts) and the colour bar where the view shows one."""
    from ctvis.render.markup_pictures import draw_markups
    from ctvis.render.slices import edge_letters

    rgb = draw_markups(state, view, rgb)          # rulers, ROIs ... with their labels
    rgb = annotate(rgb, view, edge_letters(state.volume, view), _view_lines(state, view))
    display = state.view_display[view]
    if display.shows_colorbar:
        rgb = colorbar(rgb, display.colormap, state.window)
    return rgb


def pad_square(rgb: np.ndarray) -> np.ndarray:
    """Centre the picture on a black square (pictures side by side get the same size)."""
    h, w = rgb.shape[:2]
    n = max(h, w)
    out = np.zeros((n, n, rgb.shape[2]), rgb.dtype)
    out[(n - h) // 2:(n - h) // 2 + h, (n - w) // 2:(n - w) // 2 + w] = rgb
    return out


def slice_picture(state, view: str, scale: float = 1.0, annotations: bool = True) -> np.ndarray:
    """What ``state`` shows in slice ``view``, at true aspect, as RGB."""
    from ctvis.render.slices import slice_geometry, state_slice_rgb

    geometry = slice_geometry(state.volume, view)
    rgb = true_aspect(state_slice_rgb(state, view), geometry.pixel_mm, scale)
    return _decorate(state, view, rgb) if annotations else rgb


def fit(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``rgb`` scaled to fit (width, height), centred on black (as a pane shows it)."""
    from PIL import Image

    width, height = size
    h, w = rgb.shape[:2]
    factor = min(width / w, height / h)
    new = (max(1, int(round(w * factor))), max(1, int(round(h * factor))))
    image = np.asarray(Image.fromarray(np.ascontiguousarray(rgb[..., :3])).resize(
        new, Image.Resampling.BILINEAR))
    out = np.zeros((height, width, 3), np.uint8)
    top, left = (height - new[1]) // 2, (width - new[0]) // 2
    out[top:top + new[1], left:left + new[0]] = image
    return out


def layout_picture(state, cell: tuple[int, int] = (600, 600), scale: int = 1,
                   annotations: bool = True, gap: int = 2) -> np.ndarray:
    """All panes of ``state.layout`` arranged as the window arranges them."""
    from ctvis.model.layouts import grid
    from ctvis.render.slices import VIEW_COLORS

    cells = grid(state.layout)
    cw, ch = cell[0] * scale, cell[1] * scale
    rows = max(r + rs for r, _, rs, _ in cells.values())
    cols = max(c + cs for _, c, _, cs in cells.values())
    out = np.zeros((rows * ch + (rows - 1) * gap, cols * cw + (cols - 1) * gap, 3), np.uint8)
    out[:] = 60
    for pane, (r, c, rs, cs) in cells.items():
        size = (cs * cw + (cs - 1) * gap, rs * ch + (rs - 1) * gap)
        if pane == "3d":
            picture = picture_3d(state, size)
        else:
            picture = fit(slice_picture(state, pane, scale, annotations=False), size)
            if annotations:
                picture = _annotate_pane(state, pane, picture)
        y, x = r * (ch + gap), c * (cw + gap)
        out[y:y + size[1], x:x + size[0]] = picture[..., :3]
        color = VIEW_COLORS.get(pane, (120, 120, 120))
        out[y:y + 2, x:x + size[0]] = color                  # the pane's coloured tag line
    return out


def _annotate_pane(state, view: str, picture: np.ndarray) -> np.ndarray:
    return _decorate(state, view, picture)


def state_picture(state, view: str, scale: int = 1, annotations: bool = True,
                  transparent: bool = False, size: tuple[int, int] = (800, 800)) -> np.ndarray:
    """The picture of one pane (``axial``, ``coronal``, ``sagittal``, ``3d``) or of the
    whole ``layout`` of a ViewerState, rendered at ``scale`` × its size (not upscaled)."""
    if view == "layout":
        return layout_picture(state, scale=scale, annotations=annotations)
    if view == "3d":
        return picture_3d(state, (size[0] * scale, size[1] * scale), transparent)
    return slice_picture(state, view, scale, annotations)


def picture_3d(state, size: tuple[int, int] = (800, 800), transparent: bool = False):
    """The 3D pane of ``state`` off-screen: the same Scene the viewer's 3D pane draws."""
    offscreen_without_display()
    from ctvis.render.scene import render_state

    return render_state(state, size=size, transparent=transparent)


def report_pictures(state, progress=None, cancel=None) -> dict[str, bytes]:
    """The report's pictures of a state with a lung overlay, as PNG bytes: the three slice
    views, and the 3D view (anterior) with the lung surfaces, then with bone inside the body
    (no table, no leads) — drawn by the viewer's 3D scene."""
    from dataclasses import replace

    from ctvis.model.state import ViewerState
    from ctvis.core.image.body import body_mask

    tick = Progress(progress, cancel)
    pictures = {view: png_bytes(pad_square(slice_picture(state, view)))
                for view in ("axial", "coronal", "sagittal")}
    tick(0.2, "3D lung surfaces")
    lungs = ViewerState()
    lungs.volume = state.volume
    lungs.overlays = {name: replace(o, opacity=1.0) for name, o in state.overlays.items()}
    lungs.view3d = replace(lungs.view3d, modes=frozenset({"lungs"}))
    pictures["lungs3d"] = png_bytes(picture_3d(lungs))
    tick(0.5, "3D bone")
    volume = state.volume
    bone = ViewerState()
    bone.volume = volume.with_array(np.where(body_mask(volume), volume.array,
                                             np.int16(-1024)))
    bone.bone = state.bone
    bone.view3d = replace(bone.view3d, modes=frozenset({"bone"}))
    pictures["bone3d"] = png_bytes(picture_3d(bone))
    tick(1.0, "pictures done")
    return pictures


__all__ = ["png_bytes", "true_aspect", "annotate", "colorbar", "slice_picture",
           "report_pictures", "pad_square", "fit",
           "layout_picture", "state_picture", "picture_3d"]
