"""The volume-rendered HU volume with two levels of detail, on a CPU or GPU ray caster.

* still: the volume itself, whose int16 buffer VTK reads in place (no copy), one ray per
  pixel, one sample per finest voxel.  Volumes above ``still_voxels`` (default 32 M voxels)
  are subsampled in-plane by 2 first (a 1/4 int16 copy): the CPU ray caster computes a
  gradient for every voxel before its first shaded frame, single-threaded and holding the
  GIL, and on a 512 × 512 × 300 chest that froze the window for 6–17 s; ``still_voxels=None``
  keeps the full grid whatever its size.
* moving: a copy subsampled by an integer step (at most ``moving_voxels``, 6 M: step 3 on a
  512² × 300 chest, 1/27 of its memory) whose image sample distance (pixels per ray) follows
  the measured frame time towards ``MOVING_FPS`` (:meth:`VolumeActor.adapt`).  VTK's own
  AutoAdjustSampleDistances splits the frame time among renderers and props and, with the
  orientation marker's renderer and the slice props beside the volume, always chose the
  coarsest image.

Both levels are chosen by voxel count (a 640-slice chest gets coarser copies than a
275-slice one: the budgets are voxels, not slices) and then by measured frame time: moving
frames still slower than wanted at the coarsest rays (``SLOW_MOVING_FRAMES`` in a row) take
the next integer step, and still frames over ``STILL_SECONDS`` (twice in a row, the first
frame of a level excepted: it pays the gradient pass) take the next coarser still level, so
that full quality stays within a second of the mouse stopping on a slow machine.

Both levels get the same transfer functions from one preset and shift; the moving level is
drawn without shading: the CPU ray caster rebuilds its shading table for every new camera
direction, which doubled the cost of a coarse frame (25-30 ms of CPU at any ray count).

Data sit in "scaled index space" (spacing applied, origin 0); the prop's user matrix
(``patient_matrix``) takes them to LPS mm, exact for oblique and sheared grids, and the same
matrix places the slice planes and the surfaces.

On llvmpipe the fixed-point ray caster is the fast one (DESIGN.md, docs/performance.md);
"gpu" selects VTK's OpenGL ray caster for machines with a real GPU.
"""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.image.subsample import grid_step, subsampled
from ctvis.core.volume import Volume
from ctvis.mesh.surfaces import image_scalars, vtk_image
from ctvis.render.transfer_functions import VRPreset, apply_preset

MAPPERS = ("fixed-point", "gpu")
MOVING_VOXELS = 6_000_000
STILL_VOXELS = 32_000_000
MOVING_FPS = 20.0                             # aim above the 15 asked for: noisy machines
MOVING_IMAGE_SAMPLE_DISTANCE = (1.5, 6.0)     # pixels per ray: at best, at worst
SLOW_MOVING_FRAMES = 3      # moving frames too slow at the coarsest rays before a coarser step
# A still frame longer than this (twice in a row) takes a coarser still level: with the
# pane's 150 ms wait after the mouse stops, full quality within 1 s.
STILL_SECONDS = 0.85


def lod_step(shape, budget: int = MOVING_VOXELS) -> int:
    """The smallest integer step whose subsampled grid has at most ``budget`` voxels."""
    return grid_step(shape, budget)


