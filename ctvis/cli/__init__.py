"""The ``ctvis`` command: ``view`` opens the window; the other subcommands are headless.

Headless subcommands import neither Qt nor a display (they work over ssh).  Errors are one
clear line on stderr and exit code 1, never a traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys

from ctvis import __version__
from ctvis.core.errors import CtvisError


@contextlib.contextmanager
def progress_bar(enabled: bool, desc: str):
    """A ``progress(fraction, message)`` callback drawing a tqdm bar on a terminal."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=1000, desc=desc, file=sys.stderr, leave=False,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} {postfix}") as bar:
        def update(fraction: float, message: str = "") -> None:
            bar.n = int(round(1000 * fraction))
            bar.set_postfix_str(message, refresh=False)
            bar.refresh()
        yield update


# --------------------------------------------------------------------------- info
SERIES_KEYS = ("uid", "description", "modality", "n_images", "rows", "columns")


def info_report(volume) -> dict:
    """Everything ``ctvis info --json`` prints, with exactly the documented keys."""
    meta = volume.meta
    return {
        "series": [{k: s[k] for k in SERIES_KEYS} for s in meta.get("series") or []] or [{
            "uid": meta.get("series_uid", ""), "description": meta.get("description", ""),
            "modality": meta.get("modality", ""), "n_images": volume.shape[0],
            "rows": volume.shape[1], "columns": volume.shape[2]}],
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
        "warnings": meta.get("warnings", []),
    }


def _print_info(report: dict, series: list) -> None:
    """The table; ``series`` are the loader's entries (they also carry pixel spacing)."""
    series = series or report["series"]
    sel = report["selected"]
    print(f"{len(series)} series found:")
    print(f"  {'':1} {'images':>6} {'size':>9} {'pixel mm':>11} {'modality':8} "
          f"{'description':28} uid")
    for s in series:
        mark = "*" if s["uid"] == sel["uid"] else " "
        size = f"{s['rows']}x{s['columns']}"
        pixel = "-" if not s.get("spacing") else "x".join(f"{v:.3g}" for v in s["spacing"])
        print(f"  {mark} {s['n_images']:>6} {size:>9} {pixel:>11} {s['modality'][:8]:8} "
              f"{(s['description'] or '-')[:28]:28} {s['uid']}")
    z, y, x = sel["shape"]
    dz, dy, dx = sel["spacing"]
    print(f"\nselected: {sel['uid']}")
    print(f"  shape (x × y × z): {x} × {y} × {z} voxels")
    print(f"  spacing (x × y × z): {dx:g} × {dy:g} × {dz:g} mm")
    print(f"  origin (LPS mm): {', '.join(f'{o:g}' for o in sel['origin'])}")
    print("  direction (columns x, y, z): "
          + "; ".join(", ".join(f"{v:g}" for v in row) for row in sel["direction"]))
    print(f"  HU range: {sel['hu_min']} … {sel['hu_max']}")
    if report["skipped"]:
        print(f"\nskipped {len(report['skipped'])} file(s):")
        for s in report["skipped"][:20]:
            print(f"  {s['path']}: {s['reason']}")
        if len(report["skipped"]) > 20:
            print(f"  … and {len(report['skipped']) - 20} more")
    if report["warnings"]:
        print("\nwarnings:")
        for w in report["warnings"]:
            print(f"  - {w}")


def print_warnings(path, lines) -> None:
    """``ctvis: warning: PATH: …`` on stderr, one line each (what loading repaired or passed
    over, the lungs' doubts): the commands other than info print no report of the series."""
    for line in lines:
        print(f"ctvis: warning: {path}: {line}", file=sys.stderr)


def cmd_info(args) -> int:
    from ctvis.app.pipeline import open_volume

    with progress_bar(not args.json, "reading") as progress:
        volume = open_volume(args.path, series_uid=args.series, progress=progress)
    report = info_report(volume)
    if args.json:
        print(json.dumps(report, indent=2, allow_nan=False))    # NaN is not JSON
    else:
        _print_info(report, volume.meta.get("series"))
    return 0


# --------------------------------------------------------------------------- view
def cmd_view(args) -> int:
    from ctvis.gui.app import run

    return run(args.path, series_uid=args.series, preset=args.preset,
               screenshot=args.screenshot, session=args.session)


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ctvis", description="Explore chest CT.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"ctvis {__version__}")
    sub = parser.add_subparsers(dest="command")

    view = sub.add_parser("view", help="open the viewer (default: the built-in demo phantom)")
    view.add_argument("path", nargs="?", help="DICOM folder/file, NIfTI or NRRD")
    view.add_argument("--series", help="SeriesInstanceUID to open")
    view.add_argument("--preset", metavar="NAME",
                      help="window preset to show (Lung, Mediastinum, Bone, ...; Series)")
    view.add_argument("--screenshot", metavar="FILE",
                      help="save the whole window to FILE (PNG) once drawn, then exit")
    view.add_argument("--session", metavar="FILE",
                      help="open a saved session (PATH, if given, is where its data is now)")
    view.set_defaults(func=cmd_view)

    info = sub.add_parser("info", help="list the series in PATH and describe the chosen one")
    info.add_argument("path", help="DICOM folder/file, NIfTI or NRRD")
    info.add_argument("--series", help="SeriesInstanceUID to describe")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=cmd_info)

    _add_more_commands(sub)
    return parser


def _add_more_commands(sub) -> None:
    """Subcommands defined in their own modules (segment, mesh)."""
    from ctvis import (cli_anonymize, cli_batch, cli_mesh, cli_report, cli_screenshot,
                       cli_segment)

    for module in (cli_segment, cli_mesh, cli_report, cli_screenshot, cli_anonymize,
                   cli_batch):
        module.register(sub)


def _configure_logging(verbose: bool) -> None:
    """ctvis's own warnings on stderr; libraries' logs and Python warnings (pydicom, numpy)
    only with -v, so a handled problem never prints a foreign traceback."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    if not verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda record: record.name.split(".")[0] == "ctvis")
        # nibabel logs through a stderr handler of its own ("sizeof_hdr should be 348").
        logging.getLogger("nibabel.global").setLevel(logging.CRITICAL + 1)


def _one_line(exc: BaseException) -> str:
    """The message as one line (file names may hold newlines)."""
    return " ".join(str(exc).splitlines()) or type(exc).__name__


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):     # odd file names must not crash printing
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    if args.command is None:
        args = parser.parse_args(["view"])
    try:
        return args.func(args)
    except CtvisError as exc:
        print(f"ctvis: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:                # `ctvis info ... | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:                 # permission denied, disk full, ...
        print(f"ctvis: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ctvis: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"ctvis: error: not enough memory for {getattr(args, 'path', 'this input')}",
              file=sys.stderr)
        return 1
    except Exception as exc:               # a bug: one line for the user, the trace in -v
        logging.getLogger("ctvis").debug("internal error", exc_info=True)
        if args.verbose:
            raise
        print(f"ctvis: error: internal error ({type(exc).__name__}: {_one_line(exc)}) on "
              f"{getattr(args, 'path', 'this input')}; run with -v for the traceback",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
