"""Series per minute of ``ctvis batch`` over a synthetic cohort, with 1 and 2 workers.

    python benchmarks/bench_batch.py [--series 20] [--steps segment] [--shape 120,256,256]

The cohort is the demo phantom (a different noise seed per series) written as DICOM series.
Each run starts its own local Dask cluster (worker start-up included) into a fresh output
folder; the ratio of the two rates is the speed-up of the second worker on this machine.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--steps", default="segment")
    parser.add_argument("--shape", default="120,256,256")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--memory", action="store_true",
                        help="also measure a worker's peak memory on one 275 × 512² series")
    args = parser.parse_args(argv)
    from ctvis.app.batch import run_batch
    from ctvis.core.io import write_dicom_series
    from ctvis.core.phantom import make_phantom

    shape = tuple(int(v) for v in args.shape.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp) / "cohort"
        for i in range(args.series):
            write_dicom_series(make_phantom(shape=shape, seed=i).volume, cohort / f"s{i:03d}")
        print(f"cohort: {args.series} series of {shape} (z, y, x), steps {args.steps}")
        rates = {}
        for workers in (int(w) for w in args.workers.split(",")):
            start = time.perf_counter()
            rows = run_batch(cohort, Path(tmp) / f"out{workers}", args.steps.split(","),
                             workers=workers)
            seconds = time.perf_counter() - start
            ok = sum(r["status"] == "ok" for r in rows)
            rates[workers] = 60.0 * ok / seconds
            print(f"{workers} worker(s): {ok}/{len(rows)} series in {seconds:.1f} s = "
                  f"{rates[workers]:.1f} series/min")
        if len(rates) == 2:
            (a, ra), (b, rb) = sorted(rates.items())
            print(f"speed-up {b} vs {a} worker(s): {rb / ra:.2f}×")
        if args.memory:
            worker_memory(Path(tmp), args.steps)
    return 0


MEMORY_PROBE = """
import sys
from ctvis.app.batch import find_series, run_series
task = find_series(sys.argv[1])[0][0]
row = run_series(task, sys.argv[2], tuple(sys.argv[3].split(",")))
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(row["status"], int(peak) * 1024)
"""


def worker_memory(tmp: Path, steps: str) -> None:
    """Peak resident memory of one process running one 275 × 512² series (as a worker)."""
    import subprocess

    from ctvis.core.io import write_dicom_series
    from ctvis.core.phantom import make_phantom

    volume = make_phantom(shape=(275, 512, 512), spacing=(1.25, 0.7, 0.7)).volume
    write_dicom_series(volume, tmp / "big" / "s")
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(tmp / "big"),
                          str(tmp / "bigout"), steps], capture_output=True, text=True,
                         check=True).stdout.split()
    peak = int(out[1])
    print(f"one worker, one 275 × 512² series ({steps}): status {out[0]}, peak memory "
          f"{peak / 2**30:.2f} GiB = {peak / volume.array.nbytes:.1f}× the int16 volume "
          f"({volume.array.nbytes / 2**20:.0f} MiB)")


if __name__ == "__main__":
    sys.exit(main())
