"""Memory that comes back (issue 25, item 2): the same phantom series opened ten times in one
window, each time segmented and reported, the resident memory printed after each cycle.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benchmarks/bench_memory_cycles.py \
        [--slices 275] [--size 512] [--cycles 10] [--no-trim] [--alive]

Goal: the tenth cycle's resident memory within 10 % of the first's.  Each cycle runs as a user
would, through the event loop: File ▸ Open (the window's ``open_path``, loaded on a worker),
Tools ▸ Segment lungs (the Lungs dock's worker), File ▸ Export report (HTML + PDF, on a
worker); then ``gc.collect()`` and RSS (VmRSS) is read.  ``--alive`` also counts, after
each cycle, how many Volumes and ViewerStates of earlier cycles are still alive (weak
references): what a leak keeps.  The window gives freed heap back to the system after its
workers' tasks and after a volume is replaced (``ctvis.core.heap``, ``ctvis.gui.memory``);
``--no-trim`` turns that off to see what glibc alone gives back.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import weakref
from dataclasses import replace
from pathlib import Path


def rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def wait_until(app, done, limit: float, what: str) -> None:
    from PyQt5.QtCore import QEventLoop

    t = time.perf_counter()
    while not done():
        app.processEvents(QEventLoop.AllEvents, 50)
        time.sleep(0.005)
        if time.perf_counter() - t > limit:
            raise SystemExit(f"bench_memory_cycles: {what} did not end in {limit:.0f} s")


def settle(app, seconds: float = 0.3) -> None:
    from PyQt5.QtCore import QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.AllEvents, 20)
        time.sleep(0.005)


def report(app, window, html: Path) -> None:
    """File ▸ Export report to ``html`` (and the PDF beside it), waited for."""
    from ctvis.gui import report_dialog

    written = []
    task = report_dialog.export_report_dialog(window, html)
    task.signals.finished.connect(written.append)
    task.signals.failed.connect(lambda m: (print(m, file=sys.stderr), written.append(m)))
    del task
    wait_until(app, lambda: written, 900, "the report")


def export_mesh(app, window, path: Path) -> None:
    from ctvis.gui import file_dialogs

    lungs = window.panels["lungs"]
    asked = file_dialogs.save_file_name
    file_dialogs.save_file_name = lambda *a, **k: (str(path), "")
    try:
        lungs.export_mesh()
    finally:
        file_dialogs.save_file_name = asked
    wait_until(app, lambda: lungs.export_task is None, 600, "the mesh export")
    if not path.exists():
        raise SystemExit(f"bench_memory_cycles: the mesh export wrote no {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, default=275)
    parser.add_argument("--size", type=int, default=512, help="rows and columns")
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--steps", default="open,segment,report",
                        help="which steps each cycle runs, comma-separated, from open, "
                             "segment, export (lung mesh), surfaces (lungs and bone in 3D, "
                             "clipped), report; to find which one keeps memory")
    parser.add_argument("--no-trim", action="store_true",
                        help="leave glibc's malloc as it is (no 1 MiB mapping threshold, no "
                             "malloc_trim): what it gives back alone")
    parser.add_argument("--alive", action="store_true",
                        help="count the earlier cycles' Volumes and ViewerStates still alive")
    args = parser.parse_args(argv)
    steps = set(args.steps.split(","))
    if args.no_trim:
        os.environ["CTVIS_NO_HEAP_TRIM"] = "1"

    from PyQt5.QtWidgets import QApplication

    from ctvis.core.io import write_dicom_series
    from ctvis.core.phantom import make_phantom

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from ctvis.gui.main_window import MainWindow
    from ctvis.model.state import LUNGS, ViewerState

    with tempfile.TemporaryDirectory(prefix="ctvis-memory-") as tmp:
        folder = Path(tmp) / "series"
        shape = (args.slices, args.size, args.size)
        print(f"writing a {args.slices} × {args.size}² phantom series ...", flush=True)
        phantom = make_phantom(shape=shape, spacing=(1.25, 0.7 * 512 / args.size,
                                                     0.7 * 512 / args.size))
        write_dicom_series(phantom.volume, folder, description="ctvis memory benchmark")
        del phantom
        gc.collect()

        window = MainWindow()
        window.quiet_errors = True
        window.fit_to_screen()
        window.show()
        settle(app, 0.5)
        print(f"window shown, no volume: {rss_mib():.0f} MiB", flush=True)
        volumes, states = [], []
        if args.alive:                       # every ViewerState made from now on
            made = ViewerState.__init__

            def tracked(self, *a, **k):
                made(self, *a, **k)
                states.append(weakref.ref(self))
            ViewerState.__init__ = tracked
        rows = []
        for cycle in range(1, args.cycles + 1):
            t = time.perf_counter()
            opened = []
            window.volume_opened.connect(opened.append)
            window.open_path(str(folder))
            wait_until(app, lambda: opened, 300, "opening")
            window.volume_opened.disconnect(opened.append)
            volume = opened.pop()
            if args.alive:
                volumes.append(weakref.ref(volume))
            del volume
            settle(app)
            if "segment" in steps:
                lungs = window.panels["lungs"]
                lungs.run()
                wait_until(app, lambda: lungs.task is None and LUNGS in window.state.overlays,
                           600, "segmenting")
                settle(app)
            if "export" in steps:                # File ▸ Export lung mesh, a name given
                export_mesh(app, window, Path(tmp) / f"lungs-{cycle}.stl")
            if "surfaces" in steps:              # lung and bone surfaces in 3D, cut in half
                view3d = window.state.view3d
                window.state.view3d = replace(view3d, modes=view3d.modes | {"lungs", "bone"},
                                              clip="axial")
                settle(app, 3.0)
                window.state.view3d = view3d
            if "report" in steps:
                report(app, window, Path(tmp) / f"report-{cycle}.html")
            settle(app, 0.5)
            gc.collect()
            rss = rss_mib()
            seconds = time.perf_counter() - t
            line = f"cycle {cycle:2d}: {rss:7.0f} MiB  ({seconds:.0f} s)"
            if args.alive:
                gc.collect()
                old_volumes = sum(r() is not None for r in volumes[:-1])
                live_states = sum(r() is not None for r in states)
                line += f"  earlier volumes alive {old_volumes}, viewer states alive {live_states}"
            print(line, flush=True)
            rows.append(rss)
        if len(rows) >= 2:
            print(f"cycle {len(rows)} / cycle 1: {rows[-1] / rows[0]:.3f} "
                  f"(goal: the tenth ≤ 1.10 × the first)")
        window.saved_mark = type(window.saved_mark)(window.state)   # close without asking
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
