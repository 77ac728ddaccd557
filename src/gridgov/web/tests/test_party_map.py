"""The party map (党建地图, /work/party/map/): the page for each kind of post, the layer's GeoJSON
through the jurisdiction function (a grid worker sees their grid only; filters by kind and
level; a region outside the territory is 404) and the side panel's figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.party import choices as c
from gridgov.party.models import ServiceCentre
from gridgov.party.tests.factories import (
    COMMUNITY,
    GRID_A,
    GRID_B,
    Tree,
    make_member,
    make_tree,
    region,
)
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
LAYER = "party-map-layer"


@pytest.fixture
def tree() -> Tree:
    tree = make_tree()
    make_member(tree.branch_a, name="赵书记", phone="13900000001", seat="secretary")
    make_member(tree.branch_a, name="钱党员", phone="13900000002")
    make_member(
        tree.branch_b,
        name="孙党员",
        phone="13900000003",
        status=c.MemberStatus.PROBATIONARY,
    )
    type(tree.branch_a).objects.filter(pk=tree.branch_a.pk).update(stars=4)
    community = region(COMMUNITY)
    ServiceCentre.objects.create(
        name="第一社区党群服务中心",
        level=c.CentreLevel.VILLAGE,
        region=community,
        region_path=community.path,
        organisation=tree.community,
        address="滨河路 8 号",
    )
    return tree


def layer(client, user, **params):
    client.force_login(user)
    return client.get(reverse(LAYER), params)


def names(response) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {f["properties"]["name"] for f in response.json()["features"]}


@pytest.mark.parametrize("username", ["leader", "village_op", "grid_worker"])
def test_the_map_page_renders_for_each_post(client, people, tree, username):
    client.force_login(getattr(people, username))
    response = client.get(reverse("party-map"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "党建地图" in page and 'id="map"' in page and "party_map.js" in page
    assert "leaflet.js" in page and "https://" not in page.split("<main>")[1]
    config = response.context["config"]
    root = {"leader": "220283", "village_op": COMMUNITY, "grid_worker": GRID_A}[username]
    assert config["region"] == root
    assert config["boundaries"] == reverse("region-children-geojson", args=[root])
    # Every kind has a filter box, and service centres too.
    for label in ("党委", "党工委", "党总支", "党支部", "党小组", "党群服务中心"):
        assert f"{label}</label>" in page


def test_the_side_panel_sums_the_region(client, people, tree):
    client.force_login(people.village_op)
    response = client.get(reverse("party-map"))
    summary = response.context["summary"]
    grids = Region.objects.filter(level="grid", is_active=True, parent__path=COMMUNITY).count()
    assert summary["coverage"].grids == grids and summary["coverage"].covered == 2
    assert summary["coverage_pct"] == round(200 / grids, 1)
    kinds = {row["kind"]: row["count"] for row in summary["kinds"]}
    # The community committee, two grid branches and one building group (not the county's).
    assert kinds == {
        "committee": 1,
        "working_committee": 0,
        "general_branch": 0,
        "branch": 2,
        "group": 1,
    }
    assert summary["members"]["total"] == 3 and summary["members"]["probationary"] == 1
    stars = {row["stars"]: row["count"] for row in summary["stars"]}
    assert stars[4] == 1 and stars[0] == 3
    page = response.content.decode()
    assert f"{summary['coverage_pct']}%" in page and "★★★★" in page


def test_a_grid_worker_sees_only_their_grid(client, people, tree):
    response = layer(client, people.grid_worker)
    assert names(response) == {"第一网格党支部", "楼栋党小组"}
    branch = next(f for f in response.json()["features"] if f["properties"]["kind"] == "branch")
    props = branch["properties"]
    assert props["type"] == "organisation" and props["secretary"] == "赵书记"
    assert props["members"] == 2 and props["stars"] == 4 and props["level"] == "grid"
    lng, lat = branch["geometry"]["coordinates"]
    grid = region(GRID_A)
    assert (lng, lat) == (grid.label_lng, grid.label_lat)
    # Nothing about the members but the secretary's name.
    assert "钱党员" not in response.content.decode()


def test_the_county_sees_the_whole_tree_and_the_centres(client, people, tree):
    response = layer(client, people.county_op, region="220283")
    assert names(response) == {o.name for o in tree.all} | {"第一社区党群服务中心"}
    summary = response.json()["summary"]
    assert summary["organisations"] == 6 and summary["members"] == 3 and summary["centres"] == 1
    centre = next(f for f in response.json()["features"] if f["properties"]["type"] == "centre")
    assert centre["properties"]["address"] == "滨河路 8 号"


def test_filters_by_kind_and_level(client, people, tree):
    user = people.county_op
    assert names(layer(client, user, kind="branch")) == {"第一网格党支部", "第二网格党支部"}
    assert names(layer(client, user, kind=["committee", "group"])) == {
        "中共舒兰市委员会",
        "社区党委",
        "楼栋党小组",
    }
    assert names(layer(client, user, level="building")) == {"楼栋党小组"}
    assert names(layer(client, user, kind="centre")) == {"第一社区党群服务中心"}
    assert names(layer(client, user, kind=["centre", "branch"], level="village")) == {
        "第一社区党群服务中心"
    }
    # A region below the root narrows the layer; unknown filter values are ignored.
    assert names(layer(client, user, region=GRID_B, kind="nonsense")) == {"第二网格党支部"}


def test_a_region_outside_the_territory_is_404(client, people, tree):
    assert layer(client, people.grid_worker, region=GRID_B).status_code == 404
    assert layer(client, people.grid_worker, region="220283002").status_code == 404
    assert layer(client, people.grid_worker, region="abc").status_code == 404
    client.force_login(people.grid_worker)
    assert client.get(reverse("party-map"), {"region": GRID_B}).status_code == 404


def test_the_page_drills_down(client, people, tree):
    client.force_login(people.village_op)
    response = client.get(reverse("party-map"), {"region": GRID_A})
    assert response.status_code == 200
    page = response.content.decode()
    assert [r.path for r in response.context["crumbs"]] == [COMMUNITY, GRID_A]
    assert f'?region={COMMUNITY}"' in page  # back up to the community
    children = {r.path for r in response.context["children"]}
    assert tree.building_a.path in children
    # Only levels at and below the grid can be filtered on a grid.
    assert [v for v, _label in response.context["level_choices"]] == ["grid", "building"]


def test_a_county_shows_its_top_three_levels_first(client, people, tree):
    client.force_login(people.leader)
    response = client.get(reverse("party-map"))
    assert response.context["levels"] == ("county", "township", "village")
    page = response.content.decode()
    assert 'value="village" checked' in page and 'value="grid" checked' not in page
    response = client.get(reverse("party-map"), {"level": "grid"})
    assert response.context["levels"] == ("grid",)


def test_anonymous_is_sent_to_log_in(client, tree):
    response = client.get(reverse(LAYER))
    assert response.status_code == 302 and "/login/" in response["Location"]
