"""Training (培训): courses, sessions and the attendance sheet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts.roles import Role
from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.models import Course, TrainingAttendance, TrainingSession
from gridgov.ops.tests.factories import GRID_A, make_worker, region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = "220283"
TOWNSHIP = GRID_A[:9]
VILLAGE = GRID_A[:12]
OTHER_VILLAGE = "220283002001"
START = dt.datetime(2026, 4, 10, 9, 0, tzinfo=TZ)


def course(actor, **kwargs):
    values = {"region": region(COUNTY), "name": "网格员业务培训", "topic": "事件上报与自处置"}
    values.update(kwargs)
    return services.create_course(actor=actor, **values)


def session(actor, the_course, **kwargs):
    values = {
        "course": the_course,
        "region": region(TOWNSHIP),
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=3),
        "place": "北城街道综治中心",
        "trainer": "王老师",
    }
    values.update(kwargs)
    return services.create_session(actor=actor, **values)


def test_course_and_its_checks(people):
    created = course(people.county_op, hours=Decimal("3.5"))
    assert created.region_path == COUNTY and created.hours == Decimal("3.5") and created.is_active
    before = Course.objects.count()
    with pytest.raises(ValidationError) as info:
        course(people.county_op, name="", hours=Decimal("0.25"))
    assert set(info.value.message_dict) == {"name", "hours"}
    with pytest.raises(ValidationError) as info:
        course(people.county_op, region=region(GRID_A))
    assert "region" in info.value.message_dict
    with pytest.raises(Http404):
        course(people.village_op)  # the county is above the village operator's view
    with pytest.raises(PermissionDenied):
        course(people.leader)
    assert Course.objects.count() == before


def test_session_and_its_checks(people):
    county_course = course(people.county_op)
    held = session(people.township_op, county_course)
    assert held.region_path == TOWNSHIP and held.created_by == people.township_op
    before = TrainingSession.objects.count()
    with pytest.raises(ValidationError) as info:
        session(people.township_op, county_course, ends_at=START, place="很" * 201)
    assert set(info.value.message_dict) == {"ends_at", "place"}
    village_course = course(people.village_op, region=region(VILLAGE))
    with pytest.raises(ValidationError) as info:
        session(people.township_op, village_course)  # above the course's own region
    assert "region" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        session(people.township_op, county_course, starts_at=dt.datetime(2026, 4, 10, 9, 0))
    assert "starts_at" in info.value.message_dict
    outsider = staff(Role.VILLAGE_OPERATOR, region=region(OTHER_VILLAGE))
    with pytest.raises(Http404):
        session(outsider, county_course)
    assert TrainingSession.objects.count() == before


def test_record_training_upserts(people):
    held = session(people.township_op, course(people.county_op))
    worker = make_worker()
    row = services.record_training(
        actor=people.township_op,
        session=held,
        worker=worker,
        status="present",
        passed=True,
        score=92,
    )
    assert (row.status, row.passed, row.score, row.region_path) == ("present", True, 92, TOWNSHIP)
    again = services.record_training(
        actor=people.township_op, session=held, worker=worker, status=c.AttendanceStatus.ABSENT
    )
    assert again.pk == row.pk and (again.status, again.passed, again.score) == (
        "absent",
        None,
        None,
    )
    assert TrainingAttendance.objects.filter(session=held).count() == 1


def test_record_training_checks(people):
    held = session(people.township_op, course(people.county_op))
    worker = make_worker()
    for kwargs, fields in [
        ({"status": "absent", "passed": True}, {"passed"}),
        ({"status": "leave", "score": 80}, {"score"}),
        ({"status": "present", "score": 101}, {"score"}),
        ({"status": "late"}, {"status"}),
    ]:
        with pytest.raises(ValidationError) as info:
            services.record_training(
                actor=people.township_op, session=held, worker=worker, **kwargs
            )
        assert set(info.value.message_dict) == fields
    far = make_worker(grid_path=OTHER_VILLAGE + "001", manager_path=OTHER_VILLAGE)
    with pytest.raises(ValidationError) as info:
        services.record_training(actor=people.county_op, session=held, worker=far, status="present")
    assert "worker" in info.value.message_dict  # not under the township holding the session
    with pytest.raises(PermissionDenied):
        services.record_training(actor=people.leader, session=held, worker=worker, status="present")
    assert not TrainingAttendance.objects.exists()
