"""Party building over the JSON API: organisations and the tree, seats, members, grid chiefs
and star ratings — each with the right role, a wrong role, outside the jurisdiction, bad input
and a conflict."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gridgov.party import choices as c
from gridgov.party.models import (
    GridChiefAppointment,
    PartyMember,
    PartyOrganisation,
    Seat,
    StarCriterion,
    StarRating,
)
from gridgov.party.tests.factories import COMMUNITY, GRID_A, GRID_B, first_building
from gridgov.party.tests.test_api_common import (
    GRID_B_WORKER,
    OTHER_VILLAGE_OP,
    World,
    api_as,
    assert_masked,
    build_world,
    counts,
    fields_of,
    has_chinese,
)
from gridgov.registry.models import Person
from gridgov.registry.services import create_person
from gridgov.registry.tests.fixtures import building_of, make_id, person_values
from gridgov.testing import api_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client):
    return api_as(client)


@pytest.fixture
def world(people) -> World:
    return build_world()


# -- organisations ---------------------------------------------------------------------------


def test_organisations_list_filters_scopes_and_pages(as_, world: World):
    tree = world.tree
    api = as_("county_op")
    mine = {o.pk for o in tree.all}
    listed = {o["id"] for o in api.get("/organisations", limit=200).json()["items"]}
    assert mine <= listed
    branches = api.get("/organisations", kind="branch", region=COMMUNITY).json()["items"]
    assert {o["id"] for o in branches} == {tree.branch_a.pk, tree.branch_b.pk}
    row = next(o for o in branches if o["id"] == tree.branch_a.pk)
    assert row["kind_label"] == "党支部" and row["parent"]["id"] == tree.community.pk
    assert row["region"] == {"path": GRID_A, "name": tree.branch_a.region.name}
    assert row["takes_cases"] is False and row["stars"] == 0
    named = api.get("/organisations", q="第二网格", region=COMMUNITY).json()["items"]
    assert [o["id"] for o in named] == [tree.branch_b.pk]
    children = api.get("/organisations", parent=tree.branch_a.pk).json()["items"]
    assert [o["id"] for o in children] == [tree.group_a.pk]
    # The grid worker sees grid A's branch and group only; another village sees none of them.
    seen = {o["id"] for o in as_("grid_worker").get("/organisations").json()["items"]}
    assert seen == {tree.branch_a.pk, tree.group_a.pk}
    other = {o["id"] for o in as_(OTHER_VILLAGE_OP).get("/organisations").json()["items"]}
    assert not other & mine
    # Keyset pages, one row at a time through the community.
    seen_ids, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, "region": COMMUNITY}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/organisations", **params).json()
        seen_ids += [o["id"] for o in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen_ids) == sorted(
        [tree.community.pk, tree.branch_a.pk, tree.branch_b.pk, tree.group_a.pk]
    )
    # Bad parameters.
    response = api.get("/organisations", cursor="nonsense")
    assert response.status_code == 400 and "cursor" in fields_of(response)
    for params in ({"limit": 201}, {"kind": "martian"}, {"region": "22x"}, {"stars": 9}):
        response = api.get("/organisations", **params)
        assert response.status_code == 422, params
        assert set(params) <= set(fields_of(response))


def test_tree(as_, world: World):
    tree = world.tree
    forest = as_("county_op").get("/organisations/tree", root=COMMUNITY).json()
    assert [n["id"] for n in forest] == [tree.community.pk]
    branches = {n["id"]: n for n in forest[0]["children"]}
    assert set(branches) == {tree.branch_a.pk, tree.branch_b.pk}
    a = branches[tree.branch_a.pk]
    assert a["members"] == 3 and [g["id"] for g in a["children"]] == [tree.group_a.pk]
    assert forest[0]["total_members"] == 3
    shallow = as_("county_op").get("/organisations/tree", root=COMMUNITY, depth=1).json()
    assert shallow[0]["children"] == []
    assert as_("county_op").get("/organisations/tree", depth=9).status_code == 422
    assert [n["id"] for n in as_("grid_worker").get("/organisations/tree").json()] == [
        tree.branch_a.pk
    ]


def test_organisation_detail(as_, world: World):
    tree = world.tree
    body = as_("grid_worker").get(f"/organisations/{tree.branch_a.pk}").json()
    assert body["secretary"] == {"id": world.secretary.pk, "name": "张书记"}
    assert [s["title"] for s in body["seats"]] == ["secretary"]
    assert body["seats"][0]["title_label"] == "书记" and body["seats"][0]["current"] is True
    assert body["members"] == {"total": 3, "formal": 3, "probationary": 0}
    assert body["children"] == 1
    assert as_(GRID_B_WORKER).get(f"/organisations/{tree.branch_a.pk}").status_code == 404
    assert as_(OTHER_VILLAGE_OP).get(f"/organisations/{tree.branch_a.pk}").status_code == 404
    assert as_("county_op").get("/organisations/999999999").status_code == 404
    assert as_("county_op").get("/organisations/0").status_code == 422


def _new_group(tree: Any) -> dict[str, Any]:
    return {
        "name": "第二网格楼栋党小组",
        "kind": "group",
        "parent": tree.branch_b.pk,
        "region": first_building(GRID_B).path,
        "founded_on": "2020-07-01",
        "address": "育才社区",
    }


def test_create_organisation(as_, world: World):
    tree = world.tree
    response = as_("village_op").post("/organisations", _new_group(tree))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "group" and body["parent"]["id"] == tree.branch_b.pk
    assert body["level"] == "building" and body["version"] == 1
    assert body["secretary"] is None and body["members"]["total"] == 0
    org = PartyOrganisation.objects.get(pk=body["id"])
    assert org.region_path == first_building(GRID_B).path and org.founded_on == dt.date(2020, 7, 1)


def test_create_organisation_refusals_write_nothing(as_, world: World):
    tree = world.tree
    before = counts()
    for role in ("leader", "supervisor", "grid_worker", "dept_handler"):
        response = as_(role).post("/organisations", _new_group(tree))
        assert response.status_code == 403, role
    # A village operator elsewhere: the parent is not theirs to see.
    response = as_(OTHER_VILLAGE_OP).post("/organisations", _new_group(tree))
    assert response.status_code in (400, 404)
    # Bad values name their field; a building of grid A is outside the grid B branch.
    api = as_("village_op")
    response = api.post("/organisations", {**_new_group(tree), "kind": "club"})
    assert response.status_code == 400 and has_chinese(fields_of(response)["kind"])
    response = api.post(
        "/organisations", {**_new_group(tree), "region": first_building(GRID_A).path}
    )
    assert response.status_code == 400 and "region" in fields_of(response)
    response = api.post("/organisations", {"kind": "group"})
    assert response.status_code == 422 and {"name", "region"} <= set(fields_of(response))
    assert counts() == before


def test_update_dissolve_and_take_cases(as_, world: World):
    tree = world.tree
    api = as_("village_op")
    path = f"/organisations/{tree.branch_b.pk}"
    response = api.patch(path, {"phone": "0432-6822001", "expected_version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "0432-6822001" and response.json()["version"] == 2
    response = api.patch(path, {"name": "改名", "expected_version": 1})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    response = api.patch(path, {"kind": "club"})
    assert response.status_code == 400 and "kind" in fields_of(response)
    assert as_("leader").patch(path, {"address": "x"}).status_code == 403
    assert as_(GRID_B_WORKER).patch(path, {"address": "x"}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).patch(path, {"address": "x"}).status_code == 404
    assert PartyOrganisation.objects.get(pk=tree.branch_b.pk).name == "第二网格党支部"
    # Taking cases gives the organisation a department; turning it off takes it away.
    response = api.post(f"{path}/takes-cases", {"on": True})
    assert response.status_code == 200, response.content
    assert response.json()["takes_cases"] is True and response.json()["department_id"]
    assert as_("leader").post(f"{path}/takes-cases", {"on": False}).status_code == 403
    assert api.post(f"{path}/takes-cases", {"on": "maybe"}).status_code == 422
    response = api.post(f"{path}/takes-cases", {"on": False})
    assert response.status_code == 200 and response.json()["takes_cases"] is False
    # Dissolving: refused while members or children remain; an empty organisation goes.
    response = api.post(f"/organisations/{tree.branch_a.pk}/dissolve", {"reason": "合并"})
    assert response.status_code == 409 and api_error(response)["code"] == "conflict"
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).is_active
    assert api.post(f"{path}/dissolve", {}).status_code == 422
    assert as_("leader").post(f"{path}/dissolve", {"reason": "合并"}).status_code == 403
    response = api.post(f"{path}/dissolve", {"reason": "网格合并"})
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert not PartyOrganisation.objects.get(pk=tree.branch_b.pk).is_active


# -- seats -----------------------------------------------------------------------------------


def test_seats(as_, world: World):
    tree = world.tree
    api = as_("village_op")
    path = f"/organisations/{tree.branch_a.pk}/seats"
    before = Seat.objects.count()
    assert (
        as_("leader").post(path, {"member_id": world.member.pk, "title": "deputy"}).status_code
        == 403
    )
    response = api.post(path, {"member_id": world.member.pk, "title": "knight"})
    assert response.status_code == 400 and "title" in fields_of(response)
    assert api.post(path, {"title": "deputy"}).status_code == 422
    assert Seat.objects.count() == before
    response = api.post(path, {"member_id": world.member.pk, "title": "deputy"})
    assert response.status_code == 201, response.content
    seat = response.json()
    assert seat["title_label"] == "副书记" and seat["member"]["name"] == "李党员"
    listed = as_("grid_worker").get(path).json()
    assert [s["title"] for s in listed] == ["secretary", "deputy"]
    assert as_(GRID_B_WORKER).get(path).status_code == 404
    assert as_("leader").post(f"/seats/{seat['id']}/end", {}).status_code == 403
    response = api.post(f"/seats/{seat['id']}/end", {"ends_on": dt.date.today().isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["current"] is False and response.json()["ends_on"]
    response = api.post(f"/seats/{seat['id']}/end", {})
    assert response.status_code == 409
    assert [s["current"] for s in api.get(path).json()] == [True, False]


# -- members ---------------------------------------------------------------------------------


def test_members_list_and_detail(as_, world: World):
    api = as_("county_op")
    rows = api.get("/members", organisation=world.tree.branch_a.pk).json()["items"]
    assert {m["id"] for m in rows} == {world.secretary.pk, world.member.pk, world.cadre.pk}
    row = next(m for m in rows if m["id"] == world.secretary.pk)
    assert row["person"]["name"] == "张书记" and row["person"]["birth_year"] == 1975
    assert row["person"]["phone_masked"] == "139****0771"
    assert row["status_label"] == "正式党员" and row["state"] == "active"
    assert set(row["person"]) == {
        "id",
        "name",
        "gender",
        "gender_label",
        "birth_year",
        "phone_masked",
    }
    cadres = api.get("/members", in_service="1", region=GRID_A).json()["items"]
    assert [m["id"] for m in cadres] == [world.cadre.pk]
    assert cadres[0]["in_service_department"]["id"] == world.unit.pk
    assert [m["id"] for m in api.get("/members", q="李", region=GRID_A).json()["items"]] == [
        world.member.pk
    ]
    assert api.get("/members", state="gone").status_code == 422
    assert as_(GRID_B_WORKER).get("/members", region=GRID_A).json()["items"] == []
    body = as_("grid_worker").get(f"/members/{world.secretary.pk}").json()
    assert [s["title"] for s in body["seats"]] == ["secretary"] and body["registrations"] == []
    response = as_("leader").get(f"/members/{world.cadre.pk}")
    assert response.status_code == 200
    assert_masked(response, world.clear)
    assert as_(GRID_B_WORKER).get(f"/members/{world.member.pk}").status_code == 404
    assert as_("county_op").get("/members/999999999").status_code == 404


def _person(people: Any, name: str = "赵新党员") -> Person:
    return create_person(
        actor=people.grid_worker,
        values=person_values(
            name=name, id_number=make_id(dt.date(1995, 1, 2)), region=building_of(GRID_A).path
        ),
    )


def test_create_update_and_end_member(as_, people, world: World):
    person = _person(people)
    api = as_("village_op")
    values = {
        "person": person.pk,
        "organisation": world.tree.branch_a.pk,
        "joined_on": "2021-07-01",
        "status": "probationary",
    }
    before = counts()
    assert as_("leader").post("/members", values).status_code == 403
    response = api.post("/members", {**values, "joined_on": "2099-01-01"})
    assert response.status_code == 400 and "joined_on" in fields_of(response)
    response = api.post("/members", {**values, "full_member_on": "2022-07-01"})
    assert response.status_code == 400 and "full_member_on" in fields_of(response)
    assert api.post("/members", {"person": person.pk}).status_code == 422
    assert as_(OTHER_VILLAGE_OP).post("/members", values).status_code in (400, 404)
    assert counts() == before
    response = api.post("/members", values)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "probationary" and body["person"]["name"] == "赵新党员"
    assert Person.objects.get(pk=person.pk).is_party_member is True
    # The same person twice: refused.
    response = api.post("/members", values)
    assert response.status_code == 400 and "person" in fields_of(response)
    path = f"/members/{body['id']}"
    response = api.patch(
        path,
        {
            "status": "formal",
            "full_member_on": "2022-07-01",
            "is_mobile": True,
            "mobile_location": "长春市",
            "mobile_since": "2024-03-01",
            "expected_version": 1,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "formal" and response.json()["is_mobile"] is True
    response = api.patch(path, {"mobile_location": "吉林市", "expected_version": 1})
    assert response.status_code == 409
    assert as_("leader").patch(path, {"mobile_location": "x"}).status_code == 403
    mobile = api.get("/members", mobile="1", region=GRID_A).json()["items"]
    assert [m["id"] for m in mobile] == [body["id"]]
    # Ending the membership.
    assert api.post(f"{path}/end", {"state": "deceased"}).status_code == 422
    response = api.post(f"{path}/end", {"state": "retired", "reason": "x"})
    assert response.status_code == 400 and "state" in fields_of(response)
    assert (
        as_("leader").post(f"{path}/end", {"state": "transferred", "reason": "x"}).status_code
        == 403
    )
    response = api.post(f"{path}/end", {"state": "transferred", "reason": "转往长春"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "transferred" and response.json()["state_label"] == "已转出"
    assert Person.objects.get(pk=person.pk).is_party_member is False
    assert PartyMember.objects.get(pk=body["id"]).state == c.MemberState.TRANSFERRED
    gone = api.get("/members", state="", region=GRID_A, q="赵新").json()["items"]
    assert [m["id"] for m in gone] == [body["id"]]
    assert api.get("/members", region=GRID_A, q="赵新").json()["items"] == []


# -- grid chiefs -----------------------------------------------------------------------------


def test_grid_chiefs(as_, world: World):
    api = as_("village_op")
    path = f"/grids/{GRID_A}/chiefs"
    assert api.get(path).json() == []
    before = GridChiefAppointment.objects.count()
    assert as_("leader").post(path, {}).status_code == 403
    assert as_("grid_worker").post(path, {}).status_code == 403
    assert as_(OTHER_VILLAGE_OP).post(path, {}).status_code == 404
    response = api.post(path, {"member_id": world.member.pk})  # an override without a reason
    assert response.status_code == 400 and "reason" in fields_of(response)
    assert GridChiefAppointment.objects.count() == before
    response = api.post(path, {})
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["is_default"] is True and first["member"]["id"] == world.secretary.pk
    assert first["grid"]["path"] == GRID_A and first["current"] is True
    response = api.post(path, {"member_id": world.member.pk, "reason": "书记外出学习"})
    assert response.status_code == 201, response.content
    assert response.json()["is_default"] is False
    history = as_("grid_worker").get(path).json()
    assert [h["member"]["id"] for h in history] == [world.member.pk, world.secretary.pk]
    assert [h["current"] for h in history] == [True, False]
    assert as_(GRID_B_WORKER).get(path).status_code == 404
    assert api.get(f"/grids/{COMMUNITY}/chiefs").status_code == 404  # not a grid
    assert api.get("/grids/22x/chiefs").status_code == 422


# -- stars -----------------------------------------------------------------------------------


def test_star_criteria_and_ratings(as_, world: World):
    criteria = as_("leader").get("/star-criteria").json()
    active = list(StarCriterion.objects.filter(is_active=True).order_by("order", "code"))
    assert [k["code"] for k in criteria] == [k.code for k in active] and len(active) >= 1
    full = {k.code: k.max_points for k in active}
    path = f"/organisations/{world.tree.branch_a.pk}/ratings"
    before = StarRating.objects.count()
    body = {"year": 2025, "scores": full, "note": "工作扎实"}
    assert as_("leader").post(path, body).status_code == 403
    # A grid branch is rated from above: the grid worker may not, nor the branch's own level.
    assert as_("grid_worker").post(path, body).status_code == 403
    own_level = f"/organisations/{world.tree.community.pk}/ratings"
    assert as_("village_op").post(own_level, body).status_code == 403
    first = active[0].code
    response = as_("village_op").post(path, {**body, "scores": {**full, first: 999}})
    assert response.status_code == 400 and has_chinese(
        [m for ms in fields_of(response).values() for m in ms]
    )
    assert as_("village_op").post(path, {"year": 1990, "scores": full}).status_code == 422
    assert StarRating.objects.count() == before
    response = as_("village_op").post(path, body)
    assert response.status_code == 201, response.content
    rating = response.json()
    assert rating["stars"] == 5 and rating["year"] == 2025 and rating["note"] == "工作扎实"
    assert PartyOrganisation.objects.get(pk=world.tree.branch_a.pk).stars == 5
    listed = as_("grid_worker").get(path).json()
    assert [r["id"] for r in listed] == [rating["id"]]
    assert as_(GRID_B_WORKER).get(path).status_code == 404
    starred = as_("county_op").get("/organisations", stars=5, region=GRID_A).json()["items"]
    assert [o["id"] for o in starred] == [world.tree.branch_a.pk]
