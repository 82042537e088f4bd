"""The 3D camera in patient terms: standard views (LPS) and the camera ↔ ``state.camera``.

LPS: +x is the patient's left, +y posterior, +z superior.  "anterior" puts the camera in
front of the patient looking backwards with the head up, so the patient's right is on the
left of the picture, as radiologists read; every view keeps the head up, and the two axial
views (superior, inferior) keep the anterior side up, as 3D Slicer does.
"""
from __future__ import annotations

import numpy as np

from ctvis.model.state import Camera

# name -> (direction from the focal point to the camera, view up), both LPS
STANDARD_VIEWS = {
    "anterior": ((0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
    "posterior": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "left": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "right": ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "superior": ((0.0, 0.0, 1.0), (0.0, -1.0, 0.0)),
    "inferior": ((0.0, 0.0, -1.0), (0.0, -1.0, 0.0)),
}
DEFAULT_VIEW = "anterior"
FIT = 0.7


def standard_camera(name: str, bounds, view_angle: float = 30.0) -> Camera:
    """A camera looking at the box ``bounds`` (xmin, xmax, ymin, ymax, zmin, zmax, LPS mm)
    from the side ``name``, far enough that the whole box fits the view."""
    try:
        direction, up = STANDARD_VIEWS[name]
    except KeyError:
        raise KeyError(f"unknown standard view {name!r} "
                       f"(choose from {', '.join(STANDARD_VIEWS)})") from None
    b = np.asarray(bounds, dtype=float).reshape(3, 2)
    centre = b.mean(axis=1)
    radius = max(0.5 * float(np.linalg.norm(b[:, 1] - b[:, 0])), 1e-3)
    # vtkRenderer::ResetCamera fits the bounding sphere; a chest is a squat box whose sphere
    # leaves the picture half empty, so come closer (the box still fits face-on).
    distance = FIT * radius / np.sin(np.radians(view_angle) / 2.0)
    position = centre + distance * np.asarray(direction)
    return Camera(tuple(map(float, position)), tuple(map(float, centre)),
                  tuple(map(float, up)), float(view_angle), radius)


def camera_of(vtk_camera) -> Camera:
    """The state's value object for a ``vtkCamera``."""
    return Camera(tuple(map(float, vtk_camera.GetPosition())),
                  tuple(map(float, vtk_camera.GetFocalPoint())),
                  tuple(map(float, vtk_camera.GetViewUp())),
                  float(vtk_camera.GetViewAngle()),
                  float(vtk_camera.GetParallelScale()))


def apply_camera(renderer, camera: Camera) -> None:
    """Set ``renderer``'s active camera from ``camera``; clipping range refitted."""
    cam = renderer.GetActiveCamera()
    cam.SetFocalPoint(*camera.focal_point)
    cam.SetPosition(*camera.position)
    cam.SetViewUp(*camera.view_up)
    cam.SetViewAngle(camera.view_angle)
    if camera.parallel_scale is not None:
        cam.SetParallelScale(camera.parallel_scale)
    renderer.ResetCameraClippingRange()


def same_camera(a: Camera | None, b: Camera | None, tol: float = 1e-6) -> bool:
    """Equal up to rounding (a camera read back from VTK differs in the last bits)."""
    if a is None or b is None:
        return a is b
    va = np.concatenate([a.position, a.focal_point, a.view_up, [a.view_angle]])
    vb = np.concatenate([b.position, b.focal_point, b.view_up, [b.view_angle]])
    return bool(np.allclose(va, vb, atol=tol * max(1.0, float(np.abs(va).max()))))


__all__ = ["STANDARD_VIEWS", "DEFAULT_VIEW", "standard_camera", "camera_of", "apply_camera",
           "same_camera"]
