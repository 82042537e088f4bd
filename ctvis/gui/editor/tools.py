"""The editor's tools in the order of their buttons, and the Help rows of their keys."""
from __future__ import annotations

from ctvis.gui.editor.fill_between import FillBetweenTool
from ctvis.gui.editor.grow_from_seeds import GrowFromSeedsTool
from ctvis.gui.editor.islands import IslandsTool
from ctvis.gui.editor.lesion import LesionTool
from ctvis.gui.editor.logical import LogicalTool
from ctvis.gui.editor.margin import MarginTool
from ctvis.gui.editor.paint import EraseTool, PaintTool
from ctvis.gui.editor.scissors import ScissorsTool
from ctvis.gui.editor.smoothing import SmoothingTool
from ctvis.gui.editor.threshold import ThresholdTool

TOOL_CLASSES = (PaintTool, EraseTool, ThresholdTool, IslandsTool, ScissorsTool, MarginTool,
                SmoothingTool, LogicalTool, GrowFromSeedsTool, FillBetweenTool, LesionTool)
UNDO_KEYS = ("Ctrl+Z",)
REDO_KEYS = ("Ctrl+Y", "Ctrl+Shift+Z")
LEAVE_KEY = "Esc"


def shortcut_rows() -> str:
    """HTML table rows for Help ▸ Keyboard and mouse."""
    rows = [(f"{' / '.join(UNDO_KEYS)}", "undo the last edit"),
            (f"{' / '.join(REDO_KEYS)}", "redo"),
            *((cls.key, f"Segment editor: {cls.title} — {cls.tip}") for cls in TOOL_CLASSES),
            (LEAVE_KEY, "leave the editor tool"),
            ("Shift+wheel", "brush size (Paint, Erase, Threshold)"),
            ("Ctrl+left click/drag", "crosshair / window and level while a tool is active")]
    return "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
