"""The lung report for the record: one self-contained HTML file (pictures embedded), and a
PDF made from the same HTML by WeasyPrint (CSS paged media, not a second layout).

``report_html`` is pure: facts, metrics and PNG pictures in, HTML out.  Series facts are
de-identified unless asked: no patient ID, dates, UIDs or paths.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
from pathlib import Path

import numpy as np

import ctvis
from ctvis.app.notes import deidentify_note, loading_notes
from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.core.labels import LUNG_LABELS
from ctvis.core.lungs.metrics import METRICS
from ctvis.model.state import LUNGS

# Meta keys that identify a patient or a study: shown only with identifiers asked for.
IDENTIFYING = ("patient_id", "patient_name", "study_date", "study_uid", "series_uid",
               "frame_of_reference_uid", "source")
PICTURES = {"axial": "Axial", "coronal": "Coronal", "sagittal": "Sagittal",
            "lungs3d": "Lung surfaces (3D)", "bone3d": "Bone (3D)"}


def series_facts(volume, with_identifiers: bool = False) -> list[tuple[str, str]]:
    """(name, value) rows describing the series; identifiers only when asked."""
    meta = volume.meta
    nz, ny, nx = volume.shape
    dz, dy, dx = volume.spacing
    rows = [("Description", meta.get("description") or "—"),
            ("Modality", meta.get("modality") or "CT"),
            ("Manufacturer", meta.get("manufacturer") or "—"),
            ("Kernel", meta.get("kernel") or "—"),
            ("Voxels (x × y × z)", f"{nx} × {ny} × {nz}"),
            ("Spacing (mm, x × y × z)", f"{dx:.3g} × {dy:.3g} × {dz:.3g}"),
            ("Slice thickness (mm)", _number(meta.get("slice_thickness"))),
            ("Gantry tilt (°)", _number(meta.get("gantry_tilt_deg"))),
            ("HU range", f"{int(volume.array.min())} … {int(volume.array.max())}")]
    if with_identifiers:
        labels = {"patient_id": "Patient ID", "patient_name": "Patient name",
                  "study_date": "Study date", "study_uid": "Study UID",
                  "series_uid": "Series UID", "frame_of_reference_uid": "Frame of reference",
                  "source": "Source"}
        rows += [(labels[k], str(meta[k])) for k in IDENTIFYING if meta.get(k)]
    return rows


def _number(value) -> str:
    return "—" if value is None else f"{float(value):.3g}"


def histogram_svg(histogram: dict, width: int = 640, height: int = 220) -> str:
    """The lung HU histogram as inline SVG (crisp in HTML and PDF, no plotting library)."""
    edges = np.asarray(histogram["edges"], float)
    counts = np.asarray(histogram["counts"], float)
    left, bottom, top = 48, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = counts.max() if counts.size and counts.max() > 0 else 1.0
    lo, hi = edges[0], edges[-1]

    def x(hu):
        return left + (hu - lo) / (hi - lo) * plot_w

    bars = "".join(
        f'<rect x="{x(a):.1f}" y="{top + plot_h * (1 - c / peak):.1f}" '
        f'width="{max(x(b) - x(a) - 0.5, 0.5):.1f}" height="{plot_h * c / peak:.1f}"/>'
        for a, b, c in zip(edges[:-1], edges[1:], counts) if c > 0)
    ticks = "".join(
        f'<line x1="{x(t):.1f}" y1="{top + plot_h}" x2="{x(t):.1f}" y2="{top + plot_h + 4}"/>'
        f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="middle">{t}</text>'
        for t in range(-1000, int(hi) + 1, 200) if t >= lo)
    laa = x(-950)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="histogram" role="img" '
            f'aria-label="Lung HU histogram">'
            f'<g fill="#4a7ab8">{bars}</g>'
            f'<g stroke="#333" font-size="11" fill="#333">'
            f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>'
            f'{ticks}</g>'
            f'<line x1="{laa:.1f}" y1="{top}" x2="{laa:.1f}" y2="{top + plot_h}" '
            f'stroke="#c0392b" stroke-dasharray="4 3"/>'
            f'<text x="{laa + 4:.1f}" y="{top + 12}" font-size="11" fill="#c0392b">−950 HU</text>'
            f'<text x="{left - 6}" y="{top + 10}" font-size="11" text-anchor="end" '
            f'fill="#333">n</text></svg>')


def metrics_table(metrics: dict) -> str:
    parts = [(label.name, label.title.capitalize()) for label in LUNG_LABELS]
    parts.append(("total", "Both lungs"))
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in parts)
    rows = []
    for metric in METRICS:
        cells = "".join(f"<td>{metric.text(metrics[p][metric.key])}</td>" for p, _ in parts)
        rows.append(f"<tr><th>{html.escape(metric.title)}</th>{cells}</tr>")
    return (f'<table class="metrics"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def segment_rows(state) -> list[dict]:
    """Every segment of every label map ``state`` shows, with its volume: dicts of
    ``model.segment_volumes.volume_rows`` plus ``map`` (the overlay's name)."""
    from ctvis.model.segment_volumes import volume_rows

    voxel_ml = state.volume.voxel_volume_mm3 / 1000.0
    return [dict(row, map=name) for name, overlay in state.overlays.items()
            if overlay.labelmap is not None
            for row in volume_rows(overlay.labelmap, voxel_ml)]


def segments_table(rows) -> str:
    """Every segment (label map, name, value) with its volume in mL and voxels."""
    body = "".join(f"<tr><th>{html.escape(str(r['map']))}</th><td>{html.escape(r['name'])}"
                   f"</td><td>{r['value']}</td><td>{r['ml']:.1f}</td><td>{r['voxels']}</td>"
                   f"</tr>" for r in rows)
    return ('<table class="segments"><thead><tr><th>Label map</th><th>Segment</th>'
            '<th>Value</th><th>Volume (mL)</th><th>Voxels</th></tr></thead>'
            f'<tbody>{body}</tbody></table>')


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 10.5pt;
       color: #222; max-width: 60em; margin: 1.5em auto; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 13pt; margin-top: 1.4em;
     border-bottom: 1px solid #ccc; break-after: avoid; }
.sub { color: #666; } table { border-collapse: collapse; margin: 0.4em 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child { text-align: left; } .facts td { text-align: left; }
.segments td:nth-child(2) { text-align: left; }
.row { display: flex; gap: 6px; flex-wrap: wrap; break-inside: avoid; }
figure { margin: 0; break-inside: avoid; } figcaption { font-size: 9pt; color: #555; }
.row img { width: 100%; } .row figure { flex: 1 1 0; min-width: 0; }
.warn { color: #a04000; }
.lesions figure { flex: 0 1 32%; } .lesions td:nth-child(2) { text-align: left; }
"""


def report_html(volume, metrics: dict, pictures: dict[str, bytes], method: dict,
                with_identifiers: bool = False, date: _dt.datetime | None = None,
                segments=(), lesions=(), markups=()) -> str:
    """The report as one HTML string; ``pictures`` maps keys of PICTURES to PNG bytes;
    ``segments``: rows of :func:`segment_rows` (every segment with its volume);
    ``lesions``: items of :func:`lesion_items`; ``markups``: items of
    :func:`ctvis.app.report_markups.markup_items`."""
    from ctvis.app.report_markups import markups_section

    missing = [k for k in PICTURES if k not in pictures]
    if missing:
        raise CtvisError(f"report: pictures missing: {', '.join(missing)}")
    date = date or _dt.datetime.now()
    facts = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in series_facts(volume, with_identifiers))
    mpr = "".join(f"<figure>{_img(pictures[k], PICTURES[k])}<figcaption>{PICTURES[k]}, lung "
                  f"window, lung overlay</figcaption></figure>"
                  for k in ("axial", "coronal", "sagittal"))
    views3d = "".join(f"<figure>{_img(pictures[k], PICTURES[k])}<figcaption>{PICTURES[k]}"
                      f"</figcaption></figure>" for k in ("lungs3d", "bone3d"))
    params = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                     for k, v in method.items())
    notes = [note if with_identifiers else deidentify_note(note, volume)
             for note in loading_notes(volume)]
    loading = "".join(f'<li class="warn">{html.escape(n)}</li>' for n in notes)
    warnings = "".join(f'<li class="warn">{html.escape(w)}</li>'
                       for w in metrics.get("warnings", []))
    title = "Lung CT report" + ("" if with_identifiers else " (de-identified)")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{CSS}</style></head><body>
<h1>{title}</h1>
<p class="sub">ctvis {ctvis.__version__} · {date:%Y-%m-%d %H:%M}</p>
<h2>Series</h2><table class="facts">{facts}</table>
{f'<p class="warn">Loading:</p><ul>{loading}</ul>' if loading else ''}
<h2>Views</h2><div class="row">{mpr}</div>
<div class="row">{views3d}</div>
<h2>Lung metrics</h2>{metrics_table(metrics)}
{f'<ul>{warnings}</ul>' if warnings else ''}
{f'<h2>Segments</h2>{segments_table(segments)}' if segments else ''}
{lesions_section(lesions)}
{markups_section(markups)}
<h2>Lung HU histogram</h2>{histogram_svg(metrics["total"]["histogram"])}
<h2>Method</h2><table class="facts">{params}</table>
<p class="sub">Volumes count voxels × voxel volume; MLD is the mean HU; LAA%−950 the
percentage of lung voxels below −950 HU; PD15 the 15th percentile of lung HU.
Produced by ctvis {ctvis.__version__} on {date:%Y-%m-%d}. Not for diagnosis.</p>
</body></html>
"""


def write_html(text: str, path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_pdf(text: str, path) -> Path:
    """The PDF of the same HTML (WeasyPrint)."""
    import logging

    from weasyprint import HTML

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    with atomic_path(path) as tmp:
        HTML(string=text).write_pdf(str(tmp))
    return Path(path)




def lung_state(volume, result, bone=None, labelmaps=()):
    """A ViewerState showing the lungs of ``result`` (a LungResult) over ``volume`` at lung
    window, crosshair in the lungs, and the label maps ``labelmaps`` (lesions among them
    join the lungs' envelope: :func:`ctvis.app.results.show_segmentation`).

    ``bone``: the bone threshold setting (``state.Bone``) to use; None: the preset's.
    """
    from ctvis.app.results import show_segmentation
    from ctvis.model.state import ViewerState

    state = ViewerState()
    state.volume = volume
    if bone is not None:
        state.bone = bone
    state.apply_preset("Lung")
    for labelmap in labelmaps:
        state.set_overlay(labelmap.name, labels=labelmap)
    show_segmentation(state, result)
    labels = result.labels
    # Axial and coronal through the middle of the lungs; sagittal through the right lung
    # (through both lungs' middle it would show the mediastinum).
    coarse = labels[::2, ::2, ::2]
    inside = np.argwhere(coarse > 0)
    if len(inside):
        kji = inside.mean(axis=0) * 2
        right = np.argwhere(coarse == LUNG_LABELS[0].value)
        if len(right):
            centre = volume.index_to_patient(kji)
            centre[0] = volume.index_to_patient(right.mean(axis=0) * 2)[0]
            state.crosshair = tuple(centre)
        else:
            state.crosshair = tuple(volume.index_to_patient(kji))
    return state


def write_report(volume, result, html_path, pdf_path=None, with_identifiers: bool = False,
                 progress=None, cancel=None, bone=None, segments=None,
                 labelmaps=(), markups=()) -> dict:
    """Pictures, HTML (and PDF) for a segmented volume (``result``: a LungResult).

    ``bone``: the bone threshold setting (``state.Bone``) of the window the report is made
    from; None (the CLI, batch): the preset's.  ``result.seconds`` None: time not known.
    ``segments``: the segments to list with their volumes (:func:`segment_rows` of the
    window's state: every label map it shows); None: the lungs' segments and those of
    ``labelmaps`` (more label maps on ``volume``'s grid, drawn in the pictures too).
    ``markups``: Markups (rulers, ROIs ...) drawn in the pictures and listed with their
    figures and a picture of each slice that holds some.

    Returns {"html": Path, "pdf": Path | None, "metrics": dict, "seconds": {step: s},
    "notes": what loading repaired or passed over}.
    """
    import time

    from ctvis.core.progress import Progress
    from ctvis.render.pictures import report_pictures

    if result.empty:
        raise CtvisError("no lungs found; no report written")
    tick = Progress(progress, cancel)
    seconds, t = {}, time.perf_counter()
    from ctvis.app.report_markups import markup_items

    state = lung_state(volume, result, bone=bone, labelmaps=labelmaps)
    state.markups = tuple(markups)
    metrics = state.overlays[LUNGS].metrics
    pictures = report_pictures(state, progress=tick.sub(0.0, 0.7))
    tick(0.7, "lesions")
    lesions = lesion_items(state)
    marks = markup_items(state)
    seconds["pictures"], t = time.perf_counter() - t, time.perf_counter()
    parameters = {"Segmentation": f"{result.method} (ctvis.core.lungs, docs/lungs.md)",
                  "Mask": result.metrics.get("mask", "right and left lungs"),
                  "Segmentation time": ("—" if result.seconds is None
                                        else f"{result.seconds:.1f} s"),
                  "Window": f"Lung: W {state.window.width:g} L {state.window.center:g}",
                  "Bone surface": f"{state.bone.hu:g} HU, flying edges",
                  "Lung surfaces": "flying edges, windowed-sinc smoothing"}
    rows = segment_rows(state) if segments is None else segments
    text = report_html(volume, metrics, pictures, parameters, with_identifiers,
                       segments=rows, lesions=lesions, markups=marks)
    write_html(text, html_path)
    tick(0.85, "writing the PDF")
    if pdf_path is not None:
        write_pdf(text, pdf_path)
    seconds["write"] = time.perf_counter() - t
    tick(1.0, "report written")
    return {"html": Path(html_path), "pdf": None if pdf_path is None else Path(pdf_path),
            "metrics": metrics, "seconds": seconds, "notes": loading_notes(volume),
            "lesions": [dict(name=item["name"], **item["measures"].to_dict())
                        for item in lesions]}


def lesion_items(state) -> list[dict]:
    """Every lesion ``state`` shows (:func:`ctvis.app.lesion.lesion_masks`): its name, map,
    measurements and picture (PNG) at the slice of its longest axial diameter."""
    from ctvis.app.lesion import lesion_masks
    from ctvis.core.lesions.measure import measure_lesion
    from ctvis.render.lesion_picture import lesion_picture
    from ctvis.render.pictures import png_bytes

    window = (state.window.center, state.window.width)
    items = []
    for name, segment, mask in lesion_masks(state, lungs=LUNGS):
        measures = measure_lesion(state.volume, mask)
        picture = lesion_picture(state.volume, mask, measures, window, segment.color,
                                 segment.name)
        items.append({"name": segment.name, "map": name, "measures": measures,
                      "png": png_bytes(picture)})
    return items


def lesions_table(items) -> str:
    """The lesions' measurements, one row each."""
    body = "".join(
        f"<tr><th>{html.escape(i['name'])}</th><td>{html.escape(m.type)}</td>"
        f"<td>{m.volume_ml:.2f}</td><td>{m.long_axis_mm:.1f}</td><td>{m.short_axis_mm:.1f}"
        f"</td><td>{m.max_3d_mm:.1f}</td><td>{m.mean_hu:.0f} ± {m.sd_hu:.0f}</td></tr>"
        for i in items for m in (i["measures"],))
    return ('<table class="lesions"><thead><tr><th>Lesion</th><th>Type</th>'
            '<th>Volume (mL)</th><th>Long axis (mm)</th><th>Short axis (mm)</th>'
            '<th>Longest 3D (mm)</th><th>HU mean ± SD</th></tr></thead>'
            f'<tbody>{body}</tbody></table>')


def lesions_section(items) -> str:
    """The lesions' table and a picture of each at the slice of its longest diameter."""
    if not items:
        return ""
    figures = "".join(
        f'<figure class="lesion">{_img(i["png"], i["name"])}<figcaption>'
        f'{html.escape(i["name"])}: axial slice {i["measures"].axial_slice + 1}, long axis '
        f'(yellow) and short axis (cyan)</figcaption></figure>' for i in items)
    return (f'<h2>Lesions</h2>{lesions_table(items)}'
            f'<div class="row lesions">{figures}</div>'
            '<p class="sub">Long axis: the longest diameter on an axial slice; short axis: '
            'the longest perpendicular to it on the same slice (RECIST, Fleischner); '
            'type by HU (resources/lesion_types.json, docs/lesions.md).</p>')


def make_report(path, html_path, pdf_path=None, series_uid=None, method: str = "watershed",
                with_identifiers: bool = False, progress=None, cancel=None,
                mask=None, mask_segment: str | None = None, lesions_at=(),
                markups_file=None) -> dict:
    """Open ``path``, segment the lungs, then :func:`write_report`.  ``mask``: a label map
    file whose segments (only ``mask_segment`` when given) are listed and drawn too; its
    warnings are in the result's "mask_warnings".  ``lesions_at``: points (patient LPS mm)
    inside lesions, each outlined by the one-click lesion and reported.  ``markups_file``:
    a 3D Slicer .mrk.json whose markups are drawn and listed (what it left out: the
    result's "markup_notes", each naming the file)."""
    import time

    from ctvis.app.pipeline import open_volume, segment
    from ctvis.core.progress import Progress

    tick = Progress(progress, cancel)
    t = time.perf_counter()
    volume = open_volume(path, series_uid=series_uid, progress=tick.sub(0.0, 0.2))
    labelmaps, mask_warnings = [], []
    if mask is not None:
        from ctvis.app.open_segments import mask_labelmap

        labelmap, mask_warnings = mask_labelmap(volume, mask, mask_segment,
                                                    taken=("lungs",))
        labelmaps.append(labelmap)
    if lesions_at:
        from ctvis.app.lesion import lesions_labelmap

        labelmaps.append(lesions_labelmap(volume, lesions_at))
    markups, markup_notes = (), []
    if markups_file is not None:
        from ctvis.model.markup_files import read_mrk_json

        markups, markup_notes = read_mrk_json(markups_file)
    opened, t = time.perf_counter() - t, time.perf_counter()
    result = segment(volume, method, progress=tick.sub(0.2, 0.5))
    segmented = time.perf_counter() - t
    if result.empty:
        raise CtvisError(f"{path}: no lungs found; no report written")
    out = write_report(volume, result, html_path, pdf_path, with_identifiers,
                       progress=tick.sub(0.5, 1.0), labelmaps=labelmaps, markups=markups)
    out["mask_warnings"] = list(mask_warnings)
    out["markup_notes"] = list(markup_notes)
    out["seconds"] = {"open": opened, "segment": segmented, **out["seconds"]}
    return out


__all__ = ["make_report", "write_report", "lung_state", "report_html", "segment_rows",
           "lesion_items", "lesions_table", "lesions_section",
           "segments_table", "series_facts", "histogram_svg",
           "metrics_table", "write_html", "write_pdf", "PICTURES", "IDENTIFYING"]
