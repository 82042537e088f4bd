"""The application layer (no Qt, no VTK): the viewer's state and the shared pipeline steps.

Public: ``ViewerState`` and its value objects (``Window``, ``Overlay``, ``Bone``, ``View3D``,
``Camera``, ``Source``); ``open_volume``, ``segment`` (→ ``LungResult``), ``build_meshes``
(with a ``MeshRequest``).
"""
from ctvis.app.pipeline import LungResult, MeshRequest, build_meshes, open_volume, segment
from ctvis.model.state import (Bone, Camera, Overlay, Source, View3D, ViewerState, Window)

__all__ = ["ViewerState", "Window", "Overlay", "Bone", "View3D", "Camera", "Source",
           "open_volume", "segment", "LungResult", "MeshRequest", "build_meshes"]
