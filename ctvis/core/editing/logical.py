"""Logical operators between segments: copy, add, subtract, intersect, clear.

Each takes the target's and the modifier's bool masks (same shape; they may come from
different label maps) and returns what the target becomes; :func:`logical` returns only the
box where the target changes, as a :class:`Patch`.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.editing.region import Patch, changes


def copy(target: np.ndarray, modifier: np.ndarray) -> np.ndarray:
    """The target becomes the modifier."""
    return np.array(modifier, bool)


def add(target: np.ndarray, modifier: np.ndarray) -> np.ndarray:
    return np.logical_or(target, modifier)


def subtract(target: np.ndarray, modifier: np.ndarray) -> np.ndarray:
    return np.logical_and(target, np.logical_not(modifier))


def intersect(target: np.ndarray, modifier: np.ndarray) -> np.ndarray:
    return np.logical_and(target, modifier)


def clear(target: np.ndarray, modifier: np.ndarray | None = None) -> np.ndarray:
    """The target emptied (no modifier needed)."""
    return np.zeros(np.shape(target), bool)


OPERATIONS = {"copy": copy, "add": add, "subtract": subtract, "intersect": intersect,
              "clear": clear}


def logical(operation: str, target: np.ndarray, modifier: np.ndarray | None = None) -> Patch:
    """The patch (box of the changed voxels, new target there) of ``operation``."""
    if operation not in OPERATIONS:
        raise ValueError(f"logical operation is one of {tuple(OPERATIONS)}, got {operation!r}")
    target = np.asarray(target, bool)
    if operation != "clear":
        if modifier is None or np.shape(modifier) != target.shape:
            raise ValueError(f"{operation} needs a modifier mask of shape {target.shape}")
    return changes(target, OPERATIONS[operation](target, modifier))
