"""The 3D scene off screen (no Qt): presets draw the right things, surfaces follow the state,
standard views face the right side of the patient (checked on the rendered image), slice
planes follow the crosshair, the camera round-trips through the state."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ctvis.app.state import Bone, Camera, View3D, ViewerState
from ctvis.core.phantom import make_phantom
from ctvis.render.camera import STANDARD_VIEWS, same_camera, standard_camera
from ctvis.render.scene import Scene, render_state, volume_bounds
from ctvis.render.volume_actor import MOVING_IMAGE_SAMPLE_DISTANCE, lod_step, still_steps

pv = pytest.importorskip("pyvista")
SIZE = (240, 200)


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(60, 96, 96))


@pytest.fixture
def state(phantom):
    s = ViewerState()
    s.volume = phantom.volume
    return s


@pytest.fixture
def scene():
    plotter = pv.Plotter(off_screen=True, window_size=SIZE)
    sc = Scene(plotter)
    yield sc
    sc.close()
    plotter.close()


def shot(scene) -> np.ndarray:
    scene.plotter.ren_win.Render()
    return without_marker(scene.plotter.screenshot(return_img=True))


def picture(state) -> np.ndarray:
    return without_marker(render_state(state, SIZE))


def without_marker(img) -> np.ndarray:
    """RGB as int with the orientation cube's corner (bottom left) blacked out."""
    img = img[..., :3].astype(int)
    h, w = img.shape[:2]
    img[int(h * 0.8):, : int(w * 0.16)] = 0
    return img


def lit(img, level=20) -> np.ndarray:
    return img.max(axis=2) > level


def picked_point(scene, fx=0.5, fy=0.5) -> np.ndarray:
    """LPS point under a pixel, from the z-buffer of the rendered frame."""
    from vtkmodules.vtkRenderingCore import vtkWorldPointPicker

    scene.plotter.ren_win.Render()
    w, h = scene.plotter.ren_win.GetSize()
    picker = vtkWorldPointPicker()
    picker.Pick(fx * w, fy * h, 0, scene.renderer)
    return np.array(picker.GetPickPosition())


# ------------------------------------------------------------------------ presets
def test_every_required_preset_draws_something(state):
    for preset in ("CT-Bone", "CT-Lung", "CT-Chest-Contrast-Enhanced", "CT-Muscle", "CT-MIP"):
        state.view3d = View3D(frozenset({"volume"}), preset)
        img = picture(state)
        assert lit(img).mean() > 0.1, preset
        assert not lit(img[:4, -4:]).any(), preset           # a corner stays background
        if preset in ("CT-Chest-Contrast-Enhanced", "CT-Muscle"):
            shown = img[lit(img)]
            assert (shown[:, 0] > shown[:, 2]).mean() > 0.8, preset   # tissue reds and tans


def test_bone_preset_is_bright_bone_on_dark(state):
    state.view3d = View3D(frozenset({"volume"}), "CT-Bone")
    img = picture(state)
    lum = img.mean(axis=2)
    bright = img[lum >= np.percentile(lum, 99)]
    assert bright.mean() > 110                                # bone is bright ...
    assert bright.mean() > 3 * np.median(lum)                 # ... on dark
    assert (bright[:, 0] >= bright[:, 2]).mean() > 0.9        # ... and bone-coloured (warm)


