"""Lung and bone surface meshes in patient coordinates (no Qt).

Pipeline for one structure (:func:`surface_from_mask`, :func:`threshold_surface`):

1. crop the mask (or HU field) to its bounding box plus a margin and pad it with one voxel of
   background, so the surface closes where the structure touches the volume's border;
2. optionally blur the 0/1 mask with a Gaussian (``mask_sigma_mm``) and contour at 0.5 — that
   removes staircase artefacts while keeping the enclosed volume;
3. ``vtkFlyingEdges3D`` in *index space* (spacing 1, origin at the crop's index), run on VTK's
   multi-threaded SMP backend (STDThread);
4. transform the points with ``volume.index_to_patient_matrix`` — exact for oblique and
   gantry-tilted (sheared) grids, whatever VTK filters do with an image's direction matrix;
   a mirroring matrix (negative determinant) reverses the triangles so they stay outward;
5. windowed-sinc smoothing (``smooth_iterations``, ``pass_band``; coordinates normalized,
   boundary smoothing off);
6. decimate to ``decimate`` (fraction of triangles removed), in millimetres: with
   ``fast_simplification`` when installed (quadric error, ~4x faster than VTK's fastest
   closed-surface decimator; in slabs of bounded memory, :mod:`ctvis.mesh.decimation`,
   shared with a helper process per further core, :mod:`ctvis.mesh.helpers`),
   else ``vtkDecimatePro`` with topology preserved; then
   :func:`ctvis.mesh.manifold.repair_manifold` deletes the fins and flips apart the pinches
   both decimators leave on thin bone, so every edge has exactly two triangles;
7. drop connected pieces that enclose less than ``min_island_ml``;
8. point normals without splitting (splitting would open the surface), outward: the total
   signed volume is checked positive.

Meshes are ``pyvista.PolyData`` in LPS millimetres with point ``Normals`` and field data
``SPACE`` = "LPS" and ``structure``.  Writers are in :mod:`ctvis.mesh.mesh_io`.
"""
from __future__ import annotations

import logging
import math
import os
import time

import numpy as np

from ctvis.core.errors import CtvisError
from ctvis.core.labels import LUNG_STRUCTURES
from ctvis.core.presets import default_bone_threshold
from ctvis.core.progress import Progress
from ctvis.core.surface_options import BONE_SURFACE, LUNG_SURFACE, SurfaceOptions
from ctvis.core.volume import Volume
from ctvis.mesh.manifold import edge_counts, repair_manifold
# Writers and readers live in mesh_io; re-exported here for one-stop use.
from ctvis.mesh.mesh_io import (read_mesh, triangle_faces, write_mesh,  # noqa: F401
                                  write_meshes)

log = logging.getLogger(__name__)

__all__ = ["SurfaceOptions", "LUNG_SURFACE", "BONE_SURFACE", "lung_surfaces", "threshold_surface",
           "surface_from_mask", "surface_from_field", "mesh_stats", "signed_volume",
           "smp_backend", "decimate_backends", "write_meshes", "write_mesh", "read_mesh",
           "image_data", "vtk_image", "image_scalars"]



# ----------------------------------------------------------------------------- VTK plumbing
def smp_backend() -> str:
    """Switch VTK's SMP backend to STDThread (unless the user chose one) and name it.

    The pip wheel of VTK runs its SMP filters (flying edges, windowed sinc, normals) on one
    thread unless told otherwise; switching at run time leaves the environment alone.
    """
    from vtkmodules.vtkCommonCore import vtkSMPTools

    if "VTK_SMP_BACKEND_IN_USE" not in os.environ and vtkSMPTools.GetBackend() != "STDThread":
        vtkSMPTools.SetBackend("STDThread")
    return vtkSMPTools.GetBackend()


def decimate_backends() -> list[str]:
    """Decimation backends usable here, best first."""
    out = []
    try:
        import fast_simplification  # noqa: F401
        out.append("fast")
    except ImportError:
        pass
    return out + ["pro", "quadric"]


def _run(algorithm, tick: Progress | None = None):
    """Update a VTK filter, forwarding its progress and aborting it on cancel."""
    if tick is not None:
        def on_progress(obj, _event):
            try:
                tick(obj.GetProgress())
            except CtvisError:                  # Cancelled: stop the filter, re-raise after
                obj.SetAbortExecute(1)
        tag = algorithm.AddObserver("ProgressEvent", on_progress)
    algorithm.Update()
    if tick is not None:
        algorithm.RemoveObserver(tag)
        tick.check()
    return algorithm.GetOutput()


