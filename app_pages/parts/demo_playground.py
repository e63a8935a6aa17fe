"""The 2-D playground demo: the perceptron, then a small MLP, learning to split points in the plane."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_pages.parts.identity import nickname
from app_pages.parts.shared import live_view, manager, num, plot, session_id, tr
from app_pages.parts.state import fraction_slider
from lib import charts
from lib.demos import playground as pg
from lib.train.run_config import RunConfig

P = "demo.pg."  # widget and state key prefix


def _points() -> dict:
    cols = st.columns(4)
    labels = {s: tr(f"demo.pg_shape.{s}") for s in pg.SHAPES}  # a dict, read outside the script run too
    shape = cols[0].selectbox(tr("demo.pg_shape"), pg.SHAPES, index=1, format_func=labels.__getitem__, key=P + "shape")
    samples = cols[1].slider(tr("demo.pg_samples"), pg.SAMPLES[0], pg.SAMPLES[1], 300, step=20, key=P + "samples")
    noise = fraction_slider(cols[2], tr("demo.pg_noise"), P + "noise", 0.1, tr("demo.pg_noise_help"))
    seed = cols[3].number_input(tr("train.seed"), 0, 9999, 0, key=P + "seed")
    return {"shape": shape, "samples": int(samples), "noise": float(noise), "seed": int(seed)}


def _hidden(default_model: str = "perceptron") -> list[tuple[int, str]]:
    """No hidden layer (the perceptron), or up to three Dense layers."""
    kinds = {"perceptron": tr("demo.pg_perceptron"), "mlp": tr("demo.pg_mlp")}
    kind = st.segmented_control(tr("demo.pg_model"), list(kinds), format_func=kinds.__getitem__,
                                default=default_model, key=P + "model") or "perceptron"  # fmt: skip
    if kind == "perceptron":
        st.caption(tr("demo.pg_perceptron_note"))
        return []
    layers = st.slider(tr("demo.pg_layers"), 1, pg.MAX_HIDDEN_LAYERS, 2, key=P + "layers")
    hidden = []
    cols = st.columns(pg.MAX_HIDDEN_LAYERS)
    for i in range(layers):
        units = cols[i].number_input(tr("demo.pg_units", n=i + 1), 1, pg.MAX_UNITS, 4, key=f"{P}units.{i}")
        activation = cols[i].selectbox(
            tr("demo.pg_activation", n=i + 1), pg.ACTIVATIONS, index=pg.ACTIVATIONS.index("tanh"), key=f"{P}act.{i}"
        )
        hidden.append((int(units), activation))
    return hidden


def _start(config: RunConfig) -> None:
    submitted = manager().submit(config, owner=session_id(), nickname=nickname())
    st.session_state[P + "run"] = submitted.run_id
    if submitted.outcome == "busy":
        st.session_state[P + "note"] = tr("train.busy", run=submitted.run_id)


def _show(run_id: str) -> None:
    store = manager().store
    status = manager().status(run_id)
    st.markdown(tr("demo.pg_status", state=tr(f"train.state.{status.state}"), done=status.epochs_done,
                   epochs=status.epochs_target))  # fmt: skip
    if status.message:
        (st.error if status.state == "failed" else st.info)(tr(f"train.msg.{status.message}", detail=status.detail))
    frames = pg.frames(store, run_id)
    if frames is None:
        return
    config = store.config(run_id)
    last = len(frames["epoch"]) - 1
    pick = last
    if not manager().is_active(run_id) and last > 0:
        epochs = [int(e) for e in frames["epoch"]]
        pick = epochs.index(st.select_slider(tr("demo.pg_epoch"), epochs, epochs[-1], key=P + "epoch"))
    axis, _ = pg.grid()
    history = store.history(run_id)
    left, right = st.columns([3, 2])
    names = (tr("demo.pg_class", n=0), tr("demo.pg_class", n=1))
    title = tr("demo.pg_boundary", epoch=int(frames["epoch"][pick]))
    points = pg.split_points(config.points)
    plot(left, charts.decision_boundary(axis, frames["boundary"][pick], points, title, names), key=P + "boundary")
    accuracy = [v for v in history["metrics"].get("val_accuracy", []) if v is not None]
    if accuracy:
        right.metric(tr("demo.pg_test_accuracy"), num(100 * accuracy[-1], 1) + " %")
    curves = charts.training_curves(history, {}, "loss", tr("demo.pg_loss"), _labels())
    plot(right, curves, key=P + "loss")
    if "units" in frames:
        plot(st, charts.unit_maps(frames["units"][pick], tr("demo.pg_units_title")), key=P + "units")


def _labels() -> dict[str, str]:
    return {k: tr(f"train.curve.{k}") for k in ("train", "val", "batch", "epoch")}


def playground(default_model: str = "perceptron") -> None:
    """Points in the plane, a perceptron or an MLP (``default_model``), and its decision boundary epoch by epoch."""
    st.caption(tr("demo.pg_intro"))
    points = _points()
    hidden = _hidden(default_model)
    a, b = st.columns(2)
    epochs = a.slider(tr("train.epochs"), 10, 300, 100, step=10, key=P + "epochs")
    rates = {v: num(v, 3) for v in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)}
    rate = b.select_slider(tr("demo.pg_rate"), list(rates), 0.03, format_func=rates.__getitem__, key=P + "rate")
    config = pg.playground_config(points, hidden, int(epochs), float(rate))
    buttons = st.columns([1, 3, 2])
    # Submitted in the script body with the settings of this very run (a callback's args come
    # from the run before, which a quick click after changing a setting would train instead).
    if buttons[0].button(tr("demo.pg_train"), type="primary", key=P + "train"):
        _start(config)
    buttons[1].download_button(tr("arch.download_script"), partial(pg.script, config), "playground.py",
                               "text/x-python", key=P + "script")  # fmt: skip
    if note := st.session_state.pop(P + "note", None):
        st.warning(note)
    if run_id := st.session_state.get(P + "run"):
        live_view(lambda: _show(run_id), lambda: manager().is_active(run_id), 1.0)
