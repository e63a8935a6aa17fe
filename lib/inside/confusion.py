"""The confusion matrix's cells: which test samples sit in a (true, predicted) cell, and clicks on it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL_SHOWN = 24


@dataclass
class Member:
    """One test sample of a cell: its index, and the model's probability for each class."""

    index: int
    true: int
    predicted: int
    probabilities: np.ndarray

    @property
    def confidence(self) -> float:
        """The probability the model gave its own answer."""
        return float(self.probabilities[self.predicted])


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """Class ids from (samples, classes) probabilities."""
    return np.asarray(probabilities).argmax(axis=-1)


def confusion(y_true: np.ndarray, probabilities: np.ndarray, classes: int) -> np.ndarray:
    """Counts of true (rows) against predicted (columns)."""
    matrix = np.zeros((classes, classes), dtype="int64")
    np.add.at(matrix, (np.asarray(y_true, dtype=int), predicted_classes(probabilities)), 1)
    return matrix


def most_confused(matrix: np.ndarray | list) -> tuple[int, int]:
    """The largest off-diagonal cell (the mistake made most often); the first diagonal cell if none."""
    matrix = np.asarray(matrix)
    off = matrix.copy()
    np.fill_diagonal(off, -1)
    if off.size == 0 or off.max() <= 0:
        return 0, 0
    true, predicted = np.unravel_index(int(off.argmax()), off.shape)
    return int(true), int(predicted)


def cell_members(
    y_true: np.ndarray, probabilities: np.ndarray, true: int, predicted: int, limit: int = CELL_SHOWN
) -> tuple[list[Member], int]:
    """The test samples of one cell, the most confident answers first, and how many the cell holds."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = predicted_classes(probabilities)
    found = np.flatnonzero((y_true == true) & (y_pred == predicted))
    order = found[np.argsort(-probabilities[found, predicted], kind="stable")]
    members = [Member(int(i), true, predicted, np.asarray(probabilities[i])) for i in order[:limit]]
    return members, len(found)


def mistakes_first(y_true: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Every test index, mistakes first (the most confident mistakes at the top), then the rest."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = predicted_classes(probabilities)
    confidence = probabilities[np.arange(len(y_pred)), y_pred]
    wrong = y_pred != y_true
    return np.lexsort((-confidence, ~wrong))


def clicked_cell(event: object, classes: int) -> tuple[int, int] | None:
    """The (true, predicted) cell a Plotly selection event names, or None.

    ``event`` is what ``st.plotly_chart(..., on_select="rerun")`` returns: its
    ``selection.points`` carry the ``customdata`` the figure put on each cell.
    """
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        points = getattr(getattr(event, "selection", None), "points", None)
    for point in points or []:
        data = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(data, list | tuple) and len(data) >= 2:
            true, predicted = int(data[0]), int(data[1])
            if 0 <= true < classes and 0 <= predicted < classes:
                return true, predicted
    return None


def selected_indices(event: object) -> list[int]:
    """Sample indices (each point's ``customdata[0]``) of a projector selection (click, box or lasso)."""
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return []
    out = []
    for point in points or []:
        data = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(data, list | tuple) and data and isinstance(data[0], int | float) and data[0] >= 0:
            out.append(int(data[0]))
    return out
