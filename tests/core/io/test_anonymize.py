"""Anonymized export: no identifier left in any byte, same HU volume, series kept apart,
the same key maps the same way, the input never written."""
from __future__ import annotations

import hashlib

import numpy as np
import pydicom
import pytest

import ctvis
from ctvis.cli import main
from ctvis.core.errors import CtvisError
from ctvis.core.io.anonymize import anonymize_folder
from tests.helpers.dicom_factory import random_volume, write

IDENTIFIERS = ("Doe^Secret", "ZZPID4711", "19491231", "ACC99887766", "Secret General Hosp",
               "PRIVATE-SECRET")


def series_with_identifiers(folder, seed):
    vol = random_volume(seed=seed)
    paths = write(vol, folder)
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.PatientName = "Doe^Secret"
        ds.PatientID = "ZZPID4711"
        ds.PatientBirthDate = "19491231"
        ds.StudyDate = "20210304"
        ds.AccessionNumber = "ACC99887766"
        ds.InstitutionName = "Secret General Hosp"
        block = ds.private_block(0x0011, "CTVIS TEST", create=True)
        block.add_new(0x01, "LO", "PRIVATE-SECRET")
        ds.save_as(path)
    return vol


def digest(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def cohort(tmp_path):
    src = tmp_path / "in"
    a = series_with_identifiers(src / "a", 1)
    b = series_with_identifiers(src / "b", 2)
    (src / "notes.txt").write_text("not dicom")
    return src, a, b


def test_no_identifier_survives_in_any_byte(cohort, tmp_path):
    src, _, _ = cohort
    before = digest(src)
    result = anonymize_folder(src, tmp_path / "out", key="k1")
    assert digest(src) == before                          # the input is never written
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) == len(result.written) > 0
    for path in files:
        data = path.read_bytes()
        for identifier in IDENTIFIERS:
            assert identifier.encode() not in data, (path, identifier)
    original_uids = {str(pydicom.dcmread(p).SOPInstanceUID) for p in src.rglob("*.dcm")}
    for path in files:
        ds = pydicom.dcmread(path)
        assert str(ds.SOPInstanceUID) not in original_uids
        assert ds.PatientIdentityRemoved == "YES"
    assert [reason for _, reason in result.skipped] == ["not DICOM"]   # notes.txt


def test_same_volume_and_series_kept_apart(cohort, tmp_path):
    src, a, b = cohort
    result = anonymize_folder(src, tmp_path / "out", key="k1")
    assert len(result.series) == 2
    loaded = [ctvis.load(tmp_path / "out", series_uid=uid) for uid in sorted(result.series)]
    arrays = sorted((v.array for v in loaded), key=lambda arr: arr.sum())
    expected = sorted((a.array, b.array), key=lambda arr: arr.sum())
    for got, want in zip(arrays, expected):
        np.testing.assert_array_equal(got, want)


def test_the_same_key_maps_the_same_way(cohort, tmp_path):
    src, _, _ = cohort
    one = anonymize_folder(src, tmp_path / "one", key="k1")
    two = anonymize_folder(src, tmp_path / "two", key="k1")
    other = anonymize_folder(src, tmp_path / "three", key="k2")
    assert one.series == two.series and one.series.isdisjoint(other.series)


def test_output_inside_input_is_refused(cohort):
    src, _, _ = cohort
    with pytest.raises(CtvisError, match="must not be inside the input"):
        anonymize_folder(src, src / "anon", key="k")
    assert main(["anonymize", str(src), str(src / "x"), "--quiet"]) == 1
    assert not (src / "x").exists()


def test_cli_writes_the_copy(cohort, tmp_path, capsys):
    src, _, _ = cohort
    assert main(["anonymize", str(src), str(tmp_path / "out"), "--key", "abc"]) == 0
    out = capsys.readouterr().out
    assert "in 2 series" in out and "skipped" in out
