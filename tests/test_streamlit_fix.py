"""app_pages/streamlit_fix.py: a click whose run is stopped before its widget states apply is kept."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState

from app_pages.streamlit_fix import keep_clicks_across_interruptions

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

    from app_pages.streamlit_fix import keep_keras_state_across_runs

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
