"""``ctvis mesh``: lung or bone surface meshes from a CT series, written as STL/PLY/OBJ/VTP.

Headless: imports neither Qt nor a display.  Parses, calls :func:`ctvis.app.build_meshes`,
prints one line per mesh.  ``--mask FILE --segment NAME`` meshes one segment of a label map
(a 3D Slicer ``.seg.nrrd``, an NRRD or NIfTI with its table), on the mask's own grid when
no PATH is given.
"""
from __future__ import annotations

from pathlib import Path

from ctvis.cli.common import print_warnings, progress_bar
from ctvis.core.errors import CtvisError
from ctvis.core.labels import STRUCTURES
from ctvis.core.presets import default_bone_threshold
from ctvis.core.surface_options import BONE_SURFACE, LUNG_SURFACE, SEGMENT_SURFACE

THRESHOLD_HU = (-1024.0, 32767.0)        # what an int16 HU volume can hold above air


def register(subparsers) -> None:
    from ctvis.mesh.mesh_io import MESH_FORMATS

    names = ", ".join(s[1:].upper() for s in MESH_FORMATS)
    p = subparsers.add_parser(
        "mesh", help=f"export lung or bone surface meshes ({names})",
        description="Extract closed, manifold, smoothed, decimated surfaces in patient "
                    "coordinates (LPS mm unless --ras; capped where the volume's edge cuts "
                    "them) and write them; the file states its coordinate system (SPACE=LPS "
                    "as 3D Slicer writes it).")
    p.add_argument("path", nargs="?", help="DICOM folder/file, NIfTI, NRRD or MetaImage "
                                           "(may be left out with --mask: the mask's grid "
                                           "is used)")
    p.add_argument("-o", "--output", required=True,
                   help=f"output file; {', '.join(MESH_FORMATS[:-1])} or {MESH_FORMATS[-1]} "
                        f"chooses the format")
    p.add_argument("--structure", choices=tuple(STRUCTURES), default="lungs",
                   help="lungs (right and left, labelled), right, left, or bone (HU "
                        "threshold); default lungs")
    p.add_argument("--threshold", type=float, default=None, metavar="HU",
                   help=f"bone threshold in HU (default {default_bone_threshold():g}); "
                        f"implies --structure bone")
    p.add_argument("--mask", help="saved lung mask (NIfTI/NRRD, 1 right, 2 left) on the "
                                  "series' grid, instead of segmenting; or any label map "
                                  "(also a DICOM SEG or RTSTRUCT of the series) with "
                                  "--segment")
    p.add_argument("--segment", metavar="NAME",
                   help="mesh the segment of --mask with this name (as its table says: "
                        "a 3D Slicer .seg.nrrd, NRRD fields, a NIfTI's colour table) or "
                        "label value")
    p.add_argument("--smooth", type=int, default=None, metavar="N",
                   help=f"windowed-sinc smoothing iterations (default "
                        f"{LUNG_SURFACE.smooth_iterations} lungs, "
                        f"{BONE_SURFACE.smooth_iterations} bone; 0 off)")
    p.add_argument("--pass-band", type=float, default=None,
                   help=f"windowed-sinc pass band, lower is smoother (default "
                        f"{LUNG_SURFACE.pass_band:g})")
    p.add_argument("--decimate", type=float, default=None, metavar="FRACTION",
                   help=f"fraction of triangles to remove (default {LUNG_SURFACE.decimate:g}; "
                        f"0 off)")
    p.add_argument("--mask-smooth", type=float, default=None, metavar="MM",
                   help="Gaussian sigma (mm) applied to the mask before extraction "
                        "against staircase artefacts (default off)")
    p.add_argument("--min-island", type=float, default=None, metavar="ML",
                   help=f"drop pieces smaller than this (default {LUNG_SURFACE.min_island_ml:g}"
                        f" mL lungs, {BONE_SURFACE.min_island_ml:g} mL bone)")
    p.add_argument("--ras", action="store_true",
                   help="write RAS coordinates (x and y negated) instead of LPS")
    p.add_argument("--split", action="store_true",
                   help="one file per structure (<name>_right.stl, ...) instead of one file")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd)


