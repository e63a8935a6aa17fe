"""A CSV table becomes a tabular dataset: separator and decimal comma detected, features encoded.

Brazilian spreadsheets export ``;`` between fields and ``,`` before decimals (``1.234,5``);
both conventions are recognised from the file itself. Each column is read as numbers or
as categories; numbers are standardised with the training rows' mean and standard
deviation and categories one-hot encoded with the training rows' categories. The mapping
(which column became which inputs, the means and spreads, the categories, what was filled
or dropped) is kept with the dataset and shown with it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from lib.data import own_store
from lib.own.upload_checks import (
    Progress,
    Report,
    UploadError,
    no_progress,
    random_split,
    stored_before,
    stratified_split,
)

MAX_CELLS = 1_000_000
MAX_COLUMNS = 2_000  # a table wider than this is no lesson dataset (a line of 1,000,000 fields is refused early)
MIN_ROWS = 5  # rows with a target; fewer cannot be split into training and test data worth the name
BINARY_MARKS = (b"\x00", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")  # NUL bytes, .xlsx/.ods (zip), PDF, .xls
MAX_CATEGORIES = 50  # a text column with more distinct values is an identifier or free text: dropped
MAX_CLASSES = 100
MAX_INTEGER_CLASSES = 20  # an integer target with at most this many values is taken for classes
TEXT_IN_NUMBERS = 0.05  # a column whose cells are numbers but for up to 5% is a column of numbers
MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/d", "#n/a"}
SEPARATORS = ",;\t|"
_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*,\d+$|^[+-]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})*\.\d+$|^[+-]?\d+\.\d+$")
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")  # "3.500" where the decimal mark is a comma


@dataclass
class Table:
    """A CSV read into text cells: the header, the rows, and how the file was written."""

    header: list[str]
    rows: list[list[str]]
    separator: str
    decimal: str

    def column(self, index: int) -> list[str]:
        """The cells of one column."""
        return [row[index] for row in self.rows]


@dataclass
class Column:
    """One column's cells read as numbers (``values``, NaN where missing) or as text."""

    name: str
    kind: str  # "number" | "category"
    values: np.ndarray  # float64 for numbers, object (str or None) for categories
    missing: int
    text_cells: int = 0  # cells of a number column that were not numbers (read as missing)
    text_example: str = ""


@dataclass(frozen=True)
class TableOptions:
    """Which column is the target and what task (part of the dataset's name)."""

    target: str
    task: str  # "classification" | "regression"
    test_fraction: float = 0.2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready options."""
        return {"target": self.target, "task": self.task, "test_fraction": self.test_fraction}


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM), else Windows-1252 (older spreadsheets)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_separator(text: str) -> str:
    """The field separator: the candidate that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_fields = ",", 1
    for sep in SEPARATORS:
        try:
            counts = {len(row) for row in csv.reader(lines, delimiter=sep)}
        except csv.Error:  # a field over the csv module's limit with this separator: not this one
            continue
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = sep, fields
    if best_fields == 1:  # ragged everywhere: the one most frequent in the header
        header = lines[0] if lines else ""
        best = max(SEPARATORS, key=header.count)
    return best


def detect_decimal(cells: list[str]) -> str:
    """``","`` when more cells look like ``3,5`` than like ``3.5``, else ``"."``."""
    comma = sum(1 for c in cells if _COMMA_DECIMAL.match(c) and not _DOT_DECIMAL.match(c))
    dot = sum(1 for c in cells if _DOT_DECIMAL.match(c) and not _COMMA_DECIMAL.match(c))
    return "," if comma > dot else "."


