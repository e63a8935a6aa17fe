"""Page parts that look inside a trained network (Draw, Runs, Experiments pages).

What it looks at (a heatmap over the input), every layer's output, the learned filters, the
embedding projector, and a confusion matrix whose cells show their test images. The maths is
in ``lib/inside``; this file only makes widgets, figures and one or two sentences of
explanation for each.
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from app_pages.parts.shared import lang, num, tr
from lib.i18n import SEPARATORS
from lib.inside import figures
from lib.inside.confusion import cell_members, clicked_cell, mistakes_first, most_confused, selected_indices
from lib.train.run_config import RunConfig

PROJECTOR_DIMS = (2, 3)


class Inside:
    """A run's loaded model with its explainer and layer probe (each sub-model built once)."""

    def __init__(self, model) -> None:
        from lib.infer.predict import Predictor
        from lib.inside.gradients import Explainer
        from lib.inside.layers import LayerProbe

        self.model = model
        self.predictor = Predictor(model)
        self.explainer = Explainer(model)
        self.probe = LayerProbe(model)


@st.cache_resource(show_spinner=False, max_entries=4)
def inside(run_id: str, model_mtime: float) -> Inside:
    """The run's model, loaded once per saved file, with everything built around it."""
    from app_pages.parts.shared import manager
    from lib.train.evaluation import load_run_model

    return Inside(load_run_model(manager().store, run_id))


def inside_for(run_id: str) -> Inside | None:
    """:func:`inside` for a run's current model file (None when it has none)."""
    from app_pages.parts.shared import manager

    path = manager().store.best_model_path(run_id)
    return inside(run_id, path.stat().st_mtime) if path else None


def chart(where, fig, key: str, **kwargs):
    """``where.plotly_chart`` with this language's number separators; returns the selection event."""
    fig.update_layout(separators=SEPARATORS[lang()])
    return where.plotly_chart(fig, key=key, **kwargs)


def heatmap_panel(bundle: Inside, x: np.ndarray, image: np.ndarray, names: list[str], chosen: int, key: str) -> None:
    """What the model looks at: the method, the layer (Grad-CAM), the class, and the heatmap."""
    explainer = bundle.explainer
    methods = explainer.methods
    if not methods:
        st.caption(tr("inside.no_heatmap"))
        return
    left, middle, right = st.columns(3)
    # Labels made here, looked up by the widget (a format function calling tr() later would
    # translate outside this script run, where the session's language is unknown).
    method_labels = {m: tr(f"inside.method.{m}") for m in methods}
    method = left.segmented_control(tr("inside.method"), methods, format_func=method_labels.__getitem__,
                                    default=methods[0],
                                    key=f"{key}.method") or methods[0]  # fmt: skip
    layer = None
    if method == "gradcam":
        layers = explainer.conv_layers
        layer = middle.selectbox(tr("inside.layer"), layers, index=len(layers) - 1, key=f"{key}.layer",
                                 help=tr("inside.layer_help"))  # fmt: skip
    which_labels = {w: tr(f"inside.for_class.{w}") for w in ("answer", "other")}  # stable as the answer changes
    which = right.segmented_control(tr("inside.for_class"), ["answer", "other"], default="answer",
                                    format_func=which_labels.__getitem__,
                                    key=f"{key}.which") or "answer"  # fmt: skip
    class_index = chosen
    if which == "other":
        class_index = right.selectbox(tr("inside.pick_class"), list(range(len(names))), index=chosen,
                                      format_func=names.__getitem__, key=f"{key}.class")  # fmt: skip
    heat = explainer.heatmap(x, int(class_index), method, layer)
    titles = (tr("inside.panel.input"), tr("inside.panel.heat", label=names[class_index]), tr("inside.panel.overlay"))
    chart(st, figures.heatmap_overlay(image, heat.values, titles, tr("inside.scale")), key=f"{key}.heatmap")
    notes = [tr("inside.warm"), tr(f"inside.explain.{method}")]
    if method == "gradcam":
        notes.append(tr("inside.weights.averaged" if heat.averaged else "inside.weights.per_position", layer=layer))
    if heat.values.max() <= 0:
        notes.append(tr("inside.all_cold", label=names[class_index]))
    st.caption(" ".join(notes))


