"""Nodules on the pleura join their lung (issue 20, item 6).

The full-resolution watershed stops each lung at solid tissue, so a nodule on the chest
wall or the mediastinum is left out with the wall it touches (docs/lungs.md, "Nodules at
the pleura").  A nodule bulges into its lung, and the lung wraps around it: the lung's
closing with a ball larger than the nodule (``ROLL_MM``) fills it, and with it the creases,
hilar vessels and folds the lung also wraps around.  What tells the nodule from those:

* it is round: a half ball lies within its radius of the centre of its base, its point
  deepest from the lung, and fills the lens of that depth and reach (a nodule on a curved
  wall is flatter, a lens itself), where a crease or a fold of the same depth reaches far
  beyond it, or fills a small part of its lens; and it is no larger than the ball;
* it is seen: two pixels deep, and two voxels across along every axis (a bump within one
  thick slice is that slice's partial volume where it cuts the lung's surface);
* it is solid tissue (its median HU), neither fat nor bone;
* aerated lung lies around it (not the airless tissue of a collapsed base).

Candidates are found on a grid of about ``GRID_MM`` in-plane and ``GRID_Z_MM`` along z (the
closing of a whole lung at full resolution costs as much as the segmentation); each is
judged and completed at full resolution in a box of its own.  Completing: the ball's
closing leaves the nodule's base against the wall (its cusps), so the tissue within the
nodule's sphere that a larger ball (``COMPLETE`` × its reach) fills, and that lies within
``GROW_MM`` (or ``GROW_SHARE`` of its reach, if thicker) of it, is added.
No Qt, no VTK.
"""
from __future__ import annotations

import numpy as np

from ctvis.core.editing.region import offset, relative
from ctvis.core.image.body import grown_box, index_box, margin_voxels
from ctvis.core.image.distance import distance_mm
from ctvis.core.lazy import ndimage          # scipy.ndimage, imported at first use

ROLL_MM = 10.0          # the ball rolled around each lung: fills bumps up to ~8 mm radius
GRID_MM = 1.5           # the candidates' grid: a 3 mm half ball is a dozen of its voxels
GRID_Z_MM = 2.5         # ... and along z: half the distance maps' voxels on thin slices, the
                        # same nodules (painted on a 0.625 mm copy of lidc-0001-full)
MIN_ML = 0.03           # smaller bumps are the pleura's relief (a 3 mm half ball: 0.057 mL,
                        # flatter on a curved wall)
MIN_DEPTH_MM = 2.0      # ... and so are shallower ones
ROUND = 2.5             # a nodule reaches at most this times its depth (+ a voxel's diagonal)
FILL = 0.8              # ... and fills this much of the lens of its depth and reach
                        # (nodules 0.88-1.17; grey patches on 5 mm sharp slices up to 0.79)
TISSUE_HU = -300        # denser voxels can be a nodule's
BONE_HU = 250           # ... and lighter ones (bone and its cortex are the wall's)
MEDIAN_HU = (-150.0, 250.0)   # a nodule's median: soft tissue, neither fat nor bone
AERATED_HU = -500
AERATED_SHARE = 0.6     # of the lung voxels touching it
COMPLETE = 2.0          # the completing ball, in the nodule's reaches
GROW_MM = 1.5           # the base's layer the closings leave against the wall
GROW_SHARE = 0.3        # ... at least this share of the nodule's reach (the cusps grow with it)


def add_pleural_nodules(labels: np.ndarray, hu: np.ndarray, spacing, sides=(1, 2),
                        within: tuple | None = None) -> dict[int, float]:
    """Add to each lung of ``labels`` (in place) the nodules on its pleura; returns the
    mm³ added per side.  ``within``: a box (a slice per axis) that holds every lung voxel,
    to find the lungs in less than the whole volume."""
    spacing = np.asarray(spacing, float)
    step = np.maximum(1, np.rint(np.array([GRID_Z_MM, GRID_MM, GRID_MM]) / spacing)).astype(int)
    added = {}
    if 2 * _min_depth(spacing) > ROLL_MM:
        # Pixels so coarse that a bump two of them deep is as large as the ball: nothing
        # tells a nodule there from the pleura's relief (a 64² research grid, a preview).
        return added
    within = within or tuple(slice(0, n) for n in labels.shape)
    for side in sides:
        box = index_box(labels[within] == side)
        if box is None:
            continue
        box = offset(box, within)
        box = _padded(box, spacing, ROLL_MM + GRID_MM, labels.shape)
        found = [_judged(labels, hu, side, spacing, _to_full(candidate, box, step), radius)
                 for candidate, radius in _candidates(labels[box], hu[box], side, spacing,
                                                      step)]
        # Painted after all are judged: each is judged against the lung as segmented.
        total = 0
        for region, nodule in filter(None, found):
            nodule &= labels[region] == 0
            labels[region][nodule] = side
            total += int(np.count_nonzero(nodule))
        added[side] = total * float(np.prod(spacing))
    return added


