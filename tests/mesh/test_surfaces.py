"""Surface meshes: exact volume and position, closed and outward, patient coordinates (also
oblique, tilted and mirrored grids), decimation, islands, bone threshold, file round trips."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from ctvis.core.errors import Cancelled, CtvisError
from ctvis.core.phantom import make_phantom
from ctvis.core.volume import Volume
from ctvis.mesh import surfaces as S
from ctvis.mesh.mesh_io import MESH_FORMATS, read_mesh, write_meshes


# --------------------------------------------------------------------------------- helpers
def voxel_ml(volume: Volume) -> float:
    return abs(np.linalg.det(volume.index_to_patient_matrix[:3, :3])) / 1000.0


def sample_hu(volume: Volume, points) -> np.ndarray:
    """HU at patient points, trilinear."""
    kji = volume.patient_to_index(np.asarray(points))
    return map_coordinates(volume.array.astype(np.float32), kji.T, order=1, mode="nearest")


def mask_extent(volume: Volume, mask) -> np.ndarray:
    """(2, 3) min/max LPS of the mask's voxel centres."""
    pts = volume.index_to_patient(np.argwhere(mask))
    return np.stack([pts.min(0), pts.max(0)])


def mesh_bounds(mesh) -> np.ndarray:
    p = np.asarray(mesh.points)
    return np.stack([p.min(0), p.max(0)])


def solid_centroid(mesh) -> np.ndarray:
    """Centroid of the solid enclosed by a closed mesh (tetrahedra from the origin)."""
    p = np.asarray(mesh.points, float)
    f = np.asarray(mesh.regular_faces)
    a, b, c = p[f[:, 0]], p[f[:, 1]], p[f[:, 2]]
    v = np.einsum("ij,ij->i", a, np.cross(b, c)) / 6.0
    return (v[:, None] * (a + b + c) / 4.0).sum(0) / v.sum()


def surface_axis(mesh) -> np.ndarray:
    """Long axis of the surface (area-weighted triangle centroids)."""
    p = np.asarray(mesh.points, float)
    f = np.asarray(mesh.regular_faces)
    a, b, c = p[f[:, 0]], p[f[:, 1]], p[f[:, 2]]
    w = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    x = (a + b + c) / 3.0
    x = x - (w[:, None] * x).sum(0) / w.sum()
    cov = (w[:, None, None] * x[:, :, None] * x[:, None, :]).sum(0)
    return np.linalg.eigh(cov)[1][:, -1]


def ellipsoid(shape, centre_kji, radii_kji) -> np.ndarray:
    k, j, i = np.ogrid[: shape[0], : shape[1], : shape[2]]
    return (((k - centre_kji[0]) / radii_kji[0]) ** 2 + ((j - centre_kji[1]) / radii_kji[1]) ** 2
            + ((i - centre_kji[2]) / radii_kji[2]) ** 2) <= 1.0


def assert_closed(mesh):
    s = S.mesh_stats(mesh)
    assert s["open_edges"] == 0 and s["nonmanifold_edges"] == 0, s
    assert mesh.n_open_edges == 0 and mesh.is_manifold


# -------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def phantom():
    return make_phantom()


@pytest.fixture(scope="module")
def phantom_meshes(phantom):
    return S.lung_surfaces(phantom.volume, phantom.lungs)


@pytest.fixture(scope="module")
def cip(data_dir):
    import ctvis
    from ctvis.core.io.nifti_nrrd import read_nrrd

    folder = data_dir / "cip-10002K-64"
    volume = ctvis.load(folder / "dicom")
    mask = read_nrrd(folder / "wholeLung-64.nrrd", dtype=np.uint8)
    assert mask.shape == volume.shape
    return volume, mask.array > 0


@pytest.fixture(scope="module")
def two_blobs():
    """A small label volume: right = ellipsoid (1), left = sphere (2), oblique grid."""
    shape = (30, 34, 40)
    labels = np.zeros(shape, np.uint8)
    labels[ellipsoid(shape, (15, 17, 11), (9, 10, 7))] = 1
    labels[ellipsoid(shape, (15, 17, 29), (8, 8, 8))] = 2
    d = np.array([[np.cos(0.3), -np.sin(0.3), 0], [np.sin(0.3), np.cos(0.3), 0], [0, 0, 1]])
    volume = Volume(np.where(labels > 0, -850, 40).astype(np.int16), (2.0, 1.5, 1.2),
                    (-30.0, 12.0, 100.0), d)
    return volume, labels


