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
    return 0


if __name__ == "__main__":
    sys.exit(main())
