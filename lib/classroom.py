"""A class on one server: who is who, what each may do, teacher mode.

With a login configured (Streamlit's ``st.login``), a person is their account. Without one,
each browser picks a nickname, and the nickname belongs to the browser that took it first:
that browser keeps a random secret, and the server keeps its digest beside the nickname
(:class:`Identities`). Every run records the nicknames that asked for it; only a run's owner
deletes it; a teacher, who knows the passphrase configured on the server (tries limited by
:class:`PassphraseGuard`), sees and manages every run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

NICKNAME_MAX = 24
_NICKNAME = re.compile(r"[\w.\- ]+")  # letters of any script, digits, "_", ".", "-", spaces
PASSPHRASE_ENV = "KP_TEACHER_PASSPHRASE"
PASSPHRASE_MIN = 8


def clean_nickname(text: Any) -> str | None:
    """``text`` as a nickname (spaces collapsed), or None when it cannot be one."""
    if not isinstance(text, str):
        return None
    name = " ".join(text.split())
    if not 0 < len(name) <= NICKNAME_MAX or not _NICKNAME.fullmatch(name):
        return None
    return name


def suggested_nickname(word: str, token: str) -> str:
    """A nickname to start with, e.g. ``aluno-4f2a`` (``word`` translated, ``token`` random hex)."""
    return f"{word}-{token[:4]}"


def configured_passphrase(environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> str:
    """The teacher passphrase: ``$KP_TEACHER_PASSPHRASE``, else ``teacher_passphrase`` in secrets.

    Empty when none is set (or it is shorter than ``PASSPHRASE_MIN``): teacher mode is off.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(PASSPHRASE_ENV) or (secrets or {}).get("teacher_passphrase") or ""
    return value if isinstance(value, str) and len(value) >= PASSPHRASE_MIN else ""


def passphrase_matches(given: str, configured: str) -> bool:
    """True when ``given`` is the configured passphrase (compared in constant time)."""
    return bool(configured) and hmac.compare_digest(given.encode(), configured.encode())


def may_manage(owner: str, nickname: str, teacher: bool) -> bool:
    """Whether this person may delete (or train again) a run owned by ``owner``.

    The owner may; a teacher may; a run from before owners were recorded only a teacher.
    """
    return teacher or (bool(owner) and owner == nickname)


def trash_runs(store, run_ids: list[str], nickname: str, teacher: bool, is_active) -> tuple[list[str], list[str]]:
    """Move the runs this person may manage to the trash; ``(trashed, refused)``.

    Refused: someone else's run (unless a teacher asks), a run still training
    (``is_active(run_id)``), or one the disk would not move.
    """
    trashed, refused = [], []
    for run_id in run_ids:
        allowed = store.exists(run_id) and may_manage(store.owner(run_id).get("owner", ""), nickname, teacher)
        if not allowed or is_active(run_id):
            refused.append(run_id)
            continue
        try:
            store.trash(run_id, by=nickname)
        except OSError:
            refused.append(run_id)
            continue
        trashed.append(run_id)
    return trashed, refused


def may_restore(entry: dict[str, Any], nickname: str, teacher: bool) -> bool:
    """A trashed run comes back at the request of its owner, whoever deleted it, or a teacher."""
    return teacher or (bool(nickname) and nickname in (entry.get("owner"), entry.get("by")))


# --- identities that hold: a nickname belongs to the browser that took it first --------------

BROWSER_KEY = re.compile(r"[0-9a-f]{32}")  # what a browser keeps: 128 random bits, in hex
IDENTITIES = ".identities"
TEACHER_HOURS = 8.0  # a teacher's browser stays in teacher mode this long (reloads included)


def valid_browser_key(value: Any) -> bool:
    """True for a secret a browser may present (32 lowercase hex digits)."""
    return isinstance(value, str) and bool(BROWSER_KEY.fullmatch(value))


