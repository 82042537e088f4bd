"""Time the seeds' per-slice watershed against ``segment_lungs`` in one run.

    python benchmarks/bench_lungs.py SERIES        # a DICOM folder, NIfTI or NRRD
    python benchmarks/bench_lungs.py --phantom     # 275 × 512 × 512 phantom, 1.25 × 0.7 × 0.7 mm

The seeds' algorithm (the public kernel "Improved lung segmentation using watershed") runs as
published except where it no longer runs: ``skimage.segmentation.watershed`` replaces the removed
``skimage.morphology.watershed``, ``scipy.ndimage`` functions are called by their current names,
and the image size is read from the slice instead of assuming 512 × 512.  It is timed on a
sample of lung slices and scaled to the series.  ``segment_lungs`` is timed on the whole
series (plus loading).  Peak memory: tracemalloc peak of ``segment_lungs`` and the process's
maximum resident set size.
"""
from __future__ import annotations

import argparse
import importlib
import resource
import sys
import time
import tracemalloc

import numpy as np
from scipy import ndimage
from skimage import measure, segmentation

import ctvis
from ctvis.core.lungs import segment_lungs


# ------------------------------------------------------------------ the seeds, modernised
def seeds_generate_markers(image):
    marker_internal = image < -400
    marker_internal = segmentation.clear_border(marker_internal)
    marker_internal_labels = measure.label(marker_internal)
    areas = [r.area for r in measure.regionprops(marker_internal_labels)]
    areas.sort()
    if len(areas) > 2:
        for region in measure.regionprops(marker_internal_labels):
            if region.area < areas[-2]:
                for coordinates in region.coords:
                    marker_internal_labels[coordinates[0], coordinates[1]] = 0
    marker_internal = marker_internal_labels > 0
    external_a = ndimage.binary_dilation(marker_internal, iterations=10)
    external_b = ndimage.binary_dilation(marker_internal, iterations=55)
    marker_external = external_b ^ external_a
    marker_watershed = np.zeros(image.shape, dtype=int)
    marker_watershed += marker_internal * 255
    marker_watershed += marker_external * 128
    return marker_internal, marker_external, marker_watershed


def seeds_separate_lungs(image):
    marker_internal, marker_external, marker_watershed = seeds_generate_markers(image)
    sobel_filtered_dx = ndimage.sobel(image, 1)
    sobel_filtered_dy = ndimage.sobel(image, 0)
    sobel_gradient = np.hypot(sobel_filtered_dx, sobel_filtered_dy)
    sobel_gradient *= 255.0 / np.max(sobel_gradient)
    watershed = segmentation.watershed(sobel_gradient, marker_watershed)
    outline = ndimage.morphological_gradient(watershed, size=(3, 3))
    outline = outline.astype(bool)
    blackhat_struct = [[0, 0, 1, 1, 1, 0, 0],
                       [0, 1, 1, 1, 1, 1, 0],
                       [1, 1, 1, 1, 1, 1, 1],
                       [1, 1, 1, 1, 1, 1, 1],
                       [1, 1, 1, 1, 1, 1, 1],
                       [0, 1, 1, 1, 1, 1, 0],
                       [0, 0, 1, 1, 1, 0, 0]]
    blackhat_struct = ndimage.iterate_structure(blackhat_struct, 8)
    outline += ndimage.black_tophat(outline, structure=blackhat_struct)
    lungfilter = np.bitwise_or(marker_internal, outline)
    lungfilter = ndimage.binary_closing(lungfilter, structure=np.ones((5, 5)), iterations=3)
    segmented = np.where(lungfilter == 1, image, -2000 * np.ones(image.shape))
    return segmented, lungfilter


# ------------------------------------------------------------------ the run
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("series", nargs="?", help="DICOM folder, NIfTI or NRRD")
    ap.add_argument("--phantom", action="store_true",
                    help="generate a 275 × 512 × 512 phantom at 1.25 × 0.7 × 0.7 mm")
    ap.add_argument("--sample", type=int, default=4, help="slices timed for the seeds")
    ap.add_argument("--repeat", type=int, default=1, help="segment_lungs runs (best taken)")
    args = ap.parse_args(argv)
    if not args.phantom and not args.series:
        ap.error("give SERIES or --phantom")

    if args.phantom:
        from ctvis.core.phantom import make_phantom

        t = time.perf_counter()
        volume = make_phantom(shape=(275, 512, 512), spacing=(1.25, 0.7, 0.7)).volume
        load_s = 0.0
        print(f"phantom generated in {time.perf_counter() - t:.1f} s (not counted: in memory)")
        name = "phantom 275x512x512 @ 1.25x0.7x0.7 mm"
    else:
        # The loader's modules are imported outside the timing, as in bench_load.py (ctvis
        # imports them lazily: 0.3 s of imports at the first load were counted as reading).
        from bench_load import LOADER_MODULES

        for module in LOADER_MODULES:
            importlib.import_module(module)

        t = time.perf_counter()
        volume = ctvis.load(args.series)
        load_s = time.perf_counter() - t
        name = args.series
    nz = volume.shape[0]
    print(f"series: {name}: {volume.shape} spacing {tuple(round(s, 3) for s in volume.spacing)}")

    # ours
    best = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        labels = segment_lungs(volume)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    ours = load_s + best
    lung_slices = np.flatnonzero(labels.any(axis=(1, 2)))

    # the seeds, on a sample of lung slices
    pick = lung_slices if lung_slices.size else np.arange(nz)
    sample = pick[np.linspace(0, pick.size - 1, min(args.sample, pick.size)).astype(int)]
    t = time.perf_counter()
    for k in sample:
        seeds_separate_lungs(volume.array[k].astype(np.int16))
    per_slice = (time.perf_counter() - t) / len(sample)
    seeds = load_s + per_slice * nz

    tracemalloc.start()
    segment_lungs(volume)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

    print(f"loading: {load_s:.2f} s")
    print(f"seeds per-slice watershed: {per_slice:.2f} s/slice on {len(sample)} slices "
          f"-> {seeds:.1f} s for {nz} slices (incl. loading)")
    print(f"segment_lungs: {best:.2f} s (+ loading = {ours:.2f} s)")
    print(f"speed-up (incl. loading): {seeds / ours:.0f}x; segmentation alone: "
          f"{per_slice * nz / best:.0f}x")
    print(f"peak memory: segment_lungs tracemalloc {peak / 2**20:.0f} MiB; "
          f"process max RSS {rss:.0f} MiB (volume itself {volume.array.nbytes / 2**20:.0f} MiB)")
    print(f"lungs: right {np.count_nonzero(labels == 1)} left {np.count_nonzero(labels == 2)} "
          f"voxels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
