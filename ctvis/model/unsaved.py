"""Unsaved edits: which label maps changed since the session was last saved or opened.

A :class:`SavedMark` remembers each label map of a state by identity with its revision and
segment table at that moment.  A map edited since (revision or table changed), or a map made
since and edited, is unsaved; a map just made by a segmentation (revision 0) is not an edit.
The window asks before it closes or replaces a state with unsaved edits.  No Qt, no VTK.
"""
from __future__ import annotations

import weakref


class SavedMark:
    """The label maps of a state as they were when saved or opened."""

    def __init__(self, state=None):
        # Weak keys: a mark never keeps a closed volume's label maps alive.
        self._seen = weakref.WeakKeyDictionary()
        # The markups (immutable values): any other tuple since is unsaved.
        self._markups = () if state is None else tuple(state.markups)
        if state is not None:
            for overlay in state.overlays.values():
                if overlay.labelmap is not None:
                    self._seen[overlay.labelmap] = (overlay.labelmap.revision,
                                                    overlay.labelmap.segments)

    def unsaved(self, state) -> list[str]:
        """Names of the overlays whose label map has edits this mark has not seen."""
        names = []
        for name, overlay in state.overlays.items():
            labelmap = overlay.labelmap
            if labelmap is None:
                continue
            seen = self._seen.get(labelmap)
            if seen is None and labelmap.revision > 0 or \
                    seen is not None and seen != (labelmap.revision, labelmap.segments):
                names.append(name)
        return names

    def markups_unsaved(self, state) -> bool:
        """Whether markups were added, moved, renamed or deleted since the mark."""
        return tuple(state.markups) != self._markups


__all__ = ["SavedMark"]
