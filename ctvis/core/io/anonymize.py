"""Anonymized copies of DICOM folders: the DICOM PS3.15 Basic Application Level
Confidentiality Profile, applied by dicognito (its attribute table, UID remapping and date
shifting), plus private tags removed.

The same ``key`` gives the same new UIDs, names and date shift in every run, so a series
anonymized twice stays one series, and a cohort can be exported in parts.  Pixel data is
never touched: files that say they carry burned-in annotation are listed for a human to
check.  The input is only read; outputs go through a temporary name.
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.progress import Progress

log = logging.getLogger(__name__)


@dataclass
class AnonymizeResult:
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)     # (file, reason)
    burned_in: list[Path] = field(default_factory=list)              # outputs to check
    series: set = field(default_factory=set)                         # new series UIDs


def check_folders(source, target) -> tuple[Path, Path]:
    """Refuse a missing input, and an output that is the input or lies inside it."""
    source, target = Path(source).resolve(), Path(target).resolve()
    if not source.exists():
        raise CtvisError(f"{source}: no such file or folder")
    if target == source or source in target.parents:
        raise CtvisError(f"{target}: the output must not be inside the input {source} "
                         f"(the input is never written)")
    if target.exists() and not target.is_dir():
        raise CtvisError(f"{target}: exists and is not a folder")
    return source, target




def anonymize_folder(source, target, key: str, progress=None, cancel=None) -> AnonymizeResult:
    """Write an anonymized copy of every DICOM file under ``source`` into ``target``, as
    ``target/<study>/<series>/<instance>.dcm`` (new UIDs: no original name survives)."""
    import pydicom
    from dicognito.anonymizer import Anonymizer
    from pydicom.errors import InvalidDicomError

    source, target = check_folders(source, target)
    if not key:
        raise CtvisError("anonymization needs a key (the same key gives the same new UIDs)")
    tick = Progress(progress, cancel)
    anonymizer = Anonymizer(seed=key)
    from ctvis.core.io.dicom_scan import iter_files

    files, passed_over = iter_files(source)          # regular files only, bounded walk
    result = AnonymizeResult(skipped=[(e["path"], e["reason"]) for e in passed_over])
    for n, path in enumerate(files):
        if n % 16 == 0:
            tick(n / max(len(files), 1), f"anonymizing {n}/{len(files)}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path)
            if "SOPInstanceUID" not in ds:
                raise InvalidDicomError("no SOP instance UID")
        except (InvalidDicomError, EOFError, ValueError, KeyError, TypeError,
                AttributeError, OSError) as exc:
            reason = "not DICOM" if isinstance(exc, InvalidDicomError) else \
                f"unreadable ({type(exc).__name__}: {exc})"
            result.skipped.append((str(path), reason))
            continue
        ds.remove_private_tags()
        anonymizer.anonymize(ds)
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = "PS3.15 Basic Profile (dicognito), no private tags"
        out = (target / str(ds.get("StudyInstanceUID", "study")) /
               str(ds.get("SeriesInstanceUID", "series")) / f"{ds.SOPInstanceUID}.dcm")
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            ds.save_as(tmp, enforce_file_format=True)
        result.written.append(out)
        result.series.add(str(ds.get("SeriesInstanceUID", "")))
        if str(ds.get("BurnedInAnnotation", "")).upper() == "YES":
            result.burned_in.append(out)
    tick(1.0, "anonymized")
    log.info("anonymized %d files from %s into %s (%d skipped)", len(result.written), source,
             target, len(result.skipped))
    return result


__all__ = ["anonymize_folder", "check_folders", "AnonymizeResult"]
