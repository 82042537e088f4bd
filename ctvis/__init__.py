"""ctvis: explore chest CT in Python (DICOM → HU volume, orthogonal views, 3D, lungs, meshes)."""
from ctvis.core.volume import Volume

__version__ = "0.1.0"


def load(path, series_uid=None, progress=None, cancel=None) -> Volume:
    """Load a DICOM folder/file, NIfTI, NRRD or MetaImage into a HU :class:`Volume`
    (see ctvis.core.io.dispatch)."""
    from ctvis.core.io import load as _load

    return _load(path, series_uid=series_uid, progress=progress, cancel=cancel)


__all__ = ["Volume", "load", "__version__"]
