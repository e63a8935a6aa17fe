"""Draw page part: how robust is my model? Curves along three axes, then the same network with augmentation.

The maths is in ``lib/infer/robustness.py``; this file makes the widgets, the chart and the
sentences. Training is an ordinary run of the job manager, the student's own.
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from app_pages.parts import keys
from app_pages.parts.identity import nickname
from app_pages.parts.presses import press
from app_pages.parts.shared import config_messages, live_view, manager, num, plot, session_id, tr
from app_pages.parts.train_tools import show_run
from lib import charts
from lib.infer import robustness
from lib.infer.robustness import AXES, Curves
from lib.train.run_config import RunConfig

SAMPLE = 200  # test images in a batch
SOURCES = ("drawing", "test")


@st.cache_data(show_spinner=False, max_entries=16)
def _batch(config_json: str) -> tuple[np.ndarray, np.ndarray]:
    return robustness.test_batch(RunConfig.from_dict(json.loads(config_json)), SAMPLE)


@st.cache_data(show_spinner=False, max_entries=16)
def _batch_curves(run_id: str, model_mtime: float, inputs_of: str) -> Curves:
    """A run's curves on the test batch of the run ``inputs_of`` (the same images for both runs)."""
    from app_pages.parts.inside_tools import inside

    config = manager().store.config(inputs_of)
    x, labels = _batch(json.dumps(config.to_dict(), sort_keys=True))  # the cache's key: its JSON form
    return robustness.measure(inside(run_id, model_mtime).predictor.batch_probabilities, x, labels)


def _curves(run_id: str, x: np.ndarray | None, inputs_of: str) -> Curves:
    from app_pages.parts.inside_tools import inside

    mtime = manager().store.best_model_path(run_id).stat().st_mtime
    if x is None:
        return _batch_curves(run_id, mtime, inputs_of)
    return robustness.measure(inside(run_id, mtime).predictor.batch_probabilities, x)


def _step(axis: str, step: float) -> str:
    """A step as the axis counts it: ``+0,5 px``, ``−20 %``, ``15°``."""
    sign = "+" if step > 0 else "−" if step < 0 else ""
    size = abs(step)
    if axis == "width":
        return f"{sign}{num(size, 2 if size * 4 % 2 else 1 if size % 1 else 0)} px"
    if axis == "shift":
        return f"{sign}{num(100 * size)} %"
    return f"{sign}{num(size, 1 if size % 1 else 0)}°"


def _chart(series: dict[str, Curves], y_title: str, key: str) -> None:
    panels = [
        (tr(f"robust.axis.{a.name}"), [100 * s if a.name == "shift" else s for s in a.steps],
         tr(f"robust.axis.{a.name}_x"))
        for a in AXES
    ]  # fmt: skip
    values = {name: [[100 * v for v in curves.values[a.name]] for a in AXES] for name, curves in series.items()}
    plot(st, charts.curve_panels(panels, values, y_title), key=key)


