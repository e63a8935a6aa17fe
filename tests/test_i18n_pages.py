"""Every page in Portuguese: no English left, every number written the Portuguese way.

Scans what each page shows through AppTest (texts, widget labels, options, placeholders,
metrics, table cells, chart number formats) after a real run exists, so the Runs, Draw
and Training pages show their full content.
"""

from __future__ import annotations

import json
import re

import pytest

from app_pages import PAGES as NAVIGATION
from lib.i18n import catalog
from tests.apptest_helpers import open_page, plotly_specs
from tests.job_helpers import digits_config, wait

DEMOS = ["playground", "conv", "pool", "act", "dropout", "augment", "autoencoder", "transfer", "gan"]
# Every page the navigation lists, the Demos page as each of its demos. Not the Lessons page: its
# steps open in both languages in tests/test_lessons_pages.py, but are not scanned for English here.
PAGES = [p.name for p in NAVIGATION if p.name not in ("lessons", "demos")] + [f"demos/{d}" for d in DEMOS]
# A decimal written with a point (0.882, 12.5): wrong in Portuguese. "1.437" (thousands) is fine.
ENGLISH_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
THOUSANDS = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")
# English catalog texts that differ in Portuguese (short ones like "Run" may be both).
ENGLISH_ONLY = {v for k, v in catalog("en").items() if isinstance(v, str) and v != catalog("pt")[k] and len(v) > 6}


LICENCE_VERSION = re.compile(r"CC BY[-A-Z]* \d+\.\d+")  # "CC BY 4.0" is a name, not a number


def english_decimals(text: str) -> list[str]:
    """Numbers in ``text`` written with a decimal point (not a thousands separator)."""
    return [m for m in ENGLISH_DECIMAL.findall(LICENCE_VERSION.sub("", text)) if not THOUSANDS.fullmatch(m)]


def test_the_scanner_catches_what_it_should():
    assert english_decimals("acurácia 0.882 em 12.5 s") == ["0.882", "12.5"]
    assert english_decimals("60.000 amostras, 0,882, v1.2.3, dense_1, (28, 28, 1), 1.437, CC BY 4.0") == []


@pytest.fixture(scope="module")
def finished_run() -> str:
    from app_pages.parts.shared import manager

    submitted = manager().submit(digits_config(epochs=2, samples=300), nickname="scan")
    assert wait(manager(), submitted.run_id) == "done"
    return submitted.run_id


def _visible(at) -> tuple[list[str], list[str]]:
    """(texts a reader sees, table cells) of the page."""
    shown = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error"):
        shown += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "number_input", "slider", "checkbox", "toggle", "radio",
                 "text_input", "expander", "tabs"):  # fmt: skip
        for widget in getattr(at, kind, []):
            shown.append(str(getattr(widget, "label", "") or ""))
            proto = getattr(widget, "proto", None)
            if proto is not None and getattr(proto, "placeholder", ""):
                shown.append(proto.placeholder)
            if kind in ("selectbox", "multiselect", "radio"):
                shown += [str(o) for o in widget.options]
    for metric in at.metric:
        shown += [str(metric.label), str(metric.value)]
    cells = []
    for frame in at.dataframe:
        if frame.proto.editing_mode:  # an editor: numbers in the browser's locale (see matrix_editor)
            continue
        value = frame.value
        cells += [str(c) for c in value.columns]
        for column in value.columns:
            kind = value[column].dtype.kind
            assert kind != "f" or str(column).startswith("Progresso"), f"floats: {column} {value}"
            # Whole numbers from 1.000 up need the Portuguese thousands separator too.
            assert kind not in "iu" or value[column].abs().max() < 1000, f"unformatted: {column} {value}"
            cells += [str(c) for c in value[column]]
    return shown, cells


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_portuguese(page, finished_run):
    page, _, demo = page.partition("/")  # the Demos page runs only its open demo: each is opened by address
    at = open_page(page, "pt", nick="scan", **({"demo": demo} if demo else {}))
    if demo:
        assert at.session_state["demo.open"] == demo
    if page == "runs":
        at.multiselect(key="runs.chosen").set_value([finished_run]).run()
    shown, cells = _visible(at)
    english = sorted({s for s in shown + cells if s in ENGLISH_ONLY})
    assert not english, f"English on {page}: {english}"
    decimals = sorted({d for s in shown + cells for d in english_decimals(s)})
    assert not decimals, f"decimal points on {page}: {decimals}"
    for spec in map(json.loads, plotly_specs(at)):
        assert spec["layout"].get("separators") == ",.", "a chart formats numbers the English way"
        written = [str(x) for trace in spec["data"] for x in (trace.get("text") or []) if isinstance(x, str)]
        assert not [d for w in written for d in english_decimals(w)], "numbers written into a chart in English"


@pytest.mark.parametrize("name", ["imdb", "boston_housing"])
def test_text_and_table_datasets_speak_portuguese(name, datasets_dir, skip_hash_check):
    from tests import keras_fixtures

    keras_fixtures.WRITERS[name](datasets_dir)
    at = open_page("datasets", "pt", nick="scan")
    at.selectbox(key="widget.data.name").set_value(name).run()
    shown, cells = _visible(at)
    assert not sorted({d for s in shown + cells for d in english_decimals(s)})
    assert not sorted({s for s in shown + cells if s in ENGLISH_ONLY})
