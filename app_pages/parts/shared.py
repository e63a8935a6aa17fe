"""Streamlit glue shared by the pages: language, the chosen dataset, the job manager, live views.

Not a page itself (``app.py`` lists the pages). Logic stays in ``lib``, values kept across
pages in ``app_pages/parts/state.py``; this file only turns them into widgets and messages.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid

import streamlit as st

from app_pages.parts import keys, streamlit_fix, timings
from app_pages.parts.state import bind, set_value, switch_value
from lib import heap
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
    from lib.train.config_check import problem_text

    return [problem_text(p, lang()) for p in problems]


def num(value: float, decimals: int = 0) -> str:
    """Format a number for this session's language."""
    return number(value, lang(), decimals)


def styled(fig, projector: bool | None = None):
    """``fig`` with numbers (ticks, hover text) in this session's language, legible on a projector.

    ``projector``: the Lessons page's presenter view (larger still); by default read from the session.
    The large dark text is the house template's (``lib.charts.use_house_template``), given to a
    figure when it is made: restyling each figure here cost about 20 ms a figure.
    """
    from lib import charts  # (styled is only called once Plotly is loaded)

    if not charts.has_house_template(fig):  # made before the pages' Plotly default was in place
        charts.use_house_template()
        fig.update_layout(template=charts.HOUSE_TEMPLATE)
    # The font again at the figure level (the template has it too): a figure-level font is what
    # every figure carried before the template, whatever Streamlit's chart theme does with templates.
    fig.update_layout(separators=SEPARATORS[lang()], font={"size": 15, "color": "#111"})
    if presenting() if projector is None else projector:
        charts.for_projector(fig)
    return fig


def presenting() -> bool:
    """Whether this session shows the Lessons page's presenter view (charts larger still)."""
    return bool(st.session_state.get(keys.LES_PRESENT)) and st.session_state.get(keys.APP_PAGE) == "lessons"


def plot(where, fig, **kwargs) -> None:
    """``where.plotly_chart(fig)`` styled for this session (see :func:`styled`)."""
    where.plotly_chart(styled(fig), **kwargs)


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
    st.html(PROJECTOR_CSS)


# Readable on a projector (1024×768 at 150 % zoom): labels wrap between words, never inside
# one ("learning_ra te") and are never cut off ("Embaralhar a ca…"); a tab strip wraps onto
# a second line instead of hiding tabs behind a scroll arrow; the class code is big.
PROJECTOR_CSS = """<style>
[data-testid="stWidgetLabel"], [data-testid="stWidgetLabel"] p, [data-testid="stCheckbox"] label p,
[data-testid="stMarkdownContainer"] p {word-break: normal; overflow-wrap: normal; hyphens: none}
[data-testid="stWidgetLabel"] p, [data-testid="stCheckbox"] label p {white-space: normal; text-overflow: clip;
  overflow: visible}
[data-baseweb="tab-list"], [role="tablist"] {flex-wrap: wrap; overflow-x: visible !important; row-gap: 0.25rem}
[data-baseweb="tab-list"] > button, [role="tablist"] > button {flex-shrink: 0}
.kp-class-code {font-size: 3.2rem; font-weight: 700; letter-spacing: 0.12em; text-align: center;
  font-family: ui-monospace, monospace; line-height: 1.2}
</style>"""


def configured_address() -> str:
    """The public address a teacher set (class panel), else ``$KP_PUBLIC_URL``, else ``public_url`` in secrets."""
    import os

    from lib.classcode import ClassBoard

    try:
        secrets = dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets.toml: nothing configured there
        secrets = {}
    return ClassBoard().public_address() or os.environ.get("KP_PUBLIC_URL", "") or str(secrets.get("public_url", ""))


