"""Slice pictures for the viewer and for headless screenshots: numpy in, RGB uint8 out.

No Qt, no VTK: the window's slice views only turn :func:`slice_rgb`'s array into an image and
paint annotations over it; a headless command can save the same array.  The geometry helpers
map between a view's pixels (row, column of the oriented slice) and voxel indices (k, j, i),
and name the patient direction of each screen edge from the true direction cosines, so an
oblique or tilted series gets e.g. "LA" instead of a letter that is only nearly right.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ctvis.core.image.colormaps import GREY, apply_colormap, colormap_table
from ctvis.core.image.slab import slab
from ctvis.core.image.slicing import SliceAxes, oriented_slice, slice_axes
from ctvis.core.image.windowing import apply_window
from ctvis.core.labels import BONE

# 3D Slicer's view colours: Red = axial, Yellow = sagittal, Green = coronal.
VIEW_COLORS = {"axial": (243, 74, 51), "sagittal": (237, 213, 76), "coronal": (110, 176, 75)}
BONE_OPACITY = 0.5
# A patient direction gets a letter when its cosine with the screen axis exceeds this
# (about 10°), as ITK-SNAP and Slicer do for oblique planes.
LETTER_COSINE = 0.17
_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))


@dataclass(frozen=True)
class SliceGeometry:
    """How one view cuts a volume: array axes, picture size and pixel size in mm."""
    axes: SliceAxes
    size: tuple[int, int]           # (rows, columns) of the oriented slice
    pixel_mm: tuple[float, float]   # (row, column) spacing
    count: int                      # slices along the view's normal

    def pixel_to_index(self, slice_index: float, row: float, col: float) -> np.ndarray:
        """Continuous voxel index (k, j, i) of a (row, column) position on slice ``slice_index``."""
        a = self.axes
        kji = np.zeros(3)
        kji[a.normal] = slice_index
        kji[a.rows] = (self.size[0] - 1 - row) if a.flip_rows else row
        kji[a.cols] = (self.size[1] - 1 - col) if a.flip_cols else col
        return kji

    def index_to_pixel(self, kji) -> tuple[float, float, float]:
        """(slice index, row, column) of a continuous voxel index (k, j, i)."""
        a = self.axes
        row = (self.size[0] - 1 - kji[a.rows]) if a.flip_rows else kji[a.rows]
        col = (self.size[1] - 1 - kji[a.cols]) if a.flip_cols else kji[a.cols]
        return float(kji[a.normal]), float(row), float(col)


def slice_geometry(volume, view: str) -> SliceGeometry:
    axes = slice_axes(volume.direction, view)
    shape = volume.shape
    return SliceGeometry(axes, (shape[axes.rows], shape[axes.cols]),
                         (volume.spacing[axes.rows], volume.spacing[axes.cols]),
                         shape[axes.normal])


def _screen_vectors(volume, geometry: SliceGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Patient (LPS) unit vectors pointing to the screen's right and down."""
    def column(array_axis, flip):
        v = np.asarray(volume.direction, float)[:, 2 - array_axis]
        v = v / np.linalg.norm(v)
        return -v if flip else v
    a = geometry.axes
    return column(a.cols, a.flip_cols), column(a.rows, a.flip_rows)


def direction_letters(vector) -> str:
    """"L", "LA", "SLP" ...: the patient directions of a unit LPS vector, strongest first."""
    vector = np.asarray(vector, float)
    order = np.argsort(-np.abs(vector))
    return "".join(_LETTERS[p][int(vector[p] > 0)] for p in order if abs(vector[p]) > LETTER_COSINE)


def edge_letters(volume, view: str) -> dict[str, str]:
    """Patient-direction letters of the left, right, top and bottom edges of a view."""
    right, down = _screen_vectors(volume, slice_geometry(volume, view))
    return {"left": direction_letters(-right), "right": direction_letters(right),
            "top": direction_letters(-down), "bottom": direction_letters(down)}


def _window_parts(window) -> tuple[float, float]:
    if hasattr(window, "center"):
        return float(window.center), float(window.width)
    center, width = window
    return float(center), float(width)


def _blend(rgb: np.ndarray, mask: np.ndarray, color, opacity: float) -> None:
    """Mix ``color`` into the masked pixels of ``rgb`` in place."""
    if opacity <= 0 or not mask.any():
        return
    pixels = rgb[mask].astype(np.float32)
    pixels += (np.asarray(color, np.float32) - pixels) * np.float32(opacity)
    rgb[mask] = np.rint(pixels).astype(np.uint8)


