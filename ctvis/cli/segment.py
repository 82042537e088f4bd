"""``ctvis segment PATH -o lungs.nii.gz [--method watershed|kmeans] [--metrics m.json]``.

Headless (no Qt, no VTK): loads the CT, segments the lungs (1 right, 2 left), writes the label
mask (NIfTI with a RAS affine, or NRRD in LPS space, by the suffix of ``-o``), prints the lung
metrics table, and with ``--metrics`` writes them as JSON.  Every output goes through a
temporary name; nothing is written anywhere but where ``-o`` / ``--metrics`` say.
"""
from __future__ import annotations

import json
from pathlib import Path

from ctvis.cli.common import plain, print_warnings, progress_bar
from ctvis.core.errors import CtvisError
from ctvis.core.labels import LUNG_LABELS



def mask_help() -> str:
    """"output label mask: .nii.gz / .nii (RAS affine) or .nrrd / .nhdr (LPS) ..."."""
    from ctvis.core.io.dispatch import DICOM_MASK_FORMATS, MASK_FORMATS

    return "output label mask: " + " or ".join(
        f"{' / '.join(f.suffixes)} ({f.name + ' ' if f in DICOM_MASK_FORMATS else ''}"
        f"{f.space})" for f in MASK_FORMATS + DICOM_MASK_FORMATS)


def register(subparsers) -> None:
    from ctvis.core.lungs.segment import METHODS

    p = subparsers.add_parser("segment", help="segment the lungs and print lung metrics")
    p.add_argument("path", help="DICOM folder/file, NIfTI, NRRD or MetaImage")
    p.add_argument("-o", "--output", required=True, help=mask_help())
    p.add_argument("--method", choices=METHODS, default=METHODS[0],
                   help=f"segmentation method (default: {METHODS[0]})")
    p.add_argument("--metrics", help="also write the metrics as JSON to this file")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    p.add_argument("--airway", action="store_true",
                   help="also label the trachea and main bronchi (label 3) in the mask")
    p.add_argument("--aerated", action="store_true",
                   help="aerated parenchyma only (default: each lung's pleural envelope, "
                        "with nodules, masses and consolidation inside)")
    p.set_defaults(func=cmd_segment)


def _check_outputs(args) -> None:
    from ctvis.core.io.dispatch import WRITABLE_SUFFIXES, dicom_mask_kind, file_kind

    dicom = dicom_mask_kind(args.output)
    if file_kind(args.output) == "dicom" and dicom is None:
        raise CtvisError(f"{args.output}: unknown mask format "
                         f"(use one of {', '.join(WRITABLE_SUFFIXES)})")
    if dicom is not None and file_kind(args.path) != "dicom":
        raise CtvisError(f"{args.output}: a DICOM object needs a DICOM source "
                         f"({args.path} is not a DICOM series)")
    for out in filter(None, (args.output, args.metrics)):
        if Path(out).is_dir():
            raise CtvisError(f"{out}: is a folder, give a file name")
        if Path(out).resolve() == Path(args.path).resolve():
            raise CtvisError(f"{out}: would overwrite the input")


PARTS = tuple(label.name for label in LUNG_LABELS) + ("total",)


def format_table(metrics: dict) -> str:
    from ctvis.core.lungs.metrics import METRICS

    rows = [("", *PARTS)]
    for metric in METRICS:
        rows.append((plain(metric.short_title),
                     *(metric.text(metrics[part][metric.key], missing="-") for part in PARTS)))
    return "\n".join(f"{r[0]:<12}" + "".join(f"{c:>10}" for c in r[1:]) for r in rows)


def _table(result) -> list[dict]:
    """The mask's segment table, each row made by the method (a SEG says AUTOMATIC)."""
    import numpy as np

    from ctvis.core.io.label_tables import default_segments

    return [dict(row, origin=result.method)
            for row in default_segments(np.unique(result.labels))]


def cmd_segment(args) -> int:
    from ctvis.app.notes import loading_notes
    from ctvis.app.pipeline import open_volume, segment
    from ctvis.core.atomic import atomic_path
    from ctvis.core.io import write_mask
    from ctvis.core.io.dispatch import dicom_mask_kind
    from ctvis.core.lungs import flat_metrics
    from ctvis.core.progress import Progress

    _check_outputs(args)
    with progress_bar(not args.quiet, "lungs") as progress:
        tick = Progress(progress)
        volume = open_volume(args.path, series_uid=args.series, progress=tick.sub(0.0, 0.3))
        result = segment(volume, method=args.method, progress=tick.sub(0.3, 0.9),
                         airway=args.airway, aerated=args.aerated)
        tick(0.9, "writing the mask")
        # DICOM objects say how each segment was made; other files keep their default.
        write_mask(volume, result.labels, args.output,
                   segments=_table(result) if dicom_mask_kind(args.output) else None)
        tick(1.0, "done")
    metrics = result.metrics
    if args.metrics:
        payload = dict(flat_metrics(metrics), method=args.method, input=str(args.path),
                       lung_mask=metrics["mask"], warnings=metrics["warnings"],
                       mask=str(args.output),
                       voxels={p: metrics[p]["voxels"] for p in PARTS})
        with atomic_path(args.metrics) as tmp:
            Path(tmp).write_text(json.dumps(payload, indent=2) + "\n")
    if not args.quiet:
        print(format_table(metrics))
        print(f"mask written to {args.output}")
    print_warnings(args.path, loading_notes(volume) + list(metrics["warnings"]))
    return 0
