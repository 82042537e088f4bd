"""Dock panels of the main window, one control per ViewerState field they edit."""
