"""The live parts a lesson step embeds (lesson 1's own, and the training panel every lesson shares).

Each part is ``part(params)``; ``app_pages/lessons.py`` calls the one a step names. They reuse
the other pages' parts (``demo_*``, ``train_tools``) and ``lib`` functions.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import keys
from app_pages.parts.identity import is_teacher, nickname
from app_pages.parts.shared import class_names, dataset_label, lang, live_view, manager, num, plot, session_id, tr
from app_pages.parts.train_tools import show_run
from lib import charts
from lib.data import dataset_views, datasets
from lib.lessons import explain, follow
from lib.lessons.runs import class_results, fit_config, lesson_dataset, my_run, personal_seed
from lib.model.analysis import Target, analyse
from lib.model.presets import PRESETS
from lib.model.spec import sequential


def _dataset(name: str) -> datasets.Dataset | None:
    from app_pages.parts.shared import load_dataset

    return load_dataset(name)


def presenting() -> bool:
    """True in the Lessons page's presenter view."""
    return bool(st.session_state.get(keys.LES_PRESENT))


# --- lesson 1 ---------------------------------------------------------------------------------------------


def keras_datasets(params: dict) -> None:
    """The datasets ``keras.datasets`` ships, with what this machine has offline."""
    offline = set(datasets.offline_available())
    rows = [
        {
            tr("les.col.dataset"): f"keras.datasets.{name}",
            tr("les.col.kind"): tr(f"les.kind.{info.kind}.{info.task}"),
            tr("les.col.shape"): " × ".join(str(d) for d in info.input_shape),
            tr("les.col.classes"): num(info.num_classes) if info.num_classes else "—",
            tr("les.col.train"): num(info.train_size),
            tr("les.col.test"): num(info.test_size),
            tr("les.col.here"): tr("les.yes") if name in offline else tr("les.no"),
        }
        for name, info in datasets.BUILT_IN.items()
        if name != "digits"
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def samples(params: dict) -> None:
    """Samples of every class and the array shapes ``load_data()`` returns."""
    name = params.get("dataset") or lesson_dataset(params["preset"])[0]
    ds = _dataset(name)
    if ds is None:
        return
    st.dataframe(dataset_views.overview_rows(ds, lang()), hide_index=True)
    figures = _figures(name, lang())
    plot(st, _tall(figures["grid"]), key=f"les.samples.{name}")
    st.caption(tr("les.classes", names=", ".join(f"{i} = {n}" for i, n in enumerate(class_names(name)))))


@st.cache_data(show_spinner=False, max_entries=8)
def _figures(name: str, language: str) -> dict:
    ds = datasets.load(name)
    return dataset_views.image_figures(ds, language, list(range(ds.info.num_classes)))


def _tall(fig, height: int | None = None):
    return fig if height is None else fig.update_layout(height=height)


def normalise(params: dict) -> None:
    """The same pixels before and after ``/ 255`` (histograms), and two runs: raw pixels against /255."""
    ds = _dataset(params["dataset"])
    if ds is None:
        return
    pixels = ds.x_train[:500].astype("float32")
    left, right = st.columns(2)
    plot(left, charts.histogram(pixels, tr("les.raw_pixels"), tr("ds.value"), tr("ds.frequency"), bins=64),
         key="les.norm.raw")  # fmt: skip
    plot(right, charts.histogram(pixels / ds.info.pixel_max, tr("les.scaled_pixels"), tr("ds.value"),
                                 tr("ds.frequency"), bins=64), key="les.norm.scaled")  # fmt: skip
    st.markdown(tr("les.norm_range", low=num(pixels.min()), high=num(pixels.max()), mean=num(pixels.mean(), 1),
                   mean_scaled=num(pixels.mean() / ds.info.pixel_max, 3)))  # fmt: skip
    st.subheader(tr("les.norm_compare"))
    epochs, samples_n = params.get("epochs", 3), params.get("samples", 12000)
    st.caption(tr("les.norm_compare_help", epochs=epochs, samples=num(samples_n)))
    st.caption(tr("les.norm_measured"))
    configs = {
        "raw": fit_config(params["preset"], epochs=epochs, samples=samples_n, raw_pixels=True),
        "scaled": fit_config(params["preset"], epochs=epochs, samples=samples_n),
    }
    if st.button(tr("les.norm_run"), key="les.norm.run"):
        st.session_state["les.norm.runs"] = {
            k: manager().submit(c, owner=session_id(), exclusive=False, nickname=nickname()).run_id
            for k, c in configs.items()
        }
    runs = st.session_state.get("les.norm.runs")
    if runs:
        live_view(lambda: _compare(runs), lambda: any(manager().is_active(r) for r in runs.values()))


def _compare(runs: dict[str, str]) -> None:
    store = manager().store
    histories = {tr(f"les.norm.{k}"): store.history(r) for k, r in runs.items()}
    plot(st, charts.compare_curves(histories, "val_accuracy", tr("les.norm_chart"), tr("train.curve.epoch")),
         key="les.norm.chart")  # fmt: skip
    finals = []
    for kind, run_id in runs.items():
        values = store.history(run_id).get("metrics", {}).get("val_accuracy") or []
        state = tr(f"train.state.{store.status(run_id).state}")
        finals.append(f"{tr(f'les.norm.{kind}')}: {num(values[-1], 3) if values else '—'} ({state})")
    st.markdown(" · ".join(finals))


def summary(params: dict) -> None:
    """The lesson network's layers: output shapes and parameters (the app's reading of ``model.summary()``)."""
    if "layers" in params:  # a network of the lesson's text, not one of the lesson presets
        spec = sequential(tuple(params["shape"]), *[(n, c) for n, c in params["layers"]], name=params["name"])
        analysis = analyse(spec, Target("classes", 10))
    else:
        preset = PRESETS[params["preset"]]
        info = datasets.REGISTRY[lesson_dataset(preset.id)[0]]
        spec = preset.spec(info.input_shape)
        analysis = analyse(spec, preset.target(info.num_classes))
    rows = [
        {
            tr("les.col.layer"): f"{r.id} ({r.class_name})",
            tr("les.col.output"): "(None, " + ", ".join(str(d) for d in r.output_shape or ()) + ")",
            tr("les.col.params"): num(r.params),
        }
        for r in analysis.rows
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.markdown(tr("les.total_params", n=num(analysis.total_params)))


def flatten(params: dict) -> None:
    """One image as its 28 × 28 grid and as the 784 numbers Flatten makes of it."""
    ds = _dataset(params["dataset"])
    if ds is None:
        return
    index = st.slider(tr("les.image"), 0, 99, 0, key="les.flatten.i")
    image = datasets.scale_images(ds.x_test[index : index + 1], ds.info)[0, ..., 0]
    left, right = st.columns([1, 2])
    plot(left, charts.model_view(image, tr("les.grid", rows=image.shape[0], cols=image.shape[1]), height=300),
         key="les.flatten.grid")  # fmt: skip
    vector = image.reshape(-1)
    fig = charts.function_plot(np.arange(vector.size), {tr("les.pixel"): vector}, tr("les.vector", n=num(vector.size)),
                               tr("les.position"))  # fmt: skip
    plot(right, fig, key="les.flatten.vector")
    st.markdown(tr("les.flatten_line", rows=image.shape[0], cols=image.shape[1], n=num(vector.size)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _run_model(run_id: str, mtime: float):
    from lib.train.evaluation import load_run_model

    return load_run_model(manager().store, run_id)


def lesson_run(preset_id: str) -> str | None:
    """The run of ``preset_id`` this student trained in the lesson (or earlier), if it has a saved model."""
    store = manager().store
    run_id = st.session_state.get(f"les.run.{preset_id}") or my_run(store, preset_id, nickname())
    return run_id if run_id and store.best_model_path(run_id) else None


def _model_of(run_id: str):
    path = manager().store.best_model_path(run_id)
    return _run_model(run_id, path.stat().st_mtime)


def dense(params: dict) -> None:
    """``activation(dot(input, kernel) + bias)`` on one real input, with the trained (or starting) weights."""
    ds = _dataset(params["dataset"])
    if ds is None:
        return
    index = st.slider(tr("les.image"), 0, 99, 0, key="les.dense.i")
    x = datasets.scale_images(ds.x_test[index : index + 1], ds.info).reshape(-1)
    run_id = lesson_run(params["preset"])
    if run_id:
        layer = next(layer for layer in _model_of(run_id).layers if layer.__class__.__name__ == "Dense")
        kernel, bias = (np.asarray(w) for w in layer.get_weights())
        st.caption(tr("les.dense_trained", run=run_id))
    else:
        kernel, bias = explain.glorot_uniform(x.size, 256), np.zeros(256, "float32")
        st.caption(tr("les.dense_initial"))
    step = explain.dense_step(x, kernel, bias)
    st.markdown(tr("les.dense_shapes", n_in=num(x.size), units=num(kernel.shape[1]), active=num(step.active)))
    u = step.unit
    terms = " + ".join(f"{num(x[i], 2)}·{num(kernel[i, u], 3)}" for i in step.term_index[:3])
    st.markdown(tr("les.dense_unit", unit=u, terms=terms, dot=num(step.dot[u], 3), bias=num(bias[u], 3),
                   pre=num(step.pre[u], 3), out=num(step.out[u], 3)))  # fmt: skip
    shown = 32
    curves = {tr("les.before_relu"): step.pre[:shown], tr("les.after_relu"): step.out[:shown]}
    plot(st, charts.function_plot(np.arange(shown), curves, tr("les.dense_chart", n=shown), tr("les.unit")),
         key="les.dense.chart")  # fmt: skip


def dropout(params: dict) -> None:
    """The Demos page's dropout explainer, starting at the lesson's rate."""
    from app_pages.parts.demo_explainers import dropout_demo

    dropout_demo(float(params.get("rate", 0.2)))


def compile_part(params: dict) -> None:
    """The three compile arguments of the lesson, and the labels the loss reads (whole numbers, not one-hot)."""
    preset = PRESETS[params["preset"]]
    c = preset.settings().compile
    rows = [
        {tr("les.col.argument"): "optimizer", tr("les.col.value"): f"{c.optimizer.lower()} (learning_rate "
         f"{num(c.optimizer_params.get('learning_rate', 0.001), 3)})", tr("les.col.why"): tr("les.why.optimizer")},
        {tr("les.col.argument"): "loss", tr("les.col.value"): c.loss, tr("les.col.why"): tr("les.why.loss")},
        {tr("les.col.argument"): "metrics", tr("les.col.value"): str(c.metrics),
         tr("les.col.why"): tr("les.why.metrics")},
    ]  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    dataset, _ = lesson_dataset(preset.id)
    ds = _dataset(dataset)
    if ds is not None:
        labels = [int(v) for v in ds.y_train[:8]]
        st.markdown(tr("les.labels_are", labels=", ".join(map(str, labels))))


# --- training inside a step (every lesson) ------------------------------------------------------------------


def _settings(preset_id: str, default_epochs: int) -> dict:
    """The step's own settings: the lesson's by default, free to try (epochs, training images, seed).

    The presenter view hides them (the lesson's settings, the student's seed).
    """
    if presenting():
        return {"epochs": default_epochs, "samples": 0, "seed": personal_seed(nickname())}
    with st.expander(tr("les.try_settings")):
        a, b, c = st.columns(3)
        epochs = a.number_input(tr("train.epochs"), 1, 200, default_epochs, key=f"les.{preset_id}.epochs")
        samples_n = b.number_input(tr("les.samples_n"), 0, 70000, 0, 500, key=f"les.{preset_id}.samples",
                                   help=tr("les.samples_help"))  # fmt: skip
        seed = c.number_input(tr("train.seed"), 0, 10**6, personal_seed(nickname()), key=f"les.{preset_id}.seed",
                              help=tr("les.seed_help"))  # fmt: skip
    return {"epochs": int(epochs), "samples": int(samples_n), "seed": int(seed)}


def train_panel(
    preset_id: str, default_epochs: int | None = None, key: str = "", changes: dict | None = None
) -> str | None:
    """A Train button for the step's network (an ordinary run of this student), its live curves, the class's results.

    ``changes`` are the lesson's own settings over the preset's (``loss``, fit settings).
    """
    preset = PRESETS[preset_id]
    epochs = default_epochs or preset.settings().fit.epochs
    dataset, stand_in = lesson_dataset(preset_id)
    if stand_in:
        st.info(tr("les.stand_in", dataset=dataset_label(preset.dataset), other=dataset_label(dataset)))
    chosen = _settings(preset_id + key, epochs)
    config = fit_config(preset_id, **chosen, **(changes or {}))
    run_key = f"les.run.{preset_id}"
    if st.button(tr("les.train"), type="primary", key=f"les.train.{preset_id}{key}"):
        submitted = manager().submit(config, owner=session_id(), nickname=nickname())
        st.session_state[run_key] = submitted.run_id
        if submitted.outcome == "busy":
            st.info(tr("les.busy"))
        elif submitted.outcome == "cached":
            st.success(tr("les.cached"))
    run_id = st.session_state.get(run_key) or my_run(manager().store, preset_id, nickname())
    if run_id and manager().store.exists(run_id):
        live_view(lambda: show_run(run_id, with_controls=True), lambda: manager().is_active(run_id), 1.0)
    class_panel(preset_id)
    return run_id


def class_panel(preset_id: str) -> None:
    """Everyone's result of this step's network (nickname, best validation, state): live for a teacher.

    A table of text (not a canvas grid), so it reads on a projector. A teacher's view polls every
    2 s (a student may start a run at any moment); a student's while a run of the step trains.
    """
    store = manager().store

    def _render() -> None:
        rows = class_results(store, preset_id)
        st.markdown(f"**{tr('les.class_results', n=len(rows))}**")
        if not rows:
            st.caption(tr("les.class_none"))
            return
        st.table([_result_row(r) for r in rows])
        if is_teacher():
            names = [r["nickname"] for r in rows]
            a, b = st.columns([3, 1], vertical_alignment="bottom")
            who = a.selectbox(tr("les.project_who"), names, key=f"les.project.{preset_id}")
            if b.button(tr("les.project"), key=f"les.project_btn.{preset_id}"):
                follow.set_projected(who)
        projected = (follow.teacher_step() or {}).get("projected")
        if chosen := next((r for r in rows if r["nickname"] == projected), None):
            st.success(tr("les.projected", nick=chosen["nickname"], metric=chosen["metric"] or "—",
                          value=num(chosen["value"], 3) if chosen["value"] is not None else "—"))  # fmt: skip
            show_run(chosen["run"], with_controls=False, place="projected")  # (may be this student's own)

    if is_teacher():
        st.fragment(run_every=2)(_render)()
    else:
        live_view(_render, lambda: any(manager().is_active(r["run"]) for r in class_results(store, preset_id)), 2.0)


def _result_row(r: dict) -> dict[str, str]:
    return {
        tr("les.col.student"): r["nickname"],
        tr("les.col.best"): f"{r['metric']} {num(r['value'], 3)}" if r["value"] is not None else "—",
        tr("les.col.epochs"): num(r["epochs"]),
        tr("les.col.state"): tr(f"train.state.{r['state']}"),
    }


def fit(params: dict) -> None:
    """Train the lesson's network in the step."""
    train_panel(params["preset"], params.get("epochs"))


def _need_run(preset_id: str) -> str | None:
    run_id = lesson_run(preset_id)
    if run_id is None:
        st.info(tr("les.train_first"))
        train_panel(preset_id, key=".here")
    return run_id


def overfitting(params: dict) -> None:
    """The fit step's curves read epoch by epoch (the gap), and the same network trained longer."""
    run_id = _need_run(params["preset"])
    if run_id is None:
        return
    _gap_table(run_id)
    longer = int(params.get("longer", 20))
    st.subheader(tr("les.longer", epochs=longer))
    mine = manager().store.config(run_id)
    config = fit_config(params["preset"], seed=mine.fit.seed, epochs=longer, samples=mine.train_samples)
    if st.button(tr("les.train_longer", epochs=longer), key="les.longer"):
        st.session_state["les.longer_run"] = manager().submit(config, owner=session_id(), nickname=nickname()).run_id
    other = st.session_state.get("les.longer_run")
    if other:
        live_view(lambda: (show_run(other, with_controls=False, place="longer"), _gap_table(other)),
                  lambda: manager().is_active(other))  # fmt: skip
    else:
        show_run(run_id, with_controls=False)


def _gap_table(run_id: str) -> None:
    metrics = manager().store.history(run_id).get("metrics", {})
    train, val = metrics.get("accuracy") or [], metrics.get("val_accuracy") or []
    rows = [
        {tr("train.curve.epoch"): i + 1, tr("les.col.train_acc"): num(a, 3), tr("les.col.val_acc"): num(v, 3),
         tr("les.col.gap"): num(a - v, 3)}
        for i, (a, v) in enumerate(zip(train, val))
    ]  # fmt: skip
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
        best = int(np.argmax(val)) + 1
        st.markdown(tr("les.gap_read", best=best, epochs=len(val), gap=num(train[-1] - val[-1], 3)))


def predict(params: dict) -> None:
    """``predict`` on a chosen test image: the 10 probabilities, their sum, and ``argmax``."""
    from lib.infer.predict import Predictor

    run_id = _need_run(params["preset"])
    if run_id is None:
        return
    store = manager().store
    config = store.config(run_id)
    ds = _dataset(config.dataset)
    if ds is None:
        return
    index = st.number_input(tr("les.test_image"), 0, len(ds.y_test) - 1, 0, key="les.predict.i")
    x = datasets.scale_images(ds.x_test[index : index + 1], ds.info)
    probabilities = Predictor(_model_of(run_id)).probabilities(x)
    names = class_names(config.dataset)
    top, truth = int(probabilities.argmax()), int(ds.y_test[index])
    left, right = st.columns([1, 2])
    plot(left, charts.model_view(x[0, ..., 0], tr("les.test_title", i=index, label=names[truth])), key="les.pred.img")
    plot(right, charts.probability_bars(probabilities, names, tr("les.probabilities"), top), key="les.pred.bars")
    verdict = tr("les.right") if top == truth else tr("les.wrong")
    st.markdown(tr("les.argmax", top=top, name=names[top], p=num(100 * probabilities[top], 1),
                   total=num(probabilities.sum(), 3), truth=names[truth], verdict=verdict))  # fmt: skip


def draw(params: dict) -> None:
    """A drawing canvas; the drawing made into the model's input and its probabilities after each stroke."""
    from streamlit_drawable_canvas import st_canvas

    from lib.infer.drawing import prepare_drawing
    from lib.infer.predict import Predictor

    run_id = _need_run(params["preset"])
    if run_id is None:
        return
    config = manager().store.config(run_id)
    info = datasets.REGISTRY[config.dataset]
    left, right = st.columns([1, 2])
    with left:
        canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=280,
                           width=280, drawing_mode="freedraw", return_image_data=True,
                           key=f"les.canvas.{st.session_state.setdefault('les.clears', 0)}")  # fmt: skip
    if left.button(tr("draw.clear"), key="les.clear"):
        st.session_state["les.clears"] += 1
        st.rerun()
    prepared = prepare_drawing(canvas.image_data, info) if canvas.image_data is not None else None
    if prepared is None:
        right.info(tr("draw.empty"))
        return
    probabilities = Predictor(_model_of(run_id)).probabilities(prepared.x)
    names = class_names(info.name)
    top = int(probabilities.argmax())
    plot(right, charts.model_view(prepared.view, tr("draw.seen", side=info.input_shape[0]), height=240),
         key="les.draw.view")  # fmt: skip
    st.markdown("#### " + tr("draw.answer", label=names[top], p=num(100 * probabilities[top], 1)))
    plot(st, charts.probability_bars(probabilities, names, tr("les.probabilities"), top), key="les.draw.bars")


PARTS = {
    "keras_datasets": keras_datasets,
    "samples": samples,
    "normalise": normalise,
    "summary": summary,
    "flatten": flatten,
    "dense": dense,
    "dropout": dropout,
    "compile": compile_part,
    "fit": fit,
    "overfitting": overfitting,
    "predict": predict,
    "draw": draw,
}
