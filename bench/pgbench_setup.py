"""What the PostgreSQL bench scripts share: their own database, and Django pointed at it."""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    """Create the bench database when missing; never the CI and test databases."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name in ("test", "test_test"):
        raise SystemExit(f"refusing to use the database {name!r} (CI and the tests use it)")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    """Settings for a bench run on ``url`` (demo mode, a throwaway data directory)."""
    ensure_database(url)
    os.environ.update(
        DATABASE_URL=url,
        GRIDGOV_DEMO="1",
        GRIDGOV_DATA_DIR=tempfile.mkdtemp(prefix="gridgov-bench-"),
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        GRIDGOV_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
