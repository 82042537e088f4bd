"""The viewer's speed: slice updates per second in the real widget, start to first paint,
and peak memory against the int16 volume (issue 8: ≥ 30 updates/s on a 512² slice; ≤ 3 s
from the command to a painted window with a 275 × 512² series; peak ≤ 3× the volume).

    python benchmarks/bench_viewer.py [--slices 275] [--updates 120] [--only event-loop]

Needs a display: run it under ``xvfb-run -a -s "-screen 0 1600x1000x24"`` on a machine
without one.  It writes a 512² phantom DICOM series into a temporary folder (removed after).

1. Slice updates: the phantom is loaded, the window shown at 1600 × 1000, and the axial view
   scrolled with wheel events, each followed by a synchronous repaint (the slice picture
   made by render.slices, the QImage, the annotations): updates per second, without and with
   the lung overlay and the bone overlay; then crosshair moves that redraw all three views.
   Before each measurement the window settles (the 3D pane finishes its own work).
2. Slice updates through the event loop (issue 18, item 8), as a user scrolls: each wheel
   event is posted to the axial view and the application's events are processed (timers,
   the 3D pane's work) until the view has painted the new slice; then the next.  Part 1's
   synchronous repaints never run the event loop, so they never see what the 3D pane
   queues.  Cases: no 3D pane (the reference; in four-up, and in layout "axial" where the
   axial view is larger), the 3D pane built and shown (four-up), and built but hidden
   (layout "axial").  The 3D renders are counted (the renderer's EndEvent) at the moving
   and the full level of detail, during the scroll and in the second after it.  Two
   windows on the volume (one never builds its 3D pane), shown one at a time; three rounds
   with the cases interleaved (the load moves between rounds), the median printed.
   ``--only event-loop`` runs this part alone on a phantom made in memory (no DICOM series
   written).
3. Start to first paint: a fresh interpreter (started by this script; the clock starts
   before it) imports the viewer, shows the window, loads the series on the worker thread
   and paints the slices, then builds the 3D pane, as ``ctvis view`` does; the child
   reports each phase.  Peak memory is the child's VmHWM, 1.5 s after the 3D pane is built.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
stamps = {"python": time.time()}
from PyQt5.QtCore import QEvent, QObject, QTimer
from PyQt5.QtWidgets import QApplication
from ctvis.gui.main_window import MainWindow
stamps["imports"] = time.time()

def rss_kb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])

app = QApplication(sys.argv[:1])
window = MainWindow(defer_3d=True)       # as ctvis view: slices first, then the 3D pane
window.fit_to_screen()
window.show()
stamps["window shown"] = time.time()
mem = {"before load": rss_kb("VmRSS:")}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint and window.volume is not None and "painted" not in stamps:
            QTimer.singleShot(0, self.painted)          # after this paint has finished
        return False
    def painted(self):
        if "painted" in stamps:
            return
        stamps["painted"] = time.time()
        mem["peak at first paint"] = rss_kb("VmHWM:")
        window.ensure_3d()
        stamps["3D pane built"] = time.time()
        QTimer.singleShot(1500, app.quit)               # the 3D pane and docks settle

first_paint = FirstPaint()
window.views["axial"].installEventFilter(first_paint)
window.volume_opened.connect(lambda v: stamps.setdefault("loaded", time.time()))
window.open_failed.connect(lambda m: (print(m, file=sys.stderr), app.exit(1)))
window.open_path(sys.argv[1])
code = app.exec_()
mem["peak"] = rss_kb("VmHWM:")
mem["after"] = rss_kb("VmRSS:")
window.close()
print(json.dumps({"stamps": stamps, "mem_kb": mem,
                  "volume_bytes": int(window.volume.array.nbytes)}))
sys.exit(code)
"""


def make_series(slices: int, folder: Path):
    from ctvis.core.io import write_dicom_series
    from ctvis.core.phantom import make_phantom

    phantom = make_phantom(shape=(slices, 512, 512), spacing=(1.25, 0.7, 0.7))
    write_dicom_series(phantom.volume, folder, description="ctvis viewer benchmark")
    return phantom


def start_to_paint(folder: Path) -> dict:
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True,
                          text=True, env={**os.environ, "QT_QPA_PLATFORM": "xcb"})
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["start"] = start
    return out


_APP = None


def qt_app():
    """The process's one QApplication, kept for the whole run: a QApplication made inside a
    function went with it, and ctvis's worker pool (``task_pool()``, made once a process)
    was deleted with it, so the event-loop part failed on a deleted QThreadPool."""
    global _APP
    from PyQt5.QtWidgets import QApplication

    if _APP is None:
        _APP = QApplication.instance() or QApplication(sys.argv[:1])
    return _APP


def updates_per_second(view, n: int, step) -> float:
    from PyQt5.QtWidgets import QApplication

    QApplication.processEvents()
    t = time.perf_counter()
    for i in range(n):
        step(i)
        view.repaint()                      # synchronous: the picture is made and drawn
    return n / (time.perf_counter() - t)


