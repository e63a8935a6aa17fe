"""Few pictures per class: augmentation in one click, and transfer from a run on a built-in dataset."""

from __future__ import annotations

import numpy as np
import pytest

from lib.data import datasets
from lib.model.presets import PRESETS, for_dataset
from lib.model.spec import Node
from lib.own.image_upload import ImageOptions, ingest_images
from lib.train.jobs import JobManager
from lib.train.run_config import InitFrom
from lib.train.runstore import RunStore
from lib.train.training import make_config
from lib.train.transfer import init_from, is_small, transfer_sources, transferable_layers
from tests.apptest_helpers import open_page, page_path, rerun_until, texts
from tests.job_helpers import digits_config, wait
from tests.own_fixtures import class_zip

pytestmark = pytest.mark.usefixtures("own_data_dir")  # every upload lands in a private, empty folder


def _small_8x8_dataset() -> datasets.DatasetInfo:
    """Pictures made 8×8 grey: the same input shape as scikit-learn's digits."""
    name = ingest_images(class_zip(per_class=6), "formas.zip", ImageOptions(8, True, 0.34)).name
    return datasets.REGISTRY[name]


def test_small_means_fewer_than_fifty_per_class():
    assert is_small(36, 3) and not is_small(1437, 10) and not is_small(150, 3)


def test_only_leading_layers_with_the_same_weights_shapes_transfer():
    base = PRESETS["fashion_mlp"].spec((28, 28, 1))
    mine = PRESETS["fashion_mlp"].spec((28, 28, 1))
    mine.nodes[-1].config["units"] = 3  # other classes: the output never transfers
    assert transferable_layers(base, mine) == ["flatten_1", "dense_1", "dropout_1"]
    mine.nodes.insert(0, Node(mine.new_id("RandomFlip"), "RandomFlip", {"mode": "horizontal"}))
    assert transferable_layers(base, mine) == ["flatten_1", "dense_1", "dropout_1"]  # augmentation looked through
    mine.nodes[2].config["units"] = 128
    assert transferable_layers(base, mine) == ["flatten_1"]
    assert transferable_layers(PRESETS["fashion_mlp"].spec((8, 8, 1)), mine) == []  # another input shape


def test_a_frozen_start_keeps_the_base_runs_layers_and_learns_only_the_new_output(tmp_path):
    from lib.train.evaluation import load_run_model

    manager = JobManager(RunStore(tmp_path / "runs"), workers=1)
    base_id = manager.submit(digits_config(epochs=1, samples=300)).run_id
    assert wait(manager, base_id) == "done"
    info = _small_8x8_dataset()
    fitted = for_dataset(PRESETS["digits_mlp"], info)
    config = make_config(fitted.spec, info.name, 0, "classes", fitted.settings.with_fit(epochs=2))
    sources = transfer_sources(manager.store, fitted.spec, info.name)
    assert sources == {base_id: ["flatten_1", "dense_1"]}
    config = config.replace(init_from=init_from(base_id, sources[base_id], freeze=True))
    run_id = manager.submit(config).run_id
    assert wait(manager, run_id) == "done", manager.status(run_id)
    base, model = load_run_model(manager.store, base_id), load_run_model(manager.store, run_id)
    for a, b in zip(base.get_layer("dense_1").get_weights(), model.get_layer("dense_1").get_weights()):
        assert np.array_equal(a, b)  # frozen: exactly the base run's features
    assert model.get_layer("dense_2").get_weights()[0].shape == (64, 3)
    manager.store.trash(base_id)
    # Another config: it trains, but its base is gone.
    config = config.replace(init_from=init_from(base_id, sources[base_id], freeze=False))
    again = manager.submit(config).run_id
    assert wait(manager, again) == "failed" and manager.status(again).message == "base_missing"


def test_the_training_page_offers_augmentation_and_transfer_for_a_small_dataset():
    from app_pages.parts.shared import manager

    base_id = manager().submit(digits_config(epochs=1, samples=300)).run_id
    assert wait(manager(), base_id) == "done"
    info = _small_8x8_dataset()
    at = open_page("datasets", "pt")
    at.selectbox(key="widget.data.name").set_value(info.name).run()
    at.switch_page(page_path("architecture")).run()
    at.selectbox(key="arch.preset").set_value("digits_mlp").run()
    at.button(key="arch.load").click().run()
    at.switch_page(page_path("training")).run()
    assert not at.exception, at.exception
    assert "Poucas imagens: cerca de 4 por classe" in [e.label for e in at.expander]
    at.button(key="small.augment").click().run()
    assert [n.class_name for n in at.session_state["arch.spec"].nodes][:2] == ["RandomFlip", "RandomRotation"]
    assert "O modelo já começa com camadas de aumento." in texts(at)
    at.selectbox(key="small.base").set_value(base_id).run()
    assert "Camadas copiadas: flatten_1, dense_1." in texts(at)
    at.button(key="train.start").click().run()
    rerun_until(at, lambda a: "· **concluído** ·" in texts(a))
    run_id = at.session_state["train.run_id"]
    assert manager().store.config(run_id).init_from == InitFrom(base_id, ("flatten_1", "dense_1"), True)
