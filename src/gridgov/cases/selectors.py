"""Reads of cases, always through the jurisdiction function; one filter definition shared by
pages, the API and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.models import Assignment, Case, CaseEvent
from gridgov.cases.permissions import OPERATOR_ROLES, current_posts
from gridgov.cases.workflow import FROZEN, STEP_OF, TABLE, Action, Actor, HandlingUnit, Status
from gridgov.core.jurisdiction import restrict
from gridgov.regions.models import subtree_q

STEPPED = list(STEP_OF)  # statuses with a running step


def visible_cases(user: Any) -> QuerySet[Case]:
    return restrict(Case.objects.all(), user)


def get_case(user: Any, number: str) -> Case | None:
    return (
        visible_cases(user)
        .select_related(
            "item",
            "board",
            "region",
            "centre",
            "lead_user",
            "lead_department",
            "lead_centre",
            "master",
        )
        .filter(number=number)
        .first()
    )


def light_q(light: str, now: dt.datetime) -> Q:
    """Cases whose light is ``light`` at ``now`` (a held case keeps the light it had)."""
    running = Q(status__in=[s.value for s in STEPPED])
    frozen = Q(status__in=[s.value for s in FROZEN])
    if light == "red":
        return (running & Q(due_at__lte=now)) | (frozen & Q(due_at__lte=F("held_since")))
    if light == "yellow":
        return (running & Q(warn_at__lte=now, due_at__gt=now)) | (
            frozen & Q(warn_at__lte=F("held_since"), due_at__gt=F("held_since"))
        )
    if light == "green":
        return (running & Q(warn_at__gt=now)) | (frozen & Q(warn_at__gt=F("held_since")))
    return Q(pk__in=[])


def light_of(case: Case, now: dt.datetime | None = None) -> str | None:
    """green / yellow / red, or None when no step is running (finished cases)."""
    if case.due_at is None or case.warn_at is None:
        return None
    at = case.held_since if case.status in FROZEN and case.held_since else (now or timezone.now())
    if at >= case.due_at:
        return "red"
    if at >= case.warn_at:
        return "yellow"
    return "green"


@dataclass
class CaseFilter:
    """Every filter a case list offers; the same definition makes the count and the list."""

    status: Sequence[str] = ()
    light: str = ""
    board: str = ""  # board code
    item: str = ""  # item code
    region: str = ""  # region path: the subtree
    channel: Sequence[str] = ()
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    supervision: str = ""  # ordinary / yellow / red / any
    level: str = ""  # current handling level
    solved_level: str = ""
    difficulty: str = ""  # simple / ordinary / difficult (the case's, fixed at intake)
    department: int | None = None  # lead department
    lead_user: int | None = None  # lead person (a grid worker, mediator or handler)
    q: str = ""  # number or words in the title
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    handled_on_time: bool | None = None  # 按期办结
    rating: Sequence[str] = ()
    accepted: bool | None = None  # 已受理 (accepted_at set: taken up, not rejected or merged)
    self_handled: bool | None = None
    dispatched: bool | None = None
    signed_on_time: bool | None = None
    closed: bool | None = None  # 已办结 (verified; a reopened case is not, until closed again)
    reachable: bool | None = None  # the reporter can be called back
    called_back: bool | None = None  # the callback reached the reporter
    rated: bool | None = None
    satisfied: bool | None = None  # 满意 or 基本满意
    reopened: bool | None = None
    reworked: bool | None = None
    ever_overdue: bool | None = None
    ever_supervised: bool | None = None
    # a dispute whose mediation ended with an agreement (达成协议 / 部分达成; the latest such
    # mediation counts), and the lead mediator (``mediation.Mediator``) of that mediation:
    # the 以案定补 statement pays those disputes to the mediator, not the lead person
    mediation_agreed: bool | None = None
    mediator: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def apply(self, queryset: QuerySet[Case], now: dt.datetime | None = None) -> QuerySet[Case]:
        now = now or timezone.now()
        if self.status:
            queryset = queryset.filter(status__in=list(self.status))
        if self.light:
            queryset = queryset.filter(light_q(self.light, now))
        if self.board:
            queryset = queryset.filter(board__code=self.board)
        if self.item:
            queryset = queryset.filter(item__code=self.item)
        if self.region:
            queryset = queryset.filter(subtree_q(self.region, "region_path"))
        if self.channel:
            queryset = queryset.filter(channel__in=list(self.channel))
        tz = timezone.get_current_timezone()
        if self.created_from:
            start = dt.datetime.combine(self.created_from, dt.time.min, tzinfo=tz)
            queryset = queryset.filter(created_at__gte=start)
        if self.created_to:
            end = dt.datetime.combine(
                self.created_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
            queryset = queryset.filter(created_at__lt=end)
        if self.supervision == "any":
            queryset = queryset.exclude(supervision="")
        elif self.supervision:
            queryset = queryset.filter(supervision=self.supervision)
        if self.level:
            queryset = queryset.filter(level=self.level)
        if self.solved_level:
            queryset = queryset.filter(solved_level=self.solved_level)
        if self.difficulty:
            queryset = queryset.filter(difficulty=self.difficulty)
        if self.department:
            queryset = queryset.filter(lead_department_id=self.department)
        if self.lead_user:
            queryset = queryset.filter(lead_user_id=self.lead_user)
        if self.q:
            term = self.q.strip()
            queryset = queryset.filter(Q(number=term) | Q(title__icontains=term))
        if self.closed_from:
            start = dt.datetime.combine(self.closed_from, dt.time.min, tzinfo=tz)
            queryset = queryset.filter(closed_at__gte=start)
        if self.closed_to:
            end = dt.datetime.combine(self.closed_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            queryset = queryset.filter(closed_at__lt=end)
        if self.handled_on_time is not None:
            queryset = queryset.filter(handled_on_time=self.handled_on_time)
        if self.rating:
            queryset = queryset.filter(rating__in=list(self.rating))
        if self.self_handled is not None:
            queryset = queryset.filter(self_handled=self.self_handled)
        for name, condition in self._flag_conditions().items():
            value = getattr(self, name)
            if value is not None:
                queryset = queryset.filter(condition) if value else queryset.exclude(condition)
        if self.mediation_agreed is not None:
            agreed = Q(Exists(self.agreed_mediations()))
            queryset = (
                queryset.filter(agreed) if self.mediation_agreed else queryset.exclude(agreed)
            )
        if self.mediator:
            paid = self.agreed_mediations().values("mediator_id")[:1]
            queryset = queryset.annotate(_agreed_mediator=Subquery(paid)).filter(
                _agreed_mediator=self.mediator
            )
        return queryset

    @staticmethod
    def agreed_mediations() -> QuerySet[Any]:
        """The mediations of the outer case's dispute that ended with an agreement, the latest
        first (for ``Exists`` / ``Subquery`` over ``OuterRef("pk")`` of a case)."""
        from gridgov.mediation.models import Mediation

        return Mediation.objects.filter(
            dispute__case_id=OuterRef("pk"), state__in=["agreed", "partial"]
        ).order_by("-closed_on", "-pk")

    @staticmethod
    def _flag_conditions() -> dict[str, Q]:
        """The yes/no filters, each as the condition that makes it true."""
        return {
            "accepted": Q(accepted_at__isnull=False),
            "dispatched": Q(dispatched_at__isnull=False),
            "signed_on_time": Q(signed_on_time=True),
            "closed": Q(closed_at__isnull=False),
            "reachable": Q(reachable=True),
            "called_back": Q(callback_reached=True),
            "rated": ~Q(rating=""),
            "satisfied": Q(rating__in=["satisfied", "basically_satisfied"]),
            "reopened": Q(reopen_count__gt=0),
            "reworked": Q(rework_count__gt=0),
            "ever_overdue": Q(overdue_step__gt=0),
            "ever_supervised": Q(supervision_count__gt=0),
        }

    # -- as URL query parameters (pages and exports link to the same list) ---------------

    LIST_FIELDS = ("status", "channel", "rating")
    DATE_FIELDS = ("created_from", "created_to", "closed_from", "closed_to")
    BOOL_FIELDS = (
        "handled_on_time",
        "accepted",
        "self_handled",
        "dispatched",
        "signed_on_time",
        "closed",
        "reachable",
        "called_back",
        "rated",
        "satisfied",
        "reopened",
        "reworked",
        "ever_overdue",
        "ever_supervised",
        "mediation_agreed",
    )
    ID_FIELDS = ("department", "lead_user", "mediator")
    TEXT_FIELDS = (
        "light",
        "board",
        "item",
        "region",
        "supervision",
        "level",
        "solved_level",
        "difficulty",
        "q",
    )

    @classmethod
    def from_query(cls, query: Any) -> CaseFilter:
        """Read a filter from request.GET (unknown or malformed values are ignored)."""
        values: dict[str, Any] = {}
        for name in cls.LIST_FIELDS:
            values[name] = tuple(v for v in query.getlist(name) if v)
        for name in cls.TEXT_FIELDS:
            values[name] = (query.get(name) or "").strip()[:50]
        for name in cls.DATE_FIELDS:
            try:
                values[name] = dt.date.fromisoformat(query.get(name, ""))
            except ValueError:
                values[name] = None
        for name in cls.BOOL_FIELDS:
            raw = query.get(name)
            values[name] = {"true": True, "1": True, "false": False, "0": False}.get(
                (raw or "").lower()
            )
        for name in cls.ID_FIELDS:
            raw = query.get(name, "")
            values[name] = int(raw) if raw.isdigit() and len(raw) < 12 else None
        if values["region"] and not values["region"].isdigit():
            values["region"] = ""
        return cls(**values)

    def to_query(self) -> str:
        """The URL query string of this filter (only the fields that are set)."""
        from urllib.parse import urlencode

        pairs: list[tuple[str, str]] = []
        for name in self.LIST_FIELDS:
            pairs += [(name, str(v)) for v in getattr(self, name)]
        for name in self.TEXT_FIELDS:
            if getattr(self, name):
                pairs.append((name, str(getattr(self, name))))
        for name in self.DATE_FIELDS:
            if getattr(self, name):
                pairs.append((name, getattr(self, name).isoformat()))
        for name in self.BOOL_FIELDS:
            if getattr(self, name) is not None:
                pairs.append((name, "true" if getattr(self, name) else "false"))
        for name in self.ID_FIELDS:
            if getattr(self, name):
                pairs.append((name, str(getattr(self, name))))
        return urlencode(pairs)


def cases(user: Any, filters: CaseFilter | None = None) -> QuerySet[Case]:
    return (filters or CaseFilter()).apply(visible_cases(user))


def work_queue(user: Any) -> QuerySet[Case]:
    """What waits for this user, soonest due first: cases at the centres they operate that
    need accepting, dispatching, verifying or a callback; cases their unit leads or co-handles;
    void requests they may approve; supervisions they must answer."""
    posts = current_posts(user)
    centre_paths = [
        p.region.path
        for p in posts
        if p.region and p.role in OPERATOR_ROLES.get(_level(p.region.path), ())
    ]
    departments = [
        p.department_id for p in posts if p.role == Role.DEPARTMENT_HANDLER and p.department_id
    ]
    q = Q(pk__in=[])
    if centre_paths:
        q |= Q(
            centre__path__in=centre_paths,
            status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.HANDLED, Status.CLOSED],
        )
        q |= Q(
            lead_centre__path__in=centre_paths, status__in=[Status.DISPATCHED, Status.IN_PROGRESS]
        )
        upper = Q(pk__in=[])
        for path in centre_paths:
            upper |= Q(centre__path__startswith=path) & ~Q(centre__path=path)
        q |= Q(status=Status.VOID_PENDING) & upper
    q |= Q(lead_user=user, status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
    if departments:
        q |= Q(
            lead_department_id__in=departments, status__in=[Status.DISPATCHED, Status.IN_PROGRESS]
        )
    co = Assignment.objects.filter(active=True, is_lead=False, reported=False).filter(
        Q(user=user) | Q(department_id__in=departments) | Q(centre__path__in=centre_paths)
    )
    q |= Q(pk__in=co.values("case_id"))
    return visible_cases(user).filter(q).order_by(F("due_at").asc(nulls_last=True), "pk")


def under_supervision(user: Any, level: str = "") -> QuerySet[Case]:
    queryset = visible_cases(user).exclude(supervision="")
    if level:
        queryset = queryset.filter(supervision=level)
    return queryset.order_by(F("due_at").asc(nulls_last=True))


def timeline(user: Any, case: Case) -> list[CaseEvent]:
    if not visible_cases(user).filter(pk=case.pk).exists():
        return []
    return list(case.events.select_related("actor", "post").order_by("seq"))


def allowed_actions(user: Any, case: Case) -> list[Action]:
    """The actions this user may take on this case now (the buttons a page shows)."""
    from gridgov.cases.services import kinds_of, state_of

    state = state_of(case)
    kinds = set(kinds_of(user, case, state, open_co_only=True))
    if state.lead == HandlingUnit("user", str(getattr(user, "pk", ""))):
        kinds.discard(Actor.GRID)  # nobody verifies their own work
    return [
        action for action, transition in TABLE[state.status].items() if transition.actors & kinds
    ]


def unit_label(unit: HandlingUnit) -> str:
    from gridgov.accounts.models import Department, User
    from gridgov.regions.models import Region

    if unit.kind == "user":
        user = User.objects.filter(pk=int(unit.ref)).first()
        return str(user) if user else unit.ref
    if unit.kind == "department":
        department = Department.objects.filter(pk=int(unit.ref)).first()
        return department.name if department else unit.ref
    region = Region.objects.filter(path=unit.ref).first()
    return region.name if region else unit.ref


def _level(path: str) -> str:
    from gridgov.regions import codes

    return codes.level_of_path(path)


QUEUE_LABELS: dict[str, str] = {
    "accept": "待受理",
    "dispatch": "待派遣",
    "sign": "待签收",
    "handle": "待办理",
    "verify": "待核查",
    "callback": "待回访",
    "overdue": "超期",
    "supervision": "督办中",
}


def queues(user: Any, now: dt.datetime | None = None) -> dict[str, QuerySet[Case]]:
    """The workbench's queues for this user: what waits at the centres they operate, what
    their unit leads, what they may verify on site, and the overdue and supervised cases in
    their jurisdiction."""
    now = now or timezone.now()
    posts = current_posts(user)
    centres = [
        p.region.path
        for p in posts
        if p.region and p.role in OPERATOR_ROLES.get(_level(p.region.path), ())
    ]
    departments = [
        p.department_id for p in posts if p.role == Role.DEPARTMENT_HANDLER and p.department_id
    ]
    grids = [p.region.path for p in posts if p.region and p.role == Role.GRID_WORKER]
    lead = Q(lead_user=user)
    if departments:
        lead |= Q(lead_department_id__in=departments)
    if centres:
        lead |= Q(lead_centre__path__in=centres)
    at_centre = Q(centre__path__in=centres) if centres else Q(pk__in=[])
    on_site = Q(pk__in=[])
    for grid in grids:
        on_site |= Q(region_path__startswith=grid)
    base = visible_cases(user)
    by_due: list[Any] = [F("due_at").asc(nulls_last=True), "pk"]
    return {
        "accept": base.filter(at_centre, status=Status.SUBMITTED).order_by(*by_due),
        "dispatch": base.filter(at_centre, status=Status.ACCEPTED).order_by(*by_due),
        "sign": base.filter(lead, status=Status.DISPATCHED).order_by(*by_due),
        "handle": base.filter(lead, status=Status.IN_PROGRESS).order_by(*by_due),
        "verify": base.filter(
            at_centre | (on_site & ~Q(lead_user=user)), status=Status.HANDLED
        ).order_by(*by_due),
        "callback": base.filter(at_centre, status=Status.CLOSED).order_by(*by_due),
        "overdue": base.filter(light_q("red", now)).order_by(*by_due),
        "supervision": base.exclude(supervision="")
        .exclude(
            status__in=[
                Status.ARCHIVED,
                Status.RATED,
                Status.VOIDED,
                Status.REJECTED,
                Status.MERGED,
            ]
        )
        .order_by(*by_due),
    }
