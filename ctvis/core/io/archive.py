"""A study handed over as one archive (.zip, .tar, .tar.gz, ...): unpacked once per process
into a private temporary folder, which is then opened like any folder.

PACS exports and web downloads come as ZIP files, and 3D Slicer's DICOM import takes them.
The archive is never written to; what it unpacks to lives until the process ends (a
volume's ``slice_files``, which DICOM SEG and RTSTRUCT exports reference, lie there).
Members that would land outside the folder (absolute paths, ``..``), links and special
files are passed over; an archive that would unpack to more than the free disk space is
refused before anything is written.
"""
from __future__ import annotations

import atexit
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

from ctvis.core.errors import LoadError

SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
SPARE_BYTES = 256 << 20          # left free on the disk after unpacking
_unpacked: dict = {}             # (path, size, mtime) → folder


def is_archive(path) -> bool:
    """Whether ``path`` is a file named as an archive (by its suffix: a DICOM file may
    carry any name, and no DICOM file is a ZIP or a tar)."""
    path = Path(path)
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def unpacked(path) -> Path:
    """The folder ``path`` unpacks to (unpacked on the first call of the process)."""
    path = Path(path)
    info = path.stat()
    key = (str(path.resolve()), info.st_size, info.st_mtime_ns)
    folder = _unpacked.get(key)
    if folder is not None and folder.is_dir():
        return folder
    folder = Path(tempfile.mkdtemp(prefix="ctvis-archive-"))
    atexit.register(shutil.rmtree, folder, True)
    try:
        if zipfile.is_zipfile(path):
            _unzip(path, folder)
        else:
            _untar(path, folder)
    except LoadError:
        shutil.rmtree(folder, True)
        raise
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError,
            NotImplementedError) as exc:
        shutil.rmtree(folder, True)
        raise LoadError(f"{path}: the archive cannot be unpacked ({_short(exc)})") from None
    _unpacked[key] = folder
    return folder


def _unzip(path: Path, folder: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.infolist() if not m.is_dir() and _inside(m.filename)]
        if any(m.flag_bits & 0x1 for m in members):
            raise LoadError(f"{path}: the archive is encrypted; unpack it with its password "
                            f"and open the folder")
        _check_room(path, sum(m.file_size for m in members), folder)
        for member in members:
            archive.extract(member, folder)


def _untar(path: Path, folder: Path) -> None:
    with tarfile.open(path) as archive:
        members = [m for m in archive.getmembers() if m.isfile() and _inside(m.name)]
        _check_room(path, sum(m.size for m in members), folder)
        # The "data" filter (Python 3.11.4+) refuses what escapes the folder a second time.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(folder, members=members, **safe)


def _inside(name: str) -> bool:
    """A member's name that stays inside the folder it is unpacked to."""
    parts = Path(name.replace("\\", "/")).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts \
        and not name.startswith(("/", "\\"))


def _check_room(path: Path, size: int, folder: Path) -> None:
    free = shutil.disk_usage(folder).free
    if size + SPARE_BYTES > free:
        raise LoadError(f"{path}: the archive unpacks to {size / 2**30:.1f} GiB and the "
                        f"temporary folder's disk has {free / 2**30:.1f} GiB free")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return (text[:200] + "…" if len(text) > 200 else text) or type(exc).__name__


def forget() -> None:
    """Remove every folder unpacked so far (tests; the process's end does it too)."""
    for folder in _unpacked.values():
        shutil.rmtree(folder, True)
    _unpacked.clear()


__all__ = ["SUFFIXES", "forget", "is_archive", "unpacked"]
