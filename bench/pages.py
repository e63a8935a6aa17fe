"""Page times in Chromium: a fresh server, the first page, then the Datasets page."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]  # fmt: skip


def page_times(port: int = 8765) -> dict[str, float]:
    """Seconds from server start to healthy, to the first page, and to the Datasets charts."""
    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="kp-bench-home-")
    env = {**os.environ, "KERAS_HOME": f"{home}/keras", "KP_RUNS_DIR": f"{home}/runs"}
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        healthy = time.perf_counter() - start
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?lang=en")
            page.get_by_role("heading", name="Keras Playground").wait_for(timeout=60000)
            page.get_by_role("link", name="Datasets").first.wait_for()
            first = time.perf_counter() - t0
            t1 = time.perf_counter()
            page.get_by_role("link", name="Datasets").first.click()
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60000)
            datasets_page = time.perf_counter() - t1
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"server start → healthy": healthy, "first page interactive (after healthy)": first,
            "Datasets page with charts (after click)": datasets_page}  # fmt: skip
