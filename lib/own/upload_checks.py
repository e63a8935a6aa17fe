"""What the two uploads (a zip of class folders, a CSV table) share: errors, limits, the split.

Every refusal is an :class:`UploadError` whose ``code`` keys a message in the catalogs
(``own.err.<code>``) and whose ``values`` fill it in (the file, the class, the line, the
limit), so the page can say what is wrong and what to do in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lib.data import own_store
from lib.errors import CodedError

Progress = Callable[[float], None]  # fraction done, 0..1


class UploadError(CodedError):
    """An upload that cannot become a dataset; nothing was written."""


@dataclass
class Report:
    """What an ingest did that the user should know (skipped files, filled values, dropped columns).

    ``notes`` are ``(code, values)`` pairs, each an ``own.note.<code>`` catalog key.
    """

    name: str = ""
    created: bool = True
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, code: str, **values: Any) -> None:
        """Record one thing worth saying."""
        self.notes.append((code, values))


def stored_before(name: str) -> Report | None:
    """The report of an upload stored before (the same file with the same options), else None."""
    return Report(name, created=False) if own_store.read_info(name) is not None else None


def stratified_split(y: np.ndarray, test_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices, ``test_fraction`` of each class in the test set (at least one each side).

    Every class has at least two samples here (checked before), so both sides get one.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = min(max(1, round(test_fraction * len(members))), len(members) - 1)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def random_split(count: int, test_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices for a regression target (no classes to stratify by)."""
    order = np.random.default_rng(seed).permutation(count)
    n_test = min(max(1, round(test_fraction * count)), count - 1)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def no_progress(_: float) -> None:
    """The progress callback used when nobody is watching."""