# ------------------------------------------------------------------------ lungs: phantom
def test_smp_backend_is_threaded():
    assert S.smp_backend() == "STDThread"


@pytest.mark.parametrize("name,label", [("right", 1), ("left", 2)])
def test_phantom_lung_volume_bounds_and_closed(phantom, phantom_meshes, name, label):
    volume, mask = phantom.volume, phantom.lungs == label
    mesh = phantom_meshes[name]
    assert_closed(mesh)
    expected_ml = mask.sum() * voxel_ml(volume)
    assert S.mesh_stats(mesh)["volume_ml"] == pytest.approx(expected_ml, rel=0.02)
    spacing_xyz = np.array(volume.spacing[::-1])
    assert np.all(np.abs(mesh_bounds(mesh) - mask_extent(volume, mask)) <= spacing_xyz)


def test_phantom_vertices_lie_on_the_lung_boundary(phantom, phantom_meshes):
    for mesh in phantom_meshes.values():
        hu = sample_hu(phantom.volume, mesh.points)
        assert -750 < np.median(hu) < -250
        # most vertices sit on the transition, not deep in lung or in the wall
        assert np.mean((hu > -800) & (hu < -100)) > 0.6


def test_phantom_right_lung_is_on_the_patient_right(phantom_meshes):
    # LPS: +x is the patient's left.
    assert phantom_meshes["right"].center[0] < 0 < phantom_meshes["left"].center[0]


def test_outward_normals_on_lungs(phantom_meshes):
    for mesh in phantom_meshes.values():
        faces = np.asarray(mesh.regular_faces)
        assert S.signed_volume(mesh.points, faces) > 0
        # point normals agree with the triangles' winding
        p = np.asarray(mesh.points)
        cell_n = np.cross(p[faces[:, 1]] - p[faces[:, 0]], p[faces[:, 2]] - p[faces[:, 0]])
        pn = np.asarray(mesh.point_data["Normals"])[faces].mean(axis=1)
        assert np.mean(np.einsum("ij,ij->i", cell_n, pn) > 0) > 0.99


def test_decimation_reaches_its_target_and_keeps_lungs_closed(phantom):
    volume, mask = phantom.volume, phantom.lungs == 1
    full = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(decimate=0, smooth_iterations=0))
    for backend in [b for b in S.decimate_backends() if b in ("fast", "pro")]:
        half = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(decimate=0.5, smooth_iterations=0, decimate_backend=backend))
        assert half.n_cells == pytest.approx(full.n_cells * 0.5, rel=0.05), backend
        assert_closed(half)
        assert S.mesh_stats(half)["volume_ml"] == pytest.approx(
            S.mesh_stats(full)["volume_ml"], rel=0.005)


def test_unsmoothed_surface_is_exactly_the_voxel_volume(phantom):
    volume, mask = phantom.volume, phantom.lungs == 2
    mesh = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(decimate=0, smooth_iterations=0))
    assert S.mesh_stats(mesh)["volume_ml"] == pytest.approx(mask.sum() * voxel_ml(volume),
                                                            rel=0.002)


# ---------------------------------------------------------------------- lungs: real data
@pytest.mark.data
def test_cip_reference_mask_mesh(cip):
    volume, mask = cip
    mesh = S.surface_from_mask(volume, mask, name="lungs")
    assert_closed(mesh)
    expected_ml = mask.sum() * voxel_ml(volume)               # 65,624 voxels, about 4.55 L
    assert expected_ml == pytest.approx(4554, rel=0.01)
    assert S.mesh_stats(mesh)["volume_ml"] == pytest.approx(expected_ml, rel=0.02)
    spacing_xyz = np.array(volume.spacing[::-1])
    assert np.all(np.abs(mesh_bounds(mesh) - mask_extent(volume, mask)) <= spacing_xyz)
    hu = sample_hu(volume, mesh.points)
    assert -750 < np.median(hu) < -250


