"""Class sweeps: a teacher opens a sweep, each student's "train next cell" takes an untried cell.

A class sweep is one JSON file, ``<runs_dir>/.sweeps/<id>.json``: the base config, the
cells, and for each cell who took it and when. Several server sessions (threads) and even
several server processes may take cells at the same moment, so every change holds an
exclusive ``flock`` on ``<id>.lock`` while it reads, changes and atomically rewrites the
file: two students never get the same cell. Whether a cell is done is read from the run
store (its config hash), so the file holds only what the store cannot know: who took it.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lib.experiments.sweeps import cell_config
from lib.train.run_config import RunConfig
from lib.train.runstore import config_hash, read_json, write_json

SWEEPS = ".sweeps"
# A cell taken this long ago whose run never started (the student closed the tab) goes back.
CLAIM_TIMEOUT_S = 600.0
TRIED = ("queued", "running", "done", "failed")  # states of a cell's run that count as taken


def sweeps_dir(root: Path) -> Path:
    """Where the class sweeps of the run store at ``root`` live."""
    return root / SWEEPS


def sweep_id(base: RunConfig, cells: list[dict[str, Any]]) -> str:
    """The sweep's id: the hash of what it trains (the same sweep opened twice is one sweep)."""
    return config_hash({"base": base.to_dict(), "cells": cells})


def base_config(sweep: dict[str, Any]) -> RunConfig:
    """The sweep's base run config (the sweep file holds its JSON form)."""
    return RunConfig.from_dict(sweep["base"])


@contextmanager
def _locked(root: Path, sid: str) -> Iterator[Path]:
    """Hold the sweep's lock (across threads and processes); yields the sweep file's path."""
    folder = sweeps_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{sid}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder / f"{sid}.json"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_sweep(root: Path, base: RunConfig, cells: list[dict[str, Any]], teacher: str, title: str = "") -> str:
    """Open a sweep for the class (or re-open the same one); returns its id."""
    sid = sweep_id(base, cells)
    with _locked(root, sid) as path:
        sweep = read_json(path) or {
            "id": sid,
            "title": title or sid,
            "teacher": teacher,
            "created": time.time(),
            "base": base.to_dict(),
            "cells": [{"values": cell, "taken_by": "", "taken_at": 0.0} for cell in cells],
        }
        sweep["open"] = True
        write_json(path, sweep)
    return sid


def close_sweep(root: Path, sid: str) -> None:
    """Stop handing out cells (the finished ones stay, and the table stays visible)."""
    with _locked(root, sid) as path:
        if sweep := read_json(path):
            sweep["open"] = False
            write_json(path, sweep)


def load(root: Path, sid: str) -> dict[str, Any] | None:
    """The sweep ``sid`` (None when missing or damaged)."""
    if not sid.isalnum():
        return None
    sweep = read_json(sweeps_dir(root) / f"{sid}.json")
    return sweep if isinstance(sweep, dict) and isinstance(sweep.get("cells"), list) else None


def list_sweeps(root: Path) -> list[dict[str, Any]]:
    """Every class sweep, open ones first, newest first."""
    folder = sweeps_dir(root)
    found = [load(root, p.stem) for p in folder.glob("*.json")] if folder.exists() else []
    return sorted((s for s in found if s), key=lambda s: (not s.get("open"), -s.get("created", 0)))


def cell_run(sweep: dict[str, Any], index: int) -> str:
    """The run id of cell ``index`` of ``sweep``."""
    return config_hash(cell_config(base_config(sweep), sweep["cells"][index]["values"]))


def _free(cell: dict[str, Any], state: str | None, now: float) -> bool:
    """A cell is free when its run was never tried and nobody took it lately."""
    if state in TRIED:
        return False
    return not cell["taken_by"] or now - cell["taken_at"] > CLAIM_TIMEOUT_S


def take_next(root: Path, sid: str, nickname: str, state: Callable[[str], str | None], now: float | None = None):
    """Take the next untried cell for ``nickname``: ``(index, config)``, or None when none is left.

    ``state(run_id)`` is the state of a run in the store (None when it does not exist).
    The student's own taken cell that has not started yet is given back to them first.
    """
    now = time.time() if now is None else now
    with _locked(root, sid) as path:
        sweep = read_json(path)
        if not sweep or not sweep.get("open"):
            return None
        states = [state(cell_run(sweep, i)) for i in range(len(sweep["cells"]))]
        mine = [i for i, c in enumerate(sweep["cells"]) if c["taken_by"] == nickname and states[i] not in TRIED]
        index = mine[0] if mine else next((i for i, c in enumerate(sweep["cells"]) if _free(c, states[i], now)), None)
        if index is None:
            return None
        sweep["cells"][index].update(taken_by=nickname, taken_at=now)
        write_json(path, sweep)
    return index, cell_config(base_config(sweep), sweep["cells"][index]["values"])


def give_back(root: Path, sid: str, index: int, nickname: str) -> None:
    """Return a taken cell (its run could not start, e.g. the student already has one training)."""
    with _locked(root, sid) as path:
        sweep = read_json(path)
        if sweep and sweep["cells"][index]["taken_by"] == nickname:
            sweep["cells"][index].update(taken_by="", taken_at=0.0)
            write_json(path, sweep)


REFUSED = ("busy", "not_owner", "failed")  # job-manager outcomes that leave the cell to someone else


def train_next(
    root: Path, sid: str, nickname: str, state: Callable[[str], str | None], submit: Callable[[dict[str, Any]], Any]
) -> tuple[str, int | None, str | None]:
    """Take the next untried cell and ``submit`` it as this student's run.

    Returns ``(outcome, cell index, run id)``: ``"none_left"``, a refusal of
    :data:`REFUSED` (the cell is given back), or ``"took"`` with the run.
    """
    taken = take_next(root, sid, nickname, state)
    if taken is None:
        return "none_left", None, None
    index, config = taken
    submitted = submit(config)
    if submitted.outcome in REFUSED:
        give_back(root, sid, index, nickname)
        return submitted.outcome, index, None
    return "took", index, submitted.run_id


def sweep_label(sweep: dict[str, Any], lang: str) -> str:
    """A class sweep in the list: title, cell count, teacher, open or closed."""
    from lib.i18n import t

    state = t("sweep.class.open_state" if sweep.get("open") else "sweep.class.closed_state", lang)
    return t("sweep.class.item", lang, title=sweep["title"], n=len(sweep["cells"]),
             teacher=sweep.get("teacher") or "—", state=state)  # fmt: skip
