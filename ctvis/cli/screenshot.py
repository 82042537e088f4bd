"""``ctvis screenshot PATH --view axial|coronal|sagittal|3d|layout -o out.png``.

Headless: no Qt and no X server (VTK draws the 3D pane off-screen through EGL).  The picture
is that of a ViewerState — built from the options, or read from ``--session`` — drawn by the
same code as the viewer's panes.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ctvis.cli.common import add_state_arguments, print_warnings
from ctvis.cli.display_options import add_display_arguments, apply_display
from ctvis.core.errors import CtvisError

VIEW_CHOICES = ("axial", "coronal", "sagittal", "3d", "layout")


def register(subparsers) -> None:
    p = subparsers.add_parser("screenshot", help="save a picture of a view, headless")
    p.add_argument("path", nargs="?", help="DICOM folder/file, NIfTI, NRRD or MetaImage "
                                           "(default: the session's data, or the demo phantom)")
    p.add_argument("-o", "--output", required=True, help="the picture (.png)")
    p.add_argument("--view", choices=VIEW_CHOICES, default="axial",
                   help="a slice view, the 3D view, or the whole layout (default axial)")
    add_state_arguments(p)     # --session, --preset, --position, --overlay, --threshold, ...
    p.add_argument("--markups", metavar="FILE.mrk.json",
                   help="draw these rulers, angles, points and ROIs (3D Slicer markups "
                        "JSON, LPS or RAS); without --position the crosshair goes to the "
                        "first one's slice")
    add_display_arguments(p)
    p.add_argument("--vr-preset", help="3D volume-rendering preset (CT-Bone, CT-Lung, ...)")
    p.add_argument("--scale", type=int, default=1, choices=(1, 2, 3, 4),
                   help="render at this many times the size, for print (default 1)")
    p.add_argument("--no-annotations", action="store_true",
                   help="no letters, names or readouts on the picture")
    p.add_argument("--transparent", action="store_true", help="3D: transparent background")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.set_defaults(func=cmd_screenshot)


def _position(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or not all(abs(v) < 1e6 for v in values):
        raise CtvisError(f"--position {text!r}: give three numbers X,Y,Z in mm")
    return values


def build_state(args):
    """The ViewerState the options describe."""
    from dataclasses import replace

    from ctvis.app.pipeline import open_volume, segment
    from ctvis.app.results import show_segmentation
    from ctvis.app.session import open_session
    from ctvis.model.state import LUNGS, Source, ViewerState

    if args.segment is not None and not args.mask:
        raise CtvisError("--segment names a segment of --mask: give --mask too")
    if args.session:
        state = open_session(args.session, data_path=args.path)
    else:
        state = ViewerState()
        state.volume = open_volume(args.path, series_uid=args.series)
        state.source = Source(None if args.path is None else str(args.path), args.series)
    if args.preset:
        try:
            state.apply_preset(args.preset)
        except KeyError as exc:
            raise CtvisError(exc.args[0]) from None
    if getattr(args, "markups", None):
        from ctvis.model.markup_files import read_mrk_json
        from ctvis.model.markups import focus_point, replaced

        found, notes = read_mrk_json(args.markups)
        for line in notes:
            print(f"ctvis: warning: {line}", file=sys.stderr)
        for markup in found:
            state.markups = replaced(state.markups, markup)
        if found and state.volume is not None:
            state.crosshair = tuple(focus_point(found[0]))
    if args.position:
        state.crosshair = _position(args.position)
    if "lungs" in args.overlay and LUNGS not in state.overlays:
        show_segmentation(state, segment(state.volume))
    if args.mask:
        from ctvis.app.open_segments import mask_labelmap

        if state.volume is None:
            raise CtvisError("--mask needs an image: give PATH or --session")
        labelmap, warnings = mask_labelmap(state.volume, args.mask, args.segment,
                                           taken=state.overlays)
        print_warnings(args.mask, warnings)
        state.set_overlay(labelmap.name, labels=labelmap,
                          origin=f"file {Path(args.mask).name}")
    if "bone" in args.overlay or args.threshold is not None:
        state.bone = replace(state.bone, visible=True,
                             hu=state.bone.hu if args.threshold is None else args.threshold)
    apply_display(state, args)
    if args.vr_preset:
        from ctvis.render.transfer_functions import vr_presets

        if args.vr_preset not in vr_presets():
            raise CtvisError(f"no volume-rendering preset {args.vr_preset!r}; known: "
                             + ", ".join(vr_presets()))
        state.view3d = replace(state.view3d, preset=args.vr_preset,
                               modes=state.view3d.modes | {"volume"})
    return state


def cmd_screenshot(args) -> int:
    from ctvis.render.pictures import png_bytes, state_picture
    from ctvis.core.atomic import atomic_path

    if Path(args.output).suffix.lower() != ".png":
        raise CtvisError(f"{args.output}: the picture must end in .png")
    state = build_state(args)
    rgb = state_picture(state, args.view, scale=args.scale,
                        annotations=not args.no_annotations, transparent=args.transparent)
    with atomic_path(args.output) as tmp:
        tmp.write_bytes(png_bytes(rgb))
    print(f"wrote {args.output} ({rgb.shape[1]} × {rgb.shape[0]})")
    if state.volume is not None:
        from ctvis.app.notes import loading_notes

        print_warnings(args.path or state.source.path, loading_notes(state.volume))
    return 0
