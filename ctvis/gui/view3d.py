"""The 3D pane: VTK's Qt render window (:class:`ctvis.gui.vtk_pane.VtkPane`) showing
:class:`ctvis.render.scene.Scene` of the ViewerState, with a compact bar of 3D controls that
write to the state.

What it adds to the Qt-free scene:
* state events → ``scene.sync`` and one coalesced render; the bone threshold is debounced
  (a slider fires tens of events a second, each a new iso-surface), and so are label maps
  edited in place (``events.labels``: a brush stroke fires many; the scene rebuilds only
  the segments the edits' regions touched, ``LABELS_DEBOUNCE_MS`` after the last);
* fields that change many times a second (the crosshair while slices scroll, the window
  while it is dragged) never cost a full-quality frame each: a single change is drawn at full
  quality ``STILL_DELAY_MS`` after it; while changes keep coming the pane follows at the
  moving level of detail, at most one frame every ``MOVING_INTERVAL_MS``, and draws full
  quality once they stop.  A change the picture does not show (the crosshair with neither
  slice planes nor a clip at the crosshair) is synced without a render;
* a hidden pane (a layout without the 3D view) renders nothing: changes wait, and the pane
  syncs them and renders once when it is shown again;
* level of detail: the coarse volume while the mouse moves the camera, the full one
  ``STILL_DELAY_MS`` after it stops; then the camera is written back to ``state.camera``;
* a new volume shows its coarse level first (fast first frame), the full level next;
* a click (press and release within ``CLICK_PX``; a drag turns the camera) moves the
  crosshair to the patient point drawn under the mouse (``Scene.pick``);
* the clip box: a box widget (:class:`ctvis.render.clip_box.ClipBoxWidget`) shown while the
  clip is "box"; dragging a handle writes ``state.view3d.box``, and the widget follows the
  state (sessions, "Reset box");
* one render per frame: VTK renders a camera move straight into the pane's native window
  and Qt never paints it again after that (:mod:`ctvis.gui.vtk_pane`; pyvistaqt's
  QOpenGLWidget rendered every frame a second time in ``paintGL``).
"""
from __future__ import annotations

from dataclasses import replace

from PyQt5.QtCore import QSize, Qt, QTimer
from PyQt5.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolBar,
                             QToolButton, QVBoxLayout, QWidget)

from ctvis.model.state import CLIP_MODES, RENDER_MODES, ViewerState
from ctvis.gui.subscriptions import subscriptions
from ctvis.gui.vtk_pane import VtkPane
from ctvis.render.camera import same_camera
from ctvis.render.clip_box import ClipBoxWidget
from ctvis.render.scene import Scene, volume_bounds
from ctvis.render.transfer_functions import vr_presets

BONE_DEBOUNCE_MS = 150
LABELS_DEBOUNCE_MS = 150
STILL_DELAY_MS = 150            # after the last interaction; then the full-quality frame
MOVING_INTERVAL_MS = 100        # between two moving-level frames while the crosshair moves
CONTINUOUS = ("crosshair", "window")   # fields that a scroll or a drag changes many times
SHIFT_RANGE = 1000              # HU either way
CLICK_PX = 3                    # a press and release this close (pixels) is a click
VIEW_KEYS = {"anterior": "A", "posterior": "P", "left": "L", "right": "R",
             "superior": "S", "inferior": "I"}
EVENTS = ("volume", "view3d", "bone", "overlays", "crosshair", "window", "camera", "markups")


