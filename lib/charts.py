"""Plotly figure builders: pure functions from arrays to figures, unit-testable."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

HOUSE_TEMPLATE = "playground"  # Plotly's white template with text legible on a projector
HOUSE_TICK_SIZE = 14
# The trace kinds the app draws (image traces take nothing from a template).
HOUSE_TRACES = ("bar", "contour", "heatmap", "parcoords", "scatter", "scatter3d")


def use_house_template() -> None:
    """Give every new figure the house look (white, large dark text) as its default template.

    Naming a template on each figure (``template="plotly_white"``) validates the whole
    template again every time: about 35 ms a figure, and restyling every axis after the
    fact about 20 ms more; a Draw stroke draws 8 figures, so that was most of its CPU. A
    default template is handed to each new figure without either (about 1 ms). Streamlit
    installs its own default when it is imported: the pages call this again (``styled``).
    """
    if HOUSE_TEMPLATE not in pio.templates:
        white = pio.templates["plotly_white"]
        # Only the trace kinds the app draws: every figure carries a copy of its template, and
        # Streamlit deep-copies and sends it on each chart (plotly_white has 24 kinds; tests/
        # test_house_rules.py checks that every kind the code makes is here).
        house = go.layout.Template(layout=white.layout, data={kind: white.data[kind] for kind in HOUSE_TRACES})
        house.layout.font = {"size": 15, "color": "#111"}
        for axis in (house.layout.xaxis, house.layout.yaxis):  # Plotly's are 12 px grey
            axis.tickfont = {"size": HOUSE_TICK_SIZE, "color": "#222"}
            axis.title.font = {"size": 15}
        pio.templates[HOUSE_TEMPLATE] = house
    pio.templates.default = HOUSE_TEMPLATE


def has_house_template(fig: go.Figure) -> bool:
    """Whether ``fig`` was made with the house template (not one installed by someone else)."""
    return fig.layout.template.layout.xaxis.tickfont.size == HOUSE_TICK_SIZE


use_house_template()

_MARGIN = dict(l=10, r=10, t=40, b=10)
# Image sheets are sized to fill a wide page's width (Streamlit's wide layout on a
# projector is about this many pixels) instead of sitting small in a wide blank chart.
FULL_WIDTH_PX = 1000
MAX_IMAGE_HEIGHT_PX = 900


def _layout(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=_MARGIN)
    return fig


def from_dicts(traces: list[dict], layout: dict) -> go.Figure:
    """A figure made from plain dicts in one step (validated once, as ``go.Figure(dict)`` is).

    For the figures remade on every Draw stroke: each ``update_layout``/``update_yaxes`` call
    after the fact walks Plotly's object tree again (a few ms each), and a figure copied
    from a finished one revalidates its whole template (12 ms for the heatmap overlay).
    """
    return go.Figure({"data": traces, "layout": layout})


IMAGE_AXIS = {"showticklabels": False, "showgrid": False}


def montage(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Tile ``rows * cols`` images (N, H, W[, C]) into one image with 1-pixel gaps."""
    n, h, w = images.shape[:3]
    channels = images.shape[3:] or ()
    sheet = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, *channels), np.nan, dtype="float32")
    for i in range(min(n, rows * cols)):
        r, c = divmod(i, cols)
        sheet[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = images[i]
    return sheet


def _drop_gray_channel(images: np.ndarray) -> np.ndarray:
    return images[..., 0] if images.ndim == 4 and images.shape[-1] == 1 else images


def image_grid(
    images_by_row: Sequence[np.ndarray], row_labels: Sequence[str], title: str, value_max: float
) -> go.Figure:
    """One row of images per class, labelled with the (translated) class name."""
    # A trailing channel axis of 1 (model inputs) is grayscale, not a colour image.
    images_by_row = [_drop_gray_channel(np.asarray(r)) for r in images_by_row]  # fmt: skip
    cols = max(len(r) for r in images_by_row)
    sample = next(r for r in images_by_row if len(r))
    h = sample.shape[1]
    padded = []
    for images in images_by_row:
        row = np.asarray(images, dtype="float32")
        if len(row) < cols:
            row = np.concatenate([row, np.full((cols - len(row), *sample.shape[1:]), np.nan, "float32")])
        padded.append(row)
    sheet = montage(np.concatenate(padded), len(padded), cols)
    return _image_figure(sheet, title, value_max, [i * (h + 1) + h / 2 for i in range(len(row_labels))], row_labels)


def _image_figure(
    sheet: np.ndarray, title: str, value_max: float, tickvals: list[float], ticktext: Sequence[str]
) -> go.Figure:
    if sheet.ndim == 3:  # colour: go.Image wants 0-255 RGB
        rgb = np.nan_to_num(sheet * (255.0 / value_max), nan=255.0).clip(0, 255).astype("uint8")
        fig = go.Figure(go.Image(z=rgb))
    else:
        # Light on dark, as the arrays hold them (0 black, the top value white): the same
        # convention as the Draw page and the Mistakes gallery.
        fig = go.Figure(go.Heatmap(z=sheet, colorscale="gray", zmin=0, zmax=value_max, showscale=False))
        fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(tickvals=tickvals, ticktext=list(ticktext), scaleanchor="x", showgrid=False)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return _layout(fig, title, height=sheet_height(sheet.shape[0], sheet.shape[1]))


def sheet_height(rows_px: int, cols_px: int, extra: int = 60) -> int:
    """Chart height at which an image sheet of ``rows_px`` × ``cols_px`` fills the page width."""
    return int(min(MAX_IMAGE_HEIGHT_PX, max(200, FULL_WIDTH_PX * rows_px / max(cols_px, 1) + extra)))


def epoch_axis(fig: go.Figure, epochs: int) -> go.Figure:
    """Whole-number epoch ticks (never 1.5), at most about ten of them."""
    fig.update_xaxes(tickmode="linear", tick0=0, dtick=max(1, -(-epochs // 10)), tickformat="d")
    return fig


def mean_image_row(means: np.ndarray, labels: Sequence[str], title: str, value_max: float) -> go.Figure:
    """The mean image of each class side by side, labelled under each image."""
    sheet = montage(means, 1, len(means))
    w = means.shape[2]
    fig = _image_figure(sheet, title, value_max, [], [])
    fig.update_xaxes(
        showticklabels=True,
        tickvals=[i * (w + 1) + w / 2 for i in range(len(labels))],
        ticktext=list(labels),
        tickangle=-45,
    )
    fig.update_layout(height=240)
    return fig


def class_balance(counts_by_split: dict[str, np.ndarray], labels: Sequence[str], title: str, y_title: str) -> go.Figure:
    """Grouped bars: samples per class in each split."""
    fig = go.Figure(
        [go.Bar(name=split, x=list(labels), y=counts.tolist()) for split, counts in counts_by_split.items()]
    )
    fig.update_layout(barmode="group", yaxis_title=y_title)
    return _layout(fig, title)


def histogram(values: np.ndarray, title: str, x_title: str, y_title: str, bins: int = 50) -> go.Figure:
    """A histogram of ``values`` (computed here so the figure stays small)."""
    counts, edges = np.histogram(np.asarray(values, dtype="float64").reshape(-1), bins=bins)
    centers = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(go.Bar(x=centers.tolist(), y=counts.tolist(), width=float(edges[1] - edges[0])))
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title, bargap=0.02)
    return _layout(fig, title)


def correlation_heatmap(matrix: np.ndarray, names: Sequence[str], title: str) -> go.Figure:
    """A symmetric correlation heatmap in [-1, 1] with the values written in the cells."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=list(names),
            y=list(names),
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            texttemplate="%{z:.2f}",  # formatted by Plotly, so the figure's decimal separator applies
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=520)


def training_curves(history: dict, batches: dict, metric: str, title: str, labels: dict[str, str]) -> go.Figure:
    """One metric over epochs: training and validation, plus thinned per-batch loss."""
    fig = go.Figure()
    epochs = history.get("epoch", [])
    values = history.get("metrics", {})
    if metric == "loss" and batches.get("x"):
        fig.add_trace(
            go.Scatter(
                x=batches["x"],
                y=batches["loss"],
                name=labels["batch"],
                mode="lines",
                line=dict(width=1, color="rgba(99,110,250,0.35)"),
            )
        )
    for name, dash in ((metric, None), (f"val_{metric}", "dash")):
        if name in values:
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values[name],
                    name=labels["val" if dash else "train"],
                    mode="lines+markers",
                    line=dict(dash=dash),
                )
            )
    fig.update_layout(xaxis_title=labels["epoch"], yaxis_title=metric, legend=dict(orientation="h", y=-0.25))
    epoch_axis(fig, max(epochs, default=1))
    return _layout(fig, title, height=340)


def compare_curves(histories: dict[str, dict], metric: str, title: str, epoch_label: str) -> go.Figure:
    """The same metric of several runs, overlaid (one line per run)."""
    fig = go.Figure()
    for name, history in histories.items():
        values = history.get("metrics", {}).get(metric)
        if values:
            fig.add_trace(go.Scatter(x=history["epoch"], y=values, name=name, mode="lines+markers"))
    fig.update_layout(xaxis_title=epoch_label, yaxis_title=metric, legend=dict(orientation="h", y=-0.25))
    epoch_axis(fig, max((max(h.get("epoch") or [1]) for h in histories.values()), default=1))
    return _layout(fig, title, height=360)


def curve_panels(
    panels: Sequence[tuple[str, Sequence[float], str]],
    series: dict[str, Sequence[Sequence[float]]],
    y_title: str,
    height: int = 360,
) -> go.Figure:
    """Side-by-side line charts sharing a 0-100 y axis: one panel per ``(title, x values, x title)``.

    ``series`` maps a legend name to one list of y values per panel (same colour in every panel).
    """
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[0] for p in panels], shared_yaxes=True,
                        horizontal_spacing=0.04)  # fmt: skip
    colours = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
    for k, (name, values) in enumerate(series.items()):
        for i, (_, xs, _) in enumerate(panels):
            fig.add_trace(
                go.Scatter(x=list(xs), y=list(values[i]), name=name, mode="lines+markers", legendgroup=name,
                           showlegend=i == 0, line={"color": colours[k % len(colours)]}),
                row=1, col=i + 1,
            )  # fmt: skip
    for i, (_, _, x_title) in enumerate(panels):
        fig.update_xaxes(title_text=x_title, zeroline=True, zerolinecolor="#999", row=1, col=i + 1)
    fig.update_yaxes(range=[0, 105], row=1, col=1, title_text=y_title)
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return _layout(fig, "", height=height)


def confusion_heatmap(matrix: list[list[int]], labels: Sequence[str], title: str, axes: tuple[str, str]) -> go.Figure:
    """Counts of true (rows) against predicted (columns) classes."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=list(labels),
            y=list(labels),
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}" if len(labels) <= 20 else None,
        )
    )
    fig.update_yaxes(autorange="reversed", title=axes[0])
    fig.update_xaxes(title=axes[1])
    return _layout(fig, title, height=max(360, 28 * len(labels) + 120))


