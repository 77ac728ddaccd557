"""The metrics API: figures, breakdowns, rankings; roles, jurisdiction and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from gridgov.accounts.models import Department
from gridgov.cases.models import Case
from gridgov.cases.selectors import CaseFilter
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import T0, VILLAGE
from gridgov.cases.workflow import Action
from gridgov.metrics import figures
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
COUNTY = "220283"


@pytest.fixture
def month_of_cases(report, people):
    op, worker = people.village_op, people.grid_worker
    done = report()
    for action, payload in (
        (Action.ACCEPT, {}),
        (Action.DISPATCH, {"lead": {"kind": "user", "ref": str(worker.pk)}}),
    ):
        act(case=done, user=op, action=action, payload=payload, at=T0 + H)
    act(case=done, user=worker, action=Action.SIGN, payload={}, at=T0 + 2 * H)
    act(case=done, user=worker, action=Action.HANDLE, payload={"result": "修好了"}, at=T0 + 3 * H)
    act(case=done, user=op, action=Action.VERIFY_PASS, payload={}, at=T0 + 4 * H)
    waiting = report(at=T0 + 5 * H)
    department = Department.objects.get(short_name="城管局")
    act(case=waiting, user=op, action=Action.ACCEPT, payload={}, at=T0 + 6 * H)
    act(
        case=waiting,
        user=op,
        action=Action.DISPATCH,
        at=T0 + 6 * H,
        payload={"lead": {"kind": "department", "ref": str(department.pk)}},
    )
    return done


def get(client, url, user):
    return client.get(url, **bearer(user))


def test_region_figures_match_the_engine_and_link_to_their_cases(client, month_of_cases):
    response = get(client, f"/api/v1/metrics/regions/{COUNTY}/figures?period=2026-11", "county_op")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {
        "key": "2026-11",
        "label": "2026年11月",
        "start": "2026-11-01",
        "end": "2026-11-30",
    }
    assert body["previous_period"]["key"] == "2026-10"
    by_key = {f["key"]: f for f in body["figures"]}
    expected = figures.compute(figures.Scope(region=COUNTY), figures.Span.month(2026, 11))
    for value in expected:
        assert by_key[value.figure.key]["text"] == value.text
    assert by_key["received"]["numerator"] == 2
    assert by_key["close_rate"]["text"] == "50.00%" and by_key["close_rate"]["value"] == "50.00"
    assert by_key["satisfaction_rate"]["text"] == "—"
    assert by_key["satisfaction_rate"]["value"] is None
    url = by_key["close_rate"]["numerator_url"]
    listed = CaseFilter.from_query(QueryDict(url.split("?", 1)[1])).apply(Case.objects.all())
    assert list(listed) == [month_of_cases]


def test_jurisdiction_and_roles(client, month_of_cases):
    url = "/api/v1/metrics/regions/{}/figures?period=2026-11"
    assert get(client, url.format(VILLAGE), "village_op").status_code == 200
    outside = get(client, url.format(COUNTY), "village_op")
    assert outside.status_code == 404 and api_error(outside)["code"] == "not_found"
    # department staff see the county's territory but not its totals: their department only
    assert get(client, url.format(COUNTY), "dept_handler").status_code == 404
    own = Department.objects.get(short_name="城管局")
    other = Department.objects.exclude(pk=own.pk).first()
    mine = get(
        client, f"/api/v1/metrics/departments/{own.pk}/figures?period=2026-11", "dept_handler"
    )
    assert mine.status_code == 200
    assert {f["key"]: f["numerator"] for f in mine.json()["figures"]}["received"] == 1
    assert (
        get(client, f"/api/v1/metrics/departments/{other.pk}/figures", "dept_handler").status_code
        == 404
    )
    assert (
        get(client, f"/api/v1/metrics/departments/{other.pk}/figures", "county_op").status_code
        == 200
    )
    assert client.get(url.format(COUNTY)).status_code == 401


def test_bad_input_is_a_field_error(client, month_of_cases):
    base = f"/api/v1/metrics/regions/{COUNTY}"
    for query in (
        "period=2026-13",
        "period=last-month",
        "period=2026-11-30..2026-11-01",
        "period=2001-01-01..2026-11-01",  # longer than three years
        "period=1999",
    ):
        response = get(client, f"{base}/figures?{query}", "county_op")
        assert response.status_code == 400
        assert "period" in api_error(response)["fields"]
    response = get(client, f"{base}/figures?board=NOPE&item=NOPE", "county_op")
    assert response.status_code == 400 and set(api_error(response)["fields"]) == {"board", "item"}
    response = get(client, f"{base}/rankings?kind=planet", "county_op")
    assert response.status_code == 422 and "kind" in api_error(response)["fields"]
    assert get(client, "/api/v1/metrics/regions/99/figures", "county_op").status_code == 404


def test_breakdowns_and_rankings(client, month_of_cases):
    base = "/api/v1/metrics/regions/220283001"
    rows = get(client, f"{base}/breakdown?by=child&period=2026-11", "county_op").json()["rows"]
    assert len(rows) > 1 and rows[0]["key"] == VILLAGE  # every village, even without cases
    assert {f["key"]: f["numerator"] for f in rows[0]["figures"]}["received"] == 2
    months = get(client, f"{base}/breakdown?by=month&period=2026", "county_op").json()["rows"]
    assert [r["key"] for r in months] == ["2026-11"] and months[0]["label"] == "2026年11月"
    grids = get(
        client, f"/api/v1/metrics/regions/{VILLAGE}/breakdown?by=child&period=2026-11", "village_op"
    ).json()["rows"]
    assert sum({f["key"]: f["numerator"] for f in r["figures"]}["received"] for r in grids) == 2
    ranking = get(client, f"{base}/rankings?kind=village&period=2026-11", "county_op").json()
    assert ranking["rows"][0]["key"] == VILLAGE and ranking["rows"][0]["rank"] == 1
    # (办结率 50 × 30 + 按期 100 × 30 + (100 − 返工率 0) × 20) / 80; no ratings: 满意率 left out
    assert ranking["rows"][0]["score"] == "81.25"
    assert ranking["rows"][1]["rank"] is None and ranking["rows"][1]["score"] is None
    assert ranking["weights"] == {
        "close_rate": "30",
        "on_time_rate": "30",
        "rework_rate": "20",
        "satisfaction_rate": "20",
    }
