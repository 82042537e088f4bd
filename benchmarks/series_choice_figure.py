"""docs/images/lungs-series-choice.png: the class "the wrong series" of docs/lungs.md.

    python benchmarks/series_choice_figure.py [OUT.png]

A folder holding the original axial CT (``../shared/data/lungdx-a0001``) and a sagittal
reformat with more images (built as ``tests/core/io/test_series_choice.py`` builds it, in a
temporary folder): top, the three views of the reformat that was opened before (most
images); bottom, those of the series ctvis opens now (original, axial, smallest step).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))                      # tests.*

from ctvis.core.io.dispatch import load  # noqa: E402
from ctvis.model.state import ViewerState  # noqa: E402
from ctvis.render.pictures import fit, pad_square, slice_picture  # noqa: E402
from tests.core.io.test_series_choice import _reformat, _retag  # noqa: E402
from tests.helpers.dicom_factory import write  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "lungdx-a0001" / "dicom"
CELL = 300


def _row(volume, caption: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    state = ViewerState()
    state.volume = volume
    state.apply_preset("Lung")
    row = np.concatenate([fit(pad_square(slice_picture(state, v, annotations=False)),
                              (CELL, CELL)) for v in ("axial", "coronal", "sagittal")], axis=1)
    image = Image.fromarray(row)
    ImageDraw.Draw(image).text((6, 4), caption, fill=(255, 200, 40),
                               font=ImageFont.load_default(size=15))
    return np.asarray(image)


def main() -> None:
    from PIL import Image

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/images/lungs-series-choice.png"
    import shutil

    import pydicom

    first = pydicom.dcmread(sorted(DATA.glob("*.dcm"))[0], stop_before_pixels=True)
    original = load(DATA)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "petct"
        shutil.copytree(DATA, folder / "CT")
        paths = write(_reformat(original, "sagittal", 90), folder / "sagittal",
                      series_uid="1.2.826.0.1.3680043.2.1125.20.5.602")
        _retag(paths, ("DERIVED", "SECONDARY", "REFORMATTED"), first.StudyInstanceUID,
               first.FrameOfReferenceUID, 602)
        reformat = load(folder / "sagittal")
        chosen = load(folder)
    rows = [_row(reformat, f"before: the sagittal reformat, {reformat.shape[0]} images "
                           f"(most images)"),
            np.full((6, 3 * CELL, 3), 255, np.uint8),
            _row(chosen, f"now: the original axial CT, {chosen.shape[0]} images")]
    Image.fromarray(np.concatenate(rows, axis=0)).save(out)
    print(f"wrote {out}: top the sagittal reformat ({reformat.shape}), bottom the series "
          f"opened now ({chosen.shape})")


if __name__ == "__main__":
    main()
