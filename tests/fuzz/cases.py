"""Fuzz cases: what to mutate and how, drawn by Hypothesis from one seed, then made on disk.

A case is plain data (source name, command, list of operations), so a run is reproducible
from ``(seed, number of cases)`` and one case can be printed and replayed.  Hypothesis draws
the values: its float strategy goes straight for NaN, ±inf, ±0, subnormals and 1e308, and its
integers for the edges of a range, which is what hostile headers are made of.
"""
from __future__ import annotations

import gzip
import os
import random
import shutil
import stat
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz import dicom_bytes as db

TAGS_DS = {"ImagePositionPatient": (0x00200032, 3), "ImageOrientationPatient": (0x00200037, 6),
           "PixelSpacing": (0x00280030, 2), "RescaleSlope": (0x00281053, 1),
           "RescaleIntercept": (0x00281052, 1), "SliceThickness": (0x00180050, 1),
           "WindowWidth": (0x00281051, 1), "InstanceNumber": (0x00200013, 1),
           "NumberOfFrames": (0x00280008, 1)}
TAGS_US = {"Rows": 0x00280010, "Columns": 0x00280011, "BitsAllocated": 0x00280100,
           "BitsStored": 0x00280101, "PixelRepresentation": 0x00280103,
           "SamplesPerPixel": 0x00280002, "PixelPaddingValue": 0x00280120}
TAGS_UI = {"SeriesInstanceUID": 0x0020000E, "TransferSyntaxUID": 0x00020010}
ODD_NAMES = ["with space.dcm", "new\nline.dcm", "-leading-dash", "ünïcødé.dcm", ".hidden",
             "x" * 250, "tab\there", b"bad-\xff\xfe-utf8".decode("utf-8", "surrogateescape")]
SPECIAL = ["fifo", "symlink_loop", "dangling", "zero_bytes", "folder_named_dcm", "dev_zero",
           "self_link_folder", "link_to_file", "text_file"]
ORIENTATIONS = ["1\\0\\0\\0\\0.71\\0.71", "0\\0\\0\\0\\0\\0", "2\\0\\0\\0\\2\\0",
                "1\\0\\0\\1\\0\\0", "0.5\\0\\0\\0\\1\\0", "1\\0\\0\\0\\1\\nan",
                "0\\1\\0\\1\\0\\0", "1\\0\\0\\0\\0\\-1", "0.9999\\0.01\\0\\-0.01\\0.9999\\0"]


@dataclass
class Case:
    index: int
    source: str
    command: str
    ops: list

    def describe(self) -> str:
        return f"#{self.index} {self.command} {self.source}: " + "; ".join(
            " ".join(f"{k}={v!r}" for k, v in op.items()) for op in self.ops)


# --------------------------------------------------------------------------- strategies
def _number_text():
    floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    return st.one_of(floats, st.integers(-2**40, 2**40).map(str),
                     st.sampled_from(["", " ", "abc", "1e999", "-1e999", "NaN", "Infinity",
                                      "0x10", "1,5", "1\\2", "--1", "1e-300", "1e300"]))


def _tag_value(name: str):
    if name in TAGS_US:
        return st.one_of(st.integers(0, 65535),
                         st.sampled_from([0, 1, 7, 8, 12, 15, 16, 17, 24, 32, 64, 65535]))
    if name in TAGS_UI:
        return st.sampled_from(["", "1.2.3", "abc", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.2",
                                "1.2.840.10008.1.2.1.99", "9" * 64])
    _, count = TAGS_DS[name]
    wrong = st.lists(_number_text(), min_size=0, max_size=7).map("\\".join)
    right = st.lists(_number_text(), min_size=count, max_size=count).map("\\".join)
    options = [right, wrong]
    if name == "ImageOrientationPatient":
        options.append(st.sampled_from(ORIENTATIONS))
    return st.one_of(*options)


