"""A real ``gridgov demo`` server in a temporary folder, driven by Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env["GRIDGOV_DATA_DIR"] = str(data_dir)
    log = (Path(data_dir) / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gridgov", "demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 420  # the demo county with its registers: ~1–2 minutes
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((Path(data_dir) / "server.log").read_text()) from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(
            "browser tests skipped: Debian's chromium is not at /usr/bin/chromium and "
            "`make browser-deps` could not install it (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, demo_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


ARTIFACTS = (
    Path(os.environ.get("GRIDGOV_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
    / "screenshots"
)


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where browser tests save screenshots (CI keeps the folder as artefacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def login(page, base: str, username: str, password: str = "Gridgov@2026") -> None:  # type: ignore[no-untyped-def]  # noqa: S107 - the demo password
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def offline_guard(page, demo_server):  # type: ignore[no-untyped-def]
    """Records every request that would leave the server; tests assert it stays empty."""
    leaks: list[str] = []
    page.on(
        "request",
        lambda r: (
            leaks.append(r.url) if not r.url.startswith((demo_server, "data:", "blob:")) else None
        ),
    )
    return leaks
