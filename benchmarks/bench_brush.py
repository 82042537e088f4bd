"""Brush strokes through the event loop (issue 21, item 4: >= 30 updates/s on a 512² slice
in the four-up layout with the 3D view shown; the edited segment's 3D surface within 1 s of
the stroke's end).

    python benchmarks/bench_brush.py [--slices 120] [--moves 60] [--rounds 3]

Needs a display: run it under ``xvfb-run -a -s "-screen 0 1600x1000x24"`` without one.

A phantom of ``--slices`` × 512² is made in memory and shown at 1600 × 1000 in four-up with
the 3D pane built and its "lungs" mode on (segment surfaces shown).  Paint is the active tool
on an empty segment.  A stroke is a press, ``--moves`` mouse moves along a circle in the
axial view and a release; each move is posted to the view and the application's events are
processed until the view has painted the label map's new revision (then the next move).
Updates/s = moves / seconds of the stroke.  After the release, the time until the 3D pane
holds the segment's rebuilt surface.  Median over ``--rounds`` strokes (each a new circle).
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=120)
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--radius-mm", type=float, default=5.0)
    args = parser.parse_args(argv)

    from dataclasses import replace

    import numpy as np
    from PyQt5.QtCore import QEvent, QEventLoop, QObject, QPointF, Qt, QTimer
    from PyQt5.QtGui import QMouseEvent
    from PyQt5.QtWidgets import QApplication, QMessageBox

    from ctvis.core.phantom import make_phantom
    from ctvis.gui.main_window import MainWindow
    from ctvis.model.labelmap import LabelMap, Segment

    app = QApplication.instance() or QApplication(sys.argv[:1])
    volume = make_phantom(shape=(args.slices, 512, 512)).volume
    window = MainWindow(volume)
    window.resize(1600, 1000)
    window.show()
    state = window.state
    state.view3d = replace(state.view3d, modes=state.view3d.modes | {"lungs"})
    labelmap = LabelMap(np.zeros(volume.shape, np.uint8), (Segment("A", 1, (220, 40, 40)),),
                        "edits")
    state.set_overlay("edits", labels=labelmap, opacity=0.6)
    state.active_segment = ("edits", 1)
    window.editor.set_brush(radius_mm=args.radius_mm)
    window.editor_tools.choose("paint")
    view, scene = window.views["axial"], window.view3d.scene

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.005)

    spin(3.0)                                   # the window and the 3D pane's first frames

    class Painted(QObject):
        """Ends a move's event loop once the axial view paints a newer label revision."""
        loop, revision = None, None

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint and obj is view and self.loop is not None \
                    and labelmap.revision != self.revision:
                self.loop.quit()
            return False

    painted = Painted()
    view.installEventFilter(painted)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.setInterval(10_000)

    def post(kind, pos, button, buttons):
        app.postEvent(view, QMouseEvent(kind, pos, QPointF(view.mapToGlobal(pos.toPoint())),
                                        button, buttons, Qt.NoModifier))

    def step(kind, pos, button, buttons) -> None:
        painted.loop, painted.revision = QEventLoop(), labelmap.revision
        post(kind, pos, button, buttons)
        guard.timeout.connect(painted.loop.quit)
        guard.start()
        painted.loop.exec_()
        guard.stop()
        guard.timeout.disconnect()
        painted.loop = None

    rates, surfaces = [], []
    for n in range(args.rounds):
        centre = QPointF(view.width() / 2, view.height() / 2)
        r = min(view.width(), view.height()) * (0.15 + 0.08 * n)
        points = [centre + QPointF(r * math.cos(a), r * math.sin(a))
                  for a in np.linspace(0, 2 * math.pi, args.moves + 1)]
        spin(1.0)
        before = scene.lung_actors.get(("edits", 1))
        t = time.perf_counter()
        step(QEvent.MouseButtonPress, points[0], Qt.LeftButton, Qt.LeftButton)
        for p in points[1:]:
            step(QEvent.MouseMove, p, Qt.NoButton, Qt.LeftButton)
        rates.append(args.moves / (time.perf_counter() - t))
        post(QEvent.MouseButtonRelease, points[-1], Qt.LeftButton, Qt.NoButton)
        t = time.perf_counter()
        while scene.lung_actors.get(("edits", 1)) is before and time.perf_counter() - t < 20:
            app.processEvents(QEventLoop.AllEvents, 5)
        surfaces.append(time.perf_counter() - t)
    print(f"brush strokes on a {args.slices} x 512 x 512 phantom, four-up, 3D pane shown "
          f"(lungs mode), brush {args.radius_mm:g} mm, {args.moves} moves a stroke, "
          f"{args.rounds} strokes")
    print(f"  updates/s per stroke: {', '.join(f'{r:.1f}' for r in rates)}; "
          f"median {statistics.median(rates):.1f} (goal >= 30)")
    print(f"  3D surface rebuilt after the release: "
          f"{', '.join(f'{s:.2f}' for s in surfaces)} s; median "
          f"{statistics.median(surfaces):.2f} s (goal <= 1 s)")
    print(f"  undo steps: {window.editor.history.use.undo_steps}, history "
          f"{window.editor.history.nbytes / 2 ** 20:.2f} MiB")
    # The strokes are not to be saved: a "save your edits?" question would wait forever.
    QMessageBox.question = staticmethod(lambda *_args, **_kw: QMessageBox.Discard)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
