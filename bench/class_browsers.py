"""``./scripts/bench.sh class --students 30``: a class of real browsers against one server.

One ``streamlit run`` server (``KP_EXECUTOR=process``, a fresh run store and Keras cache,
``KP_TIMINGS`` on) and N Playwright contexts in one Debian Chromium (at the lowest CPU priority:
the students' machines are not the server's) walk a lesson's path in lockstep phases: open
the app, pick the dataset (digits), load the lesson network (digits MLP), train it (2 epochs,
each student their own seed), see the curves, draw a digit, get its probabilities; then each
draws three more strokes at a drawing pace (``strokes``: not in lockstep). Per interaction it
prints p50/p95 latency in the browser and on the server (the script runs' wall time from
``KP_TIMINGS``), the server's CPU seconds per student (from ``/proc``, server and training
workers apart), the peak memory of server + workers (``/proc`` sampled every 0.5 s), lost
clicks (runs in the store vs students) and exceptions (``stException`` elements and
tracebacks in the server log); then ``RESULT``.
Before the class, a teacher opens the app and the server's one-time warm-up is waited for
and reported apart (``--cold``: not, so the first phase carries it).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from lib.train.runstore import RunStore

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("KP_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
DEADLINE_MS = 300_000  # a hang guard for one browser wait (the slowest seen with 30 students: 180 s)
PHASE_S = 900.0  # a student stuck this long in one phase is counted as failed there; the class goes on
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
CURVES_DRAWN = ("() => [...document.querySelectorAll('.js-plotly-plot')].some(el => (el.data || [])"
                ".some(t => t.name === 'training' && t.x.length === 2))")  # fmt: skip
STUCK_FACTS = """() => ({
    script: document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state'),
    marks: [...document.querySelectorAll('.kp-live')].map(el => el.className),
    stale: document.querySelectorAll('[data-stale=true]').length,
    status: [...document.querySelectorAll('[data-testid=stMarkdownContainer]')].map(el => el.innerText)
        .filter(t => t.includes(' · ')).slice(0, 3),
})"""
PAGES = {"open": "home", "dataset": "datasets", "network": "architecture", "train": "training", "draw": "draw",
         "stroke": "draw", "strokes": "draw"}  # fmt: skip


# --- /proc ------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the training workers and their helpers).

    Read from every thread's ``children`` file: the workers are started by the job
    manager's threads, and ``/proc/<pid>/task/<pid>/children`` lists only the main thread's.
    """
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = []
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids += task.read_text().split()
            except OSError:
                continue
        out += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return out


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Meter:
    """CPU seconds of the server and of its workers (apart), and the peak RSS of them all."""

    def __init__(self, server_pid: int):
        self.pid, self.peak_mb, self.peak_server_mb = server_pid, 0.0, 0.0
        self._worker_cpu: dict[int, float] = {}  # last reading of each worker ever seen (they may exit)
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            server = _rss_mb(self.pid)
            self.peak_server_mb = max(self.peak_server_mb, server)
            self.peak_mb = max(self.peak_mb, server + sum(_rss_mb(c) for c in _children(self.pid)))
            self.cpu()

    def cpu(self) -> tuple[float, float]:
        """(server, workers) CPU seconds so far."""
        for child in _children(self.pid):
            self._worker_cpu[child] = max(self._worker_cpu.get(child, 0.0), _cpu_s(child))
        return _cpu_s(self.pid), sum(self._worker_cpu.values())

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()


# --- the server -----------------------------------------------------------------------------


def start_server(port: int, home: Path, options: tuple[str, ...] = ()) -> subprocess.Popen:
    """``streamlit run app.py`` with its own run store, Keras cache and timing log; returns when healthy.

    ``options`` are more ``--section.name=value`` settings (to compare with a setting undone).
    """
    env = {**os.environ, "KERAS_HOME": str(home / "keras"), "KP_RUNS_DIR": str(home / "runs"),
           "KP_DATA_DIR": str(home / "data"), "KP_TIMINGS": str(home / "timings.jsonl"),
           "TF_CPP_MIN_LOG_LEVEL": "3", "KP_EXECUTOR": "process"}  # fmt: skip
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    cmd += [f"--{option}" for option in options]
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server never answered: " + (home / "server.log").read_text()[-2000:])


FRAMES_KEPT = 200