# ------------------------------------------------------------------ patient coordinates
def _tilted(kind):
    if kind == "rotated":
        a, b = np.radians(30), np.radians(10)
        rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
        rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
        return rz @ rx
    if kind == "tilted":                         # gantry tilt: sheared, non-orthogonal
        t = np.radians(20)
        return np.column_stack([[1, 0, 0], [0, 1, 0], [0, np.sin(t), np.cos(t)]])
    if kind == "mirrored":                       # x index toward patient right
        return np.diag([-1.0, 1.0, 1.0])
    return np.eye(3)


@pytest.mark.parametrize("kind", ["identity", "rotated", "tilted", "mirrored"])
def test_oblique_and_tilted_grids_give_meshes_transformed_the_same_way(kind):
    shape, centre, radii = (40, 44, 60), (19.5, 21.0, 29.0), (8.0, 10.0, 22.0)
    mask = ellipsoid(shape, centre, radii)
    volume = Volume(np.zeros(shape, np.int16), (2.0, 1.0, 0.8), (10.0, -40.0, 250.0),
                    _tilted(kind))
    mesh = S.surface_from_mask(volume, mask, name="blob")
    assert_closed(mesh)
    assert S.signed_volume(mesh.points, np.asarray(mesh.regular_faces)) > 0   # outward
    assert S.mesh_stats(mesh)["volume_ml"] == pytest.approx(mask.sum() * voxel_ml(volume),
                                                            rel=0.02)
    # centre: the analytic ellipsoid's centre mapped by the index -> patient matrix
    expected_centre = volume.index_to_patient(np.array(centre))
    assert np.linalg.norm(solid_centroid(mesh) - expected_centre) < 0.3
    # long axis: the ellipsoid's covariance L C L^T in patient space
    L = volume.index_to_patient_matrix[:3, :3]
    cov_index = np.diag(np.array(radii)[::-1] ** 2)          # (x, y, z) index order
    expected_axis = np.linalg.eigh(L @ cov_index @ L.T)[1][:, -1]
    angle = np.degrees(np.arccos(min(1.0, abs(float(surface_axis(mesh) @ expected_axis)))))
    assert angle < 1.5
    # and the axis really moved with the grid (not the identity's x axis) when rotated
    if kind in ("rotated", "tilted"):
        assert abs(expected_axis @ np.array([0, 0, 1.0])) < 0.999


def test_sphere_normals_point_away_from_the_centre():
    shape = (30, 30, 30)
    mask = ellipsoid(shape, (14.5, 14.5, 14.5), (10, 10, 10))
    volume = Volume(np.zeros(shape, np.int16), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0),
                    _tilted("mirrored"))
    mesh = S.surface_from_mask(volume, mask)
    centre = volume.index_to_patient(np.array([14.5, 14.5, 14.5]))
    radial = np.asarray(mesh.points) - centre
    dots = np.einsum("ij,ij->i", radial, np.asarray(mesh.point_data["Normals"]))
    assert np.all(dots > 0)


def test_surface_closes_where_the_mask_touches_the_border():
    mask = np.zeros((10, 12, 14), bool)
    mask[:, 3:9, 5:] = True                              # runs off three faces of the volume
    volume = Volume(np.zeros(mask.shape, np.int16))
    mesh = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(smooth_iterations=0, decimate=0))
    assert_closed(mesh)
    # faces half a voxel outside the outer voxel centres, also at the volume's borders
    np.testing.assert_allclose(mesh.bounds, [4.5, 13.5, 2.5, 8.5, -0.5, 9.5], atol=1e-6)
    # a box minus the chamfers of its 12 edges (0.125 mm² per mm of edge)
    assert S.mesh_stats(mesh)["volume_ml"] * 1000 == pytest.approx(540 - 12.5, abs=1.0)


# --------------------------------------------------------------------- options and errors
def test_small_islands_are_removed():
    shape = (30, 30, 40)
    mask = ellipsoid(shape, (15, 15, 12), (10, 10, 10))
    mask |= ellipsoid(shape, (15, 15, 32), (2, 2, 2))      # ~33 mm³
    volume = Volume(np.zeros(shape, np.int16))
    kept = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(min_island_ml=0.0, decimate=0))
    dropped = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(min_island_ml=0.1, decimate=0))
    assert S._components(np.asarray(kept.regular_faces), kept.n_points)[0] == 2
    assert S._components(np.asarray(dropped.regular_faces), dropped.n_points)[0] == 1
    assert dropped.bounds[1] < 25                          # the far blob is gone


