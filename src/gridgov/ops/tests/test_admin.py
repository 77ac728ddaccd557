"""The field-work back office: every list and page loads in Chinese, the records the services
keep are read-only, courses and plans are added through the services, and no clear phone
number is ever shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.ops import choices as c
from gridgov.ops.models import (
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
)
from gridgov.ops.tests.factories import GRID_A, make_worker, point_in, region
from gridgov.registry.values import protect_phone

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
READ_ONLY = (
    "worker",
    "assignment",
    "trainingsession",
    "trainingattendance",
    "leave",
    "dutyshift",
    "checkin",
    "patrol",
    "patrolpoint",
)
MODELS = (*READ_ONLY, "course", "patrolplan")


@pytest.fixture
def data() -> dict[str, object]:
    """One of every record, on the demo grid."""
    worker = make_worker(name="张秀英")
    protected = protect_phone(PHONE)
    worker.phone_cipher = protected.cipher
    worker.phone_masked = protected.masked
    worker.phone_hash = protected.hash
    worker.save()
    grid = region(GRID_A)
    county = region("220283")
    now = timezone.now()
    today = timezone.localdate()
    course = Course.objects.create(
        name="矛盾纠纷排查化解", hours=Decimal("3.0"), region=county, region_path=county.path
    )
    session = TrainingSession.objects.create(
        course=course,
        region=county,
        region_path=county.path,
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=3, hours=-3),
        place="舒兰市综治中心培训室",
    )
    attendance = TrainingAttendance.objects.create(
        session=session, worker=worker, region_path=county.path, passed=True, score=90
    )
    leave = Leave.objects.create(
        worker=worker,
        region_path=worker.region_path,
        kind=c.LeaveKind.SICK,
        starts_on=today,
        ends_on=today,
    )
    duty = DutyShift.objects.create(
        worker=worker, region=grid, region_path=grid.path, day=today + dt.timedelta(days=5)
    )
    lng, lat = point_in(GRID_A)
    checkin = CheckIn.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        kind=c.CheckInKind.ON,
        at=now,
        day=today,
        lng=lng,
        lat=lat,
        accepted=True,
        distance_m=0.0,
    )
    patrol = Patrol.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        started_at=now,
        day=today,
        distance_m=1234.5,
        duration_s=1800,
        point_count=1,
    )
    point = PatrolPoint.objects.create(patrol=patrol, seq=0, at=now, lng=lng, lat=lat)
    plan = PatrolPlan.objects.create(
        grid=grid, region_path=grid.path, starts_on=today - dt.timedelta(days=30)
    )
    return {
        "worker": worker,
        "assignment": worker.assignments.get(),
        "course": course,
        "trainingsession": session,
        "trainingattendance": attendance,
        "leave": leave,
        "dutyshift": duty,
        "checkin": checkin,
        "patrol": patrol,
        "patrolpoint": point,
        "patrolplan": plan,
    }


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="admin"))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_page_loads_in_chinese_without_a_clear_phone(admin_client, data, model):
    listing = admin_client.get(reverse(f"admin:ops_{model}_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "网格力量" in text and PHONE not in text
    obj = data[model]
    page = admin_client.get(reverse(f"admin:ops_{model}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert PHONE not in page.content.decode()


def test_the_roster_shows_the_masked_phone_and_does_not_search_the_clear_one(admin_client, data):
    url = reverse("admin:ops_worker_changelist")
    text = admin_client.get(url).content.decode()
    assert "139****5678" in text and "张秀英" in text
    assert "张秀英" not in admin_client.get(url + f"?q={PHONE}").content.decode()
    assert "张秀英" in admin_client.get(url + "?q=张秀英").content.decode()


@pytest.mark.parametrize("model", READ_ONLY)
def test_records_are_read_only(admin_client, data, model):
    obj = data[model]
    url = reverse(f"admin:ops_{model}_change", args=[obj.pk])
    assert 'name="_save"' not in admin_client.get(url).content.decode()
    assert admin_client.post(url, {}).status_code == 403
    delete = reverse(f"admin:ops_{model}_delete", args=[obj.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse(f"admin:ops_{model}_add")).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_course_is_added_through_the_service(admin_client, data):
    url = reverse("admin:ops_course_add")
    county = region("220283")
    bad = admin_client.post(url, {"region": county.pk, "name": "消防安全", "hours": "0.2"})
    assert bad.status_code == 200 and "学时应在" in bad.content.decode()
    assert not Course.objects.filter(name="消防安全").exists()
    village = region(GRID_A[:12])
    response = admin_client.post(
        url, {"region": village.pk, "name": "消防安全", "topic": "出租房屋", "hours": "2.5"}
    )
    assert response.status_code == 302
    course = Course.objects.get(name="消防安全")
    assert course.region_path == village.path and course.hours == Decimal("2.5")
    change = reverse("admin:ops_course_change", args=[course.pk])
    assert admin_client.post(change, {"name": "改名"}).status_code == 403


def test_a_plan_is_added_through_the_service_and_ends_the_current_one(admin_client, data):
    old = data["patrolplan"]
    assert isinstance(old, PatrolPlan)
    starts = timezone.localdate() + dt.timedelta(days=1)
    response = admin_client.post(
        reverse("admin:ops_patrolplan_add"),
        {
            "grid": region(GRID_A).pk,
            "times": 3,
            "period": c.PlanPeriod.WEEK,
            "min_minutes": 40,
            "min_distance_m": 800,
            "starts_on": starts.isoformat(),
            "note": "",
        },
    )
    assert response.status_code == 302
    new = PatrolPlan.objects.get(ends_on__isnull=True)
    assert (new.times, new.period, new.region_path) == (3, "week", GRID_A)
    old.refresh_from_db()
    assert old.ends_on == starts - dt.timedelta(days=1)
    village = region(GRID_A[:12])
    refused = admin_client.post(
        reverse("admin:ops_patrolplan_add"),
        {
            "grid": village.pk,
            "times": 1,
            "period": c.PlanPeriod.WORKING_DAY,
            "min_minutes": 30,
            "min_distance_m": 500,
            "starts_on": starts.isoformat(),
        },
    )
    assert refused.status_code == 200 and "不是网格" in refused.content.decode()
    assert PatrolPlan.objects.count() == 2
