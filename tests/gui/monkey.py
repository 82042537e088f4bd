"""The main window under a monkey: a seeded random sequence of user actions.

Each action is a function of a :class:`Monkey` (the window, a ``random.Random`` and a scratch
folder) that does what a user does, through the real widgets: QTest mouse clicks and keys,
mouse-move and wheel events sent to the widget under the "pointer", keyboard shortcuts and
menu actions, the dock's buttons and sliders, drag and drop.  What a user would type into a
file dialog comes from the monkey: :func:`answering` replaces QFileDialog's static calls
(they return the path the action chose), QMessageBox's static calls (recorded, answered "No"
or "OK"), and QColorDialog.getColor; dialogs that run their own event loop (the series
chooser, the screenshot options) are answered by a timer that clicks one of their buttons,
or by the action that opened them (``Monkey.on_dialog``: Save movie sets a short film), and
popup menus (a slice view's corner control) by a timer the action starts before its click.

While a window-modal dialog is up (a progress dialog, the loading-warnings box) a user can
only answer it or wait, and so can the monkey.

:class:`Watch` records what must never happen: Python tracebacks (``sys.excepthook``,
``threading.excepthook``, errors logged by worker threads), Qt warnings, VTK warnings and
errors, and the longest gap between the ticks of a 10 ms timer on the GUI thread (how long
the window was frozen).  Used by ``tests/gui/test_monkey.py`` (a fixed sample) and
``benchmarks/bench_monkey.py`` (minutes of it, any seed).
"""
from __future__ import annotations

import faulthandler
import logging
import random
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PyQt5.QtCore import (QEvent, QMimeData, QPoint, QPointF, Qt, QTimer, QUrl,
                          qInstallMessageHandler, QtCriticalMsg, QtFatalMsg, QtWarningMsg)
from PyQt5.QtGui import QColor, QDragEnterEvent, QDropEvent, QMouseEvent, QWheelEvent
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import (QAbstractButton, QApplication, QColorDialog, QComboBox, QDialog,
                             QDialogButtonBox, QFileDialog, QMessageBox, QProgressDialog,
                             QPushButton, QSlider, QStyle, QStyleOptionSlider, QTabBar)

from ctvis.gui.worker import task_pool

TICK_MS = 10
HANG_DUMP_S = 60            # an action running this long: dump the stacks into the trace
# Qt says this once on a root session under Xvfb; it is about the machine, not ctvis.
IGNORED_QT = ("QStandardPaths: XDG_RUNTIME_DIR",)


# --------------------------------------------------------------------------- watching
class Watch:
    """Records tracebacks, Qt warnings, VTK warnings and the GUI thread's longest freeze.

    ``with Watch() as watch:`` installs the hooks and starts the 10 ms timer; ``watch.action``
    names what the monkey did last, so each gap is charged to the action before it.
    """

    def __init__(self):
        self.tracebacks: list[str] = []
        self.qt_messages: list[str] = []
        self.vtk_messages: list[str] = []
        self.longest_gap = 0.0
        self.gap_after = ""                      # the action before the longest gap
        self.gaps_by_action: dict[str, float] = defaultdict(float)
        self.action = "start"
        self._last = None
        self._timer = None

    # hooks
    def _excepthook(self, kind, value, tb):
        self.tracebacks.append("".join(traceback.format_exception(kind, value, tb)))

    def _thread_hook(self, args):
        self.tracebacks.append(f"in thread {args.thread.name if args.thread else '?'}:\n"
                               + "".join(traceback.format_exception(
                                   args.exc_type, args.exc_value, args.exc_traceback)))

    def _qt_message(self, mode, context, message):
        if mode in (QtWarningMsg, QtCriticalMsg, QtFatalMsg) \
                and not message.startswith(IGNORED_QT):
            self.qt_messages.append(f"{message} (after {self.action})")

    def _vtk_message(self, obj, event, *args):
        self.vtk_messages.append(f"{event}: {args[0] if args else obj} (after {self.action})")

    def _tick(self):
        now = time.perf_counter()
        if self._last is not None:
            gap = now - self._last
            if gap > self.gaps_by_action[self.action]:
                self.gaps_by_action[self.action] = gap
            if gap > self.longest_gap:
                self.longest_gap, self.gap_after = gap, self.action
        self._last = now

    def __enter__(self) -> "Watch":
        self._old_excepthook = sys.excepthook
        self._old_thread_hook = threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook
        self._old_qt = qInstallMessageHandler(self._qt_message)
        self._log_handler = _ListHandler(self.tracebacks)
        logging.getLogger("ctvis").addHandler(self._log_handler)
        self._vtk_tags = []
        try:
            from vtkmodules.vtkCommonCore import vtkCommand, vtkOutputWindow

            out = vtkOutputWindow.GetInstance()
            self._vtk_out = out
            for event in (vtkCommand.WarningEvent, vtkCommand.ErrorEvent):
                self._vtk_tags.append(out.AddObserver(event, self._vtk_message))
        except ImportError:                            # no VTK: nothing to watch there
            self._vtk_out = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start(TICK_MS)
        self._last = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.stop()
        sys.excepthook = self._old_excepthook
        threading.excepthook = self._old_thread_hook
        qInstallMessageHandler(self._old_qt)
        logging.getLogger("ctvis").removeHandler(self._log_handler)
        for tag in self._vtk_tags:
            self._vtk_out.RemoveObserver(tag)

    def problems(self) -> list[str]:
        return ([f"traceback: {t}" for t in self.tracebacks]
                + [f"Qt warning: {m}" for m in self.qt_messages]
                + [f"VTK {m}" for m in self.vtk_messages])


class _ListHandler(logging.Handler):
    """Errors that ctvis logs (a worker's unexpected exception) count as tracebacks."""

    def __init__(self, out: list):
        super().__init__(logging.ERROR)
        self.out = out

    def emit(self, record):
        self.out.append(self.format(record))