def _frame_lines(frames) -> list[str]:
    """One line per websocket frame: when, which way, and what Streamlit message it carried."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    lines, start = [], frames[0][0] if frames else 0.0
    for at, way, payload in frames:
        raw = payload if isinstance(payload, bytes) else payload.encode("latin-1")
        try:
            if way == "in":
                msg = ForwardMsg.FromString(raw)
                kind = msg.WhichOneof("type")
                run = f"run={msg.metadata.run.script_run_id[:8]} frags={list(msg.metadata.run.fragment_ids)}"
                what = kind
                if kind == "delta":
                    what += f" path={list(msg.metadata.delta_path)} frag={msg.delta.fragment_id or '-'}"
                    if msg.delta.WhichOneof("type") == "new_element":
                        element = msg.delta.new_element
                        what += f" {element.WhichOneof('type')}"
                        if element.WhichOneof("type") == "html":
                            what += f" {element.html.body[:60]!r}"
                elif kind == "script_finished":
                    what += f" {ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)}"
                elif kind in ("auto_rerun", "stop_auto_rerun"):
                    what += f" {str(getattr(msg, kind)).strip()!r}"
                elif kind == "ref_hash":
                    what += f" {msg.ref_hash[:8]}"
                lines.append(f"{at - start:8.3f} in  {what} {run}")
            else:
                msg = BackMsg.FromString(raw)
                kind = msg.WhichOneof("type")
                what = kind
                if kind == "rerun_script":
                    what += f" frag={msg.rerun_script.fragment_id or '-'} auto={msg.rerun_script.is_auto_rerun}"
                lines.append(f"{at - start:8.3f} out {what}")
        except Exception as exc:  # noqa: BLE001 - a frame that does not parse is itself a finding
            lines.append(f"{at - start:8.3f} {way} unparsed ({len(raw)} bytes): {exc!r}"[:200])
    return lines


# --- one student ----------------------------------------------------------------------------


class Student:
    """One browser context walking the lesson; ``times`` holds its browser-side seconds per interaction."""

    def __init__(self, tab, number: int, url: str):
        self.tab, self.number, self.url = tab, number, url
        self.times: dict[str, float] = {}
        self.marks: dict[str, float] = {}  # wall-clock moments the bench compares with the store
        # The page's websocket traffic (for a stuck page: does the server still answer?).
        self.socket = {"opened": 0, "in": 0, "out": 0, "last_in": 0.0, "last_out": 0.0}
        # Its last frames, both ways: what a stuck page was sent and asked, in order (diagnose).
        self.frames: collections.deque = collections.deque(maxlen=FRAMES_KEPT)
        tab.on("websocket", self._watch)
        # The page's own errors: an uncaught one in Streamlit's message handling freezes the page
        # (a cached-message miss stops every later message from being shown).
        self.errors: list[str] = []
        tab.on("pageerror", lambda error: self.errors.append(str(error)[:300]))
        tab.on("console", lambda msg: self.errors.append(msg.text[:300]) if msg.type == "error" else None)

    def _watch(self, socket) -> None:
        self.socket["opened"] += 1

        def count(way: str):
            def on_frame(payload) -> None:
                self.socket[way] += 1
                self.socket[f"last_{way}"] = time.time()
                self.frames.append((time.time(), way, payload))

            return on_frame

        socket.on("framereceived", count("in"))
        socket.on("framesent", count("out"))

    async def idle(self) -> None:
        """The page's script has finished and no live view polls."""
        await self.tab.locator(".kp-live-polling").first.wait_for(state="detached")
        await self.tab.locator(IDLE).wait_for(state="attached")

    async def timed(self, name: str, action, until) -> None:
        """Run ``action`` then wait for ``until``; the seconds between go to ``times[name]``."""
        start = time.perf_counter()
        await action()
        await until()
        self.times[name] = time.perf_counter() - start

    async def nav(self, label: str) -> None:
        """Follow a sidebar link."""
        await self.tab.get_by_role("link", name=label).first.click()

    async def open(self) -> None:
        """Open the app (its start page)."""
        await self.timed("open", lambda: self.tab.goto(f"{self.url}/?lang=en"),
                         self.tab.get_by_role("link", name="Datasets").first.wait_for)  # fmt: skip
        await self.idle()

    async def dataset(self) -> None:
        """The Datasets page, digits (the default) chosen."""
        await self.timed("dataset", lambda: self.nav("Datasets"),
                         self.tab.get_by_label("Dataset", exact=True).first.wait_for)  # fmt: skip
        await self.idle()

    async def network(self) -> None:
        """The Architecture page, then Load the digits lesson MLP."""
        await self.nav("Architecture")
        load = self.tab.get_by_role("button", name="Load", exact=True)
        await load.wait_for()
        await self.idle()
        await self.timed("network", load.click, self.idle)

    async def train(self) -> None:
        """The Training page: 2 epochs, the student's own seed, then Train."""
        await self.timed("train_page", lambda: self.nav("Training"),
                         lambda: self.tab.get_by_role("button", name="Train", exact=True).wait_for())  # fmt: skip
        await self.idle()
        for label, value in (("Epochs", 2), ("Random seed", 1000 + self.number)):
            field = self.tab.get_by_label(label, exact=True)
            await field.fill(str(value))
            await field.press("Enter")
            await self.idle()
        self.marks["click"] = time.time()
        await self.timed("train_click", self.tab.get_by_role("button", name="Train", exact=True).click,
                         self.tab.get_by_text("· queued ·").or_(self.tab.get_by_text("· training ·"))
                         .or_(self.tab.get_by_text("· done ·")).first.wait_for)  # fmt: skip

    async def curves(self) -> None:
        """Wait for the run to end and its curves to be drawn."""
        await self.tab.get_by_text("· done ·").first.wait_for()
        self.marks["done_seen"] = time.time()
        await self.tab.wait_for_function(CURVES_DRAWN)
        self.marks["curves"] = time.time()
        await self.idle()

    async def draw(self) -> None:
        """Open the Draw page, until its canvas is shown and the page is idle."""
        await self.timed("draw_page", lambda: self.nav("Draw"),
                         self.tab.locator("canvas.upper-canvas").first.wait_for)  # fmt: skip
        await self.idle()

    async def stroke(self) -> None:
        """One stroke on the Draw page, until its probabilities are shown.

        A phase of its own: the server's runs in the ``draw`` phase are page opens (each loads
        its student's model), which a stroke's run figures must not include.
        """
        await self.timed("stroke", lambda: self._stroke(0), self.tab.get_by_text("The model says").first.wait_for)
        await self.idle()

    async def strokes(self) -> None:
        """Three more strokes at a drawing pace, as a class draws: not all at once.

        The ``stroke`` phase is the worst case (30 strokes land within a second and share one
        interpreter); here each student starts within 3 s and pauses 1.5-3 s after each stroke.
        Only the server's runs are timed (a later stroke need not change the answer's text).
        """
        pace = random.Random(self.number)
        await asyncio.sleep(pace.uniform(0, 3))
        for shift in (-60, 40, 80):
            await self._stroke(shift)
            await asyncio.sleep(pace.uniform(1.5, 3.0))
        await self.idle()

    async def _stroke(self, shift: int) -> None:
        """One downward stroke, ``shift`` pixels right of the canvas's middle."""
        box = await self.tab.locator("canvas.upper-canvas").first.bounding_box()
        x, y = box["x"] + box["width"] / 2 + shift, box["y"] + 40
        await self.tab.mouse.move(x, y)
        await self.tab.mouse.down()
        for step in range(1, 21):
            await self.tab.mouse.move(x + step % 3, y + step * 10, steps=2)
        await self.tab.mouse.up()

    async def diagnose(self, folder: Path, phase: str) -> dict:
        """What a student's page shows when it got stuck: a screenshot and the facts a waiter reads."""
        facts = {"student": self.number, "phase": phase}
        try:
            await self.tab.screenshot(path=str(folder / f"stuck-{phase}-{self.number}.png"))
            facts.update(await self.tab.evaluate(STUCK_FACTS))
            now = time.time()
            facts["errors"] = self.errors[-3:]
            (folder / f"frames-{phase}-{self.number}.txt").write_text("\n".join(_frame_lines(self.frames)))
            facts["socket"] = {**self.socket, "last_in": round(now - self.socket["last_in"], 1),
                               "last_out": round(now - self.socket["last_out"], 1)}  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - a diagnosis must not end the benchmark
            facts["error"] = repr(exc)[:200]
        return facts

    async def exceptions(self) -> int:
        """Exception boxes on the page now."""
        return await self.tab.locator("[data-testid=stException]").count()


