"""Run fuzz cases through the real CLI in subprocesses and classify what happened.

Each case runs ``python -m ctvis.cli ...`` with a timeout, an address-space limit
(``resource.setrlimit`` in the child) and its own process group (a hang is killed whole);
``os.wait4`` gives the child's own peak memory.  Every input file is hashed before and after.

Outcomes: clean ok, clean error (one ``ctvis: error: <path>: ...`` line, exit 1), and the
failures: traceback (or "internal error"), crash (killed by a signal, odd exit code), hang,
nonsense (exit 0 with invalid JSON, impossible geometry, or a plainly broken input accepted
without a word), noise (anything else on stderr), input modified; and harness error (a bug
of the fuzzer itself, reported rather than fatal to a long run).
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.fuzz.cases import Case, make

OUTCOMES = ("clean ok", "clean error", "traceback", "crash", "hang", "nonsense", "noise",
            "input modified", "harness error")
FAILURES = OUTCOMES[2:]
MEMORY_LIMIT = 4 << 30            # address space of one case (bytes)


@dataclass
class Result:
    case: Case
    outcome: str
    detail: str
    seconds: float
    peak_mib: float
    modified: bool = False


# --------------------------------------------------------------------------- processes
def _limits(memory: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run_command(argv, cwd: Path, timeout: float, memory: int = MEMORY_LIMIT):
    """(exit code or None on timeout, stdout, stderr, seconds, peak RSS in MiB)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, preexec_fn=_limits(memory), start_new_session=True)
    code, usage = None, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() - start > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            _, _, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    proc.returncode = code if code is not None else -9      # reaped here, not by Popen
    seconds = time.monotonic() - start
    return (code, out_path.read_bytes().decode("utf-8", "replace"),
            err_path.read_bytes().decode("utf-8", "replace"), seconds,
            usage.ru_maxrss / 1024 if usage else 0.0)


# --------------------------------------------------------------------------- inputs
def digest(root: Path) -> dict:
    """{relative path: what it is and holds} for everything under ``root``, without
    following links and without opening anything but regular files."""
    out, stack = {}, [str(root)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as it:
            for entry in it:
                rel = os.path.relpath(entry.path, root)
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    out[rel] = "dir"
                    stack.append(entry.path)
                elif stat.S_ISLNK(st.st_mode):
                    out[rel] = "link:" + os.readlink(entry.path)
                elif stat.S_ISREG(st.st_mode):
                    h = hashlib.sha256()
                    with open(entry.path, "rb") as f:
                        for block in iter(lambda: f.read(1 << 20), b""):
                            h.update(block)
                    out[rel] = f"file:{h.hexdigest()}:{st.st_mtime_ns}:{st.st_mode:o}"
                else:
                    out[rel] = f"special:{stat.S_IFMT(st.st_mode):o}"
    return out


def remove_tree(root: Path) -> None:
    """shutil.rmtree recurses, and the deep-nesting cases are 1,100 folders deep."""
    if not os.path.lexists(root):
        return
    if not os.path.isdir(root) or os.path.islink(root):
        os.unlink(root)
        return
    stack = [(str(root), False)]
    while stack:
        path, emptied = stack.pop()
        if emptied:
            os.rmdir(path)
            continue
        stack.append((path, True))
        with os.scandir(path) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, False))
                else:
                    os.unlink(entry.path)


# --------------------------------------------------------------------------- judging
def command_line(case: Case, made, workdir: Path) -> list[str]:
    base = [sys.executable, "-m", "ctvis.cli"]
    if case.command == "info":
        return base + ["info", str(made.target), "--json"]
    if case.command == "segment":
        return base + ["segment", str(made.target), "-o", str(workdir / "lungs.nii.gz"),
                       "--quiet"]
    return base + ["mesh", str(made.target), *made.extra_args, "-o",
                   str(workdir / "lungs.stl"), "--no-progress"]


