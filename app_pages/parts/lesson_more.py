"""The live parts of lessons 2-5, mostly the Demos and Experiments pages' own parts (added to ``PARTS``)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import demo_experiments, demo_explainers, demo_playground, demo_transfer
from app_pages.parts.identity import nickname
from app_pages.parts.lesson_parts import PARTS, _gap_table, lesson_run, train_panel
from app_pages.parts.shared import class_names, lang, live_view, manager, num, plot, session_id, tr
from app_pages.parts.train_tools import show_run
from lib import charts
from lib.data import datasets
from lib.i18n import pick
from lib.lessons import explain
from lib.lessons.runs import fit_config, lesson_dataset
from lib.model.analysis import analyse
from lib.model.compile_registry import LOSSES
from lib.model.presets import PRESETS
from lib.train.run_config import RunConfig
from lib.train.run_views import report_rows


def playground(params: dict) -> None:
    """The 2-D playground (a perceptron or a small MLP learning to split points)."""
    demo_playground.playground(default_model=params.get("model", "perceptron"))


def activations(params: dict) -> None:
    """The activations and softmax explainer."""
    demo_explainers.activations()


def backprop(params: dict) -> None:
    """One update of a two-weight network, the gradients computed from the back."""
    a, b = st.columns(2)
    w1 = a.slider("w1", -2.0, 2.0, 0.5, 0.1, key="les.bp.w1")
    w2 = b.slider("w2", -2.0, 2.0, -0.3, 0.1, key="les.bp.w2")
    e = explain.backprop_example(w1=w1, w2=w2)
    n = lambda v: num(v, 3)  # noqa: E731
    st.markdown(tr("les.bp_forward", x=n(e["x"]), w1=n(w1), h=n(e["h"]), w2=n(w2), out=n(e["out"]), y=n(e["y"]),
                   loss=n(e["loss"])))  # fmt: skip
    rows = [
        {tr("les.col.order"): 1, tr("les.col.gradient"): "∂L/∂out = 2(out − y)", tr("les.col.value"): n(e["d_out"])},
        {tr("les.col.order"): 2, tr("les.col.gradient"): "∂L/∂w2 = ∂L/∂out · h", tr("les.col.value"): n(e["d_w2"])},
        {tr("les.col.order"): 3, tr("les.col.gradient"): "∂L/∂h = ∂L/∂out · w2", tr("les.col.value"): n(e["d_h"])},
        {tr("les.col.order"): 4, tr("les.col.gradient"): "∂L/∂w1 = ∂L/∂h · h(1 − h) · x",
         tr("les.col.value"): n(e["d_w1"])},
    ]  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    st.markdown(tr("les.bp_update", lr=num(e["lr"], 1), w1=n(e["new_w1"]), w2=n(e["new_w2"]), loss=n(e["loss"]),
                   new_loss=n(e["new_loss"])))  # fmt: skip


def split(params: dict) -> None:
    """The lesson's pooled 75/25 split, class by class."""
    dataset, stand_in = lesson_dataset(params["preset"])
    if stand_in:
        st.info(tr("les.stand_in", dataset="MNIST", other=datasets.REGISTRY[dataset].name))
    counts = _split_counts(dataset, float(params["test_fraction"]))
    names = class_names(dataset)
    chart = charts.class_balance({tr("ds.train"): counts[0], tr("ds.test"): counts[1]}, names, tr("les.split_chart"),
                                 tr("ds.count"))  # fmt: skip
    plot(st, chart, key="les.split.chart")
    st.markdown(tr("les.split_line", total=num(counts[0].sum() + counts[1].sum()), train=num(counts[0].sum()),
                   test=num(counts[1].sum())))  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=4)
