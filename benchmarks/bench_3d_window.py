"""The 3D pane inside the main window, turned by the mouse: frames per second while rotating
and the time until the full-quality frame is on screen after the mouse stops.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -u benchmarks/bench_3d_window.py \\
        [--shape 300 512 512] [--size 800 600] [--drags 5] [--seconds 3]

``benchmarks/bench_3d.py`` times the scene off screen; this drives the real ``View3DWidget``
(VTK's own Qt widget, a native window VTK draws into) in ``MainWindow`` with the "3d"
layout, the interactor resized to exactly ``--size``.  A drag is a left-button press in the
pane and mouse moves sent to the interactor from a 125 Hz timer (a mouse's report rate)
along a horizontal line at 250 pixels a second, right for half the drag and back left (the
camera turns about ±90° from the anterior view, where every drag starts); the event loop
runs between moves, so moves that arrive while a frame renders are dropped, as Qt's xcb
plugin drops queued motion events.  Counted per drag: frames shown (the render window's
``EndEvent``: VTK has swapped the frame into the pane's window), VTK renders (the renderer's EndEvent), mouse moves handled; after the
release, the time until the first full-quality frame has been shown.  The first drag warms
up (its full-quality frame pays the ray caster's one-time gradient pass) and is not counted.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

TIMER_MS = 8                       # 125 Hz, a mouse's report rate
PIXELS_PER_SECOND = 250.0


def cpu_s() -> float:
    return time.process_time()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=3, default=(300, 512, 512))
    ap.add_argument("--size", type=int, nargs=2, default=(800, 600))
    ap.add_argument("--drags", type=int, default=5, help="counted drags (after one warm-up)")
    ap.add_argument("--seconds", type=float, default=3.0, help="length of a drag")
    ap.add_argument("--preset", default="CT-Chest-Contrast-Enhanced")
    ap.add_argument("--shots", metavar="FOLDER",
                    help="save the pane as shown mid-drag and at full quality (PNG)")
    args = ap.parse_args(argv)

    from PyQt5.QtCore import QEvent, QEventLoop, QPoint, QPointF, Qt, QTimer
    from PyQt5.QtGui import QMouseEvent
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["bench_3d_window"])
    import vtk

    from ctvis.model.state import View3D
    from ctvis.core.phantom import make_phantom
    from ctvis.gui.main_window import MainWindow
    from ctvis.gui.screenshot import last_frame

    print(f"python {platform.python_version()}, vtk {vtk.vtkVersion.GetVTKVersion()}, "
          f"{os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.1f} "
          f"(1 min) {os.getloadavg()[1]:.1f} (5 min), Qt platform {app.platformName()}")
    t = time.perf_counter()
    phantom = make_phantom(shape=tuple(args.shape))
    volume = phantom.volume
    print(f"phantom {volume.shape} at {tuple(round(s, 3) for s in volume.spacing)} mm "
          f"made in {time.perf_counter() - t:.1f} s")

    def spin(seconds: float, until=None) -> bool:
        """Run the application's event loop for ``seconds`` or until ``until()``."""
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        poll = QTimer()
        if until is not None:
            poll.timeout.connect(lambda: until() and loop.quit())
            poll.start(5)
        loop.exec_()
        poll.stop()
        return until is None or bool(until())

    window = MainWindow()
    window.state.layout = "3d"
    window.state.view3d = View3D(frozenset({"volume"}), args.preset)
    # The docks in one tabbed group (as a user can drag them), or their stacked minimum
    # heights keep the window, and so the 3D pane, taller than 600 pixels.
    for key in ("lungs", "bone", "histogram", "dicom"):
        window.tabifyDockWidget(window.docks["window"], window.docks[key])
    window.resize(1200, 800)
    window.show()
    spin(1.0)
    pane = window.view3d
    widget = pane.plotter.interactor
    want_w, want_h = args.size
    for _ in range(5):                                   # the interactor at exactly --size
        dw, dh = want_w - widget.width(), want_h - widget.height()
        if dw == 0 and dh == 0:
            break
        window.resize(window.width() + dw, window.height() + dh)
        spin(0.3)
    size = (widget.width(), widget.height())
    print(f"3D interactor {size[0]} × {size[1]} (asked {want_w} × {want_h}), "
          f"render window {tuple(pane.plotter.ren_win.GetSize())}, {args.preset}")

    shown, renders = [], []                             # (time, still level?) per event
    render_start = [0.0]
    pane.plotter.ren_win.AddObserver(
        "EndEvent", lambda *_: shown.append((time.perf_counter(),
                                              not pane.scene.volume_actor.interactive)))
    pane.scene.renderer.AddObserver(
        "StartEvent", lambda *_: render_start.__setitem__(0, time.perf_counter()))
    pane.scene.renderer.AddObserver(
        "EndEvent", lambda *_: renders.append(
            (time.perf_counter(),
             pane.scene.volume_actor is not None and not pane.scene.volume_actor.interactive,
             time.perf_counter() - render_start[0])))

    t0, c0 = time.perf_counter(), cpu_s()
    window.set_volume(volume)
    spin(60.0, until=lambda: any(still for _, still in shown))
    first_coarse = next((t for t, still in shown if not still), float("nan")) - t0
    first_full = next(t for t, still in shown if still) - t0
    print(f"first frame shown {first_coarse:.2f} s after the volume, first full-quality "
          f"frame {first_full:.2f} s ({cpu_s() - c0:.1f} s CPU)")
    spin(1.0)

    def mouse(kind, pos, buttons):
        QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), Qt.LeftButton, buttons,
                                                   Qt.NoModifier))

    def grab(name: str) -> None:
        if args.shots:
            os.makedirs(args.shots, exist_ok=True)
            last_frame(pane).save(os.path.join(args.shots, name))     # read, not rendered

    def drag(seconds: float, shots: bool = False) -> dict:
        pane.standard_view("anterior")                   # every drag from the same view
        spin(10.0, until=lambda: not pane._pending and not pane._sync_timer.isActive())
        spin(1.0)
        start = QPoint(size[0] // 2 - int(PIXELS_PER_SECOND * seconds / 4), size[1] // 2)
        moves = []
        shown.clear()
        renders.clear()
        mouse(QEvent.MouseMove, start, Qt.NoButton)
        t_press, c_press = time.perf_counter(), cpu_s()
        mouse(QEvent.MouseButtonPress, start, Qt.LeftButton)
        last = [start]

        def tick():                                      # right, then back left
            t = time.perf_counter() - t_press
            dx = int(PIXELS_PER_SECOND * min(t, seconds - t))
            pos = start + QPoint(dx, 0)
            if pos != last[0]:
                last[0] = pos
                moves.append(time.perf_counter())
                mouse(QEvent.MouseMove, pos, Qt.LeftButton)

        timer = QTimer()
        timer.setInterval(TIMER_MS)
        timer.timeout.connect(tick)
        timer.start()
        if shots:
            spin(seconds / 2)
            grab("moving.png")
            spin(seconds / 2)
        else:
            spin(seconds)
        timer.stop()
        t_release, c_release = time.perf_counter(), cpu_s()
        mouse(QEvent.MouseButtonRelease, last[0], Qt.NoButton)
        n_shown = sum(1 for t, still in shown if not still and t_press <= t <= t_release)
        moving = [d for t, still, d in renders if not still and t_press <= t <= t_release]
        n_renders = len(moving)
        spin(30.0, until=lambda: any(still and t > t_release for t, still in shown))
        full = next((t for t, still in shown if still and t > t_release), float("nan"))
        full_renders = [d for t, still, d in renders if still and t_release < t <= full]
        if shots:
            grab("still.png")
        spin(3.0)                                        # whatever follows the still frame
        later = sum(1 for t, *_ in renders if t > full)
        gaps = np.diff([t for t, still in shown if not still and t_press <= t <= t_release])
        return {"fps": n_shown / (t_release - t_press), "renders": n_renders,
                "shown": n_shown, "moves": len(moves),
                "cpu_per_frame_ms": 1000 * (c_release - c_press) / max(n_shown, 1),
                "slowest_gap_ms": 1000 * float(gaps.max()) if gaps.size else float("nan"),
                "render_ms": 1000 * float(np.median(moving)) if moving else float("nan"),
                "full_after_s": full - t_release, "full_renders": len(full_renders),
                "full_render_s": full_renders[-1] if full_renders else float("nan"),
                "renders_after_full": later,
                "isd": pane.scene.volume_actor.props["moving"].GetMapper()
                .GetImageSampleDistance()}

    warm = drag(1.0)
    print(f"warm-up drag: {warm['fps']:.1f} fps, full quality {warm['full_after_s']:.2f} s "
          f"after the release")
    results = []
    for n in range(args.drags):
        r = drag(args.seconds, shots=n == 0)
        results.append(r)
        print(f"drag {n + 1}: {r['fps']:.1f} fps shown ({r['shown']} frames, {r['renders']} "
              f"renders of {r['render_ms']:.0f} ms median, {r['moves']} moves, slowest gap "
              f"{r['slowest_gap_ms']:.0f} ms, {r['cpu_per_frame_ms']:.0f} ms CPU a frame, "
              f"{r['isd']:.1f} px per ray at the end); full quality shown "
              f"{r['full_after_s']:.2f} s after the release ({r['full_renders']} full render(s) "
              f"until then, the last {r['full_render_s']:.2f} s; {r['renders_after_full']} "
              f"render(s) after); load {os.getloadavg()[0]:.1f}")
    fps = np.array([r["fps"] for r in results])
    render_ms = np.median([r["render_ms"] for r in results])
    full = np.array([r["full_after_s"] for r in results])
    print(f"\nrotating in the window: {np.median(fps):.1f} fps median "
          f"({fps.min():.1f}-{fps.max():.1f}) over {len(results)} drags of {args.seconds:g} s; "
          f"full-quality frame shown {np.median(full):.2f} s median "
          f"({full.min():.2f}-{full.max():.2f}) after the mouse stops "
          f"(includes the {pane._still_timer.interval()} ms wait); a coarse render "
          f"{render_ms:.0f} ms median inside VTK")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (1 min) "
          f"{os.getloadavg()[1]:.1f} (5 min)")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
