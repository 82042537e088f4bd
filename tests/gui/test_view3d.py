"""The 3D pane on a real X server (Xvfb): draws the state, its controls write the state,
the bone threshold is debounced, the mouse switches the level of detail and the camera is
written back to the state when it stops; the clip box widget writes the state and follows
it; a click moves the crosshair to the point under the mouse, in the pane and in the
window (the slice views follow)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PyQt5.QtGui import QImage, QMouseEvent
from PyQt5.QtWidgets import QApplication

from ctvis.model.state import Bone, Camera, View3D, ViewerState
from ctvis.core.phantom import make_phantom
from ctvis.gui import view3d as view3d_module
from ctvis.gui.view3d import STILL_DELAY_MS, View3DWidget
from ctvis.render.camera import same_camera
from ctvis.render.scene import volume_bounds
from tests.helpers.pictures import picture_path

# Any Qt warning fails (the XDG runtime notice of a root session under Xvfb aside).
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]
STERNUM_FRONT = (8.0, -108.9, 40.0)      # phantom sternum (y -104, half-depth 6 mm) at x 8


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(48, 80, 80))


@pytest.fixture
def state(phantom):
    s = ViewerState()
    s.volume = phantom.volume
    return s


@pytest.fixture
def pane(qtbot, state):
    widget = View3DWidget(state)
    widget.resize(640, 520)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(STILL_DELAY_MS + 100)            # the first full-quality frame
    yield widget
    widget.close()


def frame(pane) -> np.ndarray:
    pane.plotter.render()
    QApplication.processEvents()
    img = pane.plotter.screenshot(return_img=True)[..., :3].astype(int)
    h, w = img.shape[:2]
    img[int(h * 0.8):, : int(w * 0.16)] = 0            # the orientation cube
    return img


def test_draws_the_volume_in_the_default_view(pane, state, tmp_path):
    assert pane.scene.volume is state.volume
    assert not [t for t in pane.findChildren(QTimer)     # renders on change, never polls
                if t.isActive() and not t.isSingleShot()]
    assert pane.plotter.ren_win.GetMultiSamples() == 0
    assert not pane.scene.volume_actor.interactive      # the full level after the first frame
    assert not pane.scene.first_still_pending()
    assert not pane.scene._note.GetVisibility()          # the "preparing" note is gone
    img = frame(pane)
    assert (img.max(axis=2) > 20).mean() > 0.1
    assert same_camera(pane.scene.camera(), pane.scene.standard_camera("anterior"))


def test_controls_write_the_state_and_follow_it(pane, state, qtbot):
    pane.preset_box.setCurrentText("CT-Bone")
    assert state.view3d.preset == "CT-Bone"
    pane.shift_slider.setValue(120)
    assert state.view3d.shift == 120.0
    pane.mode_buttons["bone"].click()
    assert "bone" in state.view3d.modes
    pane.mode_buttons["volume"].click()
    assert "volume" not in state.view3d.modes
    pane.clip_box.setCurrentText("coronal")
    assert state.view3d.clip == "coronal"
    # The state changed elsewhere (a dock, a session): the controls show it.
    state.view3d = View3D(frozenset({"lungs"}), "CT-Lung", -50.0)
    assert pane.preset_box.currentText() == "CT-Lung"
    assert pane.shift_slider.value() == -50
    assert pane.mode_buttons["lungs"].isChecked() and not pane.mode_buttons["bone"].isChecked()
    assert state.view3d == View3D(frozenset({"lungs"}), "CT-Lung", -50.0)   # no echo
    qtbot.wait(50)
    otf = pane.scene.volume_actor.property.GetScalarOpacity()
    assert otf.GetValue(-500.0 - 50.0) == pytest.approx(0.15)


def test_standard_view_buttons_put_the_camera_in_the_state(pane, state, qtbot):
    pane.view_buttons["posterior"].click()
    cam = state.camera
    assert cam is not None and cam.position[1] > cam.focal_point[1]    # LPS: +y posterior
    qtbot.wait(50)
    assert same_camera(pane.scene.camera(), cam)
    pane.reset_button.click()
    assert state.camera.position[1] < state.camera.focal_point[1]


def test_camera_from_the_state_is_restored(pane, state, qtbot):
    cam = Camera((500.0, -400.0, 300.0), (0.0, 0.0, 0.0), (0.0, 0.0, 1.0), 30.0, 150.0)
    state.camera = cam
    qtbot.wait(50)
    assert same_camera(pane.scene.camera(), cam)


def test_bone_threshold_is_debounced_and_follows_the_last_value(pane, state, qtbot,
                                                                monkeypatch):
    calls = []
    real = view3d_module.Scene._update_bone

    def counting(self, hu, visible):
        if visible:
            calls.append(hu)
        return real(self, hu, visible)

    monkeypatch.setattr(view3d_module.Scene, "_update_bone", counting)
    state.view3d = replace(state.view3d, modes=frozenset({"bone"}))
    qtbot.wait(50)
    low = pane.scene.triangles("bone")
    calls.clear()
    for hu in range(300, 900, 100):                    # a slider dragged quickly
        state.bone = Bone(hu=float(hu))
    qtbot.waitUntil(lambda: bool(calls), timeout=2000)
    qtbot.wait(view3d_module.BONE_DEBOUNCE_MS)
    assert calls == [800.0]
    assert 0 < pane.scene.triangles("bone") < low


def test_slice_planes_follow_the_crosshair(pane, state, qtbot, phantom):
    state.view3d = replace(state.view3d, modes=frozenset({"slices"}))
    state.crosshair = tuple(phantom.volume.index_to_patient([5, 30, 60]))
    qtbot.wait(50)
    assert pane.scene.slice_numbers() == {2: 5, 1: 30, 0: 60}


def test_lung_surfaces_appear_with_the_overlay(pane, state, qtbot, phantom):
    state.view3d = replace(state.view3d, modes=frozenset({"lungs"}))
    qtbot.wait(50)
    assert pane.scene.triangles("lungs") == 0
    state.set_overlay("lungs", labels=phantom.lungs)
    qtbot.wait(50)
    assert pane.scene.triangles("lungs") > 500


def _mouse(widget, kind, pos, buttons):
    event = QMouseEvent(kind, QPointF(pos), Qt.LeftButton, buttons, Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def test_mouse_rotation_is_coarse_then_full_and_lands_in_the_state(pane, state, qtbot):
    target = pane.plotter.interactor
    centre = QPoint(target.width() // 2, target.height() // 2)
    before = pane.scene.camera()
    _mouse(target, QEvent.MouseButtonPress, centre, Qt.LeftButton)
    for dx in range(10, 110, 20):
        _mouse(target, QEvent.MouseMove, centre + QPoint(dx, 0), Qt.LeftButton)
        QApplication.processEvents()
    assert pane.scene.volume_actor.interactive                  # coarse while moving
    _mouse(target, QEvent.MouseButtonRelease, centre + QPoint(100, 0), Qt.NoButton)
    qtbot.waitUntil(lambda: not pane.scene.volume_actor.interactive, timeout=3000)
    assert not same_camera(pane.scene.camera(), before)         # it did rotate
    assert same_camera(state.camera, pane.scene.camera())       # and the state has it


def _distance(camera) -> float:
    return float(np.linalg.norm(np.subtract(camera.position, camera.focal_point)))


def test_wheel_zooms_and_middle_drag_pans_and_both_land_in_the_state(pane, state, qtbot):
    """VTK's trackball in the pane: the wheel moves the camera closer (a notch forward) and
    back; a middle-button drag moves it sideways (same direction, new focal point)."""
    from PyQt5.QtGui import QWheelEvent

    target = pane.plotter.interactor
    centre = QPointF(target.width() / 2, target.height() / 2)
    before = pane.scene.camera()
    for _ in range(2):
        QApplication.sendEvent(target, QWheelEvent(
            centre, QPointF(target.mapToGlobal(centre.toPoint())), QPoint(0, 0),
            QPoint(0, 120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False))
    qtbot.waitUntil(lambda: not pane.scene.volume_actor.interactive
                    and state.camera is not None
                    and _distance(state.camera) < 0.9 * _distance(before), timeout=3000)
    zoomed = pane.scene.camera()
    assert same_camera(state.camera, zoomed)
    start = QPoint(target.width() // 2, target.height() // 2)
    QApplication.sendEvent(target, QMouseEvent(QEvent.MouseButtonPress, QPointF(start),
                                               Qt.MiddleButton, Qt.MiddleButton,
                                               Qt.NoModifier))
    for n in range(1, 6):
        QApplication.sendEvent(target, QMouseEvent(QEvent.MouseMove,
                                                   QPointF(start + QPoint(12 * n, 0)),
                                                   Qt.NoButton, Qt.MiddleButton,
                                                   Qt.NoModifier))
        QApplication.processEvents()
    QApplication.sendEvent(target, QMouseEvent(QEvent.MouseButtonRelease,
                                               QPointF(start + QPoint(60, 0)),
                                               Qt.MiddleButton, Qt.NoButton, Qt.NoModifier))
    qtbot.waitUntil(lambda: not same_camera(state.camera, zoomed), timeout=3000)
    panned = state.camera
    moved = np.subtract(panned.focal_point, zoomed.focal_point)
    assert np.linalg.norm(moved) > 5.0                            # mm, sideways
    direction = lambda c: np.subtract(c.focal_point, c.position) / _distance(c)  # noqa: E731
    assert np.allclose(direction(panned), direction(zoomed), atol=1e-6)


def test_vtk_one_letter_keys_do_nothing_in_the_pane(pane, state, qtbot):
    """VTK's default keys (w wireframe, 3 stereo, r reset camera ...) are off: the window's
    shortcuts are the window's, and a key typed over the pane changes nothing."""
    from vtkmodules.vtkRenderingCore import vtkActor

    state.view3d = replace(state.view3d, modes=frozenset({"bone"}))
    qtbot.wait(50)
    state.camera = Camera((500.0, -400.0, 300.0), (0.0, 0.0, 0.0), (0.0, 0.0, 1.0), 30.0, 150.0)
    qtbot.wait(50)
    target = pane.plotter.interactor
    target.setFocus()
    before = pane.scene.camera()
    for key in "s3rfw":
        qtbot.keyClick(target, key)
    actors = [a for a in _props(pane.scene.renderer) if isinstance(a, vtkActor)]
    assert actors and all(a.GetProperty().GetRepresentation() == 2 for a in actors)  # surface
    assert not pane.plotter.ren_win.GetStereoRender()
    assert same_camera(pane.scene.camera(), before)