def test_lung_preset_shows_the_lungs_and_airways(state, phantom):
    state.view3d = View3D(frozenset({"volume"}), "CT-Lung")
    with_lungs = picture(state)
    # Same chest with the lungs and airways filled with soft tissue: the picture empties.
    array = phantom.volume.array.copy()
    array[array < -300] = np.where(phantom.lungs[array < -300] > 0, 40, array[array < -300])
    filled = ViewerState()
    filled.volume = replace(phantom.volume, array=array)
    filled.view3d = state.view3d
    without = picture(filled)
    h, w = SIZE[1], SIZE[0]
    chest = (slice(h * 3 // 10, h * 7 // 10), slice(w // 4, w * 3 // 4))
    assert with_lungs[chest].mean() > 1.25 * without[chest].mean()
    shown = with_lungs[lit(with_lungs)]
    assert (shown[:, 1] > shown[:, 2]).mean() > 0.6           # Slicer's green-yellow ramp


def test_mip_preset_is_grey(state):
    state.view3d = View3D(frozenset({"volume"}), "CT-MIP")
    img = picture(state)
    shown = img[lit(img)]
    assert np.abs(shown[:, 0] - shown[:, 2]).max() <= 3


def test_shift_moves_the_transfer_function(state, scene):
    scene.sync(state)
    state.view3d = View3D(frozenset({"volume"}), "CT-Bone", 300.0)
    scene.sync(state, {"view3d"})
    otf = scene.volume_actor.property.GetScalarOpacity()
    assert otf.GetValue(641.385 + 300.0) == pytest.approx(0.715686, abs=1e-5)
    before = lit(shot(scene)).sum()
    state.view3d = replace(state.view3d, shift=-300.0)        # more of the body turns opaque
    scene.sync(state, {"view3d"})
    assert lit(shot(scene)).sum() > before


# ----------------------------------------------------------------------- surfaces
def test_bone_surface_follows_the_threshold(state, scene):
    state.view3d = View3D(frozenset({"bone"}))
    counts = []
    for hu in (200, 500, 900):
        state.bone = Bone(hu=hu)
        scene.sync(state, None if not counts else {"bone"})
        counts.append(scene.triangles("bone"))
    assert counts[0] > counts[1] > counts[2] > 0
    state.view3d = View3D(frozenset({"volume"}))
    scene.sync(state, {"view3d"})
    assert scene.triangles("bone") == 0


def test_lung_surfaces_appear_with_the_overlay_in_its_colours(state, scene, phantom):
    state.view3d = View3D(frozenset({"lungs"}))
    scene.sync(state)
    assert scene.triangles("lungs") == 0
    assert not lit(shot(scene)).any()
    state.set_overlay("lungs", labels=phantom.lungs, opacity=1.0)
    scene.sync(state, {"overlays"})
    assert scene.triangles("lungs") > 1000
    img = shot(scene)
    h, w = img.shape[:2]
    left, right = img[:, : w // 2][lit(img[:, : w // 2])], img[:, w // 2:][lit(img[:, w // 2:])]
    # Anterior view, radiological: the patient's right lung (orange) on the picture's left.
    assert (left[:, 0] > left[:, 2]).mean() > 0.9
    assert (right[:, 2] > right[:, 0]).mean() > 0.9
    state.set_overlay("lungs", opacity=0.3)
    scene.sync(state, {"overlays"})
    assert all(a.GetProperty().GetOpacity() == pytest.approx(0.3)
               for a in scene.lung_actors.values())


# ---------------------------------------------------------------- standard views
@pytest.mark.parametrize("view, axis, sign", [("anterior", 1, -1), ("posterior", 1, 1),
                                              ("right", 0, -1), ("left", 0, 1)])
def test_standard_view_faces_that_side_of_the_patient(state, scene, view, axis, sign):
    state.view3d = View3D(frozenset({"bone"}))
    state.camera = scene.standard_camera(view) if scene.volume else None
    scene.sync(state)
    scene.set_camera(scene.standard_camera(view))
    # What the rendered image shows at its centre is the side of the chest facing the camera.
    p = picked_point(scene)
    centre = np.mean(np.reshape(scene.bounds(), (3, 2)), axis=1)
    assert sign * (p[axis] - centre[axis]) > 40.0, p


def test_anterior_view_shows_the_sternum(state, scene):
    state.view3d = View3D(frozenset({"bone"}))
    scene.sync(state)                                         # camera None: anterior
    p = picked_point(scene)
    assert -125.0 < p[1] < -85.0                              # the sternum (phantom y = -104)
    assert abs(p[0]) < 20.0


def test_axial_clip_cuts_the_superior_half_away(state, scene):
    state.view3d = View3D(frozenset({"volume"}), "CT-Bone")
    scene.sync(state)
    top = slice(0, int(SIZE[1] * 0.4))
    assert lit(shot(scene)[top]).mean() > 0.2
    state.view3d = replace(state.view3d, clip="axial")
    scene.sync(state, {"view3d"})
    assert lit(shot(scene)[top]).mean() < 0.01


# -------------------------------------------------------------------- slice planes
def test_slice_planes_follow_the_crosshair(state, scene, phantom):
    state.view3d = View3D(frozenset({"slices"}))
    scene.sync(state)
    vol = phantom.volume
    point = vol.index_to_patient([10, 20, 70])
    state.crosshair = tuple(point)
    scene.sync(state, {"crosshair"})
    assert scene.slice_numbers() == {2: 10, 1: 20, 0: 70}
    assert lit(shot(scene)).mean() > 0.2
    # Each plane passes through the crosshair in patient space (LPS mm), not only in
    # index space: the plane VTK drew (its slice plane is in world coordinates).
    for axis in (0, 1, 2):
        plane = scene.slices[axis].GetMapper().GetSlicePlane()
        assert np.allclose(np.abs(plane.GetNormal()), np.eye(3)[axis])
        assert plane.GetOrigin()[axis] == pytest.approx(point[axis], abs=1e-3)
    state.view3d = View3D(frozenset({"volume"}))
    scene.sync(state, {"view3d"})
    assert not any(s.GetVisibility() for s in scene.slices.values())


def test_slice_planes_use_the_window(state, scene):
    state.view3d = View3D(frozenset({"slices"}))
    scene.sync(state)
    state.apply_preset("Bone")
    scene.sync(state, {"window"})
    assert scene.slices[2].GetProperty().GetColorWindow() == pytest.approx(state.window.width)


# ------------------------------------------------------------------------- camera
def test_camera_round_trips_through_the_state(state, scene):
    scene.sync(state)
    assert same_camera(scene.camera(), scene.standard_camera("anterior"))
    cam = Camera((400.0, -300.0, 200.0), (0.0, 0.0, 0.0), (0.0, 0.0, 1.0), 30.0, 100.0)
    state.camera = cam
    scene.sync(state, {"camera"})
    assert same_camera(scene.camera(), cam)
    state.view3d = View3D(frozenset({"volume", "bone"}), "CT-Bone", 40.0, "coronal")
    restored = ViewerState.from_json(state.to_json())
    assert same_camera(restored.camera, cam)
    assert restored.view3d == state.view3d                    # clip included


def test_standard_cameras_look_at_the_centre_with_head_up():
    bounds = (-100, 100, -80, 120, -150, 150)
    for name, (direction, up) in STANDARD_VIEWS.items():
        cam = standard_camera(name, bounds)
        assert np.allclose(cam.focal_point, (0, 20, 0))
        d = np.subtract(cam.position, cam.focal_point)
        assert np.allclose(d / np.linalg.norm(d), direction)
        assert np.dot(d, cam.view_up) == pytest.approx(0.0)


# ------------------------------------------------------------- memory and detail
def test_first_full_quality_frame_is_known_pending_until_drawn(state, scene):
    scene.sync(state)
    scene.set_interactive(True)
    shot(scene)
    assert scene.first_still_pending()
    corner = (slice(-30, None), slice(-120, None))
    before = lit(shot(scene)[corner]).sum()
    scene.set_note("preparing")
    assert lit(shot(scene)[corner]).sum() > before + 20      # the note, lower right
    scene.set_note(None)
    scene.set_interactive(False)
    shot(scene)
    assert not scene.first_still_pending()


def test_volume_buffer_is_shared_and_moving_level_is_coarse(state, scene):
    scene.sync(state)
    actor = scene.volume_actor
    assert actor.shares_buffer
    assert actor.step == 1                                     # a small volume needs no copy
    assert lod_step((300, 512, 512)) == 3                      # a chest: 1/27 copy while moving
    assert still_steps((300, 512, 512)) == (1, 2, 2)           # in-plane by 2 when still
    assert still_steps((300, 512, 512), None) == (1, 1, 1)
    assert still_steps((100, 512, 512)) == (1, 1, 1)
    # The moving level's rays follow the frame time: slow frames coarser, fast ones finer.
    actor.set_interactive(True)
    first = actor.adapt(0.2)
    assert first > 3.0
    assert actor.adapt(0.2) > first
    for _ in range(20):
        actor.adapt(0.2)
    assert actor.adapt(0.2) == MOVING_IMAGE_SAMPLE_DISTANCE[1]
    for _ in range(20):
        actor.adapt(0.001)
    assert actor.adapt(0.001) == MOVING_IMAGE_SAMPLE_DISTANCE[0]
    actor.set_interactive(True)
    assert actor.props["moving"].GetVisibility() and not actor.props["still"].GetVisibility()
    actor.set_interactive(False)
    assert actor.props["still"].GetVisibility() and not actor.props["moving"].GetVisibility()


def test_subsampled_still_level_keeps_full_slices_and_its_place(state, phantom):
    plotter = pv.Plotter(off_screen=True, window_size=SIZE)
    scene = Scene(plotter, still_voxels=200_000)       # forces the in-plane subsampled copy
    try:
        state.view3d = View3D(frozenset({"volume", "slices"}), "CT-Bone")
        point = phantom.volume.index_to_patient([10, 21, 71])        # odd: not on the copy
        state.crosshair = tuple(point)
        scene.sync(state)
        actor = scene.volume_actor
        assert actor.still_steps == (1, 2, 2) and not actor.shares_buffer
        assert np.shares_memory(actor.full_image.point_data["HU"], phantom.volume.array)
        assert scene.slice_numbers() == {2: 10, 1: 21, 0: 71}
        # Both levels cover the same patient box as the full grid (to within a voxel).
        full = np.reshape(volume_bounds(phantom.volume), (3, 2))
        for level in ("still", "moving"):
            b = np.reshape(actor.props[level].GetBounds(), (3, 2))
            assert np.allclose(b[:, 0], full[:, 0], atol=1e-6)
            assert np.all(np.abs(b[:, 1] - full[:, 1]) <= 2 * actor.step * max(
                phantom.volume.spacing) + 1e-6)
        assert lit(shot(scene)).mean() > 0.1
    finally:
        scene.close()
        plotter.close()
