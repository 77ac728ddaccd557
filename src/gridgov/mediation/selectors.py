"""Reads of disputes and mediation, scoped by the one jurisdiction function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gridgov.core.jurisdiction import restrict
from gridgov.mediation.models import Campaign, ScreeningReport
from gridgov.regions.models import Region, subtree_q

NIL = "nil"  # 零报告
FOUND = "found"  # 有纠纷
MISSING = "missing"  # 未报 (past the due date)
PENDING = "pending"  # 待报 (not yet due)
STATES = (NIL, FOUND, MISSING, PENDING)


@dataclass(frozen=True)
class GridScreening:
    grid: Region
    state: str
    report: ScreeningReport | None
    disputes: int


def campaigns(user: Any) -> Any:
    """The campaigns under the user's jurisdiction and those organised above it that cover
    their area (a grid worker sees the township's campaign for their grid)."""
    from gridgov.party.access import _posts

    above = {path[:n] for _role, path, _dept in _posts(user) if path for n in (2, 4, 6, 9, 12, 15)}
    inside = restrict(Campaign.objects.all(), user, "view").values("pk")
    return (
        Campaign.objects.filter(Q(pk__in=inside) | Q(region_path__in=sorted(above)))
        .select_related("region")
        .distinct()
    )


def screening(
    user: Any, campaign: Campaign, *, today: dt.date | None = None
) -> list[GridScreening]:
    """Every active grid under the campaign's region that the user sees, with its state: a
    grid that screened and found nothing (零报告) is told apart from one that did not report
    (未报 once the due date has passed, 待报 before)."""
    day = today or timezone.localdate()
    grids = restrict(
        Region.objects.filter(
            subtree_q(campaign.region_path, "path"), level="grid", is_active=True
        ).order_by("path"),
        user,
        "view",
    )
    reports = {
        r.grid_id: r
        for r in ScreeningReport.objects.filter(campaign=campaign).prefetch_related("disputes")
    }
    rows = []
    for grid in grids:
        report = reports.get(grid.pk)
        if report is None:
            state = MISSING if day > campaign.due_on else PENDING
            rows.append(GridScreening(grid, state, None, 0))
            continue
        count = len(report.disputes.all())
        rows.append(GridScreening(grid, NIL if report.nil else FOUND, report, count))
    return rows


def screening_summary(rows: list[GridScreening]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row.state] += 1
    counts["grids"] = len(rows)
    counts["disputes"] = sum(row.disputes for row in rows)
    return counts
