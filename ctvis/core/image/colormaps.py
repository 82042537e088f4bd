"""Colour maps of the slice views: the windowed grey 0..255 to RGB by a 256-entry table.

The tables are data (``resources/colormaps.json``): grey, inverted grey, hot (the seeds'
heat map) and viridis.  Grey is the identity, so a grey picture is the windowed grey itself.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ctvis.core.presets import resource_json

GREY = "grey"


@lru_cache(maxsize=None)
def _tables() -> dict[str, tuple[str, np.ndarray]]:
    out = {}
    for entry in resource_json("colormaps.json")["colormaps"]:
        table = np.asarray(entry["table"], dtype=np.uint8)
        if table.shape != (256, 3):
            raise ValueError(f"colour map {entry['name']!r}: its table is {table.shape}, "
                             f"not 256 × 3")
        table.setflags(write=False)
        out[entry["name"]] = (entry.get("label", entry["name"]), table)
    return out


def colormap_names() -> tuple[str, ...]:
    """The colour maps' names, in the order menus list them (grey first)."""
    return tuple(_tables())


def colormap_label(name: str) -> str:
    """The name a menu shows ("Inverted grey")."""
    return _tables()[check_colormap(name)][0]


def check_colormap(name: str) -> str:
    if name not in _tables():
        raise ValueError(f"unknown colour map {name!r} (choose from "
                         f"{', '.join(colormap_names())})")
    return name


def colormap_table(name: str) -> np.ndarray:
    """The 256 × 3 uint8 table of colour map ``name`` (read-only)."""
    return _tables()[check_colormap(name)][1]


def apply_colormap(grey: np.ndarray, name: str = GREY) -> np.ndarray:
    """RGB uint8 (grey's shape + 3) of windowed grey uint8 values through colour map ``name``."""
    grey = np.asarray(grey, dtype=np.uint8)
    if name == GREY:                              # the identity: as fast as it always was
        return np.repeat(grey[..., None], 3, axis=-1)
    return colormap_table(name)[grey]


__all__ = ["GREY", "colormap_names", "colormap_label", "check_colormap", "colormap_table",
           "apply_colormap"]
