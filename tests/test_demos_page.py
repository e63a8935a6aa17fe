"""Every demo through AppTest: it shows its picture and reacts to its controls."""

from __future__ import annotations

import json

import numpy as np

from tests.apptest_helpers import chart_titles, open_page, plotly_specs, rerun_until, texts


def _spec(at, title: str) -> dict:
    return next(json.loads(s) for s in plotly_specs(at) if title in json.loads(s)["layout"]["title"]["text"])


def open_demo(at, name: str, lang: str) -> None:
    """Click the demo's tab (what the tab writes: its label under the page's tabs key)."""
    from lib.i18n import t

    at.session_state[f"demo.tabs.{lang}"] = t(f"demo.tab.{name}", lang)
    at.run()
    assert at.session_state["demo.open"] == name


def test_convolution_step_and_sizes():
    at = open_page("demos", "en", demo="conv")  # (only the open demo runs)
    assert "⌊(5 − 3) / 1⌋ + 1 = **3**" in texts(at)
    assert "= **42**" in texts(at)  # the lesson's stated result, in the centre cell shown first
    at.radio(key="demo.conv.padding").set_value("same").run()
    assert "⌈5 / 1⌉ = **5**" in texts(at)
    at.slider(key="demo.conv.stride").set_value(2).run()
    assert "⌈5 / 2⌉ = **3**" in texts(at)
    assert "Output 3×3" in chart_titles(at)


def test_pooling_activations_and_dropout_in_portuguese():
    at = open_page("demos", "pt", demo="pool")
    assert "máximo 2×2" in chart_titles(at)  # pooling the 5×5 input with a 2×2 window, stride 2
    open_demo(at, "act", "pt")
    assert "máximo 2×2" not in chart_titles(at)  # only the open demo runs
    at.text_input(key="demo.act.logits.pt").set_value("2; 1; 0,1").run()  # Portuguese: decimal commas, ';' between
    probs = _spec(at, "Softmax com temperatura")
    assert abs(sum(probs["data"][0]["y"]) - 100) < 1e-6
    at.text_input(key="demo.act.logits.pt").set_value("a; b").run()
    assert "Digite números" in "\n".join(e.value for e in at.error)
    at.toggle(key="demo.act.d").set_value(True).run()
    plot = _spec(at, "Funções de ativação")
    assert "relu′" in [trace["name"] for trace in plot["data"]]
    open_demo(at, "dropout", "pt")
    at.select_slider(key="demo.drop.rate.pt").set_value(0.25).run()  # (shown as 0,25)
    assert "1/(1 − p) = 1,33" in texts(at)


def test_augmentation_grid_and_experiment_runs():
    at = open_page("demos", "en", demo="augment")
    grid = _spec(at, "random versions")
    assert len(grid["layout"]["yaxis"]["ticktext"]) == 4
    assert grid["data"][0]["type"] == "heatmap"  # grayscale images drawn as a heatmap (not an empty colour image)
    at.number_input(key="demo.aug.samples").set_value(200).run()
    at.number_input(key="demo.aug.epochs").set_value(2).run()
    at.button(key="demo.aug.run").click().run()
    runs = at.session_state["demo.aug.runs"]
    assert set(runs) == {"plain", "augmented"} and runs["plain"] != runs["augmented"]
    rerun_until(at, lambda a: "with augmentation: done" in texts(a) and "without augmentation: done" in texts(a))
    compare = _spec(at, "Validation accuracy")
    assert {t["name"] for t in compare["data"]} == {"without augmentation", "with augmentation"}


def test_autoencoder_trains_and_shows_reconstructions_and_latent_space():
    at = open_page("demos", "en", demo="autoencoder")
    at.button(key="demo.ae.train").click().run()
    rerun_until(at, lambda a: any("Latent space" in t for t in chart_titles(a)))
    latent = _spec(at, "Latent space")
    assert len(latent["data"]) == 10
    at.slider(key="demo.ae.noise").set_value(0.3).run()
    grid = _spec(at, "original, input with noise")
    assert grid["layout"]["yaxis"]["ticktext"] == ["original", "with noise", "rebuilt"]
    assert grid["data"][0]["type"] == "heatmap"
    assert np.isfinite(len(grid["data"]))


