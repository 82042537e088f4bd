"""Issue 20, item 5 "The wrong series": a folder holding the original axial CT beside coronal
and sagittal reformats with more images opens the original axial CT; every series stays
listed, marked with what it is, and can be chosen.

The folders are built from the real lungdx-a0001 series (64 axial slices of 512², 5 mm): its
files copied as they are, plus reformats resampled from its volume and written as DICOM
(DERIVED\\SECONDARY\\REFORMATTED, same study and frame of reference, no description).
"""
from __future__ import annotations

import logging
import os
import shutil
from types import SimpleNamespace

import numpy as np
import pydicom
import pytest

import ctvis
from ctvis.cli import main
from ctvis.core.io.dicom_scan import scan
from ctvis.core.io.series_rank import kind_label, rank_series, series_kind
from ctvis.core.volume import Volume
from tests.helpers.dicom_factory import write

AXIAL = np.eye(3)
# Columns: patient directions of the x (image columns), y (image rows), z (stack) index axes.
CORONAL = np.column_stack([[1, 0, 0], [0, 0, -1], [0, 1, 0]]).astype(float)
SAGITTAL = np.column_stack([[0, 1, 0], [0, 0, -1], [-1, 0, 0]]).astype(float)
IN_PLANE = 4              # reformats keep every 4th voxel across the image: small, fast files


def _retag(paths, image_type, study_uid, frame_uid, number) -> None:
    """What a scanner's reformat carries: its ImageType, the original's study and frame of
    reference, a series number, and no SeriesDescription."""
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.ImageType = list(image_type)
        ds.StudyInstanceUID = study_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.SeriesNumber = number
        if "SeriesDescription" in ds:
            del ds.SeriesDescription
        ds.save_as(path, enforce_file_format=True)


def _reformat(volume: Volume, plane: str, n: int) -> Volume:
    """``n`` coronal or sagittal planes through ``volume`` (identity direction), spread evenly
    over its extent (nearest plane), the top row of each image the most superior one."""
    a = volume.array
    dz, dy, dx = volume.spacing
    top = volume.index_to_patient([a.shape[0] - 1, 0, 0])        # superior, right, anterior
    if plane == "coronal":
        picks = np.rint(np.linspace(0, a.shape[1] - 1, n)).astype(int)
        planes = a[::-1, picks, ::IN_PLANE].transpose(1, 0, 2)        # (y, z top down, x)
        step = (a.shape[1] - 1) * dy / (n - 1)
        return Volume(np.ascontiguousarray(planes), (step, dz, dx * IN_PLANE), tuple(top),
                      CORONAL)
    picks = np.rint(np.linspace(a.shape[2] - 1, 0, n)).astype(int)  # left (+x) first
    planes = a[::-1, ::IN_PLANE, picks].transpose(2, 0, 1)            # (x, z top down, y)
    step = (a.shape[2] - 1) * dx / (n - 1)
    origin = top + np.array([(a.shape[2] - 1) * dx, 0.0, 0.0])
    return Volume(np.ascontiguousarray(planes), (step, dz, dy * IN_PLANE), tuple(origin),
                  SAGITTAL)


def _link_all(src, dst) -> None:
    """The files of ``src`` in ``dst`` too (hard links: the 32 MB series is not copied)."""
    for root, _dirs, files in os.walk(src):
        target = dst / os.path.relpath(root, src)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(os.path.join(root, name), target / name)
            except OSError:
                shutil.copy2(os.path.join(root, name), target / name)