def _split_counts(dataset: str, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    pooled = datasets.repool(datasets.load(dataset), fraction)
    n = pooled.info.num_classes
    return datasets.class_counts(pooled.y_train, n), datasets.class_counts(pooled.y_test, n)


def onehot(params: dict) -> None:
    """A label and its one-hot vector."""
    label = st.slider(tr("les.label"), 0, 9, 4, key="les.onehot")
    vector = explain.one_hot(label)
    st.markdown(f"### {label} = [{','.join(map(str, vector))}]")
    st.dataframe([{str(i): v for i, v in enumerate(vector)}], hide_index=True)


def crossentropy(params: dict) -> None:
    """categorical_crossentropy of a few answers for the true class 4."""
    rows = []
    for p in (0.9, 0.5, 0.1):
        rows.append({tr("les.col.p_right"): num(p, 1), "categorical_crossentropy": num(explain.crossentropy(p), 3)})
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(tr("les.ce_note"))


def fit3(params: dict) -> None:
    """The class's short fit of the sigmoid MLP (75/25, categorical cross-entropy), and the lesson's 100 epochs."""
    lesson_changes = {"loss": "categorical_crossentropy", "test_fraction": 0.25}
    train_panel(params["preset"], params["epochs"], changes=lesson_changes)
    long_epochs = int(params["lesson_epochs"])
    st.subheader(tr("les.lesson_run", epochs=long_epochs))
    config = fit_config(params["preset"], epochs=long_epochs, **lesson_changes)
    run_id = _config_run(config)
    if st.button(tr("les.lesson_run_start", epochs=long_epochs), key="les.fit3.long"):
        run_id = manager().submit(config, owner=session_id(), exclusive=False, nickname=nickname()).run_id
    if run_id:
        live_view(lambda: show_run(run_id, with_controls=False, place="lesson_run"),
                  lambda: manager().is_active(run_id), 2.0)  # fmt: skip
    else:
        st.caption(tr("les.lesson_run_none"))


def _config_run(config: RunConfig) -> str | None:
    from lib.train.runstore import config_hash

    run_id = config_hash(config)
    return run_id if manager().store.exists(run_id) else None


def curves3(params: dict) -> None:
    """The student's run's accuracy and loss curves, with the gap per epoch."""
    run_id = lesson_run(params["preset"])
    if run_id is None:
        st.info(tr("les.train_first"))
        train_panel(params["preset"], 10, key=".here", changes={"loss": "categorical_crossentropy",
                                                                "test_fraction": 0.25})  # fmt: skip
        return
    show_run(run_id, with_controls=False)
    _gap_table(run_id)


def report(params: dict) -> None:
    """The classification report of the student's run (test set), beside the lesson's 92 %."""
    from lib.train.evaluation import evaluate

    run_id = lesson_run(params["preset"])
    st.metric(tr("les.lesson_accuracy"), f"{num(params['lesson_accuracy'])} %")
    if run_id is None:
        st.info(tr("les.train_first"))
        return
    result = evaluate(manager().store, run_id)
    config = manager().store.config(run_id)
    accuracy = result.get("metrics", {}).get("accuracy")
    if accuracy is not None:
        st.metric(tr("les.your_accuracy", epochs=config.fit.epochs), f"{num(100 * accuracy, 1)} %")
    if "report" in result:
        st.dataframe(report_rows(result["report"], class_names(config.dataset), lang()), hide_index=True)


def networks(params: dict) -> None:
    """The lessons' networks, by depth: layers and parameters."""
    rows = []
    for preset in PRESETS.values():
        info = datasets.BUILT_IN[preset.dataset]
        analysis = analyse(preset.spec(info.input_shape), preset.target(info.num_classes))
        rows.append({tr("les.col.network"): pick(preset.title, lang()), tr("les.col.layers"): len(analysis.rows),
                     tr("les.col.params"): analysis.total_params})  # fmt: skip
    rows.sort(key=lambda r: r[tr("les.col.layers")])
    for row in rows:
        row[tr("les.col.params")] = num(row[tr("les.col.params")])
    st.dataframe(rows, hide_index=True, width="stretch")


def dense_params(params: dict) -> None:
    """(inputs + 1) × units for sizes the student picks."""
    a, b = st.columns(2)
    inputs = a.number_input(tr("les.inputs"), 1, 100000, 784, key="les.dp.in")
    units = b.number_input(tr("les.units"), 1, 10000, 256, key="les.dp.units")
    st.markdown(tr("les.dense_params", inputs=num(inputs), units=num(units),
                   params=num(explain.dense_params(int(inputs), int(units)))))  # fmt: skip


def batchnorm(params: dict) -> None:
    """One batch of activations before and after batch normalisation."""
    values = np.random.default_rng(3).gamma(2.0, 3.0, (64, 4)) + 5
    after = explain.batch_norm(values)
    left, right = st.columns(2)
    plot(left, charts.histogram(values, tr("les.bn_before"), tr("ds.value"), tr("ds.frequency"), 30), key="les.bn.a")
    plot(right, charts.histogram(after, tr("les.bn_after"), tr("ds.value"), tr("ds.frequency"), 30), key="les.bn.b")
    st.markdown(tr("les.bn_line", mean=num(values.mean(), 2), std=num(values.std(), 2), mean2=num(after.mean(), 2),
                   std2=num(after.std(), 2)))  # fmt: skip


def regression_losses(params: dict) -> None:
    """Each regression loss for one true value, as the prediction moves."""
    true = float(params.get("true", 10))
    predicted = np.linspace(0, 2 * true, 201)
    curves = explain.regression_losses(true, predicted)
    curves["mean_absolute_percentage_error"] = curves["mean_absolute_percentage_error"] / 10  # same scale
    names = {k: k.replace("mean_absolute_percentage_error", "mape / 10") for k in curves}
    plot(st, charts.function_plot(predicted, {names[k]: v for k, v in curves.items()}, tr("les.reg_chart", y=num(true)),
                                  tr("les.prediction")), key="les.reg.chart")  # fmt: skip


def classification_losses(params: dict) -> None:
    """The classification losses the app trains with, and the cross-entropy curve."""
    rows = [{tr("les.col.loss"): name, tr("les.col.why"): pick(loss.help, lang())}
            for name, loss in LOSSES.items() if loss.task == "classification"]  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    p = np.linspace(0.01, 1, 100)
    plot(st, charts.function_plot(p, {"−log(p)": explain.crossentropy(p)}, tr("les.ce_chart"), tr("les.p_right")),
         key="les.ce.chart")  # fmt: skip


def _method_base(preset_id: str) -> RunConfig:
    return fit_config(preset_id)


def baseline(params: dict) -> None:
    """The Experiments page's baseline panel, on the digits network."""
    from app_pages.parts.experiment_tools import baseline_panel

    baseline_panel(_method_base(params["preset"]))


def splits(params: dict) -> None:
    """Training, validation and test counts of the lesson network's run."""
    dataset, _ = lesson_dataset(params["preset"])
    info = datasets.REGISTRY[dataset]
    val = PRESETS[params["preset"]].settings().fit.validation_split
    train = int(info.train_size * (1 - val))
    counts = {tr("ds.train"): train, tr("les.validation"): info.train_size - train, tr("ds.test"): info.test_size}
    st.dataframe([{k: num(v) for k, v in counts.items()}], hide_index=True)
    plot(st, charts.class_balance({"": np.array(list(counts.values()))}, list(counts), tr("les.splits_chart"),
                                  tr("ds.count")), key="les.splits.chart")  # fmt: skip


def augmentation(params: dict) -> None:
    """The Demos page's augmentation explainer and its with/without experiment."""
    demo_experiments.augmentation()


def transfer(params: dict) -> None:
    """The Demos page's transfer-learning chain."""
    demo_transfer.transfer()


def sweep(params: dict) -> None:
    """The Experiments page's sweep panel, on the digits network."""
    from app_pages.parts.sweep_tools import sweep_panel

    sweep_panel(_method_base(params["preset"]))


def folds(params: dict) -> None:
    """The Experiments page's cross-validation panel, on the digits network."""
    from app_pages.parts.experiment_tools import folds_panel

    folds_panel(_method_base(params["preset"]))


def imbalance(params: dict) -> None:
    """The Experiments page's imbalanced-classes panel, on the digits network."""
    from app_pages.parts.experiment_tools import imbalance_panel

    base = _method_base(params["preset"])
    imbalance_panel(base, base.dataset)


PARTS.update({
    "playground": playground,
    "activations": activations,
    "backprop": backprop,
    "split": split,
    "onehot": onehot,
    "crossentropy": crossentropy,
    "fit3": fit3,
    "curves3": curves3,
    "report": report,
    "convolution": lambda params: demo_explainers.convolution(),
    "pooling": lambda params: demo_explainers.pooling(),
    "networks": networks,
    "gan": lambda params: demo_experiments.gan(),
    "autoencoder": lambda params: demo_experiments.autoencoder(),
    "dense_params": dense_params,
    "batchnorm": batchnorm,
    "regression_losses": regression_losses,
    "classification_losses": classification_losses,
    "baseline": baseline,
    "splits": splits,
    "augmentation": augmentation,
    "transfer": transfer,
    "sweep": sweep,
    "folds": folds,
    "imbalance": imbalance,
})  # fmt: skip