# ------------------------------------------------------------------------ data and paths
@dataclass
class Paths:
    good: list                  # openable: (path, kind) with kind "folder" or "file"
    bad: list                   # not openable: (path, kind)
    bad_sessions: list          # session files that must fail cleanly
    tmp: Path


def prepare(tmp: Path, data_dir: Path | None, phantom_shape=(40, 96, 96)) -> Paths:
    """The monkey's good and bad paths in ``tmp`` (a small phantom as NIfTI, bad files) and
    small real series from ``data_dir`` (``../shared/data``; None: the phantom alone)."""
    from ctvis.core.io import write_nifti
    from ctvis.core.phantom import make_phantom

    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    phantom = tmp / "phantom.nii.gz"
    write_nifti(make_phantom(shape=phantom_shape).volume, phantom)
    good = [(phantom, "file")]
    if data_dir is not None:
        candidates = [
            (data_dir / "cip-10002K-64" / "dicom", "folder"),           # 79 × 64²
            (data_dir / "cip-10002K-64" / "wholeLung-64.nrrd", "file"),  # a mask as a volume
            (data_dir / "totalseg-j2k" / "example_ct.nii.gz", "file"),   # 122 × 101 × 112
            (data_dir / "lidc-slabs", "folder"),                         # 3 series: a chooser
        ]
        slab = data_dir / "lidc-slabs" / "LIDC-IDRI-0003"                # 11 × 512²
        if slab.is_dir():
            series = sorted(p for p in slab.rglob("*") if p.is_dir())
            if series:
                candidates.append((series[-1], "folder"))
        good += [(p, k) for p, k in candidates if p.exists()]
    text = tmp / "notes.txt"
    text.write_text("not an image\n")
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    junk = tmp / "junk"
    junk.mkdir(exist_ok=True)
    (junk / "a.dcm").write_bytes(b"\0" * 200 + b"DICM" + bytes(range(256)) * 4)
    (junk / "b.txt").write_text("hello")
    broken = tmp / "broken.nii.gz"
    broken.write_bytes(phantom.read_bytes()[:3000])            # cut off: a damaged file
    bad = [(text, "file"), (empty, "folder"), (tmp / "missing", "folder"),
           (tmp / "missing.nii.gz", "file"), (junk, "folder"), (broken, "file")]
    not_session = tmp / "not-a-session.json"
    not_session.write_text('{"hello": 1}\n')
    moved = tmp / "moved-data.ctvis.json"
    moved.write_text('{"version": 1, "source": {"path": "%s", "series_uid": null}}\n'
                     % (tmp / "gone.nii.gz").as_posix())
    return Paths(good, bad, [text, not_session, moved, tmp / "no-such.ctvis.json"], tmp)


# --------------------------------------------------------------------------- dialogs
@contextmanager
def answering(monkey: "Monkey"):
    """File, message and colour dialogs answered by the monkey (never a blocking window)."""
    saved = {}

    def open_name(*_args, **_kwargs):
        return (monkey.take_answer(), "")

    def directory(*_args, **_kwargs):
        return monkey.take_answer()

    def save_name(*_args, **_kwargs):
        return (monkey.take_answer(), "")

    def message(name):
        def shown(*args, **_kwargs):
            monkey.messages.append((name,) + tuple(str(a) for a in args[1:3]))
            if name != "question":
                return QMessageBox.Ok
            # One of the buttons the question offers (Save / Discard / Cancel ...); "No"
            # when it names none.  A Save that asks for a file name gets none (cancelled).
            offered = int(args[3]) if len(args) > 3 else 0
            buttons = [b for b in (QMessageBox.Save, QMessageBox.Discard, QMessageBox.Cancel,
                                   QMessageBox.Yes, QMessageBox.No) if offered & int(b)]
            return monkey.dialog_rng.choice(buttons) if buttons else QMessageBox.No
        return shown

    def colour(*_args, **_kwargs):
        r = monkey.dialog_rng
        return QColor(r.randrange(256), r.randrange(256), r.randrange(256)) \
            if r.random() < 0.8 else QColor()                          # invalid: cancelled

    for name, fn in (("getOpenFileName", open_name), ("getExistingDirectory", directory),
                     ("getSaveFileName", save_name)):
        saved[(QFileDialog, name)] = getattr(QFileDialog, name)
        setattr(QFileDialog, name, fn)
    for name in ("critical", "warning", "information", "question", "about"):
        saved[(QMessageBox, name)] = getattr(QMessageBox, name)
        setattr(QMessageBox, name, message(name))
    saved[(QColorDialog, "getColor")] = QColorDialog.getColor
    QColorDialog.getColor = colour
    answerer = QTimer()
    answerer.timeout.connect(monkey.answer_blocking_dialog)
    answerer.start(60)
    try:
        yield
    finally:
        answerer.stop()
        for (owner, name), value in saved.items():
            setattr(owner, name, value)


# ------------------------------------------------------------------------ the monkey
ACTIONS: dict = {}           # name -> (weight, function(monkey))
DIALOG_ACTIONS: dict = {}    # what a user can do while a window-modal dialog is up


def action(weight: float, when_modal: bool = False):
    def register(fn):
        (DIALOG_ACTIONS if when_modal else ACTIONS)[fn.__name__] = (weight, fn)
        return fn
    return register


