"""Small builders for party tests: an organisation tree over the demo county and members who are
people of the register. Rows are written with the ORM (not the services) so every test package
can use them; ``region_path`` and ``level`` are set from the bound region as the services do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gridgov.accounts.models import User
from gridgov.party import choices as c
from gridgov.party.models import PartyMember, PartyOrganisation, Seat
from gridgov.regions.models import Region

COUNTY = "220283"
TOWNSHIP = "220283001"
COMMUNITY = "220283001001"
GRID_A = "220283001001001"
GRID_B = "220283001001002"


@dataclass
class Tree:
    """中共舒兰市委 → 街道党工委 → 社区党委 → two grid branches → a building group."""

    county: PartyOrganisation
    township: PartyOrganisation
    community: PartyOrganisation
    branch_a: PartyOrganisation
    branch_b: PartyOrganisation
    group_a: PartyOrganisation
    building_a: Region

    @property
    def all(self) -> list[PartyOrganisation]:
        return [
            self.county,
            self.township,
            self.community,
            self.branch_a,
            self.branch_b,
            self.group_a,
        ]


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def first_building(grid_path: str = GRID_A) -> Region:
    return Region.objects.filter(parent__path=grid_path, level="building").order_by("path")[0]


def make_org(
    name: str,
    kind: str,
    region_: Region | str,
    parent: PartyOrganisation | None = None,
    **fields: Any,
) -> PartyOrganisation:
    node = region_ if isinstance(region_, Region) else region(region_)
    return PartyOrganisation.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        region=node,
        region_path=node.path,
        level=node.level,
        **fields,
    )


def make_tree() -> Tree:
    county = make_org("中共舒兰市委员会", c.OrgKind.COMMITTEE, COUNTY)
    township = make_org("街道党工委", c.OrgKind.WORKING_COMMITTEE, TOWNSHIP, county)
    community = make_org("社区党委", c.OrgKind.COMMITTEE, COMMUNITY, township)
    branch_a = make_org("第一网格党支部", c.OrgKind.BRANCH, GRID_A, community)
    branch_b = make_org("第二网格党支部", c.OrgKind.BRANCH, GRID_B, community)
    building = first_building(GRID_A)
    group_a = make_org("楼栋党小组", c.OrgKind.GROUP, building, branch_a)
    return Tree(county, township, community, branch_a, branch_b, group_a, building)


def _register_actor(path: str) -> User:
    """A staff user who may write the register at ``path`` (the demo grid worker of the grid,
    else the demo county operator)."""
    grid = path[:15]
    user = User.objects.filter(posts__region__path=grid, posts__role="grid_worker").first()
    return user or User.objects.get(username="county_op")


def make_member(
    org: PartyOrganisation,
    *,
    actor: User | None = None,
    user: User | None = None,
    joined_on: dt.date = dt.date(2005, 7, 1),
    status: str = c.MemberStatus.FORMAL,
    seat: str | None = None,
    member_fields: dict[str, Any] | None = None,
    **person_overrides: Any,
) -> PartyMember:
    """A register person living in ``org``'s region (its first building when the organisation
    sits above a building) and their membership of ``org``. ``seat`` gives them a current seat
    (e.g. "secretary"); ``member_fields`` sets further PartyMember fields (in_service_unit …)."""
    from gridgov.registry.services import create_person
    from gridgov.registry.tests.fixtures import person_values

    home = org.region
    while home.level != "building":
        child = Region.objects.filter(parent=home).order_by("path").first()
        if child is None:
            break
        home = child
    values = person_values(region=home.path)
    values.update(person_overrides)
    person = create_person(actor=actor or _register_actor(home.path), values=values)
    type(person).objects.filter(pk=person.pk).update(is_party_member=True)
    person.is_party_member = True
    member = PartyMember.objects.create(
        person=person,
        organisation=org,
        region_path=org.region_path,
        joined_on=joined_on,
        status=status,
        full_member_on=None if status == c.MemberStatus.PROBATIONARY else joined_on,
        user=user,
        **(member_fields or {}),
    )
    if seat:
        Seat.objects.create(
            organisation=org,
            member=member,
            region_path=org.region_path,
            title=seat,
            starts_on=dt.date(2021, 1, 1),
        )
    return member