@pytest.fixture(scope="module")
def folders(data_dir, tmp_path_factory):
    """petct: the original axial (64) + a coronal (80) and a sagittal (90) reformat;
    study: the same + a two-image localizer and a 10 mm axial original of 70 images."""
    source = data_dir / "lungdx-a0001" / "dicom"
    first = pydicom.dcmread(sorted(source.glob("*.dcm"))[0], stop_before_pixels=True)
    study_uid, frame_uid = first.StudyInstanceUID, first.FrameOfReferenceUID
    volume = ctvis.load(source)
    assert volume.shape == (64, 512, 512) and np.allclose(volume.direction, AXIAL)
    root = tmp_path_factory.mktemp("series_choice")
    petct = root / "petct"
    shutil.copytree(source, petct / "CT")
    uids = {"axial": first.SeriesInstanceUID}
    for plane, n, number in (("coronal", 80, 601), ("sagittal", 90, 602)):
        uids[plane] = f"1.2.826.0.1.3680043.2.1125.20.5.{number}"
        paths = write(_reformat(volume, plane, n), petct / plane, series_uid=uids[plane])
        _retag(paths, ("DERIVED", "SECONDARY", "REFORMATTED"), study_uid, frame_uid, number)
    study = root / "study"
    _link_all(petct, study)
    # A 10 mm axial original with more images than the 5 mm one (it reaches further down).
    picks = np.rint(np.linspace(0, 63, 70)).astype(int)
    top = volume.index_to_patient([63, 0, 0])
    thick = Volume(np.ascontiguousarray(volume.array[picks, ::IN_PLANE, ::IN_PLANE]),
                   (10.0, volume.spacing[1] * IN_PLANE, volume.spacing[2] * IN_PLANE),
                   (top[0], top[1], top[2] - 69 * 10.0), AXIAL)
    uids["thick"] = "1.2.826.0.1.3680043.2.1125.20.5.3"
    paths = write(thick, study / "thick", series_uid=uids["thick"])
    _retag(paths, ("ORIGINAL", "PRIMARY", "AXIAL"), study_uid, frame_uid, 3)
    # A localizer: one frontal and one lateral projection, ORIGINAL\PRIMARY\LOCALIZER.
    uids["localizer"] = "1.2.826.0.1.3680043.2.1125.20.5.1"
    scout = []
    for n, (plane, name) in enumerate((("coronal", "ap{index}.dcm"),
                                        ("sagittal", "lat{index}.dcm"))):
        one = _reformat(volume, plane, 2)
        one = Volume(one.array[:1], one.spacing, one.origin, one.direction)
        scout += write(one, study / "scout", series_uid=uids["localizer"], name_pattern=name,
                       instance_start=n + 1)
    _retag(scout, ("ORIGINAL", "PRIMARY", "LOCALIZER"), study_uid, frame_uid, 1)
    return SimpleNamespace(petct=petct, study=study, uids=uids, volume=volume)


def test_the_original_axial_ct_is_loaded_not_the_reformat_with_most_images(folders, caplog):
    with caplog.at_level(logging.INFO, logger="ctvis.core.io.dicom"):
        volume = ctvis.load(folders.petct)
    assert volume.meta["series_uid"] == folders.uids["axial"]
    assert volume.shape == (64, 512, 512)
    np.testing.assert_allclose(volume.direction, AXIAL, atol=1e-6)
    assert volume.spacing[0] == pytest.approx(5.0)
    listed = {s["uid"]: s for s in volume.meta["series"]}
    assert set(listed) == {folders.uids[k] for k in ("axial", "coronal", "sagittal")}
    assert volume.meta["series"][0]["uid"] == folders.uids["axial"]       # the default first
    assert listed[folders.uids["coronal"]]["n_images"] == 80
    assert listed[folders.uids["sagittal"]]["n_images"] == 90
    assert listed[folders.uids["axial"]]["kind"] == "original axial"
    assert listed[folders.uids["coronal"]]["kind"] == "derived coronal reformat"
    assert listed[folders.uids["sagittal"]]["kind"] == "derived sagittal reformat"
    # The log says the default passed over series with more images (no per-series warning).
    passed = [r.getMessage() for r in caplog.records if "passing over 2" in r.getMessage()]
    assert len(passed) == 1 and "derived sagittal reformat" in passed[0]
    assert sum("series found" in w for w in volume.meta["warnings"]) == 1


def test_a_reformat_can_still_be_chosen(folders):
    sagittal = ctvis.load(folders.petct, series_uid=folders.uids["sagittal"])
    assert sagittal.meta["series_uid"] == folders.uids["sagittal"]
    written = _reformat(folders.volume, "sagittal", 90)
    assert sagittal.shape == (90, 64, 128)
    np.testing.assert_array_equal(sagittal.array, written.array)
    np.testing.assert_allclose(sagittal.direction, SAGITTAL, atol=1e-6)
    np.testing.assert_allclose(sagittal.origin, written.origin, atol=1e-3)
    assert sagittal.meta["series"][0]["uid"] == folders.uids["axial"]     # still listed first


def test_localizer_and_thicker_axial_rank_after_the_thin_axial(folders):
    result = scan(folders.study)
    order = [s.uid for s in result.series]
    u = folders.uids
    # The reformats after both originals (the sagittal's step is the smaller), the localizer
    # last.
    assert order == [u["axial"], u["thick"], u["sagittal"], u["coronal"], u["localizer"]]
    kinds = {s.uid: s.kind for s in result.series}
    assert kinds[u["thick"]] == "original axial" and kinds[u["localizer"]] == "localizer"
    volume = ctvis.load(folders.study)
    assert volume.meta["series_uid"] == u["axial"] and volume.shape == (64, 512, 512)
    thick = ctvis.load(folders.study, series_uid=u["thick"])
    assert thick.shape == (70, 128, 128) and thick.spacing[0] == pytest.approx(10.0)


