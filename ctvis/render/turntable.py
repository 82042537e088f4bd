"""A 360° turn of the 3D view, off-screen: the frames of a movie (``ctvis movie --rotate 3d``).

One Scene is built and synced once (as the headless 3D screenshot builds it); then only the
camera moves, by equal azimuth steps about its view-up axis through the focal point (the
patient's long axis for the standard anterior view), so a frame costs one render.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np


def turntable_frames(state, frames: int = 72, size: tuple[int, int] = (640, 640),
                     mapper: str = "fixed-point") -> Iterator[np.ndarray]:
    """``frames`` RGB pictures (H × W × 3 uint8) of the 3D view of ``state``, the first from
    its camera (or the standard view), each turned 360° / ``frames`` further."""
    from ctvis.render.pictures import offscreen_without_display

    if frames < 1:
        raise ValueError(f"a turn needs at least one frame, not {frames}")
    offscreen_without_display()
    import pyvista as pv

    from ctvis.render.scene import Scene

    plotter = pv.Plotter(off_screen=True, window_size=tuple(size))
    try:
        scene = Scene(plotter, mapper)
        scene.sync(state)
        camera = plotter.renderer.GetActiveCamera()
        for n in range(frames):
            if n:
                camera.Azimuth(360.0 / frames)
                camera.OrthogonalizeViewUp()
                plotter.renderer.ResetCameraClippingRange()
            plotter.ren_win.Render()
            yield np.asarray(plotter.screenshot(return_img=True))[..., :3]
    finally:
        plotter.close()


__all__ = ["turntable_frames"]
