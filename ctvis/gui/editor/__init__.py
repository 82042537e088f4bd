"""The Segment Editor's tools in the window, one module per tool (3D Slicer's effect names).

A tool only turns mouse input in a slice view, and its options' buttons, into calls of
``ctvis.core.editing`` whose patches it writes through ``ctvis.model.editor.Editor`` (the
window's one undo history).  ``controller.EditorTools`` makes the tools, their menu actions
and shortcuts, and hands the slice views' left button to the active tool.
"""
