"""Demos: convolution, pooling, activations/softmax and dropout explainers (numpy only)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts.shared import dataset_label, dataset_name, lang, num, plot, tr
from app_pages.parts.widgets import decimal_slider
from lib import charts
from lib.data import datasets
from lib.demos import conv
from lib.demos.functions import ACTIVATIONS, dropout, softmax
from lib.i18n import decimal_text, list_separator, parse_decimals


def _image_dataset() -> str:
    name = dataset_name()
    return name if datasets.REGISTRY[name].kind == "image" else datasets.DEFAULT_DATASET


def matrix_editor(where, matrix: np.ndarray, key: str) -> np.ndarray:
    """An editable matrix, its numbers in the browser's locale ("localized").

    Streamlit's editors have no per-app language; in a Brazilian classroom the browser's is pt-BR.
    """
    number = st.column_config.NumberColumn(format="localized")
    return where.data_editor(matrix, key=key, column_config={i: number for i in range(matrix.shape[1])}).astype(
        "float32"
    )


def _input(prefix: str) -> np.ndarray:
    name = _image_dataset()
    sources = {"lesson": tr("demo.source.lesson"), "image": tr("demo.source.image", dataset=dataset_label(name))}
    source = st.radio(
        tr("demo.source"), list(sources), format_func=sources.__getitem__, horizontal=True, key=f"{prefix}.source"
    )
    if source == "lesson":
        return matrix_editor(st, conv.LESSON_INPUT, f"{prefix}.matrix")
    ds = datasets.load(name)
    index = st.slider(tr("demo.sample"), 0, 99, 0, key=f"{prefix}.sample")
    return datasets.scale_images(ds.x_test[index : index + 1], ds.info)[0, ..., 0]


def convolution() -> None:
    """Kernel over an input: output map, its size explained, and one cell's arithmetic."""
    image = _input("demo.conv")
    names = ["lesson", *conv.KERNELS]
    left, right = st.columns(2)
    kernel_labels = {n: tr(f"demo.kernel.{n}") for n in names}
    choice = left.selectbox(tr("demo.kernel"), names, format_func=kernel_labels.__getitem__, key="demo.conv.k")
    preset = conv.LESSON_KERNEL if choice == "lesson" else conv.KERNELS[choice]
    kernel = matrix_editor(right, preset, f"demo.conv.kernel.{choice}")
    right.caption(tr("demo.edit_hint"))
    a, b = st.columns(2)
    stride = a.slider(tr("demo.stride"), 1, 3, 1, key="demo.conv.stride")
    padding = b.radio(tr("demo.padding"), ["valid", "same"], horizontal=True, key="demo.conv.padding")
    out = conv.convolve(image, kernel, stride, padding)
    n, k = image.shape[0], kernel.shape[0]
    st.markdown(tr(f"demo.size.{padding}", n=n, k=k, s=stride, out=out.shape[0]))
    if out.size == 0:
        return
    c1, c2 = st.columns(2)
    first = [min(v, m - 1) for v, m in zip(conv.LESSON_CELL, out.shape)]  # the lesson's cell: its centre
    row = c1.slider(tr("demo.row"), 0, out.shape[0] - 1, first[0], key="demo.conv.row")
    col = c2.slider(tr("demo.col"), 0, out.shape[1] - 1, first[1], key="demo.conv.col")
    step = conv.cell(image, kernel, row, col, stride, padding)
    padded, _, _ = conv.pad_for(image, k, stride, padding)
    figs = st.columns(3)
    plot(figs[0], charts.matrix(padded, tr("demo.input", rows=n, cols=n), (step.top, step.left, k)), key="demo.conv.in")
    plot(figs[1], charts.matrix(kernel, tr("demo.kernel_title", k=k), colorscale="RdBu"), key="demo.conv.kern")
    plot(
        figs[2],
        charts.matrix(
            out, tr("demo.output", rows=out.shape[0], cols=out.shape[1]), (row, col, 1), colorscale="Viridis"
        ),
        key="demo.conv.out",
    )
    terms = " + ".join(f"{p:.3g}×{w:.3g}" for p, w in zip(step.patch.ravel(), kernel.ravel()))
    st.markdown(f"**{tr('demo.cell')}** · " + tr("demo.sum", row=row, col=col, terms=terms, total=f"{step.total:.4g}"))
    if choice == "lesson" and st.session_state.get("demo.conv.source") == "lesson":
        st.caption(tr("demo.conv_lesson_note"))


