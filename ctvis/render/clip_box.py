"""The clip box as an interactive VTK widget (``vtkBoxWidget2``) on a render window
interactor; no Qt.

Six face handles move one face each, the centre handle moves the whole box; the box stays
aligned with the patient axes (no rotation), as ``View3D.box`` is (LPS mm).  A press inside
the box but off a handle is left to the camera (so the volume still turns).  The widget only
reports: ``on_start`` / ``on_change(bounds)`` / ``on_end`` while a handle is dragged; the
caller writes the state, and places the widget from the state with :meth:`place`.
"""
from __future__ import annotations

import numpy as np

OUTLINE_COLOR = (1.0, 200 / 255, 40 / 255)        # the viewer's annotation colour


class ClipBoxWidget:
    def __init__(self, interactor, renderer, on_start=None, on_change=None, on_end=None):
        from vtkmodules.vtkInteractionWidgets import vtkBoxRepresentation, vtkBoxWidget2

        self.representation = rep = vtkBoxRepresentation()
        rep.SetPlaceFactor(1.0)                      # exactly the bounds given
        rep.SetHandleSize(6.0)
        rep.GetOutlineProperty().SetColor(*OUTLINE_COLOR)
        rep.GetOutlineProperty().SetLineWidth(1.5)
        rep.GetSelectedOutlineProperty().SetColor(*OUTLINE_COLOR)
        rep.GetFaceProperty().SetOpacity(0.0)       # no face tint: the volume stays readable
        rep.GetSelectedFaceProperty().SetOpacity(0.08)
        self.widget = widget = vtkBoxWidget2()
        widget.SetInteractor(interactor)
        widget.SetRepresentation(rep)
        widget.SetCurrentRenderer(renderer)          # not the orientation marker's renderer
        widget.RotationEnabledOff()
        widget.ScalingEnabledOff()                   # right-drag stays the camera's zoom
        self._callbacks = (on_start, on_change, on_end)
        self._tags = [widget.AddObserver(event, self._on_event)
                      for event in ("StartInteractionEvent", "InteractionEvent",
                                    "EndInteractionEvent")]

    def _on_event(self, _obj, event: str) -> None:
        on_start, on_change, on_end = self._callbacks
        if event == "StartInteractionEvent" and on_start is not None:
            on_start()
        elif event == "InteractionEvent" and on_change is not None:
            on_change(self.bounds())
        elif event == "EndInteractionEvent":
            if on_change is not None:
                on_change(self.bounds())
            if on_end is not None:
                on_end()

    def place(self, bounds) -> None:
        """Put the box at ``bounds`` (xmin, xmax, ymin, ymax, zmin, zmax, LPS mm), quietly."""
        bounds = tuple(float(v) for v in bounds)
        if self.bounds() != bounds:
            self.representation.PlaceWidget(list(bounds))

    def bounds(self) -> tuple:
        """(xmin, xmax, ymin, ymax, zmin, zmax) of the box, LPS mm."""
        b = np.asarray(self.representation.GetBounds(), dtype=float).reshape(3, 2)
        return tuple(float(v) for v in np.sort(b, axis=1).ravel())

    def handle_position(self, index: int) -> tuple:
        """World position of handle ``index`` (0-5: faces -x, +x, -y, +y, -z, +z; 6: centre)."""
        from vtkmodules.vtkCommonDataModel import vtkPolyData

        poly = vtkPolyData()
        self.representation.GetPolyData(poly)       # 8 corners, then 6 face centres + centre
        return tuple(poly.GetPoints().GetPoint(8 + index))

    @property
    def enabled(self) -> bool:
        return bool(self.widget.GetEnabled())

    def set_enabled(self, on: bool) -> None:
        if bool(on) != self.enabled:
            self.widget.SetEnabled(int(bool(on)))

    def close(self) -> None:
        self.set_enabled(False)
        for tag in self._tags:
            self.widget.RemoveObserver(tag)
        self._tags = []
        self._callbacks = (None, None, None)


__all__ = ["ClipBoxWidget"]
