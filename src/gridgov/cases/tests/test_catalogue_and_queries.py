from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from gridgov.cases import selectors
from gridgov.cases.catalogue import load_default_catalogue
from gridgov.cases.catalogue_data import ITEMS
from gridgov.cases.models import Case, Item
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import T0, VILLAGE
from gridgov.cases.workflow import Action, Status
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def test_default_catalogue_loads_with_departments_and_versions():
    assert Item.objects.count() == len(ITEMS) >= 60  # loaded with the demo county
    report = load_default_catalogue(county=Region.objects.get(path="220283"))
    assert report.items_created == 0 and report.items_kept == len(ITEMS)
    assert report.unmatched_departments == ()
    boards = set(Item.objects.values_list("board__name", flat=True))
    assert {
        "民生事项",
        "信访诉求",
        "社会治安",
        "矛盾纠纷",
        "公共卫生",
        "营商环境",
        "城市管理",
        "安全隐患",
    } <= boards
    assert all(item.version == 1 and item.versions.count() == 1 for item in Item.objects.all())
    with_department = Item.objects.exclude(department=None).count()
    assert with_department == sum(1 for spec in ITEMS if spec.department)


def test_editing_limits_publishes_a_version_and_cases_keep_theirs(report, item, client):
    old = report()
    assert old.item_version.number == 1
    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    url = reverse("admin:cases_item_change", args=[item.pk])
    form = {
        "code": item.code,
        "name": item.name,
        "board": item.board_id,
        "level": "village",
        "department": item.department_id,
        "difficulty": "simple",
        "description": "",
        "weight": 1,
        "is_active": "on",
        "sign_amount": 2,
        "sign_unit": "working_hours",
        "handle_amount": 3,
        "handle_unit": "working_days",
        "verify_amount": 1,
        "verify_unit": "working_days",
        "versions-TOTAL_FORMS": 1,
        "versions-INITIAL_FORMS": 1,
        "versions-MIN_NUM_FORMS": 0,
        "versions-MAX_NUM_FORMS": 1000,
        "versions-0-id": item.versions.get().pk,
        "versions-0-item": item.pk,
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.version == 2
    new = report(at=T0 + H)
    assert new.item_version.number == 2 and new.item_version.handle_amount == 3
    old.refresh_from_db()
    assert old.item_version.number == 1
    # The old case's handle limit is still 5 working days once it reaches that step.
    act(
        case=old,
        user=(u := get_user_model().objects.get(username="village_op")),
        action=Action.ACCEPT,
        at=T0,
    )
    worker = get_user_model().objects.get(username="grid_worker")
    act(
        case=old,
        user=u,
        action=Action.DISPATCH,
        at=T0,
        payload={"lead": {"kind": "user", "ref": str(worker.pk)}},
    )
    act(case=old, user=worker, action=Action.SIGN, at=T0)
    old.refresh_from_db()
    assert old.due_at == dt.datetime(2026, 11, 9, 9, 0, tzinfo=T0.tzinfo)


def test_work_queues_by_role(report, people):
    case = report()
    assert case in selectors.work_queue(people.village_op)
    assert case not in selectors.work_queue(people.grid_worker)
    act(case=case, user=people.village_op, action=Action.ACCEPT, at=T0)
    act(
        case=case,
        user=people.village_op,
        action=Action.DISPATCH,
        at=T0,
        payload={"lead": {"kind": "user", "ref": str(people.grid_worker.pk)}},
    )
    assert case in selectors.work_queue(people.grid_worker)
    assert case not in selectors.work_queue(people.village_op)
    act(case=case, user=people.grid_worker, action=Action.SIGN, at=T0)
    act(case=case, user=people.grid_worker, action=Action.HANDLE, at=T0, payload={"result": "好了"})
    assert case in selectors.work_queue(people.village_op)  # to verify
    act(case=case, user=people.village_op, action=Action.VERIFY_PASS, at=T0)
    assert case in selectors.work_queue(people.village_op)  # to call back
    void = report()
    act(
        case=void,
        user=people.village_op,
        action=Action.REQUEST_VOID,
        payload={"reason": "重复"},
        at=T0,
    )
    assert void in selectors.work_queue(people.township_op)  # approval from above


def test_filters_make_the_list(report, people, township_item):
    a = report(at=T0)
    b = report(at=T0 + 24 * H, item_=township_item, channel="hotline")
    visible = selectors.visible_cases(people.county_op).filter(pk__in=[a.pk, b.pk])
    f = selectors.CaseFilter
    assert set(f(channel=["hotline"]).apply(visible)) == {b}
    assert set(f(item="T-002").apply(visible)) == {b}
    assert set(f(board="TST").apply(visible)) == {a, b}
    assert set(f(level="township").apply(visible)) == {b}
    assert set(f(region=VILLAGE).apply(visible)) == {a, b}
    assert set(f(region="220283002").apply(visible)) == set()
    assert set(f(created_from=dt.date(2026, 11, 3)).apply(visible)) == {b}
    assert set(f(created_to=dt.date(2026, 11, 2)).apply(visible)) == {a}
    assert set(f(q=a.number).apply(visible)) == {a}
    assert set(f(status=["submitted"]).apply(visible)) == {a, b}
    # Lights: a's accept step is due at 11:00 on 2 Nov; at 10:40 it is yellow, at 12:00 red.
    assert set(f(light="yellow").apply(visible, now=T0 + 1.7 * H)) == {a}
    assert set(f(light="red").apply(visible, now=T0 + 3 * H)) == {a}
    assert set(f(light="green").apply(visible, now=T0 + 0.5 * H)) == {a, b}  # b: not yet due
    for case in (a, b):
        for now in (T0, T0 + 1.7 * H, T0 + 30 * H):
            light = selectors.light_of(case, now)
            assert set(f(light=light).apply(visible.filter(pk=case.pk), now=now)) == {case}


def test_grid_worker_sees_only_cases_of_their_grid(report, people):
    mine = report()
    other = report(path="220283001001002", user=people.village_op)
    visible = selectors.visible_cases(people.grid_worker)
    assert mine in visible and other not in visible
    assert selectors.get_case(people.grid_worker, other.number) is None
    assert selectors.timeline(people.grid_worker, other) == []
    assert [e.action for e in selectors.timeline(people.grid_worker, mine)] == ["submit"]


def test_commands(report, capsys):
    case = report()
    call_command("sweep", now=(T0 + 3 * H).isoformat())
    assert "超期 1 件" in capsys.readouterr().out
    call_command("verify_timelines")
    assert "全部与记录一致" in capsys.readouterr().out
    call_command("load_catalogue", county="220283")
    assert "保留已有" in capsys.readouterr().out
    case.refresh_from_db()
    assert case.overdue_step == case.step_no


def test_demo_year_generator_makes_replayable_cases():
    from gridgov.cases.replay import differences
    from gridgov.demo.cases import generate_year_of_cases

    county = Region.objects.get(path="220283")
    made = generate_year_of_cases(county=county, count=400, days=60, log=lambda *_: None, now=T0)
    assert made == 400
    cases = Case.objects.filter(region_path__startswith="220283").select_related(
        "centre", "lead_centre", "master", "item_version"
    )
    assert cases.count() == 400
    assert len(set(cases.values_list("number", flat=True))) == 400
    statuses = set(cases.values_list("status", flat=True))
    assert {Status.ARCHIVED, Status.IN_PROGRESS} <= statuses
    for case in cases:
        assert differences(case) == [], case.number
    assert generate_year_of_cases(county=county, count=10, log=lambda *_: None) == 0


def test_filter_round_trips_through_the_url():
    from django.http import QueryDict

    f = selectors.CaseFilter(
        status=("submitted", "accepted"),
        light="red",
        board="CG",
        region="220283001",
        created_from=dt.date(2026, 1, 1),
        closed_to=dt.date(2026, 12, 31),
        handled_on_time=True,
        accepted=False,
        department=12,
        rating=("satisfied",),
    )
    again = selectors.CaseFilter.from_query(QueryDict(f.to_query()))
    assert again == f
    junk = selectors.CaseFilter.from_query(
        QueryDict("region=abc&created_from=yesterday&accepted=maybe&department=x")
    )
    assert junk == selectors.CaseFilter()
