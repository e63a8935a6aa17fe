"""Four changes to what Streamlit (1.67) does around script runs, all for a class on one server.

1. A click that reaches the server is kept when a newer request stops its run at the start
   (:func:`keep_clicks_across_interruptions`).
2. Keras's global state is not cleared after every run (:func:`keep_keras_state_across_runs`).
3. A fragment that no longer polls can stop the browser's timer that still reruns it
   (:func:`stop_polling_this_fragment`).
4. A run's output still reaches the browser when a request arrives just after its script
   runner finished (:func:`deliver_a_replaced_runners_last_runs`).

The click:

Streamlit (1.67) takes a rerun request off its queue, then applies the request's widget
states in ``SafeSessionState.on_script_will_rerun``, whose first step is a yield point. A
request that arrives in between (the student typed into a field 0.1 s after clicking, or a
``run_every`` fragment ticked) stops the run right there, and the new run starts from the
newer request alone: the click's trigger was never applied, so its callback never ran and
the button never returned True. Seen in Chromium with three students (issue #26): 1 Train
press of 20 lost, its trigger logged arriving at the server and no callback after it.

The fix folds the interrupted request's widget states into the request that interrupted it,
exactly as Streamlit already does for two requests that are both still queued
(``_coalesce_widget_states``: the newer value wins, an active trigger of the older is kept),
and makes the result a full-app rerun when it carries a trigger (a fragment-only rerun would
not reach a button outside the fragment). It touches Streamlit internals, so it checks they
are there and otherwise leaves Streamlit as it is; tests/test_streamlit_fix.py fails if the
pinned Streamlit changes them.
"""

from __future__ import annotations

import dataclasses
import functools
import sys

_INSTALLED = "_kp_keeps_interrupted_triggers"


def _active_triggers(states) -> bool:
    return any(w.WhichOneof("value") == "trigger_value" and w.trigger_value for w in states.widgets)


def keep_clicks_across_interruptions() -> bool:
    """Install the fix once per process; False when this Streamlit lacks what it wraps."""
    try:
        from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
        from streamlit.runtime.scriptrunner_utils.script_requests import _coalesce_widget_states
        from streamlit.runtime.state.safe_session_state import SafeSessionState
    except ImportError:
        return False
    if getattr(SafeSessionState, _INSTALLED, False):
        return True
    original = SafeSessionState.on_script_will_rerun

    @functools.wraps(original)
    def on_script_will_rerun(self, fresh_widget_states, *args, **kwargs):
        try:
            self._yield_callback()  # the yield point the original starts with
        except RerunException as interrupted:
            if fresh_widget_states is not None:
                newer = interrupted.rerun_data
                merged = _coalesce_widget_states(fresh_widget_states, newer.widget_states)
                changes = {"widget_states": merged}
                if _active_triggers(fresh_widget_states):
                    changes.update(
                        fragment_id=None,
                        fragment_id_queue=[],
                        is_fragment_scoped_rerun=False,
                        is_auto_rerun=False,
                    )
                interrupted.rerun_data = dataclasses.replace(newer, **changes)
            raise
        return original(self, fresh_widget_states, *args, **kwargs)

    SafeSessionState.on_script_will_rerun = on_script_will_rerun
    setattr(SafeSessionState, _INSTALLED, True)
    return True


def _clean_problem_modules_but_keras() -> None:
    """What Streamlit's ``_clean_problem_modules`` does after a run, without ``keras.backend.clear_session()``."""
    if "matplotlib.pyplot" in sys.modules:
        try:
            sys.modules["matplotlib.pyplot"].close("all")
        except Exception:  # noqa: BLE001 - as Streamlit: cleaning up must never break the app
            pass