def test_mask_smoothing_keeps_the_volume_and_removes_staircases(phantom):
    volume, mask = phantom.volume, phantom.lungs == 1
    plain = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(smooth_iterations=0, decimate=0))
    blurred = S.surface_from_mask(volume, mask, options=S.LUNG_SURFACE.with_(smooth_iterations=0, decimate=0, mask_sigma_mm=1.5))
    assert_closed(blurred)
    assert S.mesh_stats(blurred)["volume_ml"] == pytest.approx(
        mask.sum() * voxel_ml(volume), rel=0.02)
    assert S.mesh_stats(blurred)["area_mm2"] < 0.95 * S.mesh_stats(plain)["area_mm2"]


def test_empty_mask_and_missing_lung_are_clear_errors(phantom):
    with pytest.raises(CtvisError, match="empty"):
        S.surface_from_mask(phantom.volume, np.zeros(phantom.volume.shape, bool))
    with pytest.raises(CtvisError, match="no left lung"):
        S.lung_surfaces(phantom.volume, (phantom.lungs == 1).astype(np.uint8))
    with pytest.raises(CtvisError, match="unknown lung structure"):
        S.lung_surfaces(phantom.volume, phantom.lungs, ["middle"])


def test_progress_reaches_one_and_cancel_stops(two_blobs):
    volume, labels = two_blobs
    seen = []
    S.lung_surfaces(volume, labels, progress=lambda f, m: seen.append(f))
    assert seen[-1] == pytest.approx(1.0) and np.all(np.diff(seen) >= -1e-9)
    with pytest.raises(Cancelled):
        S.lung_surfaces(volume, labels, cancel=lambda: True)


# ----------------------------------------------------------------------------------- bone
def test_bone_threshold_surface_on_the_phantom(phantom):
    volume = phantom.volume.crop((50, 0, 0), (80, 256, 256))       # a 75 mm slab: quick
    bone = S.threshold_surface(volume)                              # 300 HU
    assert bone.n_cells > 10_000
    assert S.signed_volume(bone.points, np.asarray(bone.regular_faces)) > 0
    hu = sample_hu(volume, bone.points)
    assert 150 < np.median(hu) < 450
    raw = S.threshold_surface(volume, 300, options=S.BONE_SURFACE.with_(smooth_iterations=0, decimate=0))
    assert_closed(raw)                    # closed also where bone leaves the slab
    assert np.median(sample_hu(volume, raw.points)) == pytest.approx(300, abs=5)
    higher = S.threshold_surface(volume, 700, options=S.BONE_SURFACE.with_(smooth_iterations=0, decimate=0))
    assert S.mesh_stats(higher)["volume_ml"] < 0.8 * S.mesh_stats(raw)["volume_ml"]


# ----------------------------------------------------------------------------- file I/O
def _corners(mesh) -> np.ndarray:
    return np.asarray(mesh.points)[np.asarray(mesh.regular_faces)]


@pytest.mark.parametrize("suffix", MESH_FORMATS)
def test_round_trip_every_format(tmp_path, two_blobs, suffix):
    volume, labels = two_blobs
    meshes = S.lung_surfaces(volume, labels)
    path = tmp_path / f"lungs{suffix}"
    written = write_meshes(meshes, path)
    assert written == [path] and path.is_file()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]      # no temp left
    back = read_mesh(path)
    assert back.field_data["SPACE"][0] == "LPS"
    merged = np.concatenate([_corners(m) for m in meshes.values()])
    np.testing.assert_allclose(_corners(back), merged.astype(np.float32), rtol=0, atol=1e-4)
    assert S.mesh_stats(back)["open_edges"] == 0
    if suffix != ".stl":                  # labels travel with PLY, OBJ and VTP
        assert list(back.field_data["structures"]) == ["right", "left"]
        cell_label = np.asarray(back.cell_data["label"])
        assert (cell_label == 1).sum() == meshes["right"].n_cells
        assert (cell_label == 2).sum() == meshes["left"].n_cells
    raw = path.read_bytes()[:200]
    assert b"SPACE=LPS" in raw or suffix == ".vtp"


