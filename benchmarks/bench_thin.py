"""Thin-slice chests (issue 25, item 1): a 640-slice chest beside its reference, one run.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -u benchmarks/bench_thin.py
    ... bench_thin.py --only load,lungs        # a subset: load lungs paint 3d report memory
    ... bench_thin.py --quick                  # 160 slices against 69: a try in a minute or two

Two chests, each at 640 slices (0.52 mm) and at 275 slices (the size of the earlier
benchmarks, the same field of view): the phantom (``make_phantom``, 0.7 mm in-plane) and
``lidc-0001-full`` (133 × 512² at 2.5 mm) resampled along z by linear interpolation; each
written to a temporary DICOM series.  Printed, each beside its reference in the same run:

* load: ``ctvis.load`` against SimpleITK's series reader (``bench_load.measure``, a fresh
  interpreter each, imports excluded), interleaved, median; goal ≤ 0.35× SimpleITK.
* lungs: ``segment_lungs`` on the 640-slice volume against the 275-slice one (the voxels
  grow 2.33×), interleaved, median; goal ≤ 2.3×.
* paint: ``ctvis view``'s start to the painted slices in a fresh interpreter
  (``bench_viewer``'s child, waiting for the 3D pane's first full-quality frame); goal ≤ 2 s.
* 3d: rotation at the moving level and the full-quality frame off screen at 800 × 600
  (``bench_3d.run_mapper``); goal ≥ 15 fps, and ``STILL_DELAY_MS`` + one still frame ≤ 1 s.
* report: ``make_report`` (HTML + PDF) of the series; goal ≤ 30 s.
* memory: the viewer's peak resident memory with the 3D pane (its first full-quality frame
  drawn) at 100, 275 and 640 phantom slices, the line overhead + slope × volume fitted;
  goal ≤ 400 MiB + 1.2×.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_viewer  # noqa: E402
from bench_load import READERS, measure  # noqa: E402

PARTS = ("load", "lungs", "paint", "3d", "report", "memory")
DATA = Path(os.environ.get("CTVIS_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
LIDC = DATA / "lidc-0001-full" / "dicom"
FIELD_MM = 0.52 * 639                     # the phantom's z extent at 640 slices of 0.52 mm

# bench_viewer's child, waiting for the 3D pane's first full-quality frame (the fixed-point
# ray caster's gradient tables are part of the viewer's peak) before it measures the peak.
CHILD = bench_viewer.CHILD.replace(
    "        QTimer.singleShot(1500, app.quit)               # the 3D pane and docks settle",
    """        def wait_full():
            scene = window.view3d.scene
            if scene.volume_actor is None or scene.first_still_pending():
                QTimer.singleShot(100, wait_full)
                return
            stamps["3D full quality"] = time.time()
            mem["3D full quality"] = rss_kb("VmRSS:")
            QTimer.singleShot(1000, app.quit)
        QTimer.singleShot(100, wait_full)""")
assert CHILD != bench_viewer.CHILD, "bench_viewer's child changed: update bench_thin"


def median(values):
    return statistics.median(values)


def resample_z(volume, slices: int):
    """``volume`` with ``slices`` slices over the same z extent (linear along z only)."""
    src = volume.array
    pos = np.linspace(0.0, src.shape[0] - 1, slices)
    lo = np.minimum(np.floor(pos).astype(int), src.shape[0] - 2)
    w = (pos - lo).astype(np.float32)
    out = np.empty((slices,) + src.shape[1:], np.int16)
    for k in range(slices):                              # a plane at a time: no float volume
        plane = (1 - w[k]) * src[lo[k]] + w[k] * src[lo[k] + 1]
        out[k] = np.rint(plane)
    dz = volume.spacing[0] * (src.shape[0] - 1) / (slices - 1)
    return volume.with_array(out, spacing=(dz,) + tuple(volume.spacing[1:]))


def chests(sizes, tmp: Path, with_lidc: bool, lidc_sizes=(), write: bool = True) -> dict:
    """{(name, slices): (volume, series folder)} for the phantom and the LIDC chest."""
    from ctvis.core.io import load, write_dicom_series
    from ctvis.core.phantom import make_phantom

    out = {}
    lidc = load(str(LIDC)) if with_lidc else None
    for n in sizes:
        t = time.perf_counter()
        vol = make_phantom(shape=(n, 512, 512), spacing=(FIELD_MM / (n - 1), 0.7, 0.7)).volume
        folder = tmp / f"phantom-{n}"
        if write:
            write_dicom_series(vol, folder, description=f"ctvis thin benchmark {n}")
        out[("phantom", n)] = (vol, folder)
        print(f"  phantom {vol.shape} at {vol.spacing[0]:.2f} mm: "
              f"{time.perf_counter() - t:.0f} s", flush=True)
        if lidc is not None and n in lidc_sizes:
            t = time.perf_counter()
            vol = resample_z(lidc, n)
            folder = tmp / f"lidc-{n}"
            if write:
                write_dicom_series(vol, folder, description=f"lidc-0001 at {n} slices")
            out[("lidc", n)] = (vol, folder)
            print(f"  lidc-0001-full {vol.shape} at {vol.spacing[0]:.2f} mm: "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
    return out


def part_load(data, names, thin, repeat):
    print(f"\nload: ctvis.load vs SimpleITK, {thin} slices, median of {repeat} "
          f"(interleaved, each in a fresh interpreter); goal ≤ 0.35×")
    for name in names:
        folder = str(data[(name, thin)][1])
        times = {"ctvis": [], "simpleitk": []}
        peak = []
        for _ in range(repeat):
            for reader in times:
                r = measure(reader, folder, READERS)
                if r is None:
                    raise SystemExit("SimpleITK missing: pip install SimpleITK (the bench extra)")
                times[reader].append(r["seconds"])
                if reader == "ctvis":
                    peak.append(r["peak_kb"] / 1024 / (r["nbytes"] / 2**20))
        ours, ref = median(times["ctvis"]), median(times["simpleitk"])
        print(f"  {name:8} ctvis {ours:.2f} s  SimpleITK {ref:.2f} s  ratio {ours / ref:.2f}× "
              f"({'met' if ours / ref <= 0.35 else 'MISSED'}); ctvis peak {median(peak):.2f}× "
              f"the volume  [ctvis {', '.join(f'{t:.2f}' for t in times['ctvis'])}; SimpleITK "
              f"{', '.join(f'{t:.2f}' for t in times['simpleitk'])}]", flush=True)


def part_lungs(data, names, thin, ref, repeat):
    from ctvis.core.lungs import segment_lungs

    print(f"\nlungs: segment_lungs, {thin} vs {ref} slices (voxels ×{thin / ref:.2f}), median "
          f"of {repeat} interleaved; goal ≤ 2.3×")
    for name in names:
        times = {thin: [], ref: []}
        for _ in range(repeat):
            for n in times:
                vol = data[(name, n)][0]
                t = time.perf_counter()
                segment_lungs(vol)
                times[n].append(time.perf_counter() - t)
        a, b = median(times[thin]), median(times[ref])
        print(f"  {name:8} {thin}: {a:.2f} s  {ref}: {b:.2f} s  ratio {a / b:.2f}× "
              f"({'met' if a / b <= 2.3 else 'MISSED'})  [{', '.join(f'{t:.2f}' for t in times[thin])}"
              f" | {', '.join(f'{t:.2f}' for t in times[ref])}]", flush=True)


def viewer_child(folder: Path) -> dict:
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True,
                          text=True, env={**os.environ, "QT_QPA_PLATFORM": "xcb"})
    if proc.returncode != 0:
        raise SystemExit(f"viewer child failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    s = out["stamps"]
    return {"painted": s["painted"] - start, "pane": s["3D pane built"] - start,
            "full": s["3D full quality"] - start, "peak_mib": out["mem_kb"]["peak"] / 1024,
            "mem_mib": {k: v / 1024 for k, v in out["mem_kb"].items()},
            "volume_mib": out["volume_bytes"] / 2**20}


def part_viewer(data, cases, want_paint, want_memory):
    """One viewer child per case: the time to the painted slices and the peak memory."""
    results = {}
    for case in cases:
        results[case] = viewer_child(data[case][1])
    if want_paint:
        print("\npaint: command start → slices painted (fresh interpreter); goal ≤ 2 s")
        for (name, n), r in results.items():
            print(f"  {name:8} {n:4} slices: painted {r['painted']:.2f} s "
                  f"({'met' if r['painted'] <= 2 else 'MISSED'}); 3D pane built "
                  f"{r['pane']:.2f} s, its first full-quality frame {r['full']:.2f} s")
    if want_memory:
        rows = sorted((r["volume_mib"], r["peak_mib"], n)
                      for (name, n), r in results.items() if name == "phantom")
        print("\nmemory: viewer peak RSS with the 3D pane (first full-quality frame drawn); "
              "goal ≤ 400 MiB + 1.2× the volume")
        for vol, peak, n in rows:
            m = results[("phantom", n)]["mem_mib"]
            print(f"  phantom {n:4} slices: volume {vol:.0f} MiB, peak {peak:.0f} MiB "
                  f"= {peak / vol:.2f}× (before the load {m['before load']:.0f}, peak at the "
                  f"first paint {m['peak at first paint']:.0f}, resident at the 3D pane's first "
                  f"full-quality frame {m['3D full quality']:.0f} MiB)")
        if len(rows) >= 2:
            x, y = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
            slope, overhead = np.polyfit(x, y, 1)
            ok = overhead <= 400 and slope <= 1.2
            print(f"  fitted: {overhead:.0f} MiB + {slope:.2f}× the volume "
                  f"({'met' if ok else 'MISSED'}; residuals "
                  f"{', '.join(f'{v:+.0f}' for v in y - (overhead + slope * x))} MiB)")
        for (name, n), r in results.items():
            if name != "phantom":
                print(f"  {name} {n} slices: peak {r['peak_mib']:.0f} MiB "
                      f"= {r['peak_mib'] / r['volume_mib']:.2f}× the volume")


def part_3d(data, thin, ref, frames, rounds):
    from bench_3d import run_mapper
    from ctvis.gui.view3d import STILL_DELAY_MS
    from ctvis.render.volume_actor import STILL_VOXELS, still_steps

    print(f"\n3d: fixed-point ray caster off screen at 800 × 600, CT-Chest-Contrast-Enhanced, "
          f"phantom {thin} vs {ref} slices; goals ≥ 15 fps rotating, full quality ≤ 1 s "
          f"after the mouse stops ({STILL_DELAY_MS} ms wait + one still frame)")
    for n in (thin, ref):
        r = run_mapper(data[("phantom", n)][0], "fixed-point", "CT-Chest-Contrast-Enhanced",
                       (800, 600), frames, rounds, STILL_VOXELS)
        after = STILL_DELAY_MS / 1000 + r["still_s"]
        print(f"  {n:4} slices: moving step {r['step']}, still steps {r['still_steps']}: "
              f"rotating {r['moving_fps']:.1f} fps median ({r['moving_fps_p10']:.1f} at the "
              f"slowest 10 %; {'met' if r['moving_fps'] >= 15 else 'MISSED'}); full quality "
              f"{after:.2f} s after the stop ({r['still_s']:.2f} s frame, {r['still_cpu_s']:.2f}"
              f" s CPU; {'met' if after <= 1 else 'MISSED'}); levels the measured frame "
              f"times chose: {r['coarsened'] or 'none'} (from the voxel count: still "
              f"{still_steps(data[('phantom', n)][0].shape)}); first full frame "
              f"{r['first_full_s']:.1f} s; memory +{r['rss_growth_mb']:.0f} MiB", flush=True)


def part_report(data, cases):
    from ctvis.app.report import make_report

    print("\nreport: make_report (HTML + PDF); goal ≤ 30 s")
    with tempfile.TemporaryDirectory(prefix="ctvis-thin-report-") as out:
        for name, n in cases:
            t = time.perf_counter()
            result = make_report(data[(name, n)][1], Path(out) / "r.html", Path(out) / "r.pdf")
            total = time.perf_counter() - t
            phases = ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items())
            print(f"  {name:8} {n:4} slices: {total:.1f} s "
                  f"({'met' if total <= 30 else 'MISSED'}; {phases})", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(PARTS),
                    help=f"comma-separated parts ({','.join(PARTS)})")
    ap.add_argument("--quick", action="store_true",
                    help="160 slices against 69 (memory at 25, 69, 160): a quick try")
    ap.add_argument("--no-lidc", action="store_true", help="the phantom only")
    ap.add_argument("--repeat", type=int, default=3, help="load and lungs runs per case")
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        ap.error(f"unknown parts {sorted(parts - set(PARTS))}; choose from {','.join(PARTS)}")
    if parts & {"paint", "memory"} and not os.environ.get("DISPLAY"):
        raise SystemExit("paint and memory need a display: xvfb-run -a -s "
                         "'-screen 0 1600x1000x24' python benchmarks/bench_thin.py")
    thin, ref, small = (160, 69, 25) if args.quick else (640, 275, 100)
    with_lidc = (not args.no_lidc and LIDC.is_dir()
                 and bool(parts & {"load", "lungs", "paint", "report"}))
    names = ["phantom"] + (["lidc"] if with_lidc else [])
    print(f"{os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.1f}; parts "
          f"{','.join(p for p in PARTS if p in parts)}; {time.strftime('%H:%M:%S UTC', time.gmtime())}",
          flush=True)
    sizes = [thin, ref] + ([small] if "memory" in parts else [])
    with tempfile.TemporaryDirectory(prefix="ctvis-thin-") as tmp:
        print("making the chests:", flush=True)
        data = chests(sizes, Path(tmp), with_lidc, (thin, ref),
                      write=bool(parts - {"3d", "lungs"}))
        if "load" in parts:
            part_load(data, names, thin, args.repeat)
        if "lungs" in parts:
            part_lungs(data, names, thin, ref, args.repeat)
        if parts & {"paint", "memory"}:
            cases = [(n, thin) for n in names] + [("phantom", ref)]
            if "memory" in parts:
                cases.append(("phantom", small))
            part_viewer(data, cases, "paint" in parts, "memory" in parts)
        if "3d" in parts:
            part_3d(data, thin, ref, args.frames, args.rounds)
        if "report" in parts:
            part_report(data, [(n, thin) for n in names] + [("phantom", ref)])
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}; "
          f"{time.strftime('%H:%M:%S UTC', time.gmtime())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
