"""Issue 27, finding 2: identities that hold.

A nickname belongs to the browser that took it first (a secret that browser keeps; the
server keeps its digest); the address's ``nick`` is only a wish. The teacher passphrase has
few tries, per browser and per server, with a growing delay, and a teacher's browser stays a
teacher's across reloads without the passphrase in the address. With ``[auth]`` configured,
everyone signs in (``st.login``).
"""

from __future__ import annotations

import threading

import pytest
from streamlit.testing.v1 import AppTest

from lib.classroom import Identities, PassphraseGuard, key_digest, valid_browser_key
from lib.train.runstore import RunStore
from tests.apptest_helpers import APP, TIMEOUT, browser_key, page_path, texts
from tests.job_helpers import digits_config

A, B = "a" * 32, "b" * 32


def test_a_nickname_belongs_to_the_first_browser(tmp_path):
    ids = Identities(tmp_path)
    assert ids.claim("ana", A)
    assert ids.claim("ana", A)  # the same browser again (a reload)
    assert not ids.claim("ana", B)
    assert not ids.claim("ANA", B) and not ids.claim("Ａｎａ", B)  # case and width make no new name
    assert ids.holder("ana") == key_digest(A)
    stored = "".join(p.read_text() for p in (tmp_path / ".identities").iterdir())
    assert A not in stored and key_digest(A) in stored  # only the digest is kept


