"""Volume-rendering presets (``resources/vr_presets.json``, HU) as VTK volume properties.

The presets are 3D Slicer's, transcribed as data: colour points (HU, r, g, b), scalar-opacity
points (HU, alpha), gradient-opacity points and lighting.  A ``shift`` in HU moves every
scalar point of both functions, as Slicer's shift slider does; gradient opacity is not moved
(it is a function of the gradient magnitude, not of HU).
"""
from __future__ import annotations

from dataclasses import dataclass

from ctvis.core.presets import resource_json

RESOURCE = "vr_presets.json"
BLENDS = ("composite", "maximum")


@dataclass(frozen=True)
class VRPreset:
    name: str
    color: tuple                  # ((hu, r, g, b), ...), components 0-1
    scalar_opacity: tuple         # ((hu, alpha), ...)
    gradient_opacity: tuple       # ((gradient magnitude, alpha), ...)
    shade: bool = True
    ambient: float = 0.1
    diffuse: float = 0.9
    specular: float = 0.2
    specular_power: float = 10.0
    blend: str = "composite"      # "maximum": maximum-intensity projection

    def __post_init__(self):
        if self.blend not in BLENDS:
            raise ValueError(f"preset {self.name}: unknown blend {self.blend!r}")
        for points, width in ((self.color, 4), (self.scalar_opacity, 2),
                              (self.gradient_opacity, 2)):
            if not points or any(len(p) != width for p in points):
                raise ValueError(f"preset {self.name}: bad transfer-function points")
            xs = [p[0] for p in points]
            if xs != sorted(xs):
                raise ValueError(f"preset {self.name}: points are not in increasing order")

    def shifted(self, shift: float) -> tuple[tuple, tuple]:
        """(colour points, scalar-opacity points) moved by ``shift`` HU."""
        return (tuple((x + shift, *rest) for x, *rest in self.color),
                tuple((x + shift, a) for x, a in self.scalar_opacity))

    def opacity_at(self, hu: float, shift: float = 0.0) -> float:
        """Scalar opacity at ``hu`` (piecewise linear, clamped at the ends)."""
        return _interpolate(self.shifted(shift)[1], hu)[0]


def _interpolate(points, x: float) -> list[float]:
    if x <= points[0][0]:
        return list(points[0][1:])
    for (x0, *a), (x1, *b) in zip(points, points[1:]):
        if x <= x1:
            t = 0.0 if x1 == x0 else (x - x0) / (x1 - x0)
            return [u + t * (v - u) for u, v in zip(a, b)]
    return list(points[-1][1:])


def vr_presets() -> dict[str, VRPreset]:
    """All presets by name, in file order."""
    out = {}
    for p in resource_json(RESOURCE)["presets"]:
        out[p["name"]] = VRPreset(
            p["name"], tuple(map(tuple, p["color"])), tuple(map(tuple, p["scalar_opacity"])),
            tuple(map(tuple, p["gradient_opacity"])), bool(p["shade"]), float(p["ambient"]),
            float(p["diffuse"]), float(p["specular"]), float(p["specular_power"]),
            p.get("blend", "composite"))
    return out


def default_vr_preset() -> str:
    return resource_json(RESOURCE)["default"]


def vr_preset(name: str) -> VRPreset:
    presets = vr_presets()
    for key, p in presets.items():
        if key.lower() == name.lower():
            return p
    raise KeyError(f"no volume-rendering preset named {name!r}; known: {', '.join(presets)}")


def color_function(preset: VRPreset, shift: float = 0.0):
    from vtkmodules.vtkRenderingCore import vtkColorTransferFunction

    ctf = vtkColorTransferFunction()
    for hu, r, g, b in preset.shifted(shift)[0]:
        ctf.AddRGBPoint(hu, r, g, b)
    return ctf


def opacity_function(preset: VRPreset, shift: float = 0.0):
    from vtkmodules.vtkCommonDataModel import vtkPiecewiseFunction

    otf = vtkPiecewiseFunction()
    for hu, a in preset.shifted(shift)[1]:
        otf.AddPoint(hu, a)
    return otf


def gradient_function(preset: VRPreset):
    from vtkmodules.vtkCommonDataModel import vtkPiecewiseFunction

    gtf = vtkPiecewiseFunction()
    for g, a in preset.gradient_opacity:
        gtf.AddPoint(g, a)
    return gtf


def has_gradient_opacity(preset: VRPreset) -> bool:
    """False when the gradient opacity is 1 everywhere (most of Slicer's presets): VTK then
    skips it, which saves the gradient lookups while rendering."""
    return any(a != 1.0 for _, a in preset.gradient_opacity)


def apply_preset(prop, preset: VRPreset, shift: float = 0.0) -> None:
    """Set a ``vtkVolumeProperty``'s transfer functions and lighting from ``preset``."""
    prop.SetColor(color_function(preset, shift))
    prop.SetScalarOpacity(opacity_function(preset, shift))
    if has_gradient_opacity(preset):
        prop.SetGradientOpacity(gradient_function(preset))
        prop.DisableGradientOpacityOff()
    else:
        prop.DisableGradientOpacityOn()
    # MIP ignores lighting; shading a MIP only costs gradient work.
    prop.SetShade(bool(preset.shade) and preset.blend == "composite")
    prop.SetAmbient(preset.ambient)
    prop.SetDiffuse(preset.diffuse)
    prop.SetSpecular(preset.specular)
    prop.SetSpecularPower(preset.specular_power)
    prop.SetInterpolationTypeToLinear()


def volume_property(preset: VRPreset, shift: float = 0.0):
    from vtkmodules.vtkRenderingCore import vtkVolumeProperty

    prop = vtkVolumeProperty()
    apply_preset(prop, preset, shift)
    return prop


__all__ = ["VRPreset", "vr_presets", "vr_preset", "default_vr_preset", "volume_property",
           "apply_preset", "color_function", "opacity_function", "gradient_function"]
