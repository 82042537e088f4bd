"""Small volumes of known geometry for the markups' tests: a disc (a cylinder along the
array's z axis) and a ball of known HU in air, on an anisotropic grid and on an oblique one
(rotated about the patient's z)."""
from __future__ import annotations

import math

import numpy as np

from ctvis.core.volume import Volume

DISC_HU, BALL_HU, AIR_HU = 100, 300, -1000
ANISOTROPIC = (2.5, 0.7, 0.7)           # (dz, dy, dx) mm


def rotation_z(degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a), 0.0],
                     [math.sin(a), math.cos(a), 0.0], [0.0, 0.0, 1.0]])


def phantom(spacing=ANISOTROPIC, direction=None, shape=(24, 96, 96),
            origin=(-30.0, -20.0, 10.0)) -> Volume:
    """Air with a disc of DISC_HU (radius 12 mm, through every slice) centred on the grid's
    middle column, and a ball of BALL_HU (radius 8 mm) centred 30 mm along +x (index i) from
    it, half-way up the stack.  Distances are in mm along the index axes, so the shapes are
    the same on an oblique grid."""
    direction = np.eye(3) if direction is None else np.asarray(direction, float)
    vol = Volume(np.full(shape, AIR_HU, np.int16), spacing, origin, direction)
    k, j, i = np.indices(shape)
    dz, dy, dx = spacing
    ck, cj, ci = disc_centre_index(vol)
    r_disc = np.hypot((j - cj) * dy, (i - ci) * dx)
    vol.array[r_disc <= 12.0] = DISC_HU
    bk, bj, bi = ball_centre_index(vol)
    r_ball = np.sqrt(((k - bk) * dz) ** 2 + ((j - bj) * dy) ** 2 + ((i - bi) * dx) ** 2)
    vol.array[r_ball <= 8.0] = BALL_HU
    return vol


def disc_centre_index(vol) -> np.ndarray:
    nz, ny, nx = vol.shape
    return np.array([(nz - 1) / 2, (ny - 1) / 2, (nx - 1) / 2 - 12])


def ball_centre_index(vol) -> np.ndarray:
    c = disc_centre_index(vol)
    return np.array([round(c[0]), c[1], c[2] + 30.0 / vol.spacing[2]])


def oblique(degrees: float = 20.0, **kw) -> Volume:
    return phantom(direction=rotation_z(degrees), **kw)
