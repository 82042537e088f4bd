"""Markups drawn over the slice views, and their handles dragged with the left button.

One ``MarkupLayer`` per window sits in every SliceView's ``layers``: it paints each markup
its slice shows (``ctvis.model.markups.shows_on``: a line on slice k of the view it was
drawn in, a point on the slices through it, a sphere's circle on every slice that cuts it)
with its handles and a label (name and figure), and takes a left press that lands on a
handle — unless a segment editor tool has the button — to move that control point while
the mouse drags.  The selected markup (the dock's row, the last one placed or touched) is
drawn highlighted; ``selected`` says which.
"""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QObject, QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF

from ctvis.model import markups as mk

COLOR = QColor(255, 220, 60)            # Slicer's markups are yellow-ish too
SELECTED = QColor(255, 110, 60)
HANDLE = 4                              # half-size of a handle square, pixels
GRAB = 8                                # a press this close to a handle takes it


class MarkupLayer(QObject):
    selected_changed = pyqtSignal(object)       # the selected markup's id, or None
    moved = pyqtSignal(str)                     # a markup's id: one of its handles moved

    def __init__(self, state, views, parent=None):
        super().__init__(parent)
        self.state, self.views = state, views
        self.selected: str | None = None
        self._drag = None                       # (markup id, handle number)
        for view in views.values():
            view.layers.append(self)

    def select(self, markup_id) -> None:
        if markup_id != self.selected:
            self.selected = markup_id
            self.selected_changed.emit(markup_id)
            self.repaint()

    def repaint(self) -> None:
        for view in self.views.values():
            view.update()

    # -------------------------------------------------------------- geometry
    @staticmethod
    def to_widget(view, lps) -> QPointF:
        return view.index_to_widget(view.state.volume.patient_to_index(np.asarray(lps, float)))

    @staticmethod
    def to_lps(view, pos, inside_only: bool = False):
        kji = view.widget_to_index(pos, inside_only=inside_only)
        return None if kji is None else view.state.volume.index_to_patient(kji)

    def shown(self, view) -> list:
        """The markups ``view``'s slice shows."""
        vol = self.state.volume
        if vol is None or view.geometry_ is None:
            return []
        axis, index = view.geometry_.axes.normal, view.index
        return [m for m in self.state.markups if mk.shows_on(m, vol, axis, index)]

    def handles(self, view, m) -> list[tuple[int, QPointF]]:
        """(control point number, widget position) of a shown markup's handles."""
        if m.kind == "sphere":
            section = self._section(view, m)
            if section is None:
                return []
            centre, radius_px = section
            return [(0, centre), (1, centre + QPointF(radius_px, 0))]
        return [(n, self.to_widget(view, p)) for n, p in enumerate(m.points)]

    def _section(self, view, m):
        """(widget centre, radius in pixels) of a sphere's circle on ``view``'s slice."""
        cut = mk.sphere_section(m, self.state.volume, view.geometry_.axes.normal, view.index)
        if cut is None:
            return None
        centre, radius = cut
        return self.to_widget(view, centre), radius * view.pixels_per_mm()

    # ----------------------------------------------------------------- mouse
    def press(self, view, pos) -> bool:
        """Take the press when it lands on a handle (and no editor tool has the button)."""
        if self.state.volume is None or (view.tool is not None
                                         and not getattr(view.tool, "markup_tool", False)):
            return False
        best = None
        for m in self.shown(view):
            for n, at in self.handles(view, m):
                d = max(abs(at.x() - pos.x()), abs(at.y() - pos.y()))
                if d <= GRAB and (best is None or d < best[0]):
                    best = (d, m.id, n)
        if best is None:
            return False
        self._drag = best[1:]
        self.select(best[1])
        return True

    def move(self, view, pos) -> None:
        if self._drag is None:
            return
        markup_id, n = self._drag
        m = mk.find(self.state.markups, markup_id)
        lps = self.to_lps(view, pos)
        if m is None or lps is None:
            return
        self.state.markups = mk.replaced(self.state.markups, m.with_point(n, lps))
        self.moved.emit(markup_id)

    def release(self, view, pos) -> None:
        self.move(view, pos)
        self._drag = None

    # --------------------------------------------------------------- drawing
    def paint(self, view, p: QPainter) -> None:
        shown = self.shown(view)
        for m in shown:
            self.draw(view, p, m, SELECTED if m.id == self.selected else COLOR,
                      label=f"{m.name}: {mk.summary(m, mk.measure(m, self.state.volume))}")
        self._paint_line_ends(view, p, {m.id for m in shown})

    def _paint_line_ends(self, view, p: QPainter, shown: set) -> None:
        """A line's ends as small crosses in the other views whose slice holds them (the
        line itself lies in another plane)."""
        vol = self.state.volume
        axis, index = view.geometry_.axes.normal, view.index
        p.save()
        for m in self.state.markups:
            if m.kind != "line" or m.id in shown:
                continue
            p.setPen(QPen(SELECTED if m.id == self.selected else COLOR, 1))
            for end in m.points:
                if int(np.floor(vol.patient_to_index(end)[axis] + 0.5 + 1e-6)) != index:
                    continue
                c = self.to_widget(view, end)
                for dx, dy in ((1, 1), (1, -1)):
                    p.drawLine(c - QPointF(4 * dx, 4 * dy), c + QPointF(4 * dx, 4 * dy))
        p.restore()

    def draw(self, view, p: QPainter, m, color: QColor, label: str | None = None,
             closed: bool = True) -> None:
        """One markup on ``view`` (also the tools' markup being placed, ``closed`` False for
        a polygon still open)."""
        p.save()
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setPen(QPen(color, 1.5))
        p.setBrush(Qt.NoBrush)
        pts = [self.to_widget(view, q) for q in m.points]
        anchor = pts[-1]
        if m.kind in ("line", "angle"):
            p.drawPolyline(QPolygonF(pts))
            anchor = pts[1] if m.kind == "angle" else pts[-1]
        elif m.kind == "point":
            c = pts[0]
            for dx, dy in ((1, 0), (0, 1)):
                p.drawLine(c - QPointF(6 * dx, 6 * dy), c + QPointF(6 * dx, 6 * dy))
        elif m.kind == "ellipse":
            c, q = pts
            p.drawEllipse(c, abs(q.x() - c.x()), abs(q.y() - c.y()))
        elif m.kind == "polygon":
            (p.drawPolygon if closed else p.drawPolyline)(QPolygonF(pts))
        elif m.kind == "sphere":
            section = self._section(view, m)
            if section is not None:
                c, r = section
                p.drawEllipse(c, r, r)
                anchor = c + QPointF(r, 0)
        p.setPen(QPen(color, 1))
        handles = self.handles(view, m) if m.kind != "point" else []
        for _, at in handles:
            p.drawRect(QRectF(at.x() - HANDLE, at.y() - HANDLE, 2 * HANDLE, 2 * HANDLE))
        if label:
            draw_label(p, anchor, label, color, view.width())
        p.restore()


def draw_label(p: QPainter, anchor: QPointF, text: str, color: QColor, width: int) -> None:
    """Text with a dark outline, readable over bone and air alike, right of ``anchor``
    (left of it where the view has no room)."""
    font = QFont(p.font())
    font.setPointSizeF(max(font.pointSizeF(), 9.0))
    path = QPainterPath()
    path.addText(QPointF(0, 0), font, text)
    box = path.boundingRect()
    x = anchor.x() + 8
    if x + box.width() > width - 2:
        x = max(2.0, anchor.x() - 8 - box.width())
    path.translate(x, anchor.y() - 8)
    p.setPen(QPen(QColor(0, 0, 0, 200), 3))
    p.setBrush(Qt.NoBrush)
    p.drawPath(path)
    p.fillPath(path, color)
