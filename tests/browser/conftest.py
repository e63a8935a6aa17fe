"""A real ``streamlit run`` server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests.waiting import DEADLINE, wait_until

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output"
CHROMIUM = os.environ.get("KP_CHROMIUM", "/usr/bin/chromium")
TEACHER_PASSPHRASE = "browser-teacher"  # teacher mode is on in the test server (tests/browser/test_sweep_browser.py)
# Every wait on the page (an element, a text) may take this long before it fails: a hang
# guard, not a speed claim (a loaded 2-core machine trains and renders slowly).
DEADLINE_MS = int(DEADLINE * 1000)
# One server serves every browser test file of a test process, and a nickname belongs to the
# first browser that takes it (#27): so each test file uses nicknames no other file uses (a
# shared "bia" was refused in the second file that opened it, and its test waited out its deadline).
SERVER: dict[str, Path] = {}  # the test server's folders (its run store: "runs")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int = 0, **extra_env: str) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on ``port`` (0: any free one), its KERAS_HOME, run store and data under ``home``."""
    port = port or _free_port()
    env = {
        **os.environ,
        "KERAS_HOME": str(home / "keras"),
        "KP_RUNS_DIR": str(home / "runs"),
        "KP_DATA_DIR": str(home / "data"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "KP_EXECUTOR": "process",  # the real default: jobs train in warm worker processes
        "KP_TEACHER_PASSPHRASE": TEACHER_PASSPHRASE,
        "KP_TIMINGS": str(home / "timings.jsonl"),  # each script run's page and kind (tests read what reran)
        **extra_env,
    }
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert proc.poll() is None, "streamlit exited: " + (home / "server.log").read_text()[-2000:]
        try:
            return urllib.request.urlopen(f"{url}/_stcore/health", timeout=5).status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, "the server's health check", poll=0.2)
    except AssertionError:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server from :func:`start_server` (its whole process group: workers too)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def app_url(request):
    """Start the app on a free port with its own KERAS_HOME and run store; stop it after.

    When a test failed, the server's log is kept as tests/output/server-<port>.log (what the
    server did while a browser waited is the first thing a failure's reader needs).
    """
    home = Path(tempfile.mkdtemp(prefix="kp-browser-home-"))
    proc, url = start_server(home, int(os.environ.get("KP_BROWSER_PORT") or 0))  # a fixed port when asked
    SERVER.update(home=home, runs=home / "runs")
    yield url
    stop_server(proc)
    if request.session.testsfailed:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(home / "server.log", OUTPUT / f"server-{url.rsplit(':', 1)[1]}.log")
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def runs_dir(app_url) -> Path:
    """The test server's run store (``KP_RUNS_DIR``): what the jobs really wrote."""
    return SERVER["runs"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium (scripts/setup.sh)")
    from playwright.sync_api import expect

    # An ``expect`` waits 5 s by default: a clock, not a state (a drawing's button took longer to
    # enable on a loaded machine). It gets the same hang guard as every other wait.
    expect.set_options(timeout=DEADLINE_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def new_tab(browser, locale: str = "en-US", width: int = 1280, height: int = 900):
    """A page in a context of its own (its own cookies: another student), waiting up to the deadline."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    tab = context.new_page()
    tab.set_default_timeout(DEADLINE_MS)
    return tab


@pytest.fixture
def page(browser, app_url, request):
    """A fresh browser page (1280×900), closed after the test."""
    tab = new_tab(browser)
    yield tab
    screenshot(tab, f"last-{request.node.name}")  # what the page showed at the end (also on failure)
    tab.context.close()


def settle(tab) -> None:
    """Wait until the page's script is not running and no live view still polls.

    A job's live view shows "done", then reruns the whole page once to stop polling; a click
    that lands inside that rerun can be lost. ``shared.live_view`` marks each view with
    ``kp-live-polling`` or ``kp-live-idle`` in the sidebar: wait for the idle one.

    Then every element is drawn: Streamlit shows an element whose code is still loading as a
    skeleton (a fresh page's first text field: 40 px, then 68 px with its label), and
    everything below it moves when the code arrives. A click aimed before that lands on
    whatever moved into its place (the sidebar's "Teacher mode" once hit the nickname field).
    """
    tab.locator(".kp-live-polling").first.wait_for(state="detached")
    tab.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(state="attached")
    tab.locator("[data-testid=stSkeleton]").first.wait_for(state="detached")


def ink_at(tab, fractions: list[tuple[float, float]]) -> list[bool]:
    """Whether the canvas the student sees has ink (a bright pixel) at each point (canvas fractions)."""
    return tab.locator("canvas.dc-canvas.lower-canvas").first.evaluate(  # (the drawing; not the background)
        """(el, points) => points.map(([fx, fy]) => {
            const x = Math.round(fx * el.width), y = Math.round(fy * el.height);
            return el.getContext('2d').getImageData(x, y, 1, 1).data[0] > 128;
        })""",
        fractions,
    )


def screenshot(tab, name: str) -> Path:
    """Save a screenshot of the whole page under tests/output/ and return its path.

    Streamlit scrolls inside its main container, so the viewport is grown to the content
    height first (a browser "full page" shot would stop at the window).
    """
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    size = tab.viewport_size
    height = tab.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollHeight || 900")
    tab.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
    tab.evaluate("() => document.fonts.ready")  # and two frames: the resized layout has been drawn
    tab.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    tab.screenshot(path=str(path))
    tab.set_viewport_size(size)
    return path


def become_teacher(tab) -> None:
    """Turn teacher mode on in the sidebar with the test server's passphrase; wait until it is on."""
    settle(tab)  # a click on the expander during a run can miss it, or the run can close it again
    label = tab.get_by_text("Teacher mode", exact=True)
    before = label.bounding_box()
    label.click()
    passphrase = tab.get_by_label("Teacher passphrase")
    try:
        passphrase.wait_for(state="visible")
    except Exception as exc:
        # Seen once in a full run (the field stayed hidden 300 s) before ``settle`` waited for the
        # skeletons: keep what tells a click that missed (the label moved) from an expander closed again.
        shot = screenshot(tab, "become-teacher-hidden")
        details = tab.locator("details", has=label).first.get_attribute("open", timeout=5000)  # "" when open
        state = tab.locator("[data-testid=stApp]").get_attribute("data-test-script-state")
        after = label.bounding_box(timeout=5000)
        raise AssertionError(
            f"teacher passphrase still hidden: label box {before} -> {after}, "
            f"details open={details!r}, script state {state}; {shot}"
        ) from exc
    passphrase.fill(TEACHER_PASSPHRASE)
    passphrase.press("Enter")
    tab.get_by_text("Teacher mode: you see and manage every run.").wait_for()
    settle(tab)


def train_from_training_page(tab, epochs: int, seed: int) -> None:
    """On the Training page: set epochs and seed, press Train, wait until the run is done."""
    for label, value in (("Epochs", epochs), ("Random seed", seed)):
        field = tab.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
        settle(tab)
    tab.get_by_role("button", name="Train", exact=True).click()
    tab.get_by_text("· done ·").wait_for()
    settle(tab)  # the closing rerun has run: the next click is not lost in it
