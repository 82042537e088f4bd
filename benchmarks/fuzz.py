"""Hostile-input fuzzing of the ctvis CLI: mutated DICOM, NIfTI, NRRD and masks.

    .venv/bin/python benchmarks/fuzz.py --cases 2000 --seed 13 [--workers 2] [--timeout 60]
    .venv/bin/python benchmarks/fuzz.py --seed 13 --only 417     # replay one case

Cases are drawn by Hypothesis from the seed (tests/fuzz/cases.py) over the series in
../shared/data and small generated ones, made in a temporary folder, run through
``python -m ctvis.cli`` in subprocesses with a timeout and a memory limit, and classified
(tests/fuzz/harness.py).  Prints the table and every failing case; exit 1 if any failed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.cases import draw_cases  # noqa: E402
from tests.fuzz.harness import (MEMORY_LIMIT, describe, failures, run_cases,  # noqa: E402
                                table)
from tests.fuzz.sources import all_sources  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    parser.add_argument("--memory-gib", type=float, default=MEMORY_LIMIT / 2**30,
                        help="address-space limit per case")
    parser.add_argument("--only", type=int, nargs="*", help="run only these case numbers")
    parser.add_argument("--workdir", help="where cases are made (default: a temp folder)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(errors="backslashreplace")

    with tempfile.TemporaryDirectory(prefix="ctvis-fuzz-", dir=args.workdir) as tmp:
        tmp = Path(tmp)
        sources = {s.name: s for s in all_sources(tmp / "sources")}
        cases = draw_cases(list(sources.values()), args.cases, args.seed)
        if args.only:
            cases = [c for c in cases if c.index in set(args.only)]
        print(f"{len(cases)} cases, seed {args.seed}, sources: {', '.join(sources)}",
              flush=True)
        start = time.monotonic()

        def progress(done, total, result):
            if result.outcome not in ("clean ok", "clean error"):
                print(describe(result), flush=True)
            if done % 100 == 0 or done == total:
                print(f"  {done}/{total} cases, {time.monotonic() - start:.0f} s", flush=True)

        results = run_cases(cases, sources, tmp / "cases", workers=args.workers,
                            timeout=args.timeout, memory=int(args.memory_gib * 2**30),
                            progress=progress)
    print()
    print(table(results))
    bad = failures(results)
    print(f"\n{len(bad)} failing case(s) of {len(results)} in {time.monotonic() - start:.0f} s"
          f" (seed {args.seed})")
    for r in bad[:50]:
        print(describe(r))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
