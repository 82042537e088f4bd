"""A study handed over as one archive (.zip, .tar.gz): opened like the folder it holds."""
from __future__ import annotations

import hashlib
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ctvis.core.errors import LoadError
from ctvis.core.io import archive
from ctvis.core.io.dicom_write import write_dicom_series
from ctvis.core.io.dispatch import load
from ctvis.core.io.nifti_nrrd import write_nifti
from ctvis.core.phantom import make_phantom


@pytest.fixture(autouse=True)
def _fresh():
    archive.forget()
    yield
    archive.forget()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A folder with two series of the small phantom (the second 2 mm thinner-sliced)."""
    root = tmp_path_factory.mktemp("study")
    volume = make_phantom(shape=(20, 48, 48)).volume
    write_dicom_series(volume, root / "CT" / "a", series_uid="1.2.3.1")
    write_dicom_series(volume.with_array(volume.array[::2].copy()), root / "CT" / "b",
                       series_uid="1.2.3.2")
    return root, volume


def _zip(folder: Path, out: Path, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder.parent))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_an_archived_study_opens_as_its_folder_and_is_left_as_it_is(study, tmp_path, kind):
    root, volume = study
    if kind == "zip":
        path = _zip(root, tmp_path / "study.zip")
    else:
        path = tmp_path / "study.tar.gz"
        with tarfile.open(path, "w:gz") as t:
            t.add(root, arcname="study")
    before = _digest(path)
    from_folder = load(root, series_uid="1.2.3.1")
    got = load(path, series_uid="1.2.3.1")
    np.testing.assert_array_equal(got.array, from_folder.array)
    np.testing.assert_allclose(got.index_to_patient_matrix, from_folder.index_to_patient_matrix)
    assert got.meta["source"] == str(path)
    assert _digest(path) == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    # The default series, as for the folder (the original axial CT with the thinnest slices).
    assert load(path).meta["series_uid"] == load(root).meta["series_uid"]
    # Unpacked once per process: the same folder again.
    assert archive.unpacked(path) == archive.unpacked(path)


def test_an_archive_of_one_nifti_opens_it(tmp_path):
    volume = make_phantom(shape=(12, 32, 32)).volume
    nifti = write_nifti(volume, tmp_path / "src" / "ct.nii.gz")
    path = tmp_path / "ct.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(nifti, "case/ct.nii.gz")
    np.testing.assert_array_equal(load(path).array, volume.array)


def test_members_that_would_land_outside_are_passed_over(study, tmp_path):
    root, volume = study
    path = _zip(root / "CT" / "a", tmp_path / "a.zip",
                extra={"../escaped.txt": b"x", "/abs/escaped.txt": b"x"})
    got = load(path)
    np.testing.assert_array_equal(got.array, volume.array)
    assert not list(Path(archive.unpacked(path)).parent.glob("escaped.txt"))
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 40), "cannot be unpacked"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("notes.txt", "hello"),
     "no DICOM images found"),
])
def test_a_bad_or_empty_archive_is_refused_naming_it(tmp_path, make, message):
    path = tmp_path / "bad.zip"
    make(path)
    with pytest.raises(LoadError, match=message) as caught:
        load(path)
    assert str(path) in str(caught.value) and "ctvis-archive-" not in str(caught.value)


def test_an_encrypted_archive_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("IM0001.dcm")
        info.flag_bits |= 0x1                      # encrypted, as a password tool marks it
        z.writestr(info, b"\0" * 64)
    with pytest.raises(LoadError, match="encrypted"):
        load(path)


def test_an_archive_too_large_for_the_disk_is_refused_before_unpacking(study, tmp_path,
                                                                      monkeypatch):
    path = _zip(study[0], tmp_path / "study.zip")
    real = shutil.disk_usage
    monkeypatch.setattr(archive.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=1 << 20))
    with pytest.raises(LoadError, match="GiB free"):
        load(path)
