"""Translation catalogs: the same keys everywhere, and class names that match the data."""

from __future__ import annotations

import re
import string

import pytest

from lib.data import datasets
from lib.i18n import LANGUAGES, catalog, choose_language, number, t, t_list


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_catalog_has_the_same_keys():
    keys = {lang: set(catalog(lang)) for lang in LANGUAGES}
    for lang, found in keys.items():
        assert found == keys["en"], f"{lang}: missing {keys['en'] - found}, extra {found - keys['en']}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_translations_keep_the_placeholders_and_shapes(lang):
    for key, english in catalog("en").items():
        other = catalog(lang)[key]
        assert type(other) is type(english), key
        if isinstance(english, str):
            assert _fields(other) == _fields(english), key
            assert other.strip(), key
        else:
            assert len(other) == len(english), key


def test_portuguese_is_really_portuguese():
    differing = [k for k, v in catalog("pt").items() if isinstance(v, str) and v != catalog("en")[k]]
    assert len(differing) > 0.8 * len([v for v in catalog("en").values() if isinstance(v, str)]) - 10
    assert re.search(r"[ãçéêóú]", t("ds.err.download_failed", "pt", name="x", offline="y"))


@pytest.mark.parametrize("name", [n for n, i in datasets.REGISTRY.items() if i.is_classification])
def test_class_names_count_matches_the_dataset(name):
    for lang in LANGUAGES:
        assert len(t_list(f"classes.{name}", lang)) == datasets.REGISTRY[name].num_classes


def test_reuters_topics_follow_keras_order():
    import keras

    assert t_list("classes.reuters", "en") == list(keras.datasets.reuters.get_label_names())


def test_language_choice():
    assert choose_language("en", "pt-BR") == "en"
    assert choose_language(None, "pt-BR") == "pt"
    assert choose_language("xx", "de-DE") == "en"
    assert choose_language(None, None) == "en"


def test_numbers_read_the_local_way():
    assert number(1437.5, "en", 1) == "1,437.5"
    assert number(1437.5, "pt", 1) == "1.437,5"
    assert number(60000, "pt") == "60.000"
