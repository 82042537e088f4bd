"""``ctvis movie PATH -o out.mp4|out.gif --sweep axial|coronal|sagittal | --rotate 3d``.

Headless: no Qt (VTK draws a turn off-screen, through EGL without X).  The state is built
from the same options as ``ctvis screenshot`` (:func:`ctvis.cli.screenshot.build_state`: ``--slab``, ``--slab-mode``,
``--colormap`` set the slice views' display), and each frame is drawn as that command draws its
picture, with the same annotations.
"""
from __future__ import annotations

from ctvis.cli.common import add_state_arguments, print_warnings, progress_bar
from ctvis.cli.display_options import add_display_arguments
from ctvis.core.errors import CtvisError


def register(subparsers) -> None:
    from ctvis.app.movie import (DEFAULT_FPS, DEFAULT_TURN_FRAMES, DEFAULT_TURN_SIZE,
                                 SWEEP_VIEWS)

    p = subparsers.add_parser("movie", help="save a slice sweep or a 3D turn as MP4 or GIF, "
                                            "headless")
    p.add_argument("path", nargs="?", help="DICOM folder/file, NIfTI, NRRD or MetaImage "
                                           "(default: the session's data, or the demo phantom)")
    p.add_argument("-o", "--output", required=True, help="the movie (.mp4 or .gif)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--sweep", choices=SWEEP_VIEWS,
                      help="one frame per slice of this view, as its screenshot shows it")
    what.add_argument("--rotate", choices=("3d",), help="a 360° turn of the 3D view")
    p.add_argument("--fps", type=float, default=DEFAULT_FPS,
                   help=f"frames a second (default {DEFAULT_FPS:g})")
    p.add_argument("--slices", metavar="FIRST:LAST",
                   help="sweep: only these slices (numbered from 1 as the picture shows)")
    p.add_argument("--step", type=int, default=1, help="sweep: every Nth slice (default 1)")
    p.add_argument("--frames", type=int, default=DEFAULT_TURN_FRAMES,
                   help=f"3D turn: frames in the turn (default {DEFAULT_TURN_FRAMES})")
    p.add_argument("--size", type=int, default=DEFAULT_TURN_SIZE,
                   help=f"3D turn: frame width and height in pixels "
                        f"(default {DEFAULT_TURN_SIZE})")
    add_display_arguments(p)               # --slab, --slab-mode, --colormap, --colorbar
    p.add_argument("--vr-preset", help="3D volume-rendering preset (CT-Bone, CT-Lung, ...)")
    add_state_arguments(p, "crosshair X,Y,Z in patient LPS mm (the other views' slices of "
                           "a 3D turn)")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_movie)


def _slices(text: str | None) -> tuple[int | None, int | None]:
    """``FIRST:LAST`` (1-based, inclusive; either may be left out) as 0-based indices."""
    if text is None:
        return None, None
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        first, last = (int(v) - 1 if v.strip() else None for v in parts)
    except ValueError:
        raise CtvisError(f"--slices {text!r}: give FIRST:LAST, e.g. 10:80") from None
    return first, last


def cmd_movie(args) -> int:
    from ctvis.app.movie import MovieSpec, check_output, check_spec, save_movie
    from ctvis.cli.screenshot import build_state
    from ctvis.core.progress import Progress

    check_output(args.output)                      # before the data is read
    first, last = _slices(args.slices)
    spec = MovieSpec(kind="rotate" if args.rotate else "sweep", view=args.sweep or "axial",
                     first=first, last=last, step=args.step, frames=args.frames,
                     size=args.size, fps=args.fps)
    check_spec(spec)
    with progress_bar(not args.quiet, "movie") as progress:
        tick = Progress(progress)
        tick(0.0, "reading")
        state = build_state(args)
        result = save_movie(state, args.output, spec, progress=tick.sub(0.05, 1.0))
    width, height = result.size
    print(f"wrote {args.output} ({result.frames} frames, {width} × {height}, "
          f"{spec.fps:g} fps)")
    if state.volume is not None:
        from ctvis.app.notes import loading_notes

        print_warnings(args.path or state.source.path, loading_notes(state.volume))
    return 0
