"""Markups in the 3D scene: their props follow state.markups (added, moved, removed, a new
volume), sit where the markups are in patient mm, and show in an off-screen picture."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.model import markups as mk
from ctvis.model.state import ViewerState
from ctvis.render.markup_actors import COLOR, balls, polylines
from tests.helpers.markup_phantoms import ball_centre_index, disc_centre_index, oblique

pv = pytest.importorskip("pyvista")


def state_with_markups():
    state = ViewerState()
    state.volume = oblique(20)
    vol = state.volume
    k, j, i = disc_centre_index(vol)
    line = mk.Markup("line", (tuple(vol.index_to_patient((5, j, i - 10))),
                              tuple(vol.index_to_patient((5, j, i + 10)))), axis=0)
    ellipse = mk.Markup("ellipse", (tuple(vol.index_to_patient((8, j, i))),
                                    tuple(vol.index_to_patient((8, j + 6, i + 4)))), axis=0)
    c = ball_centre_index(vol)
    sphere = mk.Markup("sphere", (tuple(vol.index_to_patient(c)),
                                  tuple(vol.index_to_patient(c + (0, 0, 8)))))
    state.markups = (line, ellipse, sphere)
    return state


def test_geometry_is_in_patient_mm():
    state = state_with_markups()
    line, ellipse, sphere = state.markups
    lines = polylines(state.markups, state.volume)
    assert len(lines) == 2 and np.allclose(lines[0][0], line.array) and not lines[0][1]
    outline, closed = lines[1]
    assert closed
    # The ellipse's outline lies on its slice, around its centre, and reaches its box.
    kji = state.volume.patient_to_index(outline)
    assert np.allclose(kji[:, 0], 8)
    assert np.allclose(outline.mean(axis=0), ellipse.array[0], atol=1e-6)
    ((centre, radius, opacity),) = balls(state.markups)
    assert np.allclose(centre, sphere.array[0]) and radius == pytest.approx(8 * 0.7)


def test_the_scene_follows_the_state():
    from ctvis.render.scene import Scene

    state = state_with_markups()
    plotter = pv.Plotter(off_screen=True, window_size=(300, 300))
    try:
        scene = Scene(plotter)
        scene.sync(state)
        assert len(scene.markup_actors.actors) == 2         # the lines, the sphere
        lo, hi = scene.markup_actors.bounds()
        pts = np.concatenate([m.array for m in state.markups])
        assert np.all(lo <= pts.min(0) + 1e-6) and np.all(hi >= pts[:2].max(0) - 1e-6)
        state.markups = state.markups[:1]
        scene.sync(state, {"markups"})
        assert len(scene.markup_actors.actors) == 1
        state.volume = oblique(10)                          # a new volume: none
        scene.sync(state, {"volume"})
        assert scene.markup_actors.actors == []
    finally:
        plotter.close()


def test_an_offscreen_picture_shows_them():
    from dataclasses import replace

    from ctvis.render.scene import render_state

    state = state_with_markups()
    state.view3d = replace(state.view3d, modes=frozenset())     # markups alone
    rgb = render_state(state, size=(300, 300)).astype(int)
    colour = np.array(COLOR) * 255
    near = np.abs(rgb[..., :3] - colour).sum(axis=2) < 120
    assert near.sum() > 50
