"""Cine: play the slices of a slice view at a chosen frame rate (View ▸ Cine, key K).

A QTimer on the GUI thread steps the played view's slice through the state (as the wheel
does, so every view and the 3D pane follow), looping from the last slice to the first or
turning back at each end.  The view played is the one under the pointer when play starts,
else the focused one, else the last one played (else axial).  A new volume stops it.
"""
from __future__ import annotations

from PyQt5.QtCore import QObject, QTimer, pyqtSignal
from PyQt5.QtWidgets import QAction, QActionGroup

MODES = (("loop", "&Loop"), ("bounce", "&Back and forth"))
RATES = (2, 5, 10, 15, 20, 30)          # frames (slices) a second offered in the menu
DEFAULT_FPS = 10
KEY = "K"


class Cine(QObject):
    """Plays one slice view of ``window`` (a MainWindow: ``views``, ``view_under_pointer``)."""
    playing_changed = pyqtSignal(bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.view = None                 # the view playing, or last played
        self.mode = "loop"
        self.fps = DEFAULT_FPS
        self.direction = 1               # +1 towards the last slice, -1 back (bounce)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.advance)
        window.state.events.volume.connect(self._on_volume)

    # ------------------------------------------------------------------ control
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def toggle(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.play()

    def play(self, view=None) -> bool:
        """Start playing ``view`` (None: the one under the pointer, focused, or last)."""
        view = view or self.window.view_under_pointer() or self.view \
            or self.window.views["axial"]
        if self.window.state.volume is None or view.count < 2:
            self.playing_changed.emit(False)
            return False
        self.view, self.direction = view, 1
        self.timer.start(self.interval())
        self.playing_changed.emit(True)
        self.window.statusBar().showMessage(
            f"Cine: {view.view} slices at {self.fps:g}/s, {dict(MODES)[self.mode].strip('&')}"
            f" — {KEY} stops", 4000)
        return True

    def stop(self) -> None:
        was = self.playing
        self.timer.stop()
        if was:
            self.playing_changed.emit(False)

    def interval(self) -> int:
        return max(1, int(round(1000 / self.fps)))

    def set_fps(self, fps: float) -> None:
        self.fps = max(0.5, min(float(fps), 120.0))
        if self.playing:
            self.timer.setInterval(self.interval())

    def set_mode(self, mode: str) -> None:
        if mode not in dict(MODES):
            raise ValueError(f"unknown cine mode {mode!r}")
        self.mode = mode

    # --------------------------------------------------------------------- step
    def advance(self) -> None:
        """The next slice: past the last, the first (loop) or the one before (bounce)."""
        view = self.view
        if view is None or self.window.state.volume is None:
            self.stop()
            return
        last, index = view.count - 1, view.index
        target = index + self.direction
        if not 0 <= target <= last:
            if self.mode == "loop":
                target = 0 if self.direction > 0 else last
            else:
                self.direction = -self.direction
                target = index + self.direction
        view.set_index(min(max(target, 0), last))

    def _on_volume(self, _volume) -> None:
        self.stop()

    def close(self) -> None:
        self.stop()
        self.window.state.events.volume.disconnect(self._on_volume)

    # --------------------------------------------------------------------- menu
    def fill_menu(self, menu) -> QAction:
        """Play/pause (K), the frame rates and the modes in ``menu``; the play action."""
        window = self.window
        self.play_action = QAction("&Play / pause", window, checkable=True)
        self.play_action.setShortcut(KEY)
        self.play_action.setToolTip(f"Play the slices of the view under the pointer ({KEY})")
        self.play_action.triggered.connect(lambda _checked: self.toggle())
        self.playing_changed.connect(self.play_action.setChecked)
        menu.addAction(self.play_action)
        rates = menu.addMenu("&Frame rate")
        group = QActionGroup(window)
        self.rate_actions = {}
        for fps in RATES:
            action = QAction(f"{fps} slices/s", window, checkable=True)
            action.setChecked(fps == self.fps)
            action.triggered.connect(lambda _checked, f=fps: self.set_fps(f))
            group.addAction(action)
            rates.addAction(action)
            self.rate_actions[fps] = action
        menu.addSeparator()
        modes = QActionGroup(window)
        self.mode_actions = {}
        for mode, text in MODES:
            action = QAction(text, window, checkable=True)
            action.setChecked(mode == self.mode)
            action.triggered.connect(lambda _checked, m=mode: self.set_mode(m))
            modes.addAction(action)
            menu.addAction(action)
            self.mode_actions[mode] = action
        return self.play_action

    def play_button(self):
        """A small ▶/❚❚ button for the status bar, bound to the play action."""
        from PyQt5.QtWidgets import QStyle, QToolButton

        button = QToolButton()
        button.setDefaultAction(self.play_action)
        button.setAutoRaise(True)
        style = button.style()
        icons = (style.standardIcon(QStyle.SP_MediaPlay), style.standardIcon(QStyle.SP_MediaPause))
        self.play_action.setIcon(icons[0])
        self.playing_changed.connect(lambda on: self.play_action.setIcon(icons[bool(on)]))
        return button