def predicted_vs_true(
    true: Sequence[float], predicted: Sequence[float], title: str, axes: tuple[str, str]
) -> go.Figure:
    """Regression: each test sample as a point, with the ideal diagonal."""
    low, high = min(*true, *predicted), max(*true, *predicted)
    fig = go.Figure(
        [
            go.Scatter(x=list(true), y=list(predicted), mode="markers", name=axes[1]),
            go.Scatter(x=[low, high], y=[low, high], mode="lines", line=dict(dash="dash"), name="y = x"),
        ]
    )
    fig.update_layout(xaxis_title=axes[0], yaxis_title=axes[1], showlegend=False)
    return _layout(fig, title, height=380)


def probability_bars(probabilities: Sequence[float], labels: Sequence[str], title: str, highlight: int) -> go.Figure:
    """Class probabilities in percent, the predicted class highlighted."""
    values = [100 * float(p) for p in probabilities]
    colors = ["#e4572e" if i == highlight else "#7f9cc9" for i in range(len(values))]
    bars = {"type": "bar", "x": list(labels), "y": values, "marker": {"color": colors}, "texttemplate": "%{y:.1f}%",
            "textposition": "outside"}  # fmt: skip
    layout = {"yaxis": {"range": [0, 110], "title": {"text": "%"}}, "title": {"text": title}, "height": 320,
              "margin": _MARGIN}  # fmt: skip
    return from_dicts([bars], layout)


