"""Party building over the JSON API: the figures (coverage, member structure, sinking, needs,
participation, stars) and the party map layer."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gridgov.party.models import PartyOrganisation
from gridgov.party.tests.factories import COMMUNITY, GRID_A
from gridgov.party.tests.test_api_common import (
    GRID_B_WORKER,
    OTHER_VILLAGE_OP,
    World,
    api_as,
    assert_masked,
    build_world,
    fields_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client):
    return api_as(client)


@pytest.fixture
def world(people) -> World:
    return build_world()


def test_coverage_members_and_stars(as_, world: World):
    api = as_("county_op")
    body = api.get("/figures/coverage", region=COMMUNITY).json()
    grids = body["grids"]
    assert grids >= 2 and body["region"] == COMMUNITY
    # Grid A (branch and group) and grid B (branch) are covered.
    assert body["covered"] == 2 and body["share"] == round(2 / grids, 3)
    assert GRID_A not in {g["path"] for g in body["uncovered"]}
    mine = as_("grid_worker").get("/figures/coverage").json()
    assert (mine["region"], mine["grids"], mine["covered"], mine["share"]) == (GRID_A, 1, 1, 1.0)
    members = api.get("/figures/members", region=GRID_A).json()
    assert (members["total"], members["formal"], members["in_service"]) == (3, 3, 1)
    assert sum(members["gender"].values()) == 3 and sum(members["age"].values()) == 3
    assert set(members["age_labels"]) == set(members["age"])
    PartyOrganisation.objects.filter(pk=world.tree.branch_a.pk).update(stars=4)
    stars = api.get("/figures/stars", region=COMMUNITY).json()["distribution"]
    assert [s["stars"] for s in stars] == [0, 1, 2, 3, 4, 5]
    assert {s["stars"]: s["count"] for s in stars}[4] == 1
    assert sum(s["count"] for s in stars) == 4  # community, two branches, the group
    # Outside the jurisdiction: 404; a bad region: 422.
    assert as_(GRID_B_WORKER).get("/figures/coverage", region=GRID_A).status_code == 404
    assert as_(OTHER_VILLAGE_OP).get("/figures/members", region=COMMUNITY).status_code == 404
    assert api.get("/figures/stars", region="22x").status_code == 422


def test_sinking_needs_and_participation(as_, world: World):
    from gridgov.party import services

    reg = services.register_service(
        actor=world.cadre_user, kind="member", community=COMMUNITY, member_id=world.cadre.pk
    )
    services.assign_registration(actor=_user("village_op"), registration_id=reg.pk, grid=GRID_A)
    today = timezone.localdate()
    services.record_service(
        actor=_user("grid_worker"), registration_id=reg.pk, day=today, hours=2, content="巡查"
    )
    api = as_("county_op")
    rows = api.get("/figures/sinking", region=COMMUNITY).json()["rows"]
    assert [(r["key"], r["assigned"], r["hours"]) for r in rows] == [(GRID_A, 1, "2.0")]
    units = api.get("/figures/sinking", region=COMMUNITY, by="unit").json()["rows"]
    assert [(r["key"], r["registered"]) for r in units] == [(f"unit:{world.unit.pk}", 1)]
    assert api.get("/figures/sinking", by="street").status_code == 422

    services.publish_need(
        actor=_user("grid_worker"),
        values={"kind": "wish", "title": "修理路灯", "region": GRID_A, "slots": 1},
    )
    month = f"{today:%Y-%m}"
    needs = api.get("/figures/needs", region=COMMUNITY, period=month).json()
    assert needs["published"] == 1 and needs["open"] == 1 and needs["rate"] == 0.0
    assert needs["period"]["key"] == month and needs["by_kind"]["wish"]["published"] == 1
    assert api.get("/figures/needs", region=COMMUNITY).json()["published"] == 1  # this month
    for bad in ("2026-13", "last-month", "2001-01-01..2026-11-01", "1999"):
        response = api.get("/figures/needs", region=COMMUNITY, period=bad)
        assert response.status_code == 400 and "period" in fields_of(response), bad

    meeting = services.schedule_meeting(
        actor=_user("village_op"),
        values={
            "organisation": world.tree.branch_a.pk,
            "kind": "theme_day",
            "title": "主题党日",
            "starts_at": timezone.now(),
            "place": "党群服务站",
        },
    )
    services.record_attendance(
        actor=_user("village_op"),
        meeting_id=meeting.pk,
        entries={world.secretary.pk: "present", world.member.pk: "remote"},
    )
    part = api.get("/figures/participation", region=COMMUNITY, period=month).json()
    assert [(r["organisation"], r["meetings"], r["expected"]) for r in part["rows"]] == [
        (world.tree.branch_a.pk, 1, 3)
    ]
    row = part["rows"][0]
    assert (row["present"], row["remote"], row["absent"], row["rate"]) == (1, 1, 1, 0.667)
    only_b = api.get(
        "/figures/participation", period=month, organisation=world.tree.branch_b.pk
    ).json()
    assert only_b["rows"] == []
    response = as_(GRID_B_WORKER).get("/figures/participation", organisation=world.tree.branch_a.pk)
    assert response.status_code == 404
    response = api.get("/figures/participation", period="2026-00")
    assert response.status_code == 400 and "period" in fields_of(response)


def _user(username: str):
    from gridgov.accounts.models import User

    return User.objects.get(username=username)


def test_map_layer(as_, world: World):
    api = as_("county_op")
    layer = api.get("/map.geojson", region=COMMUNITY).json()
    assert layer["type"] == "FeatureCollection"
    orgs = {
        f["properties"]["id"]: f
        for f in layer["features"]
        if f["properties"]["type"] == "organisation"
    }
    assert set(orgs) == {o.pk for o in world.tree.all[2:]}
    branch = orgs[world.tree.branch_a.pk]["properties"]
    assert branch["members"] == 3 and branch["secretary"] == "张书记"
    assert orgs[world.tree.branch_a.pk]["geometry"]["type"] == "Point"
    assert layer["summary"]["covered"] == 2
    branches = api.get("/map.geojson", region=COMMUNITY, kind="branch").json()["features"]
    assert {f["properties"]["id"] for f in branches} == {
        world.tree.branch_a.pk,
        world.tree.branch_b.pk,
    }
    grids = api.get("/map.geojson", region=COMMUNITY, level="grid,building").json()["features"]
    assert len(grids) == 3
    response = api.get("/map.geojson", kind="club")
    assert response.status_code == 400 and "kind" in fields_of(response)
    assert api.get("/map.geojson", level="planet").status_code == 400
    assert api.get("/map.geojson", kind="Branch!").status_code == 422
    mine = as_("grid_worker").get("/map.geojson").json()["features"]
    assert {f["properties"]["id"] for f in mine} == {world.tree.branch_a.pk, world.tree.group_a.pk}
    assert as_(GRID_B_WORKER).get("/map.geojson", region=GRID_A).status_code == 404
    assert_masked(api.get("/map.geojson"), world.clear)
