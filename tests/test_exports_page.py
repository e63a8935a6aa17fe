"""The Runs page's checked exports, in both languages (AppTest)."""

from __future__ import annotations

import re

import pytest

from tests.apptest_helpers import page_path, rerun_until, texts
from tests.test_class_pages import _train, open_as

pytest.importorskip("onnxruntime")

# The measured difference as each language writes it: 4,5e-08 in Portuguese, 4.5e-08 in English.
DIFF = {"pt": r"\d,\de[-+]\d\d", "en": r"\d\.\de[-+]\d\d"}


@pytest.mark.parametrize(
    ("lang", "fmt", "checked", "suffix"),
    [
        ("pt", "onnx", "Verificado no ONNX Runtime", ".onnx"),
        ("en", "saved_model", "Checked in TensorFlow", ".savedmodel.zip"),
    ],
)
def test_a_run_exports_checked_with_its_snippet(lang, fmt, checked, suffix):
    at = open_as(f"expo{lang}", "training", lang)
    run = _train(at, seed=41 if lang == "pt" else 42)
    at.switch_page(page_path("runs")).run()
    assert at.selectbox(key="runs.exp_run").value == run
    intro = {"pt": "rodado em até 100 entradas de teste", "en": "run on up to 100 test inputs"}[lang]
    assert intro in texts(at)
    at.button(key=f"runs.exp_make.{fmt}").click().run()
    rerun_until(at, lambda a: checked in texts(a))
    assert not at.exception
    line = next(s.value for s in at.success if checked in s.value)
    assert re.search(DIFF[lang], line), line
    assert any(f"{run}{suffix}" in c.value for c in at.code)  # the snippet names the downloaded file
    keys = {b.key for b in at.button}
    assert f"runs.exp_make.{fmt}" not in keys  # made: a download now
    assert {f"runs.exp_make.{other}" for other in ("onnx", "saved_model", "litert") if other != fmt} <= keys
