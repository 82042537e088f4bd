"""The 3D view on the CPU: frames per second while rotating (coarse level) beside the
full-quality render of the same mapper in the same run, for the fixed-point and the GPU ray
caster; time to the first 3D frame after loading; live surfaces; memory.

    .venv/bin/python benchmarks/bench_3d.py [--shape 300 512 512] [--frames 12] [--rounds 2]

The chest is the generated phantom (default 300 × 512 × 512 at 1.0 × 0.68 × 0.68 mm) drawn
off screen at 800 × 600 (EGL when there is no X display) with the CT-Chest-Contrast-Enhanced
preset, as :class:`ctvis.render.scene.Scene` draws it in the window.  "Rotating" turns the
camera 3° about the vertical per frame; the coarse (moving) and full (still) levels alternate
in ``--rounds`` rounds so machine noise hits both.  Times are wall-clock, with the process's
CPU time beside them: on a shared machine the wall clock measures the neighbours too.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

import numpy as np  # noqa: E402

from ctvis.model.state import View3D, ViewerState  # noqa: E402
from ctvis.core.phantom import make_phantom  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def frames(plotter, scene, interactive: bool, n: int) -> list[float]:
    scene.set_interactive(interactive)
    cam = plotter.renderer.GetActiveCamera()
    out = []
    for _ in range(n):
        cam.Azimuth(3.0)
        plotter.renderer.ResetCameraClippingRange()
        c, t = time.process_time(), time.perf_counter()
        plotter.ren_win.Render()
        out.append((time.perf_counter() - t, time.process_time() - c))
    return out


def run_mapper(volume, mapper: str, preset: str, size, n_frames: int, rounds: int,
               still_voxels) -> dict:
    import pyvista as pv

    from ctvis.render.scene import Scene

    state = ViewerState()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    state.volume = volume
    state.view3d = View3D(frozenset({"volume"}), preset)
    plotter = pv.Plotter(off_screen=True, window_size=size)
    scene = Scene(plotter, mapper, still_voxels)
    scene.sync(state)
    scene.set_interactive(True)                     # the window shows the coarse level first
    plotter.ren_win.Render()
    first = time.perf_counter() - t0
    t, c = time.perf_counter(), time.process_time()
    scene.set_interactive(False)
    plotter.ren_win.Render()
    first_full = time.perf_counter() - t0
    first_full_render = time.perf_counter() - t
    first_full_cpu = time.process_time() - c
    rss1 = rss_mb()
    moving, still = [], []
    for _ in range(rounds):
        moving += frames(plotter, scene, True, n_frames)
        still += frames(plotter, scene, False, max(2, n_frames // 4))
    moving, still = np.array(moving), np.array(still)
    isd = scene.volume_actor.props["moving"].GetMapper()
    isd = isd.GetImageSampleDistance() if hasattr(isd, "GetImageSampleDistance") else None
    out = {"mapper": mapper, "step": scene.volume_actor.step, "moving_isd": isd,
           "still_steps": scene.volume_actor.still_steps,
           "coarsened": list(scene.volume_actor.coarsened),
           "shares_buffer": scene.volume_actor.shares_buffer,
           "first_coarse_s": first, "first_full_s": first_full,
           "first_full_render_s": first_full_render, "first_full_cpu_s": first_full_cpu,
           "moving_fps": 1.0 / float(np.median(moving[:, 0])),
           "moving_fps_p10": 1.0 / float(np.percentile(moving[:, 0], 90)),
           "moving_cpu_ms": 1000 * float(np.median(moving[:, 1])),
           "still_s": float(np.median(still[:, 0])), "still_cpu_s": float(np.median(still[:, 1])),
           "rss_growth_mb": rss1 - rss0}
    scene.close()
    plotter.close()
    return out


def surfaces(volume, lungs) -> dict:
    from ctvis.mesh.live_surfaces import bone_surface, label_surface

    out = {}
    for hu in (300.0, 600.0):
        t = time.perf_counter()
        mesh = bone_surface(volume, hu)
        out[f"bone {hu:g} HU"] = (time.perf_counter() - t, mesh.n_cells)
    for value, name in ((1, "right lung"), (2, "left lung")):
        t = time.perf_counter()
        mesh = label_surface(volume, lungs, value)
        out[name] = (time.perf_counter() - t, mesh.n_cells)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=3, default=(300, 512, 512))
    ap.add_argument("--frames", type=int, default=12, help="coarse frames per round")
    ap.add_argument("--gpu-frames", type=int, default=3, help="the same for the GPU mapper")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--preset", default="CT-Chest-Contrast-Enhanced")
    ap.add_argument("--size", type=int, nargs=2, default=(800, 600))
    ap.add_argument("--mappers", nargs="+", default=["fixed-point", "gpu"])
    ap.add_argument("--full-grid", action="store_true",
                    help="also the fixed-point mapper with the still level on the full grid")
    args = ap.parse_args(argv)

    import vtk

    print(f"python {platform.python_version()}, vtk {vtk.vtkVersion.GetVTKVersion()}, "
          f"{os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.1f}, "
          f"window {os.environ.get('VTK_DEFAULT_OPENGL_WINDOW', 'X')}")
    t = time.perf_counter()
    phantom = make_phantom(shape=tuple(args.shape))
    volume = phantom.volume
    print(f"phantom {volume.shape} at {tuple(round(s, 3) for s in volume.spacing)} mm "
          f"({volume.array.nbytes / 2**20:.0f} MiB int16) made in {time.perf_counter() - t:.1f} s")

    from ctvis.render.volume_actor import STILL_VOXELS

    runs = [(m, STILL_VOXELS) for m in args.mappers]
    if args.full_grid:
        runs.insert(1, ("fixed-point", None))
    for mapper, still_voxels in runs:
        n = args.frames if mapper == "fixed-point" else args.gpu_frames
        r = run_mapper(volume, mapper, args.preset, tuple(args.size), n, args.rounds,
                       still_voxels)
        print(f"\n{mapper} ray caster, {args.size[0]} × {args.size[1]}, {args.preset}, "
              f"still level subsampled by {r['still_steps']} (z, y, x)")
        isd = "" if r["moving_isd"] is None else f", {r['moving_isd']:.1f} px per ray at the end"
        print(f"  rotating (coarse level, step {r['step']}{isd}): {r['moving_fps']:.1f} fps "
              f"median, {r['moving_fps_p10']:.1f} fps at the slowest 10 %; "
              f"{r['moving_cpu_ms']:.0f} ms CPU a frame")
        print(f"  full-quality frame (same run):    {r['still_s']:.2f} s "
              f"({1 / r['still_s']:.1f} fps), {r['still_cpu_s']:.2f} s CPU")
        print(f"  first frame after loading: {r['first_coarse_s']:.2f} s coarse, "
              f"{r['first_full_s']:.2f} s to the first full-quality frame "
              f"(its render {r['first_full_render_s']:.2f} s, "
              f"{r['first_full_cpu_s']:.2f} s CPU)")
        print(f"  volume buffer shared with VTK: {r['shares_buffer']}; "
              f"process memory +{r['rss_growth_mb']:.0f} MiB after the first full frame")

    print("\nlive surfaces (preview grid):")
    for name, (seconds, cells) in surfaces(volume, phantom.lungs).items():
        print(f"  {name:12s} {seconds:.2f} s  {cells} triangles")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
