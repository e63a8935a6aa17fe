"""Streamlit glue shared by the pages: language, state kept across pages, dataset loading.

Not a page itself (``app.py`` lists the pages). Logic stays in ``lib``; this file only
turns it into widgets and messages.
"""

from __future__ import annotations

import threading
import time
import uuid

import streamlit as st

from lib.data import dataset_views, datasets
from lib.i18n import LANGUAGES, SEPARATORS, choose_language, number, t, uploader_css

LANG_KEY = "app.lang"


def lang() -> str:
    """The UI language of this session (``"pt"`` or ``"en"``)."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = choose_language(st.query_params.get("lang"), st.context.locale)
    return st.session_state[LANG_KEY]


def session_id() -> str:
    """The browser session's id: the owner of the jobs it starts (see ``JobManager.stop``)."""
    return st.session_state.setdefault("app.session", uuid.uuid4().hex)


def config_messages(problems: list) -> list[str]:
    """Translated reasons why a run config was refused (``lib.train.config_check.ConfigProblem``)."""
    return [tr(f"train.cfg.{p.code}", **p.values) for p in problems]


def num(value: float, decimals: int = 0) -> str:
    """Format a number for this session's language."""
    return number(value, lang(), decimals)


def plot(where, fig, **kwargs) -> None:
    """``where.plotly_chart(fig)`` with numbers (ticks, hover text) in this session's language."""
    fig.update_layout(separators=SEPARATORS[lang()])
    where.plotly_chart(fig, **kwargs)


def tr(key: str, **values: object) -> str:
    """Translate ``key`` into this session's language."""
    return t(key, lang(), **values)


def language_switch() -> None:
    """The sidebar language switch; the choice is mirrored in the ``lang`` query parameter.

    The language lives under a plain session key (see :func:`bind`): a rerun that resets
    the radio's own state must not flip the whole UI to the radio's first option.
    """
    current = lang()
    st.sidebar.radio(
        t("app.language", current),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        horizontal=True,
        **bind(LANG_KEY, current, list(LANGUAGES)),
    )
    st.query_params["lang"] = st.session_state[LANG_KEY]
    _translate_streamlit_texts()


def _translate_streamlit_texts() -> None:
    """Streamlit's own file-uploader texts in the UI language (it has no setting for them).

    Streamlit 1.67 writes "Upload" and "50MB per file • PNG" itself; CSS hides those words
    and shows the catalog's instead. Other built-in texts are listed in the README.
    """
    if lang() != "en":
        st.html(uploader_css(lang(), st.get_option("server.maxUploadSize")))


def _copy_widget(widget_key: str, key: str) -> None:
    if widget_key == widget_key_of(key):  # not a replaced widget the browser still reports (see switch_value)
        st.session_state[key] = st.session_state[widget_key]


def bind(key: str, default: object, options: list | None = None) -> dict:
    """Widget keyword arguments that keep its value in ``st.session_state[key]``.

    Streamlit forgets a widget's value when a page without that widget runs, so the value
    lives under a plain key and the widget (``widget.<key>``) copies changes into it. The
    widget's own default (``index``/``value``) is the stored value: the browser may report
    a widget's default back, so that default must never be a different choice.
    """
    value = st.session_state.setdefault(key, default)
    widget = widget_key_of(key)
    kwargs = {"key": widget, "on_change": _copy_widget, "args": (widget, key)}
    if options is not None:
        kwargs["index"] = options.index(value) if value in options else 0
    else:
        kwargs["value"] = value
    return kwargs


def widget_key_of(key: str) -> str:
    """The key of the widget bound to ``key`` (renewed by :func:`switch_value`)."""
    generation = st.session_state.get(f"{key}.gen", 0)
    return f"widget.{key}" + (f".{generation}" if generation else "")


def switch_value(key: str, value: object) -> None:
    """Set a value kept by :func:`bind` from anywhere, its widget drawn anew under a new key.

    :func:`set_value` works in callbacks, before the widget is drawn. Set later (in a
    fragment's run), the browser would keep showing the old choice in the widget it has
    and send it back on the next click; a widget with a new key starts from the value, and
    what the browser still sends for the old one is ignored.
    """
    st.session_state[key] = value
    st.session_state[f"{key}.gen"] = st.session_state.get(f"{key}.gen", 0) + 1


def _copy_percent(widget_key: str, key: str) -> None:
    if widget_key in st.session_state:  # (not when its value was just reset by set_value)
        st.session_state[key] = st.session_state[widget_key] / 100


