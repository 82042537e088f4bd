"""``ctvis anonymize IN OUT [--key KEY]``: an anonymized copy of every DICOM file in IN."""
from __future__ import annotations

import secrets

from ctvis.cli.common import progress_bar


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "anonymize", help="anonymized copy of a DICOM folder (PS3.15 basic profile)",
        description="Copy every DICOM file of IN into OUT/<study>/<series>/ with identifying "
                    "attributes removed or replaced, dates shifted, UIDs remapped and private "
                    "tags removed (pixel data untouched). IN is never written; OUT must not "
                    "be inside IN; files that are not DICOM are not copied.")
    p.add_argument("input", help="DICOM folder or file")
    p.add_argument("output", help="output folder (created)")
    p.add_argument("--key", help="secret that makes the mapping repeatable: the same key "
                                 "gives the same new UIDs and date shift (default: a new "
                                 "random key, printed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=cmd_anonymize)


def cmd_anonymize(args) -> int:
    from ctvis.core.io.anonymize import anonymize_folder

    key = args.key or secrets.token_hex(16)
    with progress_bar(not args.quiet, "anonymizing") as progress:
        result = anonymize_folder(args.input, args.output, key, progress=progress)
    if not args.quiet:
        print(f"wrote {len(result.written)} file(s) in {len(result.series)} series to "
              f"{args.output}")
        if not args.key:
            print(f"key: {key} (give it as --key to map the same way again)")
        for path, reason in result.skipped[:20]:
            print(f"skipped {path}: {reason}")
        if len(result.skipped) > 20:
            print(f"… and {len(result.skipped) - 20} more skipped")
        for path in result.burned_in:
            print(f"check {path}: burned-in annotation (pixels are not changed)")
    return 0
