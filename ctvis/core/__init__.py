"""Qt-free, VTK-free processing: loading, Volume, HU, windowing, resampling, masks, lungs."""
from ctvis.core.errors import CtvisError, LoadError, Cancelled
from ctvis.core.volume import Volume

__all__ = ["Volume", "CtvisError", "LoadError", "Cancelled"]
