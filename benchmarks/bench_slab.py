"""Scrolling a thick slab: axial slice updates per second through the event loop with a
20 mm MIP (issue 24, item 5: ≥ 30 updates/s on a 275 × 512² series in the four-up layout
with the 3D pane built), beside the single slice in the same run.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benchmarks/bench_slab.py [--slices 275]
        [--updates 60] [--rounds 2] [--mm 20]

A phantom of ``--slices`` × 512² at 1.25 × 0.7 × 0.7 mm is made in memory; one window shows
it in four-up at 1600 × 1000 with the 3D pane built and its first full frame drawn.  Each
wheel event is posted to the axial view and the application's events are processed (the 3D
pane's timers and renders included) until the view has painted the new slice, as
bench_viewer's event-loop part does; single slice and slab alternate (their order too), ``--rounds`` times,
the median printed.  Also the time of the projection alone (core.image.slab).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from bench_viewer import qt_app, settle


def slab_ms(volume, mm: float) -> dict:
    """Milliseconds of one slab projection per mode (the mean of 20), axial and coronal."""
    from ctvis.core.image.slab import SLAB_MODES, slab
    from ctvis.core.image.slicing import slice_axes

    out = {}
    for view in ("axial", "coronal"):
        axes = slice_axes(volume.direction, view)
        centre = volume.shape[axes.normal] // 2
        for mode in SLAB_MODES:
            t = time.perf_counter()
            for i in range(20):
                slab(volume.array, axes, centre + i % 5, mm, volume.spacing[axes.normal], mode)
            out[f"{view} {mode}"] = 1000 * (time.perf_counter() - t) / 20
    return out


def scroll_rates(volume, n: int, rounds: int, mm: float) -> dict:
    from PyQt5.QtCore import QEvent, QEventLoop, QObject, QPoint, QPointF, Qt, QTimer
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication

    from ctvis.gui.main_window import MainWindow

    qt_app()

    class Painted(QObject):
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

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            QApplication.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.005)

    window = MainWindow(volume, defer_3d=True)
    window.resize(1600, 1000)
    window.show()
    view = window.views["axial"]
    view.installEventFilter(painted)
    settle()
    window.ensure_3d()
    scene = window.view3d.scene
    end = time.perf_counter() + 120.0
    while time.perf_counter() < end and (scene.volume_actor is None
                                         or scene.first_still_pending()
                                         or scene.volume_actor.interactive):
        spin(0.1)                                   # the 3D pane's first full-quality frame

    def scroll(steps: int) -> float:
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

    cases = {"single slice": 0.0, f"{mm:g} mm MIP": mm}
    rates = {case: [] for case in cases}
    for r in range(rounds):
        order = list(cases.items())
        for case, thickness in (order if r % 2 == 0 else order[::-1]):   # no order bias
            window.state.set_view_display("axial", slab_mm=thickness, slab_mode="mip")
            spin(0.3)
            rates[case].append(scroll(n))
    size = window.view3d.plotter.interactor.size()
    print(f"  (four-up: axial view {view.width()} × {view.height()} px, 3D pane "
          f"{size.width()} × {size.height()} px)", flush=True)
    window.close()
    return rates


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=275)
    parser.add_argument("--updates", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mm", type=float, default=20.0)
    args = parser.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SystemExit("needs a display: xvfb-run -a -s '-screen 0 1600x1000x24' "
                         "python benchmarks/bench_slab.py")
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    print(f"{os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.1f} (1 min)",
          flush=True)
    from ctvis.core.phantom import make_phantom

    t = time.perf_counter()
    volume = make_phantom(shape=(args.slices, 512, 512), spacing=(1.25, 0.7, 0.7)).volume
    print(f"phantom {args.slices} × 512² made in {time.perf_counter() - t:.0f} s", flush=True)
    print(f"\nthe {args.mm:g} mm projection alone (ms):")
    for name, ms in slab_ms(volume, args.mm).items():
        print(f"  {name:<16} {ms:6.1f}")
    print(f"\naxial scroll through the event loop ({args.updates} wheel steps each until "
          f"painted; {args.rounds} rounds, cases alternating):")
    for case, rates in scroll_rates(volume, args.updates, args.rounds, args.mm).items():
        median = sorted(rates)[len(rates) // 2]
        print(f"  {case:<16} {median:5.0f} updates/s  ({', '.join(f'{r:.0f}' for r in rates)})",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
