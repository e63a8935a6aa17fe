"""How often live views may poll, so that a class's polling never starves the server.

A live view (a job's progress and curves) reruns its fragment every few seconds while the
job runs. Every poll is a script run in the one server process, and the script runs of all
sessions share one interpreter lock: with 30 students each polling once a second, the polls
alone asked for more CPU than the server had, and clicks, strokes and the very "done" the
students waited for queued behind them (measured with 30 browsers: 27 of 30 never saw
"done"). The budget spreads the polls: the interval grows with the number of sessions
polling times what one poll costs, so that all of them together use at most ``share`` of
one core. It is stepped in powers of two so that a view only re-declares its interval
(a full page rerun) when the load really changed.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass
class PollBudget:
    """The polling sessions of this server and what a poll costs (thread-safe).

    ``share``: the fraction of one core all polls together may use. ``longest``: no view
    waits longer than this between polls, whatever the load. ``cost``: a moving average of
    one poll's CPU seconds, updated by :meth:`spent`.
    """

    share: float = 0.35
    longest: float = 16.0
    cost: float = 0.03
    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def polling(self, session: str, now: float | None = None) -> None:
        """``session`` polls (called at each poll and when a view starts polling)."""
        with self._lock:
            self._seen[session] = time.monotonic() if now is None else now

    def stopped(self, session: str) -> None:
        """``session`` no longer polls (its job ended or it left)."""
        with self._lock:
            self._seen.pop(session, None)

    def spent(self, seconds: float) -> None:
        """One poll took ``seconds`` of CPU: fold it into the moving average."""
        if seconds >= 0 and math.isfinite(seconds):
            with self._lock:
                self.cost = 0.8 * self.cost + 0.2 * seconds

    def sessions(self, now: float | None = None) -> int:
        """How many sessions polled lately (one that closed its tab drops out after ``longest`` × 2)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for session, seen in list(self._seen.items()):
                if now - seen > 2 * self.longest:
                    del self._seen[session]
            return len(self._seen)

    def interval(self, base: float, now: float | None = None) -> float:
        """Seconds between polls of a view that asks for ``base``: ``base`` × a power of two.

        The smallest such interval at which all polling sessions together stay within
        ``share`` of a core; never above ``longest`` (nor below ``base``).
        """
        wanted = self.sessions(now) * self.cost / self.share
        step = 1.0
        while base * step < wanted and base * step * 2 <= self.longest:
            step *= 2
        return max(base, min(base * step, self.longest))
