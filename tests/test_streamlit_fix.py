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


class _StoppingRunner:
    """A script runner that has finished its last run and is stopping: it refuses new requests."""

    def request_rerun(self, _data) -> bool:
        return False

    def request_stop(self) -> None:
        pass


def _session_whose_runner_is_stopping(tmp_path):
    """A real AppSession whose current runner refuses a rerun; its replacement is recorded, not started."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.script_data import ScriptData
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    script = tmp_path / "app.py"
    script.write_text("")
    session = AppSession(ScriptData(str(script)), MemoryUploadedFileManager("/upload"), ScriptCache(), None, {})
    stopping, replacement = _StoppingRunner(), _StoppingRunner()
    session._scriptrunner = stopping
    session._create_scriptrunner = lambda _data: setattr(session, "_scriptrunner", replacement)
    return session, stopping, replacement


def _last_run_of(session, runner) -> list[str]:
    """The events of ``runner``'s last full run (start, one element, success, shutdown), handled in order."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    from streamlit.runtime.scriptrunner_utils.run_descriptor import RunDescriptor

    run = RunDescriptor("closing-run", ())
    element = ForwardMsg()
    element.delta.new_element.markdown.body = "done"
    element.metadata.delta_path[:] = [0, 0]
    handle = session._handle_scriptrunner_event_on_event_loop
    page = session._client_state.page_script_hash or "p"
    handle(runner, ScriptRunnerEvent.SCRIPT_STARTED, page_script_hash=page, fragment_ids_this_run=None, pages={},
           run_descriptor=run)  # fmt: skip
    handle(runner, ScriptRunnerEvent.ENQUEUE_FORWARD_MSG, forward_msg=element)
    handle(runner, ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS, run_descriptor=run)
    handle(runner, ScriptRunnerEvent.SHUTDOWN)
    return [m.WhichOneof("type") for m in session._browser_queue.flush()]


def _on_a_loop_of_its_own(make):
    """Run the coroutine ``make()`` on an event loop of its own thread: an AppSession belongs to a
    running loop, and this test process may already run one (Playwright's, for the browser tests)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(make())).result()


def test_a_run_whose_runner_was_replaced_before_its_events_were_handled_still_reaches_the_browser(tmp_path):
    """The race of the class benchmark's stuck page: a request arrives after the runner finished its
    last run but before the server's loop handled that run's events. Streamlit starts a new runner
    and dropped them all (tried without the fix: this test saw no message at all)."""
    streamlit_fix.deliver_a_replaced_runners_last_runs()

    async def race() -> list[str]:
        session, stopping, replacement = _session_whose_runner_is_stopping(tmp_path)
        session.request_rerun(None)  # refused by the stopping runner: a new one takes the session
        assert session._scriptrunner is replacement
        sent = _last_run_of(session, stopping)
        assert session._scriptrunner is replacement  # still the session's runner, before and after
        return sent

    sent = _on_a_loop_of_its_own(race)
    run = [kind for kind in sent if kind != "session_status_changed"]
    assert run == ["new_session", "delta", "script_finished"], sent


def test_a_runner_that_is_not_replaced_is_handled_as_streamlit_does(tmp_path):
    """Events of a runner the session never replaced (e.g. one long gone) stay ignored."""
    streamlit_fix.deliver_a_replaced_runners_last_runs()

    async def stranger() -> list[str]:
        session, _stopping, _replacement = _session_whose_runner_is_stopping(tmp_path)
        return _last_run_of(session, _StoppingRunner())

    assert _on_a_loop_of_its_own(stranger) == []