def _dicom_op():
    file = st.integers(0, 10_000)
    tag_names = sorted(TAGS_DS) + sorted(TAGS_US) + sorted(TAGS_UI)
    tag = st.sampled_from(tag_names).flatmap(lambda name: st.fixed_dictionaries({
        "op": st.just("tag"), "file": file, "tag": st.just(name),
        "value": st.one_of(_tag_value(name), st.none()),        # None: the tag removed
        "all": st.sampled_from([False, False, False, True])}))
    return st.one_of(
        tag, tag,
        st.fixed_dictionaries({"op": st.just("flip"), "file": file,
                               "where": st.sampled_from(["header", "pixels", "any"]),
                               "count": st.integers(1, 16), "seed": st.integers(0, 2**31)}),
        st.fixed_dictionaries({"op": st.just("truncate"), "file": file,
                               "fraction": st.floats(0, 1, exclude_max=True)}),
        st.fixed_dictionaries({"op": st.just("delete"), "file": file}),
        st.fixed_dictionaries({"op": st.just("displace"), "file": file,
                               "mm": st.sampled_from([0.3, 2.0, 10.0, 1000.0, 1e4, 1e6]),
                               "axis": st.sampled_from(["normal", "row", "column"]),
                               "sign": st.sampled_from([1, -1])}),
        st.fixed_dictionaries({"op": st.just("duplicate"), "file": file,
                               "renumber": st.booleans()}),
        st.fixed_dictionaries({"op": st.just("special"), "kind": st.sampled_from(SPECIAL)}),
        st.fixed_dictionaries({"op": st.just("nest"),
                               "depth": st.sampled_from([2, 40, 300, 1100])}),
        st.fixed_dictionaries({"op": st.just("rename"), "file": file,
                               "name": st.sampled_from(ODD_NAMES)}),
    )


NIFTI_FIELDS = {"dim": (40, "h", 8), "datatype": (70, "h", 1), "bitpix": (72, "h", 1),
                "pixdim": (76, "f", 8), "vox_offset": (108, "f", 1), "scl_slope": (112, "f", 1),
                "scl_inter": (116, "f", 1), "qform_code": (252, "h", 1),
                "sform_code": (254, "h", 1), "quatern": (256, "f", 6),
                "srow": (280, "f", 12), "sizeof_hdr": (0, "i", 1)}
NRRD_KEYS = ["sizes", "space directions", "space origin", "type", "encoding", "dimension",
             "space", "endian", "kinds"]


def _file_op(kind: str):
    number = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                       st.integers(-2**31, 2**31 - 1))
    common = [
        st.fixed_dictionaries({"op": st.just("flip"), "file": st.just(0),
                               "where": st.sampled_from(["header", "any"]),
                               "count": st.integers(1, 16), "seed": st.integers(0, 2**31)}),
        st.fixed_dictionaries({"op": st.just("truncate"), "file": st.just(0),
                               "fraction": st.floats(0, 1, exclude_max=True)}),
        st.fixed_dictionaries({"op": st.just("special"), "kind": st.sampled_from(
            ["fifo", "symlink_loop", "zero_bytes", "dev_zero", "folder_named_dcm"])}),
    ]
    if kind == "nifti":
        field_op = st.sampled_from(sorted(NIFTI_FIELDS)).flatmap(
            lambda name: st.fixed_dictionaries({
                "op": st.just("nifti"), "field": st.just(name),
                "slot": st.integers(0, NIFTI_FIELDS[name][2] - 1), "value": number}))
        return st.one_of(field_op, field_op, *common)
    text = st.one_of(_number_text(), st.sampled_from(
        ["(nan,0,0) (0,1,0) (0,0,1)", "(0,0,0) (0,0,0) (0,0,0)", "none (1,0,0) (0,1,0)",
         "99999 99999 99999", "0 0 0", "-1 5 5", "raw", "bzip2", "int24", "4",
         "right-anterior-superior", "scanner-xyz", "big", "(1,0) (0,1)", "(1e308,0,0) (0,1,0) "
         "(0,0,1)", "2 2", "domain domain"]))
    key_op = st.fixed_dictionaries({"op": st.just("nrrd"), "key": st.sampled_from(NRRD_KEYS),
                                    "value": st.one_of(text, st.none())})
    return st.one_of(key_op, key_op, *common)


def _case_strategy(sources):
    weighted = [s for s in sources for _ in range(s.weight)]

    @st.composite
    def case(draw):
        source = draw(st.sampled_from(weighted))
        command = draw(st.sampled_from(source.commands))
        op = _dicom_op() if source.kind == "dicom" else _file_op(
            "nifti" if source.path.name.endswith((".nii", ".nii.gz")) else "nrrd")
        ops = draw(st.lists(op, min_size=1, max_size=3))
        return source.name, command, ops
    return case()


