"""Draw page: draw a digit or garment; the trained model predicts it, stroke by stroke."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from app_pages import PAGE_BY_NAME
from app_pages.parts import keys, timings
from app_pages.parts.draw_ready import offer_lesson_network
from app_pages.parts.identity import nickname
from app_pages.parts.inside_tools import (
    filters_panel,
    heatmap_panel,
    inside,
    layers_panel,
    projector_panel,
    test_images,
)
from app_pages.parts.robust_tools import robust_panel
from app_pages.parts.shared import class_names, dataset_label, dataset_name, lang, manager, num, plot, session_id, tr
from lib import charts
from lib.data import datasets
from lib.infer.drawing import PictureError, read_and_prepare
from lib.infer.predict import class_examples, drawable_runs
from lib.train.run_views import best_validation, is_mine, ordered_runs, run_names
from lib.train.training import class_ids

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "webp", "bmp"]

st.title(tr("draw.title"))
store = manager().store
runs = ordered_runs(store, drawable_runs(store), nickname())  # the default: this student's newest run
chosen_dataset = dataset_name()
if not any(store.config(r).dataset == chosen_dataset for r in runs):
    offer_lesson_network(chosen_dataset, bool(runs))  # a model in seconds, right here
if not runs:
    st.caption(tr("draw.no_runs"))
    training = PAGE_BY_NAME["training"]
    st.page_link(training.script, label=training.title[lang()], icon=training.icon)
    st.stop()


def _label(run_id: str) -> str:
    config = store.config(run_id)
    metric, value = best_validation(store.history(run_id))
    score = f"{metric} {num(value, 3)}" if value is not None else run_id
    label = tr("draw.model_label", model=config.model_name, dataset=dataset_label(config.dataset), metric=score)
    label = f"{label} · {names[run_id]}"  # what tells it from the others: a differing setting, its experiment, when
    return label if is_mine(store, run_id, nickname()) else f"{label} · {store.owner(run_id).get('owner') or '—'}"


names = run_names(store, runs, lang())
run_labels = {r: _label(r) for r in runs}


def _keep_choice(listed: list[str]) -> None:
    # After a language switch the browser may send the old label back, which names no run: ignored.
    if (picked := st.session_state.get("draw.run")) in listed:
        st.session_state[keys.DRAW_CHOSEN] = {"run": picked, "listed": listed}


# A chosen run stays chosen when the list's labels change (another language, the augmented run
# listed first): the widget is then a new one, so the choice is kept under a plain key. A new
# run of the student's own since the choice (trained on the Training page) is shown first again.
choice = st.session_state.get(keys.DRAW_CHOSEN) or {}
fresh = [r for r in runs if r not in choice.get("listed", []) and is_mine(store, r, nickname())]
index = runs.index(choice["run"]) if choice.get("run") in runs and not fresh else 0
run_id = st.selectbox(tr("draw.model"), runs, index=index, format_func=run_labels.__getitem__, key="draw.run",
                      on_change=_keep_choice, args=(runs,))  # fmt: skip
info = datasets.REGISTRY[store.config(run_id).dataset]
bundle = inside(run_id, store.best_model_path(run_id).stat().st_mtime)  # loaded once per saved file, never per stroke
what = {"fashion_mnist": "garment", "photo": "photo"}.get(info.draw_recipe, "digit")
st.caption(tr("draw.intro", what=tr(f"draw.what.{what}")))


def _step_text(step) -> str:
    values = {k: num(v, 1) if isinstance(v, float) else v for k, v in step.values.items()}
    return tr(f"draw.step.{step.code}", **values)


def _picture(left, recipe: str) -> tuple[str, bytes | None]:
    """The chosen source (canvas or upload) and its picture's file: the canvas's PNG, the upload."""
    sources = {"canvas": tr("draw.source.canvas"), "upload": tr("draw.source.upload")}
    default_source = "upload" if recipe == "photo" else "canvas"
    source = (
        left.segmented_control(
            tr("draw.source"), list(sources), format_func=sources.__getitem__, default=default_source, key="draw.source"
        )
        or default_source
    )
    if source == "upload":
        upload = left.file_uploader(tr("draw.upload"), type=UPLOAD_TYPES, key="draw.upload")
        return source, None if upload is None else upload.getvalue()
    width = left.slider(tr("draw.stroke"), 4, 40, 18, key="draw.stroke")
    st.session_state.setdefault("draw.clears", 0)
    with left:
        canvas = st_canvas(
            stroke_width=width,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=280,
            width=280,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"draw.canvas.{st.session_state['draw.clears']}",
        )
    if left.button(tr("draw.clear"), key="draw.clear"):
        st.session_state["draw.clears"] += 1
        st.rerun()
    return source, canvas.image_bytes  # a PNG after each stroke; None before the first


def _inside_tabs(run_id: str, bundle, x, names: list[str], top: int) -> None:
    """What the network does with the drawing, one tab at a time."""
    st.subheader(tr("inside.title"))
    # Only the open tab is computed (a tab change reruns this part): each stroke reruns it,
    # and the four tabs' charts together were most of a stroke's CPU.
    looks, layers, filters, among = st.tabs(
        [tr("inside.tab.looks"), tr("inside.tab.layers"), tr("inside.tab.filters"), tr("inside.tab.among")],
        key="draw.inside", on_change="rerun",
    )  # fmt: skip
    if looks.open:
        with looks:
            heatmap_panel(bundle, x, x[0], names, top, key="draw.heat")
    if layers.open:
        with layers:
            layers_panel(bundle, x, names, top, key="draw.layers")
    if filters.open:
        with filters:
            filters_panel(bundle, key="draw.filters")
    if among.open:
        with among:
            if st.toggle(tr("inside.proj_show"), key="draw.proj_on", help=tr("inside.proj_show_help")):
                projector_panel(run_id, names, "draw.proj", test_images(store.config(run_id)), drawn=x)


@st.fragment
def _drawing(run_id: str, info: datasets.DatasetInfo, bundle, ids: list[int], names: list[str]) -> None:
    """The canvas (or upload) and everything a drawing shows: a stroke reruns only this part.

    A stroke's full-page run also rebuilt the sidebar, the run list and its labels, and the
    address; with a class drawing at once those were most of the server's CPU per stroke (#26).
    """
    timings.timed_part(lambda: _drawing_now(run_id, info, bundle, ids, names), "draw", session_id)


def _drawing_now(run_id: str, info: datasets.DatasetInfo, bundle, ids: list[int], names: list[str]) -> None:
    recipe = info.draw_recipe
    left, rest = st.columns([5, 8], gap="medium")
    answer_slot = rest.empty()  # above both pictures, so their headings line up; the canvas never moves
    middle, right = rest.columns(2, gap="medium")
    source, picture = _picture(left, recipe)
    prepared, empty_message = None, "draw.empty"
    if picture is not None:  # one reading path for both: the file's bytes to the model's input
        try:
            image, prepared = read_and_prepare(picture, info)
            if source == "upload":
                left.image(image, caption=tr("draw.yours"), width=280, clamp=True)
                empty_message = "draw.nothing_found"
        except PictureError as err:
            left.error(tr(f"draw.err.{err.code}"))
        except Exception as exc:  # noqa: BLE001 - a decoder's own failure is a message too
            left.error(tr("draw.err.unreadable", detail=type(exc).__name__))
    if prepared is None:
        (answer_slot.warning if empty_message == "draw.nothing_found" else answer_slot.info)(tr(empty_message))
        robust_panel(run_id, names, None, recipe)  # the test images need no drawing
        return
    side = info.input_shape[0]
    middle.markdown(f"**{tr('draw.seen', side=side)}**", help=tr("draw.seen_help", recipe=tr(f"draw.recipe.{recipe}")))
    plot(middle, charts.model_view(prepared.view, "", height=260), key="draw.view")
    steps = "\n".join(f"- {_step_text(step)}" for step in prepared.steps)
    middle.caption(f"{tr('draw.steps')}\n{steps}")

    probabilities = bundle.predictor.probabilities(prepared.x)
    top = int(probabilities.argmax())
    answer_slot.markdown("#### " + tr("draw.answer", label=names[top], p=num(100 * probabilities[top], 1)))
    if (examples := class_examples(info.name, ids[top])) is not None:  # None: the dataset is not on this machine
        right.markdown(f"**{tr('draw.examples', label=names[top])}**", help=tr("draw.examples_help"))
        plot(right, charts.training_examples_once(examples, "", height=260), key="draw.examples")
    plot(st, charts.probability_bars(probabilities, names, tr("draw.probabilities"), top), key="draw.probs")
    _inside_tabs(run_id, bundle, prepared.x, names, top)
    robust_panel(run_id, names, prepared.x, recipe)


every = class_names(info.name)
ids = class_ids(store.config(run_id))
_drawing(run_id, info, bundle, ids, [every[c] for c in ids])