def test_transfer_learning_runs_task_a_then_three_task_b_runs(datasets_dir):
    from tests import keras_fixtures

    keras_fixtures.write_fashion(datasets_dir, n_train=600, n_test=100)
    at = open_page("demos", "en", demo="transfer")
    assert "MobileNetV2" in texts(at)
    at.number_input(key="demo.tl.samples").set_value(50).run()
    at.number_input(key="demo.tl.epochs").set_value(3).run()
    at.button(key="demo.tl.run").click().run()
    rerun_until(at, lambda a: "Task B test accuracy" in texts(a))
    table = at.dataframe[-1].value
    assert table.shape[0] == 3
    runs = at.session_state["demo.tl"]["runs"]
    from app_pages.parts.shared import manager

    config = manager().store.config(runs["frozen"])
    assert config.classes == (5, 6, 7, 8, 9) and config.init_from.freeze is True
    assert config.init_from.run == runs["base"]


def test_gan_trains_as_a_run_with_losses_and_samples_per_epoch():
    at = open_page("demos", "en", demo="gan")
    at.number_input(key="demo.gan.epochs").set_value(3).run()
    at.button(key="demo.gan.train").click().run()
    rerun_until(at, lambda a: "The same 16 noise vectors after epoch 3" in chart_titles(a))
    losses = _spec(at, "Losses")
    assert {t["name"] for t in losses["data"]} == {"discriminator", "generator"}
    at.slider(key="demo.gan.epoch").set_value(1).run()
    assert "The same 16 noise vectors after epoch 1" in chart_titles(at)


def test_playground_trains_a_perceptron_then_an_mlp_and_draws_the_boundary():
    at = open_page("demos", "pt")
    assert "nenhuma reta sozinha as separa" in texts(at)  # why a perceptron cannot learn XOR
    at.slider(key="demo.pg.epochs").set_value(10).run()
    at.button(key="demo.pg.train").click().run()
    rerun_until(at, lambda a: "**concluído** · época 10 de 10" in texts(a))
    boundary = _spec(at, "O que o modelo responde, época 10")
    assert boundary["data"][0]["z"] and boundary["layout"]["separators"] == ",."
    assert not any("primeira camada oculta" in t for t in chart_titles(at))  # a perceptron has none
    at.segmented_control(key="demo.pg.model").set_value("mlp").run()
    at.button(key="demo.pg.train").click().run()
    rerun_until(at, lambda a: "**concluído** · época 10 de 10" in texts(a) and len(_units(a)) == 1)
    units = _units(at)[0]
    z = units["data"][0]["z"]  # Plotly sends arrays typed: {"dtype", "bdata", "shape"}
    assert z["shape"].replace(" ", "") == f"41,{4 * 41 + 3}"  # four units of the first hidden layer, side by side
    assert "Acurácia nos pontos separados para teste" in [m.label for m in at.metric]
    at.select_slider(key="demo.pg.epoch").set_value(1).run()
    assert _spec(at, "O que o modelo responde, época 1")


def _units(at) -> list[dict]:
    return [json.loads(s) for s in plotly_specs(at) if "primeira camada oculta" in s]


def _z(spec: dict) -> np.ndarray:
    """A heatmap's values (Plotly sends arrays typed: base64 bytes, a dtype and a shape)."""
    import base64

    z = spec["data"][0]["z"]
    if not isinstance(z, dict):
        return np.asarray(z, dtype=float)
    shape = [int(n) for n in str(z["shape"]).split(",")]
    return np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"])).reshape(shape)


def test_dropout_shows_the_lessons_classic_scaling_beside_keras_inverted_dropout():
    at = open_page("demos", "en", demo="dropout")
    at.slider(key="demo.drop.rate").set_value(0.25).run()
    layer, classic_test = _z(_spec(at, "Activations")), _z(_spec(at, "Classic, test"))
    assert np.allclose(classic_test, layer * 0.75, atol=0.011)  # every unit × (1 − p) at test time
    classic_train, mask = _z(_spec(at, "Classic, training")), _z(_spec(at, "Training mask"))
    assert np.allclose(classic_train, layer * mask, atol=0.011)  # kept units, unscaled
    assert "1 − p = 0.75" in texts(at) and "divides by (1 − p)" in texts(at)