POOL_FACTOR = 4      # draw this many times more than needed, then sample


@contextmanager
def _without_local_constants():
    """Hypothesis also draws literals harvested from the local modules in ``sys.modules``,
    so the cases changed with the tests pytest had collected; a fixed sample must not."""
    try:
        from hypothesis.internal.conjecture import providers
        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
        empty = providers.Constants()
    except (ImportError, AttributeError):          # an older Hypothesis: nothing harvested
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def draw_cases(sources, n: int, seed_value: int) -> list[Case]:
    """``n`` cases from ``seed_value``: the same list for the same seed and sources.

    Hypothesis explores by mutating its recent examples, so consecutive draws are often near
    copies; drawing a larger pool, dropping duplicates and sampling it (seeded) spreads the
    cases over the whole space while keeping Hypothesis's choice of values.
    """
    drawn: list = []

    @settings(max_examples=POOL_FACTOR * n, database=None, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck))
    @seed(seed_value)
    @given(_case_strategy(sources))
    def collect(case):
        drawn.append(case)

    with _without_local_constants():
        collect()
    unique = list({repr(c): c for c in drawn}.values())
    picked = random.Random(seed_value).sample(unique, min(n, len(unique)))
    return [Case(i, *c) for i, c in enumerate(picked)]


# --------------------------------------------------------------------------- on disk
@dataclass
class Made:
    target: Path                 # what the command is given
    root: Path                   # everything the case may read (hashed before and after)
    extra_args: list = field(default_factory=list)
    # (op, the files it broke): ops that cannot pass silently, unless those files go again
    must_report: list = field(default_factory=list)
    n_files: int = 0
    # Net displacement (mm) of each displaced file along each axis: +10 then −10 is no break.
    shifts: dict = field(default_factory=dict)


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    os.chmod(dst, 0o755 if dst.is_dir() else 0o644)
    for path in _dicom_files(dst) if dst.is_dir() else []:
        os.chmod(path, 0o644)
    for path in [p for p in dst.rglob("*") if p.is_dir()] if dst.is_dir() else []:
        os.chmod(path, 0o755)


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _dicom_files(folder: Path) -> list[Path]:
    """Regular files below ``folder``; iterative (Path.rglob recurses: nesting is 1,100 deep)."""
    found, stack = [], [str(folder)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    found.append(Path(entry.path))
    return sorted(found)


def make(case: Case, sources: dict, workdir: Path) -> Made:
    """Copy the case's source under ``workdir`` and apply its operations."""
    source = sources[case.source]
    root = workdir / "input"
    root.mkdir(parents=True)
    if source.kind == "dicom":
        target = root / "series"
        _copy(source.path, target)
    else:
        target = root / source.path.name
        _copy(source.path, target)
    made = Made(target=target, root=root)
    if source.kind == "mask":
        series = root / "series"
        _copy(source.volume, series)
        made.extra_args = ["--mask", str(target)]
        made.target = series
    for op in case.ops:
        try:
            with np.errstate(all="ignore"):      # huge values are the point here
                apply(op, made, source.kind, target)
        except (ValueError, IndexError, OSError, EOFError, struct.error, zlib.error):
            pass                       # an op that does not apply to this file is a no-op
    return made


def apply(op: dict, made: Made, kind: str, target: Path) -> None:
    folder = target if target.is_dir() else target.parent
    # Only regular files are mutated: an earlier op may have made the target a FIFO.
    files = _dicom_files(target) if target.is_dir() else [target] if _regular(target) else []
    name = op["op"]
    if name == "special" and target.is_file():      # the file itself becomes special
        target.unlink()
        _special_in_place(op["kind"], target)
        return
    if name == "special":
        _special(op["kind"], folder)
        if op["kind"] in ("fifo", "symlink_loop", "dangling", "dev_zero", "zero_bytes") \
                and target.is_dir():
            made.must_report.append((op, set()))    # each must show up in "skipped"
        return
    if name == "nest":
        deep = folder
        for _ in range(op["depth"]):          # Path.mkdir(parents=True) recurses
            deep = deep / "d"
            deep.mkdir()
        for path in list(folder.iterdir()):
            if path.name != "d":
                path.rename(deep / path.name)
        return
    if not files:
        return
    path = files[op.get("file", 0) % len(files)]
    if name == "flip":
        _flip(path, op)
    elif name == "truncate":
        size = path.stat().st_size
        with open(path, "r+b") as f:
            f.truncate(int(size * op["fraction"]))
        made.must_report.append((op, {path}))
    elif name == "delete":
        path.unlink()
        # A broken file deleted afterwards (or one of a duplicate pair) leaves nothing to say.
        made.must_report = [(o, paths) for o, paths in made.must_report if path not in paths]
    elif name == "duplicate":
        copy = path.with_name(path.name + ".copy.dcm")
        shutil.copyfile(path, copy)
        if op["renumber"]:
            data = copy.read_bytes()
            copy.write_bytes(db.put(data, 0x00200013, b"9999"))
        made.must_report.append((op, {path, copy}))   # a duplicate position is reported
    elif name == "rename":
        new = path.with_name(op["name"])
        path.rename(new)
        for _, paths in made.must_report:
            if path in paths:
                paths.discard(path)
                paths.add(new)
        if path in made.shifts:
            made.shifts[new] = made.shifts.pop(path)
    elif name == "displace":
        _displace(path, op)
        net = made.shifts.setdefault(path, {})
        net[op["axis"]] = net.get(op["axis"], 0.0) + op["sign"] * op["mm"]
        made.must_report = [(o, paths) for o, paths in made.must_report
                            if not (o["op"] == "displace" and path in paths)]
        if any(abs(mm) >= 2 for mm in net.values()):
            made.must_report.append((op, {path}))
    elif name == "tag":
        for p in (files if op["all"] else [path]):
            _set_tag(p, op)
        if _invalid(op):
            made.must_report.append((op, set() if op["all"] else {path}))
    elif name == "nifti":
        _nifti_field(path, op)
    elif name == "nrrd":
        _nrrd_key(path, op)


def _special(kind: str, folder: Path) -> None:
    if kind == "fifo":
        os.mkfifo(folder / "pipe.dcm")
    elif kind == "symlink_loop":
        os.symlink("loop_b.dcm", folder / "loop_a.dcm")
        os.symlink("loop_a.dcm", folder / "loop_b.dcm")
    elif kind == "dangling":
        os.symlink("does-not-exist.dcm", folder / "dangling.dcm")
    elif kind == "zero_bytes":
        (folder / "empty.dcm").write_bytes(b"")
    elif kind == "folder_named_dcm":
        (folder / "folder.dcm").mkdir()
    elif kind == "dev_zero":
        os.symlink("/dev/zero", folder / "zeros.dcm")
    elif kind == "self_link_folder":
        os.symlink(".", folder / "self")
    elif kind == "link_to_file":
        first = next((p for p in sorted(folder.iterdir()) if p.is_file()), None)
        if first is not None:
            os.symlink(first.name, folder / "link.dcm")
    elif kind == "text_file":
        (folder / "notes.txt").write_text("not an image\n")


def _special_in_place(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink_loop":
        os.symlink(path.name, path)
    elif kind == "zero_bytes":
        path.write_bytes(b"")
    elif kind == "dev_zero":
        os.symlink("/dev/zero", path)
    elif kind == "folder_named_dcm":
        path.mkdir()


def _flip(path: Path, op: dict) -> None:
    data = bytearray(path.read_bytes())
    if not data:
        return
    lo, hi = 0, len(data)
    try:
        offset = db.pixel_offset(bytes(data)) if path.suffix not in (".gz", ".nrrd", ".nii") \
            else None
    except (ValueError, struct.error, IndexError):
        offset = None
    if op["where"] == "header":
        hi = offset or min(len(data), 400)
    elif op["where"] == "pixels" and offset:
        lo = offset
    rng = np.random.default_rng(op["seed"])
    for at in rng.integers(lo, max(hi, lo + 1), op["count"]):
        if at < len(data):
            data[at] ^= int(rng.integers(1, 256))
    path.write_bytes(bytes(data))


def _numbers(raw: bytes | None) -> np.ndarray:
    if raw is None:
        raise ValueError("tag absent")
    return np.array([float(v) for v in raw.decode("latin-1").strip(" \0").split("\\")])


def _displace(path: Path, op: dict) -> None:
    data = path.read_bytes()
    pos = _numbers(db.get(data, 0x00200032))
    ori = _numbers(db.get(data, 0x00200037))
    axes = {"row": ori[:3], "column": ori[3:], "normal": np.cross(ori[:3], ori[3:])}
    new = pos + op["sign"] * op["mm"] * axes[op["axis"]]
    text = "\\".join(f"{v:.10g}" for v in new).encode()
    path.write_bytes(db.put(data, 0x00200032, text))


def _set_tag(path: Path, op: dict) -> None:
    data = path.read_bytes()
    name, value = op["tag"], op["value"]
    if name in TAGS_US:
        tag = TAGS_US[name]
        raw = None if value is None else struct.pack("<H", value)
    else:
        tag = TAGS_DS[name][0] if name in TAGS_DS else TAGS_UI[name]
        raw = None if value is None else value.encode("latin-1", "replace")
    path.write_bytes(db.put(data, tag, raw))


def _invalid(op: dict) -> bool:
    """Whether a tag edit makes a slice plainly unusable, so that loading it without any
    warning or skipped file would be nonsense.  Deliberately looser than the loader's own
    limits: values between the two may pass either way."""
    name, value = op["tag"], op["value"]
    if name in ("InstanceNumber", "SliceThickness", "WindowWidth", "NumberOfFrames",
                "PixelPaddingValue", "PixelRepresentation", "TransferSyntaxUID",
                "SeriesInstanceUID"):
        return False
    if name in TAGS_US:
        return value is not None and (name in ("Rows", "Columns") and value == 0
                                      or name == "BitsAllocated" and value not in (8, 16, 32)
                                      or name == "SamplesPerPixel" and value > 1)
    if value is None:
        return name in ("ImagePositionPatient", "ImageOrientationPatient")
    _, count = TAGS_DS[name]
    try:
        v = np.array([float(x) for x in value.split("\\")])
    except ValueError:
        return name != "PixelSpacing" or value.strip() != ""
    if v.size != count or not np.all(np.isfinite(v)):
        return True
    with np.errstate(all="ignore"):
        return _invalid_numbers(name, v)


def _invalid_numbers(name: str, v: np.ndarray) -> bool:
    if name == "ImagePositionPatient":
        return bool(np.abs(v).max() > 1e6)
    if name == "ImageOrientationPatient":
        a, b = v[:3], v[3:]
        return bool(abs(np.linalg.norm(a) - 1) > 0.05 or abs(np.linalg.norm(b) - 1) > 0.05
                    or abs(np.dot(a, b)) > 0.05)
    if name == "PixelSpacing":
        return bool(v.min() <= 1e-3 or v.max() > 1e3)
    if name == "RescaleSlope":
        return bool(v[0] <= 0 or v[0] > 1e3)
    if name == "RescaleIntercept":
        return bool(abs(v[0]) > 1e5)
    return False


def _nifti_field(path: Path, op: dict) -> None:
    gz = path.name.endswith(".gz")
    data = bytearray(gzip.decompress(path.read_bytes()) if gz else path.read_bytes())
    offset, fmt, count = NIFTI_FIELDS[op["field"]]
    at = offset + struct.calcsize("<" + fmt) * min(op["slot"], count - 1)
    value = op["value"]
    if fmt in "hi":
        value = int(value) if np.isfinite(value) else 0
        lo, hi = (-2**15, 2**15 - 1) if fmt == "h" else (-2**31, 2**31 - 1)
        value = min(max(value, lo), hi)
    struct.pack_into("<" + fmt, data, at, value)
    path.write_bytes(gzip.compress(bytes(data)) if gz else bytes(data))


def _nrrd_key(path: Path, op: dict) -> None:
    data = path.read_bytes()
    end = data.find(b"\n\n")
    if end < 0:
        return
    lines = data[:end].split(b"\n")
    key = op["key"].encode()
    kept = [line for line in lines if not line.startswith(key + b":")]
    if op["value"] is not None:
        kept.insert(1, key + b": " + op["value"].encode("latin-1", "replace"))
    path.write_bytes(b"\n".join(kept) + data[end:])
