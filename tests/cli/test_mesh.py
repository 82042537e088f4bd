"""`ctvis mesh`: saved masks, segmentation on the fly, bone, tilted series, RAS, errors."""
from __future__ import annotations

import re

import numpy as np
import pytest

from ctvis.cli import main
from ctvis.core.phantom import make_phantom
from ctvis.core.volume import Volume
from ctvis.core.io.nifti_nrrd import write_nifti, write_nrrd
from ctvis.mesh.mesh_io import read_mesh
from ctvis.mesh.surfaces import mesh_stats


def printed_volumes(out: str) -> dict:
    return dict(printed(out))


def printed(out: str) -> list:
    """[(structure, mL)] from the lines the command prints."""
    return [(m.group(1), float(m.group(2).replace(",", "")))
            for m in re.finditer(r"^(\w+): [\d,]+ triangles, .* volume ([\d,.]+) mL", out, re.M)]


@pytest.fixture(scope="module")
def phantom_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phantom")
    p = make_phantom(shape=(60, 128, 128))
    write_nrrd(p.volume, folder / "ct.nrrd")
    write_nifti(p.volume.with_array(p.lungs), folder / "lungs.nii.gz")
    return folder, p


def test_mesh_from_saved_mask_prints_stats_and_writes_labelled_file(phantom_files, tmp_path,
                                                                      capsys):
    folder, p = phantom_files
    out = tmp_path / "lungs.vtp"
    assert main(["mesh", str(folder / "ct.nrrd"), "--mask", str(folder / "lungs.nii.gz"),
                 "-o", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    vols = printed_volumes(text)
    assert set(vols) == {"right", "left"}
    voxel_ml = np.prod(p.volume.spacing) / 1000
    assert vols["right"] == pytest.approx((p.lungs == 1).sum() * voxel_ml, rel=0.03)
    assert "(closed)" in text and f"wrote {out} (LPS mm)" in text
    mesh = read_mesh(out)
    assert mesh.field_data["SPACE"][0] == "LPS"
    assert set(np.unique(mesh.cell_data["label"])) == {1, 2}


def test_single_lung_ras_stl(phantom_files, tmp_path, capsys):
    folder, _ = phantom_files
    lps, ras = tmp_path / "l.stl", tmp_path / "r.stl"
    for path, extra in ((lps, []), (ras, ["--ras"])):
        assert main(["mesh", str(folder / "ct.nrrd"), "--mask", str(folder / "lungs.nii.gz"),
                     "--structure", "left", "-o", str(path)] + extra) == 0
    assert [name for name, _ in printed(capsys.readouterr().out)] == ["left", "left"]
    assert ras.read_bytes()[:80].startswith(b"ctvis output. SPACE=RAS")
    a, b = read_mesh(lps), read_mesh(ras)
    np.testing.assert_allclose(np.asarray(b.points)[b.regular_faces],
                               np.asarray(a.points)[a.regular_faces] * [-1, -1, 1], atol=1e-4)
    assert a.center[0] > 0 > b.center[0]          # the left lung: +x in LPS, -x in RAS


def test_bone_threshold(phantom_files, tmp_path, capsys):
    folder, _ = phantom_files
    out = tmp_path / "bone.ply"
    assert main(["mesh", str(folder / "ct.nrrd"), "--threshold", "400", "-o", str(out),
                 "--decimate", "0"]) == 0
    vols = printed_volumes(capsys.readouterr().out)
    assert list(vols) == ["bone"] and vols["bone"] > 50
    assert b"comment SPACE=LPS" in out.read_bytes()[:300]


def test_tilted_series_mesh_lands_where_the_sphere_is(tmp_path, capsys):
    from tests.helpers.dicom_factory import write

    t = np.radians(18.0)
    direction = np.column_stack([[1, 0, 0], [0, 1, 0], [0, np.sin(t), np.cos(t)]])
    shape, centre = (24, 40, 40), np.array([11.5, 19.0, 21.0])
    grid = Volume(np.zeros(shape, np.int16), (2.5, 0.9, 0.9), (-20.0, 30.0, -50.0), direction)
    expected = grid.index_to_patient(centre)
    # a ball of radius 12 mm in patient space, sampled on the sheared grid
    lps = grid.index_to_patient(np.indices(shape).reshape(3, -1).T).reshape(shape + (3,))
    inside = np.linalg.norm(lps - expected, axis=-1) <= 12.0
    vol = grid.with_array(np.where(inside, 1000, -1000).astype(np.int16),
                          meta={"description": "tilted sphere"})
    write(vol, tmp_path / "dicom")
    out = tmp_path / "sphere.obj"
    assert main(["mesh", str(tmp_path / "dicom"), "--structure", "bone", "-o", str(out)]) == 0
    mesh = read_mesh(out)
    assert mesh.field_data["SPACE"][0] == "LPS"
    p, f = np.asarray(mesh.points), np.asarray(mesh.regular_faces)
    a, b, c = p[f[:, 0]], p[f[:, 1]], p[f[:, 2]]
    v = np.einsum("ij,ij->i", a, np.cross(b, c))
    centroid = (v[:, None] * (a + b + c)).sum(0) / (4 * v.sum())
    assert np.linalg.norm(centroid - expected) < 0.3
    # a sphere of radius 12 mm in patient space (the shear is undone exactly)
    r = np.linalg.norm(np.asarray(mesh.points) - expected, axis=1)
    assert np.median(r) == pytest.approx(12.0, abs=0.6)
    assert mesh_stats(mesh)["volume_ml"] == pytest.approx(4 / 3 * np.pi * 12 ** 3 / 1000,
                                                          rel=0.06)


@pytest.mark.data
def test_cip_reference_mask_and_on_the_fly_segmentation(data_dir, tmp_path, capsys):
    folder = data_dir / "cip-10002K-64"
    out = tmp_path / "lungs.stl"
    assert main(["mesh", str(folder / "dicom"), "--mask", str(folder / "wholeLung-64.nrrd"),
                 "-o", str(out)]) == 0
    vols = printed_volumes(capsys.readouterr().out)
    assert list(vols) == ["lungs"]                 # a whole-lung mask: one structure
    assert vols["lungs"] == pytest.approx(4554, rel=0.02)
    assert read_mesh(out).field_data["SPACE"][0] == "LPS"
    pytest.importorskip("ctvis.core.lungs.segment")
    out2 = tmp_path / "seg.vtp"
    assert main(["mesh", str(folder / "dicom"), "-o", str(out2)]) == 0
    vols = printed_volumes(capsys.readouterr().out)
    assert set(vols) == {"right", "left"}
    assert vols["right"] + vols["left"] == pytest.approx(4554, rel=0.15)


def test_errors_are_one_line(phantom_files, tmp_path, capsys):
    folder, p = phantom_files
    ct = str(folder / "ct.nrrd")
    other = tmp_path / "other.nii.gz"
    write_nifti(Volume(np.ones((10, 12, 14), np.uint8)), other)
    shifted = tmp_path / "shifted.nii.gz"
    write_nifti(p.volume.with_array(p.lungs, origin=(0.0, 0.0, 0.0)), shifted)
    bad_labels = tmp_path / "bad.nii.gz"
    write_nifti(p.volume.with_array(np.minimum(p.lungs * 3, 7).astype(np.uint8) + (p.lungs > 0)),
                bad_labels)
    cases = [
        (["--mask", str(other)], "does not match"),
        (["--mask", str(shifted)], "geometry does not match"),
        (["--mask", str(bad_labels)], "expected 1 (right lung)"),
        (["--mask", str(tmp_path / "missing.nii.gz")], "no such mask"),
    ]
    for extra, message in cases:
        assert main(["mesh", ct, "-o", str(tmp_path / "x.stl")] + extra) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert main(["mesh", ct, "-o", str(tmp_path / "x.dae")]) == 1
    assert "must end in" in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))
