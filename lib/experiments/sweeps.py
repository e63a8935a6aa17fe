"""Hyperparameter sweeps: a set of ordinary runs, one per cell of a grid or of random draws.

The sweepable parameters are declared once (:data:`PARAMS`): each names its kind, where it
lives in a run config, its allowed range and the values a grid starts from; the page's
widgets, the cells, the results table and the parallel-coordinates chart all come from it.
A cell is a run config (the base config with the cell's values written in), so a cell that
was trained before, by anyone, is answered from the run store by its hash.

Why not KerasTuner: a tuner owns the training loop (``tuner.search`` calls ``fit`` itself,
in the calling process) and keeps its oracle's state in its own project folder, while a
run here is a job keyed by its config hash in a store the whole class shares, trained in
a worker pool with live progress and stop. A grid or random search needs no oracle; a
Bayesian one would need the oracle without its loop, which KerasTuner does not offer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lib.model.compile_registry import OPTIMIZERS
from lib.train.run_config import RunConfig

MAX_CELLS = 64  # a class of 30 fills a 30-cell grid; more than this is a night's work on one server
MAX_VALUES = 8  # values of one parameter in a grid


@dataclass(frozen=True)
class SweepParam:
    """One parameter a sweep can vary.

    Attributes:
        name: id, also the catalog key ``sweep.param.<name>``.
        kind: ``log_float`` (drawn log-uniformly), ``float``, ``int`` or ``choice``.
        low, high: allowed range (numeric kinds).
        grid: the values a grid starts from.
        options: the values the page offers (a grid picks among them; random ranges span them).
        choices: allowed values (``choice``).
        path: keys of the value in a run config (settings), or None for a layer parameter.
        layer: ``(class_name, config key, skip_output)`` of a layer parameter: the first such
            layer of the model (not the output layer when ``skip_output``).
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    grid: tuple = ()
    options: tuple = ()
    choices: tuple = ()
    path: tuple[str, ...] | None = None
    layer: tuple[str, str, bool] | None = None

    def layer_index(self, config: RunConfig | dict[str, Any]) -> int | None:
        """Index in the spec's ``layers`` of the layer this parameter sets (None: no such layer)."""
        class_name, _, skip_output = self.layer
        layers = _json_form(config)["spec"]["layers"]
        last = len(layers) - 1 if skip_output else len(layers)
        return next((i for i, layer in enumerate(layers[:last]) if layer["class_name"] == class_name), None)

    def applies(self, config: RunConfig) -> bool:
        """False when the model has no layer for this parameter (no Dropout to sweep, for one)."""
        return self.layer is None or self.layer_index(config) is not None

    def read(self, config: RunConfig) -> Any:
        """The parameter's value in ``config`` (None when it does not apply)."""
        data = config.to_dict()  # parameters are paths in the config's JSON form
        if self.layer is not None:
            index = self.layer_index(data)
            return None if index is None else data["spec"]["layers"][index]["config"].get(self.layer[1])
        value = data
        for key in self.path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def write(self, data: dict[str, Any], value: Any) -> None:
        """Set the parameter in ``data``, a config's JSON form (the parameter must apply)."""
        if self.layer is not None:
            data["spec"]["layers"][self.layer_index(data)]["config"][self.layer[1]] = value
            return
        where = data
        for key in self.path[:-1]:
            where = where[key]
        if self.name == "optimizer":
            _switch_optimizer(where, value)
            return
        where[self.path[-1]] = value

    def check(self, value: Any) -> bool:
        """True when ``value`` is allowed for this parameter."""
        if self.kind == "choice":
            return value in self.choices
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if self.kind == "int" and int(value) != value:
            return False
        return self.low <= value <= self.high


