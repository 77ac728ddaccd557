"""``gridgov sweep``: act on what is late. Idempotent and safe to run concurrently.

Each pass claims one case at a time under a row lock (``SKIP LOCKED`` on PostgreSQL), checks
the condition again under the lock, and acts through the workflow, whose WARN and
FLAG_OVERDUE refuse a step that is already flagged. A second sweep running at the same moment
therefore skips or finds nothing to do; it never acts twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.cases.errors import CaseError
from gridgov.cases.models import Case, Notification
from gridgov.cases.services import act, notify, unit_members
from gridgov.cases.workflow import STEP_OF, Action, HandlingUnit, Status

log = logging.getLogger(__name__)
STEPPED = list(STEP_OF)  # statuses with a running step
ESCALATABLE = [Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS]


@dataclass
class SweepReport:
    warned: int = 0
    overdue: int = 0
    escalated: int = 0
    archived: int = 0
    notices: int = 0

    def summary(self) -> str:
        return (
            f"黄灯预警 {self.warned} 件，超期 {self.overdue} 件，自动上报 {self.escalated} 件，"
            f"归档 {self.archived} 件，发出提醒 {self.notices} 条"
        )


def sweep(*, now: dt.datetime | None = None, batch: int = 500) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    warn_q = Q(status__in=STEPPED, warn_at__lte=now, due_at__gt=now, warned_step__lt=F("step_no"))
    overdue_q = Q(status__in=STEPPED, due_at__lte=now, overdue_step__lt=F("step_no"))
    report.warned, notices = _each(warn_q, now, batch, _warn)
    report.notices += notices
    report.overdue, notices = _each(overdue_q, now, batch, _overdue)
    report.notices += notices
    grace = getattr(settings, "GRIDGOV_AUTO_ESCALATE_GRACE_HOURS", 24)
    if grace is not None and float(grace) >= 0:
        late = now - dt.timedelta(hours=float(grace))
        escalate_q = Q(status__in=ESCALATABLE, due_at__lte=late, level__in=["village", "township"])
        report.escalated, notices = _each(escalate_q, now, batch, _escalate)
        report.notices += notices
    days = getattr(settings, "GRIDGOV_ARCHIVE_AFTER_DAYS", 7)
    if days is not None and float(days) >= 0:
        archive_q = Q(status=Status.RATED, closed_at__lte=now - dt.timedelta(days=float(days)))
        report.archived, _n = _each(archive_q, now, batch, _archive)
    return report


def _each(
    condition: Q, now: dt.datetime, batch: int, handle: Callable[[Case, dt.datetime], int]
) -> tuple[int, int]:
    done = notices = 0
    last = 0
    while True:
        ids = list(
            Case.objects.filter(condition, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done, notices
        last = ids[-1]
        for pk in ids:
            with transaction.atomic():
                case = (
                    Case.objects.select_for_update(skip_locked=True)
                    .filter(condition, pk=pk)
                    .first()
                )
                if case is None:
                    continue  # another sweep has it, or it no longer qualifies
                try:
                    notices += handle(case, now)
                except (CaseError, ValidationError) as exc:
                    log.info("sweep skipped %s: %s", case.number, exc)
                    continue
                done += 1


def _responsible(case: Case) -> list[int]:
    """Who must act next: the lead unit while it is working, else the owning centre."""
    case.refresh_from_db()
    if case.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        if case.lead_user_id:
            return [case.lead_user_id]
        if case.lead_department_id:
            return unit_members(HandlingUnit("department", str(case.lead_department_id)))
        if case.lead_centre_id and case.lead_centre:
            return unit_members(HandlingUnit("centre", case.lead_centre.path))
    return unit_members(HandlingUnit("centre", case.centre.path))


def _supervisors(case: Case) -> list[int]:
    prefixes = [case.region_path[:n] for n in (2, 4, 6, 9, 12) if len(case.region_path) >= n]
    return sorted(
        set(
            Post.objects.current()
            .filter(role=Role.SUPERVISOR, region__path__in=prefixes)
            .values_list("user_id", flat=True)
        )
    )


def _warn(case: Case, now: dt.datetime) -> int:
    act(case=case, user=None, action=Action.WARN, at=now)
    return notify(
        _responsible(case),
        case,
        Notification.Kind.WARNING,
        _("黄灯预警，即将超期：%(t)s") % {"t": case.title},
    )


def _overdue(case: Case, now: dt.datetime) -> int:
    act(case=case, user=None, action=Action.FLAG_OVERDUE, at=now)
    sent = notify(
        _responsible(case),
        case,
        Notification.Kind.OVERDUE,
        _("已超期，请尽快办理：%(t)s") % {"t": case.title},
    )
    return sent + notify(
        _supervisors(case),
        case,
        Notification.Kind.SUPERVISION,
        _("超期案件提请督办：%(t)s") % {"t": case.title},
    )


def _escalate(case: Case, now: dt.datetime) -> int:
    act(
        case=case,
        user=None,
        action=Action.ESCALATE,
        payload={"reason": _("超期未办结，系统自动上报上级中心")},
        at=now,
    )
    return 0  # the escalation itself notifies the upper centre


def _archive(case: Case, now: dt.datetime) -> int:
    act(case=case, user=None, action=Action.ARCHIVE, at=now)
    return 0
