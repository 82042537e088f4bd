"""``ctvis view [PATH]``: the window.  The only command that imports Qt, and only when run
(importing this module imports no gui), so the headless commands stay Qt-free."""
from __future__ import annotations


def register(subparsers) -> None:
    view = subparsers.add_parser("view",
                                 help="open the viewer (default: the built-in demo phantom)")
    view.add_argument("path", nargs="?", help="DICOM folder/file, NIfTI, NRRD or MetaImage")
    view.add_argument("--series", help="SeriesInstanceUID to open")
    view.add_argument("--preset", metavar="NAME",
                      help="window preset to show (Lung, Mediastinum, Bone, ...; Series)")
    view.add_argument("--screenshot", metavar="FILE",
                      help="save the whole window to FILE (PNG) once drawn, then exit")
    view.add_argument("--session", metavar="FILE",
                      help="open a saved session (PATH, if given, is where its data is now)")
    view.set_defaults(func=cmd_view)


def cmd_view(args) -> int:
    from ctvis.gui.app import run

    return run(args.path, series_uid=args.series, preset=args.preset,
               screenshot=args.screenshot, session=args.session)