# --- the class ------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


def _events(path: Path, event: str) -> list[dict]:
    """The ``timings.note`` events named ``event`` in the server's timings log."""
    if not path.exists():
        return []
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [r for r in rows if r.get("event") == event]


def _server_runs(path: Path, page: str, since: float, until: float) -> list[dict]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    pages = {page, ""} if page == "home" else {page}  # the default page's url_path is ""
    return [r for r in rows if r.get("page") in pages and since <= r["t"] <= until and r.get("how") in ("ok", "stop")]


async def _phase(
    students: list[Student], name: str, exceptions: dict[str, int], folder: Path | None = None
) -> tuple[float, float]:
    """Every student does ``name`` at once; returns the phase's start and end (wall clock)."""
    start = time.time()
    results = await asyncio.gather(*(asyncio.wait_for(getattr(s, name)(), PHASE_S) for s in students),
                                   return_exceptions=True)  # fmt: skip
    failed = [r for r in results if isinstance(r, BaseException)]
    for err in failed:
        print(f"  {name}: a student failed: {err!r}"[:300], flush=True)
    for student, result in zip(students, results):
        if isinstance(result, BaseException) and folder is not None:
            print(f"  {name}: stuck page: {json.dumps(await student.diagnose(folder, name))}"[:600], flush=True)
    exceptions[name] = sum([await s.exceptions() for s in students]) + len(failed)
    return start, time.time()


