"""Batch over a cohort: every CT series under a folder, one series per Dask task.

``find_series`` lists the series (one header scan); ``run_series`` runs the chosen steps
on one series and returns one summary row, never raising for a bad series; ``run_batch``
spreads the series over a Dask cluster — a local cluster of worker processes by default
(one per core, each with a memory limit, so one huge series cannot take the machine down),
or any running cluster by its scheduler address — and writes the summary table as CSV and
Parquet.  Identifiers appear only as hashes; outputs are written atomically; a series whose
``row.json`` exists is done, so a rerun goes on where the last one stopped.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.lungs.metrics import FLAT_TOTALS
from ctvis.core.progress import Progress

log = logging.getLogger(__name__)
STEPS = ("segment", "mesh", "report")
# The lungs' mask of each series: NIfTI, or a DICOM SEG referencing the series.
MASK_FILES = {"nifti": "lungs.nii.gz", "seg": "lungs.dcm"}
ROW_FILE = "row.json"
COLUMNS = ("series", "patient", "modality", "slices", "status", "error", "warnings",
           "seconds") + FLAT_TOTALS + ("files",)


def hashed(text: str, length: int = 16) -> str:
    """A stable pseudonym: identifiers never appear in batch outputs."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:length]


@dataclass(frozen=True)
class SeriesTask:
    path: str                    # the folder holding the series' files, or a NIfTI/NRRD file
    series_uid: str | None
    key: str                     # hashed series identity: the output folder's name
    patient: str                 # hashed patient ID
    modality: str
    slices: int


def find_series(folder, progress=None, cancel=None) -> tuple[list[SeriesTask], list[dict]]:
    """(every series under ``folder``, the files passed over with their reasons)."""
    from ctvis.core.io import file_kind
    from ctvis.core.io.dicom_scan import scan

    folder = Path(folder)
    if not folder.is_dir():
        raise CtvisError(f"{folder}: not a folder")
    tick = Progress(progress, cancel)
    result = scan(folder, progress=tick.sub(0.0, 1.0))
    tasks, skipped = [], []
    for entry in result.skipped:
        path = entry["path"]
        if file_kind(path) != "dicom":               # NIfTI / NRRD volumes are series too
            rel = str(Path(path).resolve())
            tasks.append(SeriesTask(path, None, hashed(rel), hashed(rel), "CT", 0))
        else:
            skipped.append(entry)
    for series in result.series:
        files = [s.path for s in series.slices]
        common = os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0])
        patient = series.slices[0].meta.get("patient_id", "") if series.slices else ""
        tasks.append(SeriesTask(common, series.uid, hashed(series.uid),
                                hashed(patient or series.uid), series.modality or "",
                                series.n_images))
    return tasks, skipped


def passed_over(skipped: list[dict], tasks: list[SeriesTask]) -> list[tuple[str, str]]:
    """[(folder, why)]: one line for every folder holding files the scan passed over (from
    ``find_series``), so that no folder of files drops out of a batch without a word: how
    many files, their reasons, and whether they carry the SeriesInstanceUID of a series
    that was found elsewhere (a second, broken copy of it) or of none."""
    by_folder: dict[str, list[dict]] = {}
    for entry in skipped:
        path = str(entry["path"])
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        by_folder.setdefault(folder, []).append(entry)
    found = {t.series_uid: t.path for t in tasks if t.series_uid}
    lines = []
    for folder, entries in by_folder.items():
        files = [e for e in entries if str(e["path"]) != folder]
        parts = [str(e["reason"]) for e in entries if str(e["path"]) == folder]
        if files:
            reasons = [str(e["reason"]) for e in files]
            first = f"{os.path.basename(files[0]['path'])}: {reasons[0]}"
            parts.append(f"{len(files)} file(s) passed over: " + (
                first if len(files) == 1 else reasons[0] if len(set(reasons)) == 1
                else f"{_kinds(reasons)}, the first {first}"))
            images = [e["path"] for e in files                # a header worth a look
                      if not str(e["reason"]).startswith(("not a DICOM file", "DICOMDIR"))]
            uid = _series_uid(images[:3])
            if uid and uid in found:
                where = found[uid]
                parts.append("the same SeriesInstanceUID as the series in "
                             + ("this folder" if where == folder else where))
            elif uid:
                parts.append("no series was made of them")
        lines.append((folder, "; ".join(parts)))
    return lines


