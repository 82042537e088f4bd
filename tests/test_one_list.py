"""One list each (issue 19, item 5): the lung metrics (``core.lungs.metrics.METRICS``), the
mesh formats (``mesh.mesh_io.FORMATS``) and the mask formats (``core.io.MASK_FORMATS``) are
written once, and every reader shows or accepts exactly what the list says.  The window's
side (the Lungs dock's table and dialogs) is checked in ``tests/gui/test_docks.py``."""
from __future__ import annotations

import re

import numpy as np
import pytest

from ctvis.cli import build_parser, main
from ctvis.core.io import MASK_FORMATS, MASK_SUFFIXES, file_kind, read_mask, write_mask
from ctvis.core.io.dispatch import WRITABLE_SUFFIXES
from ctvis.core.lungs.metrics import METRICS, PARTS
from ctvis.core.phantom import make_phantom
from ctvis.mesh.mesh_io import FORMATS, LABEL_FORMATS, MESH_FORMATS

# Values whose texts differ at every precision (-856.4567 is -856, -856.5, -856.46).
SAMPLE = {part: {"volume_ml": 1234.5678 + i, "mld_hu": -856.4567 - i,
                 "laa950_pct": 12.34567 + i, "pd15_hu": -912.3456 - i, "voxels": 10}
          for i, part in enumerate(PARTS)}


def _report_cells(metrics) -> dict:
    """{row title: [cell texts]} of the report's metrics table."""
    from ctvis.app.report import metrics_table

    text = metrics_table(metrics)
    rows = re.findall(r"<tr><th>([^<]*)</th>((?:<td>[^<]*</td>)+)</tr>", text)
    return {title: re.findall(r"<td>([^<]*)</td>", cells) for title, cells in rows}


def _cli_cells(metrics) -> list[list[str]]:
    from ctvis.cli.segment import format_table

    return [line.split()[-len(PARTS):] for line in format_table(metrics).splitlines()[1:]]


def test_report_and_cli_show_each_metric_with_the_tables_precision():
    report = _report_cells(SAMPLE)
    cli = _cli_cells(SAMPLE)
    assert list(report) == [m.title for m in METRICS]
    assert len(cli) == len(METRICS)
    for metric, cli_row in zip(METRICS, cli):
        expected = [metric.text(SAMPLE[p][metric.key]) for p in PARTS]
        assert report[metric.title] == expected, metric.key
        assert cli_row == expected, metric.key
    # One precision per metric: MLD reads -856.5 (the dock showed -856, the report -856.5).
    assert report["Mean lung density (HU)"][0] == "-856.5"


def test_an_empty_lung_shows_no_number():
    metrics = {p: dict(SAMPLE[p]) for p in PARTS}
    metrics["left"].update(mld_hu=float("nan"), laa950_pct=float("nan"), pd15_hu=float("nan"))
    report = _report_cells(metrics)
    cli = _cli_cells(metrics)
    for metric, cli_row in zip(METRICS[1:], cli[1:]):
        assert report[metric.title][1] == "—" and cli_row[1] == "-"


def test_the_report_summary_line_uses_the_table(monkeypatch, tmp_path, capsys):
    """``ctvis report`` prints one line of the totals with the table's precision."""
    import ctvis.app.report as report

    monkeypatch.setattr(report, "make_report", lambda *a, **k: {
        "metrics": SAMPLE, "html": None, "pdf": None, "seconds": {}, "notes": []})
    assert main(["report", str(tmp_path / "x.nrrd"), "-o", str(tmp_path / "r.html")]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line == "lungs: volume 1237 mL, MLD -858.5 HU, LAA%-950 14.35 %, PD15 -914.3 HU"


def test_batch_columns_are_the_flat_metrics():
    from ctvis.app.batch import COLUMNS
    from ctvis.core.lungs import flat_metrics

    flat = flat_metrics(SAMPLE)
    totals = [c for c in COLUMNS if c in flat]
    assert totals == ["right_ml", "left_ml", "total_ml"] + [m.key for m in METRICS[1:]]


# ---------------------------------------------------------------------------- mesh formats
def _help(command: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices[command].format_help()


def test_mesh_table_is_what_mesh_io_and_the_cli_know():
    assert MESH_FORMATS == tuple(f.suffix for f in FORMATS)
    assert LABEL_FORMATS == tuple(f.suffix for f in FORMATS if f.labels)
    text = " ".join(_help("mesh").split())
    assert re.findall(r"\.[a-z]+", text.split("output file;")[1].split("chooses")[0]) \
        == list(MESH_FORMATS)


@pytest.mark.parametrize("suffix", MESH_FORMATS + (".vtk", ".off", ".nii.gz"))
def test_the_mesh_command_accepts_exactly_the_tables_suffixes(suffix, tmp_path, capsys):
    """The suffix is checked before the input is read: a suffix of the table gets as far as
    the missing input, any other is refused by name."""
    code = main(["mesh", str(tmp_path / "missing.nrrd"), "-o", str(tmp_path / f"m{suffix}"),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    if suffix in MESH_FORMATS:
        assert "missing.nrrd" in err and "must end in" not in err
    else:
        assert f"must end in {', '.join(MESH_FORMATS)}" in err


# ---------------------------------------------------------------------------- mask formats
@pytest.fixture(scope="module")
def small():
    volume = make_phantom(shape=(12, 32, 32)).volume
    labels = (np.arange(volume.array.size) % 4).reshape(volume.shape).astype(np.uint8)
    return volume, labels


@pytest.mark.parametrize("suffix", MASK_SUFFIXES)
def test_every_mask_suffix_round_trips(suffix, small, tmp_path):
    volume, labels = small
    path = write_mask(volume, labels, tmp_path / f"lungs{suffix}")
    assert path == tmp_path / f"lungs{suffix}"
    assert np.array_equal(read_mask(path, like=volume).array, labels)
    # Nothing beside it but its own data file (a detached NRRD or MetaImage header names
    # lungs.raw.gz or lungs.zraw).
    extra = {".nhdr": ["lungs.raw.gz"], ".mhd": ["lungs.zraw"]}.get(suffix, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name] + extra)


def test_mask_suffixes_are_the_tables_and_the_cli_names_them_all():
    assert MASK_SUFFIXES == tuple(s for f in MASK_FORMATS for s in f.suffixes)
    assert all(file_kind(f"x{s}") == f.kind for f in MASK_FORMATS for s in f.suffixes)
    assert all(file_kind(f"X{s.upper()}") != "dicom" for s in MASK_SUFFIXES)
    text = " ".join(_help("segment").split())
    assert re.findall(r"\.[a-z.]+[a-z]", text.split("output label mask:")[1].split("--")[0]) \
        == list(WRITABLE_SUFFIXES)          # MASK_FORMATS, then DICOM_MASK_FORMATS


def test_segment_refuses_a_suffix_outside_the_table(tmp_path, capsys):
    assert main(["segment", str(tmp_path / "in.nrrd"), "-o", str(tmp_path / "m.tif"),
                 "--quiet"]) == 1
    assert f"use one of {', '.join(MASK_SUFFIXES)}" in capsys.readouterr().err
