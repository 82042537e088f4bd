"""What loading repaired or passed over, as one line per note, for every front end (the CLI's
warnings, the viewer's status bar, the report, the batch table), and the same notes fit for
a de-identified report or table."""
from __future__ import annotations

import re
from pathlib import Path

from ctvis.core.volume import Volume

_SKIPPED_COUNT = re.compile(r"\d+ file\(s\) skipped \(not DICOM images or unreadable\)$")


def loading_notes(volume: Volume) -> list[str]:
    """One line each: the loader's warnings, then the files skipped (the first named, how
    many more).  Every front end shows these, so a mask, a mesh or a picture never comes
    from a series with a slice missing or a file left out without a word."""
    meta = volume.meta
    skipped = meta.get("skipped", [])
    notes = [" ".join(str(w).split()) for w in meta.get("warnings", [])]
    if skipped:
        # The loader's count of skipped files says again what the note below says.
        notes = [n for n in notes if not _SKIPPED_COUNT.match(n)]
        first = skipped[0]
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        notes.append(" ".join(f"skipped {first.get('path')}: {first.get('reason')}{more}"
                              .split()))
    return notes


UID = re.compile(r"\b\d+(?:\.\d+){3,}\b")       # DICOM UIDs identify a study (PS3.15)


def deidentify_note(note: str, volume: Volume) -> str:
    """A loading note fit for a de-identified report: paths relative to the opened folder
    (its name may be the patient's) and UIDs replaced."""
    source = str(volume.meta.get("source") or "")
    if source:
        folder = source if Path(source).is_dir() else str(Path(source).parent)
        note = note.replace(folder.rstrip("/") + "/", "").replace(source, "(input)")
    return UID.sub("(UID)", note)
