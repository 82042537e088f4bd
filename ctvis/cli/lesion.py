"""``ctvis lesion PATH --at X,Y,Z -o lesion.nii.gz [--metrics m.json]``.

Headless: loads the CT, grows the lesion under the point X,Y,Z (patient LPS mm, a point
inside the nodule or tumour), writes it as a label map on the volume's grid (label 1, named
"lesion"), prints its measurements and with ``--metrics`` writes them as JSON.  Outputs go
through temporary names.
"""
from __future__ import annotations

import json
from pathlib import Path

from ctvis.cli.common import parse_point, print_warnings, progress_bar
from ctvis.core.errors import CtvisError


def register(subparsers) -> None:
    from ctvis.cli.segment import mask_help

    p = subparsers.add_parser("lesion", help="outline the nodule or tumour at a point and "
                                             "measure it")
    p.add_argument("path", help="DICOM folder/file, NIfTI, NRRD or MetaImage")
    p.add_argument("--at", required=True, metavar="X,Y,Z",
                   help="a point inside the lesion, patient LPS mm (as the window's "
                        "crosshair shows it); write --at=X,Y,Z when X is negative")
    p.add_argument("-o", "--output", required=True, help=mask_help())
    p.add_argument("--metrics", help="also write the measurements as JSON to this file")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    p.set_defaults(func=cmd_lesion)


def cmd_lesion(args) -> int:
    from ctvis.app.lesion import (LESION_COLOR, ORIGIN, lesion_at, lesion_context,
                                  measures_text)
    from ctvis.app.notes import loading_notes
    from ctvis.app.pipeline import open_volume
    from ctvis.core.atomic import atomic_path
    from ctvis.core.io import write_mask
    from ctvis.core.progress import Progress

    at = parse_point(args.at)
    for out in filter(None, (args.output, args.metrics)):
        if Path(out).resolve() == Path(args.path).resolve():
            raise CtvisError(f"{out}: would overwrite the input")
    with progress_bar(not args.quiet, "lesion") as progress:
        tick = Progress(progress)
        volume = open_volume(args.path, series_uid=args.series, progress=tick.sub(0.0, 0.4))
        context = lesion_context(volume, progress=tick.sub(0.4, 0.6))
        result = lesion_at(volume, at, context=context, progress=tick.sub(0.6, 0.9))
        tick(0.9, "writing the mask")
        segments = [dict(name="lesion", value=1, color=LESION_COLOR, origin=ORIGIN)]
        write_mask(volume, result.mask(volume.shape).astype("uint8"), args.output,
                   segments=segments)
        tick(1.0, "done")
    m = result.measures
    if args.metrics:
        payload = dict(m.to_dict(), input=str(args.path), at_lps=list(at),
                       seed_voxel_kji=list(result.seed_kji), mask=str(args.output))
        with atomic_path(args.metrics) as tmp:
            Path(tmp).write_text(json.dumps(payload, indent=2) + "\n")
    if not args.quiet:
        for name, value in measures_text(m):
            print(f"{name:<24}{value}")
        print(f"mask written to {args.output}")
    print_warnings(args.path, loading_notes(volume))
    return 0
