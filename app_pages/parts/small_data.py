"""Training page part: with few pictures per class, the lessons' two remedies, one click each.

Augmentation adds the registry's random layers in front of the model (Sequential models);
transfer learning starts from the trained layers of an earlier run on another dataset
whose network begins the same way (``init_from`` in the run's config).
"""

from __future__ import annotations

import streamlit as st

from app_pages.parts.arch_editor import forget_widgets
from app_pages.parts.shared import dataset_label, manager, num, tr
from lib.data import datasets
from lib.data.datasets import DatasetInfo
from lib.demos.experiments import AUGMENT_DEFAULTS, augmentation_layers
from lib.model.spec import ModelSpec, Node
from lib.train.run_views import best_validation
from lib.train.transfer import init_from, is_small, per_class, transfer_sources


def small_data_panel(spec: ModelSpec, info: DatasetInfo, samples: int) -> dict | None:
    """The remedies for a small image dataset; returns the run's ``init_from`` when one was chosen."""
    if info.kind != "image" or not info.is_classification or not is_small(samples, info.num_classes):
        return None
    with st.expander(tr("small.title", n=num(per_class(samples, info.num_classes))), expanded=True,
                     icon=":material/lightbulb:"):  # fmt: skip
        st.markdown(tr("small.intro"))
        left, right = st.columns(2, gap="large")
        _augmentation(left, spec)
        return _transfer(right, spec, info)


def _augmentation(where, spec: ModelSpec) -> None:
    where.markdown(f"**{tr('small.augment')}**")
    where.caption(tr("small.augment_help"))
    if any(node.class_name.startswith("Random") for node in spec.nodes):
        where.success(tr("small.augment_has"))
    elif spec.mode != "sequential":
        where.caption(tr("small.augment_functional"))
    else:
        where.button(tr("small.augment_add"), key="small.augment", on_click=_add_augmentation, args=(spec,))


def _add_augmentation(spec: ModelSpec) -> None:
    for class_name, config in reversed(augmentation_layers(AUGMENT_DEFAULTS)):
        spec.nodes.insert(0, Node(spec.new_id(class_name), class_name, config))
    forget_widgets()


def _transfer(where, spec: ModelSpec, info: DatasetInfo) -> dict | None:
    where.markdown(f"**{tr('small.transfer')}**")
    store = manager().store
    sources = transfer_sources(store, spec, info.name)
    if not sources:
        same = [n for n, other in datasets.BUILT_IN.items() if other.input_shape == info.input_shape]
        if same:  # the same network trained there can hand its layers over (one that works offline first)
            suggested = next((n for n in same if datasets.BUILT_IN[n].is_cached()), same[0])
            where.caption(tr("small.transfer_none", model=spec.name, dataset=dataset_label(suggested)))
        else:
            where.caption(tr("small.transfer_shape", shape=" × ".join(map(str, info.input_shape))))
        return None
    labels = {"": tr("small.transfer_no"), **{run_id: _run_label(run_id) for run_id in sources}}
    base = where.selectbox(tr("small.transfer_from"), list(labels), format_func=labels.__getitem__, key="small.base")
    if not base:
        where.caption(tr("small.transfer_help"))
        return None
    freeze = where.toggle(tr("small.freeze"), value=True, key="small.freeze", help=tr("small.freeze_help"))
    where.caption(tr("small.transfer_layers", layers=", ".join(sources[base])))
    return init_from(base, sources[base], freeze)


def _run_label(run_id: str) -> str:
    store = manager().store
    config = store.config(run_id)
    metric, value = best_validation(store.history(run_id))
    score = f" · {metric} {num(value, 3)}" if value is not None else ""
    return f"{config.model_name} · {dataset_label(config.dataset)}{score} · {run_id[:8]}"
