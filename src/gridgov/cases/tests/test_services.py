"""Service tests: every action through ``act`` with real posts, and every refusal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.accounts.models import Department
from gridgov.cases import selectors
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.models import Case, CaseEvent, DuplicateSuspicion, Notification
from gridgov.cases.replay import differences
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import GRID_A, GRID_B, T0, TOWNSHIP, VILLAGE
from gridgov.cases.workflow import Action, Status
from gridgov.core.jurisdiction import can

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def run(case, user, action, at, **payload):
    act(case=case, user=user, action=action, payload=payload, at=at)
    case.refresh_from_db()
    return case


def unchanged(case):
    """Snapshot to prove a refused action changed nothing."""
    case.refresh_from_db()
    return (case.status, case.version, case.events.count(), case.due_at)


def test_the_whole_loop_at_village_level(report, people):
    case = report()
    assert re.fullmatch(r"20261102\d{6}", case.number)
    assert case.status == Status.SUBMITTED and case.level == "village"
    assert case.centre.path == VILLAGE and case.region_path == GRID_A
    assert Notification.objects.filter(case=case, recipient=people.village_op).exists()
    worker = people.grid_worker
    run(case, people.village_op, Action.ACCEPT, T0 + 0.1 * H)
    run(
        case,
        people.village_op,
        Action.DISPATCH,
        T0 + 0.2 * H,
        lead={"kind": "user", "ref": str(worker.pk)},
    )
    assert case.status == Status.DISPATCHED and case.lead_user == worker
    run(case, worker, Action.SIGN, T0 + 0.5 * H)
    act(
        case=case,
        user=worker,
        action=Action.HANDLE,
        payload={"result": "已更换灯泡"},
        photos=[SimpleUploadedFile("after.png", PNG, "image/png")],
        at=T0 + 5 * H,
    )
    case.refresh_from_db()
    assert case.status == Status.HANDLED and case.attachments.filter(kind="result").count() == 1
    run(case, people.village_op, Action.VERIFY_PASS, T0 + 6 * H)
    assert case.status == Status.CLOSED and case.solved_level == "village"
    run(case, people.village_op, Action.CALLBACK, T0 + 7 * H, reached=True, rating="satisfied")
    run(case, people.village_op, Action.ARCHIVE, T0 + 8 * H)
    assert case.status == Status.ARCHIVED
    events = list(case.events.order_by("seq"))
    assert [e.action for e in events] == [
        "submit",
        "accept",
        "dispatch",
        "sign",
        "handle",
        "verify_pass",
        "callback",
        "archive",
    ]
    assert events[3].facts["step"] == "sign" and events[3].facts["on_time"] is True
    assert all(e.actor is not None for e in events)
    assert differences(case) == []


def test_refusals_change_nothing(report, people):
    case = report()
    before = unchanged(case)
    # Wrong role: a grid worker cannot accept.
    with pytest.raises(CaseForbidden, match="承办中心的操作员"):
        act(case=case, user=people.grid_worker, action=Action.ACCEPT, at=T0)
    # Wrong status: nobody can sign a case that is not dispatched.
    with pytest.raises(CaseConflict, match="待受理"):
        act(case=case, user=people.village_op, action=Action.SIGN, at=T0)
    # Outside jurisdiction: the worker of grid B does not even see it.
    other = people.grid_worker_of(GRID_B)
    with pytest.raises(CaseNotFound):
        act(case=case, user=other, action=Action.ACCEPT, at=T0)
    # Bad input: rejecting needs a reason.
    with pytest.raises(ValidationError) as info:
        act(case=case, user=people.village_op, action=Action.REJECT, payload={}, at=T0)
    assert info.value.message_dict["reason"]
    # A stale form: someone else acted since.
    run(case, people.village_op, Action.ACCEPT, T0)
    with pytest.raises(CaseConflict, match="已被他人处理"):
        act(
            case=case,
            user=people.village_op,
            action=Action.DISPATCH,
            expected_version=1,
            payload={"lead": {"kind": "user", "ref": str(people.grid_worker.pk)}},
            at=T0,
        )
    assert unchanged(case)[2] == before[2] + 1  # only the accept


def test_reject_with_reason(report, people):
    case = report()
    run(case, people.village_op, Action.REJECT, T0 + H, reason="不属于受理范围")
    assert case.status == Status.REJECTED and case.finished_at is not None
    assert case.due_at is None
    with pytest.raises(CaseConflict):
        act(case=case, user=people.village_op, action=Action.ACCEPT, at=T0 + 2 * H)


def test_dispatch_targets_are_checked(report, people):
    case = report()
    run(case, people.village_op, Action.ACCEPT, T0)
    outside = people.grid_worker_of("220283002001001")  # another township's grid
    with pytest.raises(ValidationError) as info:
        act(
            case=case,
            user=people.village_op,
            action=Action.DISPATCH,
            at=T0,
            payload={"lead": {"kind": "user", "ref": str(outside.pk)}},
        )
    assert "网格员" in info.value.message_dict["lead"][0]
    with pytest.raises(ValidationError):
        act(
            case=case,
            user=people.village_op,
            action=Action.DISPATCH,
            at=T0,
            payload={"lead": {"kind": "centre", "ref": TOWNSHIP}},
        )  # upward is escalation
    with pytest.raises(ValidationError):
        act(
            case=case,
            user=people.village_op,
            action=Action.DISPATCH,
            at=T0,
            payload={"lead": {"kind": "robot", "ref": "1"}},
        )


def test_department_sees_the_case_only_once_dispatched_to_it(report, people):
    case = report()
    handler = people.dept_handler
    assert not can(handler, case)
    department = Department.objects.get(short_name="城管局")
    run(case, people.village_op, Action.ACCEPT, T0)
    run(
        case,
        people.village_op,
        Action.DISPATCH,
        T0,
        lead={"kind": "department", "ref": str(department.pk)},
    )
    assert can(handler, case)
    assert case in selectors.work_queue(handler)
    run(case, handler, Action.SIGN, T0 + H)
    run(case, handler, Action.SEND_BACK, T0 + 2 * H, reason="不属于本部门职责")
    assert case.status == Status.ACCEPTED and case.lead_department is None
    assert not can(handler, case)


def test_escalation_village_township_county_and_no_further(report, people):
    case = report()
    run(case, people.village_op, Action.ESCALATE, T0 + H, reason="村里解决不了")
    assert (case.status, case.level, case.centre.path) == (Status.ACCEPTED, "township", TOWNSHIP)
    assert Notification.objects.filter(
        case=case, recipient=people.township_op, kind="escalated"
    ).exists()
    with pytest.raises(CaseForbidden):  # the village no longer owns it
        act(
            case=case,
            user=people.village_op,
            action=Action.ESCALATE,
            payload={"reason": "x"},
            at=T0 + 2 * H,
        )
    run(case, people.township_op, Action.ESCALATE, T0 + 2 * H, reason="涉及多个部门")
    assert (case.level, case.centre.path) == ("county", "220283")
    with pytest.raises(ValidationError, match="最高一级"):
        act(
            case=case,
            user=people.county_op,
            action=Action.ESCALATE,
            payload={"reason": "x"},
            at=T0 + 3 * H,
        )
    department = Department.objects.get(short_name="城管局")
    run(
        case,
        people.county_op,
        Action.DISPATCH,
        T0 + 3 * H,
        lead={"kind": "department", "ref": str(department.pk)},
    )
    run(case, people.dept_handler, Action.SIGN, T0 + 4 * H)
    run(case, people.dept_handler, Action.HANDLE, T0 + 5 * H, result="已处理")
    run(case, people.county_op, Action.VERIFY_PASS, T0 + 6 * H)
    assert case.solved_level == "county" and case.escalations == 2
    assert differences(case) == []


def test_whistle_and_departments_report_in(report, people, township_item):
    case = report(item_=township_item)
    assert case.level == "township" and case.centre.path == TOWNSHIP
    run(case, people.township_op, Action.ACCEPT, T0)
    with pytest.raises(ValidationError):
        act(
            case=case,
            user=people.township_op,
            action=Action.WHISTLE,
            payload={"departments": []},
            at=T0,
        )
    police = Department.objects.get(short_name="公安局")
    chengguan = Department.objects.get(short_name="城管局")
    run(case, people.township_op, Action.WHISTLE, T0 + H, departments=[police.pk, chengguan.pk])
    assert case.assignments.filter(active=True, is_lead=False).count() == 2
    handler = people.dept_handler  # 城管局
    assert can(handler, case) and case in selectors.work_queue(handler)
    run(case, handler, Action.REPORT_IN, T0 + 2 * H)
    assert case.assignments.get(department=chengguan, active=True).reported
    with pytest.raises(CaseConflict, match="已报到"):
        act(case=case, user=handler, action=Action.REPORT_IN, at=T0 + 3 * H)
    run(
        case,
        people.township_op,
        Action.DISPATCH,
        T0 + 3 * H,
        lead={"kind": "centre", "ref": VILLAGE},
        co=[{"kind": "department", "ref": str(chengguan.pk)}],
    )
    run(case, people.village_op, Action.SIGN, T0 + 4 * H)
    run(case, handler, Action.CO_REPORT, T0 + 5 * H, note="已安排执法队员配合")
    assert differences(case) == []


def test_whistle_only_at_township_level(report, people):
    case = report()
    run(case, people.village_op, Action.ACCEPT, T0)
    with pytest.raises(ValidationError, match="乡镇"):
        act(
            case=case,
            user=people.village_op,
            action=Action.WHISTLE,
            payload={"departments": [Department.objects.first().pk]},
            at=T0,
        )


def _in_progress(report, people, at=T0):
    case = report(at=at)
    worker = people.grid_worker
    run(case, people.village_op, Action.ACCEPT, at)
    run(case, people.village_op, Action.DISPATCH, at, lead={"kind": "user", "ref": str(worker.pk)})
    return run(case, worker, Action.SIGN, at)


def test_extension_moves_the_due_time(report, people):
    case = _in_progress(report, people)
    due = case.due_at
    with pytest.raises(ValidationError):
        act(
            case=case,
            user=people.grid_worker,
            action=Action.REQUEST_EXTENSION,
            payload={"amount": "abc", "reason": "等配件"},
            at=T0 + H,
        )
    run(case, people.grid_worker, Action.REQUEST_EXTENSION, T0 + H, amount=2, reason="等配件")
    with pytest.raises(CaseForbidden):  # the requester cannot approve
        act(case=case, user=people.grid_worker, action=Action.APPROVE_EXTENSION, at=T0 + H)
    run(case, people.village_op, Action.APPROVE_EXTENSION, T0 + 2 * H)
    assert case.extensions == 1 and case.pending_extension is None
    assert case.due_at > due + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="没有待审批"):
        act(
            case=case,
            user=people.village_op,
            action=Action.DENY_EXTENSION,
            payload={"reason": "x"},
            at=T0 + 3 * H,
        )


def test_extension_can_be_denied_and_requested_again(report, people):
    case = _in_progress(report, people)
    due = case.due_at
    run(case, people.grid_worker, Action.REQUEST_EXTENSION, T0 + H, amount=1, reason="等材料")
    with pytest.raises(ValidationError, match="已有待审批"):
        act(
            case=case,
            user=people.grid_worker,
            action=Action.REQUEST_EXTENSION,
            payload={"amount": 1, "reason": "再申请"},
            at=T0 + H,
        )
    run(case, people.village_op, Action.DENY_EXTENSION, T0 + 2 * H, reason="时限足够")
    assert case.due_at == due and case.pending_extension is None and case.extensions == 0
    run(case, people.grid_worker, Action.REQUEST_EXTENSION, T0 + 3 * H, amount=1, reason="确需")
    assert case.pending_extension == 1


def test_hold_and_resume_do_not_count_held_time(report, people):
    case = _in_progress(report, people)
    due = case.due_at
    run(case, people.village_op, Action.HOLD, T0 + H, reason="等待司法鉴定")
    assert case.status == Status.HELD and selectors.light_of(case, T0 + 30 * 24 * H) == "green"
    run(case, people.village_op, Action.RESUME, T0 + 3 * 24 * H + H)  # Thursday
    assert case.status == Status.IN_PROGRESS
    assert case.due_at > due + dt.timedelta(days=2)


def test_void_needs_approval_from_above_not_by_the_requester(report, people):
    case = report()
    run(case, people.village_op, Action.REQUEST_VOID, T0 + H, reason="重复上报")
    assert case.status == Status.VOID_PENDING
    with pytest.raises(CaseForbidden):
        act(case=case, user=people.village_op, action=Action.APPROVE_VOID, at=T0 + H)
    run(case, people.township_op, Action.DENY_VOID, T0 + 2 * H, reason="并非重复")
    assert case.status == Status.SUBMITTED
    run(case, people.village_op, Action.REQUEST_VOID, T0 + 3 * H, reason="测试数据")
    run(case, people.township_op, Action.APPROVE_VOID, T0 + 4 * H)
    assert case.status == Status.VOIDED and case.due_at is None
    assert differences(case) == []


def test_verify_fail_counts_rework_and_unsatisfied_reopens_once(report, people):
    case = _in_progress(report, people)
    worker, op = people.grid_worker, people.village_op
    run(case, worker, Action.HANDLE, T0 + H, result="处理了")
    run(case, op, Action.VERIFY_FAIL, T0 + 2 * H, reason="现场仍未修好")
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1
    run(case, worker, Action.HANDLE, T0 + 3 * H, result="已彻底修好")
    run(case, op, Action.VERIFY_PASS, T0 + 4 * H)
    run(case, op, Action.CALLBACK, T0 + 5 * H, reached=True, rating="unsatisfied")
    # 不满意: reopened automatically, once.
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    assert case.events.order_by("-seq").first().action == "reopen"
    assert case.events.order_by("-seq").first().actor is None
    run(case, worker, Action.HANDLE, T0 + 6 * H, result="再次处理")
    run(case, op, Action.VERIFY_PASS, T0 + 7 * H)
    run(case, op, Action.CALLBACK, T0 + 8 * H, reached=True, rating="unsatisfied")
    assert case.status == Status.RATED and case.rating == "unsatisfied"
    with pytest.raises(CaseConflict, match="已回访"):
        act(case=case, user=op, action=Action.CALLBACK, payload={}, at=T0)
    assert differences(case) == []


def test_callback_needs_a_rating_when_reached(report, people):
    case = _in_progress(report, people)
    run(case, people.grid_worker, Action.HANDLE, T0 + H, result="好了")
    run(case, people.village_op, Action.VERIFY_PASS, T0 + 2 * H)
    with pytest.raises(ValidationError) as info:
        act(
            case=case,
            user=people.village_op,
            action=Action.CALLBACK,
            payload={"reached": True},
            at=T0 + 3 * H,
        )
    assert "满意" in info.value.message_dict["rating"][0]
    run(case, people.village_op, Action.CALLBACK, T0 + 3 * H, reached=False)
    assert case.status == Status.RATED and case.callback_reached is False and not case.rating


def test_supervision_urge_response_and_list(report, people):
    case = _in_progress(report, people)
    supervisor = people.supervisor
    with pytest.raises(ValidationError):
        act(
            case=case,
            user=supervisor,
            action=Action.SUPERVISE,
            payload={"level": "purple", "note": "x"},
            at=T0,
        )
    run(case, supervisor, Action.SUPERVISE, T0 + H, level="red", note="限两日内办结")
    assert case.supervision == "red" and case.supervision_pending
    assert case in selectors.under_supervision(people.county_op, "red")
    assert Notification.objects.filter(
        case=case, kind="supervision", recipient=people.grid_worker
    ).exists()
    run(case, supervisor, Action.URGE, T0 + 2 * H, note="请加快")
    with pytest.raises(CaseForbidden):
        act(
            case=case,
            user=people.grid_worker,
            action=Action.SUPERVISE,
            payload={"level": "red", "note": "x"},
            at=T0,
        )
    run(case, people.grid_worker, Action.RESPOND, T0 + 3 * H, note="已联系维修队，明日完成")
    assert not case.supervision_pending
    run(case, supervisor, Action.CLOSE_SUPERVISION, T0 + 4 * H)
    assert case.supervision == ""


def test_leader_instructs_but_cannot_accept(report, people):
    case = report()
    leader = people.leader
    run(case, leader, Action.INSTRUCT, T0 + H, note="请尽快解决，注意群众安全")
    assert case.events.order_by("-seq").first().note.startswith("请尽快")
    with pytest.raises(CaseForbidden):
        act(case=case, user=leader, action=Action.ACCEPT, at=T0)


def test_duplicates_are_flagged_and_merged(report, people):
    first = report()
    second = report(at=T0 + 2 * H, title="路灯又坏了")
    suspicion = DuplicateSuspicion.objects.get(case=second)
    assert suspicion.candidate == first and suspicion.distance_m < 1
    far = report(at=T0 + 3 * H, path=GRID_B, user=people.village_op)
    from gridgov.cases.services import haversine_m

    metres = haversine_m(first.lng, first.lat, far.lng, far.lat)
    assert metres > 200  # the grids' label points are further apart than the window
    assert not DuplicateSuspicion.objects.filter(case=far, candidate=first).exists()
    late = report(at=T0 + 100 * H)
    assert not DuplicateSuspicion.objects.filter(case=late, candidate=first).exists()
    with pytest.raises(ValidationError):
        act(
            case=second,
            user=people.village_op,
            action=Action.MERGE,
            payload={"master": second.number},
            at=T0 + 3 * H,
        )
    run(second, people.village_op, Action.MERGE, T0 + 3 * H, master=first.number)
    assert second.status == Status.MERGED and second.master == first
    assert list(first.merged.all()) == [second]
    assert second.followed_status == Status.SUBMITTED
    run(first, people.village_op, Action.ACCEPT, T0 + 4 * H)
    second.refresh_from_db()
    assert second.followed_status == Status.ACCEPTED


def test_self_handle_still_needs_verification(report, people, item):
    case = report(self_handle_result="现场劝离占道摊贩")
    assert case.status == Status.HANDLED and case.self_handled
    assert case.lead_user == people.grid_worker and case.level == "village"
    with pytest.raises(CaseForbidden):
        act(case=case, user=people.grid_worker, action=Action.VERIFY_PASS, at=T0 + H)
    run(case, people.village_op, Action.VERIFY_PASS, T0 + H)
    assert case.status == Status.CLOSED and case.solved_level == "village"
    with pytest.raises(ValidationError, match="网格员"):
        report(user=people.village_op, self_handle_result="我来处理")
    assert differences(case) == []


def test_intake_validation_is_field_by_field_and_writes_nothing(report, people):
    before = (Case.objects.count(), CaseEvent.objects.count())
    with pytest.raises(ValidationError) as info:
        report(
            title="", description="", channel="carrier-pigeon", item_="NOPE-1", reporter_phone="12"
        )
    fields = set(info.value.message_dict)
    assert {"title", "description", "channel", "item", "reporter_phone"} <= fields
    with pytest.raises(ValidationError) as info:
        report(lng=116.39, lat=39.9)  # Beijing
    assert "不在本平台管辖范围内" in info.value.message_dict["lng"][0]
    with pytest.raises(ValidationError) as info:
        report(path=GRID_B, user=people.grid_worker)
    assert "辖区" in info.value.message_dict["region"][0]
    with pytest.raises(ValidationError) as info:
        report(photos=[SimpleUploadedFile("x.png", b"GIF89a-not-a-png", "image/png")])
    assert "不是 JPEG" in info.value.message_dict["photos"][0]
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024))
    with pytest.raises(ValidationError) as info:
        report(photos=[big])
    assert "超过" in info.value.message_dict["photos"][0]
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_address_only_intake_by_an_operator(item, people):
    from gridgov.cases.services import submit_case

    case = submit_case(
        user=people.township_op,
        channel="walk_in",
        title="路灯坏了",
        description="来访反映",
        item=item,
        region_path=VILLAGE,
        address="育才社区滨河小区",
        at=T0,
    )
    assert case.lng is None and case.centre.path == VILLAGE
    with pytest.raises(ValidationError) as info:
        submit_case(
            user=people.township_op, channel="walk_in", title="x", description="y", item=item, at=T0
        )
    assert "坐标" in info.value.message_dict["lng"][0]


def test_numbers_are_unique_per_day_and_restart_daily(report):
    a, b = report(), report(at=T0 + H)
    c = report(at=T0 + 24 * H)
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1
    assert c.number.startswith("20261103")


def test_case_events_are_append_only(report):
    case = report()
    event = case.events.get()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="append-only"):
        CaseEvent.objects.filter(pk=event.pk).update(note="x")


def test_allowed_actions_are_the_buttons(report, people):
    case = report()
    assert set(selectors.allowed_actions(people.village_op, case)) >= {
        Action.ACCEPT,
        Action.REJECT,
        Action.ESCALATE,
        Action.REQUEST_VOID,
    }
    assert Action.ACCEPT not in selectors.allowed_actions(people.grid_worker, case)
    assert selectors.allowed_actions(people.leader, case) == [Action.INSTRUCT, Action.URGE]


def test_leader_calls_units_in_with_an_instruction(report, people):
    case = report()
    department = Department.objects.get(short_name="公安局")
    run(
        case,
        people.leader,
        Action.INSTRUCT,
        T0 + H,
        note="请公安、乡镇协同处置",
        to=[{"kind": "department", "ref": str(department.pk)}, {"kind": "centre", "ref": TOWNSHIP}],
    )
    notified = set(
        Notification.objects.filter(case=case, kind="instruction").values_list(
            "recipient__username", flat=True
        )
    )
    assert "township_op" in notified
    assert any(name.startswith("dh") for name in notified)  # the 公安局 handler
    with pytest.raises(ValidationError, match="调度单位"):
        act(
            case=case,
            user=people.leader,
            action=Action.INSTRUCT,
            at=T0 + H,
            payload={"note": "x", "to": [{"kind": "centre", "ref": "999999"}]},
        )


def test_resident_rates_through_the_portal(report, people):
    from gridgov.cases.services import resident_rating

    case = _in_progress(report, people)
    with pytest.raises(CaseConflict, match="办结并核查后"):
        resident_rating(case=case, rating="satisfied")
    run(case, people.grid_worker, Action.HANDLE, T0 + H, result="好了")
    run(case, people.village_op, Action.VERIFY_PASS, T0 + 2 * H)
    event = resident_rating(case=case, rating="basically_satisfied", at=T0 + 3 * H)
    case.refresh_from_db()
    assert case.status == Status.RATED and case.rating == "basically_satisfied"
    assert event.actor is None and event.payload["source"] == "resident"
    assert case.handled_on_time is True
    assert differences(case) == []


def test_a_grid_worker_verifies_on_site_but_not_their_own_work(report, people):
    from gridgov.cases.selectors import allowed_actions

    department = Department.objects.get(short_name="城管局")
    case = report()
    run(case, people.village_op, Action.ACCEPT, T0)
    run(
        case,
        people.village_op,
        Action.DISPATCH,
        T0,
        lead={"kind": "department", "ref": str(department.pk)},
    )
    run(case, people.dept_handler, Action.SIGN, T0 + H)
    run(case, people.dept_handler, Action.HANDLE, T0 + 2 * H, result="已修复")
    assert Action.VERIFY_PASS in allowed_actions(people.grid_worker, case)
    run(case, people.grid_worker, Action.VERIFY_PASS, T0 + 3 * H)
    assert case.status == Status.CLOSED
    assert case.events.order_by("-seq").first().payload["actor"] == "grid"
    own = _in_progress(report, people)
    run(own, people.grid_worker, Action.HANDLE, T0 + H, result="自己修好了")
    assert Action.VERIFY_PASS not in allowed_actions(people.grid_worker, own)
    with pytest.raises(CaseForbidden, match="不能核查自己"):
        act(case=own, user=people.grid_worker, action=Action.VERIFY_PASS, at=T0 + 2 * H)
