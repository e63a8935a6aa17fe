"""A class on one server: owners, the trash, continued runs as new runs, teacher mode."""

from __future__ import annotations

import os
import time

import pytest

from lib.classroom import clean_nickname, configured_passphrase, may_manage, passphrase_matches
from lib.train import runstore
from lib.train.config_check import config_problems
from lib.train.jobs import continued_config
from lib.train.progress import Progress
from lib.train.run_config import Continues
from lib.train.run_views import lineage, progress
from lib.train.runstore import ParentMissing, RunStore, config_hash
from tests.job_helpers import digits_config


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs")


def _finished(store: RunStore, config: dict, nickname: str, epochs: int = 2) -> str:
    """A run as training leaves it: ``epochs`` epochs of history and a saved model."""
    run_id = store.create(config, nickname)
    done = list(range(1, epochs + 1))
    store.write_history(run_id, {"epoch": done, "metrics": {"loss": [1.0 / e for e in done]}})
    store.write_batches(run_id, {"x": [0.5, 1.0, 1.5, 2.0][: 2 * epochs], "loss": [1.0, 0.9, 0.8, 0.7][: 2 * epochs]})
    store.model_path(run_id).write_bytes(b"model of " + run_id.encode())
    store.update_status(run_id, state="done", epochs_done=epochs, train_seconds=3.0)
    return run_id


def test_the_first_nickname_owns_a_run_and_later_ones_are_users(store):
    run_id = store.create(digits_config(), "ana")
    store.claim(run_id, "bia")
    store.claim(run_id, "ana")
    assert store.owner(run_id) == {"owner": "ana", "users": ["ana", "bia"]}
    store.create(digits_config(), "caio")  # trained again (reset): it stays ana's
    assert store.owner(run_id)["owner"] == "ana" and "caio" in store.owner(run_id)["users"]
    (store.path(run_id) / "owner.json").write_text("[1, 2]")  # damaged: reads as nobody's
    assert store.owner(run_id) == {}


def test_trash_restore_and_purge_after_a_day(store, monkeypatch):
    run_id = _finished(store, digits_config(), "ana")
    store.trash(run_id, by="ana")
    assert not store.exists(run_id) and run_id not in store.list() and store.damaged() == []
    [entry] = store.trashed()
    assert entry["run"] == run_id and entry["owner"] == "ana" and entry["by"] == "ana" and entry["model"]
    assert store.restore(entry["entry"]) and store.exists(run_id) and store.status(run_id).state == "done"
    assert store.model_path(run_id).read_bytes().startswith(b"model of")
    assert store.trashed() == []
    store.trash(run_id)
    _finished(store, digits_config(), "bia")  # the same settings trained again meanwhile
    assert not store.restore(store.trashed()[0]["entry"])  # never overwrites a live run
    assert not store.restore("../../etc") and not store.restore("x.y")
    monkeypatch.setattr(runstore.time, "time", lambda: time.monotonic() + 10**10)  # a day and more later
    assert store.trashed() == [] and list((store.root / runstore.TRASH).iterdir()) == []


def test_a_continued_run_copies_its_start_and_leaves_the_parent_alone(store):
    parent = _finished(store, digits_config(epochs=2), "ana")
    before = {p.name: p.read_bytes() for p in store.path(parent).iterdir()}
    child_config = continued_config(store.config(parent), parent, 2, 3)
    assert config_problems(child_config) == []
    child = store.create(child_config, "bia")
    assert child == config_hash(child_config) != parent
    assert store.status(child).epochs_done == 2 and store.status(child).epochs_target == 5
    assert store.history(child)["epoch"] == [1, 2] and store.batches(child)["x"] == [0.5, 1.0, 1.5, 2.0]
    assert store.model_path(child, "checkpoint").read_bytes() == store.model_path(parent).read_bytes()
    assert {p.name: p.read_bytes() for p in store.path(parent).iterdir()} == before
    assert lineage(store, child) == [parent, child] and store.owner(child)["owner"] == "bia"
    store.trash(parent)
    with pytest.raises(ParentMissing):
        store.create(continued_config(store.config(child), child, 2, 1).replace(continues=Continues(parent, 1)))


@pytest.mark.parametrize(
    "continues",
    [
        {"run": "x" * 16, "epoch": 5},
        {"run": "../" * 6, "epoch": 1},
        {"run": "a" * 16},
        [1],
        {"run": "a" * 16, "epoch": 1, "extra": 1},
        {"run": "a" * 16, "epoch": True},
    ],
)
def test_malformed_continuations_are_refused(continues):
    config = digits_config(epochs=5).to_dict() | {"continues": continues}  # the JSON form, as an import brings it
    assert [p.code for p in config_problems(config)] == ["malformed"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  Ana   Souza ", "Ana Souza"),
        ("joão_2", "joão_2"),
        ("", None),
        ("a" * 25, None),
        ("<b>x</b>", None),
        ("x/../y", None),
        (None, None),
        ("a\nb", "a b"),
    ],
)
def test_nicknames(text, expected):
    assert clean_nickname(text) == expected


def test_teacher_passphrase_comes_from_configuration_only():
    assert configured_passphrase({}, {}) == ""
    assert configured_passphrase({}, {"teacher_passphrase": "short"}) == ""  # too short to be a secret
    assert configured_passphrase({"KP_TEACHER_PASSPHRASE": "correct horse"}, {"teacher_passphrase": "other one"}) == (
        "correct horse"
    )
    assert configured_passphrase({}, {"teacher_passphrase": "other one"}) == "other one"
    assert passphrase_matches("correct horse", "correct horse")
    assert not passphrase_matches("", "") and not passphrase_matches("correct hors", "correct horse")
    assert os.environ.get("KP_TEACHER_PASSPHRASE") is None  # nothing hard-coded leaks into tests


def test_who_may_manage_a_run():
    assert may_manage("ana", "ana", teacher=False)
    assert not may_manage("ana", "bia", teacher=False)
    assert not may_manage("", "", teacher=False) and not may_manage("", "bia", teacher=False)
    assert may_manage("ana", "bia", teacher=True) and may_manage("", "", teacher=True)


def test_progress_of_a_live_job():
    assert progress(None) is None and progress(Progress(epoch=0)) is None
    live = Progress(epoch=3, initial_epoch=2, steps=10, batch=5, epochs=4)
    assert progress(live) == pytest.approx(15 / 20)


def test_only_the_owner_or_a_teacher_moves_runs_to_the_trash(store):
    from lib.classroom import may_restore, trash_runs

    ana, bia = _finished(store, digits_config(epochs=1), "ana"), _finished(store, digits_config(epochs=2), "bia")
    training = _finished(store, digits_config(epochs=3), "ana")
    trashed, refused = trash_runs(store, [ana, bia, training, "f" * 16], "ana", False, lambda r: r == training)
    assert trashed == [ana] and refused == [bia, training, "f" * 16]
    assert store.exists(bia) and store.exists(training) and not store.exists(ana)
    [entry] = store.trashed()
    assert may_restore(entry, "ana", False) and not may_restore(entry, "bia", False) and may_restore(entry, "", True)
    assert trash_runs(store, [bia], "prof", True, lambda r: False) == ([bia], [])
