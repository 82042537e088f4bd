"""``ctvis mesh``: lung or bone surface meshes from a CT series, written as STL/PLY/OBJ/VTP.

Headless: imports neither Qt nor a display.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ctvis.core.errors import CtvisError

STRUCTURE_CHOICES = ("lungs", "right", "left", "bone")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "mesh", help="export lung or bone surface meshes (STL, PLY, OBJ, VTP)",
        description="Extract closed, smoothed, decimated surfaces in patient coordinates "
                    "(LPS mm unless --ras) and write them; the file states its coordinate "
                    "system (SPACE=LPS as 3D Slicer writes it).")
    p.add_argument("path", help="DICOM folder/file, NIfTI or NRRD")
    p.add_argument("-o", "--output", required=True,
                   help="output file; .stl, .ply, .obj or .vtp chooses the format")
    p.add_argument("--structure", choices=STRUCTURE_CHOICES, default="lungs",
                   help="lungs (right and left, labelled), right, left, or bone (HU "
                        "threshold); default lungs")
    p.add_argument("--threshold", type=float, default=None, metavar="HU",
                   help="bone threshold in HU (default 300); implies --structure bone")
    p.add_argument("--mask", help="saved lung mask (NIfTI/NRRD, 1 right, 2 left) on the "
                                  "series' grid, instead of segmenting")
    p.add_argument("--smooth", type=int, default=None, metavar="N",
                   help="windowed-sinc smoothing iterations (default 20 lungs, 10 bone; 0 off)")
    p.add_argument("--pass-band", type=float, default=0.1,
                   help="windowed-sinc pass band, lower is smoother (default 0.1)")
    p.add_argument("--decimate", type=float, default=0.5, metavar="FRACTION",
                   help="fraction of triangles to remove (default 0.5; 0 off)")
    p.add_argument("--mask-smooth", type=float, default=None, metavar="MM",
                   help="Gaussian sigma (mm) applied to the mask before extraction "
                        "against staircase artefacts (default off)")
    p.add_argument("--min-island", type=float, default=None, metavar="ML",
                   help="drop pieces smaller than this (default 1 mL lungs, 0.1 mL bone)")
    p.add_argument("--ras", action="store_true",
                   help="write RAS coordinates (x and y negated) instead of LPS")
    p.add_argument("--split", action="store_true",
                   help="one file per structure (<name>_right.stl, ...) instead of one file")
    p.add_argument("--series", help="SeriesInstanceUID to use when PATH holds several")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd)


def _check_grid(mask, volume, mask_path) -> None:
    """The mask must sit on the volume's grid: same shape and the same voxel positions."""
    if mask.shape != volume.shape:
        raise CtvisError(f"{mask_path}: mask shape {mask.shape} (z, y, x) does not match the "
                         f"series' {volume.shape}")
    corners = np.array([[k, j, i] for k in (0, volume.shape[0] - 1)
                        for j in (0, volume.shape[1] - 1) for i in (0, volume.shape[2] - 1)])
    gap = np.abs(mask.index_to_patient(corners) - volume.index_to_patient(corners)).max()
    tolerance = 0.05 * min(volume.spacing)
    if gap > tolerance:
        raise CtvisError(f"{mask_path}: mask geometry does not match the series (voxel "
                         f"positions differ by up to {gap:.3g} mm; origin {mask.origin} vs "
                         f"{volume.origin}, spacing {mask.spacing} vs {volume.spacing})")


def load_mask(mask_path, volume) -> np.ndarray:
    """Lung labels from a saved mask, checked against the volume's grid."""
    from ctvis.core.volume_files import (NIFTI_SUFFIXES, NRRD_SUFFIXES, has_suffix,
                                         read_nifti, read_nrrd)

    path = Path(mask_path)
    if not path.is_file():
        raise CtvisError(f"{path}: no such mask file")
    if has_suffix(path, NIFTI_SUFFIXES):
        mask = read_nifti(path, dtype=np.uint8)
    elif has_suffix(path, NRRD_SUFFIXES):
        mask = read_nrrd(path, dtype=np.uint8)
    else:
        raise CtvisError(f"{path}: a mask must be NIfTI (.nii, .nii.gz) or NRRD (.nrrd)")
    _check_grid(mask, volume, path)
    return mask.array


