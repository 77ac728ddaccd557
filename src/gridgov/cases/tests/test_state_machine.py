"""Random sequences of actions by random posts, with the invariants checked after each step:
the status is one the table allows, the timeline replays to the current state, closed cases
have a verification, refused actions change nothing, and held time never counts against the
deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gridgov.accounts.models import Department, User
from gridgov.cases.context import context_for
from gridgov.cases.errors import CaseError
from gridgov.cases.models import Case
from gridgov.cases.replay import differences
from gridgov.cases.selectors import allowed_actions
from gridgov.cases.services import act, submit_case
from gridgov.cases.tests.fixtures import GRID_A, GRID_B, T0, point_in
from gridgov.cases.workflow import FROZEN, TABLE, Action, Status, Step

pytestmark = pytest.mark.django_db

USERS = (
    "village_op",
    "township_op",
    "county_op",
    "grid_worker",
    "dept_handler",
    "supervisor",
    "leader",
    "OTHER_GRID_WORKER",
)
ACTIONS = [a for a in Action if a not in (Action.SUBMIT, Action.SELF_HANDLE)]
NEXT = {
    Status.SUBMITTED: (Action.ACCEPT,),
    Status.ACCEPTED: (Action.DISPATCH,),
    Status.DISPATCHED: (Action.SIGN,),
    Status.IN_PROGRESS: (Action.HANDLE, Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION),
    Status.HANDLED: (Action.VERIFY_PASS, Action.VERIFY_FAIL),
    Status.CLOSED: (Action.CALLBACK,),
    Status.RATED: (Action.ARCHIVE, Action.REOPEN),
    Status.HELD: (Action.RESUME,),
    Status.VOID_PENDING: (Action.DENY_VOID,),
}


class CaseMachine(RuleBasedStateMachine):
    item = None  # set by the test

    @initialize()
    def start(self):
        self.now = T0
        self.users = {
            u: User.objects.get(username=u) for u in USERS if u.isidentifier() and not u.isupper()
        }
        self.users["OTHER_GRID_WORKER"] = User.objects.filter(
            posts__region__path=GRID_B, posts__role="grid_worker"
        ).first()
        self.department = Department.objects.get(short_name="城管局")
        lng, lat = point_in(GRID_A)
        fields = {
            "channel": "patrol",
            "title": "测试",
            "description": "随机测试",
            "item": self.item,
            "lng": lng,
            "lat": lat,
            "reporter_phone": "13800001111",
        }
        self.master = submit_case(user=self.users["grid_worker"], at=self.now, **fields)
        self.case = submit_case(user=self.users["grid_worker"], at=self.now, **fields)
        self.extension = {}  # step_no → approved extension amount
        self.refusals = 0

    def payload(self, action: Action, data) -> dict:
        def pick(options):
            return data.draw(st.sampled_from(options))

        worker = self.users["grid_worker"]
        leads = [
            {"kind": "user", "ref": str(worker.pk)},
            {"kind": "department", "ref": str(self.department.pk)},
            {"kind": "centre", "ref": "220283001001"},
        ]
        return {
            "reason": "原因",
            "note": "说明",
            "result": "处理结果",
            "lead": pick(leads),
            "co": pick([[], [{"kind": "department", "ref": str(self.department.pk)}]]),
            "departments": [self.department.pk],
            "master": self.master.number,
            "reached": pick([True, False]),
            "rating": pick(["satisfied", "basically_satisfied", "unsatisfied"]),
            "amount": pick([0.5, 1, 2]),
            "level": pick(["ordinary", "yellow", "red"]),
        }

    def move(self, data, minutes, actions):
        """One of ``actions`` by a post allowed to take it now, if there is one."""
        case = Case.objects.get(pk=self.case.pk)
        moves = sorted(
            (action, name)
            for name, user in self.users.items()
            for action in allowed_actions(user, case)
            if action in actions
        )
        if moves:
            action, name = data.draw(st.sampled_from(moves))
            self.take(action, name, minutes, data)

    @rule(data=st.data(), minutes=st.integers(1, 2 * 24 * 60))
    def advance(self, data, minutes):
        """The next step of the closed loop (or its usual alternative)."""
        case = Case.objects.get(pk=self.case.pk)
        self.move(data, minutes, NEXT.get(Status(case.status), ()))

    @rule(data=st.data(), minutes=st.integers(1, 3 * 24 * 60))
    def detour(self, data, minutes):
        """Any move some post may make now: holds, escalations, supervision, extensions …"""
        self.move(data, minutes, tuple(Action))

    @rule(
        action=st.sampled_from(ACTIONS),
        username=st.sampled_from(USERS),
        minutes=st.integers(1, 3 * 24 * 60),
        data=st.data(),
    )
    def take(self, action, username, minutes, data):
        """Any action by any post: most are refused, and a refusal must change nothing."""
        self.now += dt.timedelta(minutes=minutes)
        case = Case.objects.get(pk=self.case.pk)
        before = (case.status, case.version, case.events.count(), case.due_at)
        pending = case.pending_extension
        try:
            act(
                case=case,
                user=self.users[username],
                action=action,
                payload=self.payload(action, data),
                at=self.now,
            )
        except (CaseError, ValidationError):
            case.refresh_from_db()
            assert (case.status, case.version, case.events.count(), case.due_at) == before
            self.refusals += 1
            return
        case.refresh_from_db()
        if action == Action.APPROVE_EXTENSION:
            self.extension[case.step_no] = self.extension.get(case.step_no, 0) + pending

    @invariant()
    def status_is_in_the_table(self):
        if not hasattr(self, "case"):
            return
        case = Case.objects.get(pk=self.case.pk)
        assert Status(case.status) in TABLE
        last = case.events.order_by("-seq").first()
        assert last.to_status == case.status

    @invariant()
    def timeline_replays_to_the_state(self):
        if not hasattr(self, "case"):
            return
        case = Case.objects.select_related("centre", "lead_centre", "master", "item_version").get(
            pk=self.case.pk
        )
        assert differences(case) == []

    @invariant()
    def rollups_agree_with_a_rebuild(self):
        if not hasattr(self, "case"):
            return
        from gridgov.metrics.rollup import differences_from_scratch

        assert differences_from_scratch() == []

    @invariant()
    def closed_cases_were_verified(self):
        if not hasattr(self, "case"):
            return
        case = Case.objects.get(pk=self.case.pk)
        if case.status in (Status.CLOSED, Status.RATED, Status.ARCHIVED):
            actions = list(case.events.order_by("seq").values_list("action", flat=True))
            last_reopen = max((i for i, a in enumerate(actions) if a == "reopen"), default=-1)
            assert "verify_pass" in actions[last_reopen + 1 :]
            assert case.solved_level

    @invariant()
    def held_time_never_counts(self):
        if not hasattr(self, "case"):
            return
        case = Case.objects.get(pk=self.case.pk)
        if not case.step or case.due_at is None:
            return
        ctx = context_for(case.item_version, case.urgency)
        limit = ctx.limits.for_step(Step(case.step))
        counted = ctx.calendar.between(case.step_started_at, case.due_at, limit.unit)
        expected = limit.amount + self.extension.get(case.step_no, 0)
        assert counted == pytest.approx(expected, abs=1e-6)
        if case.status in FROZEN:
            assert case.held_since is not None


def test_random_action_sequences_keep_the_invariants(item):
    CaseMachine.item = item
    runner = CaseMachine.TestCase
    runner.settings = settings(
        max_examples=25,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    runner().runTest()