def keep_keras_state_across_runs() -> bool:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run; False if it cannot.

    Streamlit does it for scripts that build a new model on every run. Here it hurts twice:
    ``clear_session`` runs a full garbage collection (240 ms of CPU with TensorFlow loaded, on
    every rerun and fragment tick of every student: the largest single cost of the lessons'
    AppTests, and of a class polling its pages), and it resets Keras's global state (layer
    name counters, TensorFlow's graph and kernel cache) at the end of one session's run
    while another session's script or a training thread may be building a model. The app
    never relies on it: models are built from specs with explicit names, and the server's
    loaded models are cached on purpose. Matplotlib's figures are still closed, as before.
    """
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        return False
    original = getattr(script_runner, "_clean_problem_modules", None)
    if not callable(original):
        return False
    if original is not _clean_problem_modules_but_keras:
        script_runner._kp_original_clean = original  # (tests/test_streamlit_fix.py compares with it)
    script_runner._clean_problem_modules = _clean_problem_modules_but_keras
    return True


def stop_polling_this_fragment() -> bool:
    """Stop the browser's ``run_every`` timer of the fragment now rerunning; False if there is none.

    The browser keeps one timer per fragment and clears them all when a full run starts; a
    full run that declares the fragment without ``run_every`` then leaves it unpolled. In a
    class of 30 on one 2-core server, though, the live views of every student whose job had
    ended went on being rerun once a second for minutes (each declared without ``run_every``
    by the closing full run; seen in the server's poll log, 9,498 such polls in 5 minutes):
    the timer had survived. Whatever let it survive, the view now tells the browser to stop
    it, with the message Streamlit itself sends for a fragment it dropped (``stop_auto_rerun``).
    Only in a fragment's own rerun: in a full run the timers are already cleared.
    """
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx
    except ImportError:
        return False
    ctx = get_script_run_ctx(suppress_warning=True)
    try:
        fragment_id = ThreadState.get().fragment_id
    except RuntimeError:  # not a script thread
        return False
    if ctx is None or not fragment_id or not ctx.fragment_ids_this_run:
        return False
    msg = ForwardMsg()
    msg.stop_auto_rerun.fragment_ids.append(fragment_id)
    ctx.enqueue(msg)
    return True


_DELIVERS = "_kp_delivers_replaced_runners"


def deliver_a_replaced_runners_last_runs() -> bool:
    """Keep the output of a session's last runs when a new request replaced their script runner; False if it cannot.

    A script runner posts each event of a run (its start, every element, its end) to the
    server's event loop, which handles them in order and drops those whose runner is no
    longer the session's current one. When a request reaches a session whose runner has
    finished its last run but whose events still wait in the loop's queue (the loop lags
    with 30 students on 2 cores), the runner refuses it (it is stopping), the session starts
    a new runner, and every waiting event of the old one is then dropped: that run never
    reaches the browser. Seen in the class benchmark's websocket frames (1 page of 30 per
    run): a live view's closing full run, which turns its polling off, was logged by the
    server and never sent; the page kept its last poll's content and the mark of a view
    still polling, while the session's fragment already stopped the browser's timer.

    The fix lets a runner replaced that way (not one stopped on purpose, ``runner.fastReruns``)
    deliver the events it had posted, up to its shutdown, which stays ignored as before.
    Order is kept: its events were all posted before the new runner existed.
    """
    try:
        from streamlit import config
        from streamlit.runtime.app_session import AppSession
        from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    except ImportError:
        return False
    request_rerun = getattr(AppSession, "request_rerun", None)
    handle = getattr(AppSession, "_handle_scriptrunner_event_on_event_loop", None)
    if request_rerun is None or handle is None or not hasattr(ScriptRunnerEvent, "SHUTDOWN"):
        return False
    if getattr(AppSession, _DELIVERS, False):
        return True

    @functools.wraps(request_rerun)
    def request_rerun_keeping(self, *args, **kwargs):
        before = getattr(self, "_scriptrunner", None)
        result = request_rerun(self, *args, **kwargs)
        after = getattr(self, "_scriptrunner", None)
        if before is not None and after is not before and not config.get_option("runner.fastReruns"):
            self.__dict__.setdefault("_kp_replaced_runners", set()).add(before)  # it refused: it was stopping
        return result

    @functools.wraps(handle)
    def handle_keeping(self, sender, event, *args, **kwargs):
        replaced = self.__dict__.get("_kp_replaced_runners")
        if not replaced or sender not in replaced or sender is self._scriptrunner:
            return handle(self, sender, event, *args, **kwargs)
        if event == ScriptRunnerEvent.SHUTDOWN:  # its last event: ignored, as Streamlit does
            replaced.discard(sender)
            return None
        current = self._scriptrunner
        self._scriptrunner = sender  # handled as it would have been before the new runner started
        try:
            return handle(self, sender, event, *args, **kwargs)
        finally:
            self._scriptrunner = current

    AppSession.request_rerun = request_rerun_keeping
    AppSession._handle_scriptrunner_event_on_event_loop = handle_keeping
    setattr(AppSession, _DELIVERS, True)
    return True
