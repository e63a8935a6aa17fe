"""The address keeps the setup: a reload (a new session on the same URL) restores it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.train.jobs import own_copy
from lib.train.setup_link import restore_parts, setup_token
from tests.apptest_helpers import open_page, page_path, texts
from tests.job_helpers import digits_config


def _token(config: dict) -> str:
    """A token of any JSON (``setup_token`` keeps only the known keys)."""
    import base64
    import json
    import zlib

    return base64.urlsafe_b64encode(zlib.compress(json.dumps(config).encode())).decode().rstrip("=")


def _reload(at: AppTest, page: str) -> AppTest:
    """What F5 does: a new session on the same address."""
    params = {k: at.query_params[k] for k in at.query_params}
    params = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    fresh = open_page(None, params.pop("lang", "en"), **params)
    fresh.session_state["test.first_texts"] = texts(fresh)  # what the page opened on said
    fresh.switch_page(page_path(page)).run()
    assert not fresh.exception, fresh.exception
    return fresh


def test_an_address_opens_what_it_can_and_names_what_it_dropped():
    typed = digits_config(epochs=3)
    parts, dropped = restore_parts(setup_token(typed))
    assert dropped == [] and parts["dataset"] == "digits" and parts["settings"]["fit"]["epochs"] == 3
    config = typed.to_dict()  # what an address carries: the JSON form, here edited by hand
    stale = {**config, "dataset": "own-0123456789abcdef"}  # an uploaded dataset deleted since
    stale["settings"] = {**config["settings"], "fit": {**config["settings"]["fit"], "epochs": -4}}
    parts, dropped = restore_parts(_token({**stale, "backend": "cuda"}))
    assert set(dropped) == {"dataset", "settings", "backend"} and parts["model"][0].name == config["spec"]["name"]
    assert restore_parts("not-a-token!") == ({}, ["setup"])
    hostile = {**config, "dataset": ["digits"], "spec": {"layers": "x"}, "settings": [], "backend": {}, "extra": 1}
    parts, dropped = restore_parts(_token(hostile))
    assert parts == {} and set(dropped) == {"dataset", "model", "settings", "backend", "extra"}
    assert setup_token(own_copy(typed, "bia")) == setup_token(typed)  # an address never carries whose run it was


def test_a_reload_of_every_page_keeps_its_setup():
    at = open_page("architecture", "pt", nick="ana")
    at.selectbox(key="arch.preset").set_value("fashion_mlp").run()
    at.button(key="arch.load").click().run()
    at.number_input(key="arch.p.dense_1.units").set_value(96).run()
    at.switch_page(page_path("training")).run()
    at.number_input(key="train.w.epochs").set_value(4).run()
    at.selectbox(key="train.w.optimizer").set_value("SGD").run()
    assert at.query_params["setup"]
    for page in ("training", "architecture", "datasets", "home"):
        again = _reload(at, page)
        state = again.session_state
        assert state["data.name"] == "fashion_mnist", page
        assert state["arch.spec"].to_json() == at.session_state["arch.spec"].to_json(), page
        assert state["train.settings"] == at.session_state["train.settings"], page
    assert "Configuração compartilhada aberta" in again.session_state["test.first_texts"]


def test_the_experiment_and_the_demo_tab_are_in_the_address():
    at = open_page("experiments", "en")
    at.radio(key="widget.exp.kind").set_value("folds").run()
    assert at.query_params["exp"] in ("folds", ["folds"])
    assert _reload(at, "experiments").radio(key="widget.exp.kind").value == "folds"
    demo = open_page("demos", "en", demo="dropout")
    assert demo.session_state["demo.open"] == "dropout"
    bad = open_page("demos", "en", demo="nonsense")
    assert "the demo tab" in texts(bad) and bad.session_state["demo.open"] == "playground"