def key_digest(key: str) -> str:
    """What the server keeps of a browser's secret: its SHA-256 (the secret itself is never stored)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _name_file(nickname: str) -> str:
    # Case and width do not make a new name: "Ana" and "ana" are one nickname.
    folded = unicodedata.normalize("NFKC", nickname).casefold()
    return "nick-" + hashlib.sha256(folded.encode()).hexdigest()[:32] + ".json"


class Identities:
    """Who holds which nickname, and which browsers are a teacher's, kept in ``<runs>/.identities``.

    A nickname is claimed by the first browser that uses it, through the digest of the secret
    that browser keeps; afterwards only a browser presenting the same secret gets it. Claims are
    files created exclusively (two browsers claiming at once: one wins). When the folder
    cannot be written, claims are kept in this server's memory instead, so the pages work on.
    """

    _memory: ClassVar[dict[str, dict[str, Any]]] = {}
    _memory_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, root: Path):
        self.folder = Path(root) / IDENTITIES

    def _read(self, name: str) -> dict[str, Any] | None:
        with self._memory_lock:
            if (entry := self._memory.get(str(self.folder / name))) is not None:
                return entry
        try:
            data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _create(self, name: str, record: dict[str, Any]) -> bool:
        """Write ``record`` as ``name`` unless it exists; True when this call created it."""
        path = self.folder / name
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.{uuid.uuid4().hex}.part"
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            try:
                os.link(tmp, path)  # fails if it exists: the first claim wins
                return True
            except FileExistsError:
                return False
            finally:
                tmp.unlink(missing_ok=True)
        except OSError:
            with self._memory_lock:
                return self._memory.setdefault(str(path), record) is record

    def _replace(self, name: str, record: dict[str, Any] | None) -> None:
        path = self.folder / name
        try:
            if record is None:
                path.unlink(missing_ok=True)
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = self.folder / f".{name}.{uuid.uuid4().hex}.part"
                tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, path)
        except OSError:
            with self._memory_lock:
                if record is None:
                    self._memory.pop(str(path), None)
                else:
                    self._memory[str(path)] = record

    def holder(self, nickname: str) -> str | None:
        """The key digest of the browser holding ``nickname`` (None when nobody has taken it)."""
        record = self._read(_name_file(nickname))
        return str(record.get("key")) if record and record.get("key") else None

    def claim(self, nickname: str, key: str) -> bool:
        """Take ``nickname`` for the browser with secret ``key``; False when another browser holds it."""
        digest = key_digest(key)
        if (held := self.holder(nickname)) is not None:  # (most calls: no write at all)
            return held == digest
        record = {"nick": nickname, "key": digest, "since": time.time()}
        return self._create(_name_file(nickname), record) or self.holder(nickname) == digest

    def hand_over(self, nicknames: list[str], old_key: str, new_key: str) -> None:
        """Move the nicknames ``old_key`` holds to ``new_key``.

        Used when a session's stand-in secret gives way to the one its browser keeps: the same person.
        """
        for nickname in nicknames:
            if self.holder(nickname) == key_digest(old_key):
                record = {"nick": nickname, "key": key_digest(new_key), "since": time.time()}
                self._replace(_name_file(nickname), record)

    def remember_nickname(self, key: str, nickname: str) -> None:
        """Note the nickname the browser with secret ``key`` uses now (it gets it back with no ``nick``)."""
        if self.last_nickname(key) != nickname:
            self._replace(f"browser-{key_digest(key)[:32]}.json", {"nick": nickname})

    def last_nickname(self, key: str) -> str | None:
        """The nickname the browser with secret ``key`` used last, if any."""
        record = self._read(f"browser-{key_digest(key)[:32]}.json") or {}
        return clean_nickname(record.get("nick"))

    def remember_teacher(self, key: str, hours: float = TEACHER_HOURS, now: float | None = None) -> None:
        """Keep the browser with secret ``key`` in teacher mode for ``hours`` (a reload does not end it)."""
        until = (time.time() if now is None else now) + hours * 3600
        self._replace(f"teacher-{key_digest(key)[:32]}.json", {"until": until})

    def forget_teacher(self, key: str) -> None:
        """The browser with secret ``key`` leaves teacher mode."""
        self._replace(f"teacher-{key_digest(key)[:32]}.json", None)

    def is_teacher(self, key: str, now: float | None = None) -> bool:
        """True while the browser with secret ``key`` is remembered as a teacher's."""
        record = self._read(f"teacher-{key_digest(key)[:32]}.json") or {}
        until = record.get("until")
        return isinstance(until, (int, float)) and (time.time() if now is None else now) < until


class PassphraseGuard:
    """Few tries at the teacher passphrase, per browser and per server, with a delay that grows.

    A browser gets ``per_browser`` tries a minute and the whole server ``per_server``; after
    each wrong one the same browser waits ``2 ** (failures - 1)`` seconds more (1, 2, 4, ...,
    at most ``max_delay_s``). Nothing sleeps: :meth:`wait_s` says how long to wait, and the
    page refuses the try with that number. A right passphrase clears the browser's failures.
    """

    def __init__(self, per_browser: int = 5, per_server: int = 20, window_s: float = 60.0, max_delay_s: float = 300.0,
                 clock=time.monotonic):  # fmt: skip
        self.per_browser, self.per_server = per_browser, per_server
        self.window_s, self.max_delay_s = window_s, max_delay_s
        self._clock = clock
        self._lock = threading.Lock()
        self._tries: dict[str, list[float]] = {}  # browser -> times of its recent tries
        self._server: list[float] = []
        self._failures: dict[str, tuple[int, float]] = {}  # browser -> (wrong tries in a row, when the last was)

    def _recent(self, times: list[float], now: float) -> list[float]:
        return [t for t in times if now - t < self.window_s]

    def wait_s(self, browser: str) -> int:
        """Seconds before ``browser`` may try again (0: now)."""
        with self._lock:
            now = self._clock()
            waits = [0.0]
            mine = self._tries[browser] = self._recent(self._tries.get(browser, []), now)
            if len(mine) >= self.per_browser:
                waits.append(mine[-self.per_browser] + self.window_s - now)
            self._server = self._recent(self._server, now)
            if len(self._server) >= self.per_server:
                waits.append(self._server[-self.per_server] + self.window_s - now)
            failures, last = self._failures.get(browser, (0, now))
            if failures:
                waits.append(last + min(2 ** (failures - 1), self.max_delay_s) - now)
            return math.ceil(max(waits))

    def record(self, browser: str, right: bool) -> None:
        """Count one try of ``browser`` (call only when :meth:`wait_s` was 0)."""
        with self._lock:
            now = self._clock()
            self._tries.setdefault(browser, []).append(now)
            if right:
                self._failures.pop(browser, None)
                return
            self._server.append(now)  # only wrong tries use up the server's budget
            failures, _ = self._failures.get(browser, (0, now))
            self._failures[browser] = (failures + 1, now)
