"""Demos that train: augmentation (with/without) and the autoencoder, as ordinary runs."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts.identity import nickname
from app_pages.parts.shared import class_names, dataset_label, dataset_name, live_view, manager, plot, tr
from app_pages.parts.widgets import decimal_slider
from lib import charts
from lib.data import datasets, keras_cache
from lib.demos import experiments
from lib.train.run_config import RunConfig


def demo_submit(config: RunConfig) -> str:
    """Queue one run of a demo's experiment; the student who started it owns it."""
    return manager().submit(config, nickname=nickname()).run_id


def preferred_images() -> datasets.DatasetInfo:
    """The image dataset for the demos that need many images (transfer learning, the GAN).

    Fashion-MNIST when it is available offline, else the chosen image dataset, else digits.
    """
    if datasets.REGISTRY["fashion_mnist"].is_cached() or keras_cache.seed_fashion_mnist():
        return datasets.REGISTRY["fashion_mnist"]
    chosen = datasets.REGISTRY[dataset_name()]
    return chosen if chosen.kind == "image" else datasets.REGISTRY[datasets.DEFAULT_DATASET]


def _dataset() -> datasets.DatasetInfo | None:
    info = datasets.REGISTRY[dataset_name()]
    if info.kind != "image":
        st.info(tr("demo.needs_images"))
        return None
    return info


def _settings() -> dict:
    flips = ["", "horizontal", "vertical", "horizontal_and_vertical"]
    flip_labels = {f: tr(f"demo.flip.{f or 'none'}") for f in flips}
    cols = st.columns(5)
    return {
        "mode": cols[0].selectbox(
            tr("demo.flip"), flips, index=1, format_func=flip_labels.__getitem__, key="demo.aug.flip"
        ),
        # Defaults where augmentation wins (measured: see experiments.AUGMENT_DEMO); stronger
        # rotation, zoom or contrast on Fashion-MNIST's upright, centred pictures make it lose.
        "rotation": decimal_slider(cols[1], tr("demo.rotation"), 0.0, 0.5, 0.0, 0.05, key="demo.aug.rot"),
        "zoom": decimal_slider(cols[2], tr("demo.zoom"), 0.0, 0.5, 0.0, 0.05, key="demo.aug.zoom"),
        "translation": decimal_slider(cols[3], tr("demo.translation"), 0.0, 0.5, 0.05, 0.05, key="demo.aug.shift"),
        "contrast": decimal_slider(cols[4], tr("demo.contrast"), 0.0, 0.9, 0.0, 0.05, key="demo.aug.contrast"),
    }


def augmentation() -> None:
    """Sliders for Keras's augmentation layers, a grid of random versions, and the experiment."""
    info = _dataset()
    if info is None:
        return
    settings = _settings()
    st.session_state.setdefault("demo.aug.seed", 0)
    if st.button(tr("demo.aug_new"), key="demo.aug.new"):
        st.session_state["demo.aug.seed"] += 1
    ds = datasets.load(info.name)
    images = datasets.scale_images(ds.x_train[:4], info)
    copies = experiments.augment(images, settings, 6, st.session_state["demo.aug.seed"])
    rows = [np.concatenate([images[i : i + 1], copies[i]]) for i in range(len(images))]
    names = class_names(info.name)
    plot(
        st,
        charts.image_grid(rows, [names[int(y)] for y in ds.y_train[:4]], tr("demo.aug_grid", n=6), 1.0),
        key="demo.aug.grid",
    )
    st.subheader(tr("demo.experiment"))
    a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
    samples = a.number_input(tr("demo.exp_samples"), 100, 5000, 500, 100, key="demo.aug.samples")
    epochs = b.number_input(tr("demo.exp_epochs"), 2, 200, 80, key="demo.aug.epochs")
    configs = experiments.augmentation_configs(
        info.name, info.input_shape, info.num_classes, settings, int(samples), int(epochs)
    )
    if c.button(tr("demo.exp_run"), type="primary", key="demo.aug.run"):
        st.session_state["demo.aug.runs"] = {k: demo_submit(v) for k, v in configs.items()}
    st.caption(tr("demo.exp_note"))
    st.caption(tr("les.aug_when"))  # when the lesson's point holds, and when it does not
    live_view(_experiment_view, lambda: _any_active(st.session_state.get("demo.aug.runs", {}).values()))


def _any_active(run_ids) -> bool:
    return any(manager().is_active(r) for r in run_ids)