def layers_panel(bundle: Inside, x: np.ndarray, names: list[str], chosen: int, key: str) -> None:
    """Every layer's output for this input: a picker, maps as a grid, vectors as bars, the shape."""
    outputs = bundle.probe.activations(x)
    labels = {
        i: tr("inside.layer_option", n=i + 1, name=o.name, kind=o.class_name, shape=_shape(o.shape))
        for i, o in enumerate(outputs)
    }
    index = st.selectbox(tr("inside.layer_pick"), list(labels), format_func=labels.__getitem__, key=f"{key}.pick")
    out = outputs[index]
    title = tr("inside.layer_title", name=out.name, shape=_shape(out.shape))
    if out.view == "maps":
        chart(st, figures.layer_maps(out.values, title), key=f"{key}.maps")
        shown = min(64, out.shape[-1])
        st.caption(tr("inside.maps_help", shown=shown, channels=out.shape[-1]))
    elif out.view == "bars":
        last = index == len(outputs) - 1
        fig = figures.layer_bars(out.values, title, (tr("inside.unit"), tr("inside.value")), chosen if last else None)
        if last and len(names) == out.shape[0]:
            fig.update_xaxes(tickmode="array", tickvals=list(range(len(names))), ticktext=names)
        chart(st, fig, key=f"{key}.bars")
        st.caption(tr("inside.bars_last" if last else "inside.bars_help", n=num(out.shape[0])))
    else:
        chart(st, figures.layer_matrix(out.values, title, (tr("inside.step"), tr("inside.unit"))), key=f"{key}.matrix")


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(num(d) for d in shape) + ")"


def filters_panel(bundle: Inside, key: str) -> None:
    """The learned filters of a chosen conv layer, as pictures."""
    from lib.inside.layers import learned_filters

    layers = bundle.explainer.conv_layers
    if not layers:
        st.caption(tr("inside.no_filters"))
        return
    layer = st.selectbox(tr("inside.filters_layer"), layers, key=f"{key}.layer")
    found = learned_filters(bundle.model, layer)
    size = "×".join(num(d) for d in found.images.shape[1:3])
    title = tr("inside.filters_title", layer=layer, n=num(len(found.images)), size=size)
    chart(st, figures.filter_sheet(found.images, title, found.colour), key=f"{key}.sheet")
    text = "rgb" if found.colour else ("one" if found.in_channels == 1 else "mean")
    st.caption(tr(f"inside.filters_{text}", channels=found.in_channels))


# ----------------------------------------------------------------------------- projector


@st.cache_resource(show_spinner=False, max_entries=4)
def _projector_data(run_id: str, model_mtime: float):
    from app_pages.parts.shared import manager
    from lib.inside.run_data import projector_data

    return projector_data(manager().store, run_id, inside(run_id, model_mtime).model)


@st.cache_resource(show_spinner=False, max_entries=8)
def _pca(run_id: str, model_mtime: float, which: str, dims: int):
    from lib.inside.projector import pca

    data = _projector_data(run_id, model_mtime)
    return pca(getattr(data, which), dims)


@st.cache_resource(show_spinner=False, max_entries=8)
def _tsne(run_id: str, model_mtime: float, which: str, dims: int):
    from lib.inside.projector import tsne

    data = _projector_data(run_id, model_mtime)
    return tsne(getattr(data, which), dims, seed=0)


def _hover(data, names: list[str], probabilities: np.ndarray) -> list[str]:
    answers = probabilities.argmax(-1)
    return [
        tr("inside.point", index=int(i), true=names[t], predicted=names[a], p=num(100 * probabilities[k, a], 1))
        for k, (i, t, a) in enumerate(zip(data.indices, data.labels, answers))
    ]


def _reduction_controls(key: str) -> tuple[int, str]:
    left, right = st.columns(2)
    dims = left.segmented_control(tr("inside.dims"), list(PROJECTOR_DIMS), default=2, format_func=lambda d: f"{d}-D",
                                  key=f"{key}.dims") or 2  # fmt: skip
    methods = {"pca": tr("inside.pca"), "tsne": tr("inside.tsne")}
    method = right.segmented_control(tr("inside.reduce"), list(methods), default="pca",
                                     format_func=methods.__getitem__, key=f"{key}.method") or "pca"  # fmt: skip
    return int(dims), method


def _tsne_ready(run_id: str, stamp: float, dims: int, count: int, key: str) -> bool:
    """t-SNE only on request (seconds): a button, then a progress message for each picture."""
    done_key = f"{key}.tsne.{run_id}.{stamp}.{dims}"
    if st.session_state.get(done_key):
        return True
    st.info(tr("inside.tsne_offer", n=num(count)))
    if not st.button(tr("inside.tsne_run"), key=f"{key}.tsne_run"):
        return False
    with st.status(tr("inside.tsne_running", n=num(count)), expanded=False) as status:
        _tsne(run_id, stamp, "before", dims)
        status.update(label=tr("inside.tsne_half"))
        _tsne(run_id, stamp, "after", dims)
        status.update(label=tr("inside.tsne_done"), state="complete")
    st.session_state[done_key] = True
    return True