def _niced(executable: str, folder: Path) -> str:
    """A wrapper that starts ``executable`` at the lowest CPU priority (``nice -n 19``).

    In a real class each student's browser runs on the student's own machine. Here 30
    Chromium renderers share the server's two cores; at equal priority they took most of
    them (load average 20), and a script run that needed 0.1 s of CPU waited 14 s for it.
    At the lowest priority the browsers still get every cycle the server leaves idle, and the
    server-side figures are the server's own, as on a real host.
    """
    wrapper = folder / "chromium-niced"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 "{executable}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _keras_loaded(pid: int) -> bool:
    """Whether the server's warm-up thread has imported Keras (TensorFlow's library is mapped)."""
    try:
        return "libtensorflow_framework" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


async def wake(browser, url: str, meter: Meter) -> dict:
    """The teacher opens the app before the class, as the README asks: its one-time costs.

    The server's first page starts its warm-up thread (Plotly, scikit-learn, Keras and
    TensorFlow: seconds of CPU, once per server). Waited for until Keras is loaded and the
    server's CPU has stood still for 2 s, so the class's figures are the per-student costs;
    ``--cold`` skips this and the first phase carries the warm-up.
    """
    before, started = meter.cpu(), time.monotonic()
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    tab = await context.new_page()
    tab.set_default_timeout(DEADLINE_MS)
    await tab.goto(f"{url}/?lang=en")
    await tab.locator(IDLE).wait_for(state="attached")
    last = meter.cpu()[0]
    while time.monotonic() - started < DEADLINE_MS / 1000:
        await asyncio.sleep(2)
        now = meter.cpu()[0]
        if _keras_loaded(meter.pid) and now - last < 0.1:
            break
        last = now
    await context.close()
    after = meter.cpu()
    return {"seconds": round(time.monotonic() - started, 1), "server_cpu_s": round(after[0] - before[0], 2),
            "worker_cpu_s": round(after[1] - before[1], 2)}  # fmt: skip


async def drive(url: str, count: int, meter: Meter, timings: Path, cold: bool = False) -> dict:
    """Walk ``count`` students through the lesson (after the teacher woke the app, unless ``cold``)."""
    from playwright.async_api import async_playwright

    figures: dict = {"interactions": {}, "exceptions": {}}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=_niced(CHROMIUM, timings.parent), args=FLAGS)
        if not cold:
            figures["wake"] = await wake(browser, url, meter)
            print(f"  wake     {json.dumps(figures['wake'])}", flush=True)
        students = []
        for number in range(count):
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            tab = await context.new_page()
            tab.set_default_timeout(DEADLINE_MS)
            students.append(Student(tab, number, url))
        for phase in ("open", "dataset", "network", "train", "curves", "draw", "stroke", "strokes"):
            cpu_before = meter.cpu()
            since, until = await _phase(students, phase, figures["exceptions"], timings.parent)
            cpu_after = meter.cpu()
            server_cpu = (cpu_after[0] - cpu_before[0]) / count
            worker_cpu = (cpu_after[1] - cpu_before[1]) / count
            page = {"curves": "training", "train": "training"}.get(phase, PAGES.get(phase, phase))
            walls = [r["wall"] for r in _server_runs(timings, page, since, until)]
            cpus = [r["cpu"] for r in _server_runs(timings, page, since, until)]
            names = [n for n in ("open", "dataset", "network", "train_page", "train_click", "draw_page", "stroke")
                     if any(n in s.times for s in students) and n not in figures["interactions"]]  # fmt: skip
            for name in names:
                seen = [s.times[name] for s in students if name in s.times]
                figures["interactions"][name] = {"browser_p50": _pct(seen, 0.5), "browser_p95": _pct(seen, 0.95)}
            figures.setdefault("phases", {})[phase] = {
                "seconds": round(until - since, 1), "server_cpu_s_per_student": round(server_cpu, 3),
                "worker_cpu_s_per_student": round(worker_cpu, 3), "server_runs": len(walls),
                "server_run_p50": _pct(walls, 0.5), "server_run_p95": _pct(walls, 0.95),
                "server_run_cpu_p50": _pct(cpus, 0.5), "server_run_cpu_p95": _pct(cpus, 0.95),
            }  # fmt: skip
            print(f"  {phase:8s} {json.dumps(figures['phases'][phase])}", flush=True)
        figures["marks"] = [s.marks for s in students]
        errors = [e for s in students for e in s.errors]
        figures["page_errors"] = len(errors)
        figures["cache_misses"] = sum("ForwardMsg MISS" in e for e in errors)
        for error in sorted(set(errors))[:5]:
            print(f"  page error: {error}"[:300], flush=True)
        await browser.close()
    return figures


