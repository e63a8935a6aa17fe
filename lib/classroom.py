"""A class on one server: nicknames instead of accounts, what each may do, teacher mode.

No accounts: each browser picks a nickname (kept in the URL like the language) and every
run records the nicknames that asked for it. Only a run's owner deletes it; a teacher,
who knows the passphrase configured on the server, sees and manages every run.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from typing import Any

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
