"""Batch on Dask: the right row for good, broken, non-CT series; resumable; through a
running cluster by address; a killed worker does not lose a series."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pyarrow.parquet as pq
import pydicom
import pytest

from ctvis.app.batch import find_series, passed_over, run_batch, run_series
from ctvis.cli import main
from ctvis.core.io import write_dicom_series
from ctvis.core.phantom import make_phantom

PATIENT = "ZZBATCHPATIENT42"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("cohort")
    for i in range(2):
        volume = make_phantom(shape=(40, 96, 96), seed=i).volume
        volume.meta.update(patient_id=PATIENT)
        write_dicom_series(volume, root / f"good{i}")
    broken = write_dicom_series(make_phantom(shape=(8, 32, 32)).volume, root / "broken")
    for path in broken[1:]:
        path.unlink()                                   # one slice left: refused
    mr = write_dicom_series(make_phantom(shape=(6, 32, 32)).volume, root / "mr")
    for path in mr:
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.save_as(path)
    (root / "readme.txt").write_text("not a series")
    return root


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as local:
        yield local


def rows_by_kind(rows):
    return sorted((r["status"], r["error"][:24]) for r in rows)


def test_batch_through_a_scheduler_address_gives_the_right_rows(cohort, cluster, tmp_path):
    out = tmp_path / "out"
    code = main(["batch", str(cohort), "-o", str(out), "--scheduler", cluster.scheduler_address,
                 "--quiet"])
    assert code == 3                                     # some series failed, others went on
    with open(out / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    ok = [r for r in rows if r["status"] == "ok"]
    errors = {r["modality"]: r["error"] for r in rows if r["status"] == "error"}
    assert len(ok) == 2 and all(500 < float(r["total_ml"]) for r in ok)
    assert "not a CT series (modality MR)" in errors["MR"]
    assert "slice" in errors["CT"]                       # the one-slice series, with why
    for r in ok:
        assert (out / r["files"].split(";")[0]).is_file()
    table = pq.read_table(out / "summary.parquet")
    assert table.num_rows == 4 and table.column("total_ml").type == "double"
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert PATIENT.encode() not in everything and str(cohort).encode() not in everything


def test_rerun_skips_series_already_done(cohort, cluster, tmp_path):
    out = tmp_path / "out"
    first = run_batch(cohort, out, ("segment",), scheduler=cluster.scheduler_address)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("lungs.nii.gz")}
    calls = []
    second = run_batch(cohort, out, ("segment",), scheduler=cluster.scheduler_address,
                       task_fn=lambda task, **kw: calls.append(task) or run_series(task, **kw))
    assert len(stamps) == 2
    assert {p: p.stat().st_mtime_ns for p in out.rglob("lungs.nii.gz")} == stamps
    assert rows_by_kind(first) == rows_by_kind(second)


def die_once(task, out, steps, **options):
    """Kill the worker process the first time a series runs."""
    marker = Path(out) / f"died-{task.key}"
    if task.slices > 10 and not marker.exists():
        marker.write_text("x")
        os._exit(1)
    return run_series(task, out, steps, **options)


@pytest.mark.slow
def test_a_killed_worker_does_not_lose_a_series(cohort, tmp_path):
    out = tmp_path / "out"
    rows = run_batch(cohort, out, ("segment",), workers=2, task_fn=die_once)
    assert len(list(out.glob("died-*"))) == 2            # both good series killed a worker
    assert sum(r["status"] == "ok" for r in rows) == 2


def test_find_series_lists_every_series_with_hashed_identity(cohort):
    tasks, skipped = find_series(cohort)
    assert sorted(t.modality for t in tasks) == ["CT", "CT", "CT", "MR"]
    assert all(PATIENT not in t.patient and len(t.key) == 16 for t in tasks)
    assert [Path(s["path"]).name for s in skipped] == ["readme.txt"]


def test_warnings_column_says_what_loading_passed_over_without_paths(tmp_path):
    """A series with a slice missing: done, and the row's warnings say so, naming no path
    and no UID (the table is shared as de-identified)."""
    import csv as csv_module

    uid = "1.2.826.0.1.3680043.99.6161"
    folder = tmp_path / "in" / "Doe^John"
    paths = write_dicom_series(make_phantom(shape=(40, 96, 96)).volume, folder, series_uid=uid)
    paths[20].unlink()
    (tmp_path / "in" / "clean").mkdir()
    write_dicom_series(make_phantom(shape=(40, 96, 96), seed=1).volume,
                       tmp_path / "in" / "clean")
    out = tmp_path / "out"
    rows = run_batch(tmp_path / "in", out, ("segment",), task_fn=run_series, workers=1)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    # Only the series with the gap: the other may carry the lungs' own warnings.
    assert sum("missing slices" in r["warnings"] for r in rows) == 1
    with open(out / "summary.csv") as f:
        table = f.read()
    assert "missing slices" in table and "Doe^John" not in table and uid not in table
    assert list(csv_module.DictReader(table.splitlines()))[0].keys() >= {"warnings"}


def test_a_folder_repeating_a_series_in_broken_copies_is_named_with_why(cluster, tmp_path,
                                                                          capsys):
    """A cohort holding a series twice, the second copy's 20 files truncated (same
    SeriesInstanceUID): one row, and a warning naming the copy's folder, why its files were
    passed over, and whose series they repeat; the table still names no path."""
    uid = "1.2.826.0.1.3680043.99.9090"
    cohort = tmp_path / "cohort"
    paths = write_dicom_series(make_phantom(shape=(20, 96, 96)).volume, cohort / "series",
                               series_uid=uid)
    copy = cohort / "series copy"
    copy.mkdir()
    for path in paths:
        data = path.read_bytes()
        (copy / path.name).write_bytes(data[:len(data) // 2])
    out = tmp_path / "out"
    code = main(["batch", str(cohort), "-o", str(out), "--scheduler",
                 cluster.scheduler_address, "--quiet"])
    err = capsys.readouterr().err
    assert code == 0
    with open(out / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["status"] for r in rows] == ["ok"]
    warning = [line for line in err.splitlines() if line.startswith(f"ctvis: warning: {copy}:")]
    assert len(warning) == 1, err
    assert "20 file(s) passed over: truncated" in warning[0]
    assert f"the same SeriesInstanceUID as the series in {cohort / 'series'}" in warning[0]
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert str(cohort).encode() not in everything and uid.encode() not in everything


def test_passed_over_names_every_folder_once_with_its_reasons(cohort, tmp_path):
    tasks, skipped = find_series(cohort)
    assert passed_over(skipped, tasks) == [(str(cohort),
                                            "1 file(s) passed over: readme.txt: "
                                            + skipped[0]["reason"])]
    mixed = [{"path": str(tmp_path / "x" / f"{i}.dcm"), "reason": reason}
             for i, reason in enumerate(["truncated: pixel data holds 10 of 20 bytes",
                                         "truncated: pixel data holds 12 of 20 bytes",
                                         "not a DICOM file"])]
    assert passed_over(mixed, tasks) == [(
        str(tmp_path / "x"), "3 file(s) passed over: truncated (2), not a DICOM file (1), "
                             "the first 0.dcm: truncated: pixel data holds 10 of 20 bytes")]


def test_a_series_lungs_as_a_dicom_seg(tmp_path):
    """--format seg: each series' lungs as a DICOM SEG on it, read back exactly."""
    import numpy as np

    from ctvis.app.batch import SeriesTask
    from ctvis.core.io.dispatch import load, read_mask

    folder = tmp_path / "in" / "a"
    write_dicom_series(make_phantom(shape=(40, 96, 96)).volume, folder)
    task = find_series(tmp_path / "in")[0][0]
    assert isinstance(task, SeriesTask)
    row = run_series(task, str(tmp_path / "out"), ("segment",), mask_format="seg")
    assert row["status"] == "ok" and row["files"].endswith("lungs.dcm")
    seg = tmp_path / "out" / row["files"]
    assert pydicom.dcmread(seg).Modality == "SEG"
    volume = load(folder)
    mask = read_mask(seg, like=volume)
    again = run_series(task, str(tmp_path / "out2"), ("segment",))
    labels = read_mask(tmp_path / "out2" / again["files"], like=volume).array
    assert np.array_equal(mask.array, labels)
    assert {s["name"] for s in mask.meta["segments"]} >= {"right", "left"}
    from ctvis.core.errors import CtvisError
    with pytest.raises(CtvisError, match="unknown mask format"):
        run_batch(tmp_path / "in", tmp_path / "out3", ("segment",), mask_format="nrrd")
