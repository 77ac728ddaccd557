from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gridgov.cli import COMMANDS, main


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in (
        "demo",
        "serve",
        "migrate",
        "import-divisions",
        "import-grids",
        "createadmin",
        "locate",
        "build-grids",
        "load-catalogue",
        "sweep",
        "verify-timelines",
    ):
        assert f"  {name}" in out
    assert set(COMMANDS) >= {
        "demo",
        "serve",
        "migrate",
        "import-divisions",
        "import-grids",
        "createadmin",
    }


def test_unknown_command_fails(capsys):
    assert main(["frobnicate"]) == 2
    assert "未知命令" in capsys.readouterr().err


def _gridgov(*args: str, data_dir: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(GRIDGOV_DATA_DIR=data_dir, SECRET_KEY="test-" + "k" * 40)
    return subprocess.run(
        [sys.executable, "-m", "gridgov", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_console_workflow_on_a_fresh_database(tmp_path):
    """migrate → import-divisions → build-grids → locate → createadmin, as an operator would."""
    data_dir = str(tmp_path)
    assert _gridgov("migrate", data_dir=data_dir).returncode == 0
    result = _gridgov("import-divisions", "--county", "511526", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "乡/镇/街道 13 个" in result.stdout and "村/社区 183 个" in result.stdout
    again = _gridgov("import-divisions", "--county", "511526", data_dir=data_dir)
    assert "新建 0" in again.stdout
    result = _gridgov(
        "build-grids", "--county", "511526", "--urban", "20", "--rural", "200", data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    assert "生成网格 220 个" in result.stdout
    result = _gridgov("locate", "104.71", "28.44", data_dir=data_dir)  # 珙县 county seat area
    assert result.returncode == 0, result.stderr
    assert "珙县" in result.stdout and "网格" in result.stdout
    result = _gridgov("locate", "116.4", "39.9", data_dir=data_dir)
    assert result.returncode != 0 and "不在本平台管辖范围内" in result.stderr
    result = _gridgov(
        "createadmin", "--username", "root", "--password", "Sturdy-pass-2026", data_dir=data_dir
    )
    assert result.returncode == 0 and "已创建系统管理员 root" in result.stdout
    result = _gridgov("import-divisions", "--county", "999999", data_dir=data_dir)
    assert result.returncode != 0 and "没有代码" in result.stderr


def test_production_without_a_secret_gets_a_clear_message(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "PYTEST_VERSION",
            "DATABASE_URL",
            "SECRET_KEY",
            "GRIDGOV_DEMO",
            "DEBUG",
            "GRIDGOV_TESTING",
        }
    }
    env["GRIDGOV_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "gridgov", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "配置错误" in result.stderr and "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