class View3DWidget(QWidget):
    def __init__(self, state: ViewerState, parent=None):
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.controls = self._make_controls()
        layout.addWidget(self.controls)
        # No re-render timer (a still frame takes ~0.5-3 s on llvmpipe), no MSAA: the pane
        # renders when the scene or the camera changes, and when Qt exposes it.
        self.plotter = VtkPane(self)
        layout.addWidget(self.plotter.interactor, 1)
        self.scene = Scene(self.plotter)

        self._pending: set[str] = set()
        self._sync_timer = self._timer(0, self._flush)
        self._bone_timer = self._timer(BONE_DEBOUNCE_MS, lambda: self._queue("bone"))
        self._still_timer = self._timer(STILL_DELAY_MS, self._go_still)
        self._moving_timer = self._timer(MOVING_INTERVAL_MS, self._moving_frame)
        self._interacting = False          # the mouse is turning the camera
        self._watch_interaction()
        self._press = None                 # (x, y) of a left press that may become a click
        self._watch_clicks()
        self._clip_widget = None           # made when the clip is first "box"

        self._labels_timer = self._timer(LABELS_DEBOUNCE_MS, lambda: self._queue("labels"))
        slots = {name: (lambda value, _n=name: self._on_event(_n)) for name in EVENTS}
        slots["labels"] = self._on_labels
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, slots)
        self._show_controls()
        if state.volume is not None:
            self._on_event("volume")

    # ------------------------------------------------------------------ controls
    def _make_controls(self) -> QWidget:
        """Two rows: preset and shift; then modes, clipping, views (a tool bar, so a narrow
        pane folds what does not fit into its overflow menu)."""
        bar = QWidget(self)
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(2, 2, 2, 0)
        rows.setSpacing(0)
        row = QHBoxLayout()
        row.setSpacing(3)
        rows.addLayout(row)
        tools = QToolBar(bar)
        tools.setIconSize(QSize(12, 12))
        rows.addWidget(tools)
        self.preset_box = QComboBox(bar)
        self.preset_box.addItems(list(vr_presets()))
        self.preset_box.setToolTip("Volume-rendering preset (3D Slicer's, in HU)")
        self.preset_box.currentTextChanged.connect(
            lambda name: self._set_view3d(preset=name))
        row.addWidget(self.preset_box)
        self.shift_slider = QSlider(Qt.Horizontal, bar)
        self.shift_slider.setRange(-SHIFT_RANGE, SHIFT_RANGE)
        self.shift_slider.setToolTip("Shift the transfer function (HU)")
        self.shift_slider.setMinimumWidth(60)
        self.shift_slider.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.shift_slider.valueChanged.connect(lambda v: self._set_view3d(shift=float(v)))
        row.addWidget(self.shift_slider, 1)
        self.shift_label = QLabel("0 HU", bar)
        row.addWidget(self.shift_label)
        row = _ToolRow(tools)
        self.mode_buttons = {}
        for mode in RENDER_MODES:
            b = QToolButton(bar)
            b.setText(mode.capitalize())
            b.setCheckable(True)
            b.toggled.connect(lambda on, _m=mode: self._toggle_mode(_m, on))
            row.addWidget(b)
            self.mode_buttons[mode] = b
        self.clip_box = QComboBox(bar)
        self.clip_box.addItems(CLIP_MODES)
        self.clip_box.setToolTip("Clip the volume: at the crosshair (the superior, anterior or "
                                 "left half cut away), or to a box with handles")
        self.clip_box.currentTextChanged.connect(lambda c: self._set_view3d(clip=c))
        row.addWidget(self.clip_box)
        self.reset_box_button = QToolButton(bar)
        self.reset_box_button.setText("Reset box")
        self.reset_box_button.setToolTip("Clip box back to the whole volume")
        self.reset_box_button.clicked.connect(lambda: self._set_view3d(box=None))
        row.addWidget(self.reset_box_button)
        self.view_buttons = {}
        for name, key in VIEW_KEYS.items():
            b = QToolButton(bar)
            b.setText(key)
            b.setToolTip(f"{name.capitalize()} view")
            b.clicked.connect(lambda _=False, _n=name: self.standard_view(_n))
            row.addWidget(b)
            self.view_buttons[name] = b
        reset = QToolButton(bar)
        reset.setText("Reset")
        reset.setToolTip("Reset the 3D view (anterior)")
        reset.clicked.connect(self.reset_view)
        row.addWidget(reset)
        self.reset_button = reset
        return bar

    def _set_view3d(self, **changes) -> None:
        if self._updating_controls:
            return
        self.state.view3d = replace(self.state.view3d, **changes)

    def _toggle_mode(self, mode: str, on: bool) -> None:
        modes = set(self.state.view3d.modes)
        modes = modes | {mode} if on else modes - {mode}
        self._set_view3d(modes=frozenset(modes))

    _updating_controls = False

    def _show_controls(self) -> None:
        """Controls show the state (without writing back)."""
        v = self.state.view3d
        self._updating_controls = True
        try:
            self.preset_box.setCurrentText(v.preset)
            self.shift_slider.setValue(int(round(v.shift)))
            self.shift_label.setText(f"{v.shift:+.0f} HU" if v.shift else "0 HU")
            for mode, b in self.mode_buttons.items():
                b.setChecked(mode in v.modes)
            self.clip_box.setCurrentText(v.clip)
            self.reset_box_button.setEnabled(v.clip == "box" and v.box is not None)
        finally:
            self._updating_controls = False

    # ------------------------------------------------------------- state → scene
    def _on_event(self, name: str) -> None:
        if name in ("view3d", "volume"):
            self._show_controls()
            self._show_clip_widget()
        if name == "bone" and self.state.volume is self.scene.volume:
            self._bone_timer.start()             # debounce: the last threshold wins
            return
        if name == "camera" and self.state.camera is not None \
                and self.scene.volume is self.state.volume \
                and same_camera(self.state.camera, self.scene.camera()):
            return                               # written back from here: already drawn
        if name == "volume":
            self._bone_timer.stop()
            self._pending.clear()
            self.sync_now({"volume"})
            self.scene.set_interactive(True)     # coarse first frame now, full one next
            if self._shown():
                self._render()
            self._still_timer.start()
            return
        if name in CONTINUOUS:
            self._queue_moving(name)
            return
        self._queue(name)

    def _on_labels(self, name: str, change) -> None:
        """A label map changed in place: the scene notes where; it rebuilds the segments
        touched once the edits pause."""
        self.scene.labels_changed(name, change)
        self._labels_timer.start()

    def _queue(self, name: str) -> None:
        self._pending.add(name)
        self._sync_timer.start()

    def _queue_moving(self, name: str) -> None:
        """A crosshair or window change: drawn at full quality once the changes stop; while
        they keep coming (a scroll), at the moving level every ``MOVING_INTERVAL_MS``."""
        if self.scene.volume is not self.state.volume:
            self._queue(name)                    # a new volume on its way: sync it all
            return
        if not self.scene.shows(self.state, name):
            self.sync_now({name})                # nothing to see: in step, no render
            return
        self._pending.add(name)
        if self._interacting:
            self._sync_timer.start()             # the camera is turning: the next frame
            return
        changing = self._still_timer.isActive()  # another change came moments ago
        self._still_timer.start()                # full quality once the changes stop
        if changing and not self._moving_timer.isActive():
            self._moving_timer.start()

    def _moving_frame(self) -> None:
        if not self._pending or not self._shown():
            return
        self.scene.set_interactive(True)
        self._flush()

    def _flush(self) -> None:
        if not self._shown():
            return                               # hidden: the changes wait for showEvent
        fields, self._pending = self._pending, set()
        if fields:
            self.sync_now(fields)
            self._render()

    def sync_now(self, fields=None) -> None:
        """Bring the scene up to date at once (tests, and the debounced slots)."""
        if fields is None or "bone" in fields:
            self._bone_timer.stop()
        self.scene.sync(self.state, fields)

    def _render(self) -> None:
        self.plotter.render()

    def draw_now(self) -> None:
        """Render the pane up to date at once (a picture of the window): what is waiting is
        synced, and the full-quality frame due after a scroll is drawn now."""
        if not self._shown():
            return
        self._sync_timer.stop()
        if self._still_timer.isActive() and not self._interacting:
            self._still_timer.stop()
            self._go_still()
            return
        self._moving_timer.stop()
        fields, self._pending = self._pending, set()
        if fields:
            self.sync_now(fields)
        self._render()

    def _shown(self) -> bool:
        """Whether the pane is on screen (a layout without the 3D view hides it)."""
        return self.isVisible()

    def showEvent(self, event) -> None:
        """Shown again: bring the scene up to date with what changed while hidden; the
        paint that follows renders it, once."""
        super().showEvent(event)
        self._moving_timer.stop()
        fields, self._pending = self._pending, set()
        if fields:
            self.sync_now(fields)
        if self._interacting:
            pass
        elif self.scene.first_still_pending():
            self.scene.set_interactive(True)     # coarse now; "preparing", then full next
            self._still_timer.start()
        else:
            self._still_timer.stop()
            self.scene.set_interactive(False)
        self.plotter.render_on_paint()           # once, when Qt paints it

    # ------------------------------------------------------- camera and detail
    def _watch_interaction(self) -> None:
        style = self.plotter.iren.GetInteractorStyle()
        style.AddObserver("StartInteractionEvent", self._on_start_interaction)
        style.AddObserver("EndInteractionEvent", self._on_end_interaction)

    def _on_start_interaction(self, *_args) -> None:
        self._interacting = True
        self._still_timer.stop()
        self._moving_timer.stop()
        self.scene.set_interactive(True)

    def _on_end_interaction(self, *_args) -> None:
        self._interacting = False
        self._still_timer.start()

    def _go_still(self) -> None:
        self._moving_timer.stop()
        if not self._shown():
            return                               # showEvent draws it
        fields, self._pending = self._pending, set()
        if fields:
            self.sync_now(fields)
        if self.scene.first_still_pending():
            # The next frame blocks for the gradient pass: say so on the coarse frame first.
            self.scene.set_note("preparing full quality (shading) ...")
            self._render()
        self.scene.set_interactive(False)
        self.scene.set_note(None)
        self._render()
        if self.scene.volume is not None:
            self.state.camera = self.scene.camera()

    # ------------------------------------------------------------------ clip box
    @property
    def clip_widget(self) -> ClipBoxWidget:
        """The box widget, made on first use: VTK's widget module is 9-10 MiB of the
        viewer's memory that a pane never clipped to a box does not need
        (docs/performance.md)."""
        if self._clip_widget is None:
            self._clip_widget = ClipBoxWidget(self.plotter.iren, self.scene.renderer,
                                              on_start=self._on_start_interaction,
                                              on_change=self._on_box_dragged,
                                              on_end=self._on_end_interaction)
        return self._clip_widget

    def _show_clip_widget(self) -> None:
        """The box widget shows the state's box (the whole volume when None) in box mode."""
        volume, v = self.state.volume, self.state.view3d
        on = volume is not None and v.clip == "box"
        if not on and self._clip_widget is None:
            return
        if on:
            self.clip_widget.place(v.box if v.box is not None else volume_bounds(volume))
        self.clip_widget.set_enabled(on)

    def _on_box_dragged(self, bounds) -> None:
        if self.state.volume is None:
            return
        self._set_view3d(box=bounds)
        # Bring the scene in line now: the widget renders right after this callback.
        fields, self._pending = self._pending, set()
        if fields:
            self.sync_now(fields)

    # --------------------------------------------------------- click to point
    def _watch_clicks(self) -> None:
        """The press at low priority: the box widget (0.5) and the camera style (0) see it
        first, and a press the box widget takes never reaches here.  Moves and the release
        as passive observers: once the camera style has the mouse (VTK's focus grab), only
        passive observers still hear them."""
        iren = self.plotter.iren
        self._click_tags = [iren.AddObserver("LeftButtonPressEvent", self._on_left_press, -1.0)]
        for event, handler in (("MouseMoveEvent", self._on_mouse_move),
                               ("LeftButtonReleaseEvent", self._on_left_release)):
            tag = iren.AddObserver(event, handler)
            iren.GetCommand(tag).SetPassiveObserver(1)
            self._click_tags.append(tag)

    def _event_position(self) -> tuple[int, int]:
        x, y = self.plotter.iren.GetEventPosition()
        return int(x), int(y)

    def _on_left_press(self, *_args) -> None:
        self._press = self._event_position()

    def _on_mouse_move(self, *_args) -> None:
        if self._press is not None:
            x, y = self._event_position()
            if abs(x - self._press[0]) + abs(y - self._press[1]) > CLICK_PX:
                self._press = None                # a drag: the camera turns, no click

    def _on_left_release(self, *_args) -> None:
        press, self._press = self._press, None
        if press is None or self.state.volume is None:
            return
        x, y = self._event_position()
        if abs(x - press[0]) + abs(y - press[1]) <= CLICK_PX:
            self.click(x, y)

    def click(self, x: float, y: float) -> tuple | None:
        """Move the crosshair to the patient point drawn at display pixel (x, y) (VTK: from
        the bottom left); nothing over the background.  Returns the point."""
        if self.scene.volume is not self.state.volume:
            return None
        point = self.scene.pick(x, y)
        if point is not None:
            self.state.crosshair = point
        return point

    def standard_view(self, name: str) -> None:
        """Look at the patient from ``name`` (anterior, posterior, left, right, superior,
        inferior); the camera goes to the state."""
        if self.state.volume is None:
            return
        self.state.camera = self.scene.standard_camera(name)

    def reset_view(self) -> None:
        self.standard_view("anterior")

    # ------------------------------------------------------------------- close
    def close(self) -> bool:
        # Every timer: one firing after close would sync a closed scene (a crash).
        for timer in (self._sync_timer, self._bone_timer, self._still_timer,
                      self._moving_timer, self._labels_timer):
            timer.stop()
        self._subs.disconnect_all()
        for tag in getattr(self, "_click_tags", []):
            self.plotter.iren.RemoveObserver(tag)
        self._click_tags = []
        if self._clip_widget is not None:
            self._clip_widget.close()
        self.scene.close()
        self.plotter.close()
        return super().close()

    def _timer(self, ms: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer


class _ToolRow:
    """``addWidget`` onto a QToolBar, so the row code reads the same for both rows."""

    def __init__(self, toolbar: QToolBar):
        self.toolbar = toolbar

    def addWidget(self, widget, stretch: int = 0) -> None:
        self.toolbar.addWidget(widget)


__all__ = ["View3DWidget"]
