"""Class codes: short, unambiguous, kept per teacher; join addresses that are never localhost when better is known."""

from __future__ import annotations

import time

from lib import classcode
from lib.classcode import ClassBoard, clean_code, join_url, public_base


def test_codes_are_short_unambiguous_and_forgiving_to_type():
    codes = {classcode.new_code() for _ in range(200)}
    assert len(codes) > 190 and all(len(c) == 6 and not set(c) & set("01OIL") for c in codes)
    assert clean_code(" k7m-x3p ") == "K7MX3P" and clean_code("K7M X3P") == "K7MX3P"
    assert clean_code("K7MX3") is None and clean_code("K0MX3P") is None and clean_code(None) is None


def test_a_teacher_keeps_one_code_across_publishes(tmp_path, monkeypatch):
    board = ClassBoard(tmp_path)
    code = board.publish("Prof Ana", "tok1", "training", "pt")
    assert board.lookup(code)["setup"] == "tok1" and board.lookup(code)["page"] == "training"
    assert board.publish("Prof Ana", "tok2", "architecture", "pt") == code  # the class can join again
    assert board.lookup(code)["setup"] == "tok2"
    other = board.publish("Prof Bia", "tok3", "home", "en")
    assert other != code and board.lookup(other)["by"] == "Prof Bia"
    assert board.lookup("ZZZZZZ") is None
    later = time.time() + classcode.CODE_KEEP_S + 60
    monkeypatch.setattr(classcode.time, "time", lambda: later)
    assert board.lookup(code) is None  # forgotten after a school day


def test_the_join_address_is_the_public_one():
    url = "http://localhost:8501/training?lang=pt"
    assert public_base(None, url, {"Host": "localhost:8501"}, "training") == "http://localhost:8501"
    assert public_base("sala12.escola.br:8501/", url, {}, "training") == "http://sala12.escola.br:8501"
    assert public_base(None, "https://kp.streamlit.app/runs?x=1", {}, "runs") == "https://kp.streamlit.app"
    proxied = {"Host": "127.0.0.1:8501", "X-Forwarded-Host": "lab.escola.br", "X-Forwarded-Proto": "https"}
    assert public_base(None, url, proxied, "training") == "https://lab.escola.br"
    assert public_base(None, "http://192.168.0.12:8501/", {}, "") == "http://192.168.0.12:8501"
    assert join_url("https://lab.escola.br", "K7MX3P", "pt") == "https://lab.escola.br/?class=K7MX3P&lang=pt"
    assert classcode.clean_base("javascript:alert(1)") is None
    png = classcode.qr_png(join_url("https://lab.escola.br", "K7MX3P", "pt"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
