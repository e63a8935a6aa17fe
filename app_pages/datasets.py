"""Datasets page: pick a dataset and look at it before modelling it."""

import streamlit as st

from app_pages.parts import keys, make_data, own_data, own_details
from app_pages.parts.shared import dataset_label, dataset_name, lang, load_dataset, num, styled, tr
from app_pages.parts.state import bind, fraction_slider
from lib.data import dataset_views as views
from lib.data import datasets

st.title(tr("ds.title"))
dataset_name()  # an uploaded dataset deleted since falls back to the default
own_details.deleted_note()
offline = set(datasets.offline_available())


def _option_label(name: str) -> str:
    info = datasets.REGISTRY[name]
    badge = (
        tr("ds.own_badge")
        if info.is_own
        else tr("ds.offline_badge")
        if name in offline
        else tr("ds.needs_download", mb=num(info.download_mb, 2 if info.download_mb < 1 else 0))
    )
    return f"{dataset_label(name)} · {badge}"


option_labels = {n: _option_label(n) for n in datasets.REGISTRY}
name = st.selectbox(
    tr("ds.pick"),
    list(datasets.REGISTRY),
    format_func=option_labels.__getitem__,
    **bind(keys.DATA_NAME, datasets.DEFAULT_DATASET, list(datasets.REGISTRY)),
)
info = datasets.REGISTRY[name]
own_data.upload_panel()
make_data.make_panel()
if info.is_own:
    st.markdown(tr("ds.own_summary", kind=tr(f"ds.kind.{info.kind}"), task=tr(f"ds.task.{info.task}")))
    own_details.details(info)
else:
    st.markdown(
        tr(
            "ds.summary",
            kind=tr(f"ds.kind.{info.kind}"),
            task=tr(f"ds.task.{info.task}"),
            source=views.dataset_credit(info, lang())[0],
            license=views.dataset_credit(info, lang())[1],
        )
    )
ds = load_dataset(name)
if ds is None:
    st.stop()
metrics = st.columns(3)
metrics[0].metric(tr("ds.train").capitalize(), num(len(ds.y_train)))
metrics[1].metric(tr("ds.test").capitalize(), num(len(ds.y_test)))
metrics[2].metric(
    tr("ds.classes") if info.is_classification else tr("ds.target"),
    info.num_classes if info.is_classification else tr("ds.task.regression"),
)
st.dataframe(views.overview_rows(ds, lang()), hide_index=True)

with st.expander(tr("ds.settings"), expanded=True):
    left, right = st.columns(2)
    n_train = left.number_input(
        tr("ds.train_samples"),
        0,
        info.train_size,
        step=100,
        help=tr("ds.train_samples_help"),
        **bind(keys.DATA_TRAIN_SAMPLES, 0),
    )
    val = fraction_slider(right, tr("ds.val_fraction"), keys.DATA_VAL_FRACTION, 0.2, tr("ds.val_fraction_help"))
    used = n_train or info.train_size
    st.caption(tr("ds.settings_note", n=num(used), v=num(int(used * val))))


@st.cache_resource(show_spinner=False, max_entries=16)
def _figures(name: str, language: str, shown: tuple[int, ...] = ()) -> dict:
    """The dataset's charts, styled once and shared by every session (they are only read after this).

    Not ``st.cache_data``: that unpickles its value on every read, 0.15 s of the server's one
    interpreter per student for the digits charts, and a class opens this page all at once.
    """
    ds = datasets.load(name)
    if ds.info.kind == "image":
        figures = views.image_figures(ds, language, list(shown))
    elif ds.info.kind == "text":
        figures = views.text_figures(ds, language)
    else:
        figures = views.tabular_figures(ds, language)
    return {key: styled(fig, projector=False) for key, fig in figures.items()}


if info.kind == "image":
    labels = views.class_labels(name, lang())
    shown = st.multiselect(
        tr("ds.grid_classes"),
        range(info.num_classes),
        default=list(range(min(10, info.num_classes))),
        format_func=labels.__getitem__,
        key=f"datasets.shown.{name}",
        max_selections=20,
        placeholder=tr("app.choose"),
    )
    figs = _figures(name, lang(), tuple(shown or [0]))
    st.plotly_chart(figs["grid"], key="datasets.grid")
    if info.input_shape[-1] == 1:
        st.caption(tr("ds.polarity"))
    st.plotly_chart(figs["means"], key="datasets.means")
    left, right = st.columns(2)
    left.plotly_chart(figs["balance"], key="datasets.balance")
    right.plotly_chart(figs["pixels"], key="datasets.pixels")
elif info.kind == "text":
    st.subheader(tr("ds.text_samples"))
    for label, text in views.decoded_samples(ds, lang()):
        st.markdown(f"**{tr('ds.label')}: {label}** — {text}")
    figs = _figures(name, lang())
    left, right = st.columns(2)
    left.plotly_chart(figs["lengths"], key="datasets.lengths")
    right.plotly_chart(figs["balance"], key="datasets.balance")
else:
    st.subheader(tr("ds.features"))
    st.dataframe(views.feature_rows(ds, lang()), hide_index=True)
    figs = _figures(name, lang())
    st.plotly_chart(figs["target"], key="datasets.target")
    st.plotly_chart(figs["correlation"], key="datasets.correlation")
