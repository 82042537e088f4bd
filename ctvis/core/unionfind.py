"""Disjoint sets as a plain ``parent`` list (``parent[i] == i`` for a root): the root of an
element, with path halving.  Callers join two sets by ``parent[root_a] = root_b``."""
from __future__ import annotations


def root(parent: list, i: int) -> int:
    """The root of ``i``'s set (halving the path to it on the way)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i
