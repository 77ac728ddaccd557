"""Reads of the Open311 endpoint: the catalogue it offers and the cases a caller may see.

Without an API key only cases reported by the public channels (Open311, the resident app) are
visible; with one, the client's service account is scoped by the one jurisdiction function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Max, Q, QuerySet

from gridgov.accounts.models import IntegrationClient
from gridgov.cases.choices import Channel
from gridgov.cases.models import Case, Item, ItemVersion
from gridgov.cases.workflow import Status
from gridgov.core.jurisdiction import restrict

PUBLIC_CHANNELS = (Channel.OPEN311.value, Channel.RESIDENT_APP.value)
CLOSED_STATUSES = frozenset(
    {Status.CLOSED, Status.RATED, Status.ARCHIVED, Status.REJECTED, Status.VOIDED}
)
OPEN_STATUSES = frozenset(Status) - CLOSED_STATUSES - {Status.MERGED}
MAX_RESULTS = 1000
WINDOW = dt.timedelta(days=90)


def active_items() -> QuerySet[Item]:
    """The services: active items of active boards, in catalogue order."""
    return Item.objects.filter(is_active=True, board__is_active=True).select_related("board")


def catalogue_changed_at() -> dt.datetime | None:
    """When the items' rules last changed (a new item version), for discovery's changeset."""
    return ItemVersion.objects.aggregate(last=Max("created_at"))["last"]


def followed_case(case: Case) -> Case:
    """The case whose progress this one shows: a merged case follows its master (through
    merges), as :attr:`Case.followed_status` does."""
    current, seen = case, set()
    while current.status == Status.MERGED and current.master_id and current.pk not in seen:
        seen.add(current.pk)
        current = current.master  # type: ignore[assignment]
    return current


def open311_status(case: Case) -> str:
    """``open`` or ``closed``, following the master of a merged case."""
    status = case.followed_status
    return "closed" if status in CLOSED_STATUSES or status == Status.MERGED else "open"


def visible_requests(client: IntegrationClient | None) -> QuerySet[Case]:
    if client is None:
        return Case.objects.filter(channel__in=PUBLIC_CHANNELS)
    return restrict(Case.objects.all(), client.user)


@dataclass(frozen=True)
class RequestQuery:
    """The filters of GET requests. ``numbers`` overrides every other filter."""

    numbers: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: frozenset[str] = field(default_factory=frozenset)


def find_requests(client: IntegrationClient | None, query: RequestQuery) -> list[Case]:
    """At most :data:`MAX_RESULTS` cases, newest first."""
    cases = visible_requests(client).select_related(
        "item", "item_version", "region", "master", "lead_department", "lead_centre"
    )
    if query.numbers:
        cases = cases.filter(number__in=list(query.numbers)[:MAX_RESULTS])
        return list(cases.order_by("-created_at", "-pk")[:MAX_RESULTS])
    if query.service_codes:
        cases = cases.filter(item__code__in=list(query.service_codes))
    if query.start is not None:
        cases = cases.filter(created_at__gte=query.start)
    if query.end is not None:
        cases = cases.filter(created_at__lte=query.end)
    wanted = query.statuses
    if wanted and wanted != {"open", "closed"}:
        # Merged cases follow their master: fetch them with either and decide below.
        statuses = OPEN_STATUSES if "open" in wanted else CLOSED_STATUSES
        cases = cases.filter(Q(status__in=sorted(statuses)) | Q(status=Status.MERGED))
        return _first(c for c in _iterate(cases) if open311_status(c) in wanted)
    return list(cases.order_by("-created_at", "-pk")[:MAX_RESULTS])


def _iterate(cases: QuerySet[Case]) -> Iterator[Case]:
    yield from cases.order_by("-created_at", "-pk").iterator(chunk_size=500)


def _first(cases: Iterator[Case]) -> list[Case]:
    found: list[Case] = []
    for case in cases:
        found.append(case)
        if len(found) >= MAX_RESULTS:
            break
    return found


def find_request(client: IntegrationClient | None, number: str) -> Case | None:
    found = find_requests(client, RequestQuery(numbers=[number]))
    return found[0] if found else None