def still_steps(shape, budget: int | None = STILL_VOXELS) -> tuple[int, int, int]:
    """Steps (z, y, x) of the still level: none under ``budget``, else in-plane by 2 (the
    finest axes of a CT), else the same step on every axis."""
    if budget is None or math.prod(shape) <= budget:
        return (1, 1, 1)
    nz, ny, nx = shape
    if nz * -(-ny // 2) * -(-nx // 2) <= budget:
        return (1, 2, 2)
    step = lod_step(shape, budget)
    return (step, step, step)


def coarser_still_steps(steps) -> tuple[int, int, int]:
    """The still level after ``steps`` when its frames are too slow: in-plane by 2 first
    (the finest axes of a CT), then the same step on every axis, one more each time."""
    steps = tuple(steps)
    if steps == (1, 1, 1):
        return (1, 2, 2)
    top = max(steps)
    return (top, top, top) if min(steps) < top else (top + 1,) * 3


def patient_matrix(volume: Volume):
    """vtkMatrix4x4 taking scaled index space (spacing applied, origin 0) to LPS mm."""
    from vtkmodules.vtkCommonMath import vtkMatrix4x4

    m = np.eye(4)
    m[:3, :3] = volume.direction
    m[:3, 3] = volume.origin
    out = vtkMatrix4x4()
    out.DeepCopy(m.ravel())
    return out


def _mapper(kind: str):
    # Loading the OpenGL side registers it for both mappers (the fixed-point one's image
    # display helper too); in the window nothing else loads it (pyvista.plotting did).
    from vtkmodules import vtkRenderingVolumeOpenGL2

    del vtkRenderingVolumeOpenGL2
    if kind == "fixed-point":
        from vtkmodules.vtkRenderingVolume import vtkFixedPointVolumeRayCastMapper

        return vtkFixedPointVolumeRayCastMapper()
    if kind == "gpu":
        from vtkmodules.vtkRenderingVolume import vtkGPUVolumeRayCastMapper

        return vtkGPUVolumeRayCastMapper()
    raise ValueError(f"unknown volume mapper {kind!r} (choose from {', '.join(MAPPERS)})")


class VolumeActor:
    """Two ``vtkVolume`` props (still, moving) of one Volume; one is visible at a time."""

    def __init__(self, volume: Volume, mapper: str = "fixed-point",
                 moving_voxels: int = MOVING_VOXELS, still_voxels: int | None = STILL_VOXELS):
        from vtkmodules.vtkRenderingCore import vtkVolume, vtkVolumeProperty

        if volume.array.dtype != np.int16:
            raise ValueError(f"the volume must be int16 HU, got {volume.array.dtype}")
        self.kind = mapper
        self._array = volume.array
        self._spacing = np.asarray(volume.spacing_xyz, dtype=float)
        self._slow_moving = 0             # moving frames in a row too slow at the coarsest rays
        self._slow_still = 0              # still frames in a row over STILL_SECONDS
        self.step = lod_step(volume.shape, moving_voxels)
        self.still_steps = still_steps(volume.shape, still_voxels)
        spacing = np.asarray(volume.spacing_xyz, dtype=float)          # (x, y, z)
        still_spacing = spacing * np.asarray(self.still_steps[::-1])
        # The full grid on the volume's own buffer (the slice planes use it, and the still
        # level when it is not subsampled).  Plain VTK images: no pyvista in the viewer.
        self.full_image = vtk_image(volume.array, spacing)
        self.images = {"still": (self.full_image if self.still_steps == (1, 1, 1) else
                                 vtk_image(subsampled(volume.array, self.still_steps),
                                            still_spacing)),
                       "moving": vtk_image(subsampled(volume.array, self.step),
                                            spacing * self.step)}
        self.property = vtkVolumeProperty()
        self.moving_property = vtkVolumeProperty()
        matrix = patient_matrix(volume)
        # One sample per voxel along two of the three axes (the median spacing): the mean let
        # 5 mm slices show wood-grain rings, the finest axis cost 1/3 more on an in-plane/2
        # chest for no visible gain.
        sample = {"still": float(np.median(still_spacing)),
                  "moving": float(np.median(spacing)) * self.step}
        self.props = {}
        for level, image in self.images.items():
            m = _mapper(mapper)
            m.SetInputData(image)
            m.SetSampleDistance(sample[level])
            if level == "still":
                m.AutoAdjustSampleDistancesOff()
                if mapper == "fixed-point":
                    m.SetImageSampleDistance(1.0)
            elif mapper == "fixed-point":
                m.AutoAdjustSampleDistancesOff()           # adapt() does it
                m.SetImageSampleDistance(3.0)
            else:
                m.AutoAdjustSampleDistancesOn()            # the GPU ray caster: VTK's own
            prop = vtkVolume()
            prop.SetMapper(m)
            prop.SetProperty(self.property if level == "still" else self.moving_property)
            prop.SetUserMatrix(matrix)
            self.props[level] = prop
        self.interactive = False
        self.visible = True
        self.coarsened = []            # (level, new step) chosen by measured frame times
        self.still_drawn = False       # the first still frame pays the gradient pass
        self.preset: VRPreset | None = None
        self.shift = 0.0
        self.clipping_planes: list = []            # [(origin, normal)] LPS mm, as given
        self._show()

    @property
    def shares_buffer(self) -> bool:
        """True when the still level reads the volume's own memory."""
        return bool(np.shares_memory(image_scalars(self.images["still"]), self._array))

    def set_preset(self, preset: VRPreset, shift: float = 0.0) -> None:
        self.preset, self.shift = preset, float(shift)
        apply_preset(self.property, preset, shift)
        apply_preset(self.moving_property, preset, shift)
        self.moving_property.ShadeOff()
        for prop in self.props.values():
            m = prop.GetMapper()
            if preset.blend == "maximum":
                m.SetBlendModeToMaximumIntensity()
            else:
                m.SetBlendModeToComposite()

    def set_interactive(self, interactive: bool) -> None:
        """Moving level while the camera moves, still level otherwise."""
        self.interactive = bool(interactive)
        self._show()

    def adapt(self, frame_seconds: float, fps: float = MOVING_FPS) -> float:
        """After a frame of the moving level: pixels per ray for the next one, so frames take
        about 1/``fps`` (the ray count goes with the inverse square of the distance)."""
        m = self.props["moving"].GetMapper()
        if self.kind != "fixed-point" or frame_seconds <= 0:
            return 0.0
        lo, hi = MOVING_IMAGE_SAMPLE_DISTANCE
        isd = m.GetImageSampleDistance()
        wanted = isd * math.sqrt(frame_seconds * fps)
        isd = min(max(0.5 * isd + 0.5 * wanted, lo), hi)          # damped: frames are noisy
        m.SetImageSampleDistance(isd)
        # At the coarsest rays and still too slow: fewer voxels (the next integer step).
        slow = isd >= hi and frame_seconds * fps > 1.25
        self._slow_moving = self._slow_moving + 1 if slow else 0
        if self._slow_moving >= SLOW_MOVING_FRAMES:
            self._slow_moving = 0
            self.set_moving_step(self.step + 1)
        return isd

    def still_frame(self, frame_seconds: float) -> bool:
        """After a still frame (not the first of its level: that one computes the ray
        caster's gradients): True when it took the next coarser still level because two
        frames in a row took over ``STILL_SECONDS``."""
        if frame_seconds <= STILL_SECONDS:
            self._slow_still = 0
            return False
        self._slow_still += 1
        steps = coarser_still_steps(self.still_steps)
        if self._slow_still < 2 or max(steps) > max(self.step - 1, 2):
            return False              # finer than the moving level (or in-plane/2, 2 × 2 × 2)
        self._slow_still = 0
        self.set_still_steps(steps)
        return True

    def set_moving_step(self, step: int) -> None:
        """The moving level on every ``step``-th voxel (a new strided int16 copy)."""
        self.step = int(step)
        image = vtk_image(subsampled(self._array, self.step), self._spacing * self.step)
        self.images["moving"] = image
        m = self.props["moving"].GetMapper()
        m.SetInputData(image)
        m.SetSampleDistance(float(np.median(self._spacing)) * self.step)
        self.coarsened.append(("moving", self.step))

    def set_still_steps(self, steps) -> None:
        """The still level on ``steps`` (z, y, x); its next frame pays the gradient pass."""
        self.still_steps = tuple(int(s) for s in steps)
        spacing = self._spacing * np.asarray(self.still_steps[::-1])
        image = (self.full_image if self.still_steps == (1, 1, 1) else
                 vtk_image(subsampled(self._array, self.still_steps), spacing))
        self.images["still"] = image
        m = self.props["still"].GetMapper()
        m.SetInputData(image)
        m.SetSampleDistance(float(np.median(spacing)))
        self.still_drawn = False
        self.coarsened.append(("still", self.still_steps))

    def set_visible(self, visible: bool) -> None:
        self.visible = bool(visible)
        self._show()

    def set_clipping_planes(self, planes) -> None:
        """Clip by ``planes`` [(origin, normal), ...] in LPS mm; the normal points to what stays."""
        from vtkmodules.vtkCommonDataModel import vtkPlane

        self.clipping_planes = [(tuple(o), tuple(n)) for o, n in planes]
        for prop in self.props.values():
            m = prop.GetMapper()
            m.RemoveAllClippingPlanes()
            for origin, normal in planes:
                plane = vtkPlane()
                plane.SetOrigin(*map(float, origin))
                plane.SetNormal(*map(float, normal))
                m.AddClippingPlane(plane)

    def _show(self) -> None:
        level = "moving" if self.interactive else "still"
        for name, prop in self.props.items():
            prop.SetVisibility(self.visible and name == level)

    def add_to(self, renderer) -> None:
        for prop in self.props.values():
            renderer.AddVolume(prop)

    def remove_from(self, renderer) -> None:
        for prop in self.props.values():
            renderer.RemoveVolume(prop)