def settle(seconds: float = 0.5, limit: float = 60.0) -> None:
    """Process events until the GUI thread has been idle for ``seconds`` and no worker of
    the pool is busy (the 3D pane builds surfaces of new overlays in the background), so
    a measurement sees the slice view alone."""
    from ctvis.gui.worker import task_pool
    from PyQt5.QtWidgets import QApplication

    end, quiet_since = time.perf_counter() + limit, time.perf_counter()
    while time.perf_counter() < end:
        t = time.perf_counter()
        QApplication.processEvents()
        time.sleep(0.02)
        if time.perf_counter() - t > 0.05 or task_pool().activeThreadCount():
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since > seconds:
            return


def slice_updates(phantom_volume, lungs, n: int) -> dict:
    from PyQt5.QtCore import QPoint, QPointF, Qt
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication

    from ctvis.model.state import LUNGS, Bone
    from ctvis.gui.main_window import MainWindow

    qt_app()
    window = MainWindow(phantom_volume)
    window.resize(1600, 1000)
    window.show()
    settle()
    view = window.views["axial"]
    centre = QPointF(view.width() / 2, view.height() / 2)
    count = view.count
    direction = {"sign": 1}

    def wheel(_i):
        if view.index in (0, count - 1):
            direction["sign"] *= -1
        event = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                            QPoint(0, 120 * direction["sign"]), Qt.NoButton, Qt.NoModifier,
                            Qt.NoScrollPhase, False)
        QApplication.sendEvent(view, event)

    out = {"view px": f"{view.width()}×{view.height()}"}
    out["axial scroll"] = updates_per_second(view, n, wheel)
    window.state.set_overlay(LUNGS, labels=lungs, visible=True)
    settle()
    out["+ lung overlay"] = updates_per_second(view, n, wheel)
    window.state.bone = Bone(hu=300, visible=True)
    settle()
    out["+ bone overlay"] = updates_per_second(view, n, wheel)
    vol = window.volume
    points = [tuple(vol.index_to_patient((k, 200 + k % 100, 180 + k % 150)))
              for k in range(0, count, 2)]
    views = list(window.views.values())
    settle()

    def move(i):
        window.state.crosshair = points[i % len(points)]
        for v in views[1:]:
            v.repaint()
    out["crosshair (3 views)"] = updates_per_second(view, n // 2, move)
    window.close()
    return out


def event_loop_scroll(volume, n: int, rounds: int = 3) -> list[tuple]:
    """Slice updates per second through the event loop, and the 3D renders made, in two
    windows on ``volume`` (one never builds its 3D pane: the reference), shown one at a
    time, each case measured once a round, the cases interleaved (the machine's load moves
    between rounds).  Rows of (case, [updates/s per round], [((moving, full) during the
    scroll, (moving, full) in the second after it) per round] or None)."""
    from PyQt5.QtCore import QEvent, QEventLoop, QObject, QPoint, QPointF, Qt, QTimer
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication

    from ctvis.gui.main_window import MainWindow

    qt_app()

    class Painted(QObject):
        """Ends the step's event loop when the axial view paints a new slice (the loop
        returns once that paint is done)."""
        loop = view = index = None

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint and self.loop is not None \
                    and obj is self.view and obj.index != self.index:
                self.loop.quit()
            return False

    painted = Painted()
    guard = QTimer()
    guard.setSingleShot(True)
    guard.setInterval(10_000)
    direction = {"sign": 1}

    def scroll(window, steps: int) -> float:
        view = window.views["axial"]
        centre = QPointF(view.width() / 2, view.height() / 2)
        settle()
        t = time.perf_counter()
        for _ in range(steps):
            if view.index in (0, view.count - 1):
                direction["sign"] *= -1
            painted.loop, painted.view, painted.index = QEventLoop(), view, view.index
            QApplication.postEvent(view, QWheelEvent(
                centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                QPoint(0, 120 * direction["sign"]), Qt.NoButton, Qt.NoModifier,
                Qt.NoScrollPhase, False))
            guard.timeout.connect(painted.loop.quit)
            guard.start()
            painted.loop.exec_()
            guard.stop()
            guard.timeout.disconnect()
            painted.loop = None
        return steps / (time.perf_counter() - t)

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            QApplication.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.005)

    def make_window(with_3d: bool):
        window = MainWindow(volume, defer_3d=True)
        window.resize(1600, 1000)
        window.show()
        window.views["axial"].installEventFilter(painted)
        settle()
        if with_3d:
            window.ensure_3d()
            scene = window.view3d.scene
            end = time.perf_counter() + 120.0
            while time.perf_counter() < end and (scene.volume_actor is None
                                                 or scene.first_still_pending()
                                                 or scene.volume_actor.interactive):
                spin(0.1)                               # the first full-quality frame
        window.hide()
        return window

    plain, with_3d = make_window(False), make_window(True)
    pane = with_3d.view3d
    renders, seconds, started = [], [], [0.0]
    pane.scene.renderer.AddObserver(
        "StartEvent", lambda *_: started.__setitem__(0, time.perf_counter()))

    def rendered(*_):
        seconds.append(time.perf_counter() - started[0])
        renders.append(pane.scene.volume_actor is not None
                       and pane.scene.volume_actor.interactive)
    pane.scene.renderer.AddObserver("EndEvent", rendered)

    cases = (("no 3D pane, four-up (reference)", plain, "four-up"),
             ("no 3D pane, layout axial (reference)", plain, "axial"),
             ("3D pane shown, four-up", with_3d, "four-up"),
             ("3D pane built, hidden (layout axial)", with_3d, "axial"))
    rates = {case: [] for case, _, _ in cases}
    counts = {case: [] for case, _, _ in cases}
    frame_ms = []
    for _ in range(rounds):
        for case, window, layout in cases:
            window.state.layout = layout
            window.show()
            spin(0.5)
            settle()
            renders.clear()
            seconds.clear()
            rates[case].append(scroll(window, n))
            during = list(renders)
            frame_ms += seconds[:len(during)]
            spin(1.0)
            after = renders[len(during):]
            if window is with_3d:
                counts[case].append(((sum(during), len(during) - sum(during)),
                                     (sum(after), len(after) - sum(after))))
            window.hide()
    view, size = with_3d.views["axial"], pane.plotter.interactor.size()
    with_3d.state.layout = "four-up"
    with_3d.show()
    spin(0.5)
    cost = (f"{1000 * sum(frame_ms) / len(frame_ms):.0f} ms each" if frame_ms else "none")
    print(f"  (four-up: axial view {view.width()} × {view.height()} px, 3D pane "
          f"{size.width()} × {size.height()} px; 3D renders during the scrolls: {cost})",
          flush=True)
    for window in (plain, with_3d):
        window.close()
    return [(case, rates[case], counts[case] or None) for case, _, _ in cases]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=275)
    parser.add_argument("--updates", type=int, default=120)
    parser.add_argument("--only", choices=("event-loop",),
                        help="run only the event-loop scroll on a phantom made in memory")
    args = parser.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SystemExit("needs a display: xvfb-run -a -s '-screen 0 1600x1000x24' "
                         "python benchmarks/bench_viewer.py")
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    print(f"{os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.1f} (1 min) "
          f"{os.getloadavg()[1]:.1f} (5 min)", flush=True)
    if args.only == "event-loop":
        from ctvis.core.phantom import make_phantom

        volume = make_phantom(shape=(args.slices, 512, 512), spacing=(1.25, 0.7, 0.7)).volume
        print_event_loop(volume, args.updates)
        return 0
    with tempfile.TemporaryDirectory(prefix="ctvis-bench-") as tmp:
        folder = Path(tmp) / "series"
        print(f"writing a {args.slices} × 512² phantom series ...", flush=True)
        phantom = make_series(args.slices, folder)

        print("\nstart to first paint (fresh interpreter):")
        r = start_to_paint(folder)
        s, previous = r["stamps"], r["start"]
        for phase in ("python", "imports", "window shown", "loaded", "painted",
                      "3D pane built"):
            print(f"  {phase:<14} {s[phase] - r['start']:6.2f} s  (+{s[phase] - previous:.2f})")
            previous = s[phase]
        mem, vol_mb = r["mem_kb"], r["volume_bytes"] / 2**20
        print(f"  volume (int16): {vol_mb:.0f} MiB")
        print(f"  RSS before the load {mem['before load'] / 1024:.0f} MiB")
        for key in ("peak at first paint", "peak"):
            label = "peak with the 3D pane" if key == "peak" else key
            print(f"  {label}: {mem[key] / 1024:.0f} MiB = {mem[key] / 1024 / vol_mb:.2f}× "
                  f"the volume (growth from the load "
                  f"{(mem[key] - mem['before load']) / 1024 / vol_mb:.2f}×)")

        print("\nslice updates per second (real widget, synchronous repaints):")
        from ctvis.core.io import load

        volume = load(folder)
        for name, value in slice_updates(volume, phantom.lungs, args.updates).items():
            print(f"  {name:<20} {value if isinstance(value, str) else f'{value:.0f}/s'}")
        print_event_loop(volume, args.updates)
    return 0


def print_event_loop(volume, n: int) -> None:
    print(f"\naxial scroll through the event loop ({n} wheel steps, each until painted; "
          f"3 rounds, cases interleaved):")
    rows = event_loop_scroll(volume, n)
    print(f"  {'':<40} {'slices/s: median (rounds)':<28} 3D renders per scroll, each round: "
          f"moving + full during the scroll / in the second after it")
    for case, rates, counts in rows:
        rate = f"{sorted(rates)[len(rates) // 2]:>4.0f} ({', '.join(f'{r:.0f}' for r in rates)})"
        renders = "" if counts is None else "  ".join(
            f"{d[0]}+{d[1]} / {a[0]}+{a[1]}" for d, a in counts)
        print(f"  {case:<40} {rate:<28} {renders}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
