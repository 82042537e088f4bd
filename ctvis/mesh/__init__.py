"""Surfaces (VTK, no Qt): meshes from label maps and HU thresholds, their smoothing and
decimation, previews for the 3D view, and mesh files (STL, PLY, OBJ, VTP) in LPS or RAS mm.
"""
