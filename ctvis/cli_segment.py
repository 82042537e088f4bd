"""``ctvis segment PATH -o lungs.nii.gz [--method watershed|kmeans] [--metrics m.json]``.

Headless (no Qt, no VTK): loads the CT, segments the lungs (1 right, 2 left), writes the label
mask (NIfTI with a RAS affine, or NRRD in LPS space, by the suffix of ``-o``), prints the lung
metrics table, and with ``--metrics`` writes them as JSON.  Every output goes through a
temporary name; nothing is written anywhere but where ``-o`` / ``--metrics`` say.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ctvis.core.errors import CtvisError

MASK_HELP = "output label mask: .nii.gz / .nii (RAS affine) or .nrrd (LPS)"


def register(subparsers) -> None:
    p = subparsers.add_parser("segment", help="segment the lungs and print lung metrics")
    p.add_argument("path", help="DICOM folder/file, NIfTI or NRRD")
    p.add_argument("-o", "--output", required=True, help=MASK_HELP)
    p.add_argument("--method", choices=("watershed", "kmeans"), default="watershed",
                   help="segmentation method (default: watershed)")
    p.add_argument("--metrics", help="also write the metrics as JSON to this file")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    p.set_defaults(func=cmd_segment)


def _check_outputs(args) -> None:
    from ctvis.core.lung_masks import MASK_SUFFIXES

    name = str(args.output).lower()
    if not name.endswith(MASK_SUFFIXES):
        raise CtvisError(f"{args.output}: unknown mask format "
                         f"(use one of {', '.join(MASK_SUFFIXES)})")
    for out in filter(None, (args.output, args.metrics)):
        if Path(out).is_dir():
            raise CtvisError(f"{out}: is a folder, give a file name")
        if Path(out).resolve() == Path(args.path).resolve():
            raise CtvisError(f"{out}: would overwrite the input")


def format_table(metrics: dict) -> str:
    rows = [("", "right", "left", "total")]
    fmt = {"volume_ml": ("volume (mL)", "{:.0f}"), "mld_hu": ("MLD (HU)", "{:.1f}"),
           "laa950_pct": ("LAA%-950", "{:.2f}"), "pd15_hu": ("PD15 (HU)", "{:.1f}")}
    for key, (label, f) in fmt.items():
        cells = []
        for part in ("right", "left", "total"):
            v = metrics[part][key]
            cells.append("-" if v != v else f.format(v))     # NaN for an empty lung
        rows.append((label, *cells))
    return "\n".join(f"{r[0]:<12}{r[1]:>10}{r[2]:>10}{r[3]:>10}" for r in rows)


def cmd_segment(args) -> int:
    from ctvis.cli import progress_bar
    from ctvis.core.atomic import atomic_path
    from ctvis.core.io import load
    from ctvis.core.lung_metrics import flat_metrics
    from ctvis.core.lungs import lung_metrics, segment_lungs, write_mask
    from ctvis.core.progress import Reporter

    _check_outputs(args)
    with progress_bar(not args.quiet, "lungs") as progress:
        report = Reporter(progress)
        volume = load(args.path, series_uid=args.series, progress=report.sub(0.0, 0.3))
        labels = segment_lungs(volume, method=args.method, progress=report.sub(0.3, 0.9))
        report(0.9, "writing the mask")
        write_mask(volume, labels, args.output)
        metrics = lung_metrics(volume, labels)
        report(1.0, "done")
    flat = flat_metrics(metrics)
    if args.metrics:
        payload = dict(flat, method=args.method, input=str(args.path), mask=str(args.output),
                       voxels={p: metrics[p]["voxels"] for p in ("right", "left", "total")})
        with atomic_path(args.metrics) as tmp:
            Path(tmp).write_text(json.dumps(payload, indent=2) + "\n")
    if not args.quiet:
        print(format_table(metrics))
        print(f"mask written to {args.output}")
    if metrics["total"]["voxels"] == 0:
        print(f"ctvis: warning: no lungs found in {args.path}", file=sys.stderr)
    return 0
