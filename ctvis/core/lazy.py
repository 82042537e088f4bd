"""``scipy.ndimage``, imported when a function of it is first used.

The viewer imports the editing tools, the lesion tool and the loader when it starts, and
each of them uses ``scipy.ndimage``; importing it (with scipy.special) is 20 MiB of the
viewer's memory before anything needs it (docs/performance.md, "Viewer peak memory with the
3D pane").  ``from ctvis.core.lazy import ndimage`` reads like ``from scipy import ndimage``.
"""
from __future__ import annotations

import importlib


class LazyModule:
    """Stands for a module until one of its attributes is read; then it is imported."""

    def __init__(self, name: str):
        self._name = name
        self._module = None

    def __getattr__(self, attr: str):
        if self._module is None:             # importlib's lock makes a race harmless
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


ndimage = LazyModule("scipy.ndimage")

__all__ = ["LazyModule", "ndimage"]
