"""Who is expected at a meeting, the same in the attendance sheet, sign-in, the online branch
and the participation figure: a branch's meetings include its groups' members; a 支委会 is for
the seat holders; a 党小组会 for the group."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.metrics.figures import Span
from gridgov.party import choices as c
from gridgov.party import figures as f
from gridgov.party import selectors as s
from gridgov.party import services
from gridgov.party.models import Seat
from gridgov.party.tests.factories import make_member, make_tree
from gridgov.party.tests.test_selectors import isolate_party_rows, local, meeting_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(db: Any) -> None:
    isolate_party_rows()


def names(qs: Any) -> set[str]:
    return {m.person.name for m in qs}


def test_branch_meetings_include_group_members_committee_only_seats(people: Any) -> None:
    tree = make_tree()
    secretary = make_member(tree.branch_a, name="书记甲", seat="secretary")
    plain = make_member(tree.branch_a, name="党员乙")
    grouped = make_member(tree.group_a, name="组员丙")
    other = make_member(tree.branch_b, name="别支部丁")
    day = local(2026, 3, 5, 9)
    general = meeting_of(tree.branch_a, day)
    committee = meeting_of(tree.branch_a, day, kind=c.MeetingKind.COMMITTEE_MEETING)
    group = meeting_of(tree.group_a, day, kind=c.MeetingKind.GROUP_MEETING)
    assert names(s.expected_attendees(general)) == {"书记甲", "党员乙", "组员丙"}
    assert names(s.expected_attendees(committee)) == {"书记甲"}
    assert names(s.expected_attendees(group)) == {"组员丙"}
    # A seat that ended before the meeting does not count.
    Seat.objects.filter(member=secretary).update(ends_on=dt.date(2026, 3, 1))
    assert names(s.expected_attendees(committee)) == set()
    del plain, grouped, other


def test_attendance_sheet_and_figure_agree_on_the_expected(people: Any) -> None:
    tree = make_tree()
    secretary = make_member(tree.branch_a, name="书记甲", seat="secretary")
    plain = make_member(tree.branch_a, name="党员乙")
    grouped = make_member(tree.group_a, name="组员丙")
    other = make_member(tree.branch_b, name="别支部丁")
    day = local(2026, 3, 5, 9)
    general = meeting_of(tree.branch_a, day, state=c.MeetingState.PLANNED)
    committee = meeting_of(
        tree.branch_a, day, kind=c.MeetingKind.COMMITTEE_MEETING, state=c.MeetingState.PLANNED
    )
    actor = people.village_op
    # A member of another branch is not on this meeting's sheet; nothing is written.
    with pytest.raises(ValidationError) as bad:
        services.record_attendance(
            actor=actor, meeting_id=general.pk, entries={other.pk: c.AttendanceKind.PRESENT}
        )
    assert "entries" in bad.value.message_dict
    assert general.attendance.count() == 0
    services.record_attendance(
        actor=actor,
        meeting_id=general.pk,
        entries={secretary.pk: c.AttendanceKind.PRESENT, grouped.pk: c.AttendanceKind.REMOTE},
    )
    services.record_attendance(
        actor=actor, meeting_id=committee.pk, entries={secretary.pk: c.AttendanceKind.PRESENT}
    )
    rows = {r.organisation_id: r for r in f.participation(people.leader, "", Span.month(2026, 3))}
    row = rows[tree.branch_a.pk]
    # General meeting: 3 expected (plain absent, no row); committee: 1 expected, present.
    assert (row.meetings, row.expected, row.present, row.remote, row.absent) == (2, 4, 2, 1, 1)
    del plain


def test_group_member_signs_in_to_the_branch_meeting_and_sees_it(people: Any) -> None:
    tree = make_tree()
    grouped = make_member(tree.group_a, name="组员丙")
    other = make_member(tree.branch_b, name="别支部丁")
    start = timezone.now() + dt.timedelta(minutes=10)
    lecture = meeting_of(
        tree.branch_a,
        start,
        kind=c.MeetingKind.PARTY_LECTURE,
        state=c.MeetingState.PLANNED,
        is_online=True,
    )
    committee = meeting_of(
        tree.branch_a, start, kind=c.MeetingKind.COMMITTEE_MEETING, state=c.MeetingState.PLANNED
    )
    upcoming = list(s.meetings_for_member(grouped))
    assert lecture in upcoming and committee not in upcoming
    assert lecture not in list(s.meetings_for_member(other))
    row = services.sign_in(member=grouped, meeting_id=lecture.pk, remote=True)
    assert row.kind == c.AttendanceKind.REMOTE
    with pytest.raises(Http404):
        services.sign_in(member=other, meeting_id=lecture.pk)
    with pytest.raises(Http404):
        services.sign_in(member=grouped, meeting_id=committee.pk)