def feature_maps(maps: np.ndarray, title: str, limit: int = 32) -> go.Figure:
    """The first ``limit`` channels of a (height, width, channels) activation, tiled."""
    channels = min(limit, maps.shape[-1])
    cols = min(8, channels)
    rows = -(-channels // cols)
    tiles = np.moveaxis(maps[..., :channels], -1, 0)
    peak = np.abs(tiles).reshape(channels, -1).max(axis=1).clip(min=1e-6)
    sheet = montage(tiles / peak[:, None, None], rows, cols)
    fig = go.Figure(go.Heatmap(z=sheet, colorscale="Viridis", zmin=0, zmax=1, showscale=False))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return _layout(fig, title, height=sheet_height(*sheet.shape[:2]))


def model_view(image: np.ndarray, title: str, height: int = 300) -> go.Figure:
    """The exact pixels the model receives, one square per pixel, values shown on hover.

    Gray inputs (H, W) are drawn light on dark as the model reads them; colour inputs
    (H, W, 3) in [0, 1] as their colours. Never smoothed.
    """
    if image.ndim == 3:
        trace = {"type": "image", "z": (np.clip(image, 0, 1) * 255).astype("uint8")}
    else:
        trace = {
            "type": "heatmap",
            "z": image,
            "colorscale": "gray",
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "hovertemplate": "(%{y}, %{x}): %{z:.2f}<extra></extra>",
        }  # (row, column): the same in every language
    layout = {
        "yaxis": {"autorange": "reversed", "scaleanchor": "x", **IMAGE_AXIS},
        "xaxis": IMAGE_AXIS,
        "title": {"text": title},
        "height": height,
        "margin": {"l": 4, "r": 4, "t": 40 if title else 4, "b": 4},
    }
    return from_dicts([trace], layout)


def training_examples(images: np.ndarray, title: str, cols: int = 3, height: int = 300) -> go.Figure:
    """A few model inputs (N, H, W[, 3]) in [0, 1], tiled, drawn exactly as :func:`model_view` draws one."""
    images = _drop_gray_channel(np.asarray(images, dtype="float32"))
    rows = -(-len(images) // cols)
    sheet = montage(images, rows, cols)
    if sheet.ndim == 3:
        fig = go.Figure(go.Image(z=(np.nan_to_num(sheet, nan=1.0).clip(0, 1) * 255).astype("uint8")))
    else:  # gaps (NaN) are left blank
        fig = go.Figure(go.Heatmap(z=sheet, colorscale="gray", zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig = _layout(fig, title, height=height)
    fig.update_layout(margin=dict(l=4, r=4, t=40 if title else 4, b=4))
    return fig


_SHEETS: OrderedDict[tuple, go.Figure] = OrderedDict()  # the last few sheets made, newest last
_SHEETS_LOCK = threading.Lock()


def training_examples_once(images: np.ndarray, title: str, height: int = 300) -> go.Figure:
    """:func:`training_examples`, made once for the same images, title and height (the last 64 kept).

    The Draw page shows the same examples of the answer stroke after stroke (6 ms of a
    stroke's server CPU to remake). Keyed by the images' bytes, so other images never get
    an older sheet; the figure is shared, and Streamlit only reads it.
    """
    images = np.ascontiguousarray(images)
    key = (hashlib.blake2b(images.tobytes(), digest_size=16).digest(), images.shape, str(images.dtype), title, height)
    with _SHEETS_LOCK:
        if key in _SHEETS:
            _SHEETS.move_to_end(key)
            return _SHEETS[key]
    fig = training_examples(images, title, height=height)
    with _SHEETS_LOCK:
        _SHEETS[key] = fig
        while len(_SHEETS) > 64:
            _SHEETS.popitem(last=False)
    return fig


def matrix(
    values: np.ndarray, title: str, box: tuple[int, int, int] | None = None, colorscale: str = "Blues"
) -> go.Figure:
    """A small matrix with its numbers written in; ``box`` = (top, left, size) outlines a window."""
    fig = go.Figure(
        go.Heatmap(
            z=values,
            colorscale=colorscale,
            showscale=False,
            # Plotly formats the numbers, so the figure's decimal separator applies.
            texttemplate="%{z:.3~g}" if values.size <= 100 else None,
        )
    )
    if box is not None:
        top, left, size = box
        fig.add_shape(
            type="rect",
            x0=left - 0.5,
            y0=top - 0.5,
            x1=left + size - 0.5,
            y1=top + size - 0.5,
            line=dict(color="#e4572e", width=3),
        )
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return _layout(fig, title, height=300)


def function_plot(x: np.ndarray, curves: dict[str, np.ndarray], title: str, x_title: str = "x") -> go.Figure:
    """Several functions of ``x`` on one plot."""
    fig = go.Figure([go.Scatter(x=x, y=y, name=name, mode="lines") for name, y in curves.items()])
    fig.update_layout(xaxis_title=x_title, legend=dict(orientation="h", y=-0.2))
    return _layout(fig, title, height=380)


def latent_scatter(codes: np.ndarray, labels: np.ndarray, names: Sequence[str], title: str) -> go.Figure:
    """2-D codes coloured by class."""
    fig = go.Figure(
        [
            go.Scatter(
                x=codes[labels == c, 0], y=codes[labels == c, 1], mode="markers", name=names[c], marker=dict(size=5)
            )
            for c in np.unique(labels)
        ]
    )
    return _layout(fig, title, height=460)


POINT_COLOURS = ("#2b6cb0", "#dd6b20")  # class 0 blue, class 1 orange (as the boundary's colours)


def _points_trace(xy: np.ndarray, colour: str, name: str, test: bool) -> go.Scatter:
    """Training points filled, test points open (the held-out ones the boundary never saw)."""
    marker = dict(color=colour, size=7, symbol="circle-open" if test else "circle")
    marker["line"] = dict(width=1.5, color=colour) if test else dict(width=0.5, color="white")
    return go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", name=name, showlegend=not test, marker=marker, hoverinfo="skip"
    )


def decision_boundary(
    axis: np.ndarray, probability: np.ndarray, points: Sequence[np.ndarray], title: str, names: Sequence[str]
) -> go.Figure:
    """The model's probability of class 1 over the plane, its 0.5 line, and the points.

    ``points`` is ``(x_train, y_train, x_test, y_test)``.
    """
    x_train, y_train, x_test, y_test = points
    fig = go.Figure(
        go.Heatmap(
            x=axis,
            y=axis,
            z=probability,
            zmin=0,
            zmax=1,
            showscale=False,
            opacity=0.7,
            colorscale=[[0, "#90cdf4"], [0.5, "#ffffff"], [1, "#fbd38d"]],
            hovertemplate="(%{x:.2f}; %{y:.2f}) → %{z:.2f}<extra></extra>",
        )
    )
    line = dict(color="#1a202c", width=2)
    contours = dict(start=0.5, end=0.5, coloring="none")
    fig.add_trace(go.Contour(x=axis, y=axis, z=probability, showscale=False, contours=contours, line=line,
                             hoverinfo="skip", showlegend=False))  # fmt: skip
    for cls in (0, 1):
        fig.add_trace(_points_trace(x_train[y_train == cls], POINT_COLOURS[cls], names[cls], test=False))
        fig.add_trace(_points_trace(x_test[y_test == cls], POINT_COLOURS[cls], names[cls], test=True))
    span = [float(axis[0]), float(axis[-1])]
    fig.update_xaxes(range=span, showgrid=False, zeroline=False)
    fig.update_yaxes(range=span, scaleanchor="x", showgrid=False, zeroline=False)
    fig.update_layout(legend=dict(orientation="h", y=-0.08))
    return _layout(fig, title, height=520)


def unit_maps(units: np.ndarray, title: str) -> go.Figure:
    """Each hidden unit's output over the plane (units, G, G), side by side."""
    sheet = montage(units[:, ::-1], 1, len(units))  # row 0 at the top of a reversed axis = the plane's top
    peak = float(np.nanmax(np.abs(sheet))) or 1.0
    fig = go.Figure(go.Heatmap(z=sheet, colorscale="RdBu_r", zmin=-peak, zmax=peak, showscale=False, hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return _layout(fig, title, height=sheet_height(*sheet.shape[:2], extra=50))


def parallel_coordinates(columns: list[dict], title: str, height: int = 380) -> go.Figure:
    """One line per sweep cell through its parameters to its score (the last column colours the lines).

    Each column is ``{"label", "values"}`` plus ``"ticks"`` (``{value: text}``) for columns that
    are not plain numbers (choices, log-scaled learning rates), or a d3 ``"format"`` for numbers.
    """
    dimensions = []
    for column in columns:
        dimension = {"label": column["label"], "values": column["values"]}
        if fmt := column.get("format"):
            dimension["tickformat"] = fmt
        if ticks := column.get("ticks"):
            dimension.update(tickvals=list(ticks), ticktext=list(ticks.values()))
            low, high = min(ticks), max(ticks)
            pad = 0.5 if high == low else 0.0
            dimension["range"] = [low - pad, high + pad]
        dimensions.append(dimension)
    score = columns[-1]["values"] if columns else []
    line = {"color": score, "colorscale": "Viridis", "showscale": True} if score else {}
    fig = go.Figure(go.Parcoords(dimensions=dimensions, line=line, labelangle=0, labelside="top"))
    fig.update_layout(margin={"l": 60, "r": 60, "t": 90, "b": 30})
    fig.update_layout(title=title, height=height)
    return fig


PROJECTOR_MIN_HEIGHT = 460


def for_projector(fig: go.Figure) -> go.Figure:
    """The same figure readable from the back of a room: taller, large dark text, thick lines, white ground."""
    height = max(int(fig.layout.height or 0), PROJECTOR_MIN_HEIGHT)
    fig.update_layout(
        height=height,
        font=dict(size=20, color="#111111"),
        title_font=dict(size=24),
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        colorway=["#0b5cad", "#d1495b", "#2a9d3f", "#e08e0b", "#6a3d9a", "#111111"],
    )
    fig.update_xaxes(gridcolor="#bbbbbb", linecolor="#111111", tickfont=dict(size=18))
    fig.update_yaxes(gridcolor="#bbbbbb", linecolor="#111111", tickfont=dict(size=18))
    fig.update_traces(selector=dict(type="scatter"), line=dict(width=4))
    return fig