def slice_rgb(volume, view: str, index: int, window, overlays=(), bone=None, *,
              slab_mm: float = 0.0, slab_mode: str = "mip", colormap: str = GREY) -> np.ndarray:
    """The picture of slice ``index`` of ``view``: rows × columns × RGB uint8, screen order.

    ``window``: a ``Window`` (center, width attributes) or a (center, width) pair.
    ``overlays``: label overlays (``labels``, ``visible``, ``opacity``, ``segments``: the
    label map's table, ``outline``) mixed in their visible segments' colours over the
    labelled pixels (outline: over each label's boundary pixels only).
    ``bone``: a ``Bone`` (``hu``, ``visible``): pixels at or above ``hu`` HU in bone colour.
    ``slab_mm`` > 0: the ``slab_mode`` ("mip", "minip", "mean") projection of a slab that
    thick around the slice instead of the slice (bone drawn on it; overlays stay those of
    the centre slice).  ``colormap``: a colour map of ``resources/colormaps.json``.
    """
    axes = slice_axes(volume.direction, view)
    if slab_mm > 0:
        hu = slab(volume.array, axes, index, slab_mm, volume.spacing[axes.normal], slab_mode)
    else:
        hu = oriented_slice(volume.array, axes, index)
    grey = apply_window(hu, *_window_parts(window))
    rgb = apply_colormap(grey, colormap)
    if bone is not None and bone.visible:
        _blend(rgb, hu >= bone.hu, BONE.color, BONE_OPACITY)
    for overlay in overlays:
        if not overlay.visible or overlay.labels is None:
            continue
        _mix_labels(rgb, oriented_slice(overlay.labels, axes, index), overlay)
    return rgb


def _mix_labels(rgb: np.ndarray, labels: np.ndarray, overlay) -> None:
    """Mix each label's colour into its pixels, in place: one lookup per pixel inside the
    labels' bounding box (a pass per label value over the whole slice cost 4× more)."""
    rows = np.flatnonzero(labels.any(axis=1))
    if rows.size == 0 or overlay.opacity <= 0:
        return
    cols = np.flatnonzero(labels.any(axis=0))
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    segments = [s for s in overlay.segments if s.visible]      # hidden segments: not drawn
    size = max([255, *(s.value for s in segments)]) + 1
    colour = np.zeros((size, 3), np.float32)
    alpha = np.zeros(size, np.float32)
    for s in segments:
        colour[s.value], alpha[s.value] = s.color, overlay.opacity * s.opacity
    lab = np.minimum(labels[box], size - 1).astype(np.intp, copy=False)
    weight = alpha[lab]
    if getattr(overlay, "outline", False):
        weight = weight * _boundary(lab)
    part = rgb[box].astype(np.float32)
    part += (colour[lab] - part) * weight[..., None]
    rgb[box] = np.rint(part).astype(np.uint8)


def _boundary(labels: np.ndarray) -> np.ndarray:
    """Labelled pixels with a 4-neighbour of another value in the slice (outside the slice
    counts as background, so a label cut by the edge is closed there)."""
    padded = np.pad(labels, 1)
    centre = padded[1:-1, 1:-1]
    edge = ((padded[:-2, 1:-1] != centre) | (padded[2:, 1:-1] != centre)
            | (padded[1:-1, :-2] != centre) | (padded[1:-1, 2:] != centre))
    return edge & (centre != 0)


def state_slice_rgb(state, view: str) -> np.ndarray:
    """:func:`slice_rgb` of what a ViewerState shows in ``view`` (its crosshair's slice, with
    the view's slab and colour map)."""
    return slice_rgb(state.volume, view, state.slice_index(view), state.window,
                     tuple(state.overlays.values()), state.bone,
                     **state.view_display[view].render_options())


def colorbar_rgb(colormap: str, height: int, width: int) -> np.ndarray:
    """A vertical colour bar of ``colormap``: the window's top (255) at the top row."""
    height, width = max(2, int(height)), max(1, int(width))
    levels = np.rint(np.linspace(255, 0, height)).astype(np.uint8)
    return np.repeat(colormap_table(colormap)[levels][:, None, :], width, axis=1)


def colorbar_labels(window) -> tuple[str, str]:
    """The HU at the top and the bottom of the colour bar: the window's ends."""
    center, width = _window_parts(window)
    return f"{center + width / 2:g} HU", f"{center - width / 2:g} HU"


__all__ = ["VIEW_COLORS", "SliceGeometry", "slice_geometry", "edge_letters",
           "direction_letters", "slice_rgb", "state_slice_rgb", "colorbar_rgb",
           "colorbar_labels"]