def mesh_request(args):
    """The MeshRequest the arguments ask for (options checked, with a clear message)."""
    from ctvis.app.pipeline import MeshRequest

    structure = "bone" if args.threshold is not None else args.structure
    if args.path is None and not args.mask:
        raise CtvisError("give PATH (a CT series or file), or --mask with a label map")
    if args.segment is not None and not args.mask:
        raise CtvisError("--segment names a segment of --mask: give --mask too")
    lo, hi = THRESHOLD_HU
    if args.threshold is not None and not lo <= args.threshold <= hi:   # NaN fails too
        raise CtvisError(f"--threshold must be in [{lo:g}, {hi:g}] HU, got {args.threshold:g}")
    if structure == "bone" and args.mask:
        raise CtvisError("--mask selects lungs; bone comes from --threshold")
    base = BONE_SURFACE if structure == "bone" else \
        SEGMENT_SURFACE if args.segment is not None else LUNG_SURFACE
    try:
        options = base.with_(smooth_iterations=args.smooth, pass_band=args.pass_band,
                             decimate=args.decimate, mask_sigma_mm=args.mask_smooth,
                             min_island_ml=args.min_island)
    except ValueError as exc:
        raise CtvisError(str(exc)) from None
    return MeshRequest(structure=structure, threshold=args.threshold, options=options)


def build_meshes(args, progress=None) -> tuple[dict, object]:
    from ctvis.app.pipeline import build_meshes as build, open_volume
    from ctvis.core.io import read_mask
    from ctvis.core.progress import Progress

    request = mesh_request(args)
    tick = Progress(progress)
    if args.path is None:                      # the label map's own grid
        volume = mask = read_mask(args.mask)
    else:
        volume = open_volume(args.path, series_uid=args.series, progress=tick.sub(0.0, 0.2))
        mask = None if not args.mask else read_mask(args.mask, like=volume)
    if mask is not None:                       # a DICOM SEG/RTSTRUCT placed on another series
        print_warnings(args.mask, mask.meta.get("warnings", []))
    if args.segment is not None:
        return segment_mesh(volume, mask, args.segment, args.mask, request.surface_options,
                            tick.sub(0.2, 1.0)), volume
    meshes = build(volume, request, labels=None if mask is None else mask.array,
                   labels_source=args.mask, progress=tick.sub(0.2, 1.0))
    return meshes, volume


def find_segment(mask, wanted: str, source) -> dict:
    """The row of ``mask``'s table named ``wanted`` (exactly, else ignoring case), or with
    that label value; a CtvisError lists the names when there is none."""
    from ctvis.core.io.label_tables import default_segments

    import numpy as np

    rows = mask.meta.get("segments") or default_segments(np.unique(mask.array))
    found = [r for r in rows if r["name"] == wanted] or \
        [r for r in rows if r["name"].lower() == wanted.lower()] or \
        [r for r in rows if wanted.isdigit() and r["value"] == int(wanted)]
    if not found:
        names = ", ".join(f"{r['name']} ({r['value']})" for r in rows) or "none"
        raise CtvisError(f"{source}: no segment named {wanted!r} (segments: {names})")
    return found[0]


def segment_mesh(volume, mask, wanted: str, source, options, progress) -> dict:
    """{name: mesh} of one segment of ``mask`` (on ``volume``'s grid)."""
    from ctvis.mesh.surfaces import surface_from_mask

    row = find_segment(mask, wanted, source)
    inside = mask.array == row["value"]
    if not inside.any():
        raise CtvisError(f"{source}: segment {row['name']!r} (value {row['value']}) is empty")
    return {row["name"]: surface_from_mask(volume, inside, name=row["name"], options=options,
                                           progress=progress)}


def cmd(args) -> int:
    from ctvis.app.notes import loading_notes
    from ctvis.mesh.mesh_io import MESH_FORMATS, write_meshes
    from ctvis.mesh.surfaces import mesh_stats

    if Path(args.output).suffix.lower() not in MESH_FORMATS:
        raise CtvisError(f"{args.output}: the output must end in "
                         f"{', '.join(MESH_FORMATS)}")
    mesh_request(args)                   # refuse bad options before any loading
    with progress_bar(not args.no_progress, "meshing") as progress:
        meshes, volume = build_meshes(args, progress)
    space = "RAS" if args.ras else "LPS"
    for name, mesh in meshes.items():
        s = mesh_stats(mesh)
        closed = "closed" if s["open_edges"] == 0 and s["nonmanifold_edges"] == 0 else (
            f"{s['open_edges']} open, {s['nonmanifold_edges']} non-manifold edges")
        print(f"{name}: {s['triangles']:,} triangles, area {s['area_mm2'] / 100:,.1f} cm², "
              f"volume {s['volume_ml']:,.1f} mL ({closed})")
    written = write_meshes(meshes, args.output, ras=args.ras, split=args.split)
    for path in written:
        print(f"wrote {path} ({space} mm)")
    print_warnings(args.path or args.mask, loading_notes(volume))
    return 0
