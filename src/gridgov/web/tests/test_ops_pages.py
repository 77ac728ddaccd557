"""The workbench pages of field work (/work/ops/…): every page renders for the roles that see
it (a leader without forms, a grid worker with their own data only), 404 outside the
jurisdiction, forms with bad input show Chinese messages on the fields and store nothing,
good input is stored, the ranking shows a grid worker only their own row, and no clear phone
number appears in any page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role
from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, point_in, region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

VILLAGE = GRID_A[:12]
TOWNSHIP = GRID_A[:9]
OTHER_TOWNSHIP = "220283002"
PHONE = "13912345678"


def as_user(client: Any, user: User | str) -> Any:
    if isinstance(user, str):
        user = User.objects.get(username=user)
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def field_errors(response: Any) -> list[str]:
    return re.findall(r'<div class="field-error" role="alert">([^<]*)</div>', body(response))


class Data:
    """Two workers of the demo village: 张网格 (the demo grid_worker's account, GRID_A, with a
    phone) and 李网格 (GRID_B), a check-in, an anomaly, a patrol with a track, a plan, a course
    with a session, a leave request and a duty shift."""

    def __init__(self) -> None:
        county = User.objects.get(username="county_op")
        self.today = timezone.localdate()
        self.a = make_worker(
            grid_path=GRID_A, user=User.objects.get(username="grid_worker"), name="张网格"
        )
        Worker.objects.filter(pk=self.a.pk).update(phone_masked="139****5678")
        self.a.refresh_from_db()
        self.b = make_worker(grid_path=GRID_B, name="李网格")
        lng, lat = point_in(GRID_A)
        now = timezone.now()
        grid_a = region(GRID_A)
        self.checkin = CheckIn.objects.create(
            worker=self.a,
            grid=grid_a,
            region_path=GRID_A,
            kind=c.CheckInKind.ON,
            at=now,
            day=self.today,
            lng=lng,
            lat=lat,
            accepted=True,
        )
        self.anomaly = CheckIn.objects.create(
            worker=self.b,
            grid=region(GRID_B),
            region_path=GRID_B,
            kind=c.CheckInKind.ON,
            at=now,
            day=self.today,
            lng=lng + 0.05,
            lat=lat,
            accepted=False,
            reason=c.RefuseReason.OUTSIDE,
            distance_m=1234,
        )
        self.patrol = Patrol.objects.create(
            worker=self.a,
            grid=grid_a,
            region_path=GRID_A,
            state=c.PatrolState.STOPPED,
            started_at=now - dt.timedelta(hours=1),
            stopped_at=now,
            day=self.today,
            distance_m=1520,
            duration_s=3600,
            point_count=3,
            dropped_count=1,
        )
        for seq in range(3):
            PatrolPoint.objects.create(
                patrol=self.patrol,
                seq=seq,
                at=now - dt.timedelta(minutes=60 - seq * 20),
                lng=lng + seq * 0.001,
                lat=lat,
            )
        self.plan = PatrolPlan.objects.create(
            grid=grid_a,
            region_path=GRID_A,
            times=2,
            period=c.PlanPeriod.WEEK,
            starts_on=self.today - dt.timedelta(days=60),
        )
        township = region(TOWNSHIP)
        self.course = Course.objects.create(
            name="网格员岗前培训", region=township, region_path=TOWNSHIP
        )
        self.session = TrainingSession.objects.create(
            course=self.course,
            region=region(VILLAGE),
            region_path=VILLAGE,
            starts_at=now - dt.timedelta(days=1),
            ends_at=now - dt.timedelta(days=1) + dt.timedelta(hours=2),
            place="镇政府会议室",
            created_by=county,
        )
        self.leave = Leave.objects.create(
            worker=self.b,
            region_path=self.b.region_path,
            kind=c.LeaveKind.SICK,
            starts_on=self.today + dt.timedelta(days=3),
            ends_on=self.today + dt.timedelta(days=4),
            reason="感冒",
        )
        self.duty = DutyShift.objects.create(
            worker=self.b,
            region=region(VILLAGE),
            region_path=VILLAGE,
            day=self.today,
        )


@pytest.fixture
def data(db: Any) -> Data:
    return Data()


def pages(d: Data) -> list[str]:
    return [
        "/work/ops/",
        "/work/ops/workers/",
        f"/work/ops/workers/{d.a.pk}/",
        "/work/ops/coverage/",
        "/work/ops/training/",
        f"/work/ops/training/{d.session.pk}/",
        "/work/ops/leave/",
        "/work/ops/duty/",
        "/work/ops/checkins/",
        "/work/ops/checkins/map/",
        "/work/ops/patrols/",
        f"/work/ops/patrols/{d.patrol.pk}/",
        "/work/ops/plans/",
        "/work/ops/assessment/",
        "/work/ops/assessment/?kind=grid",
        f"/work/ops/map/grids.geojson?region={VILLAGE}&layer=coverage",
        f"/work/ops/patrols/{d.patrol.pk}/track.geojson",
    ]


# -- pages and roles -------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["county_op", "village_op"])
def test_every_page_renders_for_operators(client: Any, data: Data, username: str) -> None:
    as_user(client, username)
    for url in pages(data):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    home = body(client.get("/work/ops/"))
    assert "网格力量" in home and "登记网格力量" in home
    roster = body(client.get("/work/ops/workers/"))
    assert "张网格" in roster and "李网格" in roster and "139****5678" in roster
    worker = body(client.get(f"/work/ops/workers/{data.a.pk}/"))
    assert "准入条件" in worker and "分配网格" in worker and "办理离岗" in worker
    assert f'hx-post="/work/ops/workers/{data.a.pk}/assign/"' in worker
    assert "签到率" in worker  # the month's assessment values
    sheet = body(client.get(f"/work/ops/training/{data.session.pk}/"))
    assert f'name="att-{data.a.pk}"' in sheet and f'name="att-{data.b.pk}"' in sheet
    assert "安排培训班次" in body(client.get("/work/ops/training/"))
    assert "批准" in body(client.get("/work/ops/leave/"))
    duty = body(client.get("/work/ops/duty/"))
    assert ">李网格</a>" in duty and "/remove/" in duty and ">张网格</a>" not in duty
    next_month = (data.today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    DutyShift.objects.create(  # the month's last day is on the calendar, even if still to come
        worker=data.a,
        region=region(VILLAGE),
        region_path=VILLAGE,
        day=next_month - dt.timedelta(days=1),
    )
    assert ">张网格</a>" in body(client.get(f"/work/ops/duty/?region={VILLAGE}"))
    anomalies = body(client.get("/work/ops/checkins/?anomalies=on"))
    assert "李网格" in anomalies and "张网格" not in anomalies and "距网格 1234 米" in anomalies
    patrol = body(client.get(f"/work/ops/patrols/{data.patrol.pk}/"))
    assert "1.52" in patrol and "<b>60</b>" in patrol and "ops-map-config" in patrol
    assert "制定巡查计划" in body(client.get("/work/ops/plans/"))
    ranking = body(client.get(f"/work/ops/assessment/?region={VILLAGE}"))
    assert ranking.count("<tr data-key=") == 2 and "指标说明" in ranking
    village = region(VILLAGE)
    if username == "county_op":  # a township: its villages added up, linked
        township = body(client.get(f"/work/ops/coverage/?region={TOWNSHIP}"))
        assert f'<a href="?region={VILLAGE}">{village.name}</a>' in township
    grids = body(client.get(f"/work/ops/coverage/?region={VILLAGE}"))
    assert "张网格" in grids and "李网格" in grids


def test_grid_map_layer_colours_grids_by_coverage(client: Any, data: Data) -> None:
    Assignment.objects.filter(worker=data.b).delete()
    as_user(client, "county_op")
    layer = client.get(f"/work/ops/map/grids.geojson?region={VILLAGE}&layer=coverage").json()
    states = {f["properties"]["path"]: f["properties"]["state"] for f in layer["features"]}
    assert states[GRID_A] == "good" and states[GRID_B] == "bad"
    popup = next(f for f in layer["features"] if f["properties"]["path"] == GRID_A)
    assert ["主责网格员", "张网格"] in popup["properties"]["lines"]
    track = client.get(f"/work/ops/patrols/{data.patrol.pk}/track.geojson").json()
    kinds = [f["properties"]["kind"] for f in track["features"]]
    assert kinds == ["grid", "track"]
    assert len(track["features"][1]["geometry"]["coordinates"]) == 3
    assert client.get(f"/work/ops/map/grids.geojson?region={VILLAGE}&layer=x").status_code == 404


def test_leader_reads_without_forms(client: Any, data: Data) -> None:
    as_user(client, "leader")
    for url in pages(data):
        assert client.get(url).status_code == 200, url
    assert "登记网格力量" not in body(client.get("/work/ops/"))
    worker = body(client.get(f"/work/ops/workers/{data.a.pk}/"))
    assert "张网格" in worker and "/assign/" not in worker and "办理离岗" not in worker
    sheet = body(client.get(f"/work/ops/training/{data.session.pk}/"))
    assert "<select" not in sheet and "张网格" in sheet
    assert "/approve/" not in body(client.get("/work/ops/leave/"))
    assert "/remove/" not in body(client.get("/work/ops/duty/"))
    assert "制定巡查计划" not in body(client.get("/work/ops/plans/"))
    assert client.get("/work/ops/workers/new/").status_code == 403
    today = data.today.isoformat()
    posted = client.post(
        f"/work/ops/workers/{data.a.pk}/assign/", {"grid": GRID_B, "starts_on": today}
    )
    assert posted.status_code == 403
    assert client.post(f"/work/ops/leave/{data.leave.pk}/approve/").status_code == 403
    assert not Leave.objects.filter(approved_at__isnull=False).exists()


def test_grid_worker_sees_own_data_only(client: Any, data: Data) -> None:
    as_user(client, "grid_worker")
    assert client.get(f"/work/ops/workers/{data.a.pk}/").status_code == 200
    assert client.get(f"/work/ops/workers/{data.b.pk}/").status_code == 404
    roster = body(client.get("/work/ops/workers/"))
    assert "张网格" in roster and "李网格" not in roster
    checkins = body(client.get("/work/ops/checkins/"))
    assert "张网格" in checkins and "李网格" not in checkins
    assert client.get(f"/work/ops/patrols/{data.patrol.pk}/").status_code == 200
    assert client.get(f"/work/ops/workers/{data.a.pk}/edit/").status_code == 403
    assert "/assign/" not in body(client.get(f"/work/ops/workers/{data.a.pk}/"))
    assert client.get(f"/work/ops/?region={VILLAGE}").status_code == 404
    assert "李网格" not in body(client.get("/work/ops/leave/"))


def test_ranking_shows_a_grid_worker_only_their_own_row(client: Any, data: Data) -> None:
    as_user(client, "grid_worker")
    page = body(client.get("/work/ops/assessment/"))
    rows = re.findall(r'<tr data-key="(\d+)">', page)
    assert rows == [str(data.a.pk)]
    assert "李网格" not in page and "共 2 人" in page
    grid_tab = body(client.get(f"/work/ops/assessment/?kind=grid&region={VILLAGE}"))
    assert re.findall(r'<tr data-key="(\d+)">', grid_tab) == [str(data.a.pk)]
    # a grid worker of the same grid without a roster entry sees no one
    as_user(client, staff(Role.GRID_WORKER, region=region(GRID_A)))
    nobody = body(client.get(f"/work/ops/assessment/?region={GRID_A}"))
    assert "<tr data-key=" not in nobody and "您不在网格力量名册中" in nobody
    as_user(client, "county_op")
    everyone = body(client.get(f"/work/ops/assessment/?region={VILLAGE}"))
    assert sorted(re.findall(r'<tr data-key="(\d+)">', everyone)) == sorted(
        [str(data.a.pk), str(data.b.pk)]
    )
    grids = body(client.get(f"/work/ops/assessment/?region={VILLAGE}&kind=grid"))
    assert f'<tr data-key="{GRID_A}">' in grids and f'<tr data-key="{GRID_B}">' in grids


def test_other_township_gets_404(client: Any, data: Data) -> None:
    outsider = staff(Role.TOWNSHIP_OPERATOR, region=region(OTHER_TOWNSHIP))
    as_user(client, outsider)
    for url in (
        f"/work/ops/workers/{data.a.pk}/",
        f"/work/ops/patrols/{data.patrol.pk}/",
        f"/work/ops/patrols/{data.patrol.pk}/track.geojson",
        f"/work/ops/training/{data.session.pk}/",
        f"/work/ops/?region={TOWNSHIP}",
        f"/work/ops/coverage/?region={TOWNSHIP}",
        f"/work/ops/workers/?region={TOWNSHIP}",
        f"/work/ops/map/grids.geojson?region={TOWNSHIP}&layer=checkins",
        f"/work/ops/assessment/?region={VILLAGE}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/work/ops/").status_code == 200
    assert "张网格" not in body(client.get("/work/ops/workers/"))
    posted = client.post(f"/work/ops/workers/{data.a.pk}/end/", {"left_on": "2026-01-01"})
    assert posted.status_code == 404


# -- forms: bad input ------------------------------------------------------------------------


def test_bad_input_shows_chinese_field_errors_and_stores_nothing(client: Any, data: Data) -> None:
    as_user(client, "village_op")
    before = Worker.objects.count()
    response = client.post(
        "/work/ops/workers/new/",
        {"name": "", "gender": "male", "kind": "full_time", "region": VILLAGE, "hired_on": "昨天"},
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert "请填写此项" in errors and "请填写正确的日期" in errors
    assert Worker.objects.count() == before
    # the service's own check: a phone that is not a phone
    response = client.post(
        "/work/ops/workers/new/",
        {
            "name": "王五",
            "gender": "male",
            "kind": "full_time",
            "region": VILLAGE,
            "hired_on": "2026-01-05",
            "phone": "12ab",
        },
    )
    assert response.status_code == 200 and field_errors(response)
    assert all(re.search(r"[\u4e00-\u9fff]", e) for e in field_errors(response))
    assert Worker.objects.count() == before
    # assign: no grid, htmx gets the form back alone
    response = client.post(
        f"/work/ops/workers/{data.a.pk}/assign/",
        {"grid": "", "starts_on": "2026-13-01"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and body(response).startswith("<form")
    assert "请填写此项" in field_errors(response) and "请填写正确的日期" in field_errors(response)
    assert Assignment.objects.filter(worker=data.a).count() == 1
    # end the worker without a reason
    response = client.post(f"/work/ops/workers/{data.a.pk}/end/", {"left_on": "2026-01-01"})
    assert response.status_code == 200 and "请填写此项" in field_errors(response)
    data.a.refresh_from_db()
    assert data.a.state == c.WorkerState.ACTIVE
    # a plan asking for zero patrols
    response = client.post(
        f"/work/ops/plans/?region={VILLAGE}",
        {"grid": GRID_B, "times": "0", "period": "week", "starts_on": data.today.isoformat()},
    )
    assert response.status_code == 200 and "不能小于 1" in field_errors(response)
    assert PatrolPlan.objects.count() == 1
    # a training sheet with a score above 100: no row stored
    response = client.post(
        f"/work/ops/training/{data.session.pk}/",
        {
            f"att-{data.a.pk}": "present",
            f"pass-{data.a.pk}": "1",
            f"att-{data.b.pk}": "present",
            f"score-{data.b.pk}": "101",
        },
    )
    assert response.status_code == 200 and "成绩应为 0 到 100 的整数" in body(response)
    assert TrainingAttendance.objects.count() == 0
    # leave ending before it starts (the service's check)
    response = client.post(
        "/work/ops/leave/",
        {
            "worker": str(data.a.pk),
            "kind": "annual",
            "starts_on": "2026-12-20",
            "ends_on": "2026-12-10",
        },
    )
    assert response.status_code == 200 and field_errors(response)
    assert Leave.objects.count() == 1
    # duty without a day
    response = client.post(
        f"/work/ops/duty/?region={VILLAGE}", {"worker": str(data.a.pk), "region": VILLAGE}
    )
    assert response.status_code == 200 and "请填写此项" in field_errors(response)
    assert DutyShift.objects.count() == 1


# -- forms: good input -----------------------------------------------------------------------


def test_roster_forms_store(client: Any, data: Data) -> None:
    as_user(client, "village_op")
    response = client.post(
        "/work/ops/workers/new/",
        {
            "name": "王五",
            "gender": "male",
            "kind": "part_time",
            "region": VILLAGE,
            "hired_on": "2026-01-05",
            "birth_date": "1988-03-02",
            "phone": PHONE,
            "education": "bachelor",
            "political_status": "masses",
            "background_checked": "on",
        },
    )
    worker = Worker.objects.get(name="王五")
    assert response.status_code == 302 and response["Location"] == f"/work/ops/workers/{worker.pk}/"
    assert worker.kind == "part_time" and worker.region_path == VILLAGE
    assert worker.phone_masked and PHONE not in worker.phone_masked
    page = body(client.get(f"/work/ops/workers/{worker.pk}/"))
    assert worker.phone_masked in page and PHONE not in page
    assert page.count("✗ 不符合") == 1  # only the training requirement is not met
    # edit (the version the form read)
    response = client.post(
        f"/work/ops/workers/{worker.pk}/edit/",
        {
            "name": "王五一",
            "gender": "male",
            "kind": "part_time",
            "region": VILLAGE,
            "hired_on": "2026-01-05",
            "birth_date": "1988-03-02",
            "education": "bachelor",
            "political_status": "masses",
            "background_checked": "on",
            "version": str(worker.version),
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.name == "王五一" and worker.phone_masked  # phone kept
    # the work account: by login name, only an active one of the manager's own area
    from gridgov.accounts.services import create_staff_user

    create_staff_user(username="wangwu", full_name="王五一", password=None, actor=None)
    edit = {
        "name": "王五一",
        "gender": "male",
        "kind": "part_time",
        "region": VILLAGE,
        "hired_on": "2026-01-05",
        "birth_date": "1988-03-02",
    }
    for account, message in (
        ("nobody", "没有此登录名的有效账号"),
        ("county_op", "该账号的岗位不在您的管理范围内，不能关联"),
    ):
        worker.refresh_from_db()
        response = client.post(
            f"/work/ops/workers/{worker.pk}/edit/",
            {**edit, "account": account, "version": str(worker.version)},
        )
        assert response.status_code == 200 and message in body(response), account
        worker.refresh_from_db()
        assert worker.user is None
    response = client.post(
        f"/work/ops/workers/{worker.pk}/edit/",
        {**edit, "account": "wangwu", "version": str(worker.version)},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.user is not None and worker.user.username == "wangwu"
    assert 'value="wangwu"' in body(client.get(f"/work/ops/workers/{worker.pk}/edit/"))
    # assign by htmx: HX-Redirect to the worker's page
    today = timezone.localdate()
    response = client.post(
        f"/work/ops/workers/{worker.pk}/assign/",
        {"grid": GRID_B, "starts_on": today.isoformat(), "is_main": "on", "reason": "新聘"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/work/ops/workers/{worker.pk}/"
    assignment = Assignment.objects.get(worker=worker)
    assert assignment.grid.path == GRID_B and assignment.is_main and assignment.ends_on is None
    # end the assignment, then the worker
    response = client.post(
        f"/work/ops/workers/{worker.pk}/assignments/end/",
        {"assignment": str(assignment.pk), "ends_on": today.isoformat(), "reason": "调整"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on == today
    response = client.post(
        f"/work/ops/workers/{worker.pk}/end/", {"left_on": today.isoformat(), "reason": "辞职"}
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.state == c.WorkerState.LEFT and worker.left_on == today


def test_training_leave_duty_plan_forms_store(client: Any, data: Data) -> None:
    as_user(client, "township_op")
    response = client.post(
        "/work/ops/training/courses/new/",
        {"name": "矛盾纠纷排查", "topic": "排查方法", "hours": "3.5", "region": TOWNSHIP},
    )
    assert response.status_code == 302
    course = Course.objects.get(name="矛盾纠纷排查")
    assert str(course.hours) == "3.5" and course.region_path == TOWNSHIP
    response = client.post(
        "/work/ops/training/sessions/new/",
        {
            "course": str(course.pk),
            "region": VILLAGE,
            "starts_at": "2026-11-20T09:00",
            "ends_at": "2026-11-20T11:00",
            "place": "村委会",
        },
    )
    session = TrainingSession.objects.get(course=course)
    assert (
        response.status_code == 302 and response["Location"] == f"/work/ops/training/{session.pk}/"
    )
    assert timezone.localtime(session.starts_at).hour == 9 and session.region_path == VILLAGE
    response = client.post(
        f"/work/ops/training/{session.pk}/",
        {
            f"att-{data.a.pk}": "present",
            f"pass-{data.a.pk}": "1",
            f"score-{data.a.pk}": "92",
            f"att-{data.b.pk}": "absent",
        },
    )
    assert response.status_code == 302
    sheet = {t.worker_id: t for t in TrainingAttendance.objects.filter(session=session)}
    assert sheet[data.a.pk].status == "present" and sheet[data.a.pk].passed is True
    assert sheet[data.a.pk].score == 92 and sheet[data.b.pk].status == "absent"
    # leave: request, approve, cancel
    response = client.post(
        "/work/ops/leave/",
        {
            "worker": str(data.a.pk),
            "kind": "personal",
            "starts_on": "2026-12-21",
            "ends_on": "2026-12-22",
        },
    )
    assert response.status_code == 302
    leave = Leave.objects.get(worker=data.a)
    assert client.post(f"/work/ops/leave/{leave.pk}/approve/").status_code == 302
    leave.refresh_from_db()
    assert leave.approved_at is not None
    assert client.post(f"/work/ops/leave/{data.leave.pk}/cancel/").status_code == 302
    data.leave.refresh_from_db()
    assert data.leave.cancelled
    # duty: add, remove
    day = data.today + dt.timedelta(days=1)
    response = client.post(
        f"/work/ops/duty/?region={VILLAGE}",
        {"worker": str(data.a.pk), "region": GRID_A, "day": day.isoformat(), "note": "周末值班"},
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get(worker=data.a)
    assert shift.day == day and shift.region_path == GRID_A
    assert client.post(f"/work/ops/duty/{shift.pk}/remove/").status_code == 302
    assert not DutyShift.objects.filter(pk=shift.pk).exists()
    # a plan for GRID_B, then ending GRID_A's
    response = client.post(
        f"/work/ops/plans/?region={VILLAGE}",
        {
            "grid": GRID_B,
            "times": "3",
            "period": "week",
            "starts_on": data.today.isoformat(),
            "min_minutes": "40",
            "min_distance_m": "800",
        },
    )
    assert response.status_code == 302
    plan = PatrolPlan.objects.get(grid__path=GRID_B)
    assert (plan.times, plan.period, plan.min_minutes, plan.min_distance_m) == (3, "week", 40, 800)
    response = client.post(
        f"/work/ops/plans/{data.plan.pk}/end/", {"ends_on": data.today.isoformat()}
    )
    assert response.status_code == 302
    data.plan.refresh_from_db()
    assert data.plan.ends_on == data.today


def test_no_clear_phone_in_any_page(client: Any, data: Data) -> None:
    county = User.objects.get(username="county_op")
    worker = services.create_worker(
        actor=county,
        region=region(VILLAGE),
        name="赵六",
        gender="female",
        kind="full_time",
        hired_on=dt.date(2026, 1, 5),
        phone=PHONE,
    )
    services.assign(actor=county, worker=worker, grid=region(GRID_B), starts_on=dt.date(2026, 1, 5))
    as_user(client, county)
    urls = [*pages(data), f"/work/ops/workers/{worker.pk}/", f"/work/ops/workers/{worker.pk}/edit/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert PHONE not in body(response) and PHONE[-8:] not in body(response), url
    assert worker.phone_masked in body(client.get("/work/ops/workers/"))