@dataclass
class Monkey:
    window: object
    rng: random.Random
    tmp: Path
    paths: Paths
    watch: Watch | None = None
    settle_ms: tuple = (0, 40)                      # events processed after each action
    counts: Counter = field(default_factory=Counter)
    messages: list = field(default_factory=list)    # static message boxes shown
    sessions: list = field(default_factory=list)    # sessions saved so far
    log: list = field(default_factory=list)         # (n, action, detail)
    trace: object = None                            # a text file: each action as it starts
    markup_files: list = field(default_factory=list)   # .mrk.json files saved so far
    on_dialog: object = None                        # an action's own answer to its dialog
    _answers: list = field(default_factory=list)

    def __post_init__(self):
        # ``rng`` (the seed's generator) chooses the sequence of actions; each action then
        # draws from a generator of its own (``self.rng`` while it runs).  Dialogs come at
        # times the event loop decides: they have their own generators.
        self._sequence = self.rng
        self._dialog_sequence = random.Random(self._sequence.random())
        self.dialog_rng = random.Random(self._sequence.random())
        self.tmp = Path(self.tmp)
        self._files = 0

    # what the next file dialog returns ("" = the user cancels)
    def answer(self, path) -> None:
        self._answers.append("" if path is None else str(path))

    def take_answer(self) -> str:
        return self._answers.pop(0) if self._answers else ""

    def new_file(self, stem: str, suffix: str) -> Path:
        self._files += 1
        return self.tmp / "out" / f"{stem}-{self._files}{suffix}"

    # ------------------------------------------------------------------ running
    def step(self, n: int = 0) -> str:
        """One user action (first, whatever a window-modal dialog that is up asks for)."""
        self._answers.clear()                       # a dialog that never opened: forget it
        self.on_dialog = None
        while QApplication.activeModalWidget() is not None:
            # From the dialogs' own sequence: when a dialog is up depends on the machine's
            # speed, and must not shift the seed's sequence of actions.
            self._do(DIALOG_ACTIONS, self._dialog_sequence, n)
        return self._do(ACTIONS, self._sequence, n)

    def _do(self, table: dict, sequence: random.Random, n: int) -> str:
        names = list(table)
        name = sequence.choices(names, weights=[table[k][0] for k in names])[0]
        # Each action draws from its own generator: what it finds (a hidden 3D pane, no
        # recent files) changes how many numbers it draws, never the actions that follow.
        self.rng = random.Random(sequence.random())
        if self.watch is not None:
            self.watch.action = name
        if self.trace is not None:                  # written first: a crash leaves it
            self.trace.write(f"#{n} {name}\n")
            self.trace.flush()
            # An action that never returns (a hang): every thread's stack into the trace.
            faulthandler.dump_traceback_later(HANG_DUMP_S, file=self.trace)
        detail = table[name][1](self)
        if self.trace is not None:
            self.trace.write(f"    {detail}\n")
            self.trace.flush()
        self.counts[name] += 1
        self.log.append((n, name, detail))
        self.wait(self.rng.randint(*self.settle_ms))
        return name

    def run(self, actions: int) -> None:
        (self.tmp / "out").mkdir(parents=True, exist_ok=True)
        for n in range(actions):
            self.step(n)

    def wait(self, ms: int) -> None:
        QTest.qWait(ms)

    def stop_trace(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        if self.trace is not None:
            self.trace.close()
            self.trace = None

    def busy(self) -> bool:
        return (task_pool().activeThreadCount() > 0
                or getattr(self.window, "_task", None) is not None
                or self.window.panels["lungs"].task is not None)

    def settle(self, timeout_s: float = 120.0) -> bool:
        """Answer what is open and wait until no work runs; False if it never ends."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            modal = QApplication.activeModalWidget()
            if modal is not None and not isinstance(modal, QProgressDialog):
                close_dialog(self)
            elif not self.busy():
                QTest.qWait(50)
                if not self.busy() and QApplication.activeModalWidget() is None:
                    return True
            QTest.qWait(50)
        return False

    def answer_blocking_dialog(self) -> None:
        """A dialog with its own event loop (series chooser, screenshot options): press one of
        its buttons, as the user would after a look."""
        modal = QApplication.activeModalWidget()
        if modal is None or isinstance(modal, QProgressDialog) \
                or modal is getattr(self.window.loading_notes, "box", None):
            return
        if not isinstance(modal, QDialog) or not modal.isVisible():
            return
        if self.on_dialog is not None:              # the action knows this dialog
            hook, self.on_dialog = self.on_dialog, None
            if hook(modal):
                return
        buttons = [b for b in modal.findChildren(QAbstractButton)
                   if b.isVisible() and b.isEnabled()
                   and isinstance(b.parent(), QDialogButtonBox)]
        if buttons and self.dialog_rng.random() < 0.85:
            QTest.mouseClick(self.dialog_rng.choice(buttons), Qt.LeftButton)
        else:
            QTest.keyClick(modal, Qt.Key_Escape)

    # ----------------------------------------------------------------- targets
    def visible_slice_views(self) -> list:
        return [v for v in self.window.views.values() if v.isVisible()]

    def some_slice_view(self):
        """One of the shown slice views, drawn from the monkey's generator; None if none."""
        views = self.visible_slice_views()
        return self.rng.choice(views) if views else None

    def view3d_target(self):
        view = self.window.view3d
        if view is None or not view.isVisible():
            return None
        return view.plotter.interactor

    def point_in(self, widget, margin: int = 4) -> QPoint:
        w, h = max(widget.width(), 2 * margin + 1), max(widget.height(), 2 * margin + 1)
        return QPoint(self.rng.randint(margin, w - margin - 1),
                      self.rng.randint(margin, h - margin - 1))

    def show_dock(self, key: str):
        """Bring the dock ``key`` to the front as a user does: its tab, or View ▸ its name."""
        dock = self.window.docks[key]
        if not dock.isVisible():
            dock.toggleViewAction().trigger()
        panel = self.window.panels[key]
        if not panel.isVisible():
            title = dock.windowTitle()
            for bar in self.window.findChildren(QTabBar):
                for i in range(bar.count()):
                    if bar.isVisible() and bar.tabText(i) == title:
                        QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier,
                                         bar.tabRect(i).center())
        QApplication.processEvents()
        return panel


