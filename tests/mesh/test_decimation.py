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
