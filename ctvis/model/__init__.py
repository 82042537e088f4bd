"""The model (no Qt, no VTK): what the user sees and makes — ``ViewerState`` with one event
per field, its value objects, the layouts — drawn by ``render``, changed by ``app`` and ``gui``.
"""