def _padded(box, spacing, mm: float, shape) -> tuple:
    return grown_box(box, margin_voxels(mm, spacing), shape)


def _closing(lung: np.ndarray, spacing, radius_mm: float, to_lung=None) -> np.ndarray:
    """``lung``'s closing with a ball of ``radius_mm`` (exact, by two distance maps;
    ``to_lung``: the distance map to ``lung``, if already made)."""
    if to_lung is None:
        to_lung = distance_mm(~lung, spacing)
    # Beyond the array is not lung: a border of it lets the ball roll in from there.
    grown = np.pad(to_lung <= radius_mm, 1)
    return distance_mm(grown, spacing)[1:-1, 1:-1, 1:-1] > radius_mm


def _tissue(labels: np.ndarray, hu: np.ndarray) -> np.ndarray:
    return (labels == 0) & (hu > TISSUE_HU) & (hu < BONE_HU)


def _candidates(labels, hu, side, spacing, step):
    """(index box on the grid of ``step``, ball radius) of each piece of tissue the lung's
    closing fills that passes :func:`_is_nodule`'s tests with a grid voxel's slack (a
    small nodule is a few grid voxels); the radius fills a bump of its reach."""
    grid = tuple(slice(None, None, int(s)) for s in step)
    pitch = spacing * step
    lung = labels[grid] == side
    sampled = hu[grid]
    to_lung = distance_mm(~lung, pitch)
    fill = _closing(lung, pitch, ROLL_MM, to_lung) & ~lung & _tissue(labels[grid], sampled)
    parts, _ = ndimage.label(fill)
    voxel_ml = float(np.prod(pitch)) / 1000
    slack = float(np.linalg.norm(pitch))
    for n, found in enumerate(ndimage.find_objects(parts), start=1):
        if found is None:
            continue
        piece = parts[found] == n
        if np.count_nonzero(piece) * voxel_ml < MIN_ML / 2:
            continue
        _, depth, reach = _shape(piece, to_lung[found], pitch)
        if (depth + slack < _min_depth(spacing)
                or reach > min(ROUND * depth, ROLL_MM) + slack):
            continue
        near = grown_box(found, 1, lung.shape)
        if _is_solid(parts[near] == n, lung[near], sampled[near], AERATED_SHARE - 0.1):
            yield found, min(ROLL_MM, ROUND * reach + slack)


def _to_full(candidate, box, step) -> tuple:
    """A candidate's box on the grid inside ``box`` as a full-resolution index box."""
    return tuple(slice(b.start + c.start * s, b.start + c.stop * s)
                 for c, b, s in zip(candidate, box, step))


def _judged(labels, hu, side, spacing, where, radius):
    """(box, mask) of the nodule found at full resolution in ``where`` by the lung's
    closing with a ball of ``radius`` mm, or None."""
    box = _padded(where, spacing, radius + GRID_MM, labels.shape)
    lung = labels[box] == side
    tissue = _tissue(labels[box], hu[box])
    to_lung = distance_mm(~lung, spacing)
    fill = _closing(lung, spacing, radius, to_lung) & tissue
    inner = relative(where, box)
    parts, _ = ndimage.label(fill)
    best = None
    for n in np.unique(parts[inner]):
        if n == 0:
            continue
        piece = parts == n
        centre, depth, reach = _shape(piece, to_lung, spacing)
        if not _is_nodule(piece, depth, reach, lung, hu[box], spacing):
            continue
        full_centre = tuple(c + b.start for c, b in zip(centre, box))
        region, nodule, allowed = _completed(labels, hu, side, spacing, full_centre, reach)
        _paste(nodule, region, piece, box)
        # The base's layer against the wall, which both closings leave out.
        layer = max(GROW_MM, GROW_SHARE * reach)
        nodule |= (distance_mm(~nodule, spacing) <= layer) & allowed
        if best is None or nodule.sum() > best[1].sum():
            best = (region, nodule)
    return best


