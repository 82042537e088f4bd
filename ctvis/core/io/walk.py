"""List the regular files under a folder: iteratively, bounded, never opening anything else.

Why not ``os.walk``: on Python 3.11 it recurses (a folder nested 1,100 deep raised
RecursionError), and it lists FIFOs, sockets and devices as files, where ``open`` blocks
forever (a FIFO) or reads without end (``/dev/zero``).  Symbolic links are followed, to
folders too (a study tree made of links to the scanner's export); every folder and every file
is taken once, by its device and inode, so a link back up the tree (a loop) or a second link
to the same folder or file adds nothing twice.  What is passed over is reported.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_DEPTH = 4096                  # folders below the root; deeper ones are reported
MAX_ENTRIES = 1_000_000           # directory entries looked at in one walk


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def special_file_reason(path) -> str | None:
    """Why ``path`` cannot be read as a file (None for a regular file)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _os_reason(exc)
    return None if stat.S_ISREG(mode) else _kind(mode)


def _os_reason(exc: OSError) -> str:
    if exc.errno == 40:                                  # ELOOP
        return "symbolic link loop"
    if exc.errno == 2:                                   # ENOENT on a link
        return "broken symbolic link"
    return exc.strerror or type(exc).__name__


def regular_files(root: Path) -> tuple[list[Path], list[dict]]:
    """(regular files below ``root`` in a stable order, [{"path", "reason"}] passed over)."""
    files: list[Path] = []
    skipped: list[dict] = []
    stack = [(str(root), 0)]
    seen = 0
    folders_seen: set = set()
    files_seen: dict = {}
    while stack:
        folder, depth = stack.pop()
        try:
            identity = _identity(os.stat(folder))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append({"path": folder, "reason": f"folder not readable "
                                                      f"({_os_reason(exc)})"})
            continue
        if identity in folders_seen:
            skipped.append({"path": folder, "reason": "a link to a folder already searched"})
            continue
        folders_seen.add(identity)
        subfolders = []
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                skipped.append({"path": str(root), "reason": f"more than {MAX_ENTRIES:,} "
                                "entries: the rest of the folder was not searched"})
                return files, skipped
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError as exc:
                skipped.append({"path": entry.path, "reason": _os_reason(exc)})
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders.append(entry.path)
            elif stat.S_ISREG(st.st_mode):
                first = files_seen.setdefault(_identity(st), entry.path)
                if first == entry.path:
                    files.append(Path(entry.path))
                else:
                    skipped.append({"path": entry.path, "reason": f"the same file as {first}"})
            else:
                skipped.append({"path": entry.path, "reason": _kind(st.st_mode)})
        if subfolders and depth + 1 > MAX_DEPTH:
            skipped.append({"path": folder, "reason": f"folders nested deeper than "
                                                      f"{MAX_DEPTH} levels were not searched"})
            continue
        # Reversed onto the stack so that folders are visited in name order.
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))
    return files, skipped


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def open_regular(path):
    """``open(path, "rb")`` that refuses anything but a regular file without blocking on it
    (a FIFO swapped in after the walk would otherwise block ``open`` forever)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ValueError(_kind(mode))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
