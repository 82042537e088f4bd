"""Decimation in slabs (bounded memory in fast_simplification): the slabs join exactly at their
cuts, the target is reached, the surface stays closed and keeps its volume."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.phantom import make_phantom
from ctvis.mesh import surfaces as S
from ctvis.mesh.decimation import fast_decimate
from ctvis.mesh.manifold import edge_counts, repair_manifold

pytest.importorskip("fast_simplification")


@pytest.fixture(scope="module")
def lung():
    """The phantom's smoothed, undecimated right lung (about 100 k triangles)."""
    phantom = make_phantom()
    mesh = S.surface_from_mask(phantom.volume, phantom.lungs == 1,
                               options=S.LUNG_SURFACE.with_(decimate=0))
    return np.asarray(mesh.points, float), S.triangle_faces(mesh)


def test_slabs_join_at_their_cuts_and_reach_the_target(lung):
    points, faces = lung
    whole = fast_decimate(points, faces, 0.5, chunk=len(faces) + 1)     # one call
    slabs = fast_decimate(points, faces, 0.5, chunk=len(faces) // 6)    # seven slabs
    for p, f in (whole, slabs):
        assert len(f) == pytest.approx(len(faces) * 0.5, rel=0.03)
        assert edge_counts(f)[0] == 0                      # closed: no open edge at a cut
        assert S.signed_volume(p, f) == pytest.approx(S.signed_volume(points, faces),
                                                      rel=0.003)
    p, f = slabs
    assert S._components(f, len(p))[0] == 1                # one piece, not seven
    assert len(np.unique(f)) == len(p)                     # every point used
    p, f, _, left = repair_manifold(p, f)
    assert left == 0 and edge_counts(f) == (0, 0)


def test_triangles_out_of_slice_order_are_decimated_in_spatial_slabs(lung, monkeypatch):
    """Slabs are runs of the triangles (flying edges writes them slice by slice); triangles in
    another order are sorted into slabs along the longest axis first, and still join."""
    from ctvis.mesh import decimation as D

    points, faces = lung
    sorted_ = []
    real = D._spatial_order
    monkeypatch.setattr(D, "_spatial_order", lambda *a: sorted_.append(1) or real(*a))
    fast_decimate(points, faces, 0.5, chunk=len(faces) // 6)
    assert not sorted_                                     # slice order: runs are slabs
    shuffled = faces[np.random.default_rng(0).permutation(len(faces))]
    p, f = fast_decimate(points, shuffled, 0.5, chunk=len(faces) // 6)
    assert sorted_
    assert len(f) == pytest.approx(len(faces) * 0.5, rel=0.03)
    assert edge_counts(f)[0] == 0
    assert S._components(f, len(p))[0] == 1
    assert S.signed_volume(p, f) == pytest.approx(S.signed_volume(points, faces), rel=0.003)


# ------------------------------------------------------------------ helper processes
def count_local_slabs(monkeypatch) -> list:
    from ctvis.mesh import helpers as H

    calls = []
    real = H.simplify
    monkeypatch.setattr(H, "simplify", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_slabs_shared_with_a_helper_process_give_the_same_surface(lung, monkeypatch):
    import select

    from ctvis.mesh import helpers as H

    def started_and_ready(n):             # these slabs take less than a helper's start
        procs = real_start(n)
        for proc in procs:
            assert select.select([proc.stdout], [], [], 30)[0]
        return procs
    real_start = H.start_helpers
    monkeypatch.setattr(H, "start_helpers", started_and_ready)
    points, faces = lung
    chunk = len(faces) // 6 + 1                          # six slabs
    alone = fast_decimate(points, faces, 0.5, chunk=chunk, helpers=0)
    here = count_local_slabs(monkeypatch)
    shared = fast_decimate(points, faces, 0.5, chunk=chunk, helpers=1)
    assert len(here) < 6                                 # the helper decimated some
    assert np.array_equal(alone[0], shared[0]) and np.array_equal(alone[1], shared[1])


def test_a_helper_that_dies_costs_only_its_slab_being_redone_here(lung, monkeypatch):
    import subprocess
    import sys

    from ctvis.mesh import helpers as H

    points, faces = lung
    chunk = len(faces) // 6 + 1                          # six slabs
    alone = fast_decimate(points, faces, 0.5, chunk=chunk, helpers=0)
    # Says it is ready, reads a little of its first slab and exits.
    dying = "import sys; sys.stdout.buffer.write(b'R'); sys.stdout.flush(); sys.stdin.buffer.read(64)"
    monkeypatch.setattr(H, "start_helpers", lambda n: [subprocess.Popen(
        [sys.executable, "-c", dying], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(n)])
    here = count_local_slabs(monkeypatch)
    shared = fast_decimate(points, faces, 0.5, chunk=chunk, helpers=1)
    assert len(here) == 6                                # all of them here
    assert np.array_equal(alone[0], shared[0]) and np.array_equal(alone[1], shared[1])


def test_helper_count(monkeypatch):
    from ctvis.mesh import helpers as H

    monkeypatch.setenv("CTVIS_DECIMATE_HELPERS", "2")
    assert H.helper_count(10) == 2 and H.helper_count(2) == 1 and H.helper_count(1) == 0
    monkeypatch.setenv("CTVIS_DECIMATE_HELPERS", "0")
    assert H.helper_count(10) == 0
    monkeypatch.delenv("CTVIS_DECIMATE_HELPERS")
    monkeypatch.setattr(H.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert H.helper_count(10) == 1                       # one per further core
    assert H.helper_count(H.MIN_SLABS - 1) == 0          # too few slabs to pay for one
    monkeypatch.setattr(H.sys, "frozen", True, raising=False)
    assert H.helper_count(10) == 0                       # no python -m in a frozen app
