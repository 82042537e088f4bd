"""The slice views' display options of the picture commands (``screenshot``, ``movie``):
``--slab MM --slab-mode mip|minip|mean --colormap grey|inverted|hot|viridis [--colorbar]``.

They set ``ViewerState.view_display`` of every slice view (a session's settings are kept
for what is not given), so the pictures are drawn as the window would draw them.
"""
from __future__ import annotations

from ctvis.core.errors import CtvisError
from ctvis.core.image.colormaps import colormap_names
from ctvis.core.image.slab import SLAB_MODES
from ctvis.core.image.slicing import VIEWS
from ctvis.model.slice_display import MAX_SLAB_MM


def add_display_arguments(parser) -> None:
    parser.add_argument("--slab", type=float, metavar="MM",
                        help="a thick slab this many mm thick instead of a single slice "
                             "(0: single slice)")
    parser.add_argument("--slab-mode", choices=SLAB_MODES,
                        help="the slab's projection: mip (maximum, default), minip "
                             "(minimum) or mean")
    parser.add_argument("--colormap", choices=colormap_names(),
                        help="colour map of the slice views (default grey); a colour map "
                             "other than grey draws a colour bar in HU")
    parser.add_argument("--colorbar", action="store_true",
                        help="draw the colour bar in HU also with grey")


def apply_display(state, args, views=VIEWS) -> None:
    """Set the given options on ``views`` of ``state``; a bad thickness is one error line."""
    changes = {}
    if getattr(args, "slab", None) is not None:
        if not 0 <= args.slab <= MAX_SLAB_MM:
            raise CtvisError(f"--slab {args.slab:g}: give a thickness from 0 to "
                             f"{MAX_SLAB_MM:g} mm")
        changes["slab_mm"] = args.slab
    elif getattr(args, "slab_mode", None) is not None:
        raise CtvisError("--slab-mode needs --slab MM (the slab's thickness)")
    if getattr(args, "slab_mode", None) is not None:
        changes["slab_mode"] = args.slab_mode
    if getattr(args, "colormap", None) is not None:
        changes["colormap"] = args.colormap
    if getattr(args, "colorbar", False):
        changes["colorbar"] = True
    for view in views:
        if changes:
            state.set_view_display(view, **changes)


__all__ = ["add_display_arguments", "apply_display"]