def _strict_json(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def info_problem(report: dict, made) -> str | None:
    """What is impossible about an `info --json` report (None: plausible)."""
    sel = report["selected"]
    shape = sel["shape"]
    if len(shape) != 3 or min(shape) < 1:
        return f"shape {shape}"
    if made.n_files and shape[0] > 4 * made.n_files + 16:
        return f"{shape[0]} slices from {made.n_files} files"
    spacing = np.array(sel["spacing"], float)
    if spacing.shape != (3,) or not np.all(np.isfinite(spacing)) or spacing.min() <= 1e-3 \
            or spacing.max() > 1e3:
        return f"spacing {sel['spacing']}"
    origin = np.array(sel["origin"], float)
    if not np.all(np.isfinite(origin)) or np.abs(origin).max() > 1e6:
        return f"origin {sel['origin']}"
    d = np.array(sel["direction"], float)
    if d.shape != (3, 3) or not np.all(np.isfinite(d)):
        return f"direction {sel['direction']}"
    if np.abs(np.linalg.norm(d, axis=0) - 1).max() > 0.02 or abs(d[:, 0] @ d[:, 1]) > 0.02:
        return f"direction {sel['direction']} not orthonormal in-plane"
    if not -32768 <= sel["hu_min"] <= sel["hu_max"] <= 32767:
        return f"HU range {sel['hu_min']}…{sel['hu_max']}"
    return None


def classify(case: Case, made, code, stdout: str, stderr: str) -> tuple[str, str]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code is None:
        return "hang", "timeout"
    if "Traceback (most recent call last)" in stderr or "internal error" in stderr:
        return "traceback", _tail(stderr)
    if code not in (0, 1):
        return "crash", f"exit {code}: {_tail(stderr)}"
    if code == 1:
        if len(lines) != 1 or not lines[0].startswith("ctvis: error: "):
            return "noise", _tail(stderr)
        if str(made.root) not in lines[0]:
            return "nonsense", f"error does not name the input: {lines[0]}"
        return "clean error", lines[0]
    allowed = [line for line in lines if not line.startswith("ctvis: warning: ")]
    if allowed or (lines and case.command == "info"):
        return "noise", _tail(stderr)
    if case.command != "info":
        # segment and mesh print what loading passed over as warnings (ctvis: warning: …)
        if made.must_report and not lines:
            return "nonsense", f"accepted without a word: {made.must_report[0][0]}"
        return "clean ok", ""
    try:
        report = _strict_json(stdout)
        problem = info_problem(report, made)
    except (ValueError, KeyError, TypeError) as exc:
        return "nonsense", f"invalid JSON: {exc}"
    if problem:
        return "nonsense", problem
    if made.must_report and not (report.get("warnings") or report.get("skipped")):
        return "nonsense", f"accepted without a word: {made.must_report[0][0]}"
    return "clean ok", ""


def _tail(text: str, n: int = 400) -> str:
    text = " | ".join(line for line in text.splitlines() if line.strip())
    return text if len(text) <= n else "…" + text[-n:]


def run_case(case: Case, sources: dict, workdir: Path, timeout: float,
             memory: int = MEMORY_LIMIT) -> Result:
    workdir.mkdir(parents=True)
    try:
        made = make(case, sources, workdir)
        made.n_files = _count_files(sources[case.source])
        before = digest(made.root)
        code, out, err, seconds, peak = run_command(command_line(case, made, workdir),
                                                    workdir, timeout, memory)
        after = digest(made.root)
        outcome, detail = classify(case, made, code, out, err)
        if before != after:
            changed = sorted(set(before.items()) ^ set(after.items()))[:3]
            outcome, detail = "input modified", str(changed)
        return Result(case, outcome, detail, seconds, peak, before != after)
    finally:
        remove_tree(workdir)


def _count_files(source) -> int:
    if source.kind != "dicom":
        return 0
    return sum(1 for p in source.path.rglob("*") if p.is_file())


def run_cases(cases, sources: dict, workdir: Path, workers: int = 2, timeout: float = 60,
              memory: int = MEMORY_LIMIT, progress=None) -> list[Result]:
    results = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        cases = list(cases)
        futures = [pool.submit(run_case, c, sources, workdir / f"case-{c.index}", timeout,
                               memory) for c in cases]
        for n, (case, future) in enumerate(zip(cases, futures)):
            try:
                results.append(future.result())
            except Exception as exc:         # the fuzzer's own bug: report it, keep going
                results.append(Result(case, "harness error", repr(exc), 0.0, 0.0))
            if progress:
                progress(n + 1, len(futures), results[-1])
    return results


# --------------------------------------------------------------------------- report
def table(results: list[Result]) -> str:
    """Counts per outcome, overall and per command, with peak memory and time."""
    groups = {"all": results}
    for r in results:
        groups.setdefault(r.case.command, []).append(r)
    head = f"{'':10}{'cases':>7}" + "".join(f"{o:>16}" for o in OUTCOMES) \
        + f"{'peak MiB max':>14}{'median':>8}{'s max':>7}"
    rows = [head]
    for name, group in groups.items():
        counts = [sum(r.outcome == o for r in group) for o in OUTCOMES]
        peaks = [r.peak_mib for r in group] or [0]
        rows.append(f"{name:10}{len(group):>7}" + "".join(f"{c:>16}" for c in counts)
                    + f"{max(peaks):>14.0f}{float(np.median(peaks)):>8.0f}"
                    + f"{max(r.seconds for r in group) if group else 0:>7.1f}")
    return "\n".join(rows)


def failures(results: list[Result]) -> list[Result]:
    return [r for r in results if r.outcome in FAILURES]


def describe(result: Result) -> str:
    return f"{result.outcome}: {result.case.describe()}\n    {result.detail}"


__all__ = ["OUTCOMES", "FAILURES", "Result", "run_command", "digest", "remove_tree",
           "classify", "info_problem", "run_case", "run_cases", "table", "failures",
           "describe"]
