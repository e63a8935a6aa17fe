"""app_pages/parts/streamlit_fix.py: a click whose run is stopped before its widget states apply is kept."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState

from app_pages.parts import streamlit_fix
from app_pages.parts.streamlit_fix import keep_clicks_across_interruptions

BUTTON = "$$ID-0123456789abcdef-train.start"
FIELD = "$$ID-fedcba9876543210-widget.patience"


def _states(*, clicked: bool, patience: int) -> WidgetStates:
    states = WidgetStates()
    button = states.widgets.add()
    button.id = BUTTON
    button.trigger_value = clicked
    field = states.widgets.add()
    field.id = FIELD
    field.int_value = patience
    return states


def _interrupted(newer: RerunData) -> RerunData:
    """Apply a click's states while a newer request is waiting: what the interruption carries."""
    pending = [newer]

    def yield_point() -> None:
        if pending:
            raise RerunException(pending.pop())

    state = SafeSessionState(SessionState(), yield_callback=yield_point)
    with pytest.raises(RerunException) as stopped:
        state.on_script_will_rerun(_states(clicked=True, patience=2))
    return stopped.value.rerun_data


def _values(data: RerunData) -> dict:
    return {w.id: getattr(w, w.WhichOneof("value")) for w in data.widget_states.widgets}


def test_the_run_after_the_interruption_still_carries_the_click_and_the_newer_field_value():
    assert keep_clicks_across_interruptions()
    carried = _interrupted(RerunData(widget_states=_states(clicked=False, patience=4)))
    assert _values(carried) == {BUTTON: True, FIELD: 4}


def test_a_fragment_tick_that_interrupts_a_click_becomes_a_full_run():
    assert keep_clicks_across_interruptions()
    tick = RerunData(widget_states=_states(clicked=False, patience=2), fragment_id_queue=["poll"], is_auto_rerun=True)
    carried = _interrupted(tick)
    assert _values(carried)[BUTTON] is True
    assert carried.fragment_id_queue == [] and not carried.is_auto_rerun


def test_installing_twice_wraps_once():
    assert keep_clicks_across_interruptions() and keep_clicks_across_interruptions()
    assert not hasattr(SafeSessionState.on_script_will_rerun.__wrapped__, "__wrapped__")


def test_a_script_run_no_longer_clears_keras_and_still_closes_matplotlib_figures(tmp_path, monkeypatch):
    import keras
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    from app_pages.parts.streamlit_fix import keep_keras_state_across_runs

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append("cleared"))
    script = tmp_path / "page.py"
    script.write_text("import keras\nimport streamlit as st\nst.write(keras.config.backend())\n")
    original = getattr(script_runner, "_kp_original_clean", script_runner._clean_problem_modules)  # (installed?)
    monkeypatch.setattr(script_runner, "_clean_problem_modules", original)
    AppTest.from_file(str(script)).run()
    assert calls == ["cleared"]  # what the pinned Streamlit does after a run: the fix has something to undo
    assert keep_keras_state_across_runs()
    AppTest.from_file(str(script)).run()
    assert calls == ["cleared"]  # not again


class _Ctx:
    def __init__(self, fragment_ids: list[str]):
        self.fragment_ids_this_run = fragment_ids
        self.sent = []

    def enqueue(self, msg) -> None:
        self.sent.append(msg)


def _in_fragment(monkeypatch, ctx: _Ctx, fragment_id: str | None) -> None:
    from types import SimpleNamespace

    from streamlit.runtime.scriptrunner_utils import script_run_context

    monkeypatch.setattr(script_run_context, "get_script_run_ctx", lambda **_: ctx)
    thread_state = SimpleNamespace(fragment_id=fragment_id)
    monkeypatch.setattr(script_run_context.ThreadState, "get", staticmethod(lambda: thread_state))


def test_a_fragment_rerun_that_no_longer_polls_tells_the_browser_to_stop_its_timer(monkeypatch):
    ctx = _Ctx(["frag-1"])
    _in_fragment(monkeypatch, ctx, "frag-1")
    assert streamlit_fix.stop_polling_this_fragment()
    assert [list(m.stop_auto_rerun.fragment_ids) for m in ctx.sent] == [["frag-1"]]
    assert ctx.sent[0].WhichOneof("type") == "stop_auto_rerun"  # the message Streamlit's browser side handles


def test_in_a_full_run_or_outside_a_fragment_nothing_is_sent(monkeypatch):
    full_run = _Ctx([])
    _in_fragment(monkeypatch, full_run, "frag-1")
    assert not streamlit_fix.stop_polling_this_fragment()
    outside = _Ctx(["frag-1"])
    _in_fragment(monkeypatch, outside, None)
    assert not streamlit_fix.stop_polling_this_fragment()
    assert full_run.sent == outside.sent == []
