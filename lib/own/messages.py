"""What the own-data panel says, in the user's language: refusals, notes, the table's encoding."""

from __future__ import annotations

from typing import Any

from lib.i18n import number, t
from lib.own.upload_checks import UploadError


def _formatted(values: dict[str, Any], lang: str) -> dict[str, Any]:
    """Whole numbers written the reader's way (``1.000`` in Portuguese); the rest as it is."""
    return {key: number(v, lang) if isinstance(v, int) else v for key, v in values.items()}


def error_text(err: UploadError, file: str, lang: str) -> str:
    """An upload refusal (``own.err.<code>``), naming the file."""
    return t(f"own.err.{err.code}", lang, upload=file, **_formatted(err.values, lang))


def note_text(code: str, values: dict[str, Any], lang: str) -> str:
    """One thing an ingest did (``own.note.<code>``: skipped files, filled values)."""
    return t(f"own.note.{code}", lang, **_formatted(values, lang))


def mapping_rows(mapping: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """A table's encoding, one row per column: standardised, one-hot or left out, and its missing cells."""
    rows = []
    for entry in mapping:
        if "dropped" in entry:
            how = t(f"own.map.dropped.{entry['dropped']}", lang)
        elif entry["kind"] == "number":
            how = t("own.map.number", lang, mean=number(entry["mean"], lang, 3), std=number(entry["std"], lang, 3))
        else:
            cats = ", ".join(entry["categories"][:6])
            how = t("own.map.category", lang, n=number(len(entry["categories"]), lang), cats=cats)
        missing = number(entry["missing"], lang)
        rows.append(
            {t("ds.feature", lang): entry["column"], t("own.map.how", lang): how, t("own.map.missing", lang): missing}
        )
    return rows


def preview_rows(header: list[str], rows: list[list[str]], count: int = 5) -> list[dict[str, str]]:
    """The first rows of a table as records, for a preview."""
    return [dict(zip(header, row)) for row in rows[:count]]
