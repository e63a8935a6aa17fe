"""Plotly figures for looking inside a network.

Heatmaps over the input, layer outputs, filters, the embedding projector and a confusion
matrix whose cells can be clicked.

Pure functions from arrays (and already translated texts) to figures. Fonts are large: these
are shown on a projector.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lib.charts import from_dicts, montage, sheet_height

FONT = 16
HEAT_SCALE = "Turbo"  # dark blue (cold: no influence) to dark red (warm: strong influence)
# Ten clearly different colours (Plotly's D3 set), then the Light24 set for more classes.
CLASS_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#FD3216", "#00FE35", "#6A76FC", "#FED4C4", "#FE00CE", "#0DF9FF", "#F6F926", "#FF9616", "#479B55", "#EEA6FB",
]  # fmt: skip


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=title, height=height,
        margin=dict(l=10, r=10, t=50 if title else 10, b=10),
    )  # fmt: skip
    return fig


def _image_axes(fig: go.Figure, **where) -> None:
    fig.update_yaxes(autorange="reversed", scaleanchor=where.pop("anchor", "x"), showticklabels=False,
                     showgrid=False, zeroline=False, **where)  # fmt: skip
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, **where)


def _picture(image: np.ndarray, opacity: float = 1.0) -> go.BaseTraceType:
    """The input as the model reads it: grey (H, W) light on dark, colour (H, W, 3) as colours."""
    if image.ndim == 3 and image.shape[-1] == 3:
        return go.Image(z=(np.clip(image, 0, 1) * 255).astype("uint8"), opacity=opacity, hoverinfo="skip")
    gray = image[..., 0] if image.ndim == 3 else image
    return go.Heatmap(z=gray, colorscale="gray", zmin=0, zmax=1, showscale=False, opacity=opacity, hoverinfo="skip")


def heatmap_overlay(image: np.ndarray, heat: np.ndarray, titles: tuple[str, str, str], scale_label: str) -> go.Figure:
    """Three panels: the input, the heatmap alone, and the heatmap laid over the input.

    Drawn on every stroke of the Draw page: the panels' layout is made once per language and
    kind of picture (:func:`_overlay_frame`, a third of a stroke's server CPU when remade)
    and copied, and only the pictures change.
    """
    traces, layout = _overlay_frame(titles, scale_label, image.ndim == 3 and image.shape[-1] == 3)
    picture = _picture(image).z
    return from_dicts([{**trace, "z": z} for trace, z in zip(traces, (picture, heat, picture, heat))], layout)


@functools.lru_cache(maxsize=32)
def _overlay_frame(titles: tuple[str, str, str], scale_label: str, colour: bool) -> tuple[tuple[dict, ...], dict]:
    """:func:`heatmap_overlay`'s traces (placeholder pictures) and layout, as dicts (shared: never changed).

    Without the template: a new figure takes the default one as it is, where a template in
    the dict would be validated again.
    """
    frame = overlay_figure(np.zeros((1, 1, 3 if colour else 1), "float32"), np.zeros((1, 1)), titles, scale_label)
    as_dicts = frame.to_dict()
    return tuple(as_dicts["data"]), {k: v for k, v in as_dicts["layout"].items() if k != "template"}


def overlay_figure(image: np.ndarray, heat: np.ndarray, titles: tuple[str, str, str], scale_label: str) -> go.Figure:
    """The heatmap overlay made from scratch (what :func:`heatmap_overlay` copies its layout from)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.03)
    fig.add_trace(_picture(image), row=1, col=1)
    colorbar = dict(title=dict(text=scale_label, side="right"), len=0.9, thickness=14)
    heat_trace = dict(z=heat, colorscale=HEAT_SCALE, zmin=0, zmax=1,
                      hovertemplate="(%{y}, %{x}): %{z:.2f}<extra></extra>")  # fmt: skip
    fig.add_trace(go.Heatmap(**heat_trace, showscale=True, colorbar=colorbar), row=1, col=2)
    fig.add_trace(_picture(image), row=1, col=3)
    fig.add_trace(go.Heatmap(**heat_trace, showscale=False, opacity=0.55), row=1, col=3)
    for col, anchor in ((1, "x"), (2, "x2"), (3, "x3")):
        _image_axes(fig, anchor=anchor, row=1, col=col)
    fig = _layout(fig, "", 380)
    fig.update_layout(margin=dict(l=10, r=10, t=50, b=10))  # room for the panels' titles
    fig.update_annotations(font_size=FONT)
    return fig


