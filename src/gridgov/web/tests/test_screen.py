"""The big screen: pages per role, jurisdiction, figures equal to their lists, the feed, the
map data, the people on duty, and one-click command from the case panel."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.accounts.services import assign_post
from gridgov.cases import figures
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.selectors import CaseFilter, visible_cases
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import GRID_A, GRID_B, TOWNSHIP, VILLAGE
from gridgov.cases.workflow import Action, Status
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
User = get_user_model()
H = dt.timedelta(hours=1)
COUNTY = "220283"
OTHER_TOWNSHIP = "220283002"
ROLES = (
    "admin",
    "county_op",
    "township_op",
    "village_op",
    "grid_chief",
    "grid_worker",
    "dept_handler",
    "supervisor",
    "leader",
)


def as_user(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def listed(user, link: str) -> int:
    """How many cases the workbench list behind ``link`` shows to ``user``."""
    parts = urlsplit(link)
    assert parts.path == figures.case_list_url()
    return CaseFilter.from_query(QueryDict(parts.query)).apply(visible_cases(user)).count()


@pytest.fixture
def cases(report, people, township_item):
    """A handful of cases around now: waiting, overdue, closed and rated, supervised, at a
    township, in another grid."""
    now = timezone.now()
    midnight = dt.datetime.combine(
        timezone.localdate(now), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    recent = min(0.5 * H, (now - midnight) / 2)  # still today, even just after midnight
    waiting = report(at=now - recent, title="路灯不亮")
    overdue = report(at=now - dt.timedelta(days=9), title="井盖缺失")  # red: never accepted
    closed = report(at=now - 3 * H, title="垃圾堆放")
    village_op, worker = people.village_op, people.grid_worker
    act(case=closed, user=village_op, action=Action.ACCEPT)
    act(
        case=closed,
        user=village_op,
        action=Action.DISPATCH,
        payload={"lead": {"kind": "user", "ref": str(worker.pk)}},
    )
    act(case=closed, user=worker, action=Action.SIGN)
    act(case=closed, user=worker, action=Action.HANDLE, payload={"result": "已清运"})
    act(case=closed, user=village_op, action=Action.VERIFY_PASS)
    act(
        case=closed,
        user=village_op,
        action=Action.CALLBACK,
        payload={"reached": True, "rating": "satisfied"},
    )
    supervised = report(at=now - 2 * H, title="占道经营", item_=township_item)
    act(
        case=supervised,
        user=people.supervisor,
        action=Action.SUPERVISE,
        payload={"level": "ordinary", "note": "请尽快处理", "requires_response": True},
    )
    elsewhere = report(at=now - H, title="树木倒伏", path=GRID_B, user=people.village_op)
    for case in (waiting, overdue, closed, supervised, elsewhere):
        case.refresh_from_db()
    return {
        "waiting": waiting,
        "overdue": overdue,
        "closed": closed,
        "supervised": supervised,
        "elsewhere": elsewhere,
    }


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, cases):
    number = cases["waiting"].number
    for url in (
        reverse("screen"),
        reverse("screen-region", args=[COUNTY]),
        reverse("screen-headline", args=[COUNTY]),
        reverse("screen-feed", args=[COUNTY]),
        reverse("screen-map", args=[COUNTY]),
        reverse("screen-points", args=[COUNTY]),
        reverse("screen-duty", args=[VILLAGE]),
        reverse("screen-case", args=[number]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url
    response = client.post(
        reverse("screen-case-command", args=[number]), {"action": "instruct", "note": "x"}
    )
    assert response.status_code == 302
    assert not CaseEvent.objects.filter(action="instruct").exists()


@pytest.mark.parametrize("username", ROLES)
def test_the_screen_renders_for_every_role(client, username):
    as_user(client, username)
    response = client.get(reverse("screen"))
    assert response.status_code == 302
    target = response["Location"]
    response = client.get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert '<meta charset="utf-8">' in body
    assert "指挥中心" in body and "实时动态" in body
    assert 'id="screen-charts"' in body and 'id="screen-config"' in body
    assert "http://" not in body.replace("http://www.w3.org", "")  # nothing from outside
    assert "https://" not in body


def test_each_role_lands_on_its_own_territory(client):
    expected = {
        "leader": COUNTY,
        "county_op": COUNTY,
        "supervisor": COUNTY,
        "township_op": TOWNSHIP,
        "village_op": VILLAGE,
        "grid_chief": VILLAGE,
        "grid_worker": GRID_A,
    }
    for username, path in expected.items():
        location = as_user(client, username).get(reverse("screen"))["Location"]
        assert location == reverse("screen-region", args=[path]), username


def test_outside_jurisdiction_is_404(client, cases):
    as_user(client, "grid_worker")
    for path in (GRID_B, VILLAGE, COUNTY, "999999"):
        assert client.get(reverse("screen-region", args=[path])).status_code == 404
        assert client.get(reverse("screen-feed", args=[path])).status_code == 404
        assert client.get(reverse("screen-map", args=[path])).status_code == 404
        assert client.get(reverse("screen-points", args=[path])).status_code == 404
        assert client.get(reverse("screen-duty", args=[path])).status_code == 404
        assert client.get(reverse("screen-headline", args=[path])).status_code == 404
    as_user(client, "township_op")
    assert client.get(reverse("screen-region", args=[OTHER_TOWNSHIP])).status_code == 404
    assert client.get(reverse("screen-region", args=[TOWNSHIP])).status_code == 200
    # A case outside the territory is as absent as a region.
    as_user(client, "grid_worker")
    number = cases["elsewhere"].number
    assert client.get(reverse("screen-case", args=[number])).status_code == 404
    response = client.post(
        reverse("screen-case-command", args=[number]), {"action": "urge", "note": "快"}
    )
    assert response.status_code == 404


def test_several_roots_offer_a_choice(client):
    user = staff("township_operator", region=Region.objects.get(path=TOWNSHIP))
    assign_post(
        user=user,
        role="township_operator",
        region=Region.objects.get(path=OTHER_TOWNSHIP),
        actor=None,
    )
    client.force_login(user)
    response = client.get(reverse("screen"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("screen-region", args=[TOWNSHIP]) in body
    assert reverse("screen-region", args=[OTHER_TOWNSHIP]) in body


def test_no_territory_is_404(client):
    client.force_login(User.objects.create_user(username="nobody", password="x-Pass-2026"))
    assert client.get(reverse("screen")).status_code == 404


# ---------------------------------------------------------------------------------------------
# Figures: every number equals the list behind its link
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["leader", "township_op", "grid_worker", "dept_handler"])
def test_every_figure_counts_what_its_list_shows(client, cases, username):
    as_user(client, username)
    user = User.objects.get(username=username)
    path = client.get(reverse("screen"))["Location"]
    response = client.get(path)
    body = response.content.decode()
    checked = 0
    for row in response.context["headline"]:
        for value in row["values"]:
            assert listed(user, value.link) == value.count, (row["period"], value.key)
            assert f'href="{value.link.replace("&", "&amp;")}"' in body
            if value.total is not None:
                assert listed(user, value.total_link) == value.total, (row["period"], value.key)
            checked += 1
    assert checked == len(figures.FIGURES) * len(figures.PERIODS)
    charts = response.context["charts"]
    groups = [*charts["board"], *charts["places"], *charts["channel"], *charts["solved"]]
    for point in [*charts["daily"], *charts["monthly"]]:
        groups += [point["received"], point["closed"]]
    for group in groups:
        assert listed(user, group["link"]) == group["value"], group
    # The headline partial agrees with the page.
    partial = client.get(path + "headline/")
    assert partial.status_code == 200
    assert [v.count for r in partial.context["headline"] for v in r["values"]] == [
        v.count for r in response.context["headline"] for v in r["values"]
    ]


def test_the_county_figures_see_the_cases(client, cases):
    as_user(client, "leader")
    response = client.get(reverse("screen-region", args=[COUNTY]))
    today = {v.key: v for v in response.context["headline"][0]["values"]}
    year = {v.key: v for v in response.context["headline"][2]["values"]}
    local = timezone.localdate()
    made = [timezone.localdate(c.created_at) for c in cases.values()]
    assert today["received"].count == sum(day == local for day in made) >= 1
    assert year["received"].count == sum(day.year == local.year for day in made)
    assert today["closed"].count == 1 and today["on_time"].total == 1
    assert today["satisfaction"].total == 1 and today["satisfaction"].rate == 100.0
    assert today["satisfaction"].display == "100.0%"
    # 红灯 counts the year's cases that are red now: the nine-day-old one always is; a case
    # reported two hours ago may be too, depending on the hour (working hours).
    from gridgov.cases.selectors import light_of

    assert light_of(cases["overdue"]) == "red"
    red_this_year = [
        c
        for c in cases.values()
        if light_of(c) == "red" and timezone.localdate(c.created_at).year == local.year
    ]
    assert year["overdue"].count == len(red_this_year)
    assert year["supervised"].count == 1
    charts = response.context["charts"]
    places = {g["key"]: g["value"] for g in charts["places"]}
    assert len(places) == 20 and places[TOWNSHIP] == year["received"].count
    assert sum(p["received"]["value"] for p in charts["daily"]) == 5
    assert sum(p["closed"]["value"] for p in charts["daily"]) == 1
    assert {g["key"]: g["value"] for g in charts["solved"]} == {
        "village": 1,
        "township": 0,
        "county": 0,
    }


def test_period_switch(client, cases):
    as_user(client, "leader")
    url = reverse("screen-region", args=[COUNTY])
    assert client.get(url + "?period=month").context["period"] == "month"
    assert client.get(url + "?period=nonsense").context["period"] == "year"


# ---------------------------------------------------------------------------------------------
# Map, points, people on duty
# ---------------------------------------------------------------------------------------------


def test_map_data_counts_open_and_overdue_per_child(client, cases):
    as_user(client, "township_op")
    user = User.objects.get(username="township_op")
    data = client.get(reverse("screen-map", args=[TOWNSHIP])).json()
    children = [f for f in data["features"] if "open" in f["properties"]]
    assert len(children) == 5  # the five communities of 北城街道
    for feature in children:
        props = feature["properties"]
        assert listed(user, props["openLink"]) == props["open"]
        assert listed(user, props["overdueLink"]) == props["overdue"]
        assert props["drill"] is True
    village = next(f["properties"] for f in children if f["properties"]["path"] == VILLAGE)
    assert village["open"] == 4 and village["overdue"] >= 1
    assert data["region"]["open"] == 4
    assert listed(user, data["region"]["openLink"]) == 4
    assert data["outline"]["type"] in ("Polygon", "MultiPolygon")


def test_points_are_open_cases_coloured_by_light(client, cases):
    as_user(client, "leader")
    data = client.get(reverse("screen-points", args=[COUNTY])).json()
    by_number = {p[3]: p for p in data["points"]}
    assert data["total"] == data["shown"] == 4  # the closed case is not open
    assert cases["closed"].number not in by_number
    assert by_number[cases["overdue"].number][2] == "red"
    assert by_number[cases["waiting"].number][2] in ("green", "yellow")
    lng, lat = by_number[cases["waiting"].number][:2]
    assert 125 < lng < 128 and 43 < lat < 46
    # The cap: at most ``limit`` points, red first, and the total told.
    capped = figures.case_points(
        User.objects.get(username="leader"),
        Region.objects.get(path=COUNTY),
        timezone.now(),
        limit=2,
    )
    assert capped["shown"] == 2 and capped["total"] == 4 and capped["points"][0][2] == "red"


def test_people_on_duty(client):
    as_user(client, "leader")
    village = client.get(reverse("screen-duty", args=[VILLAGE])).content.decode()
    for username in ("village_op", "grid_chief"):
        user = User.objects.get(username=username)
        assert user.full_name in village
    assert reverse("screen-region", args=[VILLAGE]) in village  # drill down
    grid = client.get(reverse("screen-duty", args=[GRID_A])).content.decode()
    assert User.objects.get(username="grid_worker").full_name in grid and "网格员" in grid
    here = client.get(reverse("screen-duty", args=[GRID_A]) + "?here=1").content.decode()
    assert reverse("screen-region", args=[GRID_A]) not in here
    # Only names the viewer may see: a department handler sees the territory, not its people.
    as_user(client, "dept_handler")
    response = client.get(reverse("screen-duty", args=[VILLAGE]))
    assert response.status_code == 200
    assert User.objects.get(username="village_op").full_name not in response.content.decode()
    assert response.context["posts"] == []


# ---------------------------------------------------------------------------------------------
# The live feed
# ---------------------------------------------------------------------------------------------


def test_feed_lists_new_and_overdue_cases(client, cases):
    as_user(client, "leader")
    response = client.get(reverse("screen-feed", args=[COUNTY]))
    assert response.status_code == 200
    newest = [c.number for c in response.context["newest"]]
    assert newest[0] == cases["waiting"].number  # the newest first
    assert cases["overdue"].number in [c.number for c in response.context["overdue"]]
    body = response.content.decode()
    assert reverse("screen-case", args=[cases["overdue"].number]) in body
    user = User.objects.get(username="leader")
    assert listed(user, response.context["today_link"]) == response.context["today_count"]
    assert listed(user, response.context["red_link"]) == response.context["red_count"] >= 1
    # A grid worker's feed holds only their grid.
    as_user(client, "grid_worker")
    response = client.get(reverse("screen-feed", args=[GRID_A]))
    assert cases["elsewhere"].number not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# One-click command
# ---------------------------------------------------------------------------------------------


def command(client, case, **data):
    return client.post(reverse("screen-case-command", args=[case.number]), data)


def snapshot(case):
    case.refresh_from_db()
    return (case.status, case.version, case.supervision, case.events.count())


def test_case_panel_shows_essentials_timeline_and_the_right_forms(client, cases):
    case = cases["supervised"]
    as_user(client, "leader")
    body = client.get(reverse("screen-case", args=[case.number])).content.decode()
    assert case.number in body and case.title in body and "办理过程" in body
    assert 'data-form="instruct"' in body and 'data-form="urge"' in body
    assert 'data-form="supervise"' not in body  # leaders do not supervise
    assert "请尽快处理" in body  # the supervision event in the timeline
    as_user(client, "supervisor")
    body = client.get(reverse("screen-case", args=[case.number])).content.decode()
    assert 'data-form="supervise"' in body
    as_user(client, "grid_worker")
    body = client.get(reverse("screen-case", args=[cases["waiting"].number])).content.decode()
    assert 'data-form="supervise"' not in body


def test_leader_instructs_without_units(client, cases):
    case = cases["waiting"]
    as_user(client, "leader")
    response = command(client, case, action="instruct", note="今日内处置完毕")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "gridgov-case-acted"
    assert "批示已发出" in response.content.decode()
    event = case.events.order_by("-seq").first()
    assert event.action == "instruct" and event.note == "今日内处置完毕"
    assert "to" not in event.payload
    assert event.actor.username == "leader"


def test_leader_instructs_and_calls_units_in(client, cases):
    case = cases["waiting"]
    department = Department.objects.get(short_name="城管局")
    as_user(client, "leader")
    response = command(
        client,
        case,
        action="instruct",
        note="请街道和城管局联合处置",
        to=[f"centre:{TOWNSHIP}", f"department:{department.pk}"],
    )
    assert response.status_code == 200, response.content.decode()
    body = response.content.decode()
    assert "调度：北城街道、" + department.name in body  # the timeline names them
    event = case.events.order_by("-seq").first()
    assert event.payload["to"] == [
        {"kind": "centre", "ref": TOWNSHIP},
        {"kind": "department", "ref": str(department.pk)},
    ]


def test_instruction_errors_are_shown_and_nothing_is_written(client, cases):
    case = cases["waiting"]
    before = snapshot(case)
    as_user(client, "leader")
    response = command(client, case, action="instruct", note="  ")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field-error"' in body and "此项必填" in body
    response = command(client, case, action="instruct", note="处置", to=["nonsense"])
    assert response.status_code == 400 and "调度单位格式不对" in response.content.decode()
    response = command(client, case, action="instruct", note="处置", to=["centre:999999999"])
    assert response.status_code == 400 and "调度单位不存在" in response.content.decode()
    response = command(client, case, action="dispatch", note="处置")
    assert response.status_code == 400
    assert snapshot(case) == before


def test_supervisor_opens_supervision(client, cases):
    case = cases["waiting"]
    as_user(client, "supervisor")
    response = command(
        client, case, action="supervise", level="yellow", note="黄牌督办", requires_response="on"
    )
    assert response.status_code == 200, response.content.decode()
    case.refresh_from_db()
    assert case.supervision == "yellow" and case.supervision_pending
    assert "已启动督办" in response.content.decode()
    other = cases["overdue"]
    response = command(client, other, action="supervise", level="ordinary", note="督办")
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.supervision == "ordinary" and not other.supervision_pending
    # A bad level is a field error.
    before = snapshot(cases["elsewhere"])
    response = command(client, cases["elsewhere"], action="supervise", level="purple", note="x")
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    assert snapshot(cases["elsewhere"]) == before


def test_grid_worker_is_refused_with_the_error_shown(client, cases):
    case = cases["waiting"]
    before = snapshot(case)
    as_user(client, "grid_worker")
    response = command(client, case, action="instruct", note="我来批示")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="error"' in body and "领导" in body
    response = command(client, case, action="supervise", level="red", note="我来督办")
    assert response.status_code == 403 and "督办人员" in response.content.decode()
    assert snapshot(case) == before


def test_urge_and_conflict(client, cases):
    as_user(client, "leader")
    response = command(client, cases["overdue"], action="urge", note="尽快受理")
    assert response.status_code == 200
    assert cases["overdue"].events.order_by("-seq").first().action == "urge"
    closed = cases["closed"]
    assert closed.status == Status.RATED
    before = snapshot(closed)
    body = client.get(reverse("screen-case", args=[closed.number])).content.decode()
    assert 'data-form="instruct"' not in body and "无需指挥" in body
    response = command(client, closed, action="instruct", note="再看看")
    assert response.status_code == 409 and "不能" in response.content.decode()
    assert snapshot(closed) == before


def test_case_numbers_are_not_guessable_from_the_screen(client, cases):
    as_user(client, "leader")
    assert client.get(reverse("screen-case", args=["20990101000001"])).status_code == 404
    assert Case.objects.count() == 5


def test_no_tiles_unless_configured(client, settings):
    as_user(client, "leader")
    url = reverse("screen-region", args=[COUNTY])
    assert client.get(url).context["config"]["tiles"]["url"] == ""
    settings.GRIDGOV_TILE_URL = "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}"
    settings.GRIDGOV_TILE_SUBDOMAINS = "01234567"
    tiles = client.get(url).context["config"]["tiles"]
    assert tiles == {"url": settings.GRIDGOV_TILE_URL, "subdomains": "01234567"}
