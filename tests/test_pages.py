"""Every page through AppTest: it runs in both languages and shows what it should."""

from __future__ import annotations

import json

import pytest

from app_pages import PAGES as NAVIGATION
from tests import keras_fixtures
from tests.apptest_helpers import open_page, page_path, plotly_specs, texts

PAGES = [page.name for page in NAVIGATION]  # every page the navigation lists


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(page, lang):
    at = open_page(page, lang)
    shown = texts(at)
    assert shown.strip()
    nav = "Datasets" if lang == "en" else "Conjuntos de dados"
    assert nav in shown or page != "datasets"


def test_home_lists_offline_datasets_in_portuguese():
    shown = texts(open_page(None, "pt"))
    assert "Disponíveis offline agora" in shown and "Dígitos 8×8" in shown


def test_language_switch_changes_the_ui():
    at = open_page("datasets", "en")
    assert "Datasets" in texts(at)
    at.radio(key="widget.app.lang").set_value("pt").run()
    assert "Conjuntos de dados" in texts(at)


def test_datasets_page_shows_digits_with_charts():
    at = open_page("datasets", "en")
    assert at.selectbox(key="widget.data.name").value == "digits"
    table = at.dataframe[0].value
    assert table["Samples"].tolist() == ["1,437", "360"]
    specs = plotly_specs(at)
    assert len(specs) == 4
    balance = next(json.loads(s) for s in specs if "Class balance" in s)
    assert sum(balance["data"][0]["y"]) == 1437


def test_datasets_page_translates_class_names(datasets_dir):
    keras_fixtures.write_fashion(datasets_dir)
    at = open_page("datasets", "pt")
    at.selectbox(key="widget.data.name").set_value("fashion_mnist").run()
    assert not at.exception
    grid = next(json.loads(s) for s in plotly_specs(at) if "Amostras de cada classe" in s)
    assert "Camiseta/top" in grid["layout"]["yaxis"]["ticktext"]
    assert "Bota" in grid["layout"]["yaxis"]["ticktext"]


def test_subset_and_validation_settings_are_kept_for_training():
    at = open_page("datasets", "en")
    at.number_input(key="widget.data.train_samples").set_value(500).run()
    at.slider(key="widget.data.val_fraction").set_value(30).run()  # percent: no decimal mark in any language
    assert "500 training samples, 150 of them for validation" in texts(at)
    at.switch_page(page_path("home")).run()
    at.switch_page(page_path("datasets")).run()
    assert at.number_input(key="widget.data.train_samples").value == 500
    assert at.slider(key="widget.data.val_fraction").value == 30 and at.session_state["data.val_fraction"] == 0.3
    at.switch_page(page_path("training")).run()
    assert at.slider(key="widget.data.val_fraction").value == 30


def test_unreachable_dataset_offers_the_offline_ones(datasets_dir, no_network):
    at = open_page("datasets", "pt")
    at.selectbox(key="widget.data.name").set_value("mnist").run()
    assert not at.exception
    error = "\n".join(e.value for e in at.error)
    assert "Não foi possível baixar" in error and "Dígitos 8×8" in error
    at.button(key="data.use.digits").click().run()
    assert at.selectbox(key="widget.data.name").value == "digits"
    assert not at.error


@pytest.mark.parametrize("name", ["imdb", "boston_housing"])
def test_text_and_tabular_views(name, datasets_dir, skip_hash_check):
    keras_fixtures.WRITERS[name](datasets_dir)
    at = open_page("datasets", "en")
    at.selectbox(key="widget.data.name").set_value(name).run()
    assert not at.exception
    shown = texts(at)
    if name == "imdb":
        assert "Decoded samples" in shown and "Label: " in shown
    else:
        assert "Correlations" in "".join(plotly_specs(at))
        assert at.dataframe[1].value.shape[0] == 13