def _kinds(reasons: list[str]) -> str:
    """Reasons grouped by kind (the text before ':' or '('), the commonest first, counted."""
    kinds: dict[str, int] = {}
    for reason in reasons:
        kind = reason.split(":")[0].split(" (")[0].strip()
        kinds[kind] = kinds.get(kind, 0) + 1
    ranked = sorted(kinds.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{kind} ({n})" for kind, n in ranked[:4]) \
        + (f" and {len(ranked) - 4} other reasons" if len(ranked) > 4 else "")


def _series_uid(paths) -> str | None:
    """The SeriesInstanceUID in the header of the first of ``paths`` that has one."""
    import pydicom

    from ctvis.core.io.walk import open_regular

    for path in paths:
        try:
            with open_regular(path) as fp:
                ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True,
                                     specific_tags=["SeriesInstanceUID"])
            uid = str(ds.get("SeriesInstanceUID", "") or "").strip()
        except Exception:                # unreadable, truncated in its header: no UID
            continue
        if uid:
            return uid
    return None


def run_series(task: SeriesTask, out: str, steps=STEPS, mask_format: str = "nifti") -> dict:
    """Run ``steps`` on one series; the row says what happened (``status`` ok / error).
    ``mask_format``: a key of MASK_FILES."""
    from ctvis.app.notes import deidentify_note, loading_notes
    from ctvis.app.pipeline import MeshRequest, build_meshes, open_volume, segment
    from ctvis.core.io import write_mask
    from ctvis.core.lungs import flat_metrics

    start = time.perf_counter()
    target = Path(out) / task.key
    row = {"series": task.key, "patient": task.patient, "modality": task.modality,
           "slices": task.slices, "status": "ok", "error": "", "warnings": "", "files": ""}
    files = []
    try:
        if task.modality and task.modality != "CT":
            raise CtvisError(f"not a CT series (modality {task.modality})")
        volume = open_volume(task.path, series_uid=task.series_uid)
        row["slices"] = volume.shape[0]
        result = segment(volume)
        row.update(flat_metrics(result.metrics))
        # What loading passed over and the lungs' doubts, with no path or UID in them.
        notes = [deidentify_note(n, volume) for n in loading_notes(volume)]
        row["warnings"] = "; ".join(notes + list(result.metrics["warnings"]))
        files.append(write_mask(volume, result.labels, target / MASK_FILES[mask_format],
                                segments=_segments(result) if mask_format == "seg" else None))
        if "mesh" in steps:
            from ctvis.mesh.mesh_io import write_meshes

            meshes = build_meshes(volume, MeshRequest("lungs"), labels=result.labels)
            files += write_meshes(meshes, target / "lungs.vtp")
        if "report" in steps:
            files += _report(volume, result, target)
    except CtvisError as exc:               # paths may name the patient: say the hash
        row.update(status="error", error=str(exc).replace(task.path, f"<series {task.key}>"))
    except MemoryError:
        row.update(status="error", error="not enough memory for this series")
    row["files"] = ";".join(str(Path(f).relative_to(out)) for f in files)
    row["seconds"] = round(time.perf_counter() - start, 2)
    if row["status"] == "ok":                       # done: a rerun skips it
        with atomic_path(target / ROW_FILE) as tmp:
            tmp.write_text(json.dumps(row, indent=2))
    return row


def _segments(result) -> list[dict]:
    """The mask's table, each row made by the method (a SEG says AUTOMATIC)."""
    import numpy as np

    from ctvis.core.io.label_tables import default_segments

    return [dict(row, origin=result.method)
            for row in default_segments(np.unique(result.labels))]


def _report(volume, result, target: Path) -> list[Path]:
    from ctvis.app.report import write_report

    return [write_report(volume, result, target / "report.html")["html"]]


def done_rows(tasks, out) -> dict:
    """Rows of the series a previous run finished, by series key."""
    rows = {}
    for task in tasks:
        path = Path(out) / task.key / ROW_FILE
        if path.is_file():
            try:
                rows[task.key] = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                pass                                 # half-written: run it again
    return rows