def read_table(data: bytes) -> Table:
    """Parse a CSV file, refusing what cannot be a table.

    Raises:
        UploadError: ``csv_binary`` (a spreadsheet or PDF, not text), ``csv_empty``,
            ``csv_no_header``, ``csv_ragged`` (with the line), ``csv_too_big`` (more than
            ``MAX_CELLS`` cells), ``csv_too_wide`` (more than ``MAX_COLUMNS`` columns),
            ``csv_unreadable`` (what the csv module cannot parse) or ``csv_one_column``.

    """
    head = data[:8192]
    if any(head.startswith(mark) or (mark == b"\x00" and mark in head) for mark in BINARY_MARKS):
        raise UploadError("csv_binary")
    text = decode(data)
    if not text.strip():
        raise UploadError("csv_empty")
    separator = detect_separator(text)
    lines = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        header, rows = _rows(lines)
    except csv.Error as exc:  # e.g. a field of over 131,072 characters, a NUL inside quotes
        raise UploadError("csv_unreadable", line=lines.line_num, detail=str(exc)[:120]) from exc
    if header is None or not rows:
        raise UploadError("csv_empty")

    if len(header) < 2:
        raise UploadError("csv_one_column")
    sample = [c for row in rows[:2000] for c in row]
    decimal = detect_decimal(sample)
    if all(_number(c, decimal) is not None for c in header if c):
        raise UploadError("csv_no_header", first=", ".join(header[:4])[:80])
    return Table(_unique_names(header), rows, separator, decimal)


def _rows(lines) -> tuple[list[str] | None, list[list[str]]]:
    """The header and the rows of a csv reader, refusing ragged, too wide and too big tables."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    for line_no, row in enumerate(lines, start=1):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if header is None:
            if len(cells) > MAX_COLUMNS:
                raise UploadError("csv_too_wide", got=len(cells), limit=MAX_COLUMNS)
            header = cells
            continue
        if len(cells) != len(header):
            raise UploadError("csv_ragged", line=line_no, got=len(cells), want=len(header))
        rows.append(cells)
        if len(rows) * len(header) > MAX_CELLS:
            raise UploadError("csv_too_big", limit=MAX_CELLS)
    return header, rows


def _unique_names(header: list[str]) -> list[str]:
    """Column names, blank ones named by position and repeated ones numbered."""
    seen: dict[str, int] = {}
    out = []
    for i, given in enumerate(header, start=1):
        name = given or f"col_{i}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _number(cell: str, decimal: str) -> float | None:
    """A cell as a number in this file's convention; None when it is not one."""
    if decimal == ",":
        if _COMMA_DECIMAL.match(cell) or _DOT_THOUSANDS.match(cell):
            cell = cell.replace(".", "").replace(",", ".")
    elif _DOT_DECIMAL.match(cell):
        cell = cell.replace(",", "")
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _plain_numbers(cells: list[str], decimal: str) -> np.ndarray | None:
    """The column in one NumPy conversion when every cell is a plain number; None otherwise.

    (The cell-by-cell reading below handles the rest: thousands separators, missing
    values, text; it is ten times slower on a 100,000-row table.)
    """
    text = np.array(cells)
    if decimal == ",":
        if (np.char.find(text, ".") >= 0).any():
            return None
        text = np.char.replace(text, ",", ".")
    try:
        values = text.astype("float64")
    except ValueError:
        return None
    return values if np.isfinite(values).all() else None


def read_column(table: Table, index: int) -> Column:
    """One column as numbers when (nearly) all its cells are numbers, else as categories."""
    cells, name = table.column(index), table.header[index]
    if (plain := _plain_numbers(cells, table.decimal)) is not None:
        return Column(name, "number", plain, 0)
    present = [c.lower() not in MISSING for c in cells]
    missing = len(cells) - sum(present)
    allowed = TEXT_IN_NUMBERS * (len(cells) - missing)  # more text cells than this: categories
    values, texts = np.full(len(cells), np.nan), []
    for row, (cell, known) in enumerate(zip(cells, present)):
        if not known:
            continue
        if (number := _number(cell, table.decimal)) is not None:
            values[row] = number
        elif len(texts) + 1 <= allowed:
            texts.append(cell)
        else:
            categories = np.array([c if k else None for c, k in zip(cells, present)], dtype=object)
            return Column(name, "category", categories, missing)
    if missing == len(cells):
        return Column(name, "category", np.full(len(cells), None, dtype=object), missing)
    return Column(name, "number", values, missing, len(texts), texts[0][:30] if texts else "")


