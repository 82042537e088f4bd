"""The ``ctvis`` command: ``view`` opens the window; the other subcommands are headless.

One module per subcommand (``info``, ``view``, ``segment``, ``lesion``, ``mesh``, ``report``,
``screenshot``, ``movie``, ``anonymize``, ``batch``), each with ``register(subparsers)``; what they share
(the progress bar, the warning lines) is in :mod:`ctvis.cli.common`.  This module builds the
parser and runs a command.  Headless subcommands import neither Qt nor a display (they work
over ssh).  Errors are one clear line on stderr and exit code 1, never a traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from ctvis import __version__
from ctvis.cli import (anonymize, batch, info, lesion, mesh, movie, report, screenshot, segment,
                       view)
from ctvis.core.errors import CtvisError

# In the order `ctvis --help` lists them.
COMMANDS = (view, info, segment, lesion, mesh, report, screenshot, movie, anonymize, batch)


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ctvis", description="Explore chest CT.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"ctvis {__version__}")
    sub = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        command.register(sub)
    return parser


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