def test_two_browsers_claiming_at_once_one_wins(tmp_path):
    ids, results = Identities(tmp_path), []
    keys = [f"{i:032x}" for i in range(16)]
    threads = [threading.Thread(target=lambda k=k: results.append(ids.claim("bia", k))) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_claims_pass_from_a_stand_in_secret_to_the_browsers_own(tmp_path):
    ids = Identities(tmp_path)
    assert ids.claim("caio", A)
    ids.hand_over(["caio"], A, B)
    assert ids.holder("caio") == key_digest(B)
    ids.hand_over(["caio"], A, "c" * 32)  # A no longer holds it: nothing moves
    assert ids.holder("caio") == key_digest(B)


def test_an_unwritable_folder_keeps_claims_in_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder under a file cannot be made (permissions would not stop root)
    ids = Identities(blocker / "runs")
    assert ids.claim("dora", A) and not ids.claim("dora", B)
    ids.remember_teacher(A)
    assert ids.is_teacher(A)


def test_teacher_browsers_are_remembered_for_hours(tmp_path):
    ids = Identities(tmp_path)
    ids.remember_teacher(A, hours=8, now=1000.0)
    assert ids.is_teacher(A, now=1000.0 + 7 * 3600) and not ids.is_teacher(A, now=1000.0 + 9 * 3600)
    assert not ids.is_teacher(B, now=1000.0)
    ids.forget_teacher(A)
    assert not ids.is_teacher(A, now=1000.0)


def test_passphrase_tries_are_limited_with_a_growing_delay():
    now = [0.0]
    guard = PassphraseGuard(per_browser=5, per_server=8, window_s=60, clock=lambda: now[0])
    waits = []
    for _ in range(4):
        assert guard.wait_s(A) == 0 or waits
        now[0] += guard.wait_s(A)
        guard.record(A, right=False)
        waits.append(guard.wait_s(A))
    assert waits == [1, 2, 4, 8]  # grows after each wrong try
    now[0] += 8
    guard.record(A, right=False)  # the fifth try in a minute
    assert guard.wait_s(A) >= 16
    # Another browser is not slowed by A's delay, but the server's budget is shared.
    assert guard.wait_s(B) == 0
    guard.record(B, right=False)
    guard.record(B, right=False)
    guard.record(B, right=False)
    assert guard.wait_s("c" * 32) > 0  # 8 wrong tries this minute on the server: everyone waits
    now[0] += 61
    assert guard.wait_s("c" * 32) == 0
    guard.record(A, right=True)
    assert guard.wait_s(A) == 0  # a right passphrase clears the browser's failures


def test_browser_keys_are_checked():
    assert valid_browser_key("0123456789abcdef" * 2)
    assert not valid_browser_key("x" * 32) and not valid_browser_key(None) and not valid_browser_key("ab" * 17)


# --- in the app ---------------------------------------------------------------------------------


def _browser(nick: str | None, key: str, page: str = "runs", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["app.browser_key"] = key
    at.query_params.update({"lang": params.pop("lang", "en"), **({"nick": nick} if nick else {}), **params})
    at.run()
    at.switch_page(page_path(page)).run()
    assert not at.exception, at.exception
    return at


def test_another_browser_asking_for_a_taken_nickname_is_refused():
    """The attack from the report: opening ``?nick=<a classmate>`` acted as that classmate."""
    owner = _browser("livia", browser_key("livia"))
    assert owner.session_state["app.nickname"] == "livia"
    intruder = _browser("livia", "e" * 32, lang="pt")
    assert intruder.session_state["app.nickname"] != "livia"
    assert "«livia» pertence a outro navegador" in texts(intruder)
    fallback = intruder.session_state["app.nickname"]
    assert intruder.query_params["nick"] in (fallback, [fallback])
    # Renaming to it in the sidebar is refused as well.
    intruder.text_input(key="widget.nickname").set_value("livia").run()
    assert intruder.session_state["app.nickname"] != "livia" and "pertence a outro navegador" in texts(intruder)
    # The owner, in a new session of the same browser (a reload), is still livia.
    again = _browser("livia", browser_key("livia"))
    assert again.session_state["app.nickname"] == "livia" and "another browser" not in texts(again)


def test_the_intruder_cannot_delete_or_train_again_the_owners_run():
    from app_pages.parts.shared import manager
    from tests.job_helpers import wait

    jobs = manager()
    run = jobs.submit(digits_config(epochs=1, samples=120), nickname="marta")
    assert wait(jobs, run.run_id) == "done"
    _browser("marta", browser_key("marta"))  # marta's browser took the name
    intruder = _browser("marta", "f" * 32)
    name = intruder.session_state["app.nickname"]
    assert name != "marta"
    assert jobs.submit(digits_config(epochs=1, samples=120), force=True, nickname=name).outcome == "not_owner"
    # Continuing marta's run makes a new run that is the intruder's own, never marta's.
    child = jobs.resume(run.run_id, 1, owner="intruder-session", nickname=name)
    assert child.outcome == "queued" and wait(jobs, child.run_id) == "done"
    assert jobs.store.owner(child.run_id)["owner"] == name
    assert jobs.store.owner(run.run_id)["owner"] == "marta"
    intruder.toggle(key="runs.whole_class").set_value(True).run()
    intruder.multiselect(key="runs.chosen").set_value([run.run_id]).run()
    delete = intruder.button(key="runs.delete")
    assert delete.disabled
    assert RunStore(jobs.store.root).exists(run.run_id)


def test_teacher_mode_survives_a_reload_and_tries_are_limited(monkeypatch):
    monkeypatch.setenv("KP_TEACHER_PASSPHRASE", "correct horse")
    from app_pages.parts import identity

    frozen = PassphraseGuard(clock=lambda: 0.0)  # time stands still: the delay after a wrong try holds
    monkeypatch.setattr(identity, "passphrase_guard", lambda: frozen)
    teacher_key, other_key = "1" * 32, "2" * 32
    at = _browser("prof", teacher_key)
    at.text_input(key="widget.passphrase").input("correct horse").run()
    assert "Teacher mode: you see" in texts(at)
    assert "correct" not in str(at.query_params)
    reloaded = _browser("prof", teacher_key)  # a new session of the same browser: F5
    assert "Teacher mode: you see" in texts(reloaded)
    stranger = _browser(None, other_key)
    assert "Teacher mode: you see" not in texts(stranger)
    stranger.text_input(key="widget.passphrase").input("wrong one").run()
    assert "not the passphrase" in texts(stranger)
    stranger.text_input(key="widget.passphrase").input("correct horse").run()  # at once: refused, not checked
    assert "try again in" in texts(stranger) and "Teacher mode: you see" not in texts(stranger)
    reloaded.button(key="app.teacher_leave").click().run()
    assert "Teacher mode: you see" not in texts(_browser("prof", teacher_key))


def test_with_a_login_configured_everyone_signs_in():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["app.browser_key"] = "3" * 32
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
        "client_secret": "secret", "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
    }  # fmt: skip
    at.query_params.update({"lang": "en", "nick": "ana"})
    at.run()
    assert not at.exception, at.exception
    assert any(b.label == "Sign in" for b in at.button)
    assert "asks everyone to sign in" in texts(at)
    # No nickname to type: the account is the identity (the class-code box is not a nickname).
    assert not [w for w in at.text_input if w.key != "widget.class_code"]


def test_a_first_visit_is_offered_a_secret_and_its_page_shows_at_once():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lang": "en", "nick": "olga"})
    at.run()  # no cookie, no secret from the browser: the one offered to it is used at once
    assert not at.exception and at.title
    offered = at.session_state["app.browser_key_offer"]
    assert at.session_state["app.browser_key"] == offered and at.session_state["app.nickname"] == "olga"
    at.run()
    assert at.session_state["app.browser_key"] == offered  # one secret for the whole visit
    # Another first visit is offered another secret, so it cannot take olga's nickname.
    other = AppTest.from_file(APP, default_timeout=TIMEOUT)
    other.query_params.update({"lang": "en", "nick": "olga"})
    other.run()
    assert other.session_state["app.browser_key"] != offered and other.session_state["app.nickname"] != "olga"


@pytest.mark.parametrize("lang, word", [("en", "belongs to another browser"), ("pt", "pertence a outro navegador")])
def test_the_refusal_is_translated(lang, word):
    _browser("nora", browser_key("nora"))
    assert word in texts(_browser("nora", "9" * 32, lang=lang))
