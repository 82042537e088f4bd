"""Reading and writing volumes and masks: DICOM (scan, geometry, pixels), NIfTI, NRRD.

Public: ``load`` (any input → HU Volume), ``file_kind``, ``read_mask`` / ``write_mask``,
``MASK_FORMATS`` (the one list of NIfTI/NRRD formats and suffixes),
``read_nifti`` / ``write_nifti``, ``read_nrrd`` / ``write_nrrd``, ``write_dicom_series``.
"""
from ctvis.core.io.dispatch import (MASK_FORMATS, MASK_SUFFIXES, file_kind, load, read_mask,
                                    write_mask)
from ctvis.core.io.dicom_write import write_dicom_series
from ctvis.core.io.nifti_nrrd import (read_nifti, read_nrrd, write_nifti, write_nrrd,
                                      write_seg_nrrd)

__all__ = ["load", "file_kind", "read_mask", "write_mask", "MASK_FORMATS", "MASK_SUFFIXES",
           "read_nifti", "write_nifti", "read_nrrd", "write_nrrd", "write_seg_nrrd",
           "write_dicom_series"]
