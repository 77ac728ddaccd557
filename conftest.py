"""Test set-up shared by every app: the demo county is loaded once per test database."""

from __future__ import annotations

import pytest

# Shared fixtures (item, township_item, people, report) for every test package.
pytest_plugins = ["gridgov.cases.tests.fixtures", "gridgov.registry.tests.fixtures"]


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
