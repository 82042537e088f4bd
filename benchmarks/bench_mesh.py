"""Lung surface meshes of a 275-slice 512² chest: the full pipeline, flying edges vs
scikit-image marching cubes, the SMP backend, and the decimation options, side by side.
With ``--bone``: ``ctvis mesh --structure bone --threshold 226`` on a 275 × 512² DICOM series,
its peak memory, time and mesh beside InVesalius's headless export at the same threshold.

    .venv/bin/python benchmarks/bench_mesh.py [--repeat 3] [--quick]
    .venv/bin/python benchmarks/bench_mesh.py --bone [--series DIR] [--before TREE]

The chest is the generated phantom on a 275 × 512 × 512 grid at 1.25 × 0.7 × 0.7 mm (no such
series is in ../shared/data); its true lung labels are meshed.  Times are wall-clock seconds,
best of ``--repeat`` runs after one warm-up run (the cold run is printed too).
``--quick`` skips the decimation comparison (vtkQuadricDecimation alone takes ~20 s).

``--bone`` writes that phantom as a DICOM series into a temporary folder (or meshes
``--series DIR``) and runs each tool once in its own process, measuring its peak resident
memory (the largest process's, ``wait4``'s maxrss, and the process tree's sum sampled every
20 ms: InVesalius meshes in worker processes) and its wall time from start to exit (imports
and loading included): ctvis; ctvis from another source tree (``--before TREE``, e.g. an older
commit unpacked with ``git archive``) when given; and InVesalius
(``invesalius3 --no-gui -i DIR -t 226,3071 -e out.stl``, Debian's package, run with the
system Python, under ``xvfb-run`` if it needs a display) when it is installed.  Each mesh is
read back and its triangles, open and non-manifold edges (``vtkFeatureEdges``) are printed.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("VTK_SMP_BACKEND_IN_USE", "STDThread")

import numpy as np  # noqa: E402

from ctvis.core.image.body import bounding_box  # noqa: E402
from ctvis.core.phantom import make_phantom  # noqa: E402
from ctvis.mesh import surfaces as S  # noqa: E402


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="skip the decimation comparison")
    ap.add_argument("--bone", action="store_true",
                    help="ctvis mesh --structure bone beside InVesalius: memory, time, edges")
    ap.add_argument("--series", help="with --bone: this DICOM folder instead of the phantom")
    ap.add_argument("--before", metavar="TREE",
                    help="with --bone: also run ctvis from this source tree (PYTHONPATH)")
    ap.add_argument("--threshold", type=float, default=226.0, help="bone threshold (HU)")
    args = ap.parse_args(argv)
    if args.bone:
        return bone_benchmark(args)

    import vtk
    from vtkmodules.vtkCommonCore import vtkSMPTools

    print(f"python {platform.python_version()}, vtk {vtk.vtkVersion.GetVTKVersion()}, "
          f"{os.cpu_count()} cpu(s), SMP backend {S.smp_backend()} "
          f"({vtkSMPTools.GetEstimatedNumberOfThreads()} threads), decimation backends "
          f"{S.decimate_backends()}")
    t = time.perf_counter()
    phantom = make_phantom(shape=(275, 512, 512), spacing=(1.25, 0.7, 0.7))
    volume, labels = phantom.volume, phantom.lungs
    voxel_ml = float(np.prod(volume.spacing)) / 1000
    print(f"phantom {volume.shape} made in {time.perf_counter() - t:.1f} s; lungs "
          f"{(labels == 1).sum() * voxel_ml:.0f} + {(labels == 2).sum() * voxel_ml:.0f} mL")

    # ---------------------------------------------------------------- the full pipeline
    t = time.perf_counter()
    S.lung_surfaces(volume, labels)
    cold = time.perf_counter() - t
    runs = []

    def pipeline():
        runs.append({})
        return S.lung_surfaces(volume, labels, timings=runs[-1])

    warm, meshes = best(pipeline, args.repeat)
    timings = min(runs, key=lambda r: sum(v["total"] for v in r.values()))
    print(f"\npipeline, both lungs (flying edges + windowed sinc 20 + decimate 0.5 + islands + normals): "
          f"{warm:.2f} s best of {args.repeat} (cold first run {cold:.2f} s); goal < 3 s: "
          f"{'met' if warm < 3 else 'NOT met'}")
    for name, mesh in meshes.items():
        s = S.mesh_stats(mesh)
        steps = ", ".join(f"{k} {v:.3f}" for k, v in timings[name].items())
        truth = (labels == (1 if name == "right" else 2)).sum() * voxel_ml
        print(f"  {name}: {s['triangles']:,} triangles, {s['volume_ml']:.1f} mL "
              f"(voxels {truth:.1f} mL, {100 * (s['volume_ml'] / truth - 1):+.2f} %), open "
              f"edges {s['open_edges']}, non-manifold {s['nonmanifold_edges']}")
        print(f"    steps (s): {steps}")

    if not args.quick and "fast" in S.decimate_backends():
        t = time.perf_counter()
        S.lung_surfaces(volume, labels, options=S.LUNG_SURFACE.with_(decimate_backend="pro"))
        print(f"  the same with vtkDecimatePro (no fast_simplification installed): "
              f"{time.perf_counter() - t:.2f} s")

    # ------------------------------------------- flying edges vs marching cubes, SMP
    from skimage.measure import marching_cubes

    mask = labels > 0
    lo, hi = bounding_box(mask, (1, 1, 1), clip=False)
    field = S._padded_crop(mask.view(np.uint8), lo, hi, 0)
    tick = S.Progress()
    fe_time, raw = best(lambda: S._flying_edges(field, lo, 0.5, tick), args.repeat)
    mc_time, (verts, faces, _n, _v) = best(
        lambda: marching_cubes(field, 0.5, allow_degenerate=False), args.repeat)
    print(f"\nboth lungs' mask {field.shape} (cropped + padded):")
    print(f"  vtkFlyingEdges3D ({S.smp_backend()}):   {fe_time:.3f} s, {raw.n_cells:,} triangles")
    print(f"  skimage marching_cubes:         {mc_time:.3f} s, {len(faces):,} triangles  -> "
          f"flying edges is {mc_time / fe_time:.1f}x faster")

    # SMP: the same filters on one thread and on STDThread, interleaved; CPU time above wall
    # time shows that a second thread worked.
    print("\nSMP backend, best of interleaved runs (wall s / process CPU s):")
    smp = {"STDThread": {}, "Sequential": {}}
    for _ in range(args.repeat):
        for backend in smp:
            vtkSMPTools.SetBackend(backend)
            for step, fn in (("flying edges", lambda: S._flying_edges(field, lo, 0.5, tick)),
                             ("windowed sinc 20", lambda: S._windowed_sinc(raw, 20, 0.1,
                                                                            tick))):
                w, c = time.perf_counter(), time.process_time()
                fn()
                w, c = time.perf_counter() - w, time.process_time() - c
                old = smp[backend].get(step)
                if old is None or w < old[0]:
                    smp[backend][step] = (w, c)
    vtkSMPTools.SetBackend("STDThread")
    for step in smp["STDThread"]:
        (tw, tc), (sw, sc) = smp["STDThread"][step], smp["Sequential"][step]
        print(f"  {step:17s} STDThread {tw:.3f} / {tc:.3f}   Sequential {sw:.3f} / {sc:.3f}"
              f"   -> {sw / tw:.2f}x")

    if args.quick:
        return 0
    # ----------------------------------------------------------- decimation options
    m = volume.index_to_patient_matrix
    points = np.asarray(raw.points, float) @ m[:3, :3].T + m[:3, 3]
    tri = S.triangle_faces(raw)
    print(f"\ndecimation to 50 % of both lungs' raw surface ({len(tri):,} triangles):")
    for backend in S.decimate_backends():
        t = time.perf_counter()
        p, f = S._decimate(S._polydata(points, tri), 0.5, backend, tick)
        dt = time.perf_counter() - t
        s = S.mesh_stats(S._polydata(p, f))
        print(f"  {backend:8s} {dt:6.2f} s  {s['triangles']:,} triangles, volume "
              f"{s['volume_ml']:.1f} mL, open {s['open_edges']}, non-manifold "
              f"{s['nonmanifold_edges']}")
    from vtkmodules.vtkFiltersCore import vtkQuadricClustering

    t = time.perf_counter()
    qc = vtkQuadricClustering()
    qc.SetInputData(S._polydata(points, tri))
    qc.AutoAdjustNumberOfDivisionsOn()
    qc.SetDivisionSpacing(1.0, 1.0, 1.0)            # about 1.4 voxels: close to 50 %
    qc.Update()
    dt = time.perf_counter() - t
    s = S.mesh_stats(_wrap(qc.GetOutput()))
    print(f"  {'cluster':8s} {dt:6.2f} s  {s['triangles']:,} triangles, volume "
          f"{s['volume_ml']:.1f} mL, open {s['open_edges']}, non-manifold "
          f"{s['nonmanifold_edges']}  (vtkQuadricClustering, 1 mm bins)")
    return 0


# ------------------------------------------------------------------------------ --bone
def _tree_rss_mib(root: int) -> float:
    """Resident memory of ``root`` and all its descendants now (MiB), from /proc."""
    parent, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, grew = {root}, True
    while grew:
        new = {pid for pid, ppid in parent.items() if ppid in tree and pid not in tree}
        tree |= new
        grew = bool(new)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def run_measured(cmd, env=None, cwd=None) -> dict:
    """Run ``cmd``; its wall time, peak resident memory (MiB): ``peak_mib`` of the largest
    process (wait4's maxrss) and ``tree_mib``, the process tree's sum sampled every 20 ms (a
    tool that meshes in worker processes, as InVesalius does, holds their memory at once),
    exit code and output."""
    import subprocess
    import threading

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    tree = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree[0] = max(tree[0], _tree_rss_mib(proc.pid))
            done.wait(0.02)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"s": time.perf_counter() - t, "peak_mib": usage.ru_maxrss / 1024.0,
            "tree_mib": max(tree[0], usage.ru_maxrss / 1024.0), "rc": proc.returncode,
            "out": out}


def edges_of(path) -> dict:
    from ctvis.mesh.mesh_io import read_mesh

    mesh = read_mesh(path)

    def count(boundary, nonmanifold):
        return mesh.extract_feature_edges(boundary_edges=boundary, non_manifold_edges=nonmanifold,
                                          feature_edges=False, manifold_edges=False).n_cells
    return {"triangles": mesh.n_cells, "open": count(True, False),
            "nonmanifold": count(False, True)}


def system_env() -> dict:
    """The environment without this virtualenv or pyenv: InVesalius runs on the system
    Python (/usr/bin/python3, which has its wx and VTK)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("PYENV")}
    venv_bin = os.path.abspath(os.path.dirname(sys.executable))
    rest = [p for p in env.get("PATH", "").split(os.pathsep)
            if p and os.path.abspath(p) != venv_bin and "pyenv" not in p]
    env["PATH"] = os.pathsep.join(["/usr/bin", "/bin"] + rest)
    return env


