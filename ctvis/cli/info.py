"""``ctvis info PATH [--json] [--series UID]``: the series found, the chosen one's geometry,
HU range, skipped files and warnings.  Headless."""
from __future__ import annotations

import json

from ctvis.cli.common import progress_bar

SERIES_KEYS = ("uid", "description", "modality", "n_images", "rows", "columns", "kind")


def register(subparsers) -> None:
    info = subparsers.add_parser("info",
                                 help="list the series in PATH and describe the chosen one")
    info.add_argument("path", help="DICOM folder/file, NIfTI, NRRD or MetaImage")
    info.add_argument("--series", help="SeriesInstanceUID to describe")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=cmd_info)


def info_summary(volume) -> dict:
    """Everything ``ctvis info --json`` prints, with exactly the documented keys."""
    meta = volume.meta
    return {
        "series": [{k: s.get(k, "") for k in SERIES_KEYS} for s in meta.get("series") or []]
        or [{"uid": meta.get("series_uid", ""), "description": meta.get("description", ""),
             "modality": meta.get("modality", ""), "n_images": volume.shape[0],
             "rows": volume.shape[1], "columns": volume.shape[2], "kind": ""}],
        "selected": {
            "uid": meta.get("series_uid", ""),
            "description": meta.get("description", ""),
            "shape": list(volume.shape),
            "spacing": [round(s, 6) for s in volume.spacing],
            "origin": [round(o, 4) for o in volume.origin],
            "direction": [[round(v, 6) for v in row] for row in volume.direction.tolist()],
            "hu_min": int(volume.array.min()),
            "hu_max": int(volume.array.max()),
        },
        "skipped": meta.get("skipped", []),
        "segment_objects": meta.get("segment_objects", []),
        "warnings": meta.get("warnings", []),
    }


def _print_info(facts: dict, series: list) -> None:
    """The table; ``series`` are the loader's entries (they also carry pixel spacing), the
    default first; ``kind`` says what each is ("derived coronal reformat", "localizer"), so
    that a series with more images that was not the default shows why."""
    series = series or facts["series"]
    sel = facts["selected"]
    print(f"{len(series)} series found" + (" (* loaded; the default first):"
                                           if len(series) > 1 else ":"))
    print(f"  {'':1} {'images':>6} {'size':>9} {'pixel mm':>11} {'modality':8} "
          f"{'kind':26} {'description':28} uid")
    for s in series:
        mark = "*" if s["uid"] == sel["uid"] else " "
        size = f"{s['rows']}x{s['columns']}"
        pixel = "-" if not s.get("spacing") else "x".join(f"{v:.3g}" for v in s["spacing"])
        print(f"  {mark} {s['n_images']:>6} {size:>9} {pixel:>11} {s['modality'][:8]:8} "
              f"{s.get('kind') or '-':26} {(s['description'] or '-')[:28]:28} {s['uid']}")
    z, y, x = sel["shape"]
    dz, dy, dx = sel["spacing"]
    print(f"\nselected: {sel['uid']}")
    print(f"  shape (x × y × z): {x} × {y} × {z} voxels")
    print(f"  spacing (x × y × z): {dx:g} × {dy:g} × {dz:g} mm")
    print(f"  origin (LPS mm): {', '.join(f'{o:g}' for o in sel['origin'])}")
    print("  direction (columns x, y, z): "
          + "; ".join(", ".join(f"{v:g}" for v in row) for row in sel["direction"]))
    print(f"  HU range: {sel['hu_min']} … {sel['hu_max']}")
    if facts["segment_objects"]:
        print("\nsegments of this series (open with --mask FILE, or File > Open segments):")
        for o in facts["segment_objects"]:
            print(f"  {o['kind']}: {o['path']} ({', '.join(o['segments']) or 'no segments'})")
    if facts["skipped"]:
        print(f"\nskipped {len(facts['skipped'])} file(s):")
        for s in facts["skipped"][:20]:
            print(f"  {s['path']}: {s['reason']}")
        if len(facts["skipped"]) > 20:
            print(f"  … and {len(facts['skipped']) - 20} more")
    if facts["warnings"]:
        print("\nwarnings:")
        for w in facts["warnings"]:
            print(f"  - {w}")


def cmd_info(args) -> int:
    from ctvis.app.pipeline import open_volume

    with progress_bar(not args.json, "reading") as progress:
        volume = open_volume(args.path, series_uid=args.series, progress=progress)
    facts = info_summary(volume)
    if args.json:
        print(json.dumps(facts, indent=2, allow_nan=False))    # NaN is not JSON
    else:
        _print_info(facts, volume.meta.get("series"))
    return 0