def public_address() -> str:
    """The address students reach this server at (``lib.classcode.public_base``; localhost only as a last resort)."""
    from lib.classcode import public_base

    try:
        headers = dict(st.context.headers)
    except Exception:  # noqa: BLE001 - no request (AppTest): no headers
        headers = {}
    return public_base(configured_address(), st.context.url, headers, st.session_state.get(keys.APP_PAGE, ""))


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
        # The Datasets page's libraries first: while this thread imports a module, a page that
        # imports it waits for the whole import (with Keras first, 10 students opening the
        # Datasets page together waited 27 s each for the TensorFlow import, at 0.13 s of CPU).
        for module in ("plotly.graph_objects", "sklearn.datasets", "sklearn.model_selection", "keras"):
            importlib.import_module(module)

        heap.freeze_imports()  # each rerun's garbage collection then skips them (lib/heap.py)

    thread = threading.Thread(target=_import, name="warm-up", daemon=True)
    thread.start()
    return thread


def dataset_name() -> str:
    """The dataset chosen on the Datasets page (digits until one is chosen, or after it was deleted)."""
    name = st.session_state.get(keys.DATA_NAME, datasets.DEFAULT_DATASET)
    if name not in datasets.REGISTRY:  # an uploaded dataset someone deleted since
        switch_value(keys.DATA_NAME, datasets.DEFAULT_DATASET)
        return datasets.DEFAULT_DATASET
    return name


def dataset_label(name: str) -> str:
    """The translated display name of a dataset."""
    return dataset_views.dataset_title(name, lang())


def class_names(name: str) -> list[str]:
    """Translated class names of a classification dataset."""
    return dataset_views.class_labels(name, lang())


def _use_dataset(name: str) -> None:
    set_value(keys.DATA_NAME, name)


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


@st.cache_resource(show_spinner=False)
def manager():
    """The server's one job manager (survives reruns, page changes and closed tabs)."""
    from lib.train.jobs import JobManager

    return JobManager()


@st.cache_resource(show_spinner=False)
def poll_budget():
    """The server's one :class:`lib.poll_budget.PollBudget`: how often live views may poll."""
    from lib.poll_budget import PollBudget

    return PollBudget()


def live_view(render, busy, seconds: float = 2.0) -> None:
    """Show ``render()`` and refresh it while ``busy()`` is true: every ``seconds`` or slower.

    Polling re-sends every chart to the browser, which costs CPU that training needs (on
    one machine, a chart-heavy page polled each second slowed a GAN 4x), and every poll of
    every student shares the server's one interpreter: the interval grows with the number
    of sessions polling (:class:`lib.poll_budget.PollBudget`). When the work ends, one full
    rerun turns the polling off.
    """
    polling = busy()
    budget, me = poll_budget(), session_id()
    if polling:
        budget.polling(me)
    else:
        budget.stopped(me)
    every = budget.interval(seconds) if polling else None

    @st.fragment(run_every=every)
    def _view() -> None:
        started = time.thread_time()
        render()
        # A button inside the view reruns only the view: when it started (or ended) a
        # job, the whole page reruns so the polling starts (or stops).
        still = busy()
        now = budget.interval(seconds) if polling else None
        timings.note("poll", me, polling=polling, busy=still, every=every, wanted=now,
                     cpu=round(time.thread_time() - started, 4))  # fmt: skip
        if polling != still:
            st.rerun(scope="app")
        # A view that does not poll reruns alone when a widget inside it changed, or when its
        # browser timer outlived the page's last full run (seen with 30 students): stop that timer
        # (harmless when there is none). The log counts both.
        if not polling and streamlit_fix.stop_polling_this_fragment():
            timings.note("stray_poll", me)
        if polling:
            budget.spent(time.thread_time() - started)
            budget.polling(me)
            # The class's load changed: a full rerun declares the new interval (up at once,
            # down only when it halved twice, so that a load near a step does not flap).
            if now > every or now * 4 <= every:
                st.rerun(scope="app")

    _view()
    # A mark nobody sees (an empty span in the sidebar): whether this view still polls, and
    # how often. The browser tests wait for it to say "idle" instead of sleeping after a job ends.
    mark = f"polling kp-every-{every:g}" if polling else "idle"
    st.sidebar.html(f'<span class="kp-live kp-live-{mark}"></span>')
