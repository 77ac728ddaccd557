"""Test set-up shared by every app: the demo county is loaded once per test database."""

from __future__ import annotations

import os

import pytest

# Shared fixtures (item, township_item, people, report) for every test package.
pytest_plugins = [
    "gridgov.cases.tests.fixtures",
    "gridgov.registry.tests.fixtures",
    "gridgov.mediation.tests.fixtures",
]


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (``make test`` runs ``pytest -n logical``) every worker gets a Redis
    database of its own: tests clear the cache and count rate limits per address, so two
    workers sharing one would reset or exhaust each other's counts. REDIS_URL's own database
    stays with the processes the tests start (the browser tests' demo server): worker gwN uses
    database REDIS_URL + 1 + N."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    from django.conf import settings

    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return
    from urllib.parse import urlsplit

    from django.test.signals import clear_cache_handlers

    url = urlsplit(cache["LOCATION"])
    base = int(url.path.strip("/") or 0)
    location = url._replace(path=f"/{base + 1 + int(worker[2:])}").geturl()
    settings.CACHES = {**settings.CACHES, "default": {**cache, "LOCATION": location}}
    clear_cache_handlers(setting="CACHES")  # what a test's override_settings(CACHES=…) does


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Load the demo county (舒兰市) into the test database once; each test runs in a
    transaction that is rolled back, so tests see it unchanged."""
    from gridgov.demo import load_demo

    with django_db_blocker.unblock():
        load_demo(log=lambda *_: None, cases=0, registry=False)


@pytest.fixture(autouse=True)
def _chinese_by_default():  # type: ignore[no-untyped-def]
    """The test client's LocaleMiddleware leaves the last request's language active in the
    thread; every test starts in the default language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