def _polydata(points: np.ndarray, faces: np.ndarray):
    import pyvista as pv

    return pv.PolyData.from_regular_faces(np.ascontiguousarray(points, dtype=np.float64),
                                          np.ascontiguousarray(faces, dtype=np.int64))


# ------------------------------------------------------------------------------- geometry
TRIANGLE_CHUNK = 500_000     # triangles per numpy pass: corners of all at once are 72 B each


def _corners(points: np.ndarray, faces: np.ndarray, centre=(0.0, 0.0, 0.0)):
    """(start, ((ax, ay, az), (bx, by, bz), (cx, cy, cz))): the triangles' corner coordinates
    relative to ``centre``, a chunk at a time, as 1-D columns — numpy's cross and einsum on
    (n, 3) rows were twice as slow."""
    x, y, z = (np.asarray(points, dtype=np.float64) - centre).T.copy()
    for s in range(0, len(faces), TRIANGLE_CHUNK):
        f = faces[s:s + TRIANGLE_CHUNK]
        yield s, tuple((x[f[:, i]], y[f[:, i]], z[f[:, i]]) for i in range(3))


def _cross(u, v):
    return u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]


def _tetra_volumes(points: np.ndarray, faces: np.ndarray, centre) -> np.ndarray:
    """6 × the signed volume of each triangle's tetrahedron with ``centre``, a chunk at a time."""
    out = np.empty(len(faces))
    for s, (a, b, c) in _corners(points, faces, centre):
        n = _cross(b, c)
        out[s:s + len(a[0])] = a[0] * n[0] + a[1] * n[1] + a[2] * n[2]
    return out


def signed_volume(points: np.ndarray, faces: np.ndarray) -> float:
    """Signed enclosed volume (mm³ for mm points); positive for outward-facing triangles."""
    if len(faces) == 0:
        return 0.0
    p = np.asarray(points, dtype=np.float64)
    centre = p.mean(axis=0)                 # translation-invariant for closed surfaces, and
    return float(_tetra_volumes(p, faces, centre).sum() / 6.0)      # numerically better


def mesh_stats(mesh) -> dict:
    """Triangles, surface area (mm²), enclosed volume (mL), open and non-manifold edges."""
    faces = triangle_faces(mesh)
    p = np.asarray(mesh.points, dtype=np.float64)
    area = 0.0
    for _, (a, b, c) in _corners(p, faces):
        n = _cross([b[i] - a[i] for i in range(3)], [c[i] - a[i] for i in range(3)])
        area += float(0.5 * np.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sum())
    open_edges, nonmanifold = edge_counts(faces)
    return {"triangles": int(len(faces)), "points": int(mesh.n_points), "area_mm2": area,
            "volume_ml": signed_volume(p, faces) / 1000.0, "open_edges": open_edges,
            "nonmanifold_edges": nonmanifold}


