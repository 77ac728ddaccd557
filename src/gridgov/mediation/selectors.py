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


# -- petitions: repeat petitioners and hot topics --------------------------------------------


@dataclass(frozen=True)
class RepeatPetitioner:
    """One petitioner (the same register person, ID number or phone) with several petitions."""

    name: str
    id_masked: str
    phone_masked: str
    petitions: int
    last_received: dt.date
    items: tuple[str, ...]
    petition_ids: tuple[int, ...]


def petitions(user: Any) -> Any:
    from gridgov.mediation.models import Petition

    return restrict(Petition.objects.select_related("case", "case__item"), user, "view")


def _identity(petitioner: Any) -> str:
    if petitioner.person_id:
        return f"person:{petitioner.person_id}"
    if petitioner.id_hash:
        return f"id:{petitioner.id_hash}"
    if petitioner.phone_hash:
        return f"phone:{petitioner.phone_hash}"
    return f"row:{petitioner.pk}"  # nothing to match on: never a repeat


def repeat_petitioners(
    user: Any, *, until: dt.date | None = None, days: int = 365, at_least: int = 2
) -> list[RepeatPetitioner]:
    """Petitioners with ``at_least`` petitions received in the ``days`` up to ``until``, inside
    the user's jurisdiction, most petitions first. A person is recognised by their register
    entry, else their ID number, else their phone (hashes; only masked values come back)."""
    from gridgov.mediation.models import Petitioner

    last = until or timezone.localdate()
    first = last - dt.timedelta(days=days - 1)
    visible = petitions(user).filter(received_on__gte=first, received_on__lte=last)
    rows = Petitioner.objects.filter(petition__in=visible.values("pk")).select_related(
        "petition", "petition__case__item"
    )
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(_identity(row), []).append(row)
    found = []
    for members in groups.values():
        ids = sorted({m.petition_id for m in members})
        if len(ids) < at_least:
            continue
        newest = max(members, key=lambda m: (m.petition.received_on, m.petition_id))
        items = tuple(dict.fromkeys(m.petition.case.item.name for m in members))
        found.append(
            RepeatPetitioner(
                name=newest.name,
                id_masked=newest.id_masked,
                phone_masked=newest.phone_masked,
                petitions=len(ids),
                last_received=newest.petition.received_on,
                items=items,
                petition_ids=tuple(ids),
            )
        )
    return sorted(found, key=lambda r: (-r.petitions, -r.last_received.toordinal(), r.name))


@dataclass(frozen=True)
class HotTopic:
    item_code: str
    item_name: str
    petitions: int
    people: int
    group_petitions: int
    previous: int  # the same number of days before


def hot_topics(
    user: Any, *, until: dt.date | None = None, days: int = 30, most: int = 10
) -> list[HotTopic]:
    """The matters (case items) most petitioned about in the ``days`` up to ``until``, with the
    people involved, group petitions and the count of the period before, inside the user's
    jurisdiction."""
    from django.db.models import Count, Q, Sum

    from gridgov.mediation.choices import GROUP_PETITION_PEOPLE

    last = until or timezone.localdate()
    first = last - dt.timedelta(days=days - 1)
    before = first - dt.timedelta(days=days)
    base = petitions(user).filter(received_on__gte=before, received_on__lte=last)
    now = Q(received_on__gte=first)
    table = (
        base.order_by()
        .values("case__item__code", "case__item__name")
        .annotate(
            n=Count("pk", filter=now),
            people=Sum("people_count", filter=now),
            groups=Count("pk", filter=now & Q(people_count__gte=GROUP_PETITION_PEOPLE)),
            previous=Count("pk", filter=~now),
        )
    )
    topics = [
        HotTopic(
            item_code=row["case__item__code"],
            item_name=row["case__item__name"],
            petitions=row["n"],
            people=row["people"] or 0,
            group_petitions=row["groups"],
            previous=row["previous"],
        )
        for row in table
        if row["n"]
    ]
    topics.sort(key=lambda t: (-t.petitions, -t.people, t.item_code))
    return topics[:most]


@dataclass(frozen=True)
class PetitionDue:
    """A petition with a statutory step open: which step, by when, and its light."""

    petition_id: int
    case_number: str
    step: str  # "acknowledge" | "reply" | "review"
    due: dt.date
    days_left: int
    light: str  # "red": overdue, "yellow": due within ``warn_days``, "green"


def petition_deadlines(
    user: Any, *, today: dt.date | None = None, warn_days: int = 3
) -> list[PetitionDue]:
    """Every petition inside the user's jurisdiction with a step still open — 受理告知
    (acknowledge), 答复 (reply, extended or not) or 复查答复 (review) — the most urgent first."""
    from gridgov.mediation.choices import PetitionState

    day = today or timezone.localdate()
    open_steps = {
        PetitionState.RECEIVED: ("acknowledge", "acknowledge_by"),
        PetitionState.ACCEPTED: ("reply", "reply_by"),
        PetitionState.EXTENDED: ("reply", "reply_by"),
        PetitionState.REVIEW: ("review", "review_by"),
    }
    rows = []
    for petition in petitions(user).filter(state__in=list(open_steps)):
        step, field = open_steps[petition.state]
        due = getattr(petition, field)
        if due is None:
            continue
        left = (due - day).days
        light = "red" if left < 0 else "yellow" if left <= warn_days else "green"
        rows.append(PetitionDue(petition.pk, petition.case.number, step, due, left, light))
    return sorted(rows, key=lambda r: (r.days_left, r.petition_id))
