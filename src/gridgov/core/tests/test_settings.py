"""Production settings refuse the demo secret; the demo and tests may use it."""

from __future__ import annotations

import os
import subprocess
import sys


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "GRIDGOV_TESTING", "GRIDGOV_DEMO", "DEBUG", "SECRET_KEY"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import gridgov.settings as s; print(s.TIME_ZONE, s.LANGUAGE_CODE)"],
        capture_output=True,
        text=True,
        env=clean,
        check=False,
        timeout=60,
    )


def test_production_refuses_the_demo_secret(tmp_path):
    result = _import_settings(GRIDGOV_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is the demo secret" in result.stderr


def test_production_starts_with_its_own_secret(tmp_path):
    result = _import_settings(SECRET_KEY="x" * 50, GRIDGOV_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Asia/Shanghai", "zh-hans"]


def test_demo_may_use_the_demo_secret(tmp_path):
    result = _import_settings(GRIDGOV_DEMO="1", GRIDGOV_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr


def test_sqlite_database_file_runs_in_wal_mode(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(
        GRIDGOV_DEMO="1", GRIDGOV_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gridgov.settings"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    assert (tmp_path / "gridgov.sqlite3").exists()
