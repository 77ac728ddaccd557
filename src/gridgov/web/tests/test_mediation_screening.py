"""The screening pages (/work/mediation/screening/…): the campaigns and a new one (operators
of a county or township; bad input stores nothing), a campaign's summary and per-grid table,
the map's GeoJSON giving each grid its state (零报告 / 有纠纷 / 未报 / 待报), and the report
form of a grid worker (nil, or the disputes found in the grid; once per grid); 403 for a wrong
role, 404 outside the jurisdiction."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import GRID_A, GRID_B, TOWNSHIP
from gridgov.mediation import services
from gridgov.mediation.models import Campaign, ScreeningReport
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

VILLAGE = GRID_A[:12]
OTHER_GRID = "220283002001001"


def body(response: Any) -> str:
    return str(response.content.decode())


def field_errors(response: Any) -> dict[str, list[str]]:
    """The messages under each field of the page's forms (by the field's name)."""
    found: dict[str, list[str]] = {}
    for chunk in re.split(r'<div class="field(?=[" ])', body(response))[1:]:
        if not chunk.startswith(" has-error"):
            continue
        name = re.search(r'for="id_([a-z]+(?:_[a-z]+)*)', chunk)
        messages = re.findall(r'<div class="field-error" role="alert">([^<]*)</div>', chunk)
        found[name.group(1) if name else "?"] = messages
    return found


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def campaign(people, *, path=VILLAGE, due_in=3, title="十二月矛盾纠纷排查"):
    today = timezone.localdate()
    return services.create_campaign(
        actor=people.county_op,
        region=region(path),
        title=title,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=min(due_in, 0)),
        due_on=today + dt.timedelta(days=due_in),
    )


def grid_dispute(report, people, path=GRID_B):
    case = report(
        item_=Item.objects.get(code="JF-001"),
        title="邻里漏水纠纷",
        path=path,
        user=people.village_op,
    )
    return services.register_dispute(
        actor=people.village_op, case=case, parties=[{"role": "applicant", "name": "孙立"}]
    )


# -- campaigns -------------------------------------------------------------------------------


def test_campaigns_list_and_create(client, people):
    existing = campaign(people)
    client.force_login(people.township_op)
    page = client.get(reverse("mediation-screening"))
    assert page.status_code == 200
    assert existing.title in body(page) and reverse("mediation-screening-new") in body(page)
    today = timezone.localdate()
    response = client.post(
        reverse("mediation-screening-new"),
        {
            "region": TOWNSHIP,
            "title": "元旦前矛盾纠纷大排查",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=7)).isoformat(),
            "due_on": "",
        },
    )
    assert response.status_code == 302
    made = Campaign.objects.get(title="元旦前矛盾纠纷大排查")
    assert made.region.path == TOWNSHIP and made.due_on == today + dt.timedelta(days=7)
    assert response["Location"] == reverse("mediation-screening-campaign", args=[made.pk])


def test_create_bad_input_stores_nothing(client, people):
    client.force_login(people.township_op)
    today = timezone.localdate()
    count = Campaign.objects.count()
    response = client.post(
        reverse("mediation-screening-new"),
        {
            "region": TOWNSHIP,
            "title": "",
            "starts_on": today.isoformat(),
            "ends_on": (today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors.get("title") and errors.get("ends_on")
    response = client.post(
        reverse("mediation-screening-new"),
        {
            "region": "220283002",  # another township: not one the user may organise in
            "title": "越权排查",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        },
    )
    assert field_errors(response).get("region")
    assert Campaign.objects.count() == count


def test_create_needs_an_organiser(client, people):
    client.force_login(people.grid_worker)
    assert reverse("mediation-screening-new") not in body(
        client.get(reverse("mediation-screening"))
    )
    today = timezone.localdate().isoformat()
    data = {"region": TOWNSHIP, "title": "网格员发起", "starts_on": today, "ends_on": today}
    assert client.post(reverse("mediation-screening-new"), data).status_code == 403
    client.force_login(people.leader)
    assert client.post(reverse("mediation-screening-new"), data).status_code == 403
    assert not Campaign.objects.filter(title="网格员发起").exists()


# -- a campaign, its map ---------------------------------------------------------------------


def test_campaign_page_and_map_give_each_grid_its_state(client, people, report):
    open_one = campaign(people)
    late_one = campaign(people, due_in=-1, title="十一月排查")
    dispute = grid_dispute(report, people)
    services.report_screening(
        actor=people.grid_worker, campaign=open_one, grid=region(GRID_A), nil=True
    )
    services.report_screening(
        actor=people.village_op,
        campaign=open_one,
        grid=region(GRID_B),
        nil=False,
        disputes=[dispute],
    )
    client.force_login(people.county_op)
    page = client.get(reverse("mediation-screening-campaign", args=[open_one.pk]))
    assert page.status_code == 200
    text = body(page)
    assert f'data-grid="{GRID_A}" data-state="nil"' in text
    assert f'data-grid="{GRID_B}" data-state="found"' in text
    grids = Region.objects.filter(path__startswith=VILLAGE, level="grid", is_active=True)
    features = client.get(reverse("mediation-screening-map", args=[open_one.pk])).json()["features"]
    states = {f["properties"]["path"]: f["properties"]["screening"] for f in features}
    with_outline = {g.path for g in grids if g.geometry}
    assert set(states) == with_outline and len(with_outline) > 2
    assert states[GRID_A] == "nil" and states[GRID_B] == "found"
    assert {states[p] for p in with_outline - {GRID_A, GRID_B}} == {"pending"}
    colours = {f["properties"]["path"]: f["properties"]["state"] for f in features}
    assert colours[GRID_A] == "good" and colours[GRID_B] == "warn"
    late = client.get(reverse("mediation-screening-map", args=[late_one.pk])).json()["features"]
    assert {f["properties"]["screening"] for f in late} == {"missing"}
    assert {f["properties"]["state"] for f in late} == {"bad"}


def test_campaign_outside_is_404(client, people):
    mine = campaign(people)
    client.force_login(staff(Role.GRID_WORKER, region=region(OTHER_GRID)))
    assert client.get(reverse("mediation-screening-campaign", args=[mine.pk])).status_code == 404
    assert client.get(reverse("mediation-screening-map", args=[mine.pk])).status_code == 404
    response = client.post(
        reverse("mediation-screening-report", args=[mine.pk]), {"grid": GRID_A, "nil": "1"}
    )
    assert response.status_code == 404
    assert not ScreeningReport.objects.exists()


# -- reports ---------------------------------------------------------------------------------


def test_grid_worker_reports_nil_once(client, people):
    c = campaign(people)
    client.force_login(people.grid_worker)
    page = body(client.get(reverse("mediation-screening-campaign", args=[c.pk])))
    assert reverse("mediation-screening-report", args=[c.pk]) in page
    url = reverse("mediation-screening-report", args=[c.pk])
    assert client.post(url, {"grid": GRID_A, "nil": "1", "note": "走访 30 户"}).status_code == 302
    report = ScreeningReport.objects.get(campaign=c)
    assert report.grid.path == GRID_A and report.nil and report.note == "走访 30 户"
    again = client.post(url, {"grid": GRID_A, "nil": "1"})
    assert again.status_code == 409
    assert ScreeningReport.objects.filter(campaign=c).count() == 1
    # the grid reported: no form any more
    page = body(client.get(reverse("mediation-screening-campaign", args=[c.pk])))
    assert 'id="report"' not in page


def test_report_with_the_disputes_found(client, people, report):
    c = campaign(people)
    mine = grid_dispute(report, people, path=GRID_A)
    other = grid_dispute(report, people, path=GRID_B)
    client.force_login(people.grid_worker)
    url = reverse("mediation-screening-report", args=[c.pk])
    # found without a dispute; a dispute of another grid; a nil report listing one
    for data in (
        {"grid": GRID_A, "nil": "0"},
        {"grid": GRID_A, "nil": "0", "disputes": [str(other.pk)]},
        {"grid": GRID_A, "nil": "1", "disputes": [str(mine.pk)]},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert field_errors(response).get("disputes"), data
    assert not ScreeningReport.objects.exists()
    assert (
        client.post(url, {"grid": GRID_A, "nil": "0", "disputes": [str(mine.pk)]}).status_code
        == 302
    )
    saved = ScreeningReport.objects.get(campaign=c)
    assert not saved.nil and list(saved.disputes.all()) == [mine]


def test_report_needs_the_right_role(client, people):
    c = campaign(people)
    client.force_login(people.leader)
    page = body(client.get(reverse("mediation-screening-campaign", args=[c.pk])))
    assert 'id="report"' not in page
    url = reverse("mediation-screening-report", args=[c.pk])
    assert client.post(url, {"grid": GRID_A, "nil": "1"}).status_code == 403
    assert not ScreeningReport.objects.exists()


def test_grid_worker_sees_their_grid_of_a_township_campaign(client, people):
    c = campaign(people, path=TOWNSHIP)
    client.force_login(people.grid_worker)
    features = client.get(reverse("mediation-screening-map", args=[c.pk])).json()["features"]
    assert [f["properties"]["path"] for f in features] == [GRID_A]
    assert features[0]["properties"]["screening"] == "pending"
    client.force_login(people.county_op)
    features = client.get(reverse("mediation-screening-map", args=[c.pk])).json()["features"]
    assert len(features) > 10
    page = body(client.get(reverse("mediation-screening-campaign", args=[c.pk])))
    assert f'data-child="{VILLAGE}"' in page  # the township's villages added up