def guess_task(column: Column) -> str:
    """Classes for text or a few whole numbers; a value to predict (regression) otherwise."""
    if column.kind == "category":
        return "classification"
    values = column.values[~np.isnan(column.values)]
    whole = bool(np.all(values == np.round(values)))
    return "classification" if whole and len(np.unique(values)) <= MAX_INTEGER_CLASSES else "regression"


@dataclass
class TableScan:
    """What the page shows before the target is chosen."""

    table: Table
    columns: list[Column]

    @property
    def names(self) -> list[str]:
        """Column names, in file order."""
        return self.table.header

    def task_of(self, target: str) -> str:
        """The task guessed for ``target``."""
        return guess_task(self.columns[self.names.index(target)])


def scan_table(data: bytes) -> TableScan:
    """Read a CSV and each of its columns (see :func:`read_table` for what is refused)."""
    table = read_table(data)
    return TableScan(table, [read_column(table, i) for i in range(len(table.header))])


def ingest_table(
    data: bytes, filename: str, options: TableOptions, uploader: str = "", progress: Progress = no_progress
) -> Report:
    """Make and store the dataset a CSV holds, predicting ``options.target``.

    Raises:
        UploadError: the file is refused (see :func:`read_table`), or the target cannot be
            learned (``target_missing_column``, ``target_single``, ``target_not_numeric``,
            ``target_too_many``), fewer than ``MIN_ROWS`` rows have one (``csv_too_few``), or no
            feature is left (``csv_no_features``).

    """
    name = own_store.dataset_name(data, {"kind": "table", **options.to_dict()})
    if (before := stored_before(name)) is not None:
        return before
    report = Report(name)
    scan = scan_table(data)
    progress(0.4)
    if options.target not in scan.names:
        raise UploadError("target_missing_column", name=options.target)
    target = scan.columns[scan.names.index(options.target)]
    y, class_names, keep = _target(target, options.task, report)
    features = [c for c in scan.columns if c.name != options.target]
    rows = np.flatnonzero(keep)
    if len(rows) < MIN_ROWS:
        raise UploadError("csv_too_few", rows=len(rows), least=MIN_ROWS)
    if options.task == "classification":
        train, test = (rows[i] for i in stratified_split(y[rows], options.test_fraction))
    else:
        train, test = (rows[i] for i in random_split(len(rows), options.test_fraction))
    x, mapping, feature_names = _encode(features, train, report)
    progress(0.9)
    info = {
        "kind": "tabular",
        "task": options.task,
        "input_shape": [x.shape[1]],
        "num_classes": len(class_names),
        "train_size": len(train),
        "test_size": len(test),
        "source": filename,
        "license": "",
        "pixel_max": 255.0,
        "draw_recipe": None,
        "title": PurePosixPath(filename).stem or filename,
        "class_names": class_names,
        "feature_names": feature_names,
        "standardized": True,
        "upload": {
            "file": filename,
            "uploader": uploader,
            "options": options.to_dict(),
            "separator": scan.table.separator,
            "decimal": scan.table.decimal,
            "rows": len(scan.table.rows),
            "mapping": mapping,
            "notes": report.notes,
        },
    }
    arrays = {"x_train": x[train], "y_train": y[train], "x_test": x[test], "y_test": y[test]}
    report.created = own_store.save(name, info, arrays)
    progress(1.0)
    return report


