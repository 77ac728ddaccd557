"""The transition table, checked without the database: every entry does what it says, and
every pair the table lacks is refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases.calendar import Limit, Unit, WorkCalendar
from gridgov.cases.workflow import (
    FROZEN,
    PREVIOUS,
    TABLE,
    Action,
    CaseState,
    Context,
    HandlingUnit,
    Limits,
    PayloadError,
    Status,
    Step,
    TransitionError,
    apply,
    create,
    replay,
)

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday
CTX = Context(
    limits=Limits(
        sign=Limit(2, Unit.WORKING_HOURS),
        handle=Limit(5, Unit.WORKING_DAYS),
        verify=Limit(1, Unit.WORKING_DAYS),
    ),
    calendar=WorkCalendar(),
)
LEAD = HandlingUnit("user", "7").as_dict()
GOOD_PAYLOAD = {
    "reason": "原因",
    "note": "说明",
    "result": "已处理",
    "master": "20261102000001",
    "lead": LEAD,
    "departments": ["3"],
    "centre": "220283001",
    "level": "township",
    "reached": True,
    "rating": "satisfied",
    "amount": 2,
    "level_": "",
    "unit": {"kind": "department", "ref": "3"},
}


def state_in(status: Status) -> CaseState:
    """A plausible state with the given status (lead and co set where they would be)."""
    base = create(Action.SUBMIT, at=T0, level="village", centre="220283001001", ctx=CTX).state
    extra: dict[str, object] = {"status": status}
    if status in (Status.DISPATCHED, Status.IN_PROGRESS, Status.HANDLED):
        extra["lead"] = HandlingUnit.parse(LEAD)
    if status in FROZEN:
        extra.update(previous=Status.IN_PROGRESS, held_since=T0, lead=HandlingUnit.parse(LEAD))
    if status == Status.RATED:
        extra.update(rating="unsatisfied")
    return base.replace(**extra)


def payload_for(state: CaseState, action: Action) -> dict[str, object]:
    payload = dict(GOOD_PAYLOAD)
    if action == Action.SUPERVISE:
        payload["level"] = "yellow"
    if action == Action.REPORT_IN:
        payload["unit"] = {"kind": "department", "ref": "3"}
    return payload


def prepared(state: CaseState, action: Action) -> CaseState:
    """Some actions need a precondition beyond the status (a pending extension, a co-handler,
    an open supervision)."""
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
        return state.replace(pending_extension=1.0)
    if action == Action.REPORT_IN:
        from gridgov.cases.workflow import CoUnit

        return state.replace(co=(CoUnit(HandlingUnit("department", "3")),))
    if action in (Action.RESPOND, Action.CLOSE_SUPERVISION):
        return state.replace(supervision="ordinary", supervision_pending=True)
    return state


ENTRIES = [(status, action) for status, actions in TABLE.items() for action in actions]


@pytest.mark.parametrize(("status", "action"), ENTRIES)
def test_every_entry_goes_where_the_table_says(status, action):
    state = prepared(state_in(status), action)
    outcome = apply(
        state, action, payload_for(state, action), at=T0 + dt.timedelta(hours=1), ctx=CTX
    )
    transition = TABLE[status][action]
    if transition.to == PREVIOUS:
        assert outcome.state.status == state.previous
    elif transition.to:
        assert outcome.state.status == transition.to
    else:
        assert outcome.state.status == status


@pytest.mark.parametrize("status", list(Status))
def test_every_pair_missing_from_the_table_is_refused(status):
    for action in Action:
        if action in TABLE[status] or action in (Action.SUBMIT, Action.SELF_HANDLE):
            continue
        with pytest.raises(TransitionError):
            apply(state_in(status), action, GOOD_PAYLOAD, at=T0, ctx=CTX)


@pytest.mark.parametrize(("status", "action"), [e for e in ENTRIES if TABLE[e[0]][e[1]].requires])
def test_required_input_is_enforced(status, action):
    state = prepared(state_in(status), action)
    with pytest.raises(PayloadError) as info:
        apply(state, action, {}, at=T0, ctx=CTX)
    assert set(info.value.errors) <= set(TABLE[status][action].requires)


def test_steps_and_due_times():
    state = create(Action.SUBMIT, at=T0, level="village", centre="220283001001", ctx=CTX).state
    assert state.step == Step.ACCEPT and state.due_at == dt.datetime(2026, 11, 2, 11, 0, tzinfo=TZ)
    state = apply(state, Action.ACCEPT, {}, at=T0, ctx=CTX).state
    state = apply(state, Action.DISPATCH, {"lead": LEAD}, at=T0, ctx=CTX).state
    assert state.step == Step.SIGN
    outcome = apply(state, Action.SIGN, {}, at=T0 + dt.timedelta(hours=3), ctx=CTX)
    assert outcome.notes["on_time"] is False and outcome.notes["step"] == "sign"
    state = outcome.state
    assert state.step == Step.HANDLE
    # 5 working days from Monday 12:00 → the next Monday 12:00.
    assert state.due_at == dt.datetime(2026, 11, 9, 12, 0, tzinfo=TZ)
    assert state.warn_at == CTX.calendar.add(state.step_started_at, Limit(4, Unit.WORKING_DAYS))


def test_hold_moves_the_due_time_by_the_time_held():
    state = state_in(Status.IN_PROGRESS)
    state = apply(state, Action.HOLD, {"reason": "等待鉴定"}, at=T0, ctx=CTX).state
    # Held Monday 09:00 → Wednesday 09:00: two working days do not count.
    resumed = apply(state, Action.RESUME, {}, at=T0 + dt.timedelta(days=2), ctx=CTX).state
    assert resumed.status == Status.IN_PROGRESS
    assert CTX.calendar.between(state.due_at, resumed.due_at, Unit.WORKING_HOURS) == pytest.approx(
        2 * 7.5
    )


def test_unsatisfied_reopens_only_once():
    state = state_in(Status.RATED)
    state = apply(state, Action.REOPEN, {"reason": "不满意"}, at=T0, ctx=CTX).state
    assert state.status == Status.IN_PROGRESS and state.reopen_count == 1
    rated = state.replace(status=Status.RATED, rating="unsatisfied")
    with pytest.raises(PayloadError):
        apply(rated, Action.REOPEN, {"reason": "又不满意"}, at=T0, ctx=CTX)


def test_replay_rebuilds_the_state():
    events = [
        (Action.SUBMIT, {}, T0),
        (Action.ACCEPT, {}, T0 + dt.timedelta(minutes=5)),
        (Action.DISPATCH, {"lead": LEAD}, T0 + dt.timedelta(minutes=10)),
        (Action.SIGN, {}, T0 + dt.timedelta(minutes=30)),
        (Action.HOLD, {"reason": "等待"}, T0 + dt.timedelta(hours=2)),
        (Action.RESUME, {}, T0 + dt.timedelta(days=1)),
        (Action.HANDLE, {"result": "好了"}, T0 + dt.timedelta(days=2)),
        (Action.VERIFY_PASS, {}, T0 + dt.timedelta(days=3)),
    ]
    state = create(Action.SUBMIT, at=T0, level="village", centre="220283001001", ctx=CTX).state
    for action, payload, at in events[1:]:
        state = apply(state, action, payload, at=at, ctx=CTX).state
    assert replay(events, level="village", centre="220283001001", ctx=CTX) == state
    assert state.status == Status.CLOSED and state.solved_level == "village"
