"""The case workflow as one table, and the pure function that applies an action to a state.

Nothing here touches the database: the service (``services.py``) loads a case, checks who may
act (``permissions.py``), calls :func:`apply`, and writes the new state and one event; the
replay (:func:`replay`) folds the same :func:`apply` over a case's events to rebuild it; the
demo generator uses it to make a year of cases without the database in the loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gridgov.cases.calendar import Limit, Unit, WorkCalendar


class Status(StrEnum):
    SUBMITTED = "submitted"  # 待受理
    REJECTED = "rejected"  # 不予受理
    ACCEPTED = "accepted"  # 待派遣
    DISPATCHED = "dispatched"  # 待签收
    IN_PROGRESS = "in_progress"  # 办理中
    HANDLED = "handled"  # 待核查
    CLOSED = "closed"  # 已结案（待回访）
    RATED = "rated"  # 已回访
    ARCHIVED = "archived"  # 已归档
    HELD = "held"  # 挂起
    VOID_PENDING = "void_pending"  # 作废待审批
    VOIDED = "voided"  # 已作废
    MERGED = "merged"  # 已合并


class Action(StrEnum):
    SUBMIT = "submit"  # 上报（立案）
    SELF_HANDLE = "self_handle"  # 自处置（上报即办结）
    ACCEPT = "accept"  # 受理
    REJECT = "reject"  # 不予受理
    MERGE = "merge"  # 合并
    DISPATCH = "dispatch"  # 派遣（交办）
    SIGN = "sign"  # 签收
    SEND_BACK = "send_back"  # 回退
    ESCALATE = "escalate"  # 上报上级
    HANDLE = "handle"  # 办结（反馈结果）
    VERIFY_PASS = "verify_pass"  # noqa: S105 - 核查通过, not a password
    VERIFY_FAIL = "verify_fail"  # 核查不通过（返工）
    CALLBACK = "callback"  # 回访
    REOPEN = "reopen"  # 重办
    ARCHIVE = "archive"  # 归档
    HOLD = "hold"  # 挂起
    RESUME = "resume"  # 恢复
    REQUEST_VOID = "request_void"  # 申请作废
    APPROVE_VOID = "approve_void"  # 批准作废
    DENY_VOID = "deny_void"  # 驳回作废
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"  # 批准延期
    DENY_EXTENSION = "deny_extension"  # 驳回延期
    WHISTLE = "whistle"  # 吹哨
    REPORT_IN = "report_in"  # 报到
    CO_REPORT = "co_report"  # 协办意见
    INSTRUCT = "instruct"  # 领导批示
    SUPERVISE = "supervise"  # 督办
    URGE = "urge"  # 催办
    RESPOND = "respond"  # 督办回复
    CLOSE_SUPERVISION = "close_supervision"  # 结束督办
    WARN = "warn"  # 预警（黄灯）
    FLAG_OVERDUE = "flag_overdue"  # 超期（红灯）


class Actor(StrEnum):
    """Who may take an action, relative to the case (resolved by ``permissions.py``)."""

    CENTRE = "centre"  # an operator of the centre that currently owns the case
    LEAD = "lead"  # a member of the lead unit (主办)
    CO = "co"  # a member of a co-handling unit (协办)
    SUPERVISOR = "supervisor"  # a supervisor whose territory holds the case
    LEADER = "leader"  # a leader whose territory holds the case
    UPPER = "upper"  # an operator of a centre above the owning one (approvals)
    REPORTER = "reporter"  # the staff member who reported it (grid worker)
    GRID = "grid"  # a grid worker of the grid where the case is (verifies on site: 网格员核查)
    SYSTEM = "system"  # the sweep or the service itself


class Step(StrEnum):
    ACCEPT = "accept"  # 受理
    DISPATCH = "dispatch"  # 派遣
    SIGN = "sign"  # 签收
    HANDLE = "handle"  # 办理
    VERIFY = "verify"  # 核查
    CALLBACK = "callback"  # 回访


PREVIOUS = "previous"  # a transition target: back to the status before hold / void request
ACTIVE = frozenset(
    {Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.HANDLED}
)
FINISHED = frozenset(
    {Status.REJECTED, Status.ARCHIVED, Status.VOIDED, Status.MERGED, Status.RATED, Status.CLOSED}
)
TERMINAL = frozenset({Status.REJECTED, Status.ARCHIVED, Status.VOIDED, Status.MERGED})
OPEN = frozenset(Status) - FINISHED  # not yet closed: active, held or awaiting void approval
FROZEN = frozenset({Status.HELD, Status.VOID_PENDING})  # the clock stops
STEP_OF: dict[Status, Step] = {
    Status.SUBMITTED: Step.ACCEPT,
    Status.ACCEPTED: Step.DISPATCH,
    Status.DISPATCHED: Step.SIGN,
    Status.IN_PROGRESS: Step.HANDLE,
    Status.HANDLED: Step.VERIFY,
    Status.CLOSED: Step.CALLBACK,
}
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")  # 满意 / 基本满意 / 不满意
SUPERVISION_LEVELS = ("ordinary", "yellow", "red")  # 普通 / 黄牌 / 红牌
UNIT_KINDS = ("user", "centre", "department")


@dataclass(frozen=True)
class Transition:
    to: str  # a Status value, or PREVIOUS
    actors: frozenset[Actor]
    requires: tuple[str, ...] = ()  # payload fields that must be present and non-empty


def _t(to: str, *actors: Actor, requires: tuple[str, ...] = ()) -> Transition:
    return Transition(to=to, actors=frozenset(actors), requires=requires)


C, L, CO, S, D, U, R, Y, G = (
    Actor.CENTRE,
    Actor.LEAD,
    Actor.CO,
    Actor.SUPERVISOR,
    Actor.LEADER,
    Actor.UPPER,
    Actor.REPORTER,
    Actor.SYSTEM,
    Actor.GRID,
)

_NOTE_ANYWHERE = {
    Action.INSTRUCT: _t("", D, requires=("note",)),
    Action.SUPERVISE: _t("", S, requires=("level", "note")),
    Action.URGE: _t("", S, D, U, requires=("note",)),
    Action.RESPOND: _t("", L, C, requires=("note",)),
    Action.CLOSE_SUPERVISION: _t("", S),
    Action.WARN: _t("", Y),
    Action.FLAG_OVERDUE: _t("", Y),
}
_VOIDABLE = {Action.REQUEST_VOID: _t(Status.VOID_PENDING, C, requires=("reason",))}
_ESCALATE = {Action.ESCALATE: _t(Status.ACCEPTED, C, Y, requires=("reason", "centre", "level"))}

# (status, action) → transition. An empty ``to`` keeps the status.
TABLE: dict[Status, dict[Action, Transition]] = {
    Status.SUBMITTED: {
        Action.ACCEPT: _t(Status.ACCEPTED, C),
        Action.REJECT: _t(Status.REJECTED, C, requires=("reason",)),
        Action.MERGE: _t(Status.MERGED, C, requires=("master",)),
        **_ESCALATE,
        **_VOIDABLE,
        **_NOTE_ANYWHERE,
    },
    Status.ACCEPTED: {
        Action.DISPATCH: _t(Status.DISPATCHED, C, requires=("lead",)),
        Action.MERGE: _t(Status.MERGED, C, requires=("master",)),
        Action.WHISTLE: _t("", C, requires=("departments",)),
        Action.REPORT_IN: _t("", CO),
        **_ESCALATE,
        **_VOIDABLE,
        **_NOTE_ANYWHERE,
    },
    Status.DISPATCHED: {
        Action.SIGN: _t(Status.IN_PROGRESS, L),
        Action.SEND_BACK: _t(Status.ACCEPTED, L, requires=("reason",)),
        Action.DISPATCH: _t(Status.DISPATCHED, C, requires=("lead",)),  # 改派
        Action.HOLD: _t(Status.HELD, C, requires=("reason",)),
        Action.WHISTLE: _t("", C, requires=("departments",)),
        Action.REPORT_IN: _t("", CO),
        **_ESCALATE,
        **_VOIDABLE,
        **_NOTE_ANYWHERE,
    },
    Status.IN_PROGRESS: {
        Action.HANDLE: _t(Status.HANDLED, L, requires=("result",)),
        Action.SEND_BACK: _t(Status.ACCEPTED, L, requires=("reason",)),
        Action.HOLD: _t(Status.HELD, C, requires=("reason",)),
        Action.REQUEST_EXTENSION: _t("", L, requires=("amount", "reason")),
        Action.APPROVE_EXTENSION: _t("", C),
        Action.DENY_EXTENSION: _t("", C, requires=("reason",)),
        Action.WHISTLE: _t("", C, requires=("departments",)),
        Action.REPORT_IN: _t("", CO),
        Action.CO_REPORT: _t("", CO, requires=("note",)),
        **_ESCALATE,
        **_VOIDABLE,
        **_NOTE_ANYWHERE,
    },
    Status.HANDLED: {
        # Verified by the centre, or on site by a grid worker of the case's grid (not the one
        # who handled it: the service refuses that).
        Action.VERIFY_PASS: _t(Status.CLOSED, C, G),
        Action.VERIFY_FAIL: _t(Status.IN_PROGRESS, C, G, requires=("reason",)),
        **_NOTE_ANYWHERE,
    },
    Status.CLOSED: {
        # The centre calls the reporter back; SYSTEM records a resident's own rating from the
        # resident portal.
        Action.CALLBACK: _t(Status.RATED, C, Y, requires=("reached",)),
        Action.WARN: _t("", Y),
        Action.FLAG_OVERDUE: _t("", Y),
    },
    Status.RATED: {
        Action.REOPEN: _t(Status.IN_PROGRESS, C, Y, requires=("reason",)),
        Action.ARCHIVE: _t(Status.ARCHIVED, C, Y),
    },
    Status.HELD: {
        Action.RESUME: _t(PREVIOUS, C),
        Action.INSTRUCT: _NOTE_ANYWHERE[Action.INSTRUCT],
        Action.SUPERVISE: _NOTE_ANYWHERE[Action.SUPERVISE],
        Action.URGE: _NOTE_ANYWHERE[Action.URGE],
        Action.RESPOND: _NOTE_ANYWHERE[Action.RESPOND],
        Action.CLOSE_SUPERVISION: _NOTE_ANYWHERE[Action.CLOSE_SUPERVISION],
    },
    Status.VOID_PENDING: {
        Action.APPROVE_VOID: _t(Status.VOIDED, U),
        Action.DENY_VOID: _t(PREVIOUS, U, requires=("reason",)),
    },
    Status.REJECTED: {},
    Status.ARCHIVED: {},
    Status.VOIDED: {},
    Status.MERGED: {},
}
CREATION = {
    Action.SUBMIT: Status.SUBMITTED,
    Action.SELF_HANDLE: Status.HANDLED,
}


class WorkflowError(Exception):
    """An action the table does not allow in the current state."""


class TransitionError(WorkflowError):
    def __init__(self, status: Status, action: Action) -> None:
        self.status, self.action = status, action
        super().__init__(f"{status}: {action} not allowed")


class PayloadError(WorkflowError):
    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class HandlingUnit:
    """A handling unit: a user (grid worker), a centre (region path) or a department (id)."""

    kind: str
    ref: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref}

    @classmethod
    def parse(cls, value: Any) -> HandlingUnit:
        if isinstance(value, HandlingUnit):
            return value
        if not isinstance(value, Mapping) or value.get("kind") not in UNIT_KINDS:
            raise PayloadError({"lead": "办理单位格式不对"})
        return cls(kind=str(value["kind"]), ref=str(value["ref"]))


@dataclass(frozen=True)
class CoUnit:
    unit: HandlingUnit
    reported: bool = False  # 报到 / 签收


ACCEPT_DEFAULT = Limit(2, Unit.WORKING_HOURS)
DISPATCH_DEFAULT = Limit(2, Unit.WORKING_HOURS)
CALLBACK_DEFAULT = Limit(3, Unit.WORKING_DAYS)


@dataclass(frozen=True)
class Limits:
    """The limits a case was created under (its item version), urgency applied."""

    sign: Limit
    handle: Limit
    verify: Limit
    accept: Limit = ACCEPT_DEFAULT
    dispatch: Limit = DISPATCH_DEFAULT
    callback: Limit = CALLBACK_DEFAULT

    def for_step(self, step: Step) -> Limit:
        return {
            Step.ACCEPT: self.accept,
            Step.DISPATCH: self.dispatch,
            Step.SIGN: self.sign,
            Step.HANDLE: self.handle,
            Step.VERIFY: self.verify,
            Step.CALLBACK: self.callback,
        }[step]


@dataclass(frozen=True)
class CaseState:
    status: Status
    level: str  # level of the owning centre: village / township / county / prefecture
    centre: str  # region path of the owning centre
    created_at: datetime
    step: Step | None = None
    step_no: int = 0
    step_started_at: datetime | None = None
    due_at: datetime | None = None
    warn_at: datetime | None = None  # when the light turns yellow
    step_unit: Unit | None = None
    held_since: datetime | None = None
    previous: Status | None = None  # before hold or void request
    lead: HandlingUnit | None = None
    co: tuple[CoUnit, ...] = ()
    rework_count: int = 0
    reopen_count: int = 0
    escalations: int = 0
    extensions: int = 0
    pending_extension: float | None = None  # requested amount, in the step's unit
    rating: str | None = None
    callback_reached: bool | None = None
    solved_level: str | None = None
    closed_at: datetime | None = None
    finished_at: datetime | None = None
    master: str | None = None  # case number this one was merged into
    supervision: str | None = None  # open supervision level
    supervision_pending: bool = False  # a written response is awaited
    warned_step: int = 0
    overdue_step: int = 0
    self_handled: bool = False
    handled_on_time: bool | None = None  # the last handling step met its due time
    accepted_at: datetime | None = None  # left "submitted" for work (not rejected or merged)
    dispatched_at: datetime | None = None  # first dispatched
    signed_on_time: bool | None = None  # the first sign-for met its due time (接收率)
    supervision_count: int = 0  # supervisions opened, ever
    void_requested_by: str | None = None

    def replace(self, **changes: Any) -> CaseState:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Context:
    limits: Limits
    calendar: WorkCalendar
    yellow_share: float = 0.8  # share of the limit used at which the light turns yellow


@dataclass
class Outcome:
    state: CaseState
    notes: dict[str, Any] = field(default_factory=dict)  # facts for the event (on time, due)


def allowed_actions(status: Status) -> dict[Action, Transition]:
    return TABLE[status]


def transition_for(status: Status, action: Action) -> Transition:
    transition = TABLE[status].get(action)
    if transition is None:
        raise TransitionError(status, action)
    return transition


def _require(transition: Transition, payload: Mapping[str, Any]) -> None:
    missing = {
        name: "必填"
        for name in transition.requires
        if payload.get(name) in (None, "", [], ()) and payload.get(name) is not False
    }
    if missing:
        raise PayloadError(missing)


def _start_step(state: CaseState, step: Step | None, at: datetime, ctx: Context) -> CaseState:
    if step is None:
        return state.replace(
            step=None, step_started_at=None, due_at=None, warn_at=None, step_unit=None
        )
    limit = ctx.limits.for_step(step)
    return state.replace(
        step=step,
        step_no=state.step_no + 1,
        step_started_at=at,
        due_at=ctx.calendar.add(at, limit),
        warn_at=ctx.calendar.add(at, Limit(limit.amount * ctx.yellow_share, limit.unit)),
        step_unit=limit.unit,
    )


def _rewarn(state: CaseState, ctx: Context) -> CaseState:
    """Recompute the yellow-light time after the due time moved (extension, hold)."""
    if state.step_started_at is None or state.due_at is None or state.step_unit is None:
        return state
    cal = ctx.calendar
    span = cal.between(state.step_started_at, state.due_at, state.step_unit)
    warn = cal.add(state.step_started_at, Limit(max(span, 0.0) * ctx.yellow_share, state.step_unit))
    return state.replace(warn_at=warn)


def _step_facts(state: CaseState, at: datetime) -> dict[str, Any]:
    """What the event records about the step that ends: its due time and whether it was met."""
    if state.due_at is None:
        return {}
    return {"step": str(state.step), "due": state.due_at.isoformat(), "on_time": at <= state.due_at}


def create(
    action: Action,
    *,
    at: datetime,
    level: str,
    centre: str,
    ctx: Context,
    lead: HandlingUnit | None = None,
) -> Outcome:
    """The state of a new case: submitted, or handled on the spot by the grid worker."""
    if action not in CREATION:
        raise TransitionError(Status.SUBMITTED, action)
    status = CREATION[action]
    state = CaseState(status=status, level=level, centre=centre, created_at=at)
    if action == Action.SELF_HANDLE:
        if lead is None:
            raise PayloadError({"lead": "自处置需要办理人"})
        state = state.replace(lead=lead, self_handled=True, handled_on_time=True, accepted_at=at)
    state = _start_step(state, STEP_OF[status], at, ctx)
    return Outcome(state=state, notes={"due": _iso(state.due_at)})


def apply(
    state: CaseState,
    action: Action,
    payload: Mapping[str, Any],
    *,
    at: datetime,
    ctx: Context,
) -> Outcome:
    """Apply one action to a state; raises :class:`TransitionError` or :class:`PayloadError`."""
    transition = transition_for(state.status, action)
    _require(transition, payload)
    facts: dict[str, Any] = {}
    target: Status
    if transition.to == PREVIOUS:
        if state.previous is None:
            raise TransitionError(state.status, action)
        target = state.previous
    elif transition.to:
        target = Status(transition.to)
    else:
        target = state.status
    new = state
    cal = ctx.calendar

    # Side effects that do not depend on the status change.
    if action == Action.DISPATCH:
        lead = HandlingUnit.parse(payload["lead"])
        co = tuple(CoUnit(HandlingUnit.parse(unit)) for unit in payload.get("co", ()))
        if any(c.unit == lead for c in co):
            raise PayloadError({"co": "协办单位不能与主办单位相同"})
        new = new.replace(lead=lead, co=co)
    elif action == Action.WHISTLE:
        departments = [HandlingUnit("department", str(d)) for d in payload["departments"]]
        have = {c.unit for c in new.co} | ({new.lead} if new.lead else set())
        new = new.replace(co=new.co + tuple(CoUnit(d) for d in departments if d not in have))
    elif action == Action.REPORT_IN:
        unit = HandlingUnit.parse(payload.get("unit"))
        if not any(c.unit == unit for c in new.co):
            raise PayloadError({"unit": "该单位不是本案协办单位"})
        new = new.replace(co=tuple(CoUnit(c.unit, True) if c.unit == unit else c for c in new.co))
    elif action in (Action.SEND_BACK, Action.ESCALATE):
        new = new.replace(lead=None, co=())
        if action == Action.ESCALATE:
            new = new.replace(
                centre=str(payload["centre"]),
                level=str(payload["level"]),
                escalations=new.escalations + 1,
            )
    elif action == Action.VERIFY_FAIL:
        new = new.replace(rework_count=new.rework_count + 1)
    elif action == Action.VERIFY_PASS:
        new = new.replace(solved_level=new.level, closed_at=at)
    elif action == Action.CALLBACK:
        reached = bool(payload["reached"])
        rating = payload.get("rating")
        if reached and rating not in RATINGS:
            raise PayloadError({"rating": "请选择满意、基本满意或不满意"})
        new = new.replace(callback_reached=reached, rating=rating if reached else None)
    elif action == Action.REOPEN:
        if state.rating != "unsatisfied" or state.reopen_count >= 1:
            raise PayloadError({"reason": "只有不满意的案件可以重办一次"})
        new = new.replace(
            reopen_count=new.reopen_count + 1, solved_level=None, closed_at=None, rating=None
        )
    elif action == Action.MERGE:
        new = new.replace(master=str(payload["master"]))
    elif action == Action.REQUEST_VOID:
        new = new.replace(void_requested_by=str(payload.get("by", "")) or None)
    elif action == Action.REQUEST_EXTENSION:
        amount = float(payload["amount"])
        if not amount > 0:
            raise PayloadError({"amount": "延期时长必须大于零"})
        if new.pending_extension is not None:
            raise PayloadError({"amount": "已有待审批的延期申请"})
        new = new.replace(pending_extension=amount)
    elif action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
        if new.pending_extension is None:
            raise PayloadError({"amount": "没有待审批的延期申请"})
        if action == Action.APPROVE_EXTENSION and new.due_at and new.step_unit:
            due = cal.add(new.due_at, Limit(new.pending_extension, new.step_unit))
            new = _rewarn(new.replace(due_at=due, extensions=new.extensions + 1), ctx)
            facts["due"] = due.isoformat()
        new = new.replace(pending_extension=None)
    elif action == Action.SUPERVISE:
        if payload["level"] not in SUPERVISION_LEVELS:
            raise PayloadError({"level": "督办级别应为普通、黄牌或红牌"})
        new = new.replace(
            supervision=str(payload["level"]),
            supervision_pending=bool(payload.get("requires_response", True)),
        )
    elif action == Action.RESPOND:
        if not new.supervision:
            raise PayloadError({"note": "本案没有督办，无需回复"})
        new = new.replace(supervision_pending=False)
    elif action == Action.CLOSE_SUPERVISION:
        if not new.supervision:
            raise PayloadError({"note": "本案没有进行中的督办"})
        new = new.replace(supervision=None, supervision_pending=False)
    elif action == Action.WARN:
        if new.warned_step >= new.step_no:
            raise PayloadError({"step": "本环节已预警"})
        new = new.replace(warned_step=new.step_no)
    elif action == Action.FLAG_OVERDUE:
        if new.overdue_step >= new.step_no:
            raise PayloadError({"step": "本环节已标记超期"})
        new = new.replace(overdue_step=new.step_no)

    # The clock: frozen while held or awaiting void approval; restarted by a new step.
    if target in FROZEN and state.status not in FROZEN:
        new = new.replace(held_since=at, previous=state.status)
    elif state.status in FROZEN and target not in FROZEN:
        new = _rewarn(_thaw(new, at, cal), ctx)
        if target == Status.VOIDED:
            new = new.replace(previous=None)
    if target in TERMINAL and target != state.status:
        new = new.replace(finished_at=at)
    status_changed = target != state.status
    restart = status_changed and target not in FROZEN and state.status not in FROZEN
    restart = restart or action in (Action.DISPATCH, Action.ESCALATE)
    if restart:
        facts.update(_step_facts(state, at))
        new = _start_step(new, STEP_OF.get(target), at, ctx)
        facts["next_due"] = _iso(new.due_at)
    elif target in TERMINAL:
        facts.update(_step_facts(state, at))
        new = _start_step(new, None, at, ctx)
    if action == Action.HANDLE:
        new = new.replace(handled_on_time=bool(facts.get("on_time", True)))
    if action == Action.SIGN and new.signed_on_time is None:
        new = new.replace(signed_on_time=bool(facts.get("on_time", True)))
    if action == Action.DISPATCH and new.dispatched_at is None:
        new = new.replace(dispatched_at=at)
    if action == Action.SUPERVISE:
        new = new.replace(supervision_count=new.supervision_count + 1)
    if (
        new.accepted_at is None
        and state.status == Status.SUBMITTED
        and target in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
    ):
        new = new.replace(accepted_at=at)
    new = new.replace(status=target)
    if target not in FROZEN:
        new = new.replace(previous=None, void_requested_by=None, held_since=None)
    return Outcome(state=new, notes=facts)


def _thaw(state: CaseState, at: datetime, cal: WorkCalendar) -> CaseState:
    """Leaving a hold: the due time moves by the time held, counted in the step's unit."""
    if state.held_since is None or state.due_at is None or state.step_unit is None:
        return state.replace(held_since=None)
    held = cal.between(state.held_since, at, state.step_unit)
    due = cal.add(state.due_at, Limit(held, state.step_unit)) if held > 0 else state.due_at
    started = state.step_started_at
    if started is not None and held > 0:
        started = cal.add(started, Limit(held, state.step_unit))
    return state.replace(due_at=due, step_started_at=started, held_since=None)


def replay(
    events: Iterable[tuple[Action, Mapping[str, Any], datetime]],
    *,
    level: str,
    centre: str,
    ctx: Context,
) -> CaseState:
    """Rebuild a case's state from its events (the first one creates it)."""
    iterator = iter(events)
    try:
        action, payload, at = next(iterator)
    except StopIteration as exc:
        raise WorkflowError("a case needs a creating event") from exc
    lead = HandlingUnit.parse(payload["lead"]) if payload.get("lead") else None
    state = create(action, at=at, level=level, centre=centre, ctx=ctx, lead=lead).state
    for action, payload, at in iterator:
        state = apply(state, action, payload, at=at, ctx=ctx).state
    return state


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
