"""Translations: JSON catalogs per language in ``lib/locales``, the same keys in each.

A language's catalog is ``<lang>.json`` plus any ``<area>.<lang>.json`` beside it (one file
per part of the app, so parts grow their texts without touching one shared file); a key
defined twice is an error.

Catalog values are strings (``str.format`` templates). A dataset's own words (its title,
class and feature names) are not here: each built-in dataset declares them in both languages
in its registry entry (``lib/data/datasets.py`` ``DatasetWords``), as each layer does its help.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES: dict[str, str] = {"pt": "Português (Brasil)", "en": "English"}
FALLBACK = "en"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Return the catalog of ``lang`` (``"pt"`` or ``"en"``)."""
    merged: dict[str, str] = {}
    for path in [LOCALES_DIR / f"{lang}.json", *sorted(LOCALES_DIR.glob(f"*.{lang}.json"))]:
        part = json.loads(path.read_text(encoding="utf-8"))
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"{path.name} defines keys already defined: {sorted(twice)[:5]}")
        merged.update(part)
    return merged


def t(key: str, lang: str, **values: object) -> str:
    """Translate ``key`` into ``lang``, formatting ``values`` into it.

    A key missing from ``lang`` falls back to English, then to the key itself, so a gap
    shows up as a visible key instead of a crash (the catalog test keeps gaps out).
    """
    text = catalog(lang).get(key, catalog(FALLBACK).get(key, key))
    return text.format(**values) if values else text


def pick(bilingual: Mapping[str, str], lang: str) -> str:
    """Return the ``lang`` text of a ``{"en": ..., "pt": ...}`` pair kept beside code."""
    return bilingual.get(lang) or bilingual[FALLBACK]


def choose_language(query_value: str | None, browser_locale: str | None) -> str:
    """Pick the UI language: the ``lang`` query parameter, else the browser's locale.

    Portuguese for any ``pt*`` browser locale, English otherwise.
    """
    if query_value in LANGUAGES:
        return query_value
    if browser_locale and browser_locale.lower().startswith("pt"):
        return "pt"
    return FALLBACK


# Plotly's ``layout.separators``: the decimal mark, then the thousands separator.
SEPARATORS = {"en": ".,", "pt": ",."}


def number(value: float, lang: str, decimals: int = 0) -> str:
    """Format a number the way ``lang`` reads it (pt-BR: ``1.437,5``; en: ``1,437.5``)."""
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):  # -0.0004 rounds to 0, not "-0.000"
        text = text[1:]
    if lang == "pt":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def scientific(value: float, lang: str, decimals: int = 1) -> str:
    """A tiny or huge number in scientific notation (``4.5e-08``; pt-BR ``4,5e-08``)."""
    text = f"{value:.{decimals}e}"
    return text.replace(".", ",") if lang == "pt" else text


def uploader_css(lang: str, limit_mb: int) -> str:
    """CSS that writes Streamlit's own file-uploader texts ("Upload", "50MB per file") in ``lang``.

    Streamlit 1.67 has no setting for them: the CSS hides its words and shows the catalog's.
    """
    button = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
    rule = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    return (
        f"<style>{button}, {rule} {{font-size: 0}}"
        f'{button}::after {{content: "{t("app.upload", lang)}"; font-size: 0.875rem}}'
        f'{rule}::after {{content: "{t("app.upload_limit", lang, mb=limit_mb)}"; font-size: 0.875rem}}</style>'
    )


_THOUSANDS_PT = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d*)?")


def decimal_text(value: float, lang: str) -> str:
    """A number as a field shows it (``%g``: 0.001, 1e-05), with the decimal comma in Portuguese."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "pt" else text


def parse_decimal(text: str, lang: str) -> float | None:
    """A number typed into a field, or None when it is not one.

    Portuguese: ``0,001`` and ``1.234,5`` (a point before groups of three digits is a
    thousands separator); a lone point still reads as a decimal point (``0.001``), as a
    student used to calculators types it. English: Python's own reading (``1e-3`` too).
    """
    text = text.strip().replace(" ", "").replace("\u2212", "-")
    if lang == "pt":
        if _THOUSANDS_PT.fullmatch(text):
            text = text.replace(".", "")
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_decimals(text: str, lang: str) -> list[float] | None:
    """A list of numbers (``2,0; 1,0; 0,1`` in Portuguese, ``2.0, 1.0, 0.1`` in English), or None."""
    parts = [p for p in text.split(";" if lang == "pt" else ",") if p.strip()]
    if lang != "pt" and ";" in text:
        parts = [p for p in text.split(";") if p.strip()]
    values = [parse_decimal(p, lang) for p in parts]
    return None if not values or any(v is None for v in values) else [float(v) for v in values]


def list_separator(lang: str) -> str:
    """What separates numbers in a typed list: ``;`` where the comma is the decimal mark."""
    return "; " if lang == "pt" else ", "
