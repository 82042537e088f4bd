"""What every command shares: the progress bar on a terminal and the warning lines."""
from __future__ import annotations

import contextlib
import sys

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


def print_warnings(path, lines) -> None:
    """``ctvis: warning: PATH: …`` on stderr, one line each (what loading repaired or passed
    over, the lungs' doubts): the commands other than info print no report of the series."""
    for line in lines:
        print(f"ctvis: warning: {path}: {line}", file=sys.stderr)


def plain(text: str) -> str:
    """``text`` for a terminal: the minus sign (U+2212) of the metric names as a hyphen."""
    return text.replace("\u2212", "-")


def parse_point(text: str, flag: str = "--at") -> tuple[float, float, float]:
    """A point X,Y,Z in patient LPS mm given to ``flag``."""
    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise CtvisError(f"{flag} {text!r}: give three numbers X,Y,Z in mm (patient LPS)")
    return values


def add_state_arguments(p, position_help: str = "crosshair X,Y,Z in patient LPS mm") -> None:
    """What ``ctvis screenshot`` and ``ctvis movie`` show: a session, a window preset, the
    crosshair, overlays, a bone threshold, a label map and one of its segments (read by
    ``cli.screenshot.build_state``)."""
    p.add_argument("--session", help="a session file: its data, window, crosshair, overlays, "
                                     "3D settings and camera")
    p.add_argument("--preset", help="window preset (Lung, Mediastinum, Bone, ..., Series)")
    p.add_argument("--position", help=position_help)
    p.add_argument("--overlay", action="append", choices=("lungs", "bone"), default=[],
                   help="show the lung mask (segments the lungs) or the bone threshold; "
                        "repeat for both")
    p.add_argument("--threshold", type=float, help="bone threshold in HU")
    p.add_argument("--mask", help="show this label map as an overlay (NIfTI/NRRD, 3D Slicer "
                                  ".seg.nrrd, DICOM SEG or RTSTRUCT of the series)")
    p.add_argument("--segment", metavar="NAME",
                   help="show only the segment of --mask with this name or label value")