def test_stl_header_is_slicer_style_and_readable_by_vtk(tmp_path, two_blobs):
    from vtkmodules.vtkIOGeometry import vtkSTLReader
    from vtkmodules.vtkIOPLY import vtkPLYReader

    volume, labels = two_blobs
    meshes = S.lung_surfaces(volume, labels, ["right"])
    write_meshes(meshes, tmp_path / "r.stl")
    head = (tmp_path / "r.stl").read_bytes()[:80]
    assert head.startswith(b"ctvis output. SPACE=LPS")
    reader = vtkSTLReader()
    reader.SetFileName(str(tmp_path / "r.stl"))
    reader.Update()
    assert "SPACE=LPS" in reader.GetHeader()
    assert reader.GetOutput().GetNumberOfCells() == meshes["right"].n_cells
    write_meshes(meshes, tmp_path / "r.ply")
    ply = vtkPLYReader()
    ply.SetFileName(str(tmp_path / "r.ply"))
    ply.Update()
    assert ply.GetOutput().GetNumberOfCells() == meshes["right"].n_cells
    assert "SPACE=LPS" in [ply.GetComments().GetValue(i)
                           for i in range(ply.GetComments().GetNumberOfValues())]


@pytest.mark.parametrize("suffix", MESH_FORMATS)
def test_ras_flips_x_and_y_and_keeps_outward_orientation(tmp_path, two_blobs, suffix):
    volume, labels = two_blobs
    meshes = S.lung_surfaces(volume, labels, ["left"])
    lps = meshes["left"]
    write_meshes(meshes, tmp_path / f"ras{suffix}", ras=True)
    back = read_mesh(tmp_path / f"ras{suffix}")
    assert back.field_data["SPACE"][0] == "RAS"
    expected = _corners(lps) * np.array([-1.0, -1.0, 1.0])
    np.testing.assert_allclose(_corners(back), expected, rtol=0, atol=1e-4)
    assert S.mesh_stats(back)["volume_ml"] == pytest.approx(S.mesh_stats(lps)["volume_ml"],
                                                            rel=1e-4)   # still positive


def test_split_writes_one_file_per_structure(tmp_path, two_blobs):
    volume, labels = two_blobs
    meshes = S.lung_surfaces(volume, labels)
    written = write_meshes(meshes, tmp_path / "lungs.stl", split=True)
    assert written == [tmp_path / "lungs_right.stl", tmp_path / "lungs_left.stl"]
    for path, mesh in zip(written, meshes.values()):
        assert read_mesh(path).n_cells == mesh.n_cells


def test_unknown_format_is_a_clear_error(tmp_path, two_blobs):
    volume, labels = two_blobs
    with pytest.raises(CtvisError, match="unknown mesh format"):
        write_meshes(S.lung_surfaces(volume, labels, ["left"]), tmp_path / "x.dae")


def test_inward_pieces_are_turned_outward_with_the_volume_the_islands_step_measured():
    """Two closed pieces facing inward, and a speck: the speck is dropped, the volume of what
    is kept comes from that step, and the normals step turns the pieces outward with it."""
    def octahedron(centre, r):
        p = np.asarray(centre, float) + r * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0],
                                                      [0, -1, 0], [0, 0, 1], [0, 0, -1]])
        f = np.array([[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4],
                      [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]])
        return p, f
    parts = [octahedron((0, 0, 0), 10), octahedron((50, 0, 0), 8), octahedron((0, 50, 0), 1)]
    points = np.concatenate([p for p, _ in parts])
    faces = np.concatenate([f + 6 * i for i, (_, f) in enumerate(parts)])[:, ::-1]  # inward
    p, f, dropped, volume = S._remove_islands(points, faces, 100.0)
    assert dropped == 1 and len(f) == 16
    assert volume == pytest.approx(S.signed_volume(p, f)) and volume < 0
    mesh = S._outward_normals(S._polydata(p, f), S.Progress(), volume)
    assert S.signed_volume(mesh.points, S.triangle_faces(mesh)) == pytest.approx(-volume)
    normals = np.asarray(mesh.point_data["Normals"])
    assert np.all(np.einsum("ij,ij->i", normals, p - np.where(p[:, :1] > 25, 50, 0)
                            * np.array([1, 0, 0])) > 0)          # point away from each centre
