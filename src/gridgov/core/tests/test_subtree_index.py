"""Subtree queries are one index range scan, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db


def test_subtree_query_uses_the_path_index():
    queryset = Region.objects.subtree("220283001").values_list("id", flat=True)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # tiny tables otherwise favour seq scans
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            assert "Index" in plan and "path" in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
            assert "path>" in plan.replace(" ", ""), plan


def test_subtree_matches_a_prefix_scan():
    for path in ("220283", "220283001", "220283001001", "220283001001001"):
        expected = {p for p in Region.objects.values_list("path", flat=True) if p.startswith(path)}
        assert set(Region.objects.subtree(path).values_list("path", flat=True)) == expected
        assert path not in set(
            Region.objects.subtree(path, include_self=False).values_list("path", flat=True)
        )
