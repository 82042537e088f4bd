"""Every mesh ctvis writes is closed and manifold (issue 25, item 3): after the default smoothing
and decimation, on real series and on surfaces cut by the volume's edge, per-segment exports
too, and in every file format read back.  Counted with VTK's own vtkFeatureEdges."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.app.export_segments import SegmentExport, export_segments
from ctvis.core.phantom import make_phantom
from ctvis.mesh import surfaces as S
from ctvis.mesh.manifold import edge_counts, repair_manifold
from ctvis.mesh.mesh_io import MESH_FORMATS, read_mesh, write_meshes
from ctvis.model.labelmap import LabelMap, Segment

BONE_HU = 226                     # the threshold, InVesalius's bone preset


def feature_edges(mesh) -> tuple[int, int]:
    """(boundary edges, non-manifold edges) as vtkFeatureEdges counts them."""
    def count(**kinds):
        return mesh.extract_feature_edges(feature_edges=False, manifold_edges=False,
                                          **kinds).n_cells
    return (count(boundary_edges=True, non_manifold_edges=False),
            count(boundary_edges=False, non_manifold_edges=True))


def assert_closed_manifold(mesh, what=""):
    assert feature_edges(mesh) == (0, 0), what
    assert S.mesh_stats(mesh)["open_edges"] == 0 and S.mesh_stats(mesh)["nonmanifold_edges"] == 0
    # Each connected part is a closed shell of its own: none has an edge with one triangle,
    # and each encloses a volume.
    faces = S.triangle_faces(mesh)
    points = np.asarray(mesh.points, float)
    n, comp = S._components(faces, mesh.n_points)
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), 1)
    unique, counts = np.unique(edges, axis=0, return_counts=True)
    open_per_part = np.bincount(comp[unique[counts == 1, 0]], minlength=n)
    assert not open_per_part.any(), what
    volumes = np.bincount(comp[faces[:, 0]], minlength=n,
                          weights=S._tetra_volumes(points, faces, points.mean(0)))
    assert np.all(np.abs(volumes) > 0), what


def assert_files_keep_it(meshes, folder, suffixes=MESH_FORMATS):
    """Written (in every format) and read back: still closed and manifold, same triangles."""
    for suffix in suffixes:
        path = folder / f"mesh{suffix}"
        write_meshes(meshes, path)
        back = read_mesh(path)
        assert back.n_cells == sum(m.n_cells for m in meshes.values()), suffix
        assert feature_edges(back) == (0, 0), suffix


def unrepaired_counts(monkeypatch):
    """Record the edge counts the decimator left, before the repair."""
    seen = []
    real = S.repair_manifold

    def spy(points, faces, **kw):
        seen.append(edge_counts(faces))
        return real(points, faces, **kw)
    monkeypatch.setattr(S, "repair_manifold", spy)
    return seen


# ------------------------------------------------------------------------- the repair
def octahedron(centre, radius=1.0):
    c = np.asarray(centre, float)
    points = c + radius * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0],
                                    [0, 0, 1], [0, 0, -1]], float)
    faces = np.array([[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4],
                      [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]])
    return points, faces


def merged(parts):
    """Concatenate (points, faces) and merge equal points: shared corners become one."""
    points = np.concatenate([p for p, _ in parts])
    faces = np.concatenate([f + sum(len(p) for p, _ in parts[:i])
                            for i, (_, f) in enumerate(parts)])
    unique, inverse = np.unique(points.round(9), axis=0, return_inverse=True)
    return unique, inverse.ravel()[faces]


def test_a_pinch_is_flipped_apart_and_a_fin_deleted():
    # Two octahedra touching along one edge (+x..+z of the first is -x..-z of the second).
    p, f = merged([octahedron((0, 0, 0)), octahedron((1, 0, 1))])
    assert edge_counts(f) == (0, 1)
    p2, f2, fixed, left = repair_manifold(p, f)
    assert (fixed, left) == (1, 0) and edge_counts(f2) == (0, 0)
    assert len(f2) == len(f) and len(p2) == len(p)              # nothing deleted or split
    assert S.signed_volume(p2, f2) > 0                            # still outward, still a solid

    # A fin: a triangle and its back-to-back copy hanging on an edge of a closed octahedron.
    p, f = octahedron((0, 0, 0))
    p = np.vstack([p, [[0.9, 0.9, 0.9]]])
    f = np.vstack([f, [[0, 4, 6], [6, 4, 0]]])
    assert edge_counts(f) == (0, 1)
    p2, f2, fixed, left = repair_manifold(p, f)
    assert (fixed, left) == (1, 0) and edge_counts(f2) == (0, 0)
    assert len(f2) == 8 and len(p2) == 6                          # the fin and its tip gone
    assert S.signed_volume(p2, f2) == pytest.approx(S.signed_volume(*octahedron((0, 0, 0))))


# ----------------------------------------------------------------------- real series
@pytest.fixture(scope="module")
def cip(data_dir):
    import ctvis
    from ctvis.core.io.nifti_nrrd import read_nrrd

    folder = data_dir / "cip-10002K-64"
    volume = ctvis.load(folder / "dicom")
    return volume, read_nrrd(folder / "wholeLung-64.nrrd", dtype=np.uint8).array > 0


@pytest.fixture(scope="module")
def lidc_slab(data_dir):
    """16 slices of 512²: the ribs and spine leave the volume at its top and bottom."""
    import ctvis

    return ctvis.load(data_dir / "lidc-slabs" / "LIDC-IDRI-0001")


@pytest.mark.data
def test_bone_at_226_hu_on_a_real_series_is_closed_and_manifold(cip, tmp_path, monkeypatch):
    volume, _ = cip
    before = unrepaired_counts(monkeypatch)
    bone = S.threshold_surface(volume, BONE_HU)               # default smoothing + decimation
    assert before[0][1] > 0          # the decimator did leave non-manifold edges (26 here)
    assert_closed_manifold(bone, "bone")
    assert_files_keep_it({"bone": bone}, tmp_path)


@pytest.mark.data
def test_bone_decimated_in_slabs_is_closed_and_manifold(cip, monkeypatch):
    from ctvis.mesh import decimation

    volume, _ = cip
    monkeypatch.setattr(decimation, "DECIMATE_CHUNK", 5_000)   # slabs: 5 k of 32 k triangles
    bone = S.threshold_surface(volume, BONE_HU)
    assert_closed_manifold(bone, "bone in slabs")


@pytest.mark.data
def test_bone_cut_by_a_thin_slab_s_edges_is_capped(lidc_slab, tmp_path, monkeypatch):
    before = unrepaired_counts(monkeypatch)
    bone = S.threshold_surface(lidc_slab, BONE_HU)
    assert before[0][1] > 0
    assert_closed_manifold(bone, "bone")
    # The spine runs through both end slices: the surface reaches past both, capped there.
    z = np.asarray(bone.points)[:, 2]
    ends = sorted(lidc_slab.index_to_patient(np.array([[0, 0, 0], [15, 0, 0]]))[:, 2])
    assert z.min() < ends[0] + 1.0 and z.max() > ends[1] - 1.0
    assert_files_keep_it({"bone": bone}, tmp_path, [".stl"])     # STL merges equal corners


@pytest.mark.data
def test_lungs_on_a_real_series_are_closed_and_manifold(cip, tmp_path):
    volume, mask = cip
    labels = mask.astype(np.uint8)
    labels[:, :, : mask.shape[2] // 2] *= 2       # split the reference mask into two halves
    meshes = S.lung_surfaces(volume, labels)
    for name, mesh in meshes.items():
        assert_closed_manifold(mesh, name)
    assert_files_keep_it(meshes, tmp_path)


@pytest.mark.data
def test_per_segment_meshes_are_closed_and_manifold(cip, tmp_path):
    volume, mask = cip
    array = np.where(mask, 1, 0).astype(np.uint8)
    array[(volume.array >= BONE_HU) & ~mask] = 2
    labelmap = LabelMap(array, (Segment("lungs", 1, (230, 120, 60)),
                                Segment("bone", 2, (240, 240, 220))), "segments")
    for suffix in MESH_FORMATS:
        written = export_segments(volume, labelmap, SegmentExport(
            tmp_path, "s", None, suffix, table=False))
        assert [p.name for p in written] == [f"s_lungs{suffix}", f"s_bone{suffix}"]
        for path in written:
            assert feature_edges(read_mesh(path)) == (0, 0), path.name


# -------------------------------------------------------- phantom cut by the volume edge
@pytest.fixture(scope="module")
def cut_phantom():
    """The middle third of the phantom chest: lungs, ribs and spine run out of both ends."""
    phantom = make_phantom()
    lo, hi = (40, 0, 0), (80, 256, 256)
    return phantom.volume.crop(lo, hi), phantom.lungs[40:80].copy()


def test_surfaces_cut_by_the_volume_edge_are_capped(cut_phantom, tmp_path):
    volume, labels = cut_phantom
    assert (labels[0] > 0).any() and (labels[-1] > 0).any()         # cut at both ends
    assert (volume.array[0] >= BONE_HU).any() and (volume.array[-1] >= BONE_HU).any()
    meshes = {**S.lung_surfaces(volume, labels), "bone": S.threshold_surface(volume, BONE_HU)}
    for name, mesh in meshes.items():
        assert_closed_manifold(mesh, name)
    assert_files_keep_it(meshes, tmp_path, [".stl", ".ply"])
    # The lungs' caps close them half a voxel beyond the end slices' centres.
    z_ends = sorted(volume.index_to_patient(np.array([[0, 0, 0], [39, 0, 0]]))[:, 2])
    z = np.asarray(meshes["right"].points)[:, 2]
    assert z.min() == pytest.approx(z_ends[0] - volume.spacing[0] / 2, abs=volume.spacing[0])
    assert z.max() == pytest.approx(z_ends[1] + volume.spacing[0] / 2, abs=volume.spacing[0])


def test_per_segment_export_of_a_cut_label_map(cut_phantom, tmp_path):
    volume, labels = cut_phantom
    labelmap = LabelMap(labels, (Segment("right lung", 1, (230, 120, 60)),
                                 Segment("left lung", 2, (60, 120, 230))), "lungs")
    written = export_segments(volume, labelmap, SegmentExport(tmp_path, "l", None, ".stl",
                                                              table=False))
    assert len(written) == 2
    for path in written:
        assert feature_edges(read_mesh(path)) == (0, 0), path.name


def test_stl_written_a_chunk_at_a_time_reads_back_whole(cut_phantom, tmp_path, monkeypatch):
    from ctvis.mesh import mesh_io

    volume, labels = cut_phantom
    mesh = S.lung_surfaces(volume, labels, ["left"])["left"]
    monkeypatch.setattr(mesh_io, "STL_CHUNK", 1_000)                 # many chunks
    write_meshes({"left": mesh}, tmp_path / "left.stl")
    back = read_mesh(tmp_path / "left.stl")
    assert back.n_cells == mesh.n_cells and feature_edges(back) == (0, 0)
    np.testing.assert_allclose(np.asarray(back.points)[S.triangle_faces(back)],
                               np.asarray(mesh.points)[S.triangle_faces(mesh)], atol=1e-4)
