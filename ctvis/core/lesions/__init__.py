"""Lesions: one-click growth from a point (:mod:`grow`) and measurements (:mod:`measure`)."""
