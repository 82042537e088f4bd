"""Presets kept as data in resources/: window/level presets and the default bone threshold."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SERIES_PRESET = "Series"          # the series' own WindowCenter/Width, when it carries one


@lru_cache(maxsize=None)
def resource_json(name: str) -> dict:
    """A JSON file of ``resources/`` (installed as ``ctvis.resources``)."""
    return json.loads(resources.files("ctvis.resources").joinpath(name).read_text())


@dataclass(frozen=True)
class WindowPreset:
    name: str
    center: float
    width: float


def window_presets(volume=None) -> list[WindowPreset]:
    """The standard presets, plus the series' own WindowCenter/Width when it has one."""
    presets = [WindowPreset(p["name"], float(p["center"]), float(p["width"]))
               for p in resource_json("window_presets.json")["presets"]]
    meta = getattr(volume, "meta", None) or {}
    if meta.get("window_center") is not None and meta.get("window_width"):
        presets.append(WindowPreset(SERIES_PRESET, float(meta["window_center"]),
                                    float(meta["window_width"])))
    return presets


def preset(name: str, volume=None) -> WindowPreset:
    for p in window_presets(volume):
        if p.name.lower() == name.lower():
            return p
    raise KeyError(f"no window preset named {name!r}; known: "
                   + ", ".join(p.name for p in window_presets(volume)))


def default_window() -> WindowPreset:
    return preset(resource_json("window_presets.json")["default"])


def default_bone_threshold() -> float:
    """The bone threshold in HU every tool starts with (resources/thresholds.json)."""
    return float(resource_json("thresholds.json")["bone_hu"])
