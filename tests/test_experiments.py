"""Experiments as sets of ordinary runs: sweeps, class sweeps, cross-validation, imbalance, baselines."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from lib.experiments import baseline, class_sweeps, sweeps
from lib.train import folds, imbalance
from lib.train.config_check import config_problems
from lib.train.evaluation import evaluate
from lib.train.jobs import JobManager
from lib.train.run_config import Fold
from lib.train.runstore import RunStore, config_hash
from tests.job_helpers import digits_config, wait


@pytest.fixture
def manager(tmp_path: Path) -> JobManager:
    return JobManager(RunStore(tmp_path / "runs"), workers=2)


def _wait_all(manager: JobManager, run_ids: list[str]) -> list[str]:
    return [wait(manager, r) for r in run_ids]


def test_a_2x2_grid_sweep_on_digits_completes_with_four_runs_and_a_best_cell_then_comes_from_the_cache(manager):
    base = digits_config(epochs=1, samples=200)
    plan = sweeps.SweepPlan({"learning_rate": [0.001, 0.01], "batch_size": [16, 64]})
    assert sweeps.plan_problems(plan, base) == []
    cells = sweeps.cells(plan)
    assert len(cells) == 4 and {"learning_rate": 0.01, "batch_size": 16} in cells

    def submit(config):
        return manager.submit(config, owner="s1", exclusive=False)

    first = sweeps.submit_cells(submit, base, cells)
    assert [s.outcome for s in first] == ["queued"] * 4
    assert _wait_all(manager, [s.run_id for s in first]) == ["done"] * 4
    rows = sweeps.result_rows(manager.store, base, cells)
    assert [r["state"] for r in rows] == ["done"] * 4 and all(r["metric"] == "val_accuracy" for r in rows)
    best = sweeps.best_index(rows)
    assert rows[best]["value"] == max(r["value"] for r in rows)
    best_fit = manager.store.config(rows[best]["run"]).fit
    assert best_fit.batch_size == rows[best]["values"]["batch_size"]

    created = {s.run_id: manager.store.status(s.run_id).created for s in first}
    again = sweeps.submit_cells(submit, base, cells)
    assert [s.outcome for s in again] == ["cached"] * 4  # no new training
    assert {s.run_id: manager.store.status(s.run_id).created for s in again} == created


def test_sweep_plans_are_checked_and_random_draws_are_repeatable():
    base = digits_config()
    assert [p.code for p in sweeps.plan_problems(sweeps.SweepPlan(), base)] == ["no_params"]
    no_dropout = sweeps.plan_problems(sweeps.SweepPlan({"dropout": [0.1, 0.2]}), base)
    assert [(p.code, p.values["layer"]) for p in no_dropout] == [("not_applicable", "Dropout")]
    over = sweeps.plan_problems(sweeps.SweepPlan({"epochs": [1, 2]}, budget=3), base)
    assert [(p.code, p.values) for p in over] == [("budget_over_grid", {"budget": 3, "cells": 2})]
    assert sweeps.plan_problems(sweeps.SweepPlan({"learning_rate": [5.0]}), base)[0].code == "bad_value"
    assert sweeps.plan_problems(sweeps.SweepPlan({"units": [8, 16]}, mode="random"), base)[0].code == "no_cells"
    plan = sweeps.SweepPlan({"learning_rate": [1e-4, 1e-1], "optimizer": ["SGD", "Adam"]}, "random", 5, seed=3)
    assert sweeps.plan_problems(plan, base) == []
    drawn = sweeps.cells(plan)
    assert drawn == sweeps.cells(plan) and len(drawn) == 5
    assert all(1e-4 <= c["learning_rate"] <= 1e-1 and c["optimizer"] in ("SGD", "Adam") for c in drawn)
    sgd = sweeps.cell_config(base, {"optimizer": "SGD", "learning_rate": 0.05, "units": 16})
    assert sgd.compile.optimizer_params == {"learning_rate": 0.05, "momentum": 0.0, "nesterov": False}
    assert sgd.spec["layers"][1]["config"]["units"] == 16 and sgd.spec["layers"][-1]["config"]["units"] == 10
    assert config_problems(sgd) == []


def test_two_students_never_get_the_same_cell_of_a_class_sweep(tmp_path):
    base = digits_config()
    cells = sweeps.cells(sweeps.SweepPlan({"epochs": [1, 2], "batch_size": [16, 32]}))
    sid = class_sweeps.open_sweep(tmp_path, base, cells, teacher="prof")
    assert class_sweeps.open_sweep(tmp_path, base, cells, teacher="prof") == sid  # the same sweep, once
    taken: list = []
    barrier = threading.Barrier(8)

    def student(i: int) -> None:
        barrier.wait()
        taken.append(class_sweeps.take_next(tmp_path, sid, f"student{i}", lambda run: None))

    threads = [threading.Thread(target=student, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [t[0] for t in taken if t is not None]
    assert sorted(got) == [0, 1, 2, 3] and taken.count(None) == 4
    sweep = class_sweeps.load(tmp_path, sid)
    assert len({c["taken_by"] for c in sweep["cells"]}) == 4
    # A cell whose run is already done (cached from anyone) is not handed out; a stale claim comes back.
    done = class_sweeps.cell_run(sweep, 0)
    later = sweep["cells"][1]["taken_at"] + class_sweeps.CLAIM_TIMEOUT_S + 1
    index, config = class_sweeps.take_next(tmp_path, sid, "late", lambda r: "done" if r == done else None, later)
    assert index == 1 and config_hash(config) == class_sweeps.cell_run(sweep, 1)
    class_sweeps.give_back(tmp_path, sid, 1, "late")
    class_sweeps.close_sweep(tmp_path, sid)
    assert class_sweeps.take_next(tmp_path, sid, "late", lambda r: None, later) is None
    assert [s["id"] for s in class_sweeps.list_sweeps(tmp_path)] == [sid]


def _take_two(root: Path, sid: str, nick: str) -> list:
    return [(taken or (None,))[0] for taken in (class_sweeps.take_next(root, sid, f"{nick}{i}", lambda r: None)
                                                for i in range(2))]  # fmt: skip


def test_server_processes_taking_cells_at_once_never_share_one(tmp_path):
    """The lock holds across processes too (two servers on one run store)."""
    import multiprocessing

    cells = sweeps.cells(sweeps.SweepPlan({"epochs": [1, 2, 3], "batch_size": [16, 32, 64]}))
    sid = class_sweeps.open_sweep(tmp_path, digits_config(), cells, teacher="prof")
    with multiprocessing.get_context("fork").Pool(6) as pool:
        got = pool.starmap(_take_two, [(tmp_path, sid, f"p{i}-") for i in range(6)])
    taken = [i for pair in got for i in pair if i is not None]
    assert sorted(taken) == list(range(9))  # 12 asks, 9 cells: each cell once, 3 asks get none


def test_three_fold_cross_validation_gives_three_runs_with_a_mean(manager):
    base = digits_config(epochs=1, samples=300)
    configs = folds.fold_configs(base, 3)
    assert all(config_problems(c) == [] for c in configs)
    runs = [manager.submit(c, owner="cv", exclusive=False).run_id for c in configs]
    assert len(set(runs)) == 3 and _wait_all(manager, runs) == ["done"] * 3
    scores = [manager.store.history(r)["metrics"]["val_accuracy"][-1] for r in runs]
    mean, std = folds.mean_std(scores)
    assert 0 < mean <= 1 and std >= 0
    # The folds are disjoint, cover the training data, and keep the class shares.
    x = np.arange(300, dtype="float32")[:, None]
    y = np.repeat(np.arange(10), 30)
    held = [folds.fold_split(x, y, Fold(3, i), seed=0)[2] for i in range(3)]
    assert sorted(np.concatenate([h[0][:, 0] for h in held]).tolist()) == list(range(300))
    assert all((np.bincount(h[1]) == 10).all() for h in held)


def test_experiment_keys_are_checked_and_leave_older_run_names_alone():
    config = digits_config().to_dict()  # the JSON form, as a link or an import brings it
    before = config_hash(config)
    assert "class_weight" not in config["settings"]["fit"]  # at its default: older runs keep their hashes
    assert config_hash(digits_config().with_fit(class_weight="none")) == before
    for key, value, code in (
        ("fold", {"k": 3, "index": 3}, "bad_fold"),
        ("fold", {"k": 1, "index": 0}, "bad_fold"),
        ("imbalance", {"classes": [1], "keep": 0.0}, "bad_imbalance"),
        ("imbalance", {"classes": list(range(10)), "keep": 0.5}, "bad_imbalance"),
        ("imbalance", {"classes": [10], "keep": 0.5}, "bad_imbalance"),
        ("imbalance", {"classes": [1], "keep": 0.5, "oversample": "twice"}, "bad_imbalance"),
    ):
        assert [p.code for p in config_problems({**config, key: value})] == [code], (key, value)
    config["settings"]["fit"]["class_weight"] = "balanced"
    assert config_problems(config) == [] and config_hash(config) != before
    config["settings"]["fit"]["class_weight"] = "sometimes"
    assert [p.code for p in config_problems(config)] == ["bad_setting"]


def test_imbalance_keeps_a_share_of_some_classes_and_oversampling_lifts_them():
    labels = np.repeat(np.arange(4), 100)
    kept = imbalance.kept_indices(labels, [1, 2], 0.05, seed=0)
    assert np.bincount(labels[kept]).tolist() == [100, 5, 5, 100]
    assert imbalance.emptied_classes(labels, [1], 0.004) == [1] and imbalance.emptied_classes(labels, [1], 0.05) == []
    weights = imbalance.balanced_class_weight(labels[kept], 4)
    assert weights[1] == pytest.approx(210 / (4 * 5)) and weights[0] == pytest.approx(210 / 400)
    x = np.random.default_rng(0).random((len(kept), 8, 8, 1)).astype("float32")
    x_more, y_more = imbalance.oversample(x, labels[kept], "copies", seed=0)
    assert np.bincount(y_more).tolist() == [100, 52, 52, 100]  # up to the median class count
    x_aug, _ = imbalance.oversample(x, labels[kept], "augment", seed=0)
    assert x_aug.shape == x_more.shape and 0 <= x_aug.min() and x_aug.max() <= 1


def test_class_weights_raise_the_recall_of_a_rare_class(manager):
    """Keep 5% of the digit 1 (7 of 145 training images): plain training never predicts it; weights do."""
    base = digits_config(epochs=5, samples=0)
    configs = imbalance.comparison_configs(base, [1], 0.05)
    runs = {way: manager.submit(c, owner="imb", exclusive=False).run_id for way, c in configs.items()}
    assert _wait_all(manager, list(runs.values())) == ["done"] * 3
    recall = {way: evaluate(manager.store, run)["report"]["1"]["recall"] for way, run in runs.items()}
    assert recall["class_weight"] > recall["plain"] + 0.2
    assert recall["augment"] > recall["plain"]


def test_the_baseline_is_computed_once_per_data_and_beats_chance(tmp_path, monkeypatch):
    config = digits_config(samples=500)
    result = baseline.baseline(tmp_path, config)
    assert result["metric"] == "accuracy" and result["train_samples"] == 500 and result["test_samples"] == 360
    assert 0.05 < result["majority"] < 0.15 and result["linear"] > 0.85
    other_model = digits_config(samples=500, optimizer="SGD")
    assert baseline.data_key(other_model) == baseline.data_key(config)  # the model does not matter
    monkeypatch.setattr(baseline, "compute", lambda c: pytest.fail("computed twice"))
    assert baseline.baseline(tmp_path, other_model) == result
    assert baseline.cached_baseline(tmp_path, digits_config(samples=400)) is None


def test_the_exported_script_weighs_classes_as_the_app_does():
    from lib.model.analysis import Target, analyse
    from lib.model.codegen import _CLASS_WEIGHT, export_script
    from lib.model.presets import PRESETS

    settings = PRESETS["digits_mlp"].settings().with_fit(class_weight="balanced")
    spec, target = PRESETS["digits_mlp"].spec((8, 8, 1)), Target("classes", 10)
    text = export_script(spec, analyse(spec, target), "digits", target, settings)
    compile(text, "weighted.py", "exec")
    assert "class_weight=class_weight," in text and _CLASS_WEIGHT.format(classes=10) in text
    y_train = np.repeat(np.arange(10), [50, 3] + [50] * 8)
    scope = {"np": np, "y_train": y_train}
    exec(textwrap.dedent(_CLASS_WEIGHT.format(classes=10)), scope)  # the script's own lines, on known labels
    assert scope["class_weight"] == pytest.approx(imbalance.balanced_class_weight(y_train, 10))
