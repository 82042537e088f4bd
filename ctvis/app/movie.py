"""Movies of a ViewerState: a slice sweep of one view, or a 360° turn of the 3D view.

The step that ``ctvis movie`` and File ▸ Save movie both call.  A sweep's frames are the
headless screenshot's pictures (:func:`ctvis.render.pictures.slice_picture`: true aspect, the
orientation letters, view name, slice number and window — no patient identifiers), one per
slice; a turn's frames are the off-screen 3D view (:mod:`ctvis.render.turntable`).  imageio
writes them: MP4 by libx264 through imageio-ffmpeg's own ffmpeg (yuv420p, so frame sizes
are padded to even), GIF by pillow (looping).  The file is written under a temporary name
and moved into place.  No Qt; VTK is imported only for a turn.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.progress import Progress

SUFFIXES = (".mp4", ".gif")
SWEEP_VIEWS = ("axial", "coronal", "sagittal")
DEFAULT_FPS = 10.0
DEFAULT_TURN_FRAMES = 72                 # 5° a frame
DEFAULT_TURN_SIZE = 640                  # pixels, square


@dataclass(frozen=True)
class MovieSpec:
    """What to film: ``sweep`` (``view``'s slices ``first``..``last``, 0-based and
    inclusive, None: the ends, every ``step``-th) or ``rotate`` (``frames`` frames of
    ``size`` × ``size`` pixels over one turn of the 3D view); ``fps`` frames a second."""
    kind: str = "sweep"
    view: str = "axial"
    first: int | None = None
    last: int | None = None
    step: int = 1
    frames: int = DEFAULT_TURN_FRAMES
    size: int = DEFAULT_TURN_SIZE
    fps: float = DEFAULT_FPS


@dataclass(frozen=True)
class MovieResult:
    path: Path
    frames: int
    size: tuple[int, int]                # (width, height) of the written frames


# --------------------------------------------------------------------------- checks
def check_output(path) -> str:
    """The movie's suffix (.mp4 or .gif); a CtvisError naming the file when it cannot be."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CtvisError(f"{path}: a movie must end in .mp4 or .gif")
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CtvisError(f"{path}: is a folder")
    if folder.exists() and not folder.is_dir():
        raise CtvisError(f"{path}: {folder} is not a folder")
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not _writable(existing):
        raise CtvisError(f"{path}: cannot write in {existing}")
    return suffix


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK | os.X_OK)


def check_spec(spec: MovieSpec) -> None:
    if spec.kind not in ("sweep", "rotate"):
        raise CtvisError(f"unknown movie kind {spec.kind!r}: sweep or rotate")
    if spec.kind == "sweep" and spec.view not in SWEEP_VIEWS:
        raise CtvisError(f"cannot sweep view {spec.view!r}: choose {', '.join(SWEEP_VIEWS)}")
    if not (0 < spec.fps <= 120):
        raise CtvisError(f"frame rate {spec.fps:g}: give 0 < fps <= 120")
    if spec.step < 1:
        raise CtvisError(f"step {spec.step}: give 1 or more")
    if spec.kind == "rotate" and not (2 <= spec.frames <= 3600):
        raise CtvisError(f"{spec.frames} frames: a turn needs 2 to 3600")
    if spec.kind == "rotate" and not (64 <= spec.size <= 4096):
        raise CtvisError(f"frame size {spec.size}: give 64 to 4096 pixels")


def sweep_indices(count: int, first: int | None, last: int | None, step: int = 1) -> range:
    """The slices of a sweep (0-based); a CtvisError when the range is outside 0..count-1."""
    first = 0 if first is None else first
    last = count - 1 if last is None else last
    if not (0 <= first < count and 0 <= last < count):
        raise CtvisError(f"slices {first + 1}:{last + 1} are outside this view's 1:{count}")
    return range(first, last + 1, step) if first <= last else range(first, last - 1, -step)


# --------------------------------------------------------------------------- frames
def snapshot(state):
    """A ViewerState showing what ``state`` shows, to move through without touching the
    original (the window's state lives on the GUI thread; a movie runs on a worker).  The
    fields are copied as they are (values are frozen; label maps are read, not changed)."""
    from ctvis.model.state import FIELDS, ViewerState

    copy = ViewerState()
    copy.__dict__.update({name: state.__dict__[name] for name in FIELDS})
    return copy


