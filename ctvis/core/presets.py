"""Window presets, read from resources/window_presets.json (data, not code)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class WindowPreset:
    name: str
    center: float
    width: float


def window_presets(volume=None) -> list[WindowPreset]:
    """The standard presets, plus the series' own WindowCenter/Width when it has one."""
    text = resources.files("ctvis.resources").joinpath("window_presets.json").read_text()
    presets = [WindowPreset(p["name"], float(p["center"]), float(p["width"]))
               for p in json.loads(text)["presets"]]
    meta = getattr(volume, "meta", None) or {}
    if meta.get("window_center") is not None and meta.get("window_width"):
        presets.append(WindowPreset("Series", float(meta["window_center"]),
                                    float(meta["window_width"])))
    return presets


def preset(name: str, volume=None) -> WindowPreset:
    for p in window_presets(volume):
        if p.name.lower() == name.lower():
            return p
    raise KeyError(f"no window preset named {name!r}; known: "
                   + ", ".join(p.name for p in window_presets(volume)))
