"""Translation catalogs: the same keys everywhere, and class names that match the data."""

from __future__ import annotations

import re
import string

import pytest

from lib.data import datasets
from lib.i18n import LANGUAGES, catalog, choose_language, number, t


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


def missing_words(info: datasets.DatasetInfo) -> list[str]:
    """What a built-in dataset lacks of its own words, in each of the app's languages."""
    out = []
    for lang in LANGUAGES:
        words = info.words.get(lang)
        if words is None:
            out.append(f"{info.name}: no words in {lang}")
            continue
        classes = info.num_classes if info.is_classification else 0
        features = info.input_shape[0] if info.kind == "tabular" else 0
        if not words.title.strip():
            out.append(f"{info.name}: no title in {lang}")
        if len(words.classes) != classes or not all(c.strip() for c in words.classes):
            out.append(f"{info.name}: {len(words.classes)} class names in {lang}, {classes} classes")
        if not len(words.features) == len(words.feature_help) == features:
            out.append(f"{info.name}: {len(words.features)} feature names in {lang}, {features} features")
    return out


@pytest.mark.parametrize("name", list(datasets.BUILT_IN))
def test_every_built_in_dataset_has_its_words_in_every_language(name):
    assert missing_words(datasets.BUILT_IN[name]) == []


def test_the_dataset_words_check_catches_a_missing_language():
    from dataclasses import replace

    mnist = datasets.BUILT_IN["mnist"]
    english_only = replace(mnist, words={"en": mnist.words["en"]})
    assert missing_words(english_only) == ["mnist: no words in pt"]
    short = replace(mnist, words={**mnist.words, "pt": replace(mnist.words["pt"], classes=("0", "1"))})
    assert missing_words(short) == ["mnist: 2 class names in pt, 10 classes"]


def test_dataset_texts_are_read_through_one_function():
    from lib.data.dataset_views import class_labels, dataset_credit, dataset_title, feature_names

    assert dataset_title("fashion_mnist", "pt") == "Fashion-MNIST" and dataset_title("imdb", "pt") == "Críticas do IMDB"
    assert class_labels("imdb", "pt") == ["negativa", "positiva"] and class_labels("imdb", "en")[1] == "positive"
    assert dataset_credit(datasets.BUILT_IN["cifar10"], "pt")[1] == "estilo MIT (CIFAR)"
    assert dataset_credit(datasets.BUILT_IN["cifar10"], "en")[1] == datasets.BUILT_IN["cifar10"].license
    assert len(feature_names(datasets.BUILT_IN["boston_housing"], "pt")) == 13
    assert dataset_title(datasets.POINTS_2D, "en") == t("ds.name.points2d", "en")  # not a registry dataset
    assert not [k for k in catalog("en") if k.startswith(("classes.", "features.", "ds.source.", "ds.license."))]


def test_reuters_topics_follow_keras_order():
    import keras

    assert list(datasets.BUILT_IN["reuters"].words["en"].classes) == list(keras.datasets.reuters.get_label_names())


def test_language_choice():
    assert choose_language("en", "pt-BR") == "en"
    assert choose_language(None, "pt-BR") == "pt"
    assert choose_language("xx", "de-DE") == "en"
    assert choose_language(None, None) == "en"


def test_numbers_read_the_local_way():
    assert number(1437.5, "en", 1) == "1,437.5"
    assert number(1437.5, "pt", 1) == "1.437,5"
    assert number(60000, "pt") == "60.000"