def layer_maps(values: np.ndarray, title: str, limit: int = 64) -> go.Figure:
    """A conv-style output (H, W, channels): the first ``limit`` channels, each scaled to its own peak."""
    channels = min(limit, values.shape[-1])
    cols = min(8, channels)
    rows = -(-channels // cols)
    tiles = np.moveaxis(values[..., :channels], -1, 0)
    peak = np.abs(tiles).reshape(channels, -1).max(axis=1).clip(min=1e-6)
    sheet = montage(tiles / peak[:, None, None], rows, cols)
    fig = go.Figure(go.Heatmap(z=sheet, colorscale="Viridis", zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    _image_axes(fig)
    return _layout(fig, title, sheet_height(*sheet.shape[:2]))


def layer_bars(values: np.ndarray, title: str, axis: tuple[str, str], highlight: int | None = None) -> go.Figure:
    """A vector output (a Dense layer's units): one bar per unit."""
    values = np.asarray(values).reshape(-1)
    colours = ["#d62728" if i == highlight else "#1f77b4" for i in range(len(values))]
    fig = go.Figure(go.Bar(x=np.arange(len(values)), y=values, marker_color=colours,
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))  # fmt: skip
    fig.update_layout(xaxis_title=axis[0], yaxis_title=axis[1], bargap=0.05)
    return _layout(fig, title, 340)


def layer_matrix(values: np.ndarray, title: str, axis: tuple[str, str]) -> go.Figure:
    """A sequence output (steps, units), as a heatmap."""
    values = np.asarray(values).reshape(values.shape[0], -1)
    fig = go.Figure(go.Heatmap(z=values.T, colorscale="Viridis"))
    fig.update_layout(xaxis_title=axis[0], yaxis_title=axis[1])
    return _layout(fig, title, 360)


def filter_sheet(images: np.ndarray, title: str, colour: bool, limit: int = 64) -> go.Figure:
    """Each filter's kernel as a small picture: red positive weights, blue negative (0 is white)."""
    count = min(limit, len(images))
    cols = min(8, count)
    rows = -(-count // cols)
    if colour:
        sheet = montage(np.clip(images[:count], 0, 1), rows, cols)
        fig = go.Figure(go.Image(z=(np.nan_to_num(sheet, nan=1.0) * 255).astype("uint8"), hoverinfo="skip"))
    else:
        peak = float(np.abs(images[:count]).max()) or 1.0
        sheet = montage(images[:count], rows, cols)
        fig = go.Figure(go.Heatmap(z=sheet, colorscale="RdBu_r", zmin=-peak, zmax=peak, zmid=0,
                                   hovertemplate="%{z:.3f}<extra></extra>"))  # fmt: skip
    _image_axes(fig)
    return _layout(fig, title, min(700, sheet_height(*sheet.shape[:2])))


def projector(
    coords: np.ndarray,
    labels: np.ndarray,
    names: Sequence[str],
    hover: Sequence[str],
    indices: np.ndarray,
    title: str,
    drawn: np.ndarray | None = None,
    drawn_label: str = "",
) -> go.Figure:
    """The test samples as points (2-D or 3-D), one colour per true class; ``drawn`` as a large star."""
    dims = coords.shape[1]
    fig = go.Figure()
    hover = np.asarray(hover, dtype=object)
    for cls, name in enumerate(names):
        keep = np.flatnonzero(labels == cls)
        if not len(keep):
            continue
        common = dict(name=name, text=hover[keep], hovertemplate="%{text}<extra></extra>",
                      customdata=np.stack([indices[keep], labels[keep]], axis=1).tolist())  # fmt: skip
        marker = dict(color=CLASS_COLOURS[cls % len(CLASS_COLOURS)], size=7 if dims == 2 else 3.5, opacity=0.8)
        if dims == 3:
            fig.add_trace(go.Scatter3d(x=coords[keep, 0], y=coords[keep, 1], z=coords[keep, 2], mode="markers",
                                       marker=marker, **common))  # fmt: skip
        else:
            fig.add_trace(go.Scatter(x=coords[keep, 0], y=coords[keep, 1], mode="markers", marker=marker, **common))
    if drawn is not None:
        star = dict(symbol="star" if dims == 2 else "diamond", size=26 if dims == 2 else 10, color="black",
                    line=dict(color="white", width=2))  # fmt: skip
        point = dict(name=drawn_label, hovertemplate=f"{drawn_label}<extra></extra>", customdata=[[-1, -1]])
        if dims == 3:
            fig.add_trace(go.Scatter3d(x=drawn[:, 0], y=drawn[:, 1], z=drawn[:, 2], mode="markers", marker=star,
                                       **point))  # fmt: skip
        else:
            fig.add_trace(go.Scatter(x=drawn[:, 0], y=drawn[:, 1], mode="markers", marker=star, **point))
    fig.update_layout(legend=dict(itemsizing="constant", font=dict(size=FONT)), dragmode="lasso" if dims == 2 else None)
    fig.update_xaxes(showticklabels=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, zeroline=False)
    if dims == 3:
        fig.update_scenes(xaxis_showticklabels=False, yaxis_showticklabels=False, zaxis_showticklabels=False)
    return _layout(fig, title, 560)


def clickable_confusion(
    matrix: Sequence[Sequence[int]],
    names: Sequence[str],
    title: str,
    axes: tuple[str, str],
    hover: str,
    selected: tuple[int, int] | None = None,
) -> go.Figure:
    """Counts of true (rows) against predicted (columns); every cell can be clicked.

    A heatmap draws the counts; an invisible square marker on each cell carries its
    (true, predicted) pair as ``customdata``, so a click selects that cell (Plotly heatmaps
    themselves have no point selection). ``hover`` is a template with {true}, {predicted}, {n}.
    """
    matrix = np.asarray(matrix)
    k = len(names)
    counts = matrix.tolist()  # plain lists: Plotly 6 would base64-encode an array (unreadable in the page's JSON)
    fig = go.Figure(go.Heatmap(z=counts, x=list(range(k)), y=list(range(k)), colorscale="Blues", hoverinfo="skip",
                               text=counts, texttemplate="%{text}" if k <= 20 else None,
                               textfont=dict(size=FONT), showscale=False))  # fmt: skip
    cells = [(t, p) for t in range(k) for p in range(k)]
    texts = [hover.format(true=names[t], predicted=names[p], n=int(matrix[t, p])) for t, p in cells]
    size = max(8, min(44, int(520 / max(k, 1))))
    fig.add_trace(go.Scatter(
        x=[p for _, p in cells], y=[t for t, _ in cells], mode="markers", customdata=[[t, p] for t, p in cells],
        marker=dict(symbol="square", size=size, color="rgba(0,0,0,0.01)"), text=texts,
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        selected=dict(marker=dict(color="rgba(0,0,0,0.01)")), unselected=dict(marker=dict(opacity=1)),
    ))  # fmt: skip
    if selected is not None:
        t, p = selected
        fig.add_shape(type="rect", x0=p - 0.5, x1=p + 0.5, y0=t - 0.5, y1=t + 0.5, line=dict(color="#d62728", width=4))
    ticks = dict(tickmode="array", tickvals=list(range(k)), ticktext=list(names), showgrid=False, zeroline=False)
    fig.update_xaxes(title=axes[1], range=[-0.5, k - 0.5], **ticks)
    fig.update_yaxes(title=axes[0], range=[k - 0.5, -0.5], **ticks)
    fig.update_layout(clickmode="event+select", dragmode=False)
    return _layout(fig, title, max(420, 44 * k + 160))
