"""The 3D scene off screen (no Qt): presets draw the right things, surfaces follow the state,
standard views face the right side of the patient (checked on the rendered image), slice
planes follow the crosshair, the camera round-trips through the state."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ctvis.model.state import Bone, Camera, View3D, ViewerState
from ctvis.core.phantom import make_phantom
from ctvis.render.camera import STANDARD_VIEWS, same_camera, standard_camera
from ctvis.mesh.surfaces import image_scalars
from ctvis.render.scene import Scene, clip_planes, render_state, volume_bounds
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
    # A segment's own opacity multiplies its map's.
    state.overlays["lungs"].labelmap.set_segment(1, opacity=0.5)
    scene.sync(state, {"overlays"})
    assert scene.lung_actors[("lungs", 1)].GetProperty().GetOpacity() == pytest.approx(0.15)
    assert scene.lung_actors[("lungs", 2)].GetProperty().GetOpacity() == pytest.approx(0.3)


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


def display_point(scene, point) -> tuple[float, float]:
    """VTK display coordinates (from the bottom left) of an LPS point."""
    ren = scene.renderer
    ren.SetWorldPoint(*map(float, point), 1.0)
    ren.WorldToDisplay()
    x, y, _ = ren.GetDisplayPoint()
    return x, y


def test_box_clip_cuts_that_side_only_on_both_levels_alike(state, phantom):
    """A box keeping the patient's right half (x <= 0) and a middle band of z: in the
    anterior view the picture's right half goes dark and its left half does not change; the
    coarse level (a step-2 copy) and the still level (an in-plane/2 copy) lose the same
    anatomy, whatever their spacing."""
    plotter = pv.Plotter(off_screen=True, window_size=SIZE)
    scene = Scene(plotter, still_voxels=200_000, moving_voxels=100_000)
    try:
        state.view3d = View3D(frozenset({"volume"}), "CT-Bone")
        scene.sync(state)
        actor = scene.volume_actor
        assert actor.step == 2 and actor.still_steps == (1, 2, 2)
        full = volume_bounds(phantom.volume)
        box = (full[0], 0.0, full[2], full[3], -60.0, 60.0)
        w, h = SIZE
        top, bottom = (int(round(h - 1 - display_point(scene, (0.0, full[2], z))[1]))
                       for z in (60.0, -60.0))               # picture rows of z = +60, -60
        band = slice(top + 4, bottom - 3)
        outside = np.r_[0:top - 3, bottom + 4:h]
        left, right = slice(0, w // 2 - 4), slice(w // 2 + 4, None)
        extents = {}
        for level, interactive in (("still", False), ("moving", True)):
            scene.set_interactive(interactive)
            state.view3d = replace(state.view3d, clip="none")
            scene.sync(state, {"view3d"})
            shot(scene)                               # the moving level settles its rays
            whole = shot(scene)
            state.view3d = replace(state.view3d, clip="box", box=box)
            scene.sync(state, {"view3d"})
            shot(scene)
            cut = shot(scene)
            assert lit(whole[:, right]).mean() > 0.3, level
            assert lit(whole[outside]).mean() > 0.2, level
            assert lit(cut[:, right]).mean() < 0.01, level              # that side is gone
            assert lit(cut[outside]).mean() < 0.01, level               # above and below too
            inside = (band, left)
            assert lit(cut[inside]).mean() > 0.9 * lit(whole[inside]).mean() > 0.3, level
            if level == "still":
                # As it was, where no ray reaches the cut planes behind the surface (the
                # camera's perspective: rays near the band's edges leave it inside the body).
                core = (slice(h * 2 // 5, h * 3 // 5), left)
                assert np.abs(cut[core] - whole[core]).max() <= 2
            shown = np.argwhere(lit(cut))
            extents[level] = (*shown.min(axis=0), *shown.max(axis=0))
        # The same patient box on screen at both levels (to within two coarse voxels), and
        # where the box is: rows from z = +60 to z = -60, columns up to the midline.
        assert np.abs(np.subtract(extents["still"], extents["moving"])).max() <= 4, extents
        assert abs(extents["still"][0] - top) <= 4 and abs(extents["still"][2] - bottom) <= 4
        midline = display_point(scene, (0.0, full[2], 0.0))[0]
        assert abs(extents["still"][3] - midline) <= 4
    finally:
        scene.close()
        plotter.close()


def test_clip_planes_of_a_box_and_of_no_box():
    vol = make_phantom(shape=(10, 16, 16)).volume
    assert clip_planes(vol, (0, 0, 0), "box", None) == []               # the whole volume
    planes = clip_planes(vol, (0, 0, 0), "box", (-1, 2, -3, 4, -5, 6))
    assert len(planes) == 6
    inside = np.array([0.5, 0.5, 0.5])
    for origin, normal in planes:                                       # all keep the inside
        assert np.dot(inside - origin, normal) > 0
    outside = np.array([2.5, 0.0, 0.0])
    assert any(np.dot(outside - o, n) < 0 for o, n in planes)


# ------------------------------------------------------------------------ picking
STERNUM_FRONT = (8.0, -108.9, 40.0)      # phantom sternum (y -104, half-depth 6 mm) at x 8


def test_pick_finds_what_the_volume_rendering_shows(state, scene):
    state.view3d = View3D(frozenset({"volume", "slices"}), "CT-Bone")
    scene.sync(state)
    shot(scene)
    p = scene.pick(*display_point(scene, STERNUM_FRONT))
    assert p is not None and np.linalg.norm(np.subtract(p, STERNUM_FRONT)) < 4.0, p
    assert scene.pick(3, SIZE[1] - 3) is None                        # the background
    # The same pixel on the coarse level: the same point (the full grid is marched).
    scene.set_interactive(True)
    assert np.allclose(scene.pick(*display_point(scene, STERNUM_FRONT)), p)
    scene.set_interactive(False)
    # Clip away everything in front of y = -40: the pick goes through to what is left.
    full = volume_bounds(state.volume)
    state.view3d = replace(state.view3d, modes=frozenset({"volume"}), clip="box",
                           box=(full[0], full[1], -40.0, full[3], full[4], full[5]))
    scene.sync(state, {"view3d"})
    q = scene.pick(*display_point(scene, STERNUM_FRONT))
    assert q is not None and q[1] >= -40.0 - 1e-6, q
    eye = np.array(scene.renderer.GetActiveCamera().GetPosition())
    ray = np.subtract(STERNUM_FRONT, eye) / np.linalg.norm(np.subtract(STERNUM_FRONT, eye))
    off_ray = (q - eye) - np.dot(q - eye, ray) * ray
    assert np.linalg.norm(off_ray) < 2.0                             # on the same ray


def test_pick_finds_slice_planes_and_surfaces(state, scene, phantom):
    state.view3d = View3D(frozenset({"slices"}))
    state.crosshair = (0.0, 20.0, 0.0)
    scene.sync(state)
    shot(scene)
    p = scene.pick(*display_point(scene, STERNUM_FRONT))          # the coronal plane at y 20
    eye = np.array(scene.renderer.GetActiveCamera().GetPosition())
    t = (20.0 - eye[1]) / (STERNUM_FRONT[1] - eye[1])
    expected = eye + t * np.subtract(STERNUM_FRONT, eye)          # where the ray meets it
    assert p is not None and np.linalg.norm(np.subtract(p, expected)) < 1.0, (p, expected)
    state.view3d = View3D(frozenset({"bone", "slices"}))
    scene.sync(state, {"view3d"})
    shot(scene)
    p = scene.pick(*display_point(scene, STERNUM_FRONT))          # the bone surface, in front
    assert p is not None and np.linalg.norm(np.subtract(p, STERNUM_FRONT)) < 4.0, p


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


def test_moving_level_is_steered_by_the_whole_frame(state, scene, monkeypatch):
    """In a window, Qt's paint and composition come between VTK's renders: a short gap
    between two moving frames counts towards the frame, a long one (the mouse paused) not."""
    import ctvis.render.scene as scene_module

    scene.sync(state)
    clock = [100.0]
    monkeypatch.setattr(scene_module.time, "perf_counter", lambda: clock[0])
    seen = []
    monkeypatch.setattr(scene.volume_actor, "adapt", seen.append)
    scene.set_interactive(True)

    def frame(render_s, then_s):
        scene._on_frame_start()
        clock[0] += render_s
        scene._on_frame_end()
        clock[0] += then_s

    frame(0.030, 0.025)
    frame(0.030, 0.025)                 # 25 ms of paint before it: a 55 ms frame
    frame(0.030, 0.500)
    frame(0.030, 0.0)                   # after a pause: the render alone
    assert seen == pytest.approx([0.030, 0.055, 0.055, 0.030])
    scene.set_interactive(False)
    frame(0.4, 0.01)                    # a still frame ends the series
    scene.set_interactive(True)
    frame(0.030, 0.0)
    assert seen[-1] == pytest.approx(0.030)


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
        assert np.shares_memory(image_scalars(actor.full_image), phantom.volume.array)
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


def test_levels_of_detail_go_by_voxels_not_slices():
    """A thin-slice chest (640 × 512²) gets a coarser moving copy and a coarser still level
    than a 275-slice one; each copy stays within its voxel budget."""
    from ctvis.render.volume_actor import MOVING_VOXELS, STILL_VOXELS

    thin, chest = (640, 512, 512), (275, 512, 512)
    assert lod_step(thin) > lod_step(chest)
    assert max(still_steps(thin)) >= max(still_steps(chest))
    assert np.prod([-(-n // s) for n, s in zip(thin, still_steps(thin))]) < np.prod(
        [-(-n // s) for n, s in zip(chest, still_steps(chest))]) * 1.3
    for shape in (thin, chest):
        assert np.prod([-(-n // lod_step(shape)) for n in shape]) <= MOVING_VOXELS
        assert np.prod([-(-n // s) for n, s in zip(shape, still_steps(shape))]) <= STILL_VOXELS
    # The same voxels in fewer, larger slices: the same levels.
    assert lod_step((320, 512, 1024)) == lod_step((640, 512, 512))


def test_slow_measured_frames_take_a_coarser_level(state, scene):
    """Frame times are measured, not timed here: moving frames still too slow at the
    coarsest rays take the next integer step (a new copy in VTK), and two still frames over
    STILL_SECONDS the next coarser still level, whose first frame pays the gradient pass."""
    from ctvis.render.volume_actor import SLOW_MOVING_FRAMES, STILL_SECONDS

    scene.sync(state)
    actor = scene.volume_actor
    assert actor.step == 1 and actor.still_steps == (1, 1, 1)
    voxels = actor.images["moving"].GetNumberOfPoints()
    actor.set_interactive(True)
    for _ in range(10):                  # slow frames: the rays reach their coarsest first
        actor.adapt(0.08)
    assert actor.step > 1
    assert actor.images["moving"].GetNumberOfPoints() < voxels / 4
    assert actor.props["moving"].GetMapper().GetInput() is actor.images["moving"]
    step = actor.step
    for _ in range(SLOW_MOVING_FRAMES + 2):
        actor.adapt(0.04)                # 25 fps: fast enough, no coarser step
    assert actor.step == step
    actor.set_interactive(False)
    assert not actor.still_frame(STILL_SECONDS * 2)        # one slow frame is not enough
    assert not actor.still_frame(STILL_SECONDS / 2)        # and a fast one resets the count
    assert not actor.still_frame(STILL_SECONDS * 2)
    assert actor.still_frame(STILL_SECONDS * 2)
    assert actor.still_steps == (1, 2, 2) and not actor.still_drawn
    assert actor.props["still"].GetMapper().GetInput() is actor.images["still"]
    assert actor.images["still"].GetDimensions() == (48, 48, 60)
    assert ("still", (1, 2, 2)) in actor.coarsened
    for _ in range(8):                   # slower and slower: never as coarse as moving
        actor.still_frame(STILL_SECONDS * 2)
    assert actor.still_steps == (2, 2, 2) and max(actor.still_steps) <= max(actor.step - 1, 2)
    assert lit(shot(scene)).mean() > 0.05                   # the coarser level draws


def test_scene_feeds_still_frame_times_but_not_the_first(state, scene, monkeypatch):
    import ctvis.render.scene as scene_module
    from ctvis.render.volume_actor import STILL_SECONDS

    scene.sync(state)
    clock = [100.0]
    monkeypatch.setattr(scene_module.time, "perf_counter", lambda: clock[0])
    scene.set_interactive(False)

    def frame(seconds):
        scene._on_frame_start()
        clock[0] += seconds
        scene._on_frame_end()

    frame(STILL_SECONDS * 5)              # the first: gradients, not counted
    frame(STILL_SECONDS * 2)
    assert scene.volume_actor.still_steps == (1, 1, 1)
    frame(STILL_SECONDS * 2)
    assert scene.volume_actor.still_steps == (1, 2, 2)
    assert scene.first_still_pending()    # the new level's gradient pass is still to come
    frame(STILL_SECONDS * 5)
    frame(STILL_SECONDS * 2)
    assert scene.volume_actor.still_steps == (1, 2, 2) and not scene.first_still_pending()
