"""Follow mode: the teacher's current step and the students' heartbeats, as small files in the runs folder.

The teacher's page writes ``lesson_state.json`` (atomically) on every move; a following
student's page reads it every second. Each student's page writes a heartbeat (nickname,
lesson, step, time) under ``lesson_heartbeats/``; the teacher's page counts them per step.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from lib.train.runstore import atomic_write, read_json, runs_dir, write_json

STATE_FILE = "lesson_state.json"
HEARTBEATS = "lesson_heartbeats"
LEAD_AGE_S = 4 * 3600.0  # a teacher's step older than this is yesterday's lesson: nobody is pulled to it
PRESENT_AGE_S = 15.0  # a student whose page sent nothing for this long has left the step


def _root(root: Path | None) -> Path:
    return root if root is not None else runs_dir()


def set_teacher_step(lesson: int, step: int, by: str, root: Path | None = None, now: float | None = None) -> None:
    """Record the step the teacher is on (the class follows it)."""
    current = teacher_step(root) or {}
    write_json(_root(root) / STATE_FILE, {**current, "lesson": int(lesson), "step": int(step), "by": by,
                                          "time": now if now is not None else time.time()})  # fmt: skip


def release(root: Path | None = None) -> None:
    """The teacher stops leading: no student is pulled to a step any more (until the teacher leads again)."""
    (_root(root) / STATE_FILE).unlink(missing_ok=True)


def set_projected(nickname: str | None, root: Path | None = None) -> None:
    """Put one student's result on the projector (``None`` takes it down)."""
    current = teacher_step(root)
    if current is not None:
        write_json(_root(root) / STATE_FILE, {**current, "projected": nickname})


def teacher_step(root: Path | None = None) -> dict[str, Any] | None:
    """``{"lesson", "step", "by", "time", "projected"?}`` of the teacher, or None before any lesson started."""
    data = read_json(_root(root) / STATE_FILE)
    if not isinstance(data, dict) or type(data.get("lesson")) is not int or type(data.get("step")) is not int:
        return None
    return data


def active_teacher_step(root: Path | None = None, now: float | None = None, max_age: float = LEAD_AGE_S) -> dict | None:
    """The teacher's step if a teacher moved within ``max_age`` seconds (an old lesson does not pull students)."""
    current = teacher_step(root)
    now = now if now is not None else time.time()
    if current is None or not isinstance(current.get("time"), (int, float)) or now - current["time"] > max_age:
        return None
    return current


def _beat_path(root: Path | None, nickname: str) -> Path:
    name = hashlib.sha1(nickname.encode("utf-8")).hexdigest()[:16]  # any nickname makes a safe file name
    return _root(root) / HEARTBEATS / f"{name}.json"


def heartbeat(nickname: str, lesson: int, step: int, root: Path | None = None, now: float | None = None) -> None:
    """Record that ``nickname``'s page shows ``lesson``/``step`` now."""
    path = _beat_path(root, nickname)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _json({"nickname": nickname, "lesson": int(lesson), "step": int(step),
                              "time": now if now is not None else time.time()}))  # fmt: skip


def _json(value: dict) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def heartbeats(root: Path | None = None, now: float | None = None, max_age: float = PRESENT_AGE_S) -> list[dict]:
    """The students whose page reported in the last ``max_age`` seconds (newest first)."""
    folder = _root(root) / HEARTBEATS
    now = now if now is not None else time.time()
    beats = []
    for path in folder.glob("*.json") if folder.exists() else []:
        beat = read_json(path)
        if isinstance(beat, dict) and isinstance(beat.get("time"), (int, float)) and now - beat["time"] <= max_age:
            beats.append(beat)
    return sorted(beats, key=lambda b: -b["time"])


def students_per_step(beats: list[dict], lesson: int, teacher: str = "") -> dict[int, list[str]]:
    """Nicknames on each step of ``lesson`` (the teacher's own page left out)."""
    out: dict[int, list[str]] = {}
    for beat in beats:
        if beat.get("lesson") == lesson and beat.get("nickname") != teacher:
            out.setdefault(int(beat["step"]), []).append(str(beat["nickname"]))
    return out
