"""The organisation tree: kinds per level, ranks, regions inside the parent's, moves that keep
every child inside, unique names, dissolving, taking cases (接单)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.accounts.models import Department, Post, User
from gridgov.party import choices as c
from gridgov.party import services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import PartyOrganisation
from gridgov.party.tests.factories import (
    COMMUNITY,
    COUNTY,
    GRID_A,
    GRID_B,
    TOWNSHIP,
    first_building,
    make_member,
    make_tree,
)
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

OTHER_TOWNSHIP = "220283002"
OTHER_VILLAGE = "220283002001"


def fields_of(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


def test_factories_build_a_consistent_tree():
    tree = make_tree()
    member = make_member(tree.branch_a, seat="secretary")
    assert member.person.is_party_member
    assert member.person.region_path.startswith(tree.branch_a.region_path)
    assert [o.level for o in tree.all] == [
        "county",
        "township",
        "village",
        "grid",
        "grid",
        "building",
    ]


def test_create_a_branch_sets_path_and_level(people):
    tree = make_tree()
    org = services.create_organisation(
        actor=people.village_op,
        values={
            "name": "第一网格第二党支部",
            "kind": "branch",
            "parent": str(tree.community.pk),
            "region": GRID_A,
            "phone": "0432-1234567",
        },
    )
    assert org.region_path == GRID_A and org.level == "grid" and org.parent == tree.community
    assert org.category == c.OrgCategory.REGIONAL and org.version == 1
    assert org.department is None


def test_region_by_code_and_kind_by_label(people):
    tree = make_tree()
    org = services.create_organisation(
        actor=people.county_op,
        values={
            "name": "城关街道党工委二",
            "kind": "党工委",
            "parent": tree.county.pk,
            "region": "220283001000",
        },
    )
    assert org.kind == c.OrgKind.WORKING_COMMITTEE and org.region_path == TOWNSHIP


@pytest.mark.parametrize(
    ("values", "field"),
    [
        # a working committee cannot sit at a village
        ({"kind": "working_committee", "region": COMMUNITY, "parent": "township"}, "region"),
        # a branch cannot contain a general branch
        ({"kind": "general_branch", "region": GRID_A, "parent": "branch_a"}, "kind"),
        # a child is bound inside its parent's region
        ({"kind": "branch", "region": GRID_B, "parent": "branch_a"}, "region"),
        ({"kind": "group", "region": "building_b", "parent": "branch_a"}, "region"),
        # only a county or prefecture organisation has no parent
        ({"kind": "committee", "region": TOWNSHIP, "parent": None}, "parent"),
        # a group ranks below a group? no
        ({"kind": "group", "region": "building_a", "parent": "group_a"}, "kind"),
        # unknown kind, missing name
        ({"kind": "cell", "region": GRID_A, "parent": "community"}, "kind"),
        ({"kind": "branch", "region": GRID_A, "parent": "community", "name": ""}, "name"),
        ({"kind": "branch", "region": "999", "parent": "community"}, "region"),
        ({"kind": "branch", "region": GRID_A, "parent": "999999"}, "parent"),
        (
            {"kind": "branch", "region": GRID_A, "parent": "community", "founded_on": "2999-01-01"},
            "founded_on",
        ),
    ],
)
def test_tree_rules_refuse_with_the_field_named(people, values, field):
    tree = make_tree()
    named = {
        "township": tree.township,
        "community": tree.community,
        "branch_a": tree.branch_a,
        "group_a": tree.group_a,
    }
    regions = {"building_a": first_building(GRID_A).path, "building_b": first_building(GRID_B).path}
    raw = {"name": "新组织", **values}
    raw["region"] = regions.get(raw["region"], raw["region"])
    parent = raw["parent"]
    raw["parent"] = named[parent].pk if parent in named else parent
    before = PartyOrganisation.objects.count()
    with pytest.raises(ValidationError) as info:
        services.create_organisation(actor=people.county_op, values=raw)
    assert field in fields_of(info)
    assert PartyOrganisation.objects.count() == before


def test_several_field_errors_at_once(people):
    make_tree()
    with pytest.raises(ValidationError) as info:
        services.create_organisation(
            actor=people.county_op,
            values={"name": "", "kind": "branch", "region": "", "phone": "1" * 40},
        )
    assert {"name", "region", "phone"} <= fields_of(info)


def test_names_unique_under_one_parent(people):
    tree = make_tree()
    with pytest.raises(ValidationError) as info:
        services.create_organisation(
            actor=people.village_op,
            values={
                "name": "第一网格党支部",
                "kind": "branch",
                "parent": tree.community.pk,
                "region": GRID_A,
            },
        )
    assert "name" in fields_of(info)
    # The same name under another parent is fine.
    other = services.create_organisation(
        actor=people.county_op,
        values={
            "name": "第一网格党支部",
            "kind": "general_branch",
            "parent": tree.township.pk,
            "region": TOWNSHIP,
        },
    )
    assert other.pk


def test_committees_nest_only_downward(people):
    tree = make_tree()
    # A 党委 at the same region as its 党(工)委 parent does not rank below it.
    with pytest.raises(ValidationError) as info:
        services.create_organisation(
            actor=people.county_op,
            values={
                "name": "同级党委",
                "kind": "committee",
                "parent": tree.township.pk,
                "region": TOWNSHIP,
            },
        )
    assert "kind" in fields_of(info)


def test_role_and_jurisdiction(people):
    tree = make_tree()
    values = {"name": "新支部", "kind": "branch", "parent": tree.community.pk, "region": GRID_A}
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=people.leader, values=values)
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=people.grid_worker, values=values)
    # An operator of another township: the region is outside what they manage.
    other = staff("township_operator", region=_region(OTHER_TOWNSHIP))
    with pytest.raises(ValidationError) as info:
        services.create_organisation(actor=other, values=values)
    assert "region" in fields_of(info)
    # Changing an organisation outside the view scope is 404, a leader's 403.
    with pytest.raises(Http404):
        services.update_organisation(
            actor=other, organisation_id=tree.branch_a.pk, values={"phone": "1"}
        )
    with pytest.raises(PermissionDenied):
        services.update_organisation(
            actor=people.leader, organisation_id=tree.branch_a.pk, values={"phone": "1"}
        )
    with pytest.raises(Http404):
        services.update_organisation(actor=people.county_op, organisation_id="x", values={})
    # A grid chief at the village manages it.
    org = services.create_organisation(actor=people.grid_chief, values=values)
    assert org.pk


def _region(path):
    from gridgov.regions.models import Region

    return Region.objects.get(path=path)


def test_update_moves_and_rechecks_children(people):
    tree = make_tree()
    member = make_member(tree.branch_b)
    # Move branch B (no children) from grid B to grid A: fine, members follow.
    moved = services.update_organisation(
        actor=people.village_op,
        organisation_id=tree.branch_b.pk,
        values={"region": GRID_A},
        expected_version=1,
    )
    assert moved.region_path == GRID_A and moved.version == 2
    member.refresh_from_db()
    assert member.region_path == GRID_A
    # Branch A has a group in its first building: it cannot move to grid B.
    with pytest.raises(ValidationError) as info:
        services.update_organisation(
            actor=people.village_op, organisation_id=tree.branch_a.pk, values={"region": GRID_B}
        )
    assert "region" in fields_of(info)
    # Nor can it become a group (its group child would rank equal).
    with pytest.raises(ValidationError) as info:
        services.update_organisation(
            actor=people.village_op, organisation_id=tree.branch_a.pk, values={"kind": "group"}
        )
    assert "kind" in fields_of(info)
    # Re-parenting onto its own descendant is refused.
    with pytest.raises(ValidationError):
        services.update_organisation(
            actor=people.county_op,
            organisation_id=tree.community.pk,
            values={"parent": tree.branch_a.pk},
        )
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.region_path == GRID_A and tree.branch_a.version == 1


def test_stale_version_is_a_conflict(people):
    tree = make_tree()
    with pytest.raises(PartyConflict):
        services.update_organisation(
            actor=people.village_op,
            organisation_id=tree.branch_a.pk,
            values={"phone": "123"},
            expected_version=7,
        )
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.phone == "" and tree.branch_a.version == 1


def test_dissolve_only_without_active_children_or_members(people):
    tree = make_tree()
    member = make_member(tree.branch_b)
    with pytest.raises(PartyConflict, match="下级"):
        services.dissolve_organisation(
            actor=people.village_op, organisation_id=tree.branch_a.pk, reason="合并"
        )
    with pytest.raises(PartyConflict, match="党员"):
        services.dissolve_organisation(
            actor=people.village_op, organisation_id=tree.branch_b.pk, reason="合并"
        )
    with pytest.raises(ValidationError) as info:
        services.dissolve_organisation(
            actor=people.village_op, organisation_id=tree.group_a.pk, reason=""
        )
    assert "reason" in fields_of(info)
    group = services.dissolve_organisation(
        actor=people.village_op, organisation_id=tree.group_a.pk, reason="楼栋拆除"
    )
    assert not group.is_active and group.version == 2
    with pytest.raises(PartyConflict):
        services.dissolve_organisation(
            actor=people.village_op, organisation_id=tree.group_a.pk, reason="再次"
        )
    # Branch A now has no active child; it may go.
    services.dissolve_organisation(
        actor=people.village_op, organisation_id=tree.branch_a.pk, reason="网格调整"
    )
    assert member.organisation.is_active


def test_takes_cases_gives_a_party_department_with_handlers(people):
    tree = make_tree()
    secretary_user = staff("grid_worker", region=_region(GRID_A))
    deputy_user = staff("grid_worker", region=_region(GRID_A))
    secretary = make_member(tree.branch_a, user=secretary_user, seat="secretary")
    make_member(tree.branch_a, user=deputy_user, seat="deputy")
    make_member(tree.branch_a, seat="organisation")  # no staff account
    org = services.set_takes_cases(
        actor=people.village_op, organisation_id=tree.branch_a.pk, on=True
    )
    department = org.department
    assert department.kind == Department.Kind.PARTY and department.is_active
    assert department.code == f"party-{org.pk}" and department.name == org.name
    assert department.region.path == GRID_A
    handlers = Post.objects.current().filter(role="department_handler", department=department)
    assert set(handlers.values_list("user_id", flat=True)) == {secretary_user.pk, deputy_user.pk}
    # A seat change re-syncs: the deputy leaves.
    seat = org.seats.get(member__user=deputy_user)
    services.end_seat(actor=people.village_op, seat_id=seat.pk)
    assert set(handlers.values_list("user_id", flat=True)) == {secretary_user.pk}
    # Turning it off deactivates the department and ends the posts; on again reactivates.
    services.set_takes_cases(actor=people.village_op, organisation_id=org.pk, on=False)
    department.refresh_from_db()
    assert not department.is_active and not handlers.exists()
    again = services.set_takes_cases(actor=people.village_op, organisation_id=org.pk, on=True)
    assert again.department_id == department.pk
    assert set(handlers.values_list("user_id", flat=True)) == {secretary.user_id}


def test_takes_cases_department_name_clash(people):
    tree = make_tree()
    Department.objects.create(
        code="clash", name=tree.branch_a.name, kind="other", region=tree.branch_a.region
    )
    org = services.create_organisation(
        actor=people.village_op,
        values={
            "name": "第三网格党支部",
            "kind": "branch",
            "parent": tree.community.pk,
            "region": GRID_A,
            "takes_cases": "true",
        },
    )
    assert org.department.name == org.name
    clash = services.set_takes_cases(
        actor=people.village_op, organisation_id=tree.branch_a.pk, on=True
    )
    assert clash.department.name != tree.branch_a.name
    assert str(clash.pk) in clash.department.name


def test_takes_cases_refusals(people):
    tree = make_tree()
    with pytest.raises(PermissionDenied):
        services.set_takes_cases(actor=people.leader, organisation_id=tree.branch_a.pk, on=True)
    other = staff("village_operator", region=_region(OTHER_VILLAGE))
    with pytest.raises(Http404):
        services.set_takes_cases(actor=other, organisation_id=tree.branch_a.pk, on=True)
    assert not Department.objects.filter(code=f"party-{tree.branch_a.pk}").exists()


# -- the property: whatever sequence of creates and moves, the tree stays consistent ----------

NODES = [
    COUNTY,
    TOWNSHIP,
    OTHER_TOWNSHIP,
    COMMUNITY,
    OTHER_VILLAGE,
    GRID_A,
    GRID_B,
    "BUILDING_A",
]
KINDS = list(c.OrgKind.values)

create_op = st.tuples(
    st.just("create"),
    st.sampled_from(KINDS),
    st.sampled_from(range(len(NODES))),
    st.one_of(st.none(), st.integers(0, 12)),
)
move_op = st.tuples(
    st.just("move"), st.integers(0, 12), st.sampled_from(range(len(NODES))), st.none()
)
parent_op = st.tuples(st.just("reparent"), st.integers(0, 12), st.integers(0, 12), st.none())
kind_op = st.tuples(st.just("kind"), st.integers(0, 12), st.sampled_from(KINDS), st.none())


def check_tree() -> None:
    for org in PartyOrganisation.objects.filter(is_active=True).select_related("parent", "region"):
        assert org.region_path == org.region.path and org.level == org.region.level
        assert org.level in c.ORG_LEVELS[org.kind]
        if org.parent is None:
            assert org.level in ("county", "prefecture")
            continue
        parent = org.parent
        assert parent.is_active
        assert org.region_path.startswith(parent.region_path)
        below = c.ORG_RANK[org.kind] < c.ORG_RANK[parent.kind]
        nested_committee = c.ORG_RANK[org.kind] == c.ORG_RANK[parent.kind] == 4 and len(
            org.region_path
        ) > len(parent.region_path)
        assert below or nested_committee


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.one_of(create_op, move_op, parent_op, kind_op), min_size=1, max_size=10))
def test_tree_stays_consistent_under_random_creates_and_moves(db, ops):
    actor = User.objects.get(username="county_op")
    nodes = [first_building(GRID_A).path if n == "BUILDING_A" else n for n in NODES]
    with transaction.atomic():
        orgs: list[int] = [org.pk for org in make_tree().all]
        created = 0
        for serial, (op, a, b, d) in enumerate(ops):
            try:
                if op == "create":
                    parent = orgs[d % len(orgs)] if d is not None and orgs else None
                    org = services.create_organisation(
                        actor=actor,
                        values={
                            "name": f"组织{serial}",
                            "kind": a,
                            "region": nodes[b],
                            "parent": parent,
                        },
                    )
                    orgs.append(org.pk)
                    created += 1
                elif not orgs:
                    continue
                elif op == "move":
                    services.update_organisation(
                        actor=actor,
                        organisation_id=orgs[a % len(orgs)],
                        values={"region": nodes[b]},
                    )
                elif op == "reparent":
                    services.update_organisation(
                        actor=actor,
                        organisation_id=orgs[a % len(orgs)],
                        values={"parent": orgs[b % len(orgs)]},
                    )
                else:
                    services.update_organisation(
                        actor=actor, organisation_id=orgs[a % len(orgs)], values={"kind": b}
                    )
            except (ValidationError, PartyConflict):
                pass
            check_tree()
        assert PartyOrganisation.objects.filter(is_active=True).count() == 6 + created
        transaction.set_rollback(True)
