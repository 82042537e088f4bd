"""One slice view of the ViewerState: the crosshair's slice of one orientation, annotated.

The picture comes from :func:`ctvis.render.slices.slice_rgb` (Qt-free); this widget shows it
at its true aspect, paints the annotations and the crosshair, and turns the user's mouse and
keys into state changes (slice, window/level, crosshair).  Zoom and pan belong to this view
alone (they are not in the state: the 3D camera is).

Mouse: wheel = slices (Ctrl+wheel = zoom); left click = crosshair; left drag = window/level;
right drag = zoom; middle drag = pan; double click = maximise/restore (the layout does it).
Keys: Up/Down, Left/Right, PageUp/PageDown = slices; Home/End = first/last; R = reset view.
While an editor tool is active (``tool``, from ``ctvis.gui.editor``) it takes the left button,
double clicks and Shift+wheel and draws over the slice; Ctrl+left does what left does without.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QCursor, QImage, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from ctvis.core.image.slab import slab_value
from ctvis.core.image.slicing import VIEWS, slice_axes
from ctvis.model.state import Window
from ctvis.gui import slice_annotations as ann
from ctvis.gui.subscriptions import subscriptions
from ctvis.render.slices import VIEW_COLORS, edge_letters, slice_geometry, slice_rgb

WHEEL_NOTCH = 120          # angleDelta units per mouse-wheel notch
CLICK_SLOP = 3             # pixels a press may move and still count as a click
WL_PIXELS = 250            # dragging this far changes the window by its own width
ZOOM_PIXELS = 150          # dragging this far zooms by a factor e
ZOOM_RANGE = (0.2, 40.0)
_AXIS_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))
_NORMAL_PATIENT_AXIS = {"axial": 2, "coronal": 1, "sagittal": 0}
_POINTER_EVENTS = itertools.count(1)
STEP_KEYS = {Qt.Key_Up: 1, Qt.Key_Right: 1, Qt.Key_PageUp: 1,
             Qt.Key_Down: -1, Qt.Key_Left: -1, Qt.Key_PageDown: -1}


class SliceView(QWidget):
    double_clicked = pyqtSignal(str)       # the view's name: the layout maximises it
    hovered = pyqtSignal(str)              # what lies under the cursor, for the status bar

    def __init__(self, state, view: str, parent=None):
        super().__init__(parent)
        self.state, self.view = state, view
        self.show_series_text = False      # series description etc. (off in screenshots)
        self.show_patient = False          # patient name/ID in the series text: only if asked
        self.geometry_ = None
        self.letters = {"left": "", "right": "", "top": "", "bottom": ""}
        self._line_views = (None, None)    # views whose planes are the vertical/horizontal lines
        self._image: QImage | None = None
        self._rgb = None                   # keeps the QImage's pixels alive
        self._shown_index = None
        self._dirty = True
        self._zoom, self._pan = 1.0, QPointF()
        self._press = None                 # (button, position, start values) of a drag
        self._dragged = False
        self._wheel_rest = 0
        self._hover_pos = None             # where the mouse is over this view (None: away)
        self._pointer_order = 0
        self.tool = None                   # the active editor tool, if any
        self._tool_drag = False            # the left button is down for the tool
        # Drawn over the slice after the annotations; a layer may take a left press (the
        # markups' handles: ctvis.gui.markup_layer) with press/move/release.
        self.layers = []
        self._layer_drag = None
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        # Its own native window: the 3D pane (a QOpenGLWidget) makes Qt compose the whole
        # top-level window through OpenGL on every update, ~50 ms on llvmpipe; a native child
        # is flushed on its own, in a few ms.
        self.setAttribute(Qt.WA_NativeWindow)
        self._scaled: QImage | None = None      # the picture scaled to its place on screen
        self._scaled_key = None
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {
            "volume": self._on_volume, "crosshair": self._on_crosshair,
            "window": self._invalidate, "overlays": self._invalidate,
            "bone": self._invalidate, "labels": self._on_labels,
            "view_display": self._invalidate})
        if state.volume is not None:
            self._on_volume(state.volume)

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()

    # ------------------------------------------------------------------ state
    def _on_volume(self, volume) -> None:
        if volume is None:
            self.geometry_, self._image = None, None
        else:
            self.geometry_ = slice_geometry(volume, self.view)
            self.letters = edge_letters(volume, self.view)
            cols, rows = self.geometry_.axes.cols, self.geometry_.axes.rows
            normal_of = {slice_axes(volume.direction, v).normal: v for v in VIEWS}
            self._line_views = (normal_of.get(cols), normal_of.get(rows))
        self.reset_view()
        self._invalidate()

    def _on_crosshair(self, _point) -> None:
        if self.state.volume is not None and self.index != self._shown_index:
            self._dirty = True
        self.update()                       # the crosshair lines move in any case
        if self._hover_pos is not None:     # a scroll under a still mouse: what is under it
            self._report_hover(self._hover_pos)     # changed too

    def _on_labels(self, _name, change) -> None:
        """A label map changed in place: redraw only if the change crosses the shown slice."""
        if self.geometry_ is not None and change.crosses(self.geometry_.axes.normal,
                                                         self.index):
            self._invalidate()

    def _invalidate(self, *_args) -> None:
        self._dirty = True
        self.update()

    @property
    def count(self) -> int:
        return 0 if self.geometry_ is None else self.geometry_.count

    @property
    def index(self) -> int:
        return self.state.slice_index(self.view) if self.state.volume is not None else 0

    def set_index(self, index: int) -> None:
        if self.state.volume is not None:
            self.state.set_slice_index(self.view, index)

    @property
    def pointer(self) -> QPointF | None:
        """Where the mouse is over this view, None when it is elsewhere."""
        return self._hover_pos

    @property
    def pointer_order(self) -> int:
        """Grows with each pointer event: of two views that think the mouse is over them,
        the higher one heard of it last."""
        return self._pointer_order

    def _set_pointer(self, pos) -> None:
        self._hover_pos = QPointF(pos)
        self._pointer_order = next(_POINTER_EVENTS)

    def set_tool(self, tool) -> None:
        """Hand the left button to ``tool`` (None: the view's own behaviour again)."""
        self.tool, self._tool_drag = tool, False
        self.update()

    def step(self, steps: int) -> None:
        self.set_index(self.index + steps)

    def reset_view(self) -> None:
        self._zoom, self._pan = 1.0, QPointF()
        self.update()

    def _render(self) -> None:
        state = self.state
        index = self.index
        rgb = slice_rgb(state.volume, self.view, index, state.window,
                        tuple(state.overlays.values()), state.bone,
                        **state.view_display[self.view].render_options())
        h, w, _ = rgb.shape
        self._rgb = rgb
        self._image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888)
        self._shown_index = index
        self._dirty = False

    # --------------------------------------------------------------- geometry
    def image_rect(self) -> QRectF:
        """Where the slice is drawn: its physical extent fitted, zoomed and panned."""
        g = self.geometry_
        if g is None:
            return QRectF()
        width_mm, height_mm = g.size[1] * g.pixel_mm[1], g.size[0] * g.pixel_mm[0]
        scale = min(self.width() / width_mm, self.height() / height_mm) * self._zoom
        w, h = width_mm * scale, height_mm * scale
        return QRectF((self.width() - w) / 2 + self._pan.x(),
                      (self.height() - h) / 2 + self._pan.y(), w, h)

    def pixels_per_mm(self) -> float:
        g = self.geometry_
        return 0.0 if g is None else self.image_rect().width() / (g.size[1] * g.pixel_mm[1])

    def widget_to_index(self, pos, inside_only: bool = True) -> np.ndarray | None:
        """Continuous voxel index (k, j, i) under a widget position, None off the image
        (``inside_only`` False: beyond its edge too, e.g. a scissors outline)."""
        g, r = self.geometry_, self.image_rect()
        if g is None or (inside_only and not r.contains(QPointF(pos))):
            return None
        col = (pos.x() - r.left()) / r.width() * g.size[1] - 0.5
        row = (pos.y() - r.top()) / r.height() * g.size[0] - 0.5
        return g.pixel_to_index(self.index, row, col)

    def index_to_widget(self, kji) -> QPointF:
        g, r = self.geometry_, self.image_rect()
        _, row, col = g.index_to_pixel(kji)
        return QPointF(r.left() + (col + 0.5) * r.width() / g.size[1],
                       r.top() + (row + 0.5) * r.height() / g.size[0])

    def sizeHint(self) -> QSize:
        return QSize(400, 400)

    # ---------------------------------------------------------------- drawing
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.black)
        if self.state.volume is not None and self.geometry_ is not None:
            if self._dirty or self._image is None:
                self._render()
            self._draw_picture(p)
            self._paint_crosshair(p)
            self._paint_annotations(p)
            for layer in self.layers:
                layer.paint(self, p)
            if self.tool is not None:
                self.tool.paint(self, p)
        else:
            ann.draw_tag(p, VIEW_COLORS[self.view], self.view.capitalize(), self.font())
        p.end()

    def _draw_picture(self, p: QPainter) -> None:
        """The slice at its place.  The scaled picture is kept, so a repaint that only moves
        the crosshair lines (the other views scrolling) does not scale it again."""
        rect = self.image_rect()
        w, h = round(rect.width()), round(rect.height())
        if w * h > 4 * self.width() * self.height():   # zoomed far in: scale what is seen
            p.setRenderHint(QPainter.SmoothPixmapTransform)
            p.drawImage(rect, self._image)
            return
        key = (self._image.cacheKey(), w, h)
        if key != self._scaled_key:
            # An image, not a pixmap: a pixmap has the screen's depth, and a 16-bit screen
            # would tint the greys.
            self._scaled = QImage(w, h, QImage.Format_ARGB32_Premultiplied)
            painter = QPainter(self._scaled)
            painter.setRenderHint(QPainter.SmoothPixmapTransform)   # bilinear
            painter.drawImage(QRectF(0, 0, w, h), self._image)
            painter.end()
            self._scaled_key = key
        p.drawImage(round(rect.left()), round(rect.top()), self._scaled)

    def _paint_crosshair(self, p: QPainter) -> None:
        point = self.index_to_widget(self.state.volume.patient_to_index(self.state.crosshair))
        vertical, horizontal = self._line_views
        p.setRenderHint(QPainter.Antialiasing, False)
        gap = 8                              # leave the point itself visible
        for view, a, b, c, d in (
                (vertical, (point.x(), 0), (point.x(), point.y() - gap),
                 (point.x(), point.y() + gap), (point.x(), self.height())),
                (horizontal, (0, point.y()), (point.x() - gap, point.y()),
                 (point.x() + gap, point.y()), (self.width(), point.y()))):
            colour = QColor(*VIEW_COLORS.get(view, (200, 200, 200)))
            colour.setAlpha(170)
            p.setPen(QPen(colour, 1))
            p.drawLine(QPointF(*a), QPointF(*b))
            p.drawLine(QPointF(*c), QPointF(*d))

    def annotation_lines(self) -> dict[str, list[str]]:
        """The corner texts (also what tests and the screenshot read)."""
        state, vol = self.state, self.state.volume
        w = state.window
        wl = f"W {w.width:g}  L {w.center:g}" + (f"  ({w.preset})" if w.preset else "")
        axis = _NORMAL_PATIENT_AXIS[self.view]
        mm = state.crosshair[axis]
        position = f"{_AXIS_LETTERS[axis][int(mm > 0)]} {abs(mm):.1f} mm"
        slab = state.view_display[self.view].label()           # "MIP 20 mm"
        out = {"top_left": [wl, *([slab] if slab else [])], "bottom_left": [f"slice {self.index + 1}/{self.count}",
                                                  position], "top_right": []}
        if self.show_series_text:
            meta = vol.meta
            nz, ny, nx = vol.shape
            text = [ann.series_name(vol),
                    f"{meta.get('modality', '')} {nx}×{ny}×{nz}".strip()]
            if self.show_patient:
                text += [str(meta[k]) for k in ("patient_name", "patient_id") if meta.get(k)]
            out["top_right"] = text
        return out

    def _paint_annotations(self, p: QPainter) -> None:
        base = self.font()
        rect = self.rect().adjusted(ann.MARGIN, ann.MARGIN, -ann.MARGIN, -ann.MARGIN)
        tag_h = ann.draw_tag(p, VIEW_COLORS[self.view], self.view.capitalize(), base)
        lines = self.annotation_lines()
        ann.draw_lines(p, rect.adjusted(0, tag_h + 2, 0, 0), lines["top_left"],
                       Qt.AlignLeft | Qt.AlignTop, base)
        ann.draw_lines(p, rect.adjusted(0, 0, 0, -ann.MARGIN), lines["bottom_left"],
                       Qt.AlignLeft | Qt.AlignBottom, base)
        if lines["top_right"]:                  # below the slab/colour control
            ann.draw_lines(p, rect.adjusted(0, ann.CONTROL_HEIGHT, 0, 0), lines["top_right"],
                           Qt.AlignRight | Qt.AlignTop, base)
        display = self.state.view_display[self.view]
        if display.shows_colorbar:
            ann.draw_colorbar(p, self.rect(), display.colormap, self.state.window, base)
        ann.draw_edge_letters(p, self.rect(), self.letters, base)
        ann.draw_scale_bar(p, self.rect(), self.pixels_per_mm(), base)

    # ------------------------------------------------------------------ input
    def wheelEvent(self, event) -> None:
        self._set_pointer(event.pos())
        if self.tool is not None and event.modifiers() & Qt.ShiftModifier:
            # Some systems turn Shift+wheel into a horizontal wheel.
            delta = event.angleDelta().y() or event.angleDelta().x()
            if self.tool.wheel(self, delta / WHEEL_NOTCH):
                event.accept()
                return
        self._wheel_rest += event.angleDelta().y()
        steps = int(self._wheel_rest / WHEEL_NOTCH)     # toward zero, keeps the remainder
        self._wheel_rest -= steps * WHEEL_NOTCH
        if steps:
            if event.modifiers() & Qt.ControlModifier:
                self._zoom_about(event.pos(), self._zoom * 1.2 ** steps)
            else:
                self.step(steps)
        event.accept()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in STEP_KEYS:
            self.step(STEP_KEYS[key])
        elif key == Qt.Key_Home:
            self.set_index(0)
        elif key == Qt.Key_End:
            self.set_index(self.count - 1)
        elif key == Qt.Key_R:
            self.reset_view()
        else:
            super().keyPressEvent(event)

    def _tool_takes(self, event) -> bool:
        return (self.tool is not None and self.geometry_ is not None
                and event.button() == Qt.LeftButton
                and not event.modifiers() & Qt.ControlModifier)

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.MouseFocusReason)
        self._set_pointer(event.pos())
        if (event.button() == Qt.LeftButton and self.geometry_ is not None
                and not event.modifiers() & Qt.ControlModifier):
            self._layer_drag = next((layer for layer in self.layers
                                     if layer.press(self, event.pos())), None)
            if self._layer_drag is not None:
                return
        if self._tool_takes(event):
            self._tool_drag = True
            self.tool.press(self, event.pos())
            return
        w = self.state.window
        start = {Qt.LeftButton: (w.center, w.width), Qt.RightButton: self._zoom,
                 Qt.MiddleButton: QPointF(self._pan)}.get(event.button())
        if start is not None:
            self._press = (event.button(), QPointF(event.pos()), start)
            self._dragged = False

    def mouseMoveEvent(self, event) -> None:
        self._set_pointer(event.pos())
        if self._layer_drag is not None:
            self._layer_drag.move(self, event.pos())
            return
        if self.tool is not None:
            self.update()                   # the tool's cursor (brush outline) follows
            if self._tool_drag:
                self.tool.move(self, event.pos())
                return
        if self._press is None:
            self._report_hover(event.pos())
            return
        button, origin, start = self._press
        delta = QPointF(event.pos()) - origin
        if not self._dragged and max(abs(delta.x()), abs(delta.y())) <= CLICK_SLOP:
            return
        self._dragged = True
        if button == Qt.LeftButton:
            center, width = start
            # Right widens the window, down raises the level (as in Slicer).
            self.state.window = Window(center + delta.y() * width / WL_PIXELS,
                                       max(1.0, width + delta.x() * width / WL_PIXELS))
        elif button == Qt.RightButton:
            self._zoom_about(origin, start * math.exp(-delta.y() / ZOOM_PIXELS))
        elif button == Qt.MiddleButton:
            self._pan = start + delta
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._layer_drag is not None and event.button() == Qt.LeftButton:
            layer, self._layer_drag = self._layer_drag, None
            layer.release(self, event.pos())
            return
        if self._tool_drag and event.button() == Qt.LeftButton:
            self._tool_drag = False
            self.tool.release(self, event.pos())
            return
        if self._press is not None and self._press[0] == Qt.LeftButton and not self._dragged:
            self._set_crosshair_at(event.pos())
        self._press = None

    def mouseDoubleClickEvent(self, event) -> None:
        if self._tool_takes(event) and self.tool.double_click(self, event.pos()):
            return
        self.double_clicked.emit(self.view)

    def enterEvent(self, event) -> None:
        self._set_pointer(self.mapFromGlobal(QCursor.pos()))

    def leaveEvent(self, event) -> None:
        self._hover_pos = None
        if self.tool is not None:
            self.update()                   # no brush outline where the mouse is not
        self.hovered.emit("")

    def _set_crosshair_at(self, pos) -> None:
        kji = self.widget_to_index(pos)
        if kji is not None:
            self.state.crosshair = tuple(self.state.volume.index_to_patient(kji))

    def _zoom_about(self, pos, zoom: float) -> None:
        """Zoom keeping the image point under ``pos`` where it is."""
        zoom = min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        centre = QPointF(self.width() / 2, self.height() / 2)
        factor = zoom / self._zoom
        self._pan = (QPointF(pos) - centre) * (1 - factor) + self._pan * factor
        self._zoom = zoom
        self.update()
        if self._hover_pos is not None:
            self._report_hover(self._hover_pos)

    def _report_hover(self, pos) -> None:
        kji = self.widget_to_index(pos)
        if kji is None:
            self.hovered.emit("")
            return
        vol = self.state.volume
        voxel = np.clip(np.floor(kji + 0.5).astype(int), 0, np.array(vol.shape) - 1)
        k, j, i = (int(v) for v in voxel)
        x, y, z = vol.index_to_patient(voxel)
        display = self.state.view_display[self.view]
        shown = ""                          # a slab shows another value than the voxel's
        if display.slab:
            axis = self.geometry_.axes.normal
            value = slab_value(vol.array, axis, voxel, display.slab_mm, vol.spacing[axis],
                               display.slab_mode)
            shown = f" ({display.label()}: {value:.0f} HU)"
        self.hovered.emit(f"{self.view}: {int(vol.array[k, j, i])} HU{shown}   "
                          f"LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm   voxel i,j,k = {i}, {j}, {k}")
