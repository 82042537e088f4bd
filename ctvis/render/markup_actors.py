"""Markups in the 3D scene: lines, angles, polygons and ellipses as yellow polylines in
patient space, points as small balls, spheres as translucent balls with their outline.

All markups go into two actors (lines; surfaces), rebuilt whenever ``state.markups``
changes: a handful of markups is a few hundred points, cheaper to rebuild than to track.
The slice views' markup colour; drawn over the volume rendering (VTK draws opaque geometry
inside a volume correctly, so a ruler inside the chest shows where it is)."""
from __future__ import annotations

import numpy as np

from ctvis.core.image.roi_stats import plane_axes
from ctvis.model import markups as mk

COLOR = (1.0, 220 / 255, 60 / 255)
ELLIPSE_POINTS = 64
POINT_RADIUS_MM = 1.5


def _ellipse_outline(m, volume) -> np.ndarray | None:
    plane = mk.plane_of(m, volume)
    if plane is None:
        return None
    axis, index = plane
    (cu, cv), (ru, rv) = mk.ellipse_uv(m, volume, axis)
    u, v = plane_axes(axis)
    t = np.linspace(0, 2 * np.pi, ELLIPSE_POINTS, endpoint=False)
    kji = np.zeros((t.size, 3))
    kji[:, axis] = index
    kji[:, u] = cu + ru * np.cos(t)
    kji[:, v] = cv + rv * np.sin(t)
    return volume.index_to_patient(kji)


def polylines(markups, volume) -> list[tuple[np.ndarray, bool]]:
    """(points N × 3 LPS, closed) of every markup drawn as lines."""
    out = []
    for m in markups:
        if m.kind in ("line", "angle"):
            out.append((m.array, False))
        elif m.kind == "polygon":
            out.append((m.array, True))
        elif m.kind == "ellipse":
            outline = _ellipse_outline(m, volume)
            if outline is not None:
                out.append((outline, True))
    return out


def balls(markups) -> list[tuple[np.ndarray, float, float]]:
    """(centre, radius mm, opacity) of every markup drawn as a ball."""
    out = []
    for m in markups:
        if m.kind == "point":
            out.append((m.array[0], POINT_RADIUS_MM, 1.0))
        elif m.kind == "sphere":
            out.append((m.array[0], mk.radius_mm(m), 0.35))
    return out


# Plain VTK, not pyvista: the window's 3D pane imports no pyvista (docs/performance.md).
def _polylines(lines):
    """One vtkPolyData of the polylines [(points N x 3, closed)]."""
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonCore import vtkPoints
    from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData

    points = vtkPoints()
    points.SetData(numpy_to_vtk(np.concatenate([np.asarray(p, float) for p, _ in lines]),
                                deep=True))
    cells = vtkCellArray()
    start = 0
    for pts, closed in lines:
        ids = list(range(start, start + len(pts))) + ([start] if closed else [])
        cells.InsertNextCell(len(ids), ids)
        start += len(pts)
    mesh = vtkPolyData()
    mesh.SetPoints(points)
    mesh.SetLines(cells)
    return mesh


def _sphere(centre, radius: float):
    from vtkmodules.vtkFiltersSources import vtkSphereSource

    source = vtkSphereSource()
    source.SetCenter(*map(float, centre))
    source.SetRadius(float(radius))
    source.SetThetaResolution(30)              # pyvista's Sphere: 30 x 30
    source.SetPhiResolution(30)
    source.Update()
    return source.GetOutput()


class MarkupActors:
    """The markups' props in one renderer."""

    def __init__(self, renderer):
        self.renderer = renderer
        self.actors: list = []

    def update(self, markups, volume) -> None:
        self.clear()
        if volume is None or not markups:
            return
        lines = polylines(markups, volume)
        if lines:
            self._add(_polylines(lines), opacity=1.0, line_width=3)
        for centre, radius, opacity in balls(markups):
            if radius > 0:
                self._add(_sphere(centre, radius), opacity=opacity)

    def _add(self, mesh, opacity: float, line_width: float = 1.0) -> None:
        from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

        mapper = vtkPolyDataMapper()
        mapper.SetInputData(mesh)
        mapper.ScalarVisibilityOff()
        actor = vtkActor()
        actor.SetMapper(mapper)
        prop = actor.GetProperty()
        prop.SetColor(*COLOR)
        prop.SetOpacity(opacity)
        prop.SetLineWidth(line_width)
        actor.PickableOff()                     # a click picks the anatomy, not a ruler
        self.renderer.AddActor(actor)
        self.actors.append(actor)

    def bounds(self) -> np.ndarray | None:
        """(min, max) LPS corners of all the markups' props, None without any."""
        if not self.actors:
            return None
        b = np.array([a.GetBounds() for a in self.actors])
        return np.stack([b[:, 0::2].min(0), b[:, 1::2].max(0)])

    def clear(self) -> None:
        for actor in self.actors:
            self.renderer.RemoveActor(actor)
        self.actors = []
