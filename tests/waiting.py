"""Waiting on a state, never on the clock.

A test that needs something to happen "soon" polls for the state it expects (a job's
state, a file, a text) and fails only when a generous deadline passes without it. The
deadline is a hang guard, not a speed claim: speed is measured in ``bench/``. It is long
enough that a loaded 2-core machine never reaches it while the code is right, and the
failure names what was awaited and what was seen instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# One generous deadline for every wait on a background job, a server or a page (seconds).
DEADLINE = 300.0


def wait_until(
    condition: Callable[[], T],
    what: str,
    deadline: float = DEADLINE,
    seen: Callable[[], object] | None = None,
    poll: float = 0.05,
    between: Callable[[], object] | None = None,
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    ``what`` names the awaited state in the failure; ``seen`` (called on failure) tells
    what was there instead. ``between`` runs after each unmet poll (e.g. an AppTest rerun).
    """
    stop_at = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > stop_at:
            detail = f"; seen: {seen()!r}" if seen else ""
            raise AssertionError(f"still waiting for {what} after {deadline:.0f} s{detail}")
        time.sleep(poll)
        if between:
            between()
