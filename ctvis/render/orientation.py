"""Orientation marker: a cube with the patient letters (LPS faces) in a corner of the view.

Drawn in its own small renderer on a layer above the scene whose camera follows the main
camera's direction before every render, so it works the same on screen and off screen
(``vtkOrientationMarkerWidget`` needs an interactor, which an off-screen plotter lacks).
"""
from __future__ import annotations

import numpy as np

# Face of the cube -> letter: +x faces the patient's left, +y posterior, +z superior.
FACE_LETTERS = {"x+": "L", "x-": "R", "y+": "P", "y-": "A", "z+": "S", "z-": "I"}


class OrientationMarker:
    def __init__(self, render_window, main_renderer, viewport=(0.0, 0.0, 0.14, 0.17)):
        from vtkmodules.vtkRenderingAnnotation import vtkAnnotatedCubeActor
        from vtkmodules.vtkRenderingCore import vtkRenderer

        cube = vtkAnnotatedCubeActor()
        cube.SetXPlusFaceText(FACE_LETTERS["x+"])
        cube.SetXMinusFaceText(FACE_LETTERS["x-"])
        cube.SetYPlusFaceText(FACE_LETTERS["y+"])
        cube.SetYMinusFaceText(FACE_LETTERS["y-"])
        cube.SetZPlusFaceText(FACE_LETTERS["z+"])
        cube.SetZMinusFaceText(FACE_LETTERS["z-"])
        cube.SetFaceTextScale(0.65)
        cube.GetCubeProperty().SetColor(0.25, 0.3, 0.45)
        cube.GetTextEdgesProperty().SetColor(0.9, 0.9, 0.9)
        cube.GetTextEdgesProperty().SetLineWidth(1.0)
        for prop in (cube.GetXPlusFaceProperty(), cube.GetXMinusFaceProperty()):
            prop.SetColor(1.0, 0.55, 0.45)
        for prop in (cube.GetYPlusFaceProperty(), cube.GetYMinusFaceProperty()):
            prop.SetColor(0.55, 1.0, 0.55)
        for prop in (cube.GetZPlusFaceProperty(), cube.GetZMinusFaceProperty()):
            prop.SetColor(0.55, 0.7, 1.0)
        self.actor = cube
        self.main = main_renderer
        self.renderer = vtkRenderer()
        self.renderer.SetViewport(*viewport)
        self.renderer.InteractiveOff()              # mouse events go to the scene
        self.renderer.AddActor(cube)
        layers = max(render_window.GetNumberOfLayers(), main_renderer.GetLayer() + 2)
        render_window.SetNumberOfLayers(layers)
        self.renderer.SetLayer(layers - 1)
        render_window.AddRenderer(self.renderer)
        self._tag = main_renderer.AddObserver("StartEvent", self._follow)

    def _follow(self, *_):
        main = self.main.GetActiveCamera()
        cam = self.renderer.GetActiveCamera()
        direction = np.subtract(main.GetPosition(), main.GetFocalPoint())
        norm = np.linalg.norm(direction)
        if norm == 0:
            return
        cam.SetFocalPoint(0.0, 0.0, 0.0)
        cam.SetPosition(*(direction / norm * 3.2))
        cam.SetViewUp(*main.GetViewUp())
        cam.SetViewAngle(30.0)
        self.renderer.ResetCameraClippingRange()

    def set_visible(self, visible: bool) -> None:
        self.actor.SetVisibility(bool(visible))

    def remove(self, render_window) -> None:
        self.main.RemoveObserver(self._tag)
        render_window.RemoveRenderer(self.renderer)