def _store_figures(runs: Path, marks: list[dict], count: int) -> dict:
    """Lost clicks and the server-side Train click → job created / job done → curves drawn."""
    store = RunStore(runs)
    ids = store.list() if runs.exists() else []
    created = sorted(store.status(r).created for r in ids)
    clicks = sorted(m["click"] for m in marks if "click" in m)
    # A run is created in the script run that took the press: pair the n-th click with the n-th run.
    started = [max(0.0, c - k) for c, k in zip(created, clicks)]
    done_to_curves = [m["curves"] - m["done_seen"] for m in marks if "curves" in m and "done_seen" in m]
    # Server side: the run that took the press started (its callback ran) → the job was created.
    presses = sorted(e["t"] for e in _events(runs.parent / "timings.jsonl", "press") if e.get("key") == "train.start")
    taken = [max(0.0, c - p) for c, p in zip(created, presses)]
    return {
        "runs": len(ids), "students": count, "lost_clicks": max(0, count - len(ids)),
        "done": sum(store.status(r).state == "done" for r in ids),
        "train_click_to_job_created_p50": _pct(started, 0.5), "train_click_to_job_created_p95": _pct(started, 0.95),
        "press_taken_to_job_created_p50": _pct(taken, 0.5), "press_taken_to_job_created_p95": _pct(taken, 0.95),
        "done_seen_to_curves_p50": _pct(done_to_curves, 0.5), "done_seen_to_curves_p95": _pct(done_to_curves, 0.95),
    }  # fmt: skip


def main(argv: list[str]) -> dict:
    """Run the class benchmark; returns the figures for the ``RESULT`` line."""
    parser = argparse.ArgumentParser(prog="python -m bench class")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--port", type=int, default=8660)
    parser.add_argument("--cold", action="store_true",
                        help="no teacher opens the app first: the first phase has the warm-up")  # fmt: skip
    parser.add_argument("--server-option", action="append", default=[], metavar="SECTION.NAME=VALUE",
                        help="a Streamlit setting for this run's server (to compare with the app's own)")  # fmt: skip
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="kp-bench-class-"))
    proc = start_server(args.port, home, tuple(args.server_option))
    meter = Meter(proc.pid)
    idle_mb = _rss_mb(proc.pid)
    try:
        url = f"http://127.0.0.1:{args.port}"
        figures = asyncio.run(drive(url, args.students, meter, home / "timings.jsonl", args.cold))
    finally:
        meter.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    log = (home / "server.log").read_text(errors="replace")
    figures.update(_store_figures(home / "runs", figures.pop("marks"), args.students))
    figures.update(students=args.students, idle_server_mb=round(idle_mb), peak_mb=round(meter.peak_mb),
                   peak_server_mb=round(meter.peak_server_mb), tracebacks=log.count("Traceback"),
                   exception_boxes=sum(figures["exceptions"].values()), home=str(home),
                   # A view that no longer polls but was rerun by a browser timer that outlived it.
                   stray_polls=len(_events(home / "timings.jsonl", "stray_poll")))  # fmt: skip
    for name, row in figures["interactions"].items():
        print(f"{name:12s} browser p50 {row['browser_p50']} s  p95 {row['browser_p95']} s")
    print(f"server + workers peak {figures['peak_mb']} MB (server {figures['peak_server_mb']} MB); "
          f"runs {figures['runs']}/{args.students}, lost clicks {figures['lost_clicks']}; "
          f"exceptions {figures['exception_boxes']} on pages, {figures['tracebacks']} in the server log; "
          f"page errors {figures['page_errors']} ({figures['cache_misses']} cached-message misses); "
          f"stray polls {figures['stray_polls']}")  # fmt: skip
    return figures
