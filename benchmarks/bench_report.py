"""Time ``ctvis report`` end to end on a 275 × 512² chest written as a DICOM series.

    python benchmarks/bench_report.py            # the phantom, 275 × 512 × 512
    python benchmarks/bench_report.py SERIES     # any series

Prints the phase times (open, segment, pictures, write HTML + PDF) and the total against the
issue's target of 20 s for a 275-slice chest.  Runs headless (EGL) when there is no display.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 20.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("series", nargs="?", help="DICOM folder, NIfTI or NRRD")
    args = parser.parse_args(argv)
    from ctvis.app.report import make_report

    with tempfile.TemporaryDirectory() as tmp:
        series = args.series
        if series is None:
            from ctvis.core.io import write_dicom_series
            from ctvis.core.phantom import make_phantom

            volume = make_phantom(shape=(275, 512, 512), spacing=(1.25, 0.7, 0.7)).volume
            series = Path(tmp) / "dicom"
            write_dicom_series(volume, series)
            print(f"phantom series written: {volume.shape}")
        start = time.perf_counter()
        result = make_report(series, Path(tmp) / "report.html", Path(tmp) / "report.pdf")
        total = time.perf_counter() - start
        sizes = {k: Path(result[k]).stat().st_size / 1e6 for k in ("html", "pdf")}
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in result["seconds"].items())
    print(f"report of {series}: {total:.1f} s ({phases})")
    print(f"HTML {sizes['html']:.1f} MB, PDF {sizes['pdf']:.1f} MB; target {TARGET_S:.0f} s: "
          f"{'met' if total <= TARGET_S else 'missed'} ({total / TARGET_S:.2f}× the target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