def _experiment_view() -> None:
    runs = st.session_state.get("demo.aug.runs")
    if not runs:
        return
    store = manager().store
    histories = {tr(f"demo.{kind}"): store.history(run_id) for kind, run_id in runs.items()}
    states = ", ".join(f"{tr(f'demo.{k}')}: {tr(f'train.state.{store.status(r).state}')}" for k, r in runs.items())
    st.caption(states)
    plot(
        st,
        charts.compare_curves(histories, "val_accuracy", tr("demo.exp_chart"), tr("train.curve.epoch")),
        key="demo.aug.compare",
    )


def autoencoder() -> None:
    """Train a 2-D autoencoder as a run; show reconstructions (with noise) and the latent space."""
    info = _dataset()
    if info is None:
        return
    st.caption(tr("demo.ae_intro"))
    samples = 0 if info.train_size < 5000 else 10000
    config = experiments.autoencoder_config(info.name, info.input_shape, samples, 20 if info.name == "digits" else 8)
    if st.button(tr("demo.ae_train"), type="primary", key="demo.ae.train"):
        st.session_state["demo.ae.run"] = demo_submit(config)
    live_view(lambda: _autoencoder_view(info), lambda: _any_active([st.session_state.get("demo.ae.run", "")]))


def _autoencoder_view(info: datasets.DatasetInfo) -> None:
    run_id = st.session_state.get("demo.ae.run")
    if not run_id:
        return
    store = manager().store
    state = store.status(run_id).state
    if state != "done":
        st.info(tr("demo.waiting", state=tr(f"train.state.{state}")))
        return
    model = _model(run_id, store.model_path(run_id).stat().st_mtime)
    ds = datasets.load(info.name)
    noise = decimal_slider(st, tr("demo.noise"), 0.0, 0.6, 0.0, 0.05, key="demo.ae.noise")
    originals = datasets.scale_images(ds.x_test[:8], info)
    noisy, rebuilt = experiments.reconstruct(model, originals, noise)
    rows = [originals, noisy, rebuilt]
    labels = [tr("demo.ae_original"), tr("demo.ae_noisy"), tr("demo.ae_rebuilt")]
    plot(st, charts.image_grid(rows, labels, tr("demo.ae_rows"), 1.0), key="demo.ae.grid")
    codes = experiments.latent_codes(model, datasets.scale_images(ds.x_test[:1000], info))
    plot(
        st,
        charts.latent_scatter(codes, ds.y_test[:1000].astype(int), class_names(info.name), tr("demo.latent")),
        key="demo.ae.latent",
    )


@st.cache_resource(show_spinner=False, max_entries=2)
def _model(run_id: str, mtime: float):
    from lib.train.evaluation import load_run_model

    return load_run_model(manager().store, run_id)


def gan() -> None:
    """Train a small GAN as a run; watch its losses and its fixed-noise samples per epoch."""
    from lib.demos.gan import gan_config

    info = preferred_images()

    st.caption(tr("demo.gan_intro", dataset=dataset_label(info.name)))
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    epochs = int(
        a.number_input(tr("demo.gan_epochs"), 1, 200, 30 if info.name == "digits" else 10, key="demo.gan.epochs")
    )
    if b.button(tr("demo.gan_train"), type="primary", key="demo.gan.train"):
        samples = 0 if info.train_size < 5000 else 10000
        st.session_state["demo.gan.run"] = demo_submit(gan_config(info.name, samples, epochs))
    live_view(_gan_view, lambda: _any_active([st.session_state.get("demo.gan.run", "")]), 3.0)


def _gan_view() -> None:
    from lib.demos.gan import samples

    run_id = st.session_state.get("demo.gan.run")
    if not run_id:
        return
    store = manager().store
    status = store.status(run_id)
    st.caption(f"`{run_id}` · {tr(f'train.state.{status.state}')}")
    if status.message:
        (st.error if status.state == "failed" else st.info)(tr(f"train.msg.{status.message}", detail=status.detail))
    history = store.history(run_id)
    metrics = history.get("metrics", {})
    if history.get("epoch"):
        curves = {tr("demo.gan_d"): np.array(metrics["d_loss"]), tr("demo.gan_g"): np.array(metrics["g_loss"])}
        epochs = np.array(history["epoch"])
        losses = charts.function_plot(epochs, curves, tr("demo.gan_losses"), tr("train.curve.epoch"))
        plot(st, charts.epoch_axis(losses, len(epochs)), key="demo.gan.loss")
    grids = samples(store, run_id)
    if grids is None:
        return
    epoch = len(grids)
    if len(grids) > 1:
        epoch = st.slider(tr("demo.gan_epoch"), 1, len(grids), len(grids), key="demo.gan.epoch")
    rows = [grids[epoch - 1][i * 8 : (i + 1) * 8] for i in range(2)]
    plot(st, charts.image_grid(rows, ["1–8", "9–16"], tr("demo.gan_grid", epoch=epoch), 1.0), key="demo.gan.grid")