def fraction_slider(where, label: str, key: str, default: float, help_text: str = "") -> float:
    """A 0-0.5 fraction kept in ``st.session_state[key]``, shown as whole percents.

    Percents need no decimal mark, so the slider reads the same in every language
    (Streamlit's slider writes "0.20" whatever the UI language).
    """
    value = st.session_state.setdefault(key, default)
    where.slider(label, 0, 50, round(value * 100), step=5, format="%d%%", help=help_text or None,
                 key=f"widget.{key}", on_change=_copy_percent, args=(f"widget.{key}", key))  # fmt: skip
    return st.session_state[key]


def set_value(key: str, value: object) -> None:
    """Set a value kept by :func:`bind`; its widget is rebuilt from it on the next run."""
    st.session_state[key] = value
    st.session_state.pop(widget_key_of(key), None)


WARM_UP_DELAY_S = 1.0


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Import the heavy libraries in a background thread, once per server.

    Started after the first page has been sent and a little later still: importing
    TensorFlow holds the interpreter for seconds, and done first it doubled the time to
    a usable first page. Plotly and scikit-learn come first (the Datasets page needs them),
    then Keras (the Architecture and Training pages).
    """

    def _import() -> None:
        time.sleep(WARM_UP_DELAY_S)
        import keras  # noqa: F401
        import plotly.graph_objects  # noqa: F401
        import sklearn.datasets  # noqa: F401

    thread = threading.Thread(target=_import, name="warm-up", daemon=True)
    thread.start()
    return thread


def dataset_name() -> str:
    """The dataset chosen on the Datasets page (digits until one is chosen, or after it was deleted)."""
    name = st.session_state.get("data.name", datasets.DEFAULT_DATASET)
    if name not in datasets.REGISTRY:  # an uploaded dataset someone deleted since
        switch_value("data.name", datasets.DEFAULT_DATASET)
        return datasets.DEFAULT_DATASET
    return name


def dataset_label(name: str) -> str:
    """The translated display name of a dataset."""
    return dataset_views.dataset_title(name, lang())


def class_names(name: str) -> list[str]:
    """Translated class names of a classification dataset."""
    return dataset_views.class_labels(name, lang())


def _use_dataset(name: str) -> None:
    set_value("data.name", name)


def _delete_and_retry(name: str) -> None:
    datasets.delete_cache(name)


def load_dataset(name: str) -> datasets.Dataset | None:
    """Load ``name`` with a status box; on failure explain it, offer the way out, return None."""
    try:
        with st.spinner(tr("ds.loading", name=dataset_label(name))):
            return datasets.load(name)
    except datasets.DatasetError as err:
        show_dataset_error(err)
        return None


def show_dataset_error(err: datasets.DatasetError) -> None:
    """Explain a failed load in the user's language, with buttons for what can be done."""
    offline = [n for n in datasets.offline_available() if n != err.name]
    names = ", ".join(dataset_label(n) for n in offline)
    st.error(tr(f"ds.err.{err.code}", name=dataset_label(err.name), detail=err.detail, offline=names))
    cols = st.columns(max(1, len(offline)) + 1)
    if err.code in ("corrupt_cache", "own_damaged"):
        cols[0].button(tr("ds.delete_retry"), key="data.delete_retry", on_click=_delete_and_retry, args=(err.name,))
    else:
        cols[0].button(tr("ds.retry"), key="data.retry")
    for col, name in zip(cols[1:], offline):
        col.button(
            tr("ds.use_offline", name=dataset_label(name)), key=f"data.use.{name}", on_click=_use_dataset, args=(name,)
        )


def coming_next() -> None:
    """The note shown by pages whose issue is not built yet (no fake content)."""
    steps = " → ".join(tr(f"nav.{p}") for p in ("datasets", "architecture", "training", "runs", "draw"))
    st.info(tr("app.coming_next", steps=steps))


@st.cache_resource(show_spinner=False)
def manager():
    """The server's one job manager (survives reruns, page changes and closed tabs)."""
    from lib.demos import gan, playground, pretrained  # noqa: F401 - register their job kinds (threads too)
    from lib.train.jobs import JobManager

    return JobManager()


def live_view(render, busy, seconds: float = 2.0) -> None:
    """Show ``render()`` and refresh it every ``seconds`` only while ``busy()`` is true.

    Polling re-sends every chart to the browser, which costs CPU that training needs (on
    one machine, a chart-heavy page polled each second slowed a GAN 4x). When the work
    ends, one full rerun turns the polling off.
    """
    polling = busy()

    @st.fragment(run_every=seconds if polling else None)
    def _view() -> None:
        render()
        # A button inside the view reruns only the view: when it started (or ended) a
        # job, the whole page reruns so the polling starts (or stops).
        if polling != busy():
            st.rerun(scope="app")

    _view()
