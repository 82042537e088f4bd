"""Decimation helper processes (:mod:`ctvis.mesh.decimate_worker`) and the loop that shares
slabs between them and this process.

``fast_simplification`` holds the GIL for its whole call, so threads cannot use a second
core; a helper is a fresh interpreter (spawned, not forked: a fork of a 700 MiB process
would count its memory twice) that imports numpy and fast_simplification only.  This process
decimates slabs too; results are kept by slab number, so the surface is the same whichever
process decimated which slab.  A helper that cannot start or dies only costs its slab being
decimated here.
"""
from __future__ import annotations

import logging
import os
import select
import subprocess
import sys
from collections import deque

from ctvis.core.cores import usable_cores
from ctvis.mesh.decimate_worker import READY, receive, send, simplify

log = logging.getLogger(__name__)

MAX_HELPERS = 3              # each holds up to ~150 MiB while decimating
# Fewer slabs do not pay for a helper's start (0.15 s) and its last slab, which this process
# waits for: both lungs of the 275 x 512² phantom (3 slabs each) took 2.5-2.9 s with one,
# 1.9-2.3 s without.
MIN_SLABS = 8

__all__ = ["helper_count", "start_helpers", "decimate_slabs"]


def helper_count(slabs: int) -> int:
    """Helpers worth starting: one per further core for ``MIN_SLABS`` slabs or more
    (CTVIS_DECIMATE_HELPERS overrides), none in a frozen application (no ``python -m``) or
    off POSIX (``select`` on pipes)."""
    wanted = os.environ.get("CTVIS_DECIMATE_HELPERS")
    if wanted is not None and wanted.strip().isdigit():
        n = int(wanted)
    elif slabs < MIN_SLABS:
        n = 0
    else:
        n = min(usable_cores() - 1, MAX_HELPERS)
    if getattr(sys, "frozen", False) or os.name != "posix":
        return 0
    return max(0, min(n, slabs - 1))


def start_helpers(n: int) -> list:
    """Up to ``n`` helper processes (fewer if they cannot be started)."""
    import ctvis

    root = os.path.dirname(os.path.dirname(os.path.abspath(ctvis.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"
    helpers = []
    for _ in range(n):
        try:
            helpers.append(subprocess.Popen(
                [sys.executable, "-m", "ctvis.mesh.decimate_worker"], env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        except OSError as exc:
            log.info("no decimation helper: %s", exc)
            break
    return helpers


def stop_helpers(helpers, kill: bool = False) -> None:
    for proc in helpers:
        try:
            if kill:
                proc.kill()
            else:
                proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            proc.stdout.close()


def decimate_slabs(prepare, count: int, reduction: float, helpers, tick) -> list:
    """[(points, faces)] of slabs 0..count-1, each ``prepare(c)`` = (points, faces) decimated
    with its border kept, shared between ``helpers`` and this process.  A helper is sent a
    slab once it said it is ready (so a helper still starting never blocks this process)
    and when it has given back its last one."""
    results = [None] * count
    pending = deque(range(count))
    starting, idle, busy = list(helpers), [], {}     # busy: helper -> its slab

    def failed(exc, c=None) -> None:
        log.warning("decimation helper failed (%s): its slab is decimated here", exc)
        if c is not None:
            pending.appendleft(c)

    def readable(procs, wait: bool) -> list:
        if not procs:
            return []
        return [p for p in procs if p.stdout in
                select.select([p.stdout for p in procs], [], [], None if wait else 0)[0]]

    while pending or busy:
        for proc in readable(starting, wait=False):
            starting.remove(proc)
            if proc.stdout.read(1) == READY:
                idle.append(proc)
        while idle and pending:
            proc, c = idle.pop(), pending.popleft()
            try:
                send(proc.stdin, *prepare(c), reduction)
                busy[proc] = c
            except (OSError, ValueError) as exc:
                failed(exc, c)
        if pending:                                   # this process decimates one too
            c = pending.popleft()
            results[c] = simplify(*prepare(c), reduction, preserve_border=True)
        for proc in readable(list(busy), wait=not pending):
            c = busy.pop(proc)
            try:
                p, f = receive(proc.stdout, 2)
            except Exception as exc:                  # died, or sent garbage
                failed(exc, c)
                continue
            results[c] = (p, f.astype("int64", copy=False))
            idle.append(proc)
        tick(sum(r is not None for r in results) / count, "decimating")
    return results