def lung_structures(labels: np.ndarray, structure: str, mask_path=None):
    """(labels, structure names) for a lung request.

    A label map with 1 (right) and 2 (left) gives the lungs one by one.  A mask with a single
    value other than 2 (e.g. a binary whole-lung mask such as CIP's ``wholeLung``, value 1)
    cannot tell right from left: it gives one structure, "lungs".
    """
    values = set(np.unique(labels).tolist()) - {0}
    where = f"{mask_path}: " if mask_path else ""
    if not values:
        raise CtvisError(f"{where}the lung mask is empty")
    if values == {1, 2} or values == {2}:
        if structure == "lungs":
            return labels, tuple(n for n, v in (("right", 1), ("left", 2)) if v in values)
        return labels, (structure,)
    if len(values) == 1:                 # one value: a whole-lung mask
        if structure != "lungs":
            raise CtvisError(f"{where}the mask has one label ({values.pop()}), not right (1) "
                             f"and left (2) lungs: use --structure lungs")
        return (labels != 0).astype(np.uint8), ("lungs",)
    raise CtvisError(f"{where}the mask has labels {sorted(values)}; expected 1 (right lung) "
                     f"and 2 (left lung)")


def _segment(volume, progress):
    try:
        from ctvis.core.lungs import segment_lungs
    except ImportError as exc:
        if exc.name in ("ctvis.core.lungs",):
            raise CtvisError("lung segmentation is not available in this build: "
                             "pass a saved mask with --mask") from None
        raise
    return segment_lungs(volume, progress=progress)


def build_meshes(args, progress=None) -> tuple[dict, object]:
    from ctvis.core.io import load
    from ctvis.core.progress import Reporter
    from ctvis.render.surfaces import lung_surfaces, threshold_surface

    report = Reporter(progress)
    volume = load(args.path, series_uid=args.series, progress=report.sub(0.0, 0.2))
    structure = "bone" if args.threshold is not None else args.structure
    if structure == "bone":
        if args.mask:
            raise CtvisError("--mask selects lungs; bone comes from --threshold")
        hu = 300.0 if args.threshold is None else args.threshold
        mesh = threshold_surface(
            volume, hu, smooth_iterations=10 if args.smooth is None else args.smooth,
            pass_band=args.pass_band, decimate=args.decimate, mask_sigma_mm=args.mask_smooth,
            min_island_ml=0.1 if args.min_island is None else args.min_island,
            progress=report.sub(0.2, 1.0))
        return {"bone": mesh}, volume
    if args.mask:
        labels = load_mask(args.mask, volume)
        names_from = args.mask
        lo = 0.2
    else:
        labels = _segment(volume, report.sub(0.2, 0.6))
        names_from = None
        lo = 0.6
    labels, names = lung_structures(np.asarray(labels), structure, names_from)
    meshes = lung_surfaces(
        volume, labels, names, smooth_iterations=20 if args.smooth is None else args.smooth,
        pass_band=args.pass_band, decimate=args.decimate, mask_sigma_mm=args.mask_smooth,
        min_island_ml=1.0 if args.min_island is None else args.min_island,
        progress=report.sub(lo, 1.0))
    return meshes, volume


def cmd(args) -> int:
    from ctvis.cli import progress_bar
    from ctvis.render.mesh_io import MESH_FORMATS, write_meshes
    from ctvis.render.surfaces import mesh_stats

    if Path(args.output).suffix.lower() not in MESH_FORMATS:
        raise CtvisError(f"{args.output}: the output must end in "
                         f"{', '.join(MESH_FORMATS)}")
    if not 0 <= args.decimate < 1:
        raise CtvisError(f"--decimate must be in [0, 1), got {args.decimate:g}")
    with progress_bar(not args.no_progress, "meshing") as progress:
        meshes, _volume = build_meshes(args, progress)
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
    return 0