def test_info_lists_every_series_with_the_reformats_marked(folders, capsys):
    assert main(["info", str(folders.petct)]) == 0
    out = capsys.readouterr().out
    u = folders.uids
    assert "3 series found" in out
    table = out.split("\n\n")[0].splitlines()[2:]          # one line per series
    assert len(table) == 3
    lines = {line.split()[-1]: line for line in table}
    assert set(lines) == {u["axial"], u["coronal"], u["sagittal"]}
    assert lines[u["axial"]].lstrip().startswith("*") and "original axial" in lines[u["axial"]]
    assert "derived coronal reformat" in lines[u["coronal"]]
    assert "derived sagittal reformat" in lines[u["sagittal"]]
    assert table[0].split()[-1] == u["axial"]                            # the default first
    assert f"selected: {u['axial']}" in out


# ------------------------------------------------------------- the ranking on bare headers
def _series(uid, n, image_type=("ORIGINAL", "PRIMARY", "AXIAL"), normal=(0, 0, 1), step=1.0,
            modality="CT", description=""):
    """A series as the scan makes it, from nothing but the headers the ranking reads."""
    normal = np.asarray(normal, float)
    row = np.cross([0.0, 1.0, 0.0], normal) if abs(normal[1]) < 0.9 else np.array([1, 0, 0.])
    row /= np.linalg.norm(row)
    col = np.cross(normal, row)
    slices = [SimpleNamespace(image_type=tuple(image_type),
                              orientation=np.concatenate([row, col]),
                              position=normal * step * k) for k in range(n)]
    return SimpleNamespace(uid=uid, n_images=n, modality=modality, description=description,
                           slices=slices)


def test_ranking_on_synthetic_headers():
    tilted = np.array([0.0, np.sin(np.radians(20)), np.cos(np.radians(20))])
    oblique = np.array([0.0, np.sin(np.radians(50)), np.cos(np.radians(50))])
    series = [
        _series("pet", 300, modality="PT", step=2.0),
        _series("sagittal", 400, ("DERIVED", "SECONDARY", "REFORMATTED"), (-1, 0, 0), 0.5),
        _series("coronal", 350, ("DERIVED", "SECONDARY"), (0, 1, 0), 0.5),
        _series("scout", 2, ("ORIGINAL", "PRIMARY", "LOCALIZER"), (0, 1, 0)),
        _series("topogram", 3, description="Topogram 0.6 T20f"),
        _series("one", 1),
        _series("thick", 200, step=5.0),
        _series("thin-fewer", 120, step=1.25),
        _series("thin-more", 150, step=1.25),
        _series("tilted", 100, normal=tilted, step=1.25),
        _series("oblique-original", 500, normal=oblique, step=0.5),
        _series("mip", 300, ("DERIVED", "PRIMARY", "MIP"), step=0.5),
        _series("no-type", 100, (), step=3.0),
        _series("secondary", 90, ("ORIGINAL", "SECONDARY", "AXIAL"), step=1.25),
    ]
    order = [s.uid for s in rank_series(series)]
    assert order == ["thin-more", "thin-fewer", "tilted", "thick", "oblique-original",
                     "no-type", "mip", "secondary", "sagittal", "coronal", "pet",
                     "topogram", "one", "scout"]
    labels = {s.uid: kind_label(s) for s in series}
    assert labels == {
        "pet": "PT original axial", "sagittal": "derived sagittal reformat",
        "coronal": "derived coronal reformat", "scout": "localizer", "topogram": "localizer",
        "one": "single image", "thick": "original axial", "thin-fewer": "original axial",
        "thin-more": "original axial", "tilted": "original axial",
        "oblique-original": "original oblique", "mip": "derived axial reformat",
        "no-type": "axial", "secondary": "secondary axial"}
    assert series_kind(series[6]).step == pytest.approx(5.0)
    assert series_kind(_series("flat", 4, step=0.0)).step is None


def test_ranking_keeps_the_old_order_among_original_axial_ct():
    """One kind of series: the most images first, as before, when the slice step is the same
    (to 0.01 mm); a series without orientation or position ranks after placed ones."""
    a, b = _series("a", 40, step=2.5), _series("b", 60, step=2.5004)
    bare = _series("bare", 80, step=2.5)
    for s in bare.slices:
        s.orientation = s.position = None
    assert [s.uid for s in rank_series([a, bare, b])] == ["b", "a", "bare"]
    assert kind_label(bare) == "original"
