"""A real ``gridgov demo`` server in a temporary folder, driven by Debian's chromium.

The demo county with its registers takes one to two minutes of CPU to build, so it is built
once (``gridgov demo --no-serve``) into a template folder under ``var/test-cache/`` (or
GRIDGOV_TEST_CACHE), keyed by the source tree and the environment and used for at most
TEMPLATE_HOURS, and each test session's server starts on a fresh copy of it (``gridgov demo``
on a loaded database only checks it). ``make test`` builds the template while lint and mypy
run (``python tests/browser/conftest.py``); the SQLite and PostgreSQL passes then share it."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "gridgov"
CACHE = Path(os.environ.get("GRIDGOV_TEST_CACHE", ROOT / "var" / "test-cache"))
TEMPLATE_HOURS = 3  # a template is used for at most this long after it was built

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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) every browser test runs on one worker, which
    starts the one demo server. Before xdist reads the groups, hence tryfirst."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def _server_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}


def _template_key() -> str:
    """What the demo folder depends on: the source (code, migrations, data files; not the
    tests, templates and static files), Python and the settings read from the environment (its
    age is checked apart: the demo's year of cases ends when it is built)."""
    digest = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*")):
        if path.is_file() and not {"tests", "templates", "static", "__pycache__"} & set(
            path.relative_to(SOURCE).parts
        ):
            digest.update(str(path.relative_to(SOURCE)).encode() + b"\0" + path.read_bytes())
    # Not TZ: Django sets it from the settings in the test process, the demo build ignores it.
    for name in ("SECRET_KEY", "GRIDGOV_FIELD_KEYS", "GRIDGOV_LOOKUP_KEY"):
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:20]


def demo_template(copy_to: Path | None = None) -> Path:
    """The demo folder built by ``gridgov demo --no-serve``: built once and reused while the
    key is unchanged and it is younger than TEMPLATE_HOURS; copied into ``copy_to`` if given.
    A lock lets concurrent test runs (or the build ahead in ``make test``) wait for one build
    instead of racing, and a run never copies a template another run is replacing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = _template_key()
    template = CACHE / f"demo-{key}"
    with (CACHE / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = template / "built.txt"
        if built.exists():
            age = dt.datetime.now() - dt.datetime.fromisoformat(built.read_text().strip())
            if age < dt.timedelta(hours=TEMPLATE_HOURS):
                return _copy(template, copy_to)
        for old in CACHE.glob("demo-*"):
            shutil.rmtree(old, ignore_errors=True)
        work = CACHE / f"build-{key}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        started = dt.datetime.now()
        env = _server_env() | {"GRIDGOV_DATA_DIR": str(work)}
        with (work / "built.log").open("w") as log:
            done = subprocess.run(
                [sys.executable, "-m", "gridgov", "demo", "--no-serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=1200,
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError((work / "built.log").read_text())
        # Fold the write-ahead log into the database file, so copying the folder is enough.
        db = sqlite3.connect(work / "gridgov.sqlite3")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        (work / "built.txt").write_text(started.isoformat())
        work.rename(template)
        return _copy(template, copy_to)


def _copy(template: Path, copy_to: Path | None) -> Path:
    if copy_to is not None:
        shutil.copytree(
            template, copy_to, dirs_exist_ok=True, ignore=shutil.ignore_patterns("built*")
        )
    return template


# The server and the browser live as long as the browser tests (package scope), not the session:
# Playwright's sync API runs an event loop in the thread, and Django refuses database calls
# from a thread with a running loop (SynchronousOnlyOperation). Under pytest-xdist the worker
# that ran the browser tests goes on with database tests.
@pytest.fixture(scope="package")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("demo")
    demo_template(copy_to=data_dir)
    port = _free_port()
    env = _server_env()
    env["GRIDGOV_DATA_DIR"] = str(data_dir)
    log = (Path(data_dir) / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gridgov", "demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180  # migrations and the demo county are checked, not built
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


@pytest.fixture(scope="package")
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


if __name__ == "__main__":  # `python tests/browser/conftest.py`: build the template ahead
    print(f"demo template ready: {demo_template()}")
