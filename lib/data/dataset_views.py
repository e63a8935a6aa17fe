"""What the Datasets page shows, computed from a loaded dataset: tables and figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lib import charts
from lib.data import own_store
from lib.data.datasets import (
    REGISTRY,
    Dataset,
    DatasetInfo,
    DatasetWords,
    class_counts,
    decode_text,
    mean_images,
    samples_per_class,
)
from lib.i18n import FALLBACK, number, t

GRID_PER_CLASS = 16  # a row per class as wide as the page: readable on a projector
PIXEL_SAMPLE = 2000
MAX_CORRELATED = 30
MAX_OWN_CLASSES = 100  # lib.own.table_upload.MAX_CLASSES (an upload never has more)


def dataset_words(name: str, lang: str) -> DatasetWords:
    """A dataset's own words in ``lang``: the one reader of every dataset's title, class and feature names.

    A built-in dataset declares its words in each language (``DatasetInfo.words``); an
    uploaded one has its own names (one language: its author's), marked as the user's; one
    deleted since keeps its runs readable (classes by number); the playground's points are
    named in the catalogs.
    """
    info = REGISTRY.get(name)
    if own_store.looks_own(name):
        if info is None:  # deleted since; its runs still name their classes by number
            return DatasetWords(t("ds.own_deleted", lang, name=name), tuple(str(i) for i in range(MAX_OWN_CLASSES)))
        return DatasetWords(t("ds.own_name", lang, title=info.title), info.class_names, info.feature_names)
    if info is None:
        return DatasetWords(t(f"ds.name.{name}", lang))  # the playground's points (datasets.POINTS_2D)
    return info.words.get(lang) or info.words[FALLBACK]


def class_labels(name: str, lang: str) -> list[str]:
    """Class names of a classification dataset: translated, or an uploaded dataset's own."""
    return list(dataset_words(name, lang).classes)


def dataset_credit(info: DatasetInfo, lang: str) -> tuple[str, str]:
    """A built-in dataset's source and license lines in ``lang`` (citations stay as they are)."""
    words = dataset_words(info.name, lang)
    return words.source or info.source, words.license or info.license


def dataset_title(name: str, lang: str) -> str:
    """A dataset's display name: translated, or an uploaded dataset's file name (marked as the user's)."""
    return dataset_words(name, lang).title


def feature_names(info: DatasetInfo, lang: str) -> list[str]:
    """A tabular dataset's feature names: translated, or an uploaded table's (one-hot ones as ``column=value``)."""
    return list(dataset_words(info.name, lang).features)


def overview_rows(ds: Dataset, lang: str) -> list[dict[str, object]]:
    """One row per split: samples, shape and dtype of inputs and labels."""
    rows = []
    for split, x, y in (("train", ds.x_train, ds.y_train), ("test", ds.x_test, ds.y_test)):
        shape = x.shape if x.dtype != object else (len(x), "…")
        rows.append(
            {
                t("ds.split", lang): t(f"ds.{split}", lang),
                t("ds.samples", lang): number(len(x), lang),
                "x " + t("ds.shape", lang): str(tuple(shape)),
                "x " + t("ds.dtype", lang): "int (token ids)" if x.dtype == object else str(x.dtype),
                "y " + t("ds.dtype", lang): str(y.dtype),
            }
        )
    return rows


def image_figures(ds: Dataset, lang: str, shown: list[int]) -> dict[str, go.Figure]:
    """Sample grid (classes in ``shown``), class balance, pixel histogram and mean images."""
    info, labels = ds.info, class_labels(ds.info.name, lang)
    picks = samples_per_class(ds.y_train, GRID_PER_CLASS, info.num_classes)
    rows = [ds.x_train[picks[c]] for c in shown]
    means = mean_images(ds.x_train, ds.y_train, info.num_classes)
    return {
        "grid": charts.image_grid(rows, [labels[c] for c in shown], t("ds.grid", lang), info.pixel_max),
        "balance": _balance(ds, labels, lang),
        "pixels": charts.histogram(
            ds.x_train[:PIXEL_SAMPLE],
            t("ds.pixels", lang),
            t("ds.value", lang),
            t("ds.frequency", lang),
            bins=min(64, int(info.pixel_max) + 1),
        ),
        "means": charts.mean_image_row(means[shown], [labels[c] for c in shown], t("ds.means", lang), info.pixel_max),
    }


def _balance(ds: Dataset, labels: list[str], lang: str) -> go.Figure:
    n = ds.info.num_classes
    counts = {t("ds.train", lang): class_counts(ds.y_train, n), t("ds.test", lang): class_counts(ds.y_test, n)}
    return charts.class_balance(counts, labels, t("ds.balance", lang), t("ds.count", lang))


def text_figures(ds: Dataset, lang: str) -> dict[str, go.Figure]:
    """Length histogram and label balance of a text dataset."""
    lengths = np.array([len(s) for s in ds.x_train])
    return {
        "lengths": charts.histogram(lengths, t("ds.lengths", lang), t("ds.lengths", lang), t("ds.count", lang)),
        "balance": _balance(ds, class_labels(ds.info.name, lang), lang),
    }


def decoded_samples(ds: Dataset, lang: str, count: int = 3, max_words: int = 120) -> list[tuple[str, str]]:
    """The first ``count`` training texts decoded to words, with their translated label."""
    labels = class_labels(ds.info.name, lang)
    out = []
    for tokens, y in zip(ds.x_train[:count], ds.y_train[:count]):
        words = decode_text(tokens[: max_words + 1], ds.word_index or {})
        out.append((labels[int(y)], words + (" …" if len(tokens) > max_words else "")))
    return out


def feature_rows(ds: Dataset, lang: str) -> list[dict[str, object]]:
    """Each tabular feature with its description (built-in datasets) and summary statistics."""
    words = dataset_words(ds.info.name, lang)
    names = list(words.features)
    helps = list(words.feature_help) or [None] * len(names)  # an uploaded table's columns have no help
    x = ds.x_train
    return [
        {
            t("ds.feature", lang): n,
            **({t("ds.description", lang): h} if h is not None else {}),
            **{
                t(f"ds.stat.{stat}", lang): number(float(getattr(x[:, i], stat)()), lang, 3)
                for stat in ("min", "mean", "std", "max")
            },
        }
        for i, (n, h) in enumerate(zip(names, helps))
    ]


def tabular_figures(ds: Dataset, lang: str) -> dict[str, go.Figure]:
    """The target (histogram, or class balance) and the feature/target correlation heatmap.

    At most ``MAX_CORRELATED`` features are correlated (an uploaded table may have many
    one-hot columns); constant columns give no correlation and show as 0.
    """
    names = [*feature_names(ds.info, lang)[:MAX_CORRELATED], t("ds.target", lang)]
    columns = np.column_stack([ds.x_train[:, :MAX_CORRELATED], ds.y_train]).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.nan_to_num(np.corrcoef(columns.T))
    if ds.info.is_classification:
        target = _balance(ds, class_labels(ds.info.name, lang), lang)
    else:
        target = charts.histogram(
            ds.y_train, t("ds.target_hist", lang), t("ds.target_hist", lang), t("ds.count", lang), bins=30
        )
    return {"target": target, "correlation": charts.correlation_heatmap(matrix, names, t("ds.correlation", lang))}