def _shape(piece, to_lung, spacing):
    """The piece's deepest voxel from the lung, its depth and its reach from there (mm)."""
    depth_map = np.where(piece, to_lung, 0)
    centre = np.unravel_index(int(np.argmax(depth_map)), piece.shape)
    points = np.argwhere(piece)
    reach = float(np.sqrt((((points - centre) * spacing) ** 2).sum(axis=1)).max())
    return centre, float(depth_map[centre]), reach


def _min_depth(spacing) -> float:
    """A bump shallower than two pixels is the pleura's relief, or noise."""
    return max(MIN_DEPTH_MM, 2 * float(max(spacing[1:])))


def _thinnest(piece) -> int:
    """The fewest voxels the piece spans along an axis.  A bump in one slice is the slice's
    partial volume where it cuts the lung's surface (an apex, a dome), or noise: on 5 mm
    slices with a sharp kernel, such grey patches were most of what passed the tests."""
    return min(int(np.count_nonzero(piece.any(axis=tuple(a for a in range(piece.ndim)
                                                          if a != axis))))
               for axis in range(piece.ndim))


def _is_nodule(piece, depth, reach, lung, hu, spacing) -> bool:
    volume = np.count_nonzero(piece) * float(np.prod(spacing))
    if volume < MIN_ML * 1000 or depth < _min_depth(spacing) or reach > ROLL_MM:
        return False
    if _thinnest(piece) < 2:
        return False
    if reach > ROUND * depth + float(np.linalg.norm(spacing)):
        return False
    # A lens as deep as the piece and as wide as its reach: a half ball (or a nodule on a
    # curved wall, flatter) fills it, a crease or a fold of that depth and reach does not.
    lens = np.pi * depth / 6 * (3 * reach * reach + depth * depth)
    if volume < FILL * lens:
        return False
    return _is_solid(piece, lung, hu, AERATED_SHARE)


def _is_solid(piece, lung, hu, aerated_share: float) -> bool:
    """Soft tissue by its median HU, with aerated lung around most of it."""
    median = float(np.median(hu[piece]))
    if not MEDIAN_HU[0] < median < MEDIAN_HU[1]:
        return False
    touching = ndimage.binary_dilation(piece) & lung
    aerated = np.count_nonzero(touching & (hu < AERATED_HU))
    return aerated >= aerated_share * max(np.count_nonzero(touching), 1)


def _completed(labels, hu, side, spacing, centre, reach):
    """(box, mask, allowed): the tissue within ``reach`` of ``centre`` (``allowed``) and
    the part of it that the lung's closing with a ball of ``COMPLETE`` × ``reach`` fills."""
    radius = reach + 0.5 * float(max(spacing[1:]))
    big = max(COMPLETE * reach, ROLL_MM)
    point = tuple(slice(c, c + 1) for c in centre)
    box = _padded(point, spacing, big + radius, labels.shape)
    lung = labels[box] == side
    tissue = _tissue(labels[box], hu[box])
    grid = np.indices(lung.shape, dtype=np.float32)
    offset = [(g - (c - b.start)) * s for g, c, b, s in zip(grid, centre, box, spacing)]
    sphere = np.sqrt(sum(o * o for o in offset)) <= radius
    allowed = tissue & sphere
    return box, _closing(lung, spacing, big) & allowed, allowed


def _paste(nodule, region, piece, piece_box) -> None:
    """Add ``piece`` (in ``piece_box``) to ``nodule`` (in ``region``, which holds it)."""
    overlap = tuple(slice(max(r.start, p.start), min(r.stop, p.stop))
                    for r, p in zip(region, piece_box))
    into = tuple(slice(o.start - r.start, o.stop - r.start) for o, r in zip(overlap, region))
    out_of = tuple(slice(o.start - p.start, o.stop - p.start) for o, p in zip(overlap, piece_box))
    nodule[into] |= piece[out_of]


__all__ = ["add_pleural_nodules"]
