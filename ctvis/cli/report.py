"""``ctvis report PATH -o report.html [--pdf report.pdf] [--with-identifiers] [--lesion-at X,Y,Z]``.

Headless (no Qt; VTK renders the 3D pictures off-screen, through EGL when there is no X
server): opens the series, segments the lungs, draws the pictures and writes one
self-contained HTML file, and the PDF of the same HTML when asked.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ctvis.cli.common import parse_point, plain, print_warnings, progress_bar
from ctvis.core.errors import CtvisError


def register(subparsers) -> None:
    from ctvis.core.lungs.segment import METHODS

    p = subparsers.add_parser("report", help="lung report: HTML (pictures embedded), and PDF")
    p.add_argument("path", help="DICOM folder/file, NIfTI, NRRD or MetaImage")
    p.add_argument("-o", "--output", required=True, help="the HTML report (.html)")
    p.add_argument("--pdf", help="also write the PDF of the same report here")
    p.add_argument("--with-identifiers", action="store_true",
                   help="show patient ID, dates, UIDs and paths (default: de-identified)")
    p.add_argument("--method", choices=METHODS, default=METHODS[0],
                   help=f"lung segmentation method (default {METHODS[0]})")
    p.add_argument("--mask", help="also list and draw the segments of this label map "
                                  "(NIfTI/NRRD, 3D Slicer .seg.nrrd, DICOM SEG or RTSTRUCT "
                                  "of the series)")
    p.add_argument("--segment", metavar="NAME",
                   help="only the segment of --mask with this name or label value")
    p.add_argument("--lesion-at", action="append", default=[], metavar="X,Y,Z",
                   help="a point inside a nodule or tumour (patient LPS mm): its outline "
                        "and measurements with a picture in the report (repeat for more)")
    p.add_argument("--markups", metavar="FILE.mrk.json",
                   help="rulers, angles, points and ROIs (3D Slicer markups JSON, LPS or "
                        "RAS) drawn in the pictures and listed with their figures")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=cmd_report)


def _check(args) -> None:
    if Path(args.output).suffix.lower() not in (".html", ".htm"):
        raise CtvisError(f"{args.output}: the report must end in .html")
    if args.pdf and Path(args.pdf).suffix.lower() != ".pdf":
        raise CtvisError(f"{args.pdf}: the PDF must end in .pdf")
    for out in filter(None, (args.output, args.pdf)):
        if Path(out).is_dir():
            raise CtvisError(f"{out}: is a folder, give a file name")
    if args.segment is not None and not args.mask:
        raise CtvisError("--segment names a segment of --mask: give --mask too")


def cmd_report(args) -> int:
    from ctvis.app.report import make_report
    from ctvis.core.lungs.metrics import METRICS

    _check(args)
    points = [parse_point(text, "--lesion-at") for text in args.lesion_at]
    with progress_bar(not args.quiet, "report") as progress:
        result = make_report(args.path, args.output, args.pdf, series_uid=args.series,
                             method=args.method, with_identifiers=args.with_identifiers,
                             progress=progress, mask=args.mask,
                             mask_segment=args.segment, lesions_at=points,
                             markups_file=args.markups)
    print_warnings(args.mask, result.get("mask_warnings", []))
    for note in result.get("markup_notes", []):
        print(f"ctvis: warning: {note}", file=sys.stderr)
    if not args.quiet:
        total = result["metrics"]["total"]
        print("lungs: " + ", ".join(plain(f"{m.abbr} {m.text(total[m.key], '-')} {m.unit}")
                                    for m in METRICS))
        for item in result.get("lesions", []):
            print(plain(f"{item['name']}: {item['type']}, {item['volume_ml']:.2f} mL, "
                        f"{item['long_axis_mm']:.1f} × {item['short_axis_mm']:.1f} mm"))
        for key in ("html", "pdf"):
            if result[key] is not None:
                print(f"wrote {result[key]}")
        print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["seconds"].items()))
    print_warnings(args.path, result["notes"] + list(result["metrics"].get("warnings", [])))
    return 0
