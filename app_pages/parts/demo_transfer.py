"""Demo: transfer learning as four ordinary runs (task A, then three ways to learn task B)."""

from __future__ import annotations

import streamlit as st

from app_pages.parts.demo_experiments import demo_submit, preferred_images
from app_pages.parts.shared import class_names, dataset_label, live_view, manager, num, plot, tr
from lib import charts
from lib.demos import pretrained
from lib.demos.experiments import transfer_configs
from lib.train.evaluation import evaluate

WAYS = ("scratch", "frozen", "finetune")


def transfer() -> None:
    """Settings, the run chain, and the comparison."""
    info = preferred_images()
    names = class_names(info.name)
    half = info.num_classes // 2
    st.markdown(
        tr("demo.tl_intro", dataset=dataset_label(info.name), a=", ".join(names[:half]), b=", ".join(names[half:]))
    )
    if info.input_shape[0] < 16:
        st.caption(tr("demo.tl_small_images"))
    a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
    samples = int(a.number_input(tr("demo.tl_samples"), 20, 2000, 100, 10, key="demo.tl.samples"))
    epochs = int(b.number_input(tr("demo.tl_epochs"), 2, 100, 20, key="demo.tl.epochs"))
    base_samples = 8000 if info.train_size > 8000 else 0
    plan = {
        "dataset": info.name,
        "shape": info.input_shape,
        "classes": info.num_classes,
        "samples": samples,
        "epochs": epochs,
        "base_samples": base_samples,
        "base_epochs": 4 if base_samples else epochs,
    }
    if c.button(tr("demo.tl_run"), type="primary", key="demo.tl.run"):
        configs = transfer_configs(
            info.name,
            info.input_shape,
            info.num_classes,
            samples,
            epochs,
            base_samples=base_samples,
            base_epochs=plan["base_epochs"],
        )
        st.session_state["demo.tl"] = {"plan": plan, "runs": {"base": demo_submit(configs["base"])}}
    st.caption(tr("les.tl_when"))  # when the lesson's point holds, and when it does not
    _mobilenet_note()
    live_view(_progress, _chain_busy)


def _chain_busy() -> bool:
    """True until all four runs exist and none of them is queued or running."""
    state = st.session_state.get("demo.tl")
    if not state:
        return False
    runs = state["runs"]
    if len(runs) < 4:  # task B starts once task A is done; a failed task A ends the chain
        return manager().store.status(runs["base"]).state in ("queued", "running", "done")
    return any(manager().is_active(r) for r in runs.values())


def _mobilenet_note() -> None:
    st.caption(tr("demo.mobilenet_present", file=pretrained.WEIGHTS_FILE) if pretrained.available()
               else tr("demo.mobilenet_missing", file=pretrained.WEIGHTS_FILE))  # fmt: skip


def _progress() -> None:
    state = st.session_state.get("demo.tl")
    if not state:
        return
    store, runs, plan = manager().store, state["runs"], state["plan"]
    if "scratch" not in runs and store.status(runs["base"]).state == "done":
        configs = transfer_configs(
            plan["dataset"],
            plan["shape"],
            plan["classes"],
            plan["samples"],
            plan["epochs"],
            base_run=runs["base"],
            base_samples=plan["base_samples"],
            base_epochs=plan["base_epochs"],
        )
        runs.update({way: demo_submit(configs[way]) for way in WAYS})
        if pretrained.available():  # a fourth way: real ImageNet features (MobileNetV2), frozen
            half = plan["classes"] // 2
            config = pretrained.pretrained_config(plan["dataset"], list(range(half, plan["classes"])), plan["samples"],
                                                  plan["epochs"])  # fmt: skip
            runs["imagenet"] = demo_submit(config)
    ways = [way for way in (*WAYS, "imagenet") if way in runs or way in WAYS]
    labels = {"base": tr("demo.tl_base"), **{way: tr(f"demo.tl.{way}") for way in ways}}
    st.caption(" · ".join(f"{labels[k]}: {tr(f'train.state.{store.status(r).state}')}" for k, r in runs.items()))
    histories = {labels[way]: store.history(runs[way]) for way in ways if way in runs}
    if histories:
        plot(
            st,
            charts.compare_curves(histories, "val_accuracy", tr("demo.tl_chart"), tr("train.curve.epoch")),
            key="demo.tl.chart",
        )
    if all(way in runs and store.status(runs[way]).state == "done" for way in ways):
        rows = [
            {tr("demo.tl_way"): labels[way], tr("demo.tl_accuracy"): num(evaluate(store, runs[way])["accuracy"], 3)}
            for way in ways
        ]
        st.markdown(f"**{tr('demo.tl_table')}**")
        st.dataframe(rows, hide_index=True)