def sweep_frames(state, view: str, indices):
    """The screenshot picture of each slice in ``indices`` of ``view`` (``state`` moves)."""
    from ctvis.render.pictures import slice_picture

    for index in indices:
        state.set_slice_index(view, index)
        yield slice_picture(state, view)


def pad_even(rgb: np.ndarray) -> np.ndarray:
    """Black row/column added at the bottom/right so both sides are even (yuv420p needs it)."""
    h, w = rgb.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return rgb
    return np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)))


def frame_count(state, spec: MovieSpec) -> int:
    if spec.kind == "rotate":
        return spec.frames
    return len(_indices(state, spec))


def _indices(state, spec: MovieSpec) -> range:
    from ctvis.render.slices import slice_geometry

    count = slice_geometry(state.volume, spec.view).count
    return sweep_indices(count, spec.first, spec.last, spec.step)


# --------------------------------------------------------------------------- writing
@contextlib.contextmanager
def _writer(path: Path, suffix: str, fps: float):
    """``append(rgb)`` writing frames to ``path``; closed (flushed) on leaving."""
    import imageio.v2 as imageio_v2
    import imageio.v3 as iio

    if suffix == ".mp4":
        # macro_block_size 2: frames are padded to even sizes here, not resized by imageio.
        writer = imageio_v2.get_writer(
            path, format="FFMPEG", mode="I", fps=fps, codec="libx264",
            pixelformat="yuv420p", macro_block_size=2, quality=8,
            ffmpeg_log_level="error")
        try:
            yield writer.append_data
        finally:
            writer.close()
    else:
        duration = int(round(1000.0 / fps))           # GIF delays are in milliseconds
        with iio.imopen(path, "w", plugin="pillow", extension=".gif") as file:
            yield lambda rgb: file.write(rgb, duration=duration, loop=0, is_batch=False)


def write_movie(frames, path, fps: float = DEFAULT_FPS, count: int | None = None,
                progress=None, cancel=None) -> MovieResult:
    """Write the RGB ``frames`` (an iterable; ``count`` of them, for progress) to ``path``
    (.mp4 or .gif) through a temporary name."""
    path = Path(path)
    suffix = check_output(path)
    tick = Progress(progress, cancel)
    written, size = 0, (0, 0)
    stream = iter(frames)
    try:
        with atomic_path(path) as tmp, _writer(tmp, suffix, fps) as append:
            for rgb in stream:
                tick.check()
                rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
                if suffix == ".mp4":
                    rgb = pad_even(rgb)
                if written and (rgb.shape[1], rgb.shape[0]) != size:
                    raise CtvisError(f"{path}: frames of different sizes")
                append(rgb)
                written += 1
                size = (rgb.shape[1], rgb.shape[0])
                if count:
                    tick(written / count, f"frame {written}/{count}")
            if not written:
                raise CtvisError(f"{path}: no frames to write")
            tick.check()
    finally:
        getattr(stream, "close", lambda: None)()      # a turn's off-screen window closes
    return MovieResult(path, written, size)


def save_movie(state, path, spec: MovieSpec, progress=None, cancel=None) -> MovieResult:
    """Film ``state`` as ``spec`` says into ``path`` (.mp4 or .gif); ``state`` is not changed."""
    check_output(path)
    check_spec(spec)
    if state.volume is None:
        raise CtvisError("nothing to film: no volume is open")
    film = snapshot(state)
    if spec.kind == "rotate":
        from ctvis.render.turntable import turntable_frames

        frames = turntable_frames(film, spec.frames, (spec.size, spec.size))
        count = spec.frames
    else:
        indices = _indices(film, spec)
        frames, count = sweep_frames(film, spec.view, indices), len(indices)
    return write_movie(frames, path, spec.fps, count, progress, cancel)


__all__ = ["SUFFIXES", "SWEEP_VIEWS", "MovieSpec", "MovieResult", "check_output", "check_spec",
           "sweep_indices", "sweep_frames", "snapshot", "pad_even", "frame_count",
           "write_movie", "save_movie"]
