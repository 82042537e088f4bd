"""Lung surface meshes of a 275-slice 512² chest: the full pipeline, flying edges vs
scikit-image marching cubes, the SMP backend, and the decimation options, side by side.

    .venv/bin/python benchmarks/bench_mesh.py [--repeat 3] [--quick]

The chest is the generated phantom on a 275 × 512 × 512 grid at 1.25 × 0.7 × 0.7 mm (no such
series is in ../shared/data); its true lung labels are meshed.  Times are wall-clock seconds,
best of ``--repeat`` runs after one warm-up run (the cold run is printed too).
``--quick`` skips the decimation comparison (vtkQuadricDecimation alone takes ~20 s).
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
    args = ap.parse_args(argv)

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
        p, f = S._decimate(points, tri, 0.5, backend, tick)
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


def _wrap(obj):
    import pyvista as pv

    return pv.wrap(obj)


if __name__ == "__main__":
    sys.exit(main())