def _components(faces: np.ndarray, n_points: int) -> tuple[int, np.ndarray]:
    """Connected components of the mesh: (count, component id per point)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    # Two edges per triangle connect all three corners; int32 indices and a directed graph
    # with weak connection are ~3x faster than the symmetric COO route.
    rows = np.concatenate([faces[:, 0], faces[:, 1]]).astype(np.int32)
    cols = np.concatenate([faces[:, 1], faces[:, 2]]).astype(np.int32)
    graph = csr_matrix((np.ones(len(rows), np.int8), (rows, cols)),
                       shape=(n_points, n_points))
    return connected_components(graph, directed=True, connection="weak")


def _remove_islands(points, faces, min_volume_mm3: float):
    """Drop connected pieces whose |enclosed volume| is below ``min_volume_mm3``:
    (points, faces, pieces dropped, signed volume of what is kept in mm³, or None when the
    pieces were not measured)."""
    if min_volume_mm3 <= 0 or len(faces) == 0:
        return points, faces, 0, None
    n, comp = _components(faces, len(points))
    if n == 1:
        return points, faces, 0, None
    face_comp = comp[faces[:, 0]]
    vol = np.bincount(face_comp, weights=_tetra_volumes(points, faces, points.mean(axis=0)),
                      minlength=n) / 6.0
    # A cavity's surface has negative volume: it goes with the piece around it unless tiny.
    keep = np.abs(vol) >= min_volume_mm3
    if keep.all():
        return points, faces, 0, float(vol.sum())
    faces = faces[keep[face_comp]]
    used = np.zeros(len(points), bool)
    used[faces.ravel()] = True
    new_index = np.cumsum(used) - 1
    return points[used], new_index[faces], int((~keep).sum()), float(vol[keep].sum())


# ----------------------------------------------------------------------------- extraction
def _padded_crop(array: np.ndarray, lo, hi, fill) -> np.ndarray:
    """array[lo:hi] where the box may reach outside the array; outside is ``fill``."""
    src_lo = np.maximum(lo, 0)
    src_hi = np.minimum(hi, array.shape)
    sub = array[src_lo[0]:src_hi[0], src_lo[1]:src_hi[1], src_lo[2]:src_hi[2]]
    pad = [(int(a), int(b)) for a, b in zip(src_lo - lo, hi - src_hi)]
    return np.pad(sub, pad, constant_values=fill)


def vtk_image(array: np.ndarray, spacing_xyz, origin_xyz=(0.0, 0.0, 0.0), name: str = "HU"):
    """A plain ``vtkImageData`` over ``array`` [z, y, x] with this spacing and origin
    (x, y, z), the scalars active under ``name``: the one builder of VTK image data (the
    volume renderer draws it, surfaces contour it).  C-order ravel of [z, y, x] is x-fastest,
    VTK's point order, so a contiguous array is handed to VTK as it is (shared, not copied;
    VTK's array holds a reference to it).  No pyvista: the viewer's 3D pane draws the volume
    without importing it (24 MiB of the viewer's memory, docs/performance.md)."""
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonDataModel import vtkImageData

    nz, ny, nx = array.shape
    image = vtkImageData()
    image.SetDimensions(nx, ny, nz)
    image.SetSpacing(*map(float, spacing_xyz))
    image.SetOrigin(*map(float, origin_xyz))
    scalars = numpy_to_vtk(np.ascontiguousarray(array).ravel(order="C"), deep=False)
    scalars.SetName(name)
    image.GetPointData().SetScalars(scalars)
    return image


def image_scalars(image) -> np.ndarray:
    """The active point scalars of a ``vtkImageData`` as a numpy array (no copy)."""
    from vtkmodules.util.numpy_support import vtk_to_numpy

    return vtk_to_numpy(image.GetPointData().GetScalars())


def image_data(array: np.ndarray, spacing_xyz, origin_xyz=(0.0, 0.0, 0.0), name: str = "HU"):
    """:func:`vtk_image` as a ``pyvista.ImageData`` (the same buffer), for the mesh code."""
    import pyvista as pv

    return pv.wrap(vtk_image(array, spacing_xyz, origin_xyz, name))


def contour(field: np.ndarray, spacing_xyz, origin_xyz, value: float, normals: bool = False,
            tick: Progress | None = None):
    """``vtkFlyingEdges3D`` of a [z, y, x] field at ``value`` on a grid with this spacing and
    origin (x, y, z), on VTK's threaded SMP backend; point normals when asked."""
    import pyvista as pv
    from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D

    smp_backend()
    image = vtk_image(field, spacing_xyz, origin_xyz, name="f")
    fe = vtkFlyingEdges3D()
    fe.SetInputData(image)
    fe.SetValue(0, float(value))
    fe.SetComputeNormals(normals)
    fe.ComputeGradientsOff()
    fe.ComputeScalarsOff()
    fe.InterpolateAttributesOff()
    return pv.wrap(_run(fe, tick))


def _flying_edges(field: np.ndarray, lo_kji, value: float, tick: Progress):
    """Contour ``field`` ([z, y, x] crop starting at index ``lo_kji``) at ``value``; index space."""
    return contour(field, (1.0, 1.0, 1.0), np.asarray(lo_kji, float)[::-1], value,
                   tick=tick)


def _gaussian(field: np.ndarray, volume: Volume, sigma_mm: float) -> np.ndarray:
    from scipy import ndimage

    sigma = [sigma_mm / s for s in volume.spacing]
    return ndimage.gaussian_filter(field.astype(np.float32, copy=False), sigma, truncate=3.0)


def surface_from_field(volume: Volume, field: np.ndarray, value: float,
                       inside: np.ndarray | None, *, fill, name: str = "surface",
                       options: SurfaceOptions = LUNG_SURFACE, progress=None, cancel=None,
                       timings: dict | None = None, box=None):
    """Surface ``field == value`` of a scalar field on ``volume``'s grid, higher values inside.

    ``inside`` (bool, same grid) bounds the crop, or ``box`` = (lo, hi) index corners of what
    is inside, when the caller found them without a mask; ``fill`` is the outside value used
    for the padding that closes the surface at the volume's borders.  ``timings``, if given,
    is filled with the seconds each step took.
    """
    tick = Progress(progress, cancel)
    mask_sigma_mm, min_island_ml = options.mask_sigma_mm, options.min_island_ml
    timings_out, timings = timings, {}
    t0 = time.perf_counter()
    if field.shape != volume.shape:
        raise CtvisError(f"{name}: field shape {field.shape} differs from the volume's "
                         f"{volume.shape}")
    from ctvis.core.image.body import bounding_box    # SciPy: only once a surface is made

    margin = 1 + (int(math.ceil(3.0 * mask_sigma_mm / min(volume.spacing)))
                  if mask_sigma_mm else 0)
    if box is None:
        box = bounding_box(inside, (0, 0, 0), clip=False)
    del inside                                        # the caller's; not needed any more
    if box is None:
        raise CtvisError(f"{name}: nothing to mesh (the mask is empty)")
    lo, hi = np.asarray(box[0]) - margin, np.asarray(box[1]) + margin
    tick(0.02, f"{name}: preparing")
    sub = _padded_crop(field, lo, hi, fill)
    if mask_sigma_mm:
        sub = _gaussian(sub, volume, mask_sigma_mm)
    timings["prepare"] = time.perf_counter() - t0

    t = time.perf_counter()
    mesh = _flying_edges(sub, lo, value, tick.sub(0.05, 0.3))
    del sub
    timings["flying_edges"] = time.perf_counter() - t
    if mesh.n_cells == 0:
        raise CtvisError(f"{name}: the surface is empty")

    # Index space -> LPS mm, exact for any (also sheared) index_to_patient matrix; the
    # polydata is kept (no copy of its triangles) and goes on to the smoothing.
    t = time.perf_counter()
    m = volume.index_to_patient_matrix
    # einsum, not @: OpenBLAS's threads took 0.1-0.7 s for 1.8 M points on a busy machine
    lps = np.einsum("ij,kj->ik", np.asarray(mesh.points, dtype=np.float64), m[:3, :3])
    lps += m[:3, 3]
    mesh.points = lps
    if np.linalg.det(m[:3, :3]) < 0:                 # a mirror turns triangles inside out
        mesh = _polydata(mesh.points, triangle_faces(mesh)[:, ::-1])
    timings["transform"] = time.perf_counter() - t

    # Smooth, then decimate: decimating first leaves long thin triangles on which the
    # windowed-sinc filter overshoots (spikes of several mm with vtkDecimatePro).
    t = time.perf_counter()
    if options.smooth_iterations > 0:
        tick(0.3, f"{name}: smoothing")
        mesh = _windowed_sinc(mesh, options.smooth_iterations, options.pass_band,
                              tick.sub(0.3, 0.5))
    timings["smooth"] = time.perf_counter() - t

    t = time.perf_counter()
    tick(0.5, f"{name}: decimating")
    points, faces = _decimate(mesh, options.decimate, options.decimate_backend,
                              tick.sub(0.5, 0.9))
    del mesh                                          # the full-resolution surface
    timings["decimate"] = time.perf_counter() - t

    # Decimators leave fins and pinches on thin bone (65 non-manifold edges of 490 k
    # triangles on pancreas-ct-cb-001): undone here, so every mesh written is manifold.
    t = time.perf_counter()
    points, faces, repaired, left = repair_manifold(points, faces)
    timings["manifold"] = time.perf_counter() - t

    # Islands last: fewer triangles to walk, same pieces.
    t = time.perf_counter()
    points, faces, dropped, volume = _remove_islands(points, faces, min_island_ml * 1000.0)
    timings["islands"] = time.perf_counter() - t
    if len(faces) == 0:
        raise CtvisError(f"{name}: every piece is smaller than {min_island_ml:g} mL")
    mesh = _polydata(points, faces)

    t = time.perf_counter()
    mesh = _outward_normals(mesh, tick.sub(0.9, 1.0), volume)
    timings["normals"] = time.perf_counter() - t
    mesh.field_data["SPACE"] = np.array(["LPS"])
    mesh.field_data["structure"] = np.array([name])
    timings["total"] = time.perf_counter() - t0
    log.info("%s: %d triangles (%d islands dropped, %d non-manifold edges repaired, %d left) "
             "in %.2f s %s", name, mesh.n_cells, dropped, repaired, left, timings["total"],
             {k: round(v, 3) for k, v in timings.items()})
    if timings_out is not None:
        timings_out.update(timings)
    tick(1.0, f"{name}: done")
    return mesh


def surface_from_mask(volume: Volume, mask: np.ndarray, *, name: str = "mask",
                      options: SurfaceOptions = LUNG_SURFACE, progress=None, cancel=None,
                      timings: dict | None = None):
    """Closed surface of a binary mask on ``volume``'s grid, in LPS mm (see module doc)."""
    mask = np.asarray(mask)
    if mask.shape != volume.shape:
        raise CtvisError(f"{name}: mask shape {mask.shape} differs from the volume's "
                         f"{volume.shape}")
    inside = mask if mask.dtype == bool else mask != 0
    field = inside.view(np.uint8)
    return surface_from_field(volume, field, 0.5, inside, fill=0, name=name,
                              options=options, progress=progress, cancel=cancel,
                              timings=timings)


def lung_surfaces(volume: Volume, labels: np.ndarray, structures=("right", "left"), *,
                  options: SurfaceOptions = LUNG_SURFACE, progress=None, cancel=None,
                  timings: dict | None = None) -> dict:
    """Meshes of lung structures from a label volume (1 right, 2 left): {name: PolyData}.

    ``structures`` names come from ``LUNG_STRUCTURES``: "right", "left", or "lungs" (both
    lungs as one surface).  ``timings``, if given, gets {name: {step: seconds}}.
    """
    labels = np.asarray(labels)
    if labels.shape != volume.shape:
        raise CtvisError(f"lung labels of shape {labels.shape} are not on the volume's grid "
                         f"{volume.shape}")
    if isinstance(structures, str):
        structures = (structures,)
    unknown = [s for s in structures if s not in LUNG_STRUCTURES]
    if unknown:
        raise CtvisError(f"unknown lung structure {unknown[0]!r} "
                         f"(choose from {', '.join(LUNG_STRUCTURES)})")
    tick = Progress(progress, cancel)
    out = {}
    n = len(structures)
    for i, name in enumerate(structures):
        values = LUNG_STRUCTURES[name]
        mask = np.isin(labels, values) if len(values) > 1 else labels == values[0]
        if not mask.any():
            raise CtvisError(f"the lung mask has no {name} lung (label "
                             f"{' or '.join(map(str, values))})")
        out[name] = surface_from_mask(
            volume, mask, name=name, options=options, progress=tick.sub(i / n, (i + 1) / n),
            timings=None if timings is None else timings.setdefault(name, {}))
    return out


def threshold_surface(volume: Volume, hu: float | None = None, *, name: str = "bone",
                      options: SurfaceOptions = BONE_SURFACE, progress=None, cancel=None,
                      timings: dict | None = None):
    """Iso-surface of the HU field at ``hu`` (default: the bone threshold preset), in LPS mm.

    The HU values themselves are contoured (not a 0/1 mask), so vertices sit where the
    interpolated HU crosses ``hu``; ``mask_sigma_mm`` blurs the HU field first.
    """
    hu = default_bone_threshold() if hu is None else float(hu)
    array = volume.array
    box = _threshold_box(array, hu)
    if box is None:
        raise CtvisError(f"no voxel reaches {hu:g} HU: nothing to mesh")
    # Padding below the threshold closes the surface where bone meets the volume's border.
    fill = max(min(float(array.min()), hu - 1000.0), -32768.0)
    field = array if array.dtype == np.int16 else array.astype(np.float32)
    value = float(hu)
    if np.issubdtype(field.dtype, np.integer) and value == math.floor(value):
        # Voxels exactly at the iso-value make degenerate, non-manifold triangles; between
        # integers the surface is that of the mask HU >= hu, and it stays manifold.
        value -= 0.5
    return surface_from_field(volume, field, value, None, box=box, fill=fill, name=name,
                              options=options, progress=progress, cancel=cancel,
                              timings=timings)


def _threshold_box(array: np.ndarray, hu: float, slab_voxels: int = 4_000_000):
    """(lo, hi) index box of the voxels >= ``hu``, or None: a few slices at a time, so no
    boolean copy of the whole volume is made (69 MiB on a 275 × 512² chest)."""
    nz, ny, nx = array.shape
    step = max(1, slab_voxels // max(ny * nx, 1))
    hit_z, hit_y, hit_x = np.zeros(nz, bool), np.zeros(ny, bool), np.zeros(nx, bool)
    for z in range(0, nz, step):
        slab = array[z:z + step] >= hu
        hit_z[z:z + step] = slab.any(axis=(1, 2))
        hit_y |= slab.any(axis=(0, 2))
        hit_x |= slab.any(axis=(0, 1))
    if not hit_z.any():
        return None
    hits = [np.flatnonzero(h) for h in (hit_z, hit_y, hit_x)]
    return np.array([h[0] for h in hits]), np.array([h[-1] + 1 for h in hits])


# ---------------------------------------------------------------- decimation and smoothing
def _decimate(mesh, reduction: float, backend: str, tick: Progress):
    """(points, faces) of ``mesh`` (PolyData) with ``reduction`` of the triangles removed; the
    surface stays closed, but may have non-manifold edges (see :mod:`ctvis.mesh.manifold`)."""
    if not reduction or reduction <= 0 or mesh.n_cells < 100:
        return np.asarray(mesh.points, np.float64), triangle_faces(mesh)
    if backend == "auto":
        backend = decimate_backends()[0]
    tick(0.0, "decimating")
    if backend == "fast":
        from ctvis.mesh.decimation import fast_decimate

        return fast_decimate(np.asarray(mesh.points, np.float64), triangle_faces(mesh),
                             float(reduction), tick)
    from vtkmodules.vtkFiltersCore import vtkDecimatePro, vtkQuadricDecimation

    if backend == "pro":
        d = vtkDecimatePro()
        d.PreserveTopologyOn()          # no holes, no splitting: the surface stays closed
        d.SplittingOff()
        d.BoundaryVertexDeletionOff()
    else:
        d = vtkQuadricDecimation()
        d.VolumePreservationOn()
    d.SetTargetReduction(float(reduction))
    d.SetInputData(mesh)
    import pyvista as pv

    out = pv.wrap(_run(d, tick))
    return np.asarray(out.points, np.float64), triangle_faces(out)


def _windowed_sinc(mesh, iterations: int, pass_band: float, tick: Progress):
    import pyvista as pv
    from vtkmodules.vtkFiltersCore import vtkWindowedSincPolyDataFilter

    smp_backend()
    ws = vtkWindowedSincPolyDataFilter()
    ws.SetInputData(mesh)
    ws.SetNumberOfIterations(int(iterations))
    ws.SetPassBand(float(pass_band))
    ws.NormalizeCoordinatesOn()
    ws.BoundarySmoothingOff()
    ws.FeatureEdgeSmoothingOff()
    ws.NonManifoldSmoothingOn()
    return pv.wrap(_run(ws, tick))


def _outward_normals(mesh, tick: Progress, volume: float | None = None):
    """Point normals without splitting vertices; triangles flipped if they face inward
    (``volume``: the signed volume, when the islands step measured it already)."""
    import pyvista as pv
    from vtkmodules.vtkFiltersCore import vtkPolyDataNormals

    faces = triangle_faces(mesh)
    if (signed_volume(mesh.points, faces) if volume is None else volume) < 0:
        mesh = _polydata(np.asarray(mesh.points), faces[:, ::-1])
    n = vtkPolyDataNormals()
    n.SetInputData(mesh)
    n.SplittingOff()                 # splitting duplicates points: the mesh would open
    n.ConsistencyOff()               # flying edges output is already consistent
    n.AutoOrientNormalsOff()         # would turn a cavity's surface the wrong way
    n.ComputePointNormalsOn()
    n.ComputeCellNormalsOff()
    out = pv.wrap(_run(n, tick))
    return out