def pooling() -> None:
    """Max, average and median pooling of the same input, side by side."""
    image = _input("demo.pool")
    a, b = st.columns(2)
    size = a.slider(tr("demo.pool_size"), 1, 4, 2, key="demo.pool.size")
    stride = b.slider(tr("demo.stride"), 1, 4, 2, key="demo.pool.stride")
    cols = st.columns(4)
    plot(cols[0], charts.matrix(image, tr("demo.input", rows=image.shape[0], cols=image.shape[1])), key="demo.pool.in")
    for col, mode in zip(cols[1:], conv.POOLS):
        out = conv.pool(image, size, stride, mode)
        plot(
            col,
            charts.matrix(out, f"{tr(f'demo.pool.{mode}')} {out.shape[0]}×{out.shape[1]}", colorscale="Viridis"),
            key=f"demo.pool.{mode}",
        )
    rows = conv.output_size(image.shape[0], size, stride, "valid")
    st.markdown(tr("demo.pool_explain", size=size, stride=stride, rows=rows, cols=rows))
    st.markdown(tr("demo.size.valid", n=image.shape[0], k=size, s=stride, out=rows))


def activations() -> None:
    """Activation functions (and derivatives); softmax with a temperature over typed logits."""
    chosen = st.multiselect(
        tr("demo.functions"),
        list(ACTIVATIONS),
        ["sigmoid", "tanh", "relu"],
        key="demo.act.f",
        placeholder=tr("app.choose"),
    )
    with_derivatives = st.toggle(tr("demo.derivatives"), key="demo.act.d")
    x = np.linspace(-5, 5, 401)
    curves = {name: ACTIVATIONS[name][0](x) for name in chosen}
    if with_derivatives:
        curves |= {f"{name}′": ACTIVATIONS[name][1](x) for name in chosen}
    plot(st, charts.function_plot(x, curves, tr("demo.activations_title")), key="demo.act.plot")
    st.subheader(tr("demo.softmax"))
    st.latex(r"\mathrm{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}")
    a, b = st.columns(2)
    default = list_separator(lang()).join(decimal_text(v, lang()) for v in (2.0, 1.0, 0.1))
    text = a.text_input(tr("demo.logits"), default, key=f"demo.act.logits.{lang()}")
    temperature = decimal_slider(b, tr("demo.temperature"), 0.1, 5.0, 1.0, 0.1, key="demo.act.t")
    logits = np.array(parse_decimals(text, lang()) or [])
    if logits.size == 0:
        st.error(tr("demo.bad_logits"))
        return
    p = softmax(logits, temperature)
    labels = [f"z{i + 1}={num(v, 2)}" for i, v in enumerate(logits)]
    plot(st, charts.probability_bars(p, labels, tr("demo.softmax"), int(p.argmax())), key="demo.act.softmax")
    st.caption(tr("demo.softmax_note"))


def dropout_demo(default_rate: float = 0.5) -> None:
    """One layer's activations, a random mask while training, and the scaled outputs (``default_rate`` first)."""
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    rate = decimal_slider(a, tr("demo.rate"), 0.0, 0.9, default_rate, 0.05, key="demo.drop.rate")
    st.session_state.setdefault("demo.drop.seed", 0)
    if b.button(tr("demo.resample"), key="demo.drop.new"):
        st.session_state["demo.drop.seed"] += 1
    values = np.random.default_rng(42).gamma(2.0, 0.5, (8, 8))
    keep, trained = dropout(values, rate, st.session_state["demo.drop.seed"])
    cols = st.columns(4)
    for col, (matrix, title) in zip(
        cols,
        (
            (values, "demo.layer"),
            (keep.astype(float), "demo.mask"),
            (trained, "demo.train_out"),
            (values, "demo.infer_out"),
        ),
    ):
        plot(col, charts.matrix(np.round(matrix, 2), tr(title), colorscale="Viridis"), key=f"demo.drop.{title}")
    st.markdown(
        tr(
            "demo.dropout_note",
            dropped=int((~keep).sum()),
            total=keep.size,
            pct=num(100 * (~keep).mean(), 1),
            scale=num(1 / (1 - rate), 2),
            mean_train=num(trained.mean(), 3),
            mean_infer=num(values.mean(), 3),
        )
    )
    # The lesson's classic dropout: nothing scaled while training, every output times (1 − p) at test time.
    st.markdown(f"**{tr('demo.classic_title')}**")
    classic_train, classic_test = values * keep, values * (1 - rate)
    left, right = st.columns(2)
    for col, (matrix, title) in zip(
        (left, right), ((classic_train, "demo.classic_train"), (classic_test, "demo.classic_test"))
    ):
        plot(col, charts.matrix(np.round(matrix, 2), tr(title), colorscale="Viridis"), key=f"demo.drop.{title}")
    st.markdown(
        tr(
            "demo.classic_note",
            keep=num(1 - rate, 2),
            mean_train=num(classic_train.mean(), 3),
            mean_test=num(classic_test.mean(), 3),
        )
    )