def _placed(run_id: str, stamp: float, projection, drawn: np.ndarray | None) -> np.ndarray | None:
    """The drawing in the trained network's PCA axes (t-SNE cannot place a new point)."""
    if drawn is None or projection.reducer is None:
        return None
    from lib.inside.projector import embed, penultimate_model, place

    return place(projection, embed(penultimate_model(inside(run_id, stamp).model), drawn))


def projector_panel(run_id: str, names: list[str], key: str, images=None, drawn: np.ndarray | None = None) -> None:
    """The penultimate layer's outputs for up to 2,000 test samples, before and after training.

    ``images(indices)`` returns test images to show for a selection; ``drawn`` is the current
    input (one sample), placed among the test samples as a star (PCA only).
    """
    from app_pages.parts.shared import manager

    path = manager().store.best_model_path(run_id)
    if path is None:
        return
    stamp = path.stat().st_mtime
    dims, method = _reduction_controls(key)
    with st.spinner(tr("inside.embedding")):
        data = _projector_data(run_id, stamp)
    if method == "tsne" and not _tsne_ready(run_id, stamp, dims, len(data.indices), key):
        return
    reduce = _tsne if method == "tsne" else _pca
    event = None
    for column, which in zip(st.columns(2), ("before", "after")):
        projection = reduce(run_id, stamp, which, dims)
        placed = _placed(run_id, stamp, projection, drawn) if which == "after" else None
        probabilities = data.probabilities if which == "after" else data.before_probabilities
        title = tr(f"inside.proj.{which}")
        if projection.explained:
            title += "<br><sup>" + tr("inside.explained", share=num(100 * sum(projection.explained), 0)) + "</sup>"
        fig = figures.projector(projection.coords, data.labels, names, _hover(data, names, probabilities),
                                data.indices, title, placed, tr("inside.drawn"))  # fmt: skip
        got = chart(column, fig, key=f"{key}.{which}.{method}.{dims}", on_select="rerun",
                    selection_mode=("points", "box", "lasso"))  # fmt: skip
        event = got if which == "after" else event
    notes = [tr("inside.proj_help", layer=data.layer, n=num(len(data.indices))), tr("inside.proj_before")]
    if method == "tsne":
        notes.append(tr("inside.tsne_note"))
    elif drawn is not None:
        notes.append(tr("inside.drawn_note"))
    st.caption(" ".join(notes))
    _backend_note(run_id)
    if images is not None:
        _selection_images(event, data, names, images)


def _selection_images(event, data, names: list[str], images) -> None:
    chosen = selected_indices(event)
    if not chosen:
        st.caption(tr("inside.select_hint"))
        return
    st.markdown(f"**{tr('inside.selected', n=num(len(chosen)))}**")
    order = {int(i): k for k, i in enumerate(data.indices)}
    picked = [i for i in chosen if i in order][:24]
    captions = [_caption(i, data.labels[order[i]], data.probabilities[order[i]], names) for i in picked]
    _image_row(images(picked), captions)


def _backend_note(run_id: str) -> None:
    from app_pages.parts.shared import manager
    from lib.inside.gradients import backend_name

    trained_on = manager().status(run_id).backend
    here = backend_name()
    if trained_on and trained_on != here:
        st.caption(tr("inside.before_backend", trained=trained_on, here=here))


def _caption(index: int, true: int, probabilities: np.ndarray, names: list[str]) -> str:
    answer = int(np.argmax(probabilities))
    return tr("inside.image_caption", index=index, true=names[true], predicted=names[answer],
              p=num(100 * probabilities[answer], 1))  # fmt: skip


def _image_row(images: list[np.ndarray], captions: list[str], per_row: int = 8) -> None:
    cols = st.columns(per_row)
    for i, (image, caption) in enumerate(zip(images, captions)):
        cols[i % per_row].image(np.clip(_displayable(image), 0, 1), caption=caption, width="stretch", clamp=True)


def _displayable(image: np.ndarray) -> np.ndarray:
    return image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image


# ----------------------------------------------------------------------------- confusion cells


@st.cache_data(show_spinner=False, max_entries=16)
def _test_outputs(run_id: str, model_mtime: float) -> tuple[np.ndarray, np.ndarray]:
    from app_pages.parts.shared import manager
    from lib.inside.run_data import test_outputs

    return test_outputs(manager().store, run_id)


@st.cache_resource(show_spinner=False, max_entries=4)  # shared, not copied per rerun (10,000 images)
def _test_images(config_json: str) -> np.ndarray:
    from lib.train.training import training_arrays

    return training_arrays(RunConfig.from_dict(json.loads(config_json)))[2]


def test_images(config: RunConfig):
    """A function from test indices to the run's test images (scaled as the model saw them)."""
    x = _test_images(json.dumps(config.to_dict(), sort_keys=True))  # the cache's key: the config's JSON form
    return lambda indices: [x[int(i)] for i in indices]