def local_cluster(workers: int | None = None):
    """A local cluster: one single-threaded worker process per core, memory split evenly;
    a worker that dies takes its task along once, then the task is given up."""
    import dask
    from distributed import LocalCluster

    dask.config.set({"distributed.scheduler.allowed-failures": 1,
                     "distributed.worker.daemon": False})
    return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                        processes=True, memory_limit="auto", dashboard_address=":0",
                        host="127.0.0.1")


def run_batch(folder, out, steps=STEPS, scheduler: str | None = None,
              workers: int | None = None, progress=None, task_fn=run_series,
              warn=None, mask_format: str = "nifti") -> list[dict]:
    """Run ``steps`` on every series under ``folder``; return and write the summary rows.
    ``mask_format``: each series' lungs as NIfTI or as a DICOM SEG (MASK_FILES).

    ``warn(folder, why)`` is called for every folder of files the scan passed over (see
    ``passed_over``): they make no row, and the table names no path.
    """
    from distributed import Client, as_completed

    if mask_format not in MASK_FILES:
        raise CtvisError(f"unknown mask format {mask_format!r} "
                         f"(choose from {', '.join(MASK_FILES)})")
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise CtvisError(f"unknown step(s) {', '.join(sorted(unknown))} "
                         f"(choose from {', '.join(STEPS)})")
    out = Path(out)
    if Path(folder).resolve() in [out.resolve(), *out.resolve().parents]:
        raise CtvisError(f"{out}: the output must not be inside the input {folder}")
    out.mkdir(parents=True, exist_ok=True)
    tick = Progress(progress)
    tasks, skipped = find_series(folder, progress=tick.sub(0.0, 0.05))
    if not tasks:
        raise CtvisError(f"{folder}: no series found")
    for where, why in passed_over(skipped, tasks):
        log.info("passed over %s: %s", where, why)
        if warn is not None:
            warn(where, why)
    rows = done_rows(tasks, out)
    todo = [t for t in tasks if t.key not in rows]
    log.info("%d series, %d done before, %d to run", len(tasks), len(rows), len(todo))
    if todo:
        cluster = None if scheduler else local_cluster(workers)
        try:
            with Client(scheduler or cluster, timeout="30s") as client:
                futures = client.map(task_fn, todo, out=str(out), steps=tuple(steps),
                                     mask_format=mask_format, pure=False, retries=1)
                by_future = dict(zip(futures, todo))
                for n, future in enumerate(as_completed(futures), 1):
                    task = by_future[future]
                    try:
                        rows[task.key] = future.result()
                    except Exception as exc:     # the worker died twice, or a bug
                        rows[task.key] = {"series": task.key, "patient": task.patient,
                                          "modality": task.modality, "slices": task.slices,
                                          "status": "error",
                                          "error": f"{type(exc).__name__}: {exc}"}
                    tick(0.05 + 0.95 * n / len(todo), f"{n}/{len(todo)} series")
        except OSError as exc:
            raise CtvisError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        finally:
            if cluster is not None:
                cluster.close()
    ordered = [rows[t.key] for t in tasks]
    write_summary(ordered, out)
    return ordered


def write_summary(rows: list[dict], out: Path) -> tuple[Path, Path]:
    """summary.csv and summary.parquet, one row per series, the same columns."""
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = [{c: row.get(c) for c in COLUMNS} for row in rows]
    csv_path, parquet_path = out / "summary.csv", out / "summary.parquet"
    with atomic_path(csv_path) as tmp:
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(table)
    schema = pa.schema([(c, pa.float64()) if c.endswith(("_ml", "_hu", "_pct")) or
                        c == "seconds" else (c, pa.int64()) if c == "slices" else
                        (c, pa.string()) for c in COLUMNS])
    with atomic_path(parquet_path) as tmp:
        pq.write_table(pa.Table.from_pylist(table, schema=schema), tmp)
    return csv_path, parquet_path


__all__ = ["find_series", "passed_over", "run_series", "run_batch", "SeriesTask",
           "write_summary", "STEPS", "local_cluster", "hashed"]