def _showcase(image: np.ndarray) -> None:
    """What the steps look like: a row of the changed picture per axis, as the model receives it."""
    with st.expander(tr("robust.showcase")):
        for axis, examples in robustness.showcase(image).items():
            cols = st.columns([2] + [1] * len(examples))
            cols[0].markdown(f"**{tr(f'robust.axis.{axis}')}**")
            for col, (step, picture) in zip(cols[1:], examples, strict=True):
                gray = np.clip(picture[..., 0], 0, 1)
                zoom = max(1, 84 // gray.shape[0])  # crisp squares, as "what the model sees" shows them
                col.image(np.kron(gray, np.ones((zoom, zoom))), caption=_step(axis, step) if step else "0", clamp=True)


def _layers_text(layers: list[tuple[str, dict]]) -> str:
    """The layers as the Keras lines that make them (code: a decimal point in every language)."""
    calls = []
    for name, config in layers:
        arguments = ", ".join(f"{key}={value!r}" for key, value in config.items())
        calls.append(f"`keras.layers.{name}({arguments})`")
    return ", ".join(calls)


def robust_panel(run_id: str, names: list[str], x: np.ndarray | None, recipe: str) -> None:
    """The panel: what to change, the curves of this run (and of its augmented run), the one-click remedy.

    ``x`` is the model input of the current drawing (None when there is none yet).
    """
    st.subheader(tr("robust.title"))
    if not st.toggle(tr("robust.show"), key="draw.robust.on", help=tr("robust.show_help")):
        return
    st.caption(tr("robust.intro"))
    labels = {"drawing": tr("robust.what.drawing"), "test": tr("robust.what.test", n=num(SAMPLE))}
    what = st.segmented_control(tr("robust.what"), list(SOURCES), format_func=labels.__getitem__,
                                default="drawing", key="draw.robust.what") or "drawing"  # fmt: skip
    if what == "drawing" and x is None:
        st.info(tr("robust.no_drawing"))
        return
    store = manager().store
    config = store.config(run_id)
    inputs = x if what == "drawing" else None
    ours = _curves(run_id, inputs, run_id)
    series = {tr("robust.series.this"): ours}
    other = None if robustness.has_augmentation(config.spec) else robustness.augmented_run(store, config, nickname())
    other_done = other is not None and store.status(other).state == "done" and store.best_model_path(other)
    if other_done:
        series[tr("robust.series.augmented")] = _curves(other, inputs, run_id)
    label = names[ours.answer] if ours.answer is not None else ""
    y_title = tr(f"robust.y.{ours.kind}", label=label)
    _chart(series, y_title, key=f"draw.robust.chart.{what}")
    if inputs is not None:
        _showcase(inputs[0])
    axis, step, value = ours.weakest()
    st.markdown(tr(f"robust.weakest.{ours.kind}", axis=tr(f"robust.axis.{axis}").lower(), step=_step(axis, step),
                   value=num(100 * value), base=num(100 * ours.unchanged()), label=label))  # fmt: skip
    if other_done:
        theirs = series[tr("robust.series.augmented")]
        st.markdown(tr(f"robust.compare.{ours.kind}", a=num(100 * ours.unchanged()), b=num(100 * theirs.unchanged()),
                       worst_a=num(100 * min(min(v) for v in ours.values.values())),
                       worst_b=num(100 * min(min(v) for v in theirs.values.values()))))  # fmt: skip
    _remedy(run_id, config, other, recipe)


def _remedy(run_id: str, config: RunConfig, other: str | None, recipe: str) -> None:
    """The augmentation layers, and the button that trains the same network with them (or its progress)."""
    width_note = tr("robust.no_width_layer") + (" " + tr("robust.width_digits") if recipe == "uci_digits" else "")
    if robustness.has_augmentation(config.spec):
        st.caption(tr("robust.already") + " " + width_note)
        return
    st.markdown(tr("robust.augment", layers=_layers_text(robustness.augmentation_layers())))
    st.caption(width_note)
    jobs = manager()
    state = jobs.status(other).state if other is not None else None
    if other is not None and (jobs.is_active(other) or state != "done"):  # training, or ended without a model
        if jobs.is_active(other):
            st.info(tr("robust.training"))
        live_view(lambda: show_run(other, with_controls=False), lambda: jobs.is_active(other), 1.0)
        if jobs.is_active(other):
            return
    if state != "done" and press(st, tr("robust.train"), "draw.robust.train", type="primary"):
        _train(run_id, config)


def _train(run_id: str, config: RunConfig) -> None:
    from lib.train.config_check import ConfigError

    try:
        submitted = manager().submit(robustness.with_augmentation(config), owner=session_id(), nickname=nickname(),
                                     personal=True)  # fmt: skip
    except ConfigError as err:
        for message in config_messages(err.problems):
            st.error(message)
        return
    if submitted.outcome == "busy":
        st.warning(tr("robust.busy"))
        return
    if submitted.outcome == "failed":
        st.error(tr("robust.failed"))
        return
    # The page stays on this run (the new one is listed first now): both runs' curves come here.
    st.session_state[keys.DRAW_CHOSEN] = {"run": run_id, "listed": [*manager().store.list(), submitted.run_id]}
    st.rerun()
