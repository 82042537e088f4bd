"""The report's Markups section: a table of every markup with its figures, and a picture of
each slice that holds markups, drawn with their labels (the slice views' pictures).

A line, angle, ellipse or polygon is shown on the slice of the view it lies on; a point and
a sphere on the axial slice through them.  Markups on the same slice share one picture."""
from __future__ import annotations

import base64
import html

from ctvis.core.image.slicing import VIEWS, slice_axes
from ctvis.model import markups as mk


def _where(state, m) -> tuple[str, int]:
    """(view, slice index) that shows markup ``m`` best."""
    volume = state.volume
    plane = mk.plane_of(m, volume)
    if plane is not None:
        axis, index = plane
        for view in VIEWS:
            if slice_axes(volume.direction, view).normal == axis:
                return view, index
    axis = slice_axes(volume.direction, "axial").normal
    return "axial", int(round(volume.patient_to_index(m.array[0])[axis]))


def markup_items(state) -> list[dict]:
    """One item per slice with markups: {"view", "slice", "markups": [(name, type,
    figures)], "png"}, in the order the markups were made."""
    from ctvis.render.pictures import png_bytes, slice_picture

    if state.volume is None or not state.markups:
        return []
    groups: dict = {}
    for m in state.markups:
        groups.setdefault(_where(state, m), []).append(m)
    keep = state.crosshair
    items = []
    try:
        for (view, index), marks in groups.items():
            state.set_slice_index(view, index)
            picture = slice_picture(state, view)
            items.append({"view": view, "slice": index, "png": png_bytes(picture),
                          "markups": [(m.name, mk.TITLES[m.kind],
                                       mk.summary(m, mk.measure(m, state.volume)))
                                      for m in marks]})
    finally:
        state.crosshair = keep
    return items


def markups_section(items) -> str:
    """The table and the pictures (empty without markups)."""
    if not items:
        return ""
    rows = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(kind)}</td>"
                   f"<td>{html.escape(figures)}</td></tr>"
                   for item in items for name, kind, figures in item["markups"])
    figures = "".join(
        f'<figure class="lesion"><img alt="{html.escape(i["view"])}" '
        f'src="data:image/png;base64,{base64.b64encode(i["png"]).decode("ascii")}">'
        f'<figcaption>{html.escape(i["view"].capitalize())} slice {i["slice"] + 1}: '
        f'{html.escape(", ".join(name for name, _, _ in i["markups"]))}</figcaption></figure>'
        for i in items)
    return (f'<h2>Markups</h2><table class="lesions"><thead><tr><th>Markup</th><th>Type</th>'
            f'<th>Figures</th></tr></thead><tbody>{rows}</tbody></table>'
            f'<div class="row lesions">{figures}</div>'
            '<p class="sub">Lengths and angles in patient mm; ROI statistics over the voxels '
            'of the slice whose centres lie inside (docs/markups.md).</p>')


__all__ = ["markup_items", "markups_section"]
