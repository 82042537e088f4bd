"""How one slice view draws its slice: a thick slab (thickness in mm, MIP/MinIP/mean) and a
colour map, with or without a colour bar.  A frozen value per view in
``ViewerState.slice_display``; the steps the keys take (thicker, next mode, next map) are here
so that the window, the CLI and the movie share them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ctvis.core.image.colormaps import GREY, check_colormap, colormap_names
from ctvis.core.image.slab import SLAB_LABELS, SLAB_MODES

# Thicknesses the [ and ] keys step through (mm); 0 is a single slice.
SLAB_STEPS = (5.0, 10.0, 20.0, 40.0)
MAX_SLAB_MM = 500.0
DEFAULT_SLAB_MM = 20.0          # a slab switched on by the Y key


@dataclass(frozen=True)
class SliceDisplay:
    slab_mm: float = 0.0            # 0: the single slice
    slab_mode: str = "mip"          # one of SLAB_MODES (used when slab_mm > 0)
    colormap: str = GREY
    colorbar: bool = False          # the colour bar also with grey

    def __post_init__(self):
        try:
            mm = float(self.slab_mm)
        except (TypeError, ValueError):
            raise ValueError(f"slab thickness must be a number of mm, got "
                             f"{self.slab_mm!r}") from None
        if not 0.0 <= mm <= MAX_SLAB_MM:
            raise ValueError(f"slab thickness must be 0 to {MAX_SLAB_MM:g} mm, got {mm:g}")
        object.__setattr__(self, "slab_mm", mm)
        if self.slab_mode not in SLAB_MODES:
            raise ValueError(f"unknown slab mode {self.slab_mode!r} "
                             f"(choose from {', '.join(SLAB_MODES)})")
        check_colormap(self.colormap)
        object.__setattr__(self, "colorbar", bool(self.colorbar))

    @property
    def slab(self) -> bool:
        return self.slab_mm > 0

    @property
    def shows_colorbar(self) -> bool:
        return self.colorbar or self.colormap != GREY

    def label(self) -> str:
        """"MIP 20 mm" for a slab, "" for a single slice."""
        return f"{SLAB_LABELS[self.slab_mode]} {self.slab_mm:g} mm" if self.slab else ""

    def render_options(self) -> dict:
        """The keyword arguments of ``ctvis.render.slices.slice_rgb``."""
        return {"slab_mm": self.slab_mm, "slab_mode": self.slab_mode,
                "colormap": self.colormap}

    def to_dict(self) -> dict:
        return {"slab_mm": self.slab_mm, "slab_mode": self.slab_mode,
                "colormap": self.colormap, "colorbar": self.colorbar}

    @classmethod
    def from_dict(cls, data) -> "SliceDisplay":
        if not isinstance(data, dict):
            raise ValueError(f"a view's display settings are a mapping, got {data!r}")
        known = {k: data[k] for k in ("slab_mm", "slab_mode", "colormap", "colorbar")
                 if k in data}
        return cls(**known)


def next_slab_mode(display: SliceDisplay) -> SliceDisplay:
    """Off → MIP → MinIP → mean → off (the Y key); a slab switched on gets 20 mm."""
    if not display.slab:
        return replace(display, slab_mm=DEFAULT_SLAB_MM, slab_mode=SLAB_MODES[0])
    i = SLAB_MODES.index(display.slab_mode)
    if i + 1 < len(SLAB_MODES):
        return replace(display, slab_mode=SLAB_MODES[i + 1])
    return replace(display, slab_mm=0.0, slab_mode=SLAB_MODES[0])


def thicker(display: SliceDisplay) -> SliceDisplay:
    """The next step of SLAB_STEPS above the thickness (the ] key; off → the thinnest)."""
    bigger = [s for s in SLAB_STEPS if s > display.slab_mm + 1e-6]
    return replace(display, slab_mm=bigger[0] if bigger else display.slab_mm)


def thinner(display: SliceDisplay) -> SliceDisplay:
    """The step below the thickness (the [ key); below the thinnest: a single slice."""
    smaller = [s for s in SLAB_STEPS if s < display.slab_mm - 1e-6]
    return replace(display, slab_mm=smaller[-1] if smaller else 0.0)


def next_colormap(display: SliceDisplay) -> SliceDisplay:
    """The next colour map of the table, after the last grey again (the C key)."""
    names = colormap_names()
    return replace(display, colormap=names[(names.index(display.colormap) + 1) % len(names)])


__all__ = ["SliceDisplay", "SLAB_STEPS", "MAX_SLAB_MM", "DEFAULT_SLAB_MM", "next_slab_mode", "thicker",
           "thinner", "next_colormap"]
