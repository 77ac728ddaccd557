"""A year of demo cases for the demo county, at the article's volume (about 13,600).

The cases are made by the same pure workflow the services use (``cases.workflow``): each one
travels a realistic path of actions by the right posts at plausible times; the resulting rows
and events are written in bulk. So every timeline replays to its case, and the figures later
screens show are computed from real events, not made up.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridgov.accounts.models import Department, Post
from gridgov.accounts.roles import Role
from gridgov.cases import demo_texts
from gridgov.cases.calendar import Limit
from gridgov.cases.context import context_for
from gridgov.cases.models import (
    Assignment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseReporter,
    Item,
    ItemVersion,
)
from gridgov.cases.services import row_values
from gridgov.cases.workflow import (
    STEP_OF,
    Action,
    CaseState,
    Context,
    HandlingUnit,
    Outcome,
    Status,
    apply,
    create,
)
from gridgov.metrics import rollup as rollups
from gridgov.regions.models import Region

CHANNELS = (
    ("patrol", 33),
    ("app", 26),
    ("hotline", 20),
    ("walk_in", 8),
    ("petition", 5),
    ("department", 3),
    ("video", 3),
    ("open311", 2),
)
HOUR = dt.timedelta(hours=1)


@dataclass
class Staff:
    """Who acts where, as (user id, post id)."""

    centre: dict[str, tuple[int, int]] = field(default_factory=dict)  # region path → operator
    grid_worker: dict[str, tuple[int, int]] = field(default_factory=dict)  # grid path → worker
    department: dict[int, tuple[int, int]] = field(default_factory=dict)  # dept id → handler
    supervisor: tuple[int, int] | None = None
    leader: tuple[int, int] | None = None


def load_staff(county: Region) -> Staff:
    staff = Staff()
    posts = (
        Post.objects.current()
        .filter(region__path__startswith=county.path)
        .select_related("region")
        .order_by("user__username")
    )
    for post in posts:
        who = (post.user_id, post.pk)
        path = post.region.path if post.region else None
        if post.role in (Role.VILLAGE_OPERATOR, Role.TOWNSHIP_OPERATOR, Role.COUNTY_OPERATOR):
            staff.centre.setdefault(path, who)  # type: ignore[arg-type]
        elif post.role == Role.GRID_WORKER and path:
            staff.grid_worker.setdefault(path, who)
        elif post.role == Role.SUPERVISOR and staff.supervisor is None:
            staff.supervisor = who
        elif post.role == Role.LEADER and path == county.path and staff.leader is None:
            staff.leader = who
    for post in Post.objects.current().filter(role=Role.DEPARTMENT_HANDLER):
        if post.department_id:
            staff.department.setdefault(post.department_id, who_of(post))
    return staff


def who_of(post: Post) -> tuple[int, int]:
    return (post.user_id, post.pk)


@dataclass
class Draft:
    """A case being simulated: its state and the events so far."""

    state: CaseState
    ctx: Context
    events: list[dict[str, Any]] = field(default_factory=list)

    def step(
        self,
        action: Action,
        at: dt.datetime,
        who: tuple[int, int] | None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        self.catch_up(at)
        self._apply(action, at, who, payload)

    def catch_up(self, until: dt.datetime) -> None:
        """What the sweep would have done by ``until``: the yellow warning and the red flag
        of the running step, a minute after they fell due."""
        s = self.state
        if s.status not in STEP_OF or s.due_at is None or s.warn_at is None:
            return
        minute = dt.timedelta(minutes=1)
        if s.warned_step < s.step_no and s.warn_at + minute < until and s.warn_at < s.due_at:
            self._apply(Action.WARN, s.warn_at + minute, None, {})
        s = self.state
        due = s.due_at
        if due is not None and s.overdue_step < s.step_no and due + minute < until:
            self._apply(Action.FLAG_OVERDUE, due + minute, None, {})

    def _apply(
        self,
        action: Action,
        at: dt.datetime,
        who: tuple[int, int] | None,
        payload: dict[str, Any] | None,
    ) -> None:
        payload = dict(payload or {})
        payload.setdefault("actor", "system" if who is None else "demo")
        before = self.state.status
        outcome: Outcome = apply(self.state, action, payload, at=at, ctx=self.ctx)
        self.state = outcome.state
        self.events.append(
            {
                "action": action,
                "from": before,
                "to": outcome.state.status,
                "who": who,
                "payload": payload,
                "facts": outcome.notes,
                "at": at,
            }
        )


class Generator:
    def __init__(self, county: Region, *, seed: int = 2026, log: Callable[[str], object]) -> None:
        self.county = county
        self.rng = random.Random(seed)  # noqa: S311 - demo data
        self.log = log
        self.staff = load_staff(county)
        regions = list(
            Region.objects.filter(path__startswith=county.path).values(
                "id", "path", "name", "level", "households", "label_lng", "label_lat"
            )
        )
        self.region_id = {r["path"]: r["id"] for r in regions}
        self.names = {r["path"]: r["name"] for r in regions}
        self.grids = [r for r in regions if r["level"] == "grid"]
        self.grid_weights = list(_cumulative([max(r["households"], 1) for r in self.grids]))
        self.points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for r in regions:
            if r["level"] == "building" and r["label_lng"] is not None and r["label_lat"]:
                self.points[r["path"][:15]].append((r["label_lng"], r["label_lat"]))
        self.items = list(Item.objects.filter(is_active=True).select_related("board"))
        self.item_weights = list(_cumulative([i.weight for i in self.items]))
        current = {(i.pk, i.version) for i in self.items}
        self.versions = {
            v.item_id: v
            for v in ItemVersion.objects.filter(item__in=self.items)
            if (v.item_id, v.number) in current
        }
        self.departments = {
            d.short_name: d.pk
            for d in Department.objects.filter(region__path__startswith=county.path)
        }
        self.contexts: dict[tuple[int, str], Context] = {}
        self.serial: dict[dt.date, int] = defaultdict(int)
        self.recent: dict[tuple[int, str], list[tuple[dt.datetime, str]]] = defaultdict(list)

    def pick(self, cumulative: list[float], values: list[Any]) -> Any:
        x = self.rng.random() * cumulative[-1]
        return values[bisect.bisect_right(cumulative, x)]

    def context(self, version: ItemVersion, urgency: str) -> Context:
        key = (version.pk, urgency)
        if key not in self.contexts:
            self.contexts[key] = context_for(version, urgency)
        return self.contexts[key]

    # -- one case ----------------------------------------------------------------------------

    def make(self, created: dt.datetime, now: dt.datetime) -> tuple[dict[str, Any], Draft]:
        rng = self.rng
        item: Item = self.pick(self.item_weights, self.items)
        version = self.versions[item.pk]
        grid = self.pick(self.grid_weights, self.grids)
        village, township = grid["path"][:12], grid["path"][:9]
        day = timezone.localdate(created)
        self.serial[day] += 1
        number = f"{day:%Y%m%d}{self.serial[day]:06d}"
        recent = self.recent[(item.pk, village)]
        earlier = [n for at, n in recent if created - at < dt.timedelta(hours=72)]
        recent.append((created, number))
        channel = _weighted(rng, CHANNELS)
        if item.board.code == "XF" and rng.random() < 0.7:
            channel = "petition"
        urgency = (
            "emergency"
            if version.handle_unit == "calendar_hours" and rng.random() < 0.3
            else ("urgent" if rng.random() < 0.06 else "normal")
        )
        ctx = self.context(version, urgency)
        worker = self.staff.grid_worker.get(grid["path"])
        self_handle = (
            channel == "patrol" and version.level == "village" and worker and rng.random() < 0.55
        ) or (channel == "patrol" and worker and rng.random() < 0.08)
        level = "village" if self_handle else version.level
        centre = {"village": village, "township": township}.get(level, self.county.path)
        lead = HandlingUnit("user", str(worker[0])) if self_handle and worker else None
        outcome = create(
            Action.SELF_HANDLE if lead else Action.SUBMIT,
            at=created,
            level=level,
            centre=centre,
            ctx=ctx,
            lead=lead,
        )
        draft = Draft(state=outcome.state, ctx=ctx)
        title, description = demo_texts.case_text(
            item.code, rng, village=self.names[village], township=self.names[township]
        )
        first_payload: dict[str, Any] = {
            "channel": channel,
            "item": item.code,
            "urgency": urgency,
            "level": level,
            "centre": centre,
        }
        reporter = worker if channel == "patrol" else None
        if lead is not None:
            first_payload["lead"] = lead.as_dict()
            first_payload["result"] = demo_texts.handling_result(item.code, rng)
        draft.events.append(
            {
                "action": Action.SELF_HANDLE if lead else Action.SUBMIT,
                "from": "",
                "to": draft.state.status,
                "who": reporter,
                "payload": first_payload,
                "facts": {"due": _iso(draft.state.due_at)},
                "at": created,
            }
        )
        points = self.points.get(grid["path"]) or [(grid["label_lng"], grid["label_lat"])]
        lng, lat = rng.choice(points)
        row = {
            "number": number,
            "title": title,
            "description": description,
            "channel": channel,
            "urgency": urgency,
            "item": item,
            "version": version,
            "grid": grid,
            "lng": lng + rng.uniform(-0.0004, 0.0004) if lng else None,
            "lat": lat + rng.uniform(-0.0003, 0.0003) if lat else None,
            "address": demo_texts.address(
                rng, village=self.names[village], township=self.names[township]
            ),
            "reporter_name": "" if channel == "patrol" else demo_texts.reporter_name(rng),
            "reporter_phone": "" if channel == "patrol" else demo_texts.reporter_phone(rng),
            "anonymous": channel == "app" and rng.random() < 0.05,
            "reported_by": reporter[0] if reporter else None,
        }
        self.travel(draft, item, version, grid["path"], now, earlier)
        draft.catch_up(now)
        row["master"] = draft.state.master
        return row, draft

    def travel(
        self,
        d: Draft,
        item: Item,
        version: ItemVersion,
        grid: str,
        now: dt.datetime,
        earlier: list[str],
    ) -> None:
        """Walk the case through the loop until done or until ``now``."""
        rng = self.rng
        worker = self.staff.grid_worker.get(grid)

        def later(hours: float) -> dt.datetime | None:
            at = d.events[-1]["at"] + dt.timedelta(hours=max(hours, 0.02))
            return at if at < now else None

        def centre() -> tuple[int, int] | None:
            return self.staff.centre.get(d.state.centre)

        def step_hours(on_time: float = 0.93) -> float:
            """How long a step takes: mostly within its limit, sometimes past it."""
            span = (
                (d.state.due_at - d.state.step_started_at).total_seconds() / 3600
                if d.state.due_at and d.state.step_started_at
                else 4
            )
            if rng.random() < on_time:
                return span * rng.uniform(0.05, 0.75)
            # Late, but by less than the auto-escalation grace (the sweep would escalate).
            return span + min(span * rng.uniform(0.02, 0.6), rng.uniform(0.2, 20))

        for _ in range(40):  # a case never needs this many moves; a guard against loops
            status = d.state.status
            if status == Status.SUBMITTED:
                at = later(step_hours(0.96))
                if at is None:
                    return
                r = rng.random()
                if r < 0.012:
                    d.step(Action.REJECT, at, centre(), {"reason": "不属于受理范围，已告知反映人"})
                    return
                if earlier and r < 0.2:
                    d.step(Action.MERGE, at, centre(), {"master": earlier[-1]})
                    return
                if r < 0.0135:
                    who = centre()
                    d.step(
                        Action.REQUEST_VOID,
                        at,
                        who,
                        {"reason": "群众重复反映、已撤回诉求", "by": str(who[0]) if who else ""},
                    )
                    at = later(rng.uniform(1, 6))
                    if at is None:
                        return
                    d.step(Action.APPROVE_VOID, at, self.approver(d))
                    return
                if r < 0.02 and d.state.level in ("village", "township"):
                    d.step(Action.ESCALATE, at, centre(), self.escalation(d))
                    continue
                d.step(Action.ACCEPT, at, centre())
            elif status == Status.ACCEPTED:
                at = later(step_hours(0.95))
                if at is None:
                    return
                level = d.state.level
                if level != "county" and rng.random() < (0.07 if level == "village" else 0.04):
                    d.step(Action.ESCALATE, at, centre(), self.escalation(d))
                    continue
                if level == "township" and rng.random() < 0.05:
                    depts = rng.sample(sorted(self.staff.department), 2)
                    d.step(Action.WHISTLE, at, centre(), {"departments": [str(x) for x in depts]})
                    for ref in depts:
                        at2 = later(rng.uniform(0.3, 3))
                        if at2 is None:
                            return
                        d.step(
                            Action.REPORT_IN,
                            at2,
                            self.staff.department.get(ref),
                            {"unit": {"kind": "department", "ref": str(ref)}},
                        )
                    at = later(0.5) or at
                lead = self.choose_lead(d, item, worker, grid)
                if lead is None:
                    return
                d.step(Action.DISPATCH, at, centre(), {"lead": lead.as_dict(), "co": []})
            elif status == Status.DISPATCHED:
                at = later(step_hours(0.95))
                if at is None:
                    return
                if rng.random() < 0.015:
                    d.step(
                        Action.SEND_BACK,
                        at,
                        self.member(d.state.lead),
                        {"reason": "不属于本单位职责，请重新派遣"},
                    )
                    continue
                d.step(Action.SIGN, at, self.member(d.state.lead))
            elif status == Status.IN_PROGRESS:
                r = rng.random()
                if r < 0.03 and d.state.pending_extension is None and not d.state.extensions:
                    at = later(step_hours() * 0.5)
                    if at is None:
                        return
                    d.step(
                        Action.REQUEST_EXTENSION,
                        at,
                        self.member(d.state.lead),
                        {
                            "amount": 2,
                            "reason": "需协调相关单位，申请延期",
                            "unit": d.state.step_unit,
                        },
                    )
                    at = later(rng.uniform(0.5, 4))
                    if at is None:
                        return
                    d.step(Action.APPROVE_EXTENSION, at, centre())
                    continue
                if r < 0.045 and d.state.previous is None:
                    at = later(step_hours() * 0.3)
                    if at is None:
                        return
                    d.step(Action.HOLD, at, centre(), {"reason": "等待当事人返乡、鉴定结论"})
                    at = later(rng.uniform(24, 120))
                    if at is None:
                        return
                    d.step(Action.RESUME, at, centre())
                    continue
                if r < 0.07 and not d.state.supervision:
                    self.supervise(d, later)
                    continue
                at = later(step_hours(0.9))
                if at is None:
                    return
                d.step(
                    Action.HANDLE,
                    at,
                    self.member(d.state.lead),
                    {"result": demo_texts.handling_result(item.code, rng)},
                )
            elif status == Status.HANDLED:
                at = later(step_hours(0.97))
                if at is None:
                    return
                if rng.random() < 0.03:
                    d.step(
                        Action.VERIFY_FAIL, at, centre(), {"reason": "现场核查问题仍未解决，请返工"}
                    )
                    continue
                if d.state.supervision:
                    d.step(Action.CLOSE_SUPERVISION, at, self.staff.supervisor)
                d.step(Action.VERIFY_PASS, at, centre())
            elif status == Status.CLOSED:
                at = later(step_hours(0.95))
                if at is None:
                    return
                reached = rng.random() < 0.93
                rating = (
                    _weighted(
                        rng, (("satisfied", 88), ("basically_satisfied", 9), ("unsatisfied", 3))
                    )
                    if reached
                    else None
                )
                d.step(Action.CALLBACK, at, centre(), {"reached": reached, "rating": rating})
                if rating == "unsatisfied" and d.state.reopen_count == 0:
                    d.step(Action.REOPEN, at, None, {"reason": "回访不满意，自动重办"})
            elif status == Status.RATED:
                at = later(rng.uniform(24 * 7, 24 * 9))
                if at is None:
                    return
                d.step(Action.ARCHIVE, at, None)
                return
            else:
                return

    def approver(self, d: Draft) -> tuple[int, int] | None:
        """An operator of a centre above the owning one (the leader at county level)."""
        centre = d.state.centre
        above = centre[:9] if len(centre) == 12 else self.county.path
        if above != centre and above in self.staff.centre:
            return self.staff.centre[above]
        return self.staff.leader

    def escalation(self, d: Draft) -> dict[str, Any]:
        centre = d.state.centre
        parent = centre[:9] if len(centre) == 12 else self.county.path
        level = "township" if len(parent) == 9 else "county"
        return {"reason": "本级无法解决，提请上级协调", "centre": parent, "level": level}

    def choose_lead(
        self, d: Draft, item: Item, worker: tuple[int, int] | None, grid: str
    ) -> HandlingUnit | None:
        rng = self.rng
        level = d.state.level
        department = item.department_id if item.department_id in self.staff.department else None
        if level == "village":
            if worker and (department is None or rng.random() < 0.75):
                return HandlingUnit("user", str(worker[0]))
        elif level == "township" and (department is None or rng.random() < 0.45):
            village = grid[:12]  # the village station of the case's grid
            if village in self.staff.centre:
                return HandlingUnit("centre", village)
        if department is None:
            department = rng.choice(sorted(self.staff.department))
        return HandlingUnit("department", str(department))

    def member(self, unit: HandlingUnit | None) -> tuple[int, int] | None:
        if unit is None:
            return None
        if unit.kind == "user":
            return next((w for w in self.staff.grid_worker.values() if str(w[0]) == unit.ref), None)
        if unit.kind == "department":
            return self.staff.department.get(int(unit.ref))
        return self.staff.centre.get(unit.ref)

    def supervise(self, d: Draft, later: Callable[[float], dt.datetime | None]) -> None:
        rng = self.rng
        at = later(rng.uniform(2, 24))
        if at is None:
            return
        level = _weighted(rng, (("ordinary", 70), ("yellow", 22), ("red", 8)))
        d.step(
            Action.SUPERVISE,
            at,
            self.staff.supervisor,
            {"level": level, "note": "请加快办理，按时反馈", "requires_response": True},
        )
        at = later(rng.uniform(1, 12))
        if at is None:
            return
        d.step(Action.RESPOND, at, self.member(d.state.lead), {"note": "已加派人员，近日办结"})
        if rng.random() < 0.3 and self.staff.leader:
            at = later(rng.uniform(1, 8))
            if at is None:
                return
            d.step(Action.INSTRUCT, at, self.staff.leader, {"note": "请相关单位高度重视，限期解决"})


def generate_year_of_cases(
    *,
    county: Region,
    count: int = 13_700,
    days: int = 365,
    now: dt.datetime | None = None,
    log: Callable[[str], object] = print,
    seed: int = 2026,
) -> int:
    """Create ``count`` cases spread over the last ``days`` days (more on weekdays, fewer at
    the Spring Festival), each carried as far as it would have got by ``now``."""
    if Case.objects.filter(region_path__startswith=county.path).exists():
        return 0
    now = now or timezone.now()
    gen = Generator(county, seed=seed, log=log)
    if not gen.items:
        raise RuntimeError("no catalogue: load the catalogue first")
    start = now - dt.timedelta(days=days)
    times = sorted(_arrival(gen.rng, start, now) for _ in range(count))
    rows: list[Case] = []
    drafts: list[tuple[dict[str, Any], Draft]] = []
    for created in times:
        row, draft = gen.make(created, now)
        drafts.append((row, draft))
    log(f"  模拟办理完成，写入 {len(drafts)} 件案件…")
    with transaction.atomic():
        for row, draft in drafts:
            rows.append(_case_row(gen, row, draft, row["number"]))
        Case.objects.bulk_create(rows, batch_size=1000)
        numbers = dict(
            Case.objects.filter(number__in=[c.number for c in rows]).values_list("number", "id")
        )
        for row, _draft in drafts:
            if row["master"]:
                Case.objects.filter(number=row["number"]).update(master_id=numbers[row["master"]])
        reporters, events, assignments = [], [], []
        for case, (row, draft) in zip(rows, drafts, strict=True):
            pk = numbers[case.number]
            reporters.append(
                CaseReporter(
                    case_id=pk,
                    name=row["reporter_name"],
                    anonymous=row["anonymous"],
                    **CaseReporter.protected_phone(row["reporter_phone"]),
                )
            )
            for seq, event in enumerate(draft.events, start=1):
                who = event["who"]
                events.append(
                    CaseEvent(
                        case_id=pk,
                        seq=seq,
                        action=event["action"],
                        from_status=event["from"],
                        to_status=event["to"],
                        actor_id=who[0] if who else None,
                        post_id=who[1] if who else None,
                        note=str(
                            event["payload"].get("note")
                            or event["payload"].get("reason")
                            or event["payload"].get("result")
                            or ""
                        ),
                        payload=_jsonable(event["payload"]),
                        facts=_jsonable(event["facts"]),
                        at=event["at"],
                    )
                )
            assignments += _assignments(gen, pk, draft.state)
        CaseReporter.objects.bulk_create(reporters, batch_size=2000)
        CaseEvent.objects.bulk_create(events, batch_size=2000)
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        for day, last in gen.serial.items():
            CaseCounter.objects.update_or_create(day=day, defaults={"last": last})
        rollups.rebuild(source="rows", region=county.path)
    return len(rows)


def _case_row(gen: Generator, row: dict[str, Any], draft: Draft, number: str) -> Case:
    return Case(
        number=number,
        title=row["title"],
        description=row["description"],
        channel=row["channel"],
        urgency=row["urgency"],
        item=row["item"],
        item_version=row["version"],
        board_id=row["item"].board_id,
        difficulty=row["version"].difficulty,
        lng=row["lng"],
        lat=row["lat"],
        address=row["address"],
        region_id=row["grid"]["id"],
        region_path=row["grid"]["path"],
        reported_by_id=row["reported_by"],
        reachable=bool(row["reporter_phone"]) and not row["anonymous"],
        version=len(draft.events),
        created_at=draft.events[0]["at"],
        **row_values(draft.state, gen.region_id.__getitem__),
    )


def _assignments(gen: Generator, case_id: int, state: CaseState) -> list[Assignment]:
    rows = []
    units = ([(True, state.lead, state.status != Status.DISPATCHED)] if state.lead else []) + [
        (False, c.unit, c.reported) for c in state.co
    ]
    for is_lead, unit, reported in units:
        assert unit is not None
        rows.append(
            Assignment(
                case_id=case_id,
                is_lead=is_lead,
                kind=unit.kind,
                reported=reported,
                user_id=int(unit.ref) if unit.kind == "user" else None,
                department_id=int(unit.ref) if unit.kind == "department" else None,
                centre_id=gen.region_id[unit.ref] if unit.kind == "centre" else None,
            )
        )
    return rows


def _arrival(rng: random.Random, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A report time: daytime-heavy, fewer at weekends."""
    span = (now - start).total_seconds()
    while True:
        at = start + dt.timedelta(seconds=rng.random() * span)
        local = timezone.localtime(at)
        weight = 1.0 if local.weekday() < 5 else 0.6
        hour = local.hour
        weight *= 1.0 if 8 <= hour < 18 else (0.35 if 6 <= hour < 22 else 0.08)
        if rng.random() < weight:
            return at


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Limit):
        return {"amount": value.amount, "unit": str(value.unit)}
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value
