"""网格通 · 矛盾纠纷排查 (/m/screening/): a grid worker or grid chief sees the campaigns open for
their grids, reports 零报告 in one tap or the disputes found in the grid, and sees that the grid
has reported and when; another grid is not found, another role is refused, bad input saves
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import GRID_A, GRID_B
from gridgov.mediation import services
from gridgov.mediation.models import ScreeningReport
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
VILLAGE = GRID_A[:12]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def region(path: str) -> Region:
    return Region.objects.get(path=path)


@pytest.fixture
def campaign(people):
    """A village campaign that started yesterday and is due in a week."""
    today = timezone.localdate()
    return services.create_campaign(
        actor=people.village_op,
        region=region(VILLAGE),
        title="本月矛盾纠纷排查",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        due_on=today + dt.timedelta(days=7),
    )


def dispute_in(report, people, path: str, title: str):
    case = report(
        item_=Item.objects.get(code="JF-001"),
        title=title,
        path=path,
        user=people.grid_worker_of(path),
    )
    return services.register_dispute(
        actor=people.village_op, case=case, parties=[{"role": "applicant", "name": "甲"}]
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report_url(campaign, path: str = GRID_A) -> str:
    return reverse("mobile-screening-report", args=[campaign.pk, path])


def test_login_required(client, campaign):
    assert client.get(reverse("mobile-screening")).status_code == 302
    assert client.post(report_url(campaign), {"nil": "1"}).status_code == 302
    assert not ScreeningReport.objects.exists()


def test_nil_report_in_one_tap_and_the_grid_shows_reported(campaign, people):
    client = as_user(people.grid_worker)
    assert reverse("mobile-screening") in client.get(reverse("mobile-home")).content.decode()
    page = client.get(reverse("mobile-screening"))
    assert page.status_code == 200
    rows = page.context["campaigns"][0]["rows"]
    assert [(r["grid"].path, r["state"]) for r in rows] == [(GRID_A, "pending")]  # only mine
    response = client.post(report_url(campaign), {"nil": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("mobile-screening")
    report = ScreeningReport.objects.get()
    assert report.nil and report.grid.path == GRID_A and report.reported_by == people.grid_worker
    assert not report.late
    page = client.get(reverse("mobile-screening"))
    row = page.context["campaigns"][0]["rows"][0]
    assert row["state"] == "nil" and row["report"] == report
    assert timezone.localtime(report.reported_at).strftime("%H:%M") in page.content.decode()


def test_report_the_disputes_found_in_the_grid(campaign, people, report):
    mine = dispute_in(report, people, GRID_A, "楼道堆物邻里纠纷")
    dispute_in(report, people, GRID_B, "隔壁网格的纠纷")
    client = as_user(people.grid_worker)
    page = client.get(report_url(campaign))
    assert page.status_code == 200
    assert [d.pk for d in page.context["disputes"]] == [mine.pk]  # the grid's own only
    response = client.post(report_url(campaign), {"disputes": [str(mine.pk)], "note": "已登记"})
    assert response.status_code == 302
    found = ScreeningReport.objects.get()
    assert not found.nil and list(found.disputes.all()) == [mine] and found.note == "已登记"
    done = client.get(report_url(campaign))
    assert done.context["report"] == found and "已上报排查发现的纠纷" in done.content.decode()


def test_a_grid_chief_reports_for_the_grids_under_their_post(campaign, people):
    client = as_user(people.grid_chief)
    home = client.get(reverse("mobile-home")).content.decode()  # 网格通 is the workers'...
    assert 'id="to-screening"' in home  # ...but a grid chief is led to the screening report
    assert (
        'id="to-screening"'
        not in as_user(people.village_op).get(reverse("mobile-home")).content.decode()
    )
    rows = client.get(reverse("mobile-screening")).context["campaigns"][0]["rows"]
    paths = [r["grid"].path for r in rows]
    assert GRID_A in paths and GRID_B in paths
    assert client.post(report_url(campaign, GRID_B), {"nil": "1"}).status_code == 302
    assert ScreeningReport.objects.get().grid.path == GRID_B


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "disputes", "请登记排查发现的纠纷，没有发现请选择零报告"),
        ({"disputes": ["999999"]}, "disputes", "只能选择本网格登记的纠纷"),
        ({"disputes": "OTHER"}, "disputes", "只能选择本网格登记的纠纷"),
        ({"disputes": "MINE", "note": "多" * 501}, "note", "不能超过 500 个字"),
    ],
)
def test_bad_input_saves_nothing(campaign, people, report, data, field, message):
    mine = dispute_in(report, people, GRID_A, "楼道堆物邻里纠纷")
    other = dispute_in(report, people, GRID_B, "隔壁网格的纠纷")
    swap = {"MINE": [str(mine.pk)], "OTHER": [str(other.pk)]}
    data = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    response = as_user(people.grid_worker).post(report_url(campaign), data)
    assert response.status_code == 400
    assert message in response.context["errors"][field]
    assert not ScreeningReport.objects.exists()


def test_a_second_report_is_a_conflict(campaign, people):
    client = as_user(people.grid_worker)
    assert client.post(report_url(campaign), {"nil": "1"}).status_code == 302
    response = client.post(report_url(campaign), {"nil": "1"})
    assert response.status_code == 409
    assert ScreeningReport.objects.count() == 1


def test_another_grid_is_not_found(campaign, people):
    client = as_user(people.grid_worker)
    assert client.get(report_url(campaign, GRID_B)).status_code == 404
    assert client.post(report_url(campaign, GRID_B), {"nil": "1"}).status_code == 404
    assert not ScreeningReport.objects.exists()


def test_a_campaign_not_covering_the_grid_is_not_found(people):
    today = timezone.localdate()
    elsewhere = services.create_campaign(
        actor=people.county_op,
        region=region("220283002"),
        title="另一乡镇的排查",
        starts_on=today,
        ends_on=today,
    )
    client = as_user(people.grid_worker)
    assert client.get(reverse("mobile-screening")).context["campaigns"] == []
    assert client.post(report_url(elsewhere), {"nil": "1"}).status_code == 404
    assert not ScreeningReport.objects.exists()


def test_other_roles_are_refused(campaign, people):
    for user in (people.village_op, people.dept_handler, people.leader):
        client = as_user(user)
        assert client.get(reverse("mobile-screening")).status_code == 403
        assert client.post(report_url(campaign), {"nil": "1"}).status_code == 403
    assert not ScreeningReport.objects.exists()
