"""The viewer's speed: slice updates per second in the real widget, start to first paint,
and peak memory against the int16 volume (issue 8: ≥ 30 updates/s on a 512² slice; ≤ 3 s
from the command to a painted window with a 275 × 512² series; peak ≤ 3× the volume).

    python benchmarks/bench_viewer.py [--slices 275] [--updates 120]

Needs a display: run it under ``xvfb-run -a -s "-screen 0 1600x1000x24"`` on a machine
without one.  It writes a 512² phantom DICOM series into a temporary folder (removed after).

1. Slice updates: the phantom is loaded, the window shown at 1600 × 1000, and the axial view
   scrolled with wheel events, each followed by a synchronous repaint (the slice picture
   made by render.slices, the QImage, the annotations): updates per second, without and with
   the lung overlay and the bone overlay; then crosshair moves that redraw all three views.
   Before each measurement the window settles (the 3D pane finishes its own work).
2. Start to first paint: a fresh interpreter (started by this script; the clock starts
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
    from PyQt5.QtCore import QThreadPool
    from PyQt5.QtWidgets import QApplication

    end, quiet_since = time.perf_counter() + limit, time.perf_counter()
    while time.perf_counter() < end:
        t = time.perf_counter()
        QApplication.processEvents()
        time.sleep(0.02)
        if time.perf_counter() - t > 0.05 or QThreadPool.globalInstance().activeThreadCount():
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since > seconds:
            return


def slice_updates(phantom_volume, lungs, n: int) -> dict:
    from PyQt5.QtCore import QPoint, QPointF, Qt
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication

    from ctvis.app.state import LUNGS, Bone
    from ctvis.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 (kept alive)
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=275)
    parser.add_argument("--updates", type=int, default=120)
    args = parser.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SystemExit("needs a display: xvfb-run -a -s '-screen 0 1600x1000x24' "
                         "python benchmarks/bench_viewer.py")
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
