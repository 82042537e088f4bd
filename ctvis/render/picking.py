"""What is under a pixel of the 3D view, in patient LPS mm, on the CPU (no GPU read-back).

* Slice planes and surfaces: VTK's ``vtkCellPicker`` on those props (exact geometry).
* The volume rendering: the ray through the pixel is marched through the HU volume itself
  (numpy, trilinear), each sample's opacity taken from the preset's scalar-opacity function
  (with its HU shift) and corrected for the sample length as the ray caster does; the pick is
  where the accumulated opacity first reaches one half, i.e. the first thing that looks
  solid, not the first faint voxel (VTK's volume picker stops at the first sample above an
  opacity, which on the CT presets is the skin).  Clipping planes are honoured; a
  maximum-intensity projection picks the brightest sample.  Gradient opacity and shading are
  not modelled (most presets have none; where they do, the pick lands slightly early).

The volume is sampled on its own full grid whatever level of detail is on screen, so the
pick is the same while the camera moves and after.
"""
from __future__ import annotations

import numpy as np

ACCUMULATED_OPACITY = 0.5


def display_ray(renderer, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """World points (near, far) on the ray through display pixel (x, y) (VTK: origin at the
    bottom left), at the near and far clipping planes of the camera."""
    out = []
    for z in (0.0, 1.0):
        renderer.SetDisplayPoint(float(x), float(y), z)
        renderer.DisplayToWorld()
        p = np.array(renderer.GetWorldPoint(), dtype=float)
        out.append(p[:3] / p[3] if p[3] else p[:3])
    return out[0], out[1]


def segment_in_volume(volume, p0, p1) -> tuple[float, float] | None:
    """Parameters (t0, t1) in [0, 1] of the part of p0 → p1 inside the volume's voxel-centre
    box (index space, so oblique grids are exact); None if the segment misses it."""
    a = volume.patient_to_index(np.asarray(p0, float))
    b = volume.patient_to_index(np.asarray(p1, float))
    hi = np.asarray(volume.shape, float) - 1.0
    t0, t1 = 0.0, 1.0
    d = b - a
    for axis in range(3):
        if abs(d[axis]) < 1e-12:
            if a[axis] < 0.0 or a[axis] > hi[axis]:
                return None
            continue
        u0, u1 = (0.0 - a[axis]) / d[axis], (hi[axis] - a[axis]) / d[axis]
        t0, t1 = max(t0, min(u0, u1)), min(t1, max(u0, u1))
        if t0 > t1:
            return None
    return t0, t1


def volume_pick(volume, p0, p1, opacity_points, planes=(), blend: str = "composite",
                unit_distance: float = 1.0, threshold: float = ACCUMULATED_OPACITY,
                step_mm: float | None = None) -> np.ndarray | None:
    """The LPS point on p0 → p1 where the volume rendering looks solid (see the module), or
    None when the ray stays transparent.

    ``opacity_points``: ((HU, opacity), ...) as drawn (shift applied); ``planes``:
    [(origin, normal)] keeping the side the normal points to (LPS mm);
    ``unit_distance``: the volume property's scalar-opacity unit distance (mm)."""
    from scipy.ndimage import map_coordinates

    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    span = segment_in_volume(volume, p0, p1)
    if span is None:
        return None
    length = float(np.linalg.norm(p1 - p0)) * (span[1] - span[0])
    step = float(step_mm or 0.5 * min(volume.spacing))
    n = max(2, int(np.ceil(length / step)) + 1)
    t = np.linspace(span[0], span[1], n)
    points = p0 + t[:, None] * (p1 - p0)
    kji = volume.patient_to_index(points)
    hu = map_coordinates(volume.array, kji.T, order=1, mode="nearest", output=np.float32)
    keep = np.ones(n, bool)
    for origin, normal in planes:
        keep &= (points - np.asarray(origin, float)) @ np.asarray(normal, float) >= 0.0
    xs, alphas = np.asarray(opacity_points, float).T
    alpha = np.where(keep, np.interp(hu, xs, alphas), 0.0)
    if blend == "maximum":
        if not keep.any():
            return None
        i = int(np.argmax(np.where(keep, hu, -np.inf)))
        return points[i] if alpha[i] > 0 else None
    ds = length / (n - 1)
    alpha = 1.0 - np.power(1.0 - np.clip(alpha, 0.0, 1.0), ds / unit_distance)
    seen = 1.0 - np.cumprod(1.0 - alpha)
    hit = np.flatnonzero(seen >= threshold)
    return points[hit[0]] if hit.size else None


def prop_pick(renderer, x: float, y: float, props) -> np.ndarray | None:
    """The world point of the nearest of ``props`` (slice planes, surface actors) under
    display pixel (x, y), or None."""
    from vtkmodules.vtkRenderingCore import vtkCellPicker

    props = [p for p in props if p is not None and p.GetVisibility()]
    if not props:
        return None
    picker = vtkCellPicker()
    picker.PickFromListOn()
    for prop in props:
        picker.AddPickList(prop)
    picker.SetTolerance(0.0005)
    if not picker.Pick(float(x), float(y), 0.0, renderer):
        return None
    return np.array(picker.GetPickPosition(), dtype=float)


__all__ = ["display_ray", "segment_in_volume", "volume_pick", "prop_pick",
           "ACCUMULATED_OPACITY"]
