from __future__ import annotations

import datetime as dt

import pytest

from gridgov.cases.models import Notification
from gridgov.cases.services import act
from gridgov.cases.sweep import sweep
from gridgov.cases.tests.fixtures import T0, TOWNSHIP
from gridgov.cases.workflow import Action, Status

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def test_warn_then_overdue_then_escalate_each_once(report, people):
    case = report()  # accept step: 2 working hours → due 11:00, yellow from 10:36
    assert case.due_at == T0 + 2 * H
    assert sweep(now=T0 + H).warned == 0
    first = sweep(now=T0 + 1.7 * H)
    assert (first.warned, first.overdue) == (1, 0)
    assert (
        Notification.objects.filter(case=case, kind="warning", recipient=people.village_op).count()
        == 1
    )
    again = sweep(now=T0 + 1.7 * H)
    assert (again.warned, again.overdue, again.notices) == (0, 0, 0)
    late = sweep(now=T0 + 2.5 * H)
    assert late.overdue == 1 and late.escalated == 0
    assert Notification.objects.filter(case=case, kind="overdue").exists()
    assert Notification.objects.filter(
        case=case, kind="supervision", recipient=people.supervisor
    ).exists()
    assert sweep(now=T0 + 2.5 * H).overdue == 0
    # Past the grace period (24 h by default), the village's case goes up to the township.
    escalated = sweep(now=T0 + 27 * H)
    case.refresh_from_db()
    assert escalated.escalated == 1
    assert (case.status, case.level, case.centre.path) == (Status.ACCEPTED, "township", TOWNSHIP)
    event = case.events.filter(action="escalate").get()
    assert event.actor is None and "自动上报" in event.note
    assert sweep(now=T0 + 27 * H).escalated == 0
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions.count("warn") == 1 and actions.count("flag_overdue") == 1


def test_sweep_leaves_held_and_finished_cases_alone(report, people):
    held = report()
    act(case=held, user=people.village_op, action=Action.ACCEPT, at=T0)
    act(
        case=held,
        user=people.village_op,
        action=Action.DISPATCH,
        at=T0,
        payload={"lead": {"kind": "user", "ref": str(people.grid_worker.pk)}},
    )
    act(case=held, user=people.village_op, action=Action.HOLD, payload={"reason": "等待"}, at=T0)
    rejected = report()
    act(
        case=rejected,
        user=people.village_op,
        action=Action.REJECT,
        payload={"reason": "不属实"},
        at=T0,
    )
    report_ = sweep(now=T0 + 30 * 24 * H)
    held.refresh_from_db()
    assert held.status == Status.HELD and held.overdue_step == 0
    assert not rejected.events.filter(action__in=["warn", "flag_overdue"]).exists()
    assert report_.escalated == 0 or not held.events.filter(action="escalate").exists()


def test_rated_cases_are_archived_after_the_set_days(report, people, settings):
    settings.GRIDGOV_ARCHIVE_AFTER_DAYS = 7
    case = report(self_handle_result="已现场处理")
    act(case=case, user=people.village_op, action=Action.VERIFY_PASS, at=T0 + H)
    act(
        case=case,
        user=people.village_op,
        action=Action.CALLBACK,
        at=T0 + 2 * H,
        payload={"reached": True, "rating": "satisfied"},
    )
    assert sweep(now=T0 + 3 * 24 * H).archived == 0
    assert sweep(now=T0 + 8 * 24 * H).archived == 1
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED


def test_auto_escalation_can_be_switched_off(report, settings):
    settings.GRIDGOV_AUTO_ESCALATE_GRACE_HOURS = None
    case = report()
    assert sweep(now=T0 + 100 * H).escalated == 0
    case.refresh_from_db()
    assert case.level == "village"