def bone_benchmark(args) -> int:
    import shutil
    import tempfile

    from ctvis.core.io import write_dicom_series

    hu = args.threshold
    with tempfile.TemporaryDirectory(prefix="bench_mesh_") as tmp:
        series = args.series
        if series is None:
            t = time.perf_counter()
            volume = make_phantom(shape=(275, 512, 512), spacing=(1.25, 0.7, 0.7)).volume
            series = os.path.join(tmp, "series")
            write_dicom_series(volume, series)
            nbytes = volume.array.nbytes
            del volume
            print(f"phantom 275 × 512² written as DICOM in {time.perf_counter() - t:.1f} s")
        else:
            import ctvis

            nbytes = ctvis.load(series).array.nbytes
        vol_mib = nbytes / 2**20
        print(f"series {series}: int16 volume {vol_mib:.0f} MiB; threshold {hu:g} HU; "
              f"{os.cpu_count()} cpu(s), one run each, imports and loading included\n")
        runs = []
        ctvis_cmd = [sys.executable, "-c", "import sys; from ctvis.cli import main; "
                     "sys.exit(main())", "mesh", series, "--structure", "bone", "--threshold",
                     f"{hu:g}", "--no-progress", "-o"]
        if args.before:
            env = {**os.environ, "PYTHONPATH": os.path.abspath(args.before)}
            runs.append((f"ctvis ({args.before})", ctvis_cmd + [os.path.join(tmp, "before.stl")],
                         env, os.path.join(tmp, "before.stl")))
        runs.append(("ctvis", ctvis_cmd + [os.path.join(tmp, "ctvis.stl")], None,
                     os.path.join(tmp, "ctvis.stl")))
        env = system_env()
        inv = shutil.which("invesalius3", path=env["PATH"])
        if inv:
            cmd = [inv, "--no-gui", "-i", series, "-t", f"{hu:g},3071", "-e",
                   os.path.join(tmp, "invesalius.stl")]
            if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
                cmd = ["xvfb-run", "-a"] + cmd
            runs.append(("InVesalius", cmd, env, os.path.join(tmp, "invesalius.stl")))
        else:
            print("InVesalius is not installed (invesalius3 not on the system PATH; Debian: "
                  "apt-get install invesalius): ctvis alone\n")
        print(f"{'tool':28s} {'time s':>7s} {'peak MiB':>9s} {'tree MiB':>9s} {'× volume':>8s} "
              f"{'triangles':>10s} {'open':>6s} {'non-manifold':>12s}")
        results = {}
        for name, cmd, env, out in runs:
            r = run_measured(cmd, env=env, cwd=tmp)
            if r["rc"] != 0 or not os.path.exists(out):
                print(f"{name:28s} failed (exit {r['rc']}): {r['out'].strip()[-400:]}")
                continue
            e = edges_of(out)
            results[name] = {**r, **e}
            print(f"{name:28s} {r['s']:7.1f} {r['peak_mib']:9.0f} {r['tree_mib']:9.0f} "
                  f"{r['tree_mib'] / vol_mib:8.1f} {e['triangles']:10,d} {e['open']:6d} "
                  f"{e['nonmanifold']:12d}")
        if "ctvis" in results and "InVesalius" in results:
            c, i = results["ctvis"], results["InVesalius"]
            print(f"\nctvis / InVesalius: time {c['s'] / i['s']:.2f}× (goal ≤ 0.3), peak "
                  f"memory {c['tree_mib'] / i['tree_mib']:.2f}× of the process trees, "
                  f"{c['peak_mib'] / i['peak_mib']:.2f}× of the largest processes (goal ≤ 1)")
    return 0


def _wrap(obj):
    import pyvista as pv

    return pv.wrap(obj)


if __name__ == "__main__":
    sys.exit(main())
