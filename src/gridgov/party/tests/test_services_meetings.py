"""Organisational life: scheduling, attendance, signing in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.party import choices as c
from gridgov.party import services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import Attendance, Meeting
from gridgov.party.tests.factories import GRID_A, make_member, make_tree
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
OTHER_VILLAGE = "220283002001"


def schedule(people, org, *, starts_at=None, **overrides):
    values = {
        "organisation": org.pk,
        "kind": "theme_day",
        "title": "主题党日：学习党章",
        "starts_at": starts_at or timezone.now() - H,
        "place": "社区党群服务中心",
    }
    values.update(overrides)
    return services.schedule_meeting(actor=people.village_op, values=values)


def test_schedule_and_its_checks(people):
    tree = make_tree()
    meeting = schedule(
        people,
        tree.branch_a,
        starts_at="2026-07-01 09:00",
        ends_at="2026-07-01T11:00",
        is_online="1",
        online_link="https://meet.example.cn/abc",
    )
    assert meeting.region_path == GRID_A and meeting.state == c.MeetingState.PLANNED
    assert meeting.is_online and meeting.online_link.startswith("https://")
    assert meeting.created_by == people.village_op and timezone.is_aware(meeting.starts_at)
    before = Meeting.objects.count()
    with pytest.raises(ValidationError) as info:
        schedule(
            people,
            tree.branch_a,
            kind="group_meeting",
            title="",
            starts_at="昨天",
            place="",
        )
    assert {"kind", "title", "starts_at", "place"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        schedule(
            people,
            tree.group_a,
            kind="group_meeting",
            starts_at="2026-07-01 09:00",
            ends_at="2026-07-01 08:00",
            is_online=True,
            online_link="meet.example.cn",
        )
    assert {"ends_at", "online_link"} <= set(info.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.schedule_meeting(
            actor=people.leader,
            values={"organisation": tree.branch_a.pk, "kind": "other", "title": "x"},
        )
    other = staff("village_operator", region=Region.objects.get(path=OTHER_VILLAGE))
    with pytest.raises(ValidationError) as info:
        services.schedule_meeting(
            actor=other,
            values={
                "organisation": tree.branch_a.pk,
                "kind": "other",
                "title": "x",
                "starts_at": "2026-07-01 09:00",
                "place": "x",
            },
        )
    assert "organisation" in info.value.message_dict
    assert Meeting.objects.count() == before
    # A group may hold a 党小组会.
    assert schedule(people, tree.group_a, kind="group_meeting").kind == "group_meeting"


def test_update_and_cancel(people):
    tree = make_tree()
    meeting = schedule(people, tree.branch_a, starts_at=timezone.now() + 24 * H)
    updated = services.update_meeting(
        actor=people.village_op,
        meeting_id=meeting.pk,
        values={"title": "党课：新时代"},
        expected_version=1,
    )
    assert updated.title == "党课：新时代" and updated.version == 2
    with pytest.raises(PartyConflict):
        services.update_meeting(
            actor=people.village_op,
            meeting_id=meeting.pk,
            values={"title": "旧"},
            expected_version=1,
        )
    with pytest.raises(ValidationError) as info:
        services.update_meeting(
            actor=people.village_op,
            meeting_id=meeting.pk,
            values={"organisation": tree.branch_b.pk, "title": ""},
        )
    assert {"organisation", "title"} <= set(info.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(actor=people.leader, meeting_id=meeting.pk, reason="x")
    other = staff("village_operator", region=Region.objects.get(path=OTHER_VILLAGE))
    with pytest.raises(Http404):
        services.cancel_meeting(actor=other, meeting_id=meeting.pk, reason="x")
    with pytest.raises(ValidationError):
        services.cancel_meeting(actor=people.village_op, meeting_id=meeting.pk, reason="")
    cancelled = services.cancel_meeting(
        actor=people.village_op, meeting_id=meeting.pk, reason="防汛值守"
    )
    assert cancelled.state == c.MeetingState.CANCELLED
    with pytest.raises(PartyConflict):
        services.cancel_meeting(actor=people.village_op, meeting_id=meeting.pk, reason="x")
    with pytest.raises(PartyConflict):
        services.update_meeting(actor=people.village_op, meeting_id=meeting.pk, values={})


def test_record_attendance_marks_held(people):
    tree = make_tree()
    a, b, outsider = (
        make_member(tree.branch_a),
        make_member(tree.branch_a),
        make_member(tree.branch_b),
    )
    meeting = schedule(people, tree.branch_a)
    before = Attendance.objects.count()
    with pytest.raises(ValidationError) as info:
        services.record_attendance(
            actor=people.village_op,
            meeting_id=meeting.pk,
            entries={a.pk: "present", outsider.pk: "present", "x": "leave"},
        )
    assert "entries" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.record_attendance(
            actor=people.village_op, meeting_id=meeting.pk, entries={a.pk: "sleeping"}
        )
    with pytest.raises(PermissionDenied):
        services.record_attendance(actor=people.leader, meeting_id=meeting.pk, entries={})
    assert Attendance.objects.count() == before
    held = services.record_attendance(
        actor=people.village_op,
        meeting_id=meeting.pk,
        entries={str(a.pk): "present", b.pk: "请假"},
        minutes="学习了党章第一章。",
    )
    assert held.state == c.MeetingState.HELD and held.minutes == "学习了党章第一章。"
    kinds = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "kind"))
    assert kinds == {a.pk: "present", b.pk: "leave"}
    assert Attendance.objects.get(meeting=meeting, member=a).region_path == GRID_A
    # A held meeting cannot be cancelled; a future one cannot be recorded.
    with pytest.raises(PartyConflict):
        services.cancel_meeting(actor=people.village_op, meeting_id=meeting.pk, reason="x")
    future = schedule(people, tree.branch_a, starts_at=timezone.now() + 24 * H)
    with pytest.raises(PartyConflict):
        services.record_attendance(
            actor=people.village_op, meeting_id=future.pk, entries={a.pk: "present"}
        )


def test_sign_in_window_and_remote(people):
    tree = make_tree()
    member = make_member(tree.branch_a)
    start = timezone.now().replace(microsecond=0) + 24 * H
    meeting = schedule(people, tree.branch_a, starts_at=start, ends_at=start + 2 * H)
    with pytest.raises(PartyConflict):
        services.sign_in(member=member, meeting_id=meeting.pk, at=start - dt.timedelta(minutes=31))
    with pytest.raises(PartyConflict):
        services.sign_in(member=member, meeting_id=meeting.pk, at=start + 2 * H + H / 60)
    with pytest.raises(ValidationError) as info:
        services.sign_in(member=member, meeting_id=meeting.pk, remote=True, at=start)
    assert "remote" in info.value.message_dict
    assert not Attendance.objects.filter(meeting=meeting).exists()
    row = services.sign_in(
        member=member, meeting_id=meeting.pk, at=start - dt.timedelta(minutes=30)
    )
    assert row.kind == c.AttendanceKind.PRESENT and row.signed_at == start - dt.timedelta(
        minutes=30
    )
    with pytest.raises(PartyConflict):
        services.sign_in(member=member, meeting_id=meeting.pk, at=start)
    # Not their organisation's meeting: not found.
    stranger = make_member(tree.branch_b)
    with pytest.raises(Http404):
        services.sign_in(member=stranger, meeting_id=meeting.pk, at=start)


def test_remote_sign_in_to_an_online_meeting_without_end(people):
    tree = make_tree()
    member = make_member(
        tree.branch_a, member_fields={"is_mobile": True, "mobile_location": "广东省深圳市"}
    )
    start = timezone.now().replace(microsecond=0) + 24 * H
    meeting = schedule(
        people,
        tree.branch_a,
        starts_at=start,
        is_online=True,
        online_link="https://meet.example.cn/x",
    )
    # Recorded as on leave beforehand; signing in remotely within start + 4 h replaces it.
    Attendance.objects.create(
        meeting=meeting, member=member, region_path=meeting.region_path, kind="leave"
    )
    with pytest.raises(PartyConflict):
        services.sign_in(member=member, meeting_id=meeting.pk, remote=True, at=start + 4 * H + H)
    row = services.sign_in(member=member, meeting_id=meeting.pk, remote=True, at=start + 4 * H)
    assert row.kind == c.AttendanceKind.REMOTE
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    services.cancel_meeting(actor=people.village_op, meeting_id=meeting.pk, reason="改期")
    other = make_member(tree.branch_a)
    with pytest.raises(PartyConflict):
        services.sign_in(member=other, meeting_id=meeting.pk, at=start)