# ---------------------------------------------------------------------- input helpers
def mouse(widget, kind, pos, button=Qt.NoButton, buttons=Qt.NoButton,
          modifiers=Qt.NoModifier) -> None:
    pos = QPointF(pos)
    event = QMouseEvent(kind, pos, QPointF(widget.mapToGlobal(pos.toPoint())), button,
                        buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPoint, end: QPoint, button=Qt.LeftButton, steps: int = 8,
         modifiers=Qt.NoModifier, ms: int = 8) -> None:
    """Press, move in steps (events processed between, as a hand is slower than Qt), release."""
    mouse(widget, QEvent.MouseMove, start)
    QTest.mousePress(widget, button, modifiers, start)
    for n in range(1, steps + 1):
        mouse(widget, QEvent.MouseMove, start + (end - start) * n / steps, Qt.NoButton,
              button, modifiers)
        QTest.qWait(ms)
    QTest.mouseRelease(widget, button, modifiers, end)


def wheel(widget, pos: QPoint, notches: int, modifiers=Qt.NoModifier) -> None:
    pos = QPointF(pos)
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.NoButton, modifiers, Qt.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def key(widget, k, modifiers=Qt.NoModifier) -> None:
    QTest.keyClick(widget, k, modifiers)


def slider_handle(slider: QSlider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    return slider.style().subControlRect(QStyle.CC_Slider, option, QStyle.SC_SliderHandle,
                                         slider).center()


def move_slider(m: Monkey, slider: QSlider) -> str:
    """Drag the handle, click the groove or press keys on a slider."""
    how = m.rng.choice(("drag", "drag", "groove", "keys"))
    if not slider.isVisible() or not slider.isEnabled():
        return "slider hidden"
    if how == "drag":
        start = slider_handle(slider)
        end = QPoint(m.rng.randint(0, slider.width() - 1), start.y())
        drag(slider, start, end, steps=m.rng.randint(2, 12))
    elif how == "groove":
        QTest.mouseClick(slider, Qt.LeftButton, Qt.NoModifier,
                         QPoint(m.rng.randint(0, slider.width() - 1), slider.height() // 2))
    else:
        for _ in range(m.rng.randint(1, 6)):
            key(slider, m.rng.choice((Qt.Key_Left, Qt.Key_Right, Qt.Key_PageUp,
                                      Qt.Key_PageDown, Qt.Key_Home, Qt.Key_End)))
    return f"{how} -> {slider.value()}"


def type_into_spin(m: Monkey, spin, value: int) -> None:
    spin.setFocus()
    key(spin, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(spin, str(value))
    key(spin, Qt.Key_Return)


def choose_in_combo(m: Monkey, combo: QComboBox) -> str:
    if not combo.isVisible() or not combo.isEnabled():
        return "combo hidden"
    for _ in range(m.rng.randint(1, 3)):
        key(combo, m.rng.choice((Qt.Key_Down, Qt.Key_Up, Qt.Key_Home, Qt.Key_End)))
    return combo.currentText()


def click(widget) -> None:
    QTest.mouseClick(widget, Qt.LeftButton)


def menu_action(window, text: str):
    """The menu action whose text (without &) starts with ``text``."""
    for act in window.findChildren(type(window.quit_action)):
        if act.text().replace("&", "").startswith(text):
            return act
    raise KeyError(text)


def shortcut_or_menu(m: Monkey, shortcut, text: str) -> str:
    """Press the shortcut on the window, or pick the menu item."""
    if shortcut is not None and m.rng.random() < 0.6:
        k, mods = shortcut
        m.window.activateWindow()
        key(m.window, k, mods)
        return "key"
    menu_action(m.window, text).trigger()
    return "menu"


# ------------------------------------------------------------------------- actions
def _open(m: Monkey, path, kind: str, recent: bool = True) -> str:
    """Open ``path`` by its file dialog, by dropping it on the window, or (``recent``) pick
    one of File ▸ Recent files instead (only good paths get there)."""
    how = m.rng.choice(("dialog", "dialog", "dialog", "drop") + (("recent",) if recent else ()))
    if how == "drop":
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        pos = m.point_in(m.window.centralWidget())
        enter = QDragEnterEvent(pos, Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(m.window, enter)
        if enter.isAccepted():
            QApplication.sendEvent(m.window, QDropEvent(QPointF(pos), Qt.CopyAction, data,
                                                        Qt.LeftButton, Qt.NoModifier))
        return f"drop {path}"
    if how == "recent":
        menu = m.window.recent_menu
        menu.aboutToShow.emit()                      # what opening the submenu does
        entries = [a for a in menu.actions() if a.isEnabled()]
        if entries:
            chosen = m.rng.choice(entries)
            chosen.trigger()
            return f"recent {chosen.text()}"
        return "recent (none)"
    m.answer(path if m.rng.random() < 0.9 else None)     # now and then: the user cancels
    if kind == "folder":
        shortcut_or_menu(m, (Qt.Key_O, Qt.ControlModifier), "Open DICOM folder")
    else:
        shortcut_or_menu(m, (Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier), "Open file")
    return f"dialog {path}"


@action(6)
def open_good(m: Monkey) -> str:
    path, kind = m.rng.choice(m.paths.good)
    return _open(m, path, kind)


@action(5)
def open_bad(m: Monkey) -> str:
    path, kind = m.rng.choice(m.paths.bad)
    return _open(m, path, kind, recent=False)


@action(0.5)
def open_demo(m: Monkey) -> str:
    return shortcut_or_menu(m, (Qt.Key_D, Qt.ControlModifier), "Open demo phantom")


@action(14)
def scroll(m: Monkey) -> str:
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    pos = m.point_in(view)
    mouse(view, QEvent.MouseMove, pos)
    direction = m.rng.choice((-1, 1))
    for _ in range(m.rng.randint(1, 15)):
        wheel(view, pos, direction * m.rng.choice((1, 1, 1, 2)))
        QTest.qWait(m.rng.randint(0, 15))
    return f"{view.view} {view.index}"


@action(5)
def slice_keys(m: Monkey) -> str:
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    keys = (Qt.Key_Up, Qt.Key_Down, Qt.Key_Left, Qt.Key_Right, Qt.Key_PageUp,
            Qt.Key_PageDown, Qt.Key_Home, Qt.Key_End, Qt.Key_R)
    for _ in range(m.rng.randint(1, 8)):
        key(view, m.rng.choice(keys))
    return f"{view.view} {view.index}"


@action(8)
def window_level_drag(m: Monkey) -> str:
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    start = m.point_in(view)
    drag(view, start, m.point_in(view), steps=m.rng.randint(3, 15))
    w = m.window.state.window
    return f"{view.view} W {w.width:.0f} L {w.center:.0f}"


@action(8)
def crosshair_click(m: Monkey) -> str:
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    pos = m.point_in(view)
    mouse(view, QEvent.MouseMove, pos)
    QTest.mouseClick(view, Qt.LeftButton, Qt.NoModifier, pos)
    return f"{view.view} ({pos.x()}, {pos.y()})"


@action(4)
def zoom_pan(m: Monkey) -> str:
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    how = m.rng.choice(("right drag", "middle drag", "ctrl wheel"))
    start = m.point_in(view)
    if how == "ctrl wheel":
        for _ in range(m.rng.randint(1, 5)):
            wheel(view, start, m.rng.choice((-1, 1)), Qt.ControlModifier)
    else:
        drag(view, start, m.point_in(view),
             Qt.RightButton if how == "right drag" else Qt.MiddleButton)
    return f"{view.view} {how}"


@action(2)
def double_click(m: Monkey) -> str:
    views = m.visible_slice_views()
    target = m.view3d_target()
    choices = views + ([target] if target is not None else [])
    if not choices:
        return "nothing shown"
    widget = m.rng.choice(choices)
    QTest.mouseDClick(widget, Qt.LeftButton, Qt.NoModifier, m.point_in(widget))
    return m.window.state.layout


@action(4)
def hover(m: Monkey) -> str:
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    for _ in range(m.rng.randint(1, 10)):
        mouse(view, QEvent.MouseMove, m.point_in(view))
        QTest.qWait(5)
    if m.rng.random() < 0.3:
        QApplication.sendEvent(view, QEvent(QEvent.Leave))
    return view.view


LAYOUT_KEYS = (Qt.Key_1, Qt.Key_2, Qt.Key_3, Qt.Key_4, Qt.Key_5, Qt.Key_6)


@action(5)
def layout(m: Monkey) -> str:
    n = m.rng.randrange(6)
    texts = ("Four-up", "One row", "Axial only", "Sagittal only", "Coronal only", "3D only")
    how = shortcut_or_menu(m, (LAYOUT_KEYS[n], Qt.ControlModifier), texts[n])
    return f"{how} {m.window.state.layout}"


@action(5)
def window_preset(m: Monkey) -> str:
    how = m.rng.choice(("key", "button", "spin"))
    if how == "key":
        m.window.activateWindow()
        key(m.window, m.rng.choice(LAYOUT_KEYS))
    elif how == "button":
        panel = m.show_dock("window")
        buttons = list(panel.buttons.values())
        if buttons:
            click(m.rng.choice(buttons))
    else:
        panel = m.show_dock("window")
        spin = m.rng.choice((panel.center.spin, panel.width.spin))
        type_into_spin(m, spin, m.rng.randint(-2000, 5000))
    w = m.window.state.window
    return f"{how} {w.preset} W {w.width:.0f} L {w.center:.0f}"


@action(2)
def window_slider(m: Monkey) -> str:
    panel = m.show_dock("window")
    return move_slider(m, m.rng.choice((panel.center.slider, panel.width.slider)))


@action(4)
def segment(m: Monkey) -> str:
    panel = m.show_dock("lungs")
    if m.rng.random() < 0.3:
        choose_in_combo(m, panel.method)
    if m.rng.random() < 0.5:
        m.window.activateWindow()
        key(m.window, Qt.Key_L, Qt.ControlModifier)
        return f"key {panel.method.currentText()}"
    if panel.run_button.isEnabled():
        click(panel.run_button)
    return f"button {panel.method.currentText()}"


@action(3)
def cancel_segment(m: Monkey) -> str:
    panel = m.show_dock("lungs")
    if panel.cancel_button.isEnabled():
        click(panel.cancel_button)
        return "cancelled"
    return "nothing to cancel"


@action(3)
def lung_overlay(m: Monkey) -> str:
    how = m.rng.choice(("key L", "checkbox", "opacity", "colour"))
    if how == "key L":
        m.window.activateWindow()
        key(m.window, Qt.Key_L)
        return how
    panel = m.show_dock("lungs")
    if how == "checkbox":
        if panel.show_box.isEnabled():
            click(panel.show_box)
    elif how == "opacity":
        return move_slider(m, panel.opacity.slider)
    else:
        button = m.rng.choice(list(panel.color_buttons.values()))
        if button.isEnabled():
            click(button)
    return how


@action(1)
def export_lungs(m: Monkey) -> str:
    panel = m.show_dock("lungs")
    if m.rng.random() < 0.5:
        m.answer(m.new_file("lungs", m.rng.choice((".nii.gz", ".nrrd"))))
        button = panel.mask_button
    else:
        m.answer(m.new_file("lungs", m.rng.choice((".stl", ".vtp"))))
        button = panel.mesh_button
    if button.isEnabled():
        click(button)
        return button.text()
    m.take_answer()
    return "nothing to export"


@action(6)
def drag_3d(m: Monkey) -> str:
    target = m.view3d_target()
    if target is None:
        return "3D hidden"
    how = m.rng.choice(("rotate", "rotate", "rotate", "zoom", "pan", "click", "wheel"))
    start = m.point_in(target, 10)
    if how == "click":
        mouse(target, QEvent.MouseMove, start)
        QTest.mouseClick(target, Qt.LeftButton, Qt.NoModifier, start)
    elif how == "wheel":
        for _ in range(m.rng.randint(1, 4)):
            wheel(target, start, m.rng.choice((-1, 1)))
            QTest.qWait(10)
    else:
        button = {"rotate": Qt.LeftButton, "zoom": Qt.RightButton,
                  "pan": Qt.MiddleButton}[how]
        drag(target, start, m.point_in(target, 10), button, steps=m.rng.randint(3, 20),
             ms=m.rng.randint(5, 30))
    return how


@action(4)
def controls_3d(m: Monkey) -> str:
    view = m.window.view3d
    if view is None or not view.isVisible():
        return "3D hidden"
    how = m.rng.choice(("preset", "shift", "mode", "mode", "clip", "view", "reset"))
    if how == "preset":
        return f"preset {choose_in_combo(m, view.preset_box)}"
    if how == "clip":
        return f"clip {choose_in_combo(m, view.clip_box)}"
    if how == "shift":
        return f"shift {move_slider(m, view.shift_slider)}"
    if how == "mode":
        button = m.rng.choice(list(view.mode_buttons.values()))
    elif how == "view":
        button = m.rng.choice(list(view.view_buttons.values()))
    else:
        button = m.rng.choice((view.reset_button, view.reset_box_button))
    if button.isVisible() and button.isEnabled():
        click(button)
    else:
        return f"{how} {button.text()} not shown"
    return f"{how} {button.text()}"


@action(5)
def bone(m: Monkey) -> str:
    how = m.rng.choice(("slider", "slider", "slider", "spin", "checkbox", "key B"))
    if how == "key B":
        m.window.activateWindow()
        key(m.window, Qt.Key_B)
        return how
    panel = m.show_dock("bone")
    if how == "slider":
        return move_slider(m, panel.threshold.slider)
    if how == "spin":
        type_into_spin(m, panel.threshold.spin, m.rng.randint(-600, 2100))
    else:
        click(panel.show_box)
    return f"{how} {m.window.state.bone}"


@action(3)
def save_session(m: Monkey) -> str:
    path = m.new_file("session", ".ctvis.json")
    m.answer(path if m.rng.random() < 0.9 else None)
    shortcut_or_menu(m, (Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier), "Save session")
    if path.exists():
        m.sessions.append(path)
    return str(path)


@action(3)
def open_session(m: Monkey) -> str:
    if m.sessions and m.rng.random() < 0.7:
        path = m.rng.choice(m.sessions)
    else:
        path = m.rng.choice(m.paths.bad_sessions)
    m.answer(path)
    shortcut_or_menu(m, (Qt.Key_L, Qt.ControlModifier | Qt.ShiftModifier), "Open session")
    return str(path)


@action(1.5)
def screenshot(m: Monkey) -> str:
    if m.rng.random() < 0.5:
        m.answer(m.new_file("window", ".png"))
        shortcut_or_menu(m, (Qt.Key_S, Qt.ControlModifier | Qt.AltModifier),
                         "Save window as shown")
        return "window as shown"
    m.answer(m.new_file("shot", ".png"))
    # The options dialog runs its own event loop: the dialog answerer presses Save or Cancel.
    shortcut_or_menu(m, (Qt.Key_S, Qt.ControlModifier), "Save screenshot")
    m.take_answer()                        # unused if the dialog was cancelled
    return "options dialog"


@action(1.5)
def help_and_about(m: Monkey) -> str:
    return shortcut_or_menu(m, (Qt.Key_F1, Qt.NoModifier),
                            m.rng.choice(("Keyboard and mouse", "About ctvis")))


@action(2)
def reset_views(m: Monkey) -> str:
    return shortcut_or_menu(m, (Qt.Key_R, Qt.ControlModifier), "Reset views")


@action(1.5)
def series_text(m: Monkey) -> str:
    return shortcut_or_menu(m, (Qt.Key_T, Qt.ControlModifier),
                            m.rng.choice(("Show series text", "Show patient identifiers")))


@action(2)
def dicom_panel(m: Monkey) -> str:
    panel = m.show_dock("dicom")
    if m.rng.random() < 0.7:
        panel.search.setFocus()
        key(panel.search, Qt.Key_A, Qt.ControlModifier)
        QTest.keyClicks(panel.search, m.rng.choice(("", "pixel", "0028", "slice", "uid",
                                                    "zzz", "Patient")))
        return f"search {panel.search.text()!r}"
    click(panel.identifiers)
    return "identifiers"


@action(1.5)
def histogram(m: Monkey) -> str:
    m.show_dock("histogram")
    return "shown"


@action(1)
def toggle_dock(m: Monkey) -> str:
    name = m.rng.choice(list(m.window.docks))
    m.window.docks[name].toggleViewAction().trigger()
    return f"{name} {'shown' if m.window.docks[name].isVisible() else 'hidden'}"


@action(1.5)
def loading_warnings(m: Monkey) -> str:
    button = m.window.loading_notes
    if button.isVisible():
        click(button)
        return "listed"
    return "none"


@action(1)
def resize_window(m: Monkey) -> str:
    w, h = m.rng.randint(900, 1600), m.rng.randint(650, 1000)
    m.window.resize(w, h)
    return f"{w}x{h}"


@action(4)
def wait(m: Monkey) -> str:
    ms = m.rng.choice((100, 300, 600, 1200))
    m.wait(ms)
    return f"{ms} ms"


# ------------------------------------------------ markups, slabs, cine, movie, lesions
MARKUP_KEYS = {"line": Qt.Key_D, "angle": Qt.Key_Q, "point": Qt.Key_U, "ellipse": Qt.Key_W,
               "polygon": Qt.Key_H, "sphere": Qt.Key_J}


def point_at(m: Monkey, view) -> None:
    """The pointer goes over ``view`` (what the window's keys act on)."""
    mouse(view, QEvent.MouseMove, m.point_in(view))


def answer_popup(m: Monkey, pick, tries: int = 20) -> None:
    """Soon: choose in the popup menu that a click is about to open (``pick(menu)``), as a
    user does after a look; the menu's own event loop runs meanwhile."""
    def look(left=tries):
        popup = QApplication.activePopupWidget()
        if popup is None:
            if left > 0:
                QTimer.singleShot(30, lambda: look(left - 1))
            return
        pick(popup)
    QTimer.singleShot(30, look)


def click_in_menu(m: Monkey, menu) -> str:
    """Click one of the menu's enabled actions (now and then Escape)."""
    actions = [a for a in menu.actions() if a.isEnabled() and not a.isSeparator()
               and a.isVisible() and not menu.actionGeometry(a).isEmpty()]
    rng = m.dialog_rng
    if not actions or rng.random() < 0.1:
        key(menu, Qt.Key_Escape)
        return "escape"
    chosen = rng.choice(actions)
    QTest.mouseClick(menu, Qt.LeftButton, Qt.NoModifier, menu.actionGeometry(chosen).center())
    return chosen.text()


@action(3)
def markup_tool(m: Monkey) -> str:
    """Choose a markup tool by its key over a view or Tools ▸ Markups; or Esc leaves it."""
    tools = m.window.markup_tools
    if m.rng.random() < 0.2:
        m.window.activateWindow()
        key(m.window, Qt.Key_Escape)
        return f"escape -> {tools.active}"
    kind = m.rng.choice(list(MARKUP_KEYS))
    view = m.some_slice_view()
    if view is not None and m.rng.random() < 0.7:
        point_at(m, view)
        key(view, MARKUP_KEYS[kind])
        return f"key {kind} -> {tools.active}"
    tools.actions[kind].trigger()
    return f"menu {kind} -> {tools.active}"


@action(6)
def place_markup(m: Monkey) -> str:
    """With a markup tool (chosen by its key if none is): a drag, clicks, a double click."""
    tools = m.window.markup_tools
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    if tools.active is None:
        point_at(m, view)
        key(view, MARKUP_KEYS[m.rng.choice(list(MARKUP_KEYS))])
    how = m.rng.choice(("drag", "clicks", "clicks", "double"))
    if how == "drag":
        drag(view, m.point_in(view), m.point_in(view), steps=m.rng.randint(2, 8))
    for _ in range(m.rng.randint(1, 4) if how != "drag" else m.rng.randint(0, 1)):
        pos = m.point_in(view)
        mouse(view, QEvent.MouseMove, pos)
        QTest.mouseClick(view, Qt.LeftButton, Qt.NoModifier, pos)
    if how == "double":
        QTest.mouseDClick(view, Qt.LeftButton, Qt.NoModifier, m.point_in(view))
    return f"{tools.active} {how} in {view.view}: {len(m.window.state.markups)} markups"


@action(3)
def drag_handle(m: Monkey) -> str:
    """Drag one of the handles a slice view shows (any tool but the editor's)."""
    layer = m.window.markup_tools.layer
    found = [(v, mk, n, at) for v in m.visible_slice_views() for mk in layer.shown(v)
             for n, at in layer.handles(v, mk)]
    if not found:
        return "no handle shown"
    view, markup, n, at = m.rng.choice(found)
    start = at.toPoint()
    end = start + QPoint(m.rng.randint(-40, 40), m.rng.randint(-40, 40))
    drag(view, start, end, steps=m.rng.randint(2, 10))
    return f"{markup.name} handle {n} in {view.view}"


@action(1.5)
def delete_markup(m: Monkey) -> str:
    if m.rng.random() < 0.5:
        m.window.activateWindow()
        key(m.window, Qt.Key_Delete)
        return f"key: {len(m.window.state.markups)} left"
    panel = m.show_dock("markups")
    if panel.delete_button.isEnabled():
        click(panel.delete_button)
    return f"button: {len(m.window.state.markups)} left"


@action(3)
def markups_dock(m: Monkey) -> str:
    """The Markups dock: a row (jump), rename, CSV, save and open .mrk.json."""
    panel = m.show_dock("markups")
    table = panel.table
    how = m.rng.choice(("row", "row", "rename", "csv", "save", "open"))
    if how in ("row", "rename"):
        if table.rowCount() == 0:
            return f"{how}: no rows"
        row = m.rng.randrange(table.rowCount())
        rect = table.visualItemRect(table.item(row, 0))
        if rect.isEmpty() or not table.viewport().rect().contains(rect.center()):
            table.scrollToItem(table.item(row, 0))
            rect = table.visualItemRect(table.item(row, 0))
        if how == "row":
            QTest.mouseClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
            return f"row {row}"
        QTest.mouseDClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
        editor = QApplication.focusWidget()
        if editor is None or editor is table or not table.isAncestorOf(editor):
            return f"rename {row}: no editor"
        key(editor, Qt.Key_A, Qt.ControlModifier)
        # ASCII only: QTest.keyClicks has no key for other characters (an abort).
        QTest.keyClicks(editor, m.rng.choice(("", "nodule", "Ruler 2", " ", "x" * 40)))
        key(editor, m.rng.choice((Qt.Key_Return, Qt.Key_Return, Qt.Key_Escape)))
        return f"rename {row}"
    if how == "open":
        files = m.markup_files + [m.paths.bad[0][0], m.paths.bad_sessions[1],
                                  m.tmp / "missing.mrk.json"]
        m.answer(m.rng.choice(files) if m.rng.random() < 0.9 else None)
        click(panel.open_button)
        return f"open: {len(m.window.state.markups)} markups"
    button = panel.csv_button if how == "csv" else panel.save_button
    path = m.new_file("markups", ".csv" if how == "csv" else ".mrk.json")
    m.answer(path if m.rng.random() < 0.9 else None)
    if not button.isEnabled():
        return f"{how}: no markups"
    click(button)
    if how == "save" and path.exists():
        m.markup_files.append(path)
    return f"{how} {path.name}"


SLAB_KEYS = (Qt.Key_Y, Qt.Key_BracketLeft, Qt.Key_BracketRight, Qt.Key_C)


@action(4)
def slab_keys(m: Monkey) -> str:
    """Y, [, ], C with the pointer over a slice view (now and then over none)."""
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    point_at(m, view)
    if m.rng.random() < 0.1:
        QApplication.sendEvent(view, QEvent(QEvent.Leave))
    for _ in range(m.rng.randint(1, 4)):
        key(view, m.rng.choice(SLAB_KEYS))
    return f"{view.view} {m.window.view_display.buttons[view.view].text()}"


@action(2)
def corner_menu(m: Monkey) -> str:
    """A slice view's corner control: its menu, one of its items."""
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    button = m.window.view_display.buttons[view.view]
    if not button.isVisible():
        return f"{view.view}: no corner control"
    chosen = []
    answer_popup(m, lambda menu: chosen.append(click_in_menu(m, menu)))
    click(button)                       # the menu's own loop runs until it is answered
    return f"{view.view} {chosen[0] if chosen else '(no menu)'} -> {button.text()}"


@action(3)
def cine(m: Monkey) -> str:
    """Play/pause (K over a view, the status bar's button), View ▸ Cine's rate and mode."""
    c = m.window.cine
    how = m.rng.choice(("key", "key", "button", "rate", "mode"))
    if how == "key":
        view = m.some_slice_view()
        if view is None:
            return "no slice view"
        point_at(m, view)
        key(view, Qt.Key_K)
    elif how == "button":
        buttons = [b for b in m.window.statusBar().findChildren(QAbstractButton)
                   if getattr(b, "defaultAction", lambda: None)() is c.play_action]
        if not buttons or not buttons[0].isVisible():
            return "no play button"
        click(buttons[0])
    elif how == "rate":
        m.rng.choice(list(c.rate_actions.values())).trigger()
    else:
        m.rng.choice(list(c.mode_actions.values())).trigger()
    return f"{how}: {'playing ' + c.view.view if c.playing else 'stopped'} {c.fps:g}/s {c.mode}"


@action(0.7)
def save_movie(m: Monkey) -> str:
    """File ▸ Save movie: the dialog answered (a short film, or cancelled), then the name."""
    rng = m.rng
    fmt = rng.choice((".gif", ".mp4", ".avi"))          # .avi: refused with a message

    def answer(dialog) -> bool:
        from ctvis.gui.movie_dialog import MovieDialog
        if not isinstance(dialog, MovieDialog):
            return False
        for _ in range(rng.randint(0, 4)):
            key(dialog.target, rng.choice((Qt.Key_Down, Qt.Key_Up)))
        dialog.step.setValue(rng.choice((5, 10, 50)))   # a few frames: the action stays short
        dialog.frames.setValue(rng.randint(2, 6))
        dialog.fps.setValue(rng.randint(1, 60))
        target = dialog.target.currentData()
        button = dialog.buttons.button(QDialogButtonBox.Save if rng.random() < 0.8
                                       else QDialogButtonBox.Cancel)
        click(button)
        chosen.append(target)
        return True

    chosen = []
    m.on_dialog = answer
    m.answer(m.new_file("movie", fmt) if rng.random() < 0.9 else None)
    view = m.some_slice_view()
    if view is not None and rng.random() < 0.5:
        point_at(m, view)
    shortcut_or_menu(m, (Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier), "Save movie")
    m.take_answer()                        # unused if the dialog was cancelled
    return f"{chosen[0] if chosen else 'no dialog'} {fmt}"


@action(2.5)
def lesion(m: Monkey) -> str:
    """The Lesion tool (N, Tools ▸ Lesion at click): a click or two in a slice view."""
    tools = m.window.editor_tools
    if m.rng.random() < 0.15 or m.window.editor.tool != "lesion":
        if m.rng.random() < 0.6:
            m.window.activateWindow()
            key(m.window, Qt.Key_N)
        else:
            tools.actions["lesion"].trigger()
    if m.window.editor.tool != "lesion":
        return f"tool {m.window.editor.tool}"
    view = m.some_slice_view()
    if view is None:
        return "no slice view"
    for _ in range(m.rng.randint(1, 2)):
        pos = m.point_in(view)
        mouse(view, QEvent.MouseMove, pos)
        QTest.mouseClick(view, Qt.LeftButton, Qt.NoModifier, pos)
    overlay = m.window.state.overlays.get("lesions")
    n = len(overlay.labelmap.segments) if overlay is not None and overlay.labelmap else 0
    return f"{view.view}: {n} lesions"


@action(0.5)
def report(m: Monkey) -> str:
    """File ▸ Export report (Ctrl+P): the HTML and PDF on a worker, lesions and markups in."""
    m.answer(m.new_file("report", ".html") if m.rng.random() < 0.9 else None)
    return shortcut_or_menu(m, (Qt.Key_P, Qt.ControlModifier), "Export report")


# ------------------------------------------------------- while a modal dialog is up
@action(3, when_modal=True)
def close_dialog(m: Monkey) -> str:
    """Cancel the progress dialog, press OK on a message box, or Escape."""
    modal = QApplication.activeModalWidget()
    if modal is None:
        return "gone"
    rng = m.rng
    if isinstance(modal, QProgressDialog):
        buttons = [b for b in modal.findChildren(QPushButton) if b.isVisible()]
        if buttons and rng.random() < 0.8:
            click(buttons[0])
            return "progress cancelled"
    elif isinstance(modal, QMessageBox):
        buttons = [b for b in modal.buttons() if b.isVisible()]
        if buttons and rng.random() < 0.8:
            click(rng.choice(buttons))
            return "message box answered"
    key(modal, Qt.Key_Escape)
    return f"escape {type(modal).__name__}"


@action(4, when_modal=True)
def wait_for_dialog(m: Monkey) -> str:
    ms = m.rng.choice((100, 300, 600))
    m.wait(ms)
    return f"{ms} ms"


__all__ = ["Monkey", "Watch", "Paths", "prepare", "answering", "ACTIONS", "DIALOG_ACTIONS"]
