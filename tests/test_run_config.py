"""The typed run config reads every run folder's config.json and names it as before.

The fixtures (tests/fixtures/run_configs) were written by ``RunStore.create`` before the
config had a type; each must read into :class:`RunConfig`, write back the very same dict,
and hash to the run id its folder was named by.
"""

import json
from pathlib import Path

import pytest

from lib.model.presets import PRESETS
from lib.model.train_config import TrainSettings
from lib.train.run_config import Continues, Fold, Imbalance, InitFrom, RunConfig, as_run_config
from lib.train.runstore import RunStore, config_hash

FIXTURES = Path(__file__).parent / "fixtures" / "run_configs"
RUN_IDS = json.loads((FIXTURES / "run_ids.json").read_text())


@pytest.mark.parametrize("case", sorted(RUN_IDS))
def test_every_old_run_folder_reads_into_the_type_and_keeps_its_name(case):
    data = json.loads((FIXTURES / f"{case}.json").read_text())
    config = RunConfig.from_dict(data)
    assert config.to_dict() == data
    assert config_hash(config.to_dict()) == RUN_IDS[case]


@pytest.mark.parametrize("case", sorted(RUN_IDS))
def test_a_run_folder_written_from_the_type_is_the_same_folder(tmp_path, case):
    data = json.loads((FIXTURES / f"{case}.json").read_text())
    store = RunStore(tmp_path)
    if case == "continued":  # a continued run starts from its parent's model
        store.model_path(data["continues"]["run"]).parent.mkdir(parents=True)
        store.model_path(data["continues"]["run"]).write_bytes(b"stand-in")
    run_id = store.create(RunConfig.from_dict(data).to_dict())
    assert run_id == RUN_IDS[case]
    assert json.loads((tmp_path / run_id / "config.json").read_text()) == data


def test_the_parts_read_typed():
    read = {case: RunConfig.from_dict(json.loads((FIXTURES / f"{case}.json").read_text())) for case in RUN_IDS}
    assert read["continued"].continues == Continues("eaa4be7c9d53425b", 3)
    assert read["continued"].fit.epochs == 5
    assert read["fold"].fold == Fold(5, 2)
    assert read["imbalance_augment"].imbalance == Imbalance((1, 3), 0.1, "augment")
    assert read["class_weight"].imbalance.oversample is None
    assert read["class_weight"].fit.class_weight == "balanced"
    assert read["transfer_frozen"].init_from.freeze is True
    assert isinstance(read["transfer_frozen"].init_from, InitFrom)
    assert read["transfer_frozen"].classes == (5, 6, 7, 8, 9)
    assert read["owner_copy"].owner == "ana"
    assert read["gan"].kind == "gan" and read["gan"].latent == 32 and read["gan"].backend == "auto"
    assert read["playground"].points["shape"] == "xor"
    assert read["lesson_raw_pixels"].pixels == "raw"
    assert read["split_jax"].backend == "jax" and read["split_jax"].fit.validation == "held_out"
    assert read["plain"].kind == "fit" and read["plain"].continues is None
    older = read["older_no_backend"]
    assert older.backend == "auto" and dict(older.extra) == {"note": "made by hand"}


def test_a_new_config_writes_the_keys_make_config_always_wrote():
    spec = PRESETS["digits_mlp"].spec((8, 8, 1))
    config = RunConfig(spec=spec.to_dict(), dataset="digits", settings=PRESETS["digits_mlp"].settings())
    assert set(config.to_dict()) == {"version", "spec", "dataset", "train_samples", "target", "settings", "backend"}
    assert config.to_dict() == RunConfig.from_dict(config.to_dict()).to_dict()


def test_changing_a_config_makes_a_new_one_and_leaves_the_old_as_it_was():
    old = RunConfig.from_dict(json.loads((FIXTURES / "plain.json").read_text()))
    new = old.with_fit(epochs=9).replace(owner="bia", fold=Fold(3, 1))
    assert old.fit.epochs == 20 and old.owner is None and old.to_dict() == RunConfig.from_dict(old.to_dict()).to_dict()
    assert new.to_dict()["settings"]["fit"]["epochs"] == 9
    assert new.to_dict()["owner"] == "bia" and new.to_dict()["fold"] == {"k": 3, "index": 1}
    assert "owner" not in new.replace(owner=None).to_dict()
    with pytest.raises(AttributeError):
        old.dataset = "mnist"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        old.fit.epochs = 2  # type: ignore[misc]


def test_the_json_form_is_a_copy():
    config = RunConfig.from_dict(json.loads((FIXTURES / "transfer_frozen.json").read_text()))
    data = config.to_dict()
    data["spec"]["layers"].clear()
    data["init_from"]["layers"].append("x")
    data["settings"]["compile"]["metrics"].append("mse")
    assert config.to_dict() == json.loads((FIXTURES / "transfer_frozen.json").read_text())


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"dataset": "digits", "classes": None},
        {"dataset": "digits", "continues": "not a parent", "fold": {"k": 2}, "settings": "damaged"},
        {"dataset": "digits", "imbalance": {"classes": [1], "keep": 0.5, "why": "?"}, "backend": None},
    ],
)
def test_damaged_or_odd_configs_still_read_and_write_back_unchanged(data):
    config = RunConfig.from_dict(data)
    assert config.to_dict() == data
    assert config.continues is None and config.fold is None and config.imbalance is None and config.classes is None


def test_settings_are_frozen_and_change_by_copy():
    settings = TrainSettings()
    changed = settings.with_fit(epochs=2).with_compile(loss="mse")
    assert (settings.fit.epochs, settings.compile.loss) == (5, "sparse_categorical_crossentropy")
    assert (changed.fit.epochs, changed.compile.loss) == (2, "mse")


def test_as_run_config_reads_a_dict_and_keeps_a_config():
    config = RunConfig(dataset="digits")
    assert as_run_config(config) is config
    assert as_run_config(config.to_dict()) == config