def _switch_optimizer(compile_settings: dict[str, Any], name: str) -> None:
    """Another optimizer with the same learning rate (its other parameters at their defaults)."""
    rate = compile_settings["optimizer_params"].get("learning_rate", OPTIMIZERS[name].default_lr)
    params = {p.name: p.default for p in OPTIMIZERS[name].params}
    compile_settings["optimizer"] = name
    compile_settings["optimizer_params"] = {**params, "learning_rate": rate}


# Declared once; the order is the order of the table's columns and of writing a cell's values
# (the optimizer before the learning rate, so a swept rate lands in the new optimizer).
PARAMS: dict[str, SweepParam] = {p.name: p for p in (
    SweepParam("optimizer", "choice", grid=("Adam", "SGD"), options=tuple(OPTIMIZERS), choices=tuple(OPTIMIZERS),
               path=("settings", "compile", "optimizer")),
    SweepParam("learning_rate", "log_float", 1e-5, 1.0, (0.001, 0.01),
               (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
               path=("settings", "compile", "optimizer_params", "learning_rate")),
    SweepParam("batch_size", "int", 4, 1024, (32, 128), (8, 16, 32, 64, 128, 256, 512),
               path=("settings", "fit", "batch_size")),
    SweepParam("epochs", "int", 1, 100, (5, 10), (1, 2, 3, 5, 10, 20, 30, 50), path=("settings", "fit", "epochs")),
    SweepParam("units", "int", 1, 1024, (32, 128), (8, 16, 32, 64, 128, 256, 512), layer=("Dense", "units", True)),
    SweepParam("dropout", "float", 0.0, 0.9, (0.0, 0.3), (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
               layer=("Dropout", "rate", False)),
)}  # fmt: skip


@dataclass
class SweepPlan:
    """What to vary and how.

    Attributes:
        values: for a grid, the values of each chosen parameter; for random draws, ``[low, high]``
            of a numeric parameter or the choices of a ``choice`` one.
        mode: ``grid`` or ``random``.
        budget: cells to train (random: how many draws; grid: 0 for all, else a random subset).
        seed: the random draws' seed (the same plan gives the same cells, hence the same runs).
    """

    values: dict[str, list] = field(default_factory=dict)
    mode: str = "grid"
    budget: int = 0
    seed: int = 0


@dataclass
class SweepProblem:
    """Why a plan cannot run; ``code`` keys ``sweep.err.<code>`` in the catalogs."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)


def grid_size(plan: SweepPlan) -> int:
    """Cells of the full grid of ``plan`` (0 when nothing is chosen or a parameter has no value)."""
    return math.prod(len(v) for v in plan.values.values()) if plan.values else 0


def _values_problem(plan: SweepPlan, name: str, values: list, base: RunConfig) -> SweepProblem | None:
    """What is wrong with one parameter's values (None when nothing)."""
    param = PARAMS[name]
    if not param.applies(base):
        return SweepProblem("not_applicable", {"param": name, "layer": param.layer[0]})
    if not values:
        return SweepProblem("no_values", {"param": name})
    if bad := [v for v in values if not param.check(v)]:
        low, high = (param.low, param.high) if param.kind != "choice" else ("", "")
        return SweepProblem("bad_value", {"param": name, "value": bad[0], "low": low, "high": high})
    if plan.mode == "grid" and len(values) > MAX_VALUES:
        return SweepProblem("too_many_values", {"param": name, "max": MAX_VALUES})
    if plan.mode == "random" and param.kind != "choice" and (len(values) != 2 or values[0] > values[1]):
        return SweepProblem("bad_range", {"param": name})
    return None


def plan_problems(plan: SweepPlan, base: RunConfig) -> list[SweepProblem]:
    """Everything that stops ``plan`` from making cells for ``base``, in the order a reader fixes them."""
    if not plan.values:
        return [SweepProblem("no_params")]
    out = [p for name, values in plan.values.items() if (p := _values_problem(plan, name, values, base))]
    if out:
        return out
    cells = grid_size(plan) if plan.mode == "grid" else plan.budget
    if plan.mode == "grid" and plan.budget > cells:
        return [SweepProblem("budget_over_grid", {"budget": plan.budget, "cells": cells})]
    if plan.mode == "grid" and plan.budget:
        cells = plan.budget
    if cells <= 0:
        return [SweepProblem("no_cells")]
    if cells > MAX_CELLS:
        return [SweepProblem("too_many_cells", {"cells": cells, "max": MAX_CELLS})]
    return []


def _draw(param: SweepParam, values: list, rng: np.random.Generator) -> Any:
    """One random value of ``param`` from its choices or ``[low, high]`` (rounded to read well)."""
    if param.kind == "choice":
        return values[int(rng.integers(len(values)))]
    low, high = values
    if param.kind == "log_float":
        return float(f"{math.exp(rng.uniform(math.log(low), math.log(high))):.2g}")
    if param.kind == "int":
        return int(rng.integers(int(low), int(high) + 1))
    return round(float(rng.uniform(low, high)), 2)


def cells(plan: SweepPlan) -> list[dict[str, Any]]:
    """The cells of ``plan`` (each ``{param: value}``), without repeats, in a stable order.

    Call :func:`plan_problems` first: a plan with problems has no meaningful cells.
    """
    names = [n for n in PARAMS if n in plan.values]
    rng = np.random.default_rng(plan.seed)
    if plan.mode == "grid":
        grid = [dict(zip(names, combo)) for combo in itertools.product(*(plan.values[n] for n in names))]
        if plan.budget and plan.budget < len(grid):
            grid = [grid[i] for i in sorted(rng.choice(len(grid), plan.budget, replace=False))]
        return grid
    out: list[dict[str, Any]] = []
    for _ in range(plan.budget * 20):  # repeats are dropped (they are the same run); stop when enough
        cell = {n: _draw(PARAMS[n], plan.values[n], rng) for n in names}
        if cell not in out:
            out.append(cell)
        if len(out) == plan.budget:
            break
    return out


def cell_config(base: RunConfig, cell: dict[str, Any]) -> RunConfig:
    """``base`` with the cell's values written in (a new run config).

    Written into the JSON form, where each parameter is a path (:data:`PARAMS`), and read back.
    """
    data = base.to_dict()
    for name, param in PARAMS.items():
        if name in cell:
            param.write(data, cell[name])
    return RunConfig.from_dict(data)


def _json_form(config: RunConfig | dict[str, Any]) -> dict[str, Any]:
    return config.to_dict() if isinstance(config, RunConfig) else config


def submit_cells(submit: Callable[[RunConfig], Any], base: RunConfig, sweep_cells: list[dict]) -> list[Any]:
    """Submit every cell's config (``submit`` is e.g. ``JobManager.submit`` with the owner bound)."""
    return [submit(cell_config(base, cell)) for cell in sweep_cells]


def higher_is_better(metric: str) -> bool:
    """True for accuracy-like metrics, False for losses and errors."""
    return not any(word in metric for word in ("loss", "error", "mse", "mae"))


def best_index(rows: list[dict[str, Any]]) -> int | None:
    """Index of the best finished cell by its ``metric``/``value`` (None while no cell has a value)."""
    scored = [(i, r) for i, r in enumerate(rows) if r.get("value") is not None and r.get("state") == "done"]
    if not scored:
        return None
    sign = 1 if higher_is_better(scored[0][1]["metric"]) else -1
    return max(scored, key=lambda item: sign * item[1]["value"])[0]


def result_rows(store, base: RunConfig, sweep_cells: list[dict], status=None) -> list[dict[str, Any]]:
    """One row per cell: its values, run id, state, epochs and best validation metric.

    ``status(run_id)`` gives a run's status (``JobManager.status`` sees lost jobs too);
    by default the store's.
    """
    from lib.train.run_views import best_validation
    from lib.train.runstore import config_hash

    status = status or store.status
    rows = []
    for cell in sweep_cells:
        run_id = config_hash(cell_config(base, cell))
        known = store.exists(run_id)
        metric, value = best_validation(store.history(run_id)) if known else ("", None)
        state = status(run_id).state if known else "untried"
        rows.append({"values": cell, "run": run_id, "state": state, "metric": metric, "value": value})
    return rows


def ordered(values: dict[str, Any]) -> list[str]:
    """The parameter names of a cell in :data:`PARAMS` order (a cell read back from JSON is sorted by name)."""
    return [n for n in PARAMS if n in values]


def value_text(name: str, value: Any, lang: str) -> str:
    """A parameter value as ``lang`` writes it (``0,001`` in Portuguese)."""
    from lib.i18n import number

    if value is None or PARAMS[name].kind == "choice":
        return "—" if value is None else str(value)
    if PARAMS[name].kind == "int":
        return number(value, lang)
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "pt" else text


def table_rows(
    rows: list[dict[str, Any]], lang: str, best: int | None = None, who: list[str] | None = None
) -> list[dict[str, str]]:
    """Result rows as a table in ``lang``: one column per swept parameter, then state, metric and run.

    ``who`` (a class sweep) adds who took each cell.
    """
    from lib.i18n import number, t

    out = []
    for i, row in enumerate(rows):
        cells = {t(f"sweep.param.{n}", lang): value_text(n, row["values"][n], lang) for n in ordered(row["values"])}
        value = "—" if row["value"] is None else f"{row['metric']} {number(row['value'], lang, 4)}"
        out.append({
            "#": str(i + 1), **cells, t("sweep.col.state", lang): t(f"sweep.state.{row['state']}", lang),
            t("sweep.col.metric", lang): value + (" ★" if i == best else ""), t("sweep.col.run", lang): row["run"],
            **({t("sweep.col.who", lang): who[i] or "—"} if who is not None else {}),
        })  # fmt: skip
    return out


def finished(rows: list[dict[str, Any]]) -> int:
    """How many cells have ended (done, failed or stopped)."""
    return sum(r["state"] in ("done", "failed", "stopped") for r in rows)


def problem_text(problem: Any, lang: str) -> str:
    """A sweep plan's problem (``sweep.err.<code>``) with its parameter and values in ``lang``."""
    from lib.i18n import t

    values = dict(problem.values)
    if "param" in values:
        values["param"] = t(f"sweep.param.{values['param']}", lang)
    for key in ("value", "low", "high"):
        if isinstance(values.get(key), float):
            values[key] = value_text(problem.values["param"], values[key], lang)
    return t(f"sweep.err.{problem.code}", lang, **values)


def cell_text(cell: dict[str, Any], lang: str) -> str:
    """A cell's settings as ``Learning rate 0.01, Batch size 32`` in ``lang``."""
    from lib.i18n import t

    return ", ".join(f"{t(f'sweep.param.{n}', lang)} {value_text(n, cell[n], lang)}" for n in ordered(cell))


def chart_columns(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Parallel-coordinates columns of the finished cells: each swept parameter, then the metric."""
    from lib.i18n import t

    done = [r for r in rows if r["value"] is not None]
    if not done:
        return []
    columns = []
    for name in ordered(done[0]["values"]):
        param, values = PARAMS[name], [r["values"][name] for r in done]
        if param.kind == "choice":
            names = sorted(set(values))
            column = {"values": [names.index(v) for v in values], "ticks": dict(enumerate(names))}
        elif param.kind == "log_float":
            logs = [math.log10(v) for v in values]
            column = {"values": logs, "ticks": {lg: value_text(name, v, lang) for lg, v in zip(logs, values)}}
        else:
            column = {"values": values, "format": "d" if param.kind == "int" else ".2f"}
        columns.append({"label": t(f"sweep.param.{name}", lang), **column})
    columns.append({"label": done[0]["metric"], "values": [r["value"] for r in done], "format": ".4~f"})
    return columns
