"""The party map layer: points, properties, summary, jurisdiction and a fixed number of
queries."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.accounts.models import Department
from gridgov.party import choices as c
from gridgov.party.maplayer import party_layer
from gridgov.party.models import PartyOrganisation, ServiceCentre
from gridgov.party.tests.factories import (
    COMMUNITY,
    COUNTY,
    GRID_A,
    GRID_B,
    make_member,
    make_org,
    make_tree,
    region,
)
from gridgov.party.tests.test_selectors import isolate_party_rows, registration
from gridgov.regions.models import Region


@pytest.fixture(autouse=True)
def _isolated(db: Any) -> None:
    isolate_party_rows()


def by_name(layer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {feature["properties"]["name"]: feature for feature in layer["features"]}


def test_layer_places_organisations_and_centres(people: Any) -> None:
    tree = make_tree()
    secretary = make_member(tree.branch_a, seat="secretary", name="李书记")
    make_member(tree.branch_a)
    make_member(tree.branch_a, member_fields={"state": "transferred"})
    cadre = make_member(tree.branch_b, member_fields={"in_service_unit": "市财政局"})
    registration(member=cadre, grid=GRID_A)
    registration(unit=Department.objects.filter(kind="functional").first(), grid=GRID_A)
    registration(member=make_member(tree.branch_b, member_fields={"in_service_unit": "x"}))
    PartyOrganisation.objects.filter(pk=tree.branch_a.pk).update(stars=4)
    grid_a = region(GRID_A)
    # The building of the group has no label point: it falls back to grid A's.
    Region.objects.filter(pk=tree.building_a.pk).update(label_lng=None, label_lat=None)
    ServiceCentre.objects.create(
        name="社区党群服务中心",
        level=c.CentreLevel.VILLAGE,
        region=region(COMMUNITY),
        region_path=COMMUNITY,
        lng=126.9,
        lat=44.4,
        address="幸福路 1 号",
    )
    ServiceCentre.objects.create(
        name="网格党群服务站",
        level=c.CentreLevel.GRID,
        region=grid_a,
        region_path=GRID_A,
    )
    layer = party_layer(people.leader, COMMUNITY)
    assert layer["type"] == "FeatureCollection"
    features = by_name(layer)
    assert set(features) == {
        "社区党委",
        "第一网格党支部",
        "第二网格党支部",
        "楼栋党小组",
        "社区党群服务中心",
        "网格党群服务站",
    }
    branch = features["第一网格党支部"]
    assert branch["geometry"] == {
        "type": "Point",
        "coordinates": [grid_a.label_lng, grid_a.label_lat],
    }
    assert branch["properties"] == {
        "id": tree.branch_a.pk,
        "type": "organisation",
        "name": "第一网格党支部",
        "kind": "branch",
        "kind_label": "党支部",
        "level": "grid",
        "members": 2,
        "secretary": secretary.person.name,
        "stars": 4,
        "sunk": 2,
        "region_path": GRID_A,
        "region": grid_a.name,
    }
    assert features["第二网格党支部"]["properties"]["sunk"] == 0
    assert features["第二网格党支部"]["properties"]["secretary"] == ""
    assert features["社区党委"]["properties"]["sunk"] == 2  # the grids inside it
    group = features["楼栋党小组"]
    assert group["geometry"]["coordinates"] == [grid_a.label_lng, grid_a.label_lat]
    assert group["properties"]["sunk"] is None
    centre = features["社区党群服务中心"]
    assert centre["geometry"]["coordinates"] == [126.9, 44.4]
    assert centre["properties"]["type"] == "centre"
    assert centre["properties"]["address"] == "幸福路 1 号"
    station = features["网格党群服务站"]
    assert station["geometry"]["coordinates"] == [grid_a.label_lng, grid_a.label_lat]
    summary = layer["summary"]
    assert summary["organisations"] == 4 and summary["shown"] == 4
    assert summary["members"] == 4  # the transferred member does not count
    assert summary["sunk"] == 2
    assert summary["centres"] == 2
    assert summary["truncated"] is False
    assert 0 < summary["coverage"] <= 1 and summary["covered"] == 2


def test_layer_filters_and_jurisdiction(people: Any) -> None:
    tree = make_tree()
    dissolved = make_org("已撤销", c.OrgKind.BRANCH, GRID_B, tree.community, is_active=False)
    leader = people.leader
    names = set(by_name(party_layer(leader, COUNTY)))
    assert {o.name for o in tree.all} == names and dissolved.name not in names
    assert set(by_name(party_layer(leader, COUNTY, kinds=["branch", "bogus"]))) == {
        "第一网格党支部",
        "第二网格党支部",
    }
    assert set(by_name(party_layer(leader, COUNTY, levels=["township", "village"]))) == {
        "街道党工委",
        "社区党委",
    }
    assert set(by_name(party_layer(people.grid_worker, COUNTY))) == {"第一网格党支部", "楼栋党小组"}
    nothing = party_layer(people.dept_handler, COUNTY)
    assert nothing["features"] == [] and nothing["summary"]["organisations"] == 0
    # The limit keeps the upper levels and says it cut.
    cut = party_layer(leader, COUNTY, limit=2)
    assert set(by_name(cut)) == {"中共舒兰市委员会", "街道党工委"}
    assert cut["summary"]["truncated"] is True
    assert (cut["summary"]["organisations"], cut["summary"]["shown"]) == (6, 2)


def test_an_organisation_without_any_point_is_skipped(people: Any) -> None:
    tree = make_tree()
    paths = [GRID_B, *(GRID_B[:n] for n in (2, 4, 6, 9, 12))]
    Region.objects.filter(path__in=paths).update(label_lng=None, label_lat=None)
    names = set(by_name(party_layer(people.leader, GRID_B)))
    assert names == set()
    assert tree.branch_b.name not in set(by_name(party_layer(people.leader, COUNTY)))


def test_layer_queries_do_not_grow_with_organisations(
    people: Any, django_assert_max_num_queries: Any
) -> None:
    tree = make_tree()
    grids = list(
        Region.objects.filter(level="grid", path__startswith=COUNTY)
        .exclude(path__in=[GRID_A, GRID_B])
        .order_by("path")[:12]
    )
    for grid in grids:
        branch = make_org(f"{grid.name}党支部", c.OrgKind.BRANCH, grid, tree.county)
        Region.objects.filter(pk=grid.pk).update(label_lng=None, label_lat=None)
        make_member(branch, seat="secretary")
    leader = people.leader
    party_layer(leader, COUNTY)  # the scope is computed once per user object
    with django_assert_max_num_queries(8):
        layer = party_layer(leader, COUNTY)
    assert len(layer["features"]) == 6 + len(grids)
    new = [
        f for f in layer["features"] if f["properties"]["region_path"] in {g.path for g in grids}
    ]
    assert len(new) == len(grids)
    assert all(f["properties"]["secretary"] and f["properties"]["members"] == 1 for f in new)
    # Without a label point of its own, each sits at its village's.
    village = Region.objects.get(path=grids[0].path[:12])
    assert new[0]["geometry"]["coordinates"] == [village.label_lng, village.label_lat]


def test_kind_and_level_filters_apply_to_centres_too(people: Any) -> None:
    tree = make_tree()
    for name, level, path in (
        ("社区党群服务中心", c.CentreLevel.VILLAGE, COMMUNITY),
        ("网格党群服务站", c.CentreLevel.GRID, GRID_A),
    ):
        ServiceCentre.objects.create(
            name=name, level=level, region=region(path), region_path=path, lng=126.9, lat=44.4
        )
    only_centres = by_name(party_layer(people.leader, COMMUNITY, kinds=["centre"]))
    assert set(only_centres) == {"社区党群服务中心", "网格党群服务站"}
    branches = by_name(party_layer(people.leader, COMMUNITY, kinds=[c.OrgKind.BRANCH]))
    assert set(branches) == {tree.branch_a.name, tree.branch_b.name}
    grid_level = by_name(party_layer(people.leader, COMMUNITY, levels=["grid"]))
    assert set(grid_level) == {tree.branch_a.name, tree.branch_b.name, "网格党群服务站"}
    both = by_name(party_layer(people.leader, COMMUNITY, kinds=["centre", c.OrgKind.GROUP]))
    assert set(both) == {tree.group_a.name, "社区党群服务中心", "网格党群服务站"}
