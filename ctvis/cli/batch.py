"""``ctvis batch FOLDER -o OUT [--steps segment,mesh,report] [--format nifti|seg]
[--scheduler ADDRESS]``."""
from __future__ import annotations

from ctvis.cli.common import print_warnings, progress_bar
from ctvis.core.errors import CtvisError


def register(subparsers) -> None:
    from ctvis.app.batch import STEPS

    p = subparsers.add_parser(
        "batch", help="run lungs / meshes / reports on every CT series under a folder (Dask)",
        description="One series per Dask task: a local cluster of worker processes by "
                    "default (one per core, memory split between them), or a running Dask "
                    "cluster with --scheduler tcp://host:8786. Writes OUT/<series hash>/ "
                    "and OUT/summary.csv + summary.parquet (identifiers only as hashes). "
                    "A rerun skips the series already done.")
    p.add_argument("folder", help="folder holding the cohort (searched recursively)")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--steps", default="segment",
                   help=f"comma-separated steps from {','.join(STEPS)} (default segment; "
                        f"mesh and report include it)")
    p.add_argument("--format", choices=("nifti", "seg"), default="nifti", dest="mask_format",
                   help="each series' lung mask: lungs.nii.gz (default) or a DICOM SEG "
                        "referencing the series, lungs.dcm")
    p.add_argument("--scheduler", help="address of a running Dask scheduler "
                                       "(default: start a local cluster)")
    p.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    p.set_defaults(func=cmd_batch)


def cmd_batch(args) -> int:
    from ctvis.app.batch import run_batch
    from ctvis.core.lungs.metrics import METRIC

    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip())
    if args.workers is not None and not 1 <= args.workers <= 256:
        raise CtvisError(f"--workers must be between 1 and 256, got {args.workers}")
    passed_over = []                       # printed once the progress bar is gone
    with progress_bar(not args.quiet, "batch") as progress:
        rows = run_batch(args.folder, args.output, steps, scheduler=args.scheduler,
                         workers=args.workers, progress=progress,
                         warn=lambda folder, why: passed_over.append((folder, why)),
                         mask_format=args.mask_format)
    failed = [r for r in rows if r.get("status") != "ok"]
    if not args.quiet:
        for row in rows:
            volume = METRIC["volume_ml"]
            what = (f"{volume.text(row['total_ml'])} {volume.unit}" if row.get("status") == "ok"
                    and row.get("total_ml") is not None else row.get("error", ""))
            print(f"{row['series']}  {row.get('status', '?'):5}  {what}")
        print(f"{len(rows) - len(failed)} of {len(rows)} series done; summary in "
              f"{args.output}/summary.csv and summary.parquet")
    for folder, why in passed_over:        # no row for them: say which and why
        print_warnings(folder, [why])
    return 0 if not failed else 3