def _sync_cell(key: str, event, classes: int, default: tuple[int, int]) -> None:
    """A click on the chart sets the two pickers below it (before they are drawn)."""
    st.session_state.setdefault(f"{key}.true", default[0])
    st.session_state.setdefault(f"{key}.predicted", default[1])
    clicked = clicked_cell(event, classes)
    if clicked is not None and clicked != st.session_state.get(f"{key}.clicked"):
        st.session_state[f"{key}.clicked"] = clicked
        st.session_state[f"{key}.true"], st.session_state[f"{key}.predicted"] = clicked


def confusion_panel(
    run_id: str, config: RunConfig, matrix: list, names: list[str], image_kind: bool, key: str
) -> list[int]:
    """The confusion matrix; clicking a cell shows its test samples with their probabilities.

    Returns the indices of the cell's samples shown (the most confident first).
    """
    from app_pages.parts.shared import manager

    k = len(names)
    default = most_confused(matrix)
    # The click that caused this rerun is in the chart's state before the chart is drawn: apply
    # it first, so the outlined cell is the one just clicked.
    _sync_cell(key, st.session_state.get(f"{key}.chart"), k, default)
    current = (st.session_state[f"{key}.true"], st.session_state[f"{key}.predicted"])
    fig = figures.clickable_confusion(matrix, names, tr("runs.confusion"), (tr("runs.true"), tr("runs.predicted")),
                                      tr("inside.cell_hover"), current)  # fmt: skip
    chart(st, fig, key=f"{key}.chart", on_select="rerun", selection_mode="points")
    st.caption(tr("inside.confusion_help"))
    left, right = st.columns(2)
    true = left.selectbox(tr("runs.true"), list(range(k)), format_func=names.__getitem__, key=f"{key}.true")
    predicted = right.selectbox(tr("runs.predicted"), list(range(k)), format_func=names.__getitem__,
                                key=f"{key}.predicted")  # fmt: skip
    path = manager().store.best_model_path(run_id)
    if path is None:
        return []
    probabilities, y_true = _test_outputs(run_id, path.stat().st_mtime)
    members, total = cell_members(y_true, probabilities, int(true), int(predicted))
    heading = "inside.cell_right" if true == predicted else "inside.cell_wrong"
    values = dict(n=num(total), true=names[true], predicted=names[predicted], shown=num(len(members)))
    st.markdown(f"**{tr(heading, **values)}**")
    if not members:
        st.caption(tr("inside.cell_empty"))
        return []
    captions = [_member_caption(m, names) for m in members]
    if image_kind:
        _image_row(test_images(config)([m.index for m in members]), captions)
    else:
        st.dataframe([{"#": f"#{m.index}", tr("inside.col.probabilities"): text} for m, text in zip(members, captions)],
                     hide_index=True)  # fmt: skip
    return [m.index for m in members]


def _member_caption(member, names: list[str]) -> str:
    p = num(100 * member.confidence, 1)
    if member.true == member.predicted:
        return tr("inside.member_right", index=member.index, p=p)
    return tr("inside.member", index=member.index, p=p, p_true=num(100 * member.probabilities[member.true], 1),
              true=names[member.true], predicted=names[member.predicted])  # fmt: skip


def test_image_panel(run_id: str, config: RunConfig, names: list[str], cell: list[int], key: str) -> None:
    """What the model looks at for any test image: the cell's images first, then every mistake."""
    from app_pages.parts.shared import manager

    bundle = inside_for(run_id)
    path = manager().store.best_model_path(run_id)
    if bundle is None or path is None:
        return
    probabilities, y_true = _test_outputs(run_id, path.stat().st_mtime)
    order = list(dict.fromkeys([*cell, *mistakes_first(y_true, probabilities).tolist()]))
    answers = probabilities.argmax(-1)

    def label(i: int) -> str:
        mark = "✗" if answers[i] != y_true[i] else "✓"
        p = num(100 * probabilities[i, answers[i]], 1)
        return f"{mark} #{i} · {names[y_true[i]]} → {names[answers[i]]} ({p} %)"

    picks = order[:500]
    labels = {i: label(i) for i in picks}
    if st.session_state.get(f"{key}.cell") != tuple(cell) or st.session_state.get(f"{key}.image") not in picks:
        st.session_state[f"{key}.cell"] = tuple(cell)  # another cell chosen: start from its first image
        st.session_state[f"{key}.image"] = picks[0]
    index = st.selectbox(tr("inside.test_image"), picks, format_func=labels.__getitem__, key=f"{key}.image",
                         help=tr("inside.test_image_help"))  # fmt: skip
    x = test_images(config)([index])[0][None]
    heatmap_panel(bundle, x, x[0], names, int(answers[index]), key=f"{key}.heat")
