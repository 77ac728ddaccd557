"""docs/cases.md shows the transition table the code has."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_docs_table_matches_the_code():
    spec = importlib.util.spec_from_file_location(
        "workflow_table", ROOT / "tools" / "workflow_table.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    documented = page.split("<!-- table:start -->")[1].split("<!-- table:end -->")[0].strip()
    assert documented == module.markdown(), "run: python tools/workflow_table.py"