def _props(renderer) -> list:
    props = renderer.GetViewProps()
    props.InitTraversal()
    return [props.GetNextProp() for _ in range(props.GetNumberOfItems())]


def test_double_click_in_the_3d_view_maximises_it(phantom_window, qtbot):
    window = phantom_window
    target = window.view3d.plotter.interactor
    qtbot.mouseDClick(target, Qt.LeftButton, pos=QPoint(target.width() // 2, 10))
    assert window.state.layout == "3d" and window.layout_widget.visible_panes() == ["3d"]
    qtbot.mouseDClick(target, Qt.LeftButton, pos=QPoint(target.width() // 2, 10))
    assert len(window.layout_widget.visible_panes()) == 4

def test_a_new_volume_resets_the_scene(pane, state, qtbot):
    other = make_phantom(shape=(30, 64, 64)).volume
    state.volume = other
    assert pane.scene.volume is other
    qtbot.waitUntil(lambda: not pane.scene.volume_actor.interactive, timeout=3000)
    assert same_camera(pane.scene.camera(), pane.scene.standard_camera("anterior"))


def test_close_disconnects_from_the_state(qtbot, state):
    widget = View3DWidget(state)
    before = len(state.events.view3d)
    widget.close()
    assert len(state.events.view3d) == before - 1
    state.view3d = replace(state.view3d, preset="CT-Bone")     # no callback into a dead pane


def test_a_render_widget_cleared_by_the_garbage_collector_takes_qts_last_events(qtbot):
    # The collector may clear a dead pane's widget before Qt's close reaches it (it came
    # during a later test in CI): VTK's own lookup then recursed until Python gave up.
    from PyQt5.QtGui import QPaintEvent, QResizeEvent
    from PyQt5.QtCore import QRect, QSize
    from ctvis.gui.vtk_pane import _Widget
    widget = _Widget()
    render_window = widget._RenderWindow
    vars(widget).clear()                                 # what the collector's clear does
    widget.close()
    widget.paintEvent(QPaintEvent(QRect(0, 0, 10, 10)))
    widget.resizeEvent(QResizeEvent(QSize(10, 10), QSize(5, 5)))
    with pytest.raises(AttributeError):
        widget.GetInteractorStyle                        # a missing name, not a recursion
    render_window.Finalize()


# ------------------------------------------------------------------- clip box
def widget_pos(pane, point) -> QPoint:
    """Qt position in the interactor of an LPS point (VTK's display y is from the bottom)."""
    ren = pane.scene.renderer
    ren.SetWorldPoint(*map(float, point), 1.0)
    ren.WorldToDisplay()
    x, y, _ = ren.GetDisplayPoint()
    height = pane.plotter.ren_win.GetSize()[1]
    return QPoint(int(round(x)), int(round(height - 1 - y)))


def drag(target, start: QPoint, end: QPoint, steps: int = 6) -> None:
    _mouse(target, QEvent.MouseMove, start, Qt.NoButton)
    _mouse(target, QEvent.MouseButtonPress, start, Qt.LeftButton)
    for n in range(1, steps + 1):
        _mouse(target, QEvent.MouseMove, start + (end - start) * n / steps, Qt.LeftButton)
        QApplication.processEvents()
    _mouse(target, QEvent.MouseButtonRelease, end, Qt.NoButton)


def click(target, pos: QPoint) -> None:
    _mouse(target, QEvent.MouseMove, pos, Qt.NoButton)
    _mouse(target, QEvent.MouseButtonPress, pos, Qt.LeftButton)
    _mouse(target, QEvent.MouseButtonRelease, pos, Qt.NoButton)


def test_clip_box_widget_writes_the_state_and_follows_it(pane, state, qtbot, phantom):
    full = volume_bounds(phantom.volume)
    state.view3d = replace(state.view3d, modes=frozenset({"volume"}))
    assert pane._clip_widget is None             # not made before the first box
    pane.clip_box.setCurrentText("box")
    assert state.view3d.clip == "box" and state.view3d.box is None
    qtbot.wait(50)
    assert pane.clip_widget.enabled
    assert np.allclose(pane.clip_widget.bounds(), full)           # None: the whole volume
    assert not pane.reset_box_button.isEnabled()
    whole = frame(pane)
    # Drag the +x face handle (the patient's left, the picture's right) to the midline.
    handle = pane.clip_widget.handle_position(1)
    start = widget_pos(pane, handle)
    end = widget_pos(pane, (0.0, handle[1], handle[2]))
    camera = state.camera
    drag(pane.plotter.interactor, start, end)
    qtbot.waitUntil(lambda: not pane.scene.volume_actor.interactive, timeout=3000)
    box = state.view3d.box
    assert box is not None and abs(box[1]) < 8.0, box               # xmax near 0 mm
    assert np.allclose(np.delete(box, 1), np.delete(full, 1))        # nothing else moved
    assert state.camera == camera                                   # the camera did not turn
    assert np.allclose(pane.clip_widget.bounds(), box)
    planes = pane.scene.volume_actor.clipping_planes
    assert any(n == (-1.0, 0.0, 0.0) and abs(o[0] - box[1]) < 1e-9 for o, n in planes)
    cut = frame(pane)
    w = cut.shape[1]
    right = slice(end.x() + 12, w)
    assert (cut[:, right].max(axis=2) > 20).mean() < 0.5 * (whole[:, right].max(axis=2)
                                                             > 20).mean()
    # The state changed elsewhere (a session): the widget goes there.
    state.view3d = replace(state.view3d, box=(-50.0, 50.0, -60.0, 60.0, -70.0, 70.0))
    qtbot.wait(50)
    assert np.allclose(pane.clip_widget.bounds(), (-50, 50, -60, 60, -70, 70))
    assert pane.reset_box_button.isEnabled()
    pane.reset_box_button.click()
    assert state.view3d.box is None
    qtbot.wait(50)
    assert np.allclose(pane.clip_widget.bounds(), full)
    assert pane.scene.volume_actor.clipping_planes == []
    pane.clip_box.setCurrentText("none")
    qtbot.wait(50)
    assert not pane.clip_widget.enabled


# ------------------------------------------------------------ click to point
def test_click_moves_the_crosshair_to_the_point_under_the_mouse(pane, state, qtbot):
    state.view3d = replace(state.view3d, preset="CT-Bone")
    qtbot.wait(50)
    target = pane.plotter.interactor
    before = state.crosshair
    click(target, widget_pos(pane, STERNUM_FRONT))
    assert np.linalg.norm(np.subtract(state.crosshair, STERNUM_FRONT)) < 4.0, state.crosshair
    assert state.crosshair != before
    # A drag turns the camera and leaves the crosshair.
    here = state.crosshair
    start = widget_pos(pane, (60.0, -100.0, 0.0))
    drag(target, start, start + QPoint(80, 0))
    qtbot.waitUntil(lambda: not pane.scene.volume_actor.interactive, timeout=3000)
    assert state.crosshair == here
    assert not same_camera(pane.scene.camera(), pane.scene.standard_camera("anterior"))
    # A click on the background leaves it too.
    click(target, QPoint(target.width() - 3, 3))
    assert state.crosshair == here


def test_click_in_the_window_moves_the_slice_views(phantom_window, qtbot):
    window = phantom_window
    pane = window.view3d
    qtbot.waitUntil(lambda: not pane.scene.first_still_pending(), timeout=10000)
    window.state.view3d = replace(window.state.view3d, preset="CT-Bone")
    qtbot.wait(50)
    before = {name: view.index for name, view in window.views.items()}
    click(pane.plotter.interactor, widget_pos(pane, STERNUM_FRONT))
    point = window.state.crosshair
    assert np.linalg.norm(np.subtract(point, STERNUM_FRONT)) < 4.0, point
    kji = np.floor(window.state.volume.patient_to_index(STERNUM_FRONT) + 0.5).astype(int)
    after = {name: view.index for name, view in window.views.items()}
    assert all(after[name] != before[name] for name in after), (before, after)
    assert abs(after["axial"] - kji[0]) <= 1 and abs(after["coronal"] - kji[1]) <= 1
    assert abs(after["sagittal"] - kji[2]) <= 1


# ------------------------------------------------------------ one render a frame
def test_one_render_per_frame_and_the_screen_shows_it(pane, state, qtbot):
    """pyvistaqt rendered every frame twice (once for VTK, once more in paintGL) and the
    camera written back to the state would cost a third full-quality render.  VTK draws
    into the pane's native window: the screen shows the frame without a paint."""
    renders = []
    tag = pane.scene.renderer.AddObserver(
        "EndEvent", lambda *_: renders.append(pane.scene.volume_actor.interactive))
    try:
        target = pane.plotter.interactor
        centre = QPoint(target.width() // 2, target.height() // 2)
        _mouse(target, QEvent.MouseButtonPress, centre, Qt.LeftButton)
        for dx in range(10, 70, 10):
            _mouse(target, QEvent.MouseMove, centre + QPoint(dx, 0), Qt.LeftButton)
            QApplication.processEvents()                        # the paint: no new render
        assert renders == [True] * 6
        _mouse(target, QEvent.MouseButtonRelease, centre + QPoint(60, 0), Qt.NoButton)
        qtbot.waitUntil(lambda: not pane.scene.volume_actor.interactive, timeout=3000)
        qtbot.wait(100)                                         # the camera reached the state
        assert same_camera(state.camera, pane.scene.camera())
        # VTK's style draws once more on the release (still the coarse level); then one
        # full-quality frame, and none for the camera reaching the state.
        assert renders == [True] * 6 + [True, False]
        # What the widget puts on screen is the frame VTK has just rendered.
        pane.standard_view("anterior")
        state.view3d = replace(state.view3d, modes=frozenset({"volume"}),
                               clip="sagittal")                 # the picture's right half
        pane.draw_now()                                         # synced and drawn: once
        QApplication.processEvents()                            # no paint renders again
        assert len(renders) == 9
        shown = QApplication.primaryScreen().grabWindow(target.winId())   # the X server's
        img = shown.toImage().convertToFormat(QImage.Format_RGB888)         # pixels
        ptr = img.constBits()
        ptr.setsize(img.byteCount())
        rgb = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())[
            :, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
        h, w = rgb.shape[:2]
        lit_left = (rgb[: int(h * 0.8), w // 8: w // 2 - 20].max(axis=2) > 20).mean()
        lit_right = (rgb[: int(h * 0.8), w // 2 + 40: w * 7 // 8].max(axis=2) > 20).mean()
        assert lit_left > 0.3 and lit_right < 0.05, (lit_left, lit_right)
    finally:
        pane.scene.renderer.RemoveObserver(tag)


# ------------------------------------------------- scrolling with the 3D pane there
def _count_renders(pane) -> tuple[list, int]:
    """Every render of the 3D scene from now on: (moving level?, axial plane's slice)."""
    renders = []
    tag = pane.scene.renderer.AddObserver(
        "EndEvent", lambda *_: renders.append((pane.scene.volume_actor.interactive,
                                               pane.scene.slice_numbers()[2])))
    return renders, tag


def _scroll(window, steps: int) -> None:
    """Wheel notches on the axial view, each processed through the event loop (the view
    has painted) before the next, as a user's fast scroll."""
    from PyQt5.QtCore import QPointF
    from PyQt5.QtGui import QWheelEvent

    view = window.views["axial"]
    centre = QPointF(view.width() / 2, view.height() / 2)
    for _ in range(steps):
        event = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                            QPoint(0, 120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase,
                            False)
        QApplication.postEvent(view, event)
        QApplication.processEvents()


def _settled_window(window, qtbot):
    pane = window.view3d
    qtbot.waitUntil(lambda: not pane.scene.first_still_pending()
                    and not pane.scene.volume_actor.interactive, timeout=10000)
    window.state.crosshair = tuple(window.state.volume.index_to_patient((5, 48, 48)))
    qtbot.wait(view3d_module.STILL_DELAY_MS + 150)      # that change drawn: nothing pending
    return pane


def test_a_hidden_3d_view_renders_nothing_while_scrolling(phantom_window, qtbot):
    window = phantom_window
    pane = _settled_window(window, qtbot)
    window.state.layout = "axial"
    qtbot.waitUntil(lambda: not pane.isVisible(), timeout=2000)
    renders, tag = _count_renders(pane)
    try:
        start = window.views["axial"].index
        _scroll(window, 20)
        assert window.views["axial"].index == start + 20           # the slices did move
        qtbot.wait(view3d_module.STILL_DELAY_MS + 300)             # the scroll has stopped
        assert renders == []
        # Shown again: one full-quality frame with the planes where the crosshair is now.
        window.state.layout = "four-up"
        qtbot.waitUntil(lambda: bool(renders), timeout=5000)
        qtbot.wait(view3d_module.STILL_DELAY_MS + 300)
        axial = window.state.crosshair_index()[0]
        assert renders == [(False, axial)], renders
    finally:
        pane.scene.renderer.RemoveObserver(tag)


def test_scrolling_renders_the_3d_view_coarse_then_once_at_full_quality(phantom_window,
                                                                          qtbot):
    window = phantom_window
    pane = _settled_window(window, qtbot)
    assert pane.isVisible()
    # The scroll stops when no step came for this long: far above a loaded machine's
    # step time, so the count below never depends on the machine's speed.
    pane._still_timer.setInterval(1500)
    renders, tag = _count_renders(pane)
    try:
        _scroll(window, 20)
        assert all(moving for moving, _ in renders), renders       # coarse while scrolling
        qtbot.waitUntil(lambda: bool(renders) and not renders[-1][0], timeout=10000)
        qtbot.wait(300)
        axial = window.state.crosshair_index()[0]
        assert window.views["axial"].index == axial
        # At the moving level (at most every MOVING_INTERVAL_MS, never for the first step:
        # fewer frames than steps whatever the machine's speed; or none), then one
        # full-quality frame once the scroll stops, its axial plane at the crosshair.
        *moving, last = renders
        assert all(m for m, _ in moving) and len(moving) < 20, renders
        assert last == (False, axial), renders
        assert pane.scene.slice_numbers()[2] == axial
    finally:
        pane.scene.renderer.RemoveObserver(tag)


def test_slow_full_quality_frames_coarsen_the_still_level_in_the_window(pane, qtbot,
                                                                        monkeypatch):
    """On a machine where full-quality frames take too long (every frame counts as slow
    here: STILL_SECONDS 0), turning the view with the mouse and letting go twice makes the
    pane use a coarser still level; the next full-quality frame draws it (chest still
    there), with 'preparing' shown first."""
    import ctvis.render.volume_actor as va

    actor = pane.scene.volume_actor
    assert actor.still_steps == (1, 1, 1) and actor.still_drawn
    monkeypatch.setattr(va, "STILL_SECONDS", 0.0)
    target = pane.plotter.interactor
    centre = QPoint(target.width() // 2, target.height() // 2)
    notes = []
    monkeypatch.setattr(pane.scene, "set_note", lambda text: notes.append(text))
    for dx in (60, -60, 60):
        drag(target, centre, centre + QPoint(dx, 0))
        qtbot.waitUntil(lambda: not actor.interactive, timeout=5000)
        qtbot.wait(50)
    assert actor.still_steps in ((1, 2, 2), (2, 2, 2))
    assert actor.images["still"].GetNumberOfPoints() < 48 * 80 * 80 / 3
    assert any(n and "preparing" in n for n in notes)      # the new level's first frame
    img = frame(pane)
    pane.plotter.screenshot(picture_path("thin_lod_pane.png"))
    assert (img.max(axis=2) > 20).mean() > 0.05               # the chest is drawn


# ------------------------------------------------------------ what the window imports
WINDOW_IMPORTS_SCRIPT = r"""
import json, sys
from PyQt5.QtCore import QEventLoop, QTimer
from PyQt5.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from ctvis.core.phantom import make_phantom
from ctvis.gui.main_window import MainWindow
from ctvis.model import markups as mk
volume = make_phantom(shape=(40, 96, 96)).volume
win = MainWindow(volume)
p = [tuple(volume.index_to_patient(kji)) for kji in ((20, 48, 30), (20, 48, 60))]
win.state.markups = (mk.Markup("line", tuple(p), axis=0), mk.Markup("sphere", tuple(p)))
from ctvis.gui.unsaved_prompt import mark_saved
mark_saved(win)                                       # closing asks nothing
win.resize(1200, 800)
win.show()
pane = win.view3d
for _ in range(200):                                  # the first full-quality frame, <= 20 s
    loop = QEventLoop(); QTimer.singleShot(100, loop.quit); loop.exec_()
    if not pane.scene.first_still_pending() and not pane.scene.volume_actor.interactive:
        break
drawn = float((pane.plotter.screenshot().max(axis=2) > 20).mean())
saved = win.save_screenshot(sys.argv[1])
print(json.dumps({"drawn": drawn, "visible": pane.isVisible(), "saved": saved,
                  "markups": len(pane.scene.markup_actors.actors),
                  "modules": sorted(m for m in ("matplotlib", "pyvistaqt", "pyvista.plotting",
                                                "pyvista", "vtkmodules.vtkInteractionWidgets")
                                    if m in sys.modules)}))
win.close()
"""


def test_the_window_with_the_3d_pane_imports_neither_pyvista_nor_matplotlib(tmp_path):
    """The 3D pane is VTK's own Qt widget on plain VTK data: the window showing a volume
    and markups in 3D (and saving a picture of itself) never imports pyvistaqt,
    pyvista.plotting or matplotlib (~45 MiB of the viewer's peak memory), nor pyvista itself
    (the volume and the markups are plain vtkImageData and vtkPolyData: 13 MiB more), nor
    VTK's widget module before the clip is a box (9-10 MiB).  In a child process, so that other tests' imports do not hide one; its exit status says the
    pane also closed cleanly."""
    import json
    import os
    import subprocess
    import sys

    shot = tmp_path / "window.png"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")      # the test session's X server
    proc = subprocess.run([sys.executable, "-c", WINDOW_IMPORTS_SCRIPT, str(shot)], env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["visible"] and found["drawn"] > 0.1, found      # the volume was drawn
    assert found["saved"] == str(shot) and shot.stat().st_size > 0
    assert found["markups"] == 2, found                          # the line, the sphere
    assert found["modules"] == [], found
