"""The Architecture page through AppTest: presets, an edit into an invalid state, the fix."""

from __future__ import annotations

import json

from lib.train.setup_link import setup_from_token
from tests.apptest_helpers import open_page, texts


def _errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_load_preset_break_it_and_fix_it():
    at = open_page("architecture", "en")
    at.selectbox(key="arch.preset").set_value("keras_convnet").run()
    at.button(key="arch.load").click().run()
    assert not at.exception
    assert at.selectbox(key="widget.data.name").value == "fashion_mnist"
    assert "The model is valid: 34,826 parameters." in texts(at)
    # Move Flatten (5th layer) to the top: the convolutions now receive a flat vector.
    for _ in range(4):
        at.button(key="arch.up.flatten_1").click().run()
    errors = _errors(at)
    assert "conv2d_1" in errors and "(784,)" in errors and "Move Flatten after" in errors
    for _ in range(4):
        at.button(key="arch.down.flatten_1").click().run()
    assert not at.error and "34,826" in texts(at)


def test_impossible_parameter_is_explained_in_portuguese():
    at = open_page("architecture", "pt")
    at.selectbox(key="arch.preset").set_value("fashion_mlp").run()
    at.button(key="arch.load").click().run()
    at.text_input(key="arch.p.dropout_1.rate.pt").set_value("1,5").run()  # Portuguese fields take decimal commas
    assert "`rate` = 1,5 não é permitido" in _errors(at)
    at.text_input(key="arch.p.dropout_1.rate.pt").set_value("0,2").run()
    assert not at.error
    at.number_input(key="arch.p.dense_2.units").set_value(7).run()
    assert "o conjunto tem 10 classes" in _errors(at)
    assert "203.530" not in texts(at)


def test_add_layer_and_functional_branch_and_merge():
    at = open_page("architecture", "en")
    at.selectbox(key="arch.preset").set_value("two_branch_cnn").run()
    at.button(key="arch.load").click().run()
    assert not at.exception and not at.error
    assert at.get("graphviz_chart")
    dot = at.get("graphviz_chart")[0].proto.spec
    assert '"flatten_b" -> "concatenate"' in dot
    at.selectbox(key="arch.add_type").set_value("Dropout").run()
    at.button(key="arch.add").click().run()
    assert "dropout_1" in texts(at)
    assert "lead nowhere" not in _errors(at)  # the new layer is fed by the last one, and is the output


def test_export_json_and_script_downloads():
    at = open_page("architecture", "en")
    at.selectbox(key="arch.preset").set_value("digits_mlp").run()
    at.button(key="arch.load").click().run()
    share = next(c.value for c in at.code if "setup=" in c.value)
    assert "lang=en" in share
    assert setup_from_token(share.split("setup=")[1])["spec"] == json.loads(at.session_state["arch.spec"].to_json())
    buttons = [b for b in at.get("download_button")]
    assert len(buttons) == 2
    spec = json.loads(at.session_state["arch.spec"].to_json())
    assert spec["layers"][1]["config"]["units"] == 64


def test_an_mnist_lesson_network_offline_is_loaded_for_fashion_mnist_and_says_so(datasets_dir):
    at = open_page("architecture", "pt")
    at.selectbox(key="arch.preset").set_value("lenet5").run()
    at.button(key="arch.load").click().run()
    assert at.session_state["data.name"] == "fashion_mnist"
    assert "MNIST não está no cache do Keras deste servidor" in texts(at) and "Fashion-MNIST" in texts(at)
    assert not at.exception and "(28, 28, 1)" in texts(at)
