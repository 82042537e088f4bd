"""Time ctvis.load against SimpleITK's ImageSeriesReader and a plain pydicom loop, one run.

    python benchmarks/bench_load.py SERIES [--repeat 3]
    python benchmarks/bench_load.py --phantom [--slices 275]   # writes a 512² phantom series
    python benchmarks/bench_load.py FILE.nii.gz                # NIfTI: against nibabel, SimpleITK
    python benchmarks/bench_load.py --phantom --nifti          # the phantom as one .nii.gz

For NIfTI, ctvis inflates the whole gzip stream (its CRC-32 checked) before nibabel parses
it; the "nibabel" line is nibabel alone, which stops reading once it has the voxels.

Each reader runs ``repeat`` times in turn; the best time is kept (the machine is shared and
noisy).  Peak memory is measured in a fresh child process per reader (peak resident set minus the
interpreter's baseline after imports, from VmHWM) and compared with the int16 volume's size.
SimpleITK is an optional comparator, not a dependency: ``pip install SimpleITK``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# ctvis.load imports its loaders (and nibabel) lazily: they are imported outside the timing,
# as SimpleITK's library is (left to the first load, they counted 0.1-0.2 s of imports as
# reading).  The field of view is found with numpy alone (core.image.hull), so neither
# scipy.ndimage nor scikit-image is the loader's.  (bench_lungs.py imports the same list
# before it times its load.)
LOADER_MODULES = ("nibabel", "ctvis.core.io.dispatch", "ctvis.core.io.nifti_nrrd",
                  "ctvis.core.io.dicom", "ctvis.core.image.field")
CTVIS = f"""
import importlib, ctvis
for module in {LOADER_MODULES!r}:
    importlib.import_module(module)
def run(path):
    return ctvis.load(path).array
"""

READERS = {
    "ctvis": CTVIS,
    "simpleitk": """
import SimpleITK as sitk
def run(path):
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(path)))
    return sitk.GetArrayFromImage(reader.Execute())
""",
    "pydicom loop": """
import os, numpy as np, pydicom
def run(path):
    files = [os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs]
    slices = [pydicom.dcmread(f) for f in files]
    slices.sort(key=lambda s: float(s.ImagePositionPatient[2]))
    return np.stack([s.pixel_array * float(s.RescaleSlope) + float(s.RescaleIntercept)
                     for s in slices]).astype(np.int16)
""",
    "read bytes": """
import os
def run(path):
    total = 0
    for r, _, fs in os.walk(path):
        for f in fs:
            with open(os.path.join(r, f), "rb") as fp:
                total += len(fp.read())
    return total
""",
}

NIFTI_READERS = {
    "ctvis": CTVIS,
    "nibabel": """
import numpy as np, nibabel as nib
def run(path):
    return np.asanyarray(nib.load(path).dataobj)
""",
    "simpleitk": """
import SimpleITK as sitk
def run(path):
    return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))
""",
    "read bytes": """
def run(path):
    with open(path, "rb") as fp:
        return len(fp.read())
""",
}

CHILD = """
import sys, time, json
{code}
def hwm_kb():
    # VmHWM belongs to this process image (ru_maxrss survives exec from a big parent).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
base = hwm_kb()
t = time.perf_counter()
out = run(sys.argv[1])
elapsed = time.perf_counter() - t
peak = hwm_kb()
print(json.dumps({{"seconds": elapsed, "peak_kb": peak - base,
                   "nbytes": int(getattr(out, "nbytes", 0))}}))
"""


def measure(name: str, path: str, readers: dict) -> dict | None:
    """Run one reader in a fresh interpreter (imports excluded from time and memory)."""
    code = CHILD.format(code=readers[name])
    proc = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {name}: skipped ({last})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def make_phantom_series(slices: int, folder: Path) -> Path:
    from ctvis.core.io.dicom_write import write_dicom_series
    from ctvis.core.phantom import make_phantom

    phantom = make_phantom(shape=(slices, 512, 512), spacing=(1.25, 0.7, 0.7))
    write_dicom_series(phantom.volume, folder, description="ctvis phantom benchmark")
    return folder


def make_phantom_nifti(slices: int, folder: Path) -> Path:
    from ctvis.core.io.nifti_nrrd import write_nifti
    from ctvis.core.phantom import make_phantom

    phantom = make_phantom(shape=(slices, 512, 512), spacing=(1.25, 0.7, 0.7))
    return write_nifti(phantom.volume, folder / "phantom.nii.gz")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("series", nargs="?", help="DICOM series folder or NIfTI file")
    parser.add_argument("--phantom", action="store_true", help="write and time a phantom series")
    parser.add_argument("--nifti", action="store_true", help="with --phantom: as one .nii.gz")
    parser.add_argument("--slices", type=int, default=275)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    tmp = None
    if args.phantom:
        tmp = tempfile.TemporaryDirectory(prefix="ctvis-bench-")
        print(f"writing a {args.slices}-slice 512² phantom {'.nii.gz' if args.nifti else 'series'}"
              " ...")
        make = make_phantom_nifti if args.nifti else make_phantom_series
        path = str(make(args.slices, Path(tmp.name)))
    elif args.series:
        path = args.series
    else:
        parser.error("give SERIES or --phantom")
    readers = NIFTI_READERS if path.endswith((".nii", ".nii.gz")) else READERS
    n_files = 1 if os.path.isfile(path) else sum(len(f) for _, _, f in os.walk(path))
    print(f"series: {path if not tmp else 'phantom'} ({n_files} files); "
          f"{os.cpu_count()} cores; best of {args.repeat}")
    results: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name in readers:                       # interleaved: noise hits all alike
            r = measure(name, path, readers)
            if r is None:
                continue
            best = results.get(name)
            if best is None or r["seconds"] < best["seconds"]:
                results[name] = r
    volume_mb = results["ctvis"]["nbytes"] / 2**20
    ref = results["ctvis"]["seconds"]
    print(f"\n{'reader':14} {'time (s)':>9} {'ctvis / it':>10} {'peak MB':>9} {'peak / volume':>13}")
    for name, r in results.items():
        peak_mb = r["peak_kb"] / 1024
        ratio = ref / r["seconds"] if r["seconds"] else float("inf")
        print(f"{name:14} {r['seconds']:9.3f} {ratio:10.2f} {peak_mb:9.0f} "
              f"{peak_mb / volume_mb if name != 'read bytes' else float('nan'):13.2f}")
    print(f"\nint16 volume: {volume_mb:.0f} MB")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
