"""The fuzz suite: a fixed sample of hostile inputs through the CLI, and the harness itself.

The sample (SAMPLE cases from SEED) runs ``ctvis info`` (most), ``segment`` and ``mesh --mask``
in subprocesses with a timeout and a memory limit; every case must end as a clean result or
one clean error line, with its input unchanged.  benchmarks/fuzz.py runs the large version.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from tests.fuzz import dicom_bytes as db
from tests.fuzz.cases import Case, Made, draw_cases
from tests.fuzz.harness import (OUTCOMES, classify, describe, digest, failures,
                                remove_tree, run_cases, run_command, table)
from tests.fuzz.sources import all_sources

SAMPLE = 200
SEED = 2026
WORKERS = 2


@pytest.fixture(scope="module")
def workdir():
    # Not under tmp_path: cases nest folders 1,100 deep and pytest's cleanup recurses.
    path = Path(tempfile.mkdtemp(prefix="ctvis-fuzz-test-"))
    yield path
    remove_tree(path)


@pytest.fixture(scope="module")
def sources(workdir):
    return {s.name: s for s in all_sources(workdir / "sources")}


@pytest.fixture(scope="module")
def sample(sources, workdir):
    cases = draw_cases(list(sources.values()), SAMPLE, SEED)
    return run_cases(cases, sources, workdir / "cases", workers=WORKERS, timeout=90)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_fixed_sample_has_no_traceback_hang_nonsense_noise_or_modified_input(sample):
    bad = failures(sample)
    assert not bad, table(sample) + "\n" + "\n".join(describe(r) for r in bad[:20])


@pytest.mark.slow
def test_sample_is_large_and_varied(sample, sources):
    assert len(sample) >= 200
    ops = {op["op"] for r in sample for op in r.case.ops}
    assert ops >= {"flip", "truncate", "tag", "delete", "displace", "duplicate", "special",
                   "nest", "rename"}
    outcomes = {r.outcome for r in sample}
    assert {"clean ok", "clean error"} <= outcomes          # both kinds are exercised
    if "cip" in sources:                                     # real data present
        assert {"info", "segment", "mesh"} <= {r.case.command for r in sample}
        assert {"nifti", "nrrd"} <= ops


@pytest.mark.slow
def test_cases_are_reproducible_from_the_seed(sources):
    a = [c.describe() for c in draw_cases(list(sources.values()), 30, 5)]
    b = [c.describe() for c in draw_cases(list(sources.values()), 30, 5)]
    c = [c.describe() for c in draw_cases(list(sources.values()), 30, 6)]
    assert a == b and a != c


@pytest.mark.slow
def test_cases_do_not_depend_on_the_modules_loaded(sources, tmp_path, monkeypatch):
    """Hypothesis mixes in literals of the local modules imported so far; which tests pytest
    collects must not change the sample."""
    before = [c.describe() for c in draw_cases(list(sources.values()), 30, 5)]
    # A local module full of literals that Hypothesis would otherwise harvest.
    literals = ", ".join([repr(f"lit{i}") for i in range(200)]
                         + [str(7919 * i + 13) for i in range(200)]
                         + [repr(0.123 + i) for i in range(200)])
    (tmp_path / "ctvis_fuzz_literals.py").write_text(f"VALUES = [{literals}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    try:
        importlib.import_module("ctvis_fuzz_literals")
        after = [c.describe() for c in draw_cases(list(sources.values()), 30, 5)]
    finally:
        sys.modules.pop("ctvis_fuzz_literals", None)
    assert after == before


@pytest.mark.parametrize("second_sign, broken", [(-1, False), (1, True)])
def test_a_slice_moved_and_moved_back_is_not_a_break(sources, tmp_path, second_sign, broken):
    """Two displacements that cancel leave the series whole: nothing must be reported (the
    2,000-case run flagged such a case as accepted without a word)."""
    from tests.fuzz.cases import make

    ops = [{"op": "displace", "file": 2, "mm": 10.0, "axis": "column", "sign": 1},
           {"op": "displace", "file": 2, "mm": 10.0, "axis": "column", "sign": second_sign}]
    made = make(Case(0, "gen-axial", "info", ops), sources, tmp_path)
    assert bool(made.must_report) is broken


# --------------------------------------------------------------------------- the harness
def _script(tmp_path, code: str) -> list[str]:
    path = tmp_path / "s.py"
    path.write_text(code)
    return [sys.executable, str(path)]


def test_harness_sees_a_hang_and_kills_it(tmp_path):
    # Order, not speed: the timeout passed, then the kill came before the child could wake
    # (a harness that waited for it instead would read "woke" after 60 s).
    hang = "import time; time.sleep(60); print('woke')"
    code, out, _, seconds, _ = run_command(_script(tmp_path, hang), tmp_path, timeout=1.0)
    assert code is None and "woke" not in out and seconds > 1.0


def test_harness_limits_memory_and_measures_the_peak(tmp_path):
    grab = "b = bytearray(300 << 20); print('ok')"
    code, out, _, _, peak = run_command(_script(tmp_path, grab), tmp_path, timeout=30)
    assert code == 0 and peak > 250
    code, _, err, _, _ = run_command(_script(tmp_path, grab), tmp_path, timeout=30,
                                     memory=200 << 20)
    assert code == 1 and "MemoryError" in err


def _made(tmp_path):
    return Made(target=tmp_path / "in", root=tmp_path / "in")


def test_classifier(tmp_path):
    case = Case(0, "x", "info", [])
    made = _made(tmp_path)
    ok = ('{"series": [], "selected": {"shape": [3, 4, 4], "spacing": [1, 1, 1], '
          '"origin": [0, 0, 0], "direction": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], '
          '"hu_min": -1000, "hu_max": 100}, "skipped": [], "warnings": []}')
    assert classify(case, made, 0, ok, "")[0] == "clean ok"
    assert classify(case, made, 0, ok.replace("[0, 0, 0]", "[NaN, 0, 0]"), "")[0] == "nonsense"
    assert classify(case, made, 0, ok.replace('"spacing": [1, 1, 1]', '"spacing": [0, 1, 1]'),
                    "")[0] == "nonsense"
    assert classify(case, made, 0, ok, "WARNING pydicom: odd\n")[0] == "noise"
    assert classify(case, made, 1, "", f"ctvis: error: {made.root}/a: bad\n")[0] \
        == "clean error"
    assert classify(case, made, 1, "", "ctvis: error: bad\n")[0] == "nonsense"  # names nothing
    assert classify(case, made, 1, "", "Traceback (most recent call last):\n  x\n")[0] \
        == "traceback"
    assert classify(case, made, -11, "", "")[0] == "crash"
    assert classify(case, made, None, "", "")[0] == "hang"
    made.must_report.append(({"op": "tag"}, set()))
    assert classify(case, made, 0, ok, "")[0] == "nonsense"             # broken, said nothing
    segment = Case(1, "x", "segment", [])                # segment and mesh must say it too
    assert classify(segment, made, 0, "", "")[0] == "nonsense"
    assert classify(segment, made, 0, "", f"ctvis: warning: {made.root}: gap\n")[0] \
        == "clean ok"
    assert set(OUTCOMES) >= {"clean ok", "input modified", "nonsense"}


def test_digest_sees_every_change(tmp_path):
    (tmp_path / "a").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    before = digest(tmp_path)
    (tmp_path / "a").write_bytes(b"y")
    assert digest(tmp_path) != before
    (tmp_path / "a").write_bytes(b"x")
    import os
    os.utime(tmp_path / "a", ns=(0, 0))
    assert digest(tmp_path) != before                      # rewritten with the same bytes


def test_byte_editor_writes_what_pydicom_reads(tmp_path):
    import pydicom

    from tests.helpers.dicom_factory import random_volume, write

    path = write(random_volume(shape=(1, 4, 4)), tmp_path)[0]
    data = db.put(path.read_bytes(), 0x00281053, b"nan")
    data = db.put(data, 0x00200032, None)
    path.write_bytes(data)
    ds = pydicom.dcmread(path, force=True)
    assert "ImagePositionPatient" not in ds
    assert ds["RescaleSlope"].value != ds["RescaleSlope"].value      # NaN
    assert ds.pixel_array.shape == (4, 4)                            # the rest intact