def _target(column: Column, task: str, report: Report) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Encoded target (class ids or values), class names, and which rows keep a usable target."""
    if task == "regression":
        if column.kind != "number":
            raise UploadError("target_not_numeric", name=column.name)
        keep = ~np.isnan(column.values)
        if column.text_cells:
            report.add("target_text", name=column.name, count=column.text_cells, example=column.text_example)
        _note_dropped_rows(report, column, int((~keep).sum()))
        if len(np.unique(column.values[keep])) < 2:
            raise UploadError("target_single", name=column.name)
        return np.where(keep, column.values, 0.0).astype("float32"), [], keep
    labels = np.array([_label(v) for v in column.values], dtype=object)
    keep = np.array([v is not None for v in labels])
    _note_dropped_rows(report, column, int((~keep).sum()))
    names, counts = np.unique(labels[keep].astype(str), return_counts=True)
    rare = names[counts < 2]
    if len(rare):
        report.add("rare_classes", name=column.name, count=len(rare), classes=", ".join(rare[:5]))
        keep &= ~np.isin(labels.astype(str), rare)
        names = names[counts >= 2]
    if len(names) < 2:
        raise UploadError("target_single", name=column.name)
    if len(names) > MAX_CLASSES:
        raise UploadError("target_too_many", name=column.name, count=len(names), limit=MAX_CLASSES)
    names = sorted(names, key=_natural)
    index = {n: i for i, n in enumerate(names)}
    y = np.array([index.get(str(v), 0) for v in labels], dtype="int32")
    return y, list(names), keep


def _label(value: Any) -> str | None:
    """A class name from a cell: whole numbers without ``.0``; None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else repr(value)
    return str(value)


def _natural(name: str) -> tuple:
    """Numbers in numeric order (2 before 10), then text alphabetically."""
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name)


def _note_dropped_rows(report: Report, column: Column, count: int) -> None:
    if count:
        report.add("target_missing", name=column.name, count=count)


def _encode(features: list[Column], train: np.ndarray, report: Report) -> tuple[np.ndarray, list[dict], list[str]]:
    """Standardise numbers and one-hot encode categories with the training rows' statistics."""
    blocks, mapping, names = [], [], []
    for column in features:
        entry: dict[str, Any] = {"column": column.name, "kind": column.kind, "missing": column.missing}
        block = _number_block(column, train, entry, report) if column.kind == "number" else None
        if column.kind == "category":
            block = _category_block(column, train, entry, report)
        mapping.append(entry)
        if block is None:
            continue
        blocks.append(block)
        names += [column.name] if column.kind == "number" else [f"{column.name}={c}" for c in entry["categories"]]
    if not blocks:
        raise UploadError("csv_no_features")
    return np.column_stack(blocks).astype("float32"), mapping, names


def _number_block(column: Column, train: np.ndarray, entry: dict, report: Report) -> np.ndarray | None:
    values = column.values.copy()
    known = values[train][~np.isnan(values[train])]
    if len(np.unique(known)) < 2:
        entry["dropped"] = "constant"
        report.add("dropped_constant", name=column.name)
        return None
    mean, std = float(known.mean()), float(known.std()) or 1.0
    if column.text_cells:
        report.add("text_in_numbers", name=column.name, count=column.text_cells, example=column.text_example)
    if missing := int(np.isnan(values).sum()):
        report.add("filled_mean", name=column.name, count=missing)
    values[np.isnan(values)] = mean
    entry.update(mean=mean, std=std, text_cells=column.text_cells)
    return ((values - mean) / std)[:, None]


def _category_block(column: Column, train: np.ndarray, entry: dict, report: Report) -> np.ndarray | None:
    seen = [v for v in column.values[train] if v is not None]
    categories = sorted(set(seen), key=_natural)
    if len(categories) > MAX_CATEGORIES:
        entry["dropped"] = "too_many_categories"
        report.add("dropped_categories", name=column.name, count=len(categories), limit=MAX_CATEGORIES)
        return None
    if len(categories) < 2:
        entry["dropped"] = "constant"
        report.add("dropped_constant", name=column.name)
        return None
    if column.missing:
        report.add("missing_category", name=column.name, count=column.missing)
    entry["categories"] = categories
    index = {c: i for i, c in enumerate(categories)}
    block = np.zeros((len(column.values), len(categories)), dtype="float32")
    for row, value in enumerate(column.values):
        if (i := index.get(value)) is not None:
            block[row, i] = 1.0
    return block
