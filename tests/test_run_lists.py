"""Run lists a student can read (own first, named by what differs, experiments grouped); labels in Portuguese."""

from __future__ import annotations

from lib.data.dataset_views import dataset_credit
from lib.data.datasets import REGISTRY
from lib.train.jobs import own_copy
from lib.train.run_config import Fold
from lib.train.run_views import experiment_of, ordered_runs, run_names, setting_label
from lib.train.runstore import RunStore
from tests.job_helpers import digits_config


def test_own_runs_come_first_named_by_what_differs_with_experiments_grouped(tmp_path):
    store = RunStore(tmp_path)
    theirs = store.create(digits_config(epochs=2, samples=300), "ana")
    mine_short = store.create(digits_config(epochs=2, samples=200), "bia")
    mine_long = store.create(digits_config(epochs=5, samples=200), "bia")
    fold = store.create(digits_config(epochs=2, samples=200).replace(fold=Fold(3, 0)), "bia")
    copy = store.create(own_copy(digits_config(epochs=2, samples=300), "bia"), "bia")
    order = ordered_runs(store, [theirs, mine_short, fold, mine_long, copy], "bia")
    assert order[:3] == [copy, mine_long, mine_short] and order[3] == fold and order[-1] == theirs
    names = run_names(store, order, "pt")
    assert "Épocas 5" in names[mine_long] and "Épocas 2" in names[mine_short]
    assert names[fold].startswith("Validação cruzada · ") and "Cópia" not in names[copy]
    assert experiment_of(store.config(fold)) == "folds" and experiment_of(store.config(theirs)) == ""
    assert {store.owner(r)["owner"] for r in order} == {"ana", "bia"}  # every run has an owner


def test_no_english_left_in_run_diff_labels_and_dataset_credits():
    assert setting_label("spec.layers[2].class_name", "pt") == "Camada 3 · tipo de camada"
    assert setting_label("spec.layers[2].class_name", "en") == "Layer 3 · layer type"
    source = dataset_credit(REGISTRY["digits"], "pt")[0]
    assert "imagens" in source and "1.797" in source and "images" not in source
    assert "domínio público" in dataset_credit(REGISTRY["boston_housing"], "pt")[1]


def test_the_report_table_gives_every_row_every_column_and_the_accuracy_row_dashes():
    from lib.train.run_views import report_rows

    report = {
        "0": {"precision": 1.0, "recall": 0.5, "f1-score": 0.667, "support": 2},
        "1": {"precision": 0.5, "recall": 1.0, "f1-score": 0.667, "support": 1},
        "accuracy": 0.667,
    }
    rows = report_rows(report, ["cat", "dog"], "pt")
    assert len({tuple(r) for r in rows}) == 1 and None not in [v for r in rows for v in r.values()]
    accuracy = rows[-1]
    assert accuracy["F1"] == "0,667" and list(accuracy.values()).count("—") == 3
