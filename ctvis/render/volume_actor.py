"""The volume-rendered HU volume with two levels of detail, on a CPU or GPU ray caster.

* still: the full volume, whose int16 buffer VTK reads in place (no copy), one ray per pixel;
* moving: a copy subsampled by an integer step (``lod_step``: at most ``moving_voxels``
  voxels, 1/8 of the volume's memory at step 2) with an image sample distance of 2 pixels,
  so a CPU renderer turns it at interactive rates.

Both levels share one ``vtkVolumeProperty`` (transfer functions, lighting), so a preset or a
shift changes them together.  Data sit in "scaled index space" (spacing applied, origin 0);
the prop's user matrix (``patient_matrix``) takes them to LPS mm, exact for oblique and
sheared grids, and the same matrix places the slice planes and the surfaces.

On llvmpipe the fixed-point ray caster is the fast one (DESIGN.md, docs/performance.md);
"gpu" selects ``vtkSmartVolumeMapper``'s OpenGL ray caster for machines with a real GPU.
"""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.volume import Volume
from ctvis.render.transfer_functions import VRPreset, apply_preset

MAPPERS = ("fixed-point", "gpu")
MOVING_VOXELS = 12_000_000
MOVING_IMAGE_SAMPLE_DISTANCE = 2.0


def lod_step(shape, budget: int = MOVING_VOXELS) -> int:
    """The smallest integer step whose subsampled grid has at most ``budget`` voxels."""
    step = 1
    while math.prod(-(-n // step) for n in shape) > budget:
        step += 1
    return step


def grid(array: np.ndarray, spacing_xyz, name: str = "HU"):
    """ImageData in scaled index space over ``array`` [z, y, x]; a contiguous array is shared."""
    import pyvista as pv

    nz, ny, nx = array.shape
    image = pv.ImageData(dimensions=(nx, ny, nz), spacing=tuple(map(float, spacing_xyz)))
    image.point_data[name] = np.ascontiguousarray(array).ravel(order="C")
    image.point_data.active_scalars_name = name
    return image


def patient_matrix(volume: Volume):
    """vtkMatrix4x4 taking scaled index space (spacing applied, origin 0) to LPS mm."""
    from vtkmodules.vtkCommonMath import vtkMatrix4x4

    m = np.eye(4)
    m[:3, :3] = volume.direction
    m[:3, 3] = volume.origin
    out = vtkMatrix4x4()
    out.DeepCopy(m.ravel())
    return out


def subsampled(array: np.ndarray, step: int) -> np.ndarray:
    return array if step == 1 else np.ascontiguousarray(array[::step, ::step, ::step])


def _mapper(kind: str):
    if kind == "fixed-point":
        from vtkmodules.vtkRenderingVolume import vtkFixedPointVolumeRayCastMapper

        mapper = vtkFixedPointVolumeRayCastMapper()
        mapper.AutoAdjustSampleDistancesOff()      # the level of detail is ours, explicit
        return mapper
    if kind == "gpu":
        import vtkmodules.vtkRenderingVolumeOpenGL2  # noqa: F401  (registers the factory)
        from vtkmodules.vtkRenderingVolume import vtkGPUVolumeRayCastMapper

        mapper = vtkGPUVolumeRayCastMapper()
        mapper.AutoAdjustSampleDistancesOff()
        return mapper
    raise ValueError(f"unknown volume mapper {kind!r} (choose from {', '.join(MAPPERS)})")


class VolumeActor:
    """Two ``vtkVolume`` props (still, moving) of one Volume; one is visible at a time."""

    def __init__(self, volume: Volume, mapper: str = "fixed-point",
                 moving_voxels: int = MOVING_VOXELS):
        from vtkmodules.vtkRenderingCore import vtkVolume, vtkVolumeProperty

        if volume.array.dtype != np.int16:
            raise ValueError(f"the volume must be int16 HU, got {volume.array.dtype}")
        self.kind = mapper
        self._array = volume.array
        self.step = lod_step(volume.shape, moving_voxels)
        spacing = np.asarray(volume.spacing_xyz, dtype=float)
        self.images = {"still": grid(volume.array, spacing)}
        self.images["moving"] = (self.images["still"] if self.step == 1 else
                                 grid(subsampled(volume.array, self.step), spacing * self.step))
        self.property = vtkVolumeProperty()
        matrix = patient_matrix(volume)
        voxel = float(np.min(spacing))         # the finest axis: no wood grain on thick slices
        self.props = {}
        for level, image in self.images.items():
            m = _mapper(mapper)
            m.SetInputData(image)
            moving = level == "moving"
            m.SetSampleDistance(voxel * (self.step if moving else 1))
            if mapper == "fixed-point":
                m.SetImageSampleDistance(MOVING_IMAGE_SAMPLE_DISTANCE if moving else 1.0)
            prop = vtkVolume()
            prop.SetMapper(m)
            prop.SetProperty(self.property)
            prop.SetUserMatrix(matrix)
            self.props[level] = prop
        self.interactive = False
        self.visible = True
        self._show()

    @property
    def shares_buffer(self) -> bool:
        """True when the still level reads the volume's own memory."""
        return bool(np.shares_memory(self.images["still"].point_data["HU"], self._array))

    def set_preset(self, preset: VRPreset, shift: float = 0.0) -> None:
        apply_preset(self.property, preset, shift)
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

    def set_visible(self, visible: bool) -> None:
        self.visible = bool(visible)
        self._show()

    def set_clipping_planes(self, planes) -> None:
        """Clip by ``planes`` [(origin, normal), ...] in LPS mm; the normal points to what stays."""
        from vtkmodules.vtkCommonDataModel import vtkPlane

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
