"""`sim app` in a real browser: Playwright drives Debian's Chromium against the running app.

The app runs in a subprocess on a free loopback port, started and stopped by the fixture. The
page must work offline: every request to a host other than 127.0.0.1 is aborted and recorded,
and the test fails if there was one. CI (.ci/run) installs Chromium and sets
SIM_REQUIRE_CHROMIUM=1, so there these tests fail instead of skipping when something is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest
from support import ROOT, SCENARIOS

RUNS, SEED = 200, 11
CAP = "policy.us.export.h200.cap_units"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def need(what: str, fix: str) -> None:
    if os.environ.get("SIM_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{what} is needed for the app's browser tests: {fix}")
    pytest.skip(f"{what} is not installed ({fix} to run this test)")


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        need("Debian's chromium", "apt-get install -y chromium")
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """`sim app` on a free loopback port, stopped at the end of the module."""
    for module, fix in (("panel", "pip install -e '.[app]'"), ("playwright", "pip install -e '.[dev]'")):
        try:
            __import__(module)
        except ImportError:
            need(module, fix)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "sim",
        "app",
        str(SCENARIOS / "loosen_h200.yaml"),
        "--port",
        str(port),
        "--runs",
        str(RUNS),
        "--seed",
        str(SEED),
    ]
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines: list[str] = [proc.stdout.readline()]
    # keep reading what the server logs, so a full pipe never blocks it
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        assert f"http://127.0.0.1:{port}/" in lines[0], "".join(lines)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        proc.stdout.close()


@pytest.fixture
def page(app_url: str) -> Iterator[Any]:
    """A fresh page on the app; records console messages and blocks any non-loopback request."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1500, "height": 1100})
        tab.outside: list[str] = []  # type: ignore[attr-defined]
        tab.console: list[tuple[str, str]] = []  # type: ignore[attr-defined]

        def route(r: Any) -> None:
            url = urlparse(r.request.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
                tab.outside.append(r.request.url)  # type: ignore[attr-defined]
                r.abort()
            else:
                r.continue_()

        tab.route("**/*", route)
        tab.on("console", lambda m: tab.console.append((m.type, m.text)))  # type: ignore[attr-defined]
        tab.on("pageerror", lambda e: tab.console.append(("error", str(e))))  # type: ignore[attr-defined]
        tab.goto(app_url)
        tab.wait_for_selector("#median-lag", timeout=120_000)
        yield tab
        browser.close()


def shown(tab: Any, selector: str) -> float:
    return float(tab.locator(selector).get_attribute("data-value"))


def wait_for(tab: Any, check: Any, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the page did not update"
        tab.wait_for_timeout(100)


def test_moving_the_h200_cap_redraws_the_median_lag_of_sim_compare(page, tmp_path):
    from sim.analysis.compare import paired_differences
    from sim.run.ensemble import run_ensemble
    from sim.scenario import load_scenario, parse_set

    before = shown(page, "#median-lag")
    command = page.locator("#command-run")
    assert CAP not in command.inner_text()
    handle = page.locator(".lever-policy-us-export-h200-cap_units .noUi-handle")
    handle.focus()
    for _ in range(30):  # 30 steps of 10,000 chips down, each one a new request
        page.keyboard.press("ArrowLeft")
    wait_for(page, lambda: "cap_units=590000" in command.inner_text())
    after = shown(page, "#median-lag")
    assert after != before
    # the same settings and seed through the Python API of `sim compare`
    words = command.inner_text().split()
    assert words[:7] == [
        "sim",
        "run",
        str(SCENARIOS / "loosen_h200.yaml"),
        "--runs",
        str(RUNS),
        "--seed",
        str(SEED),
    ]
    sets = parse_set(tuple(w.strip("'") for w in words[8::2]))
    assert sets == {CAP: 590000}
    overrides = {**sets, "run.runs": RUNS, "run.seed": SEED}
    b = run_ensemble(load_scenario(SCENARIOS / "loosen_h200.yaml", overrides))
    a = run_ensemble(load_scenario(SCENARIOS / "baseline.yaml", {"run.runs": RUNS, "run.seed": SEED}))
    lag = "capability_lag_months"
    assert after == float(np.median(b.year_end[lag]["2028-12"]))
    assert shown(page, "#baseline-lag") == float(np.median(a.year_end[lag]["2028-12"]))
    effect = paired_differences(a, b)["outcomes"][lag]["2028-12"]["p50"]
    assert shown(page, "#effect-p50") == effect
    page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
    assert (tmp_path / "app.png").stat().st_size > 50_000
    target = os.environ.get("SIM_APP_SCREENSHOT")  # docs/app.png is made this way
    if target:
        page.screenshot(path=target, full_page=False)
    assert page.outside == [], f"the page fetched from the internet: {page.outside}"
    errors = [text for kind, text in page.console if kind == "error"]
    assert errors == [], errors


def test_a_bad_value_shows_the_command_line_message_and_the_app_goes_on(page):
    from click.testing import CliRunner

    from sim.cli import main

    page.get_by_text("Your own scenario").click()
    box = page.locator("textarea").nth(1)  # the --set lines (the first is the YAML to paste)
    box.fill("policy.us.export.h200.fee=-1")
    box.press("Tab")  # the text area sends its value when it loses focus
    message = page.locator("#error-message")
    message.wait_for(timeout=60_000)
    cli = CliRunner().invoke(
        main, ["run", str(SCENARIOS / "loosen_h200.yaml"), "--set", "policy.us.export.h200.fee=-1"]
    )
    assert cli.exit_code == 2
    assert " ".join(message.inner_text().split()) == " ".join(cli.output.split())
    box.fill("")
    box.press("Tab")
    wait_for(page, lambda: not page.locator("#error-message").is_visible())
    assert page.locator("#median-lag").is_visible()
    assert page.outside == []
    assert [text for kind, text in page.console if kind == "error"] == []


def test_the_downloads_are_a_valid_scenario_a_png_and_a_csv(page, tmp_path):
    from click.testing import CliRunner

    from sim.cli import main

    files: dict[str, Path] = {}
    for css, name in (
        ("download-yaml", "app-scenario.yaml"),
        ("download-png", "app-views.png"),
        ("download-csv", "app-views.csv"),
    ):
        with page.expect_download(timeout=120_000) as info:
            page.locator(f".{css} .bk-btn, .{css} button, .{css} a").first.click()
        path = tmp_path / name
        info.value.save_as(path)
        files[name] = path
    assert CliRunner().invoke(main, ["validate", str(files["app-scenario.yaml"])]).exit_code == 0
    assert files["app-views.png"].read_bytes().startswith(b"\x89PNG")
    assert files["app-views.csv"].read_text().splitlines()[1] == "view,series,key,statistic,value"
