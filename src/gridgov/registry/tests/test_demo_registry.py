"""The demo registers (gridgov.demo.registry): valid codes, consistent households, tenancies,
contracts, visits and tag histories; deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Max
from django.utils import timezone

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.demo import load_demo
from gridgov.demo.registry import (
    DEMO_GRID,
    RegistryCounts,
    _Generator,
    generate_registry,
    org_code_check_char,
)
from gridgov.regions.models import Region
from gridgov.registry import choices as c
from gridgov.registry.models import (
    CareContract,
    Organisation,
    Person,
    PersonTag,
    PersonTagEvent,
    RegistryChange,
    Room,
    Tenancy,
    Visit,
)
from gridgov.registry.services import create_person, create_room, reveal_people
from gridgov.registry.tests.fixtures import building_of, make_id, person_values
from gridgov.registry.validators import check_credit_code, check_id_number, check_phone

COMMUNITY = "220283001001"  # 育才社区: the demo village operator's, with the grid worker's grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def county() -> Region:
    return Region.objects.get(path="220283")


@pytest.fixture
def community(county: Region) -> RegistryCounts:
    """The registers of one community (5 grids), built at the demo's density."""
    return generate_registry(county=county, log=lambda *_: None, within=COMMUNITY)


def test_one_community_is_registered_at_its_density(community, people):
    assert community.people > 2000 and community.organisations == 40
    assert not Person.objects.exclude(region_path__startswith=COMMUNITY).exists()
    # The grid worker's own grid: a realistic few hundred people.
    grid = Region.objects.get(path=DEMO_GRID)
    here = Person.objects.filter(region_path__startswith=DEMO_GRID).count()
    assert 0.7 * grid.population < here < 1.3 * grid.population
    kinds = Counter(Person.objects.values_list("kind", flat=True))
    assert kinds["registered"] > 0.85 * community.people
    assert kinds["floating"] > 0.03 * community.people and kinds["foreign"] >= 1
    assert Room.objects.filter(occupancy="rented").exists()
    assert Room.objects.filter(occupancy="vacant").exists()
    _households_rooms_and_tenancies_hang_together()
    _organisations_have_valid_credit_codes()


def _households_rooms_and_tenancies_hang_together() -> None:
    heads: dict[str, int] = defaultdict(int)
    for number, relation in Person.objects.exclude(household_no="").values_list(
        "household_no", "relation"
    ):
        heads[number] += relation == c.Relation.HEAD
    assert heads and set(heads.values()) == {1}
    for person in Person.objects.filter(room__isnull=False).select_related("room"):
        assert person.region_id == person.room.building_id
        assert person.region_path == person.room.region_path
    for room in Room.objects.select_related("building"):
        assert room.building.level == "building"
        assert room.region_path == room.building.path
    for tenancy in Tenancy.objects.select_related("room", "tenant"):
        assert tenancy.room.occupancy == c.Occupancy.RENTED
        assert tenancy.region_path == tenancy.room.region_path
        if tenancy.ended_on is None:
            assert tenancy.tenant.room_id == tenancy.room_id
            assert tenancy.tenant.kind != c.PersonKind.REGISTERED or not tenancy.tenant.household_no
        else:
            assert tenancy.tenant.state == c.PersonState.MOVED_OUT
    owned = Room.objects.filter(occupancy="owner", use="home")
    assert owned.filter(owner__isnull=False).count() == owned.count()


def _organisations_have_valid_credit_codes() -> None:
    orgs = list(Organisation.objects.all())
    assert len({o.credit_code for o in orgs}) == len(orgs)
    for org in orgs:
        assert check_credit_code(org.credit_code) == org.credit_code
        assert org.credit_code[2:8] == "220283"
        body = org.credit_code[8:17]
        assert body[8] == org_code_check_char(body[:8])  # GB 11714 inside GB 32100
        assert org.region_path.startswith(COMMUNITY) and org.legal_rep and org.phone_masked
        first = org.credit_code[0]
        if org.kind in (c.OrgKind.ENTERPRISE, c.OrgKind.INDIVIDUAL):
            assert first == "9"
        elif org.kind == c.OrgKind.SOCIAL:
            assert first == "5"
        elif org.kind == c.OrgKind.GOVERNMENT:
            assert first == "1"


def test_every_id_number_and_phone_is_valid_and_matches_the_person(community, people):
    today = timezone.localdate()
    everyone = list(Person.objects.all())
    clear = reveal_people(actor=people.village_op, people=everyone, reason="核对演示数据")
    assert len(clear) == len(everyone)
    numbers = [number for number, _phone in clear.values()]
    assert len(set(numbers)) == len(numbers)
    for person in everyone:
        number, phone = clear[person.pk]
        if person.id_type == c.IdType.PASSPORT:
            assert person.kind == c.PersonKind.FOREIGN
        else:
            facts = check_id_number(number, today=today)
            assert facts.gender == person.gender and facts.birth_date == person.birth_date
            if person.kind == c.PersonKind.FLOATING:
                assert person.hukou_place and "舒兰市" not in person.hukou_place
        assert person.id_masked == f"{number[:6]}********{number[-4:]}" or len(number) != 18
        if phone:
            assert check_phone(phone) == phone
            assert person.phone_masked.endswith(phone[-4:])
        elif person.age_on(today) < 16:
            assert not person.phone_masked


def test_contracts_visits_and_tag_histories(community):
    _contracts_have_the_grid_worker_and_a_year_of_visits()
    _tags_have_histories()


def _contracts_have_the_grid_worker_and_a_year_of_visits() -> None:
    now = timezone.now()
    contracts = list(CareContract.objects.select_related("person", "tag"))
    assert len(contracts) >= 20
    overdue = 0
    for contract in contracts:
        grid = contract.person.region_path[:15]
        assert (
            Post.objects.current()
            .filter(user_id=contract.carer_id, role=Role.GRID_WORKER, region__path=grid)
            .exists()
        )
        assert contract.tag is not None
        assert contract.visit_every_days == contract.tag.visit_every_days
        assert PersonTag.objects.filter(person=contract.person, tag=contract.tag).exists()
        visits = contract.visits.all()
        assert visits.exists()
        assert contract.last_visit_at == visits.aggregate(m=Max("visited_at"))["m"]
        assert not visits.exclude(region_path__startswith=grid).exists()
        assert not visits.exclude(person=contract.person).exists()
        if contract.state == "active" and contract.next_visit_due() < timezone.localdate():
            overdue += 1
    assert 0 < overdue < len(contracts) / 3
    year_ago = now - dt.timedelta(days=366)
    assert not Visit.objects.filter(visited_at__lt=year_ago).exists()
    assert not Visit.objects.filter(visited_at__gt=now).exists()
    kinds = set(Visit.objects.values_list("kind", flat=True))
    assert {"care", "routine", "rental", "organisation"} <= kinds
    assert not Visit.objects.filter(result="problem", findings="").exists()
    for visit in Visit.objects.filter(kind="rental").select_related("room")[:50]:
        assert visit.room is not None and visit.room.occupancy == c.Occupancy.RENTED


def _tags_have_histories() -> None:
    now = timezone.now()
    current = set(PersonTag.objects.values_list("person_id", "tag_id"))
    events = list(PersonTagEvent.objects.order_by("at", "id"))
    last: dict[tuple[int, int], str] = {}
    for event in events:
        last[(event.person_id, event.tag_id)] = event.action
        assert now - dt.timedelta(days=366) <= event.at <= now
        assert event.actor_id is not None and event.reason
    assert {k for k, action in last.items() if action == "set"} == current
    assert "removed" in last.values()
    assert PersonTag.objects.filter(tag__code="elderly_alone").exists()


def test_the_demo_grid_has_a_change_history_and_a_second_run_adds_nothing(
    community, county, people
):
    changes = RegistryChange.objects.filter(region_path__startswith=DEMO_GRID)
    assert changes.count() >= 50
    assert {"update", "delete"} <= set(changes.values_list("action", flat=True))
    for change in changes.filter(model="person"):
        for values in (change.before, change.after):
            assert "id_number" not in values and "phone" not in values
            if values.get("phone_masked"):
                assert "****" in values["phone_masked"]
        person = Person.objects.get(pk=change.object_id)
        assert person.version > 1
        if change.action == "update":
            for field, value in change.after.items():
                if field in ("name", "workplace", "residence_status", "is_party_member"):
                    assert getattr(person, field) == value
    before = (Person.objects.count(), Room.objects.count(), Visit.objects.count())
    again = generate_registry(county=county, log=lambda *_: None, within=COMMUNITY)
    assert again.people == 0 and again.visits == 0
    assert (Person.objects.count(), Room.objects.count(), Visit.objects.count()) == before
    # Keys were handed out explicitly: the database's own sequences moved past them.
    top = Person.objects.aggregate(m=Max("pk"))["m"]
    person = create_person(
        actor=people.grid_worker, values=person_values(id_number=make_id(area="110101"))
    )
    room = create_room(
        actor=people.grid_worker, values={"building": building_of(DEMO_GRID).path, "number": "甲1"}
    )
    assert person.pk > top and room.pk > max(r.pk for r in Room.objects.exclude(pk=room.pk))


def test_the_same_seed_gives_the_same_register(county):
    now = timezone.now()

    def plan() -> list[tuple[str, str, int | None]]:
        gen = _Generator(
            county=county, scope=DEMO_GRID, dense=(DEMO_GRID,), thin=(2, 4), seed=7, now=now
        )
        built = gen.build(5)
        return [(p.name, p.id_hash, p.room_id) for p in built.people]

    assert plan() == plan()


@pytest.mark.slow
def test_the_whole_county(county, people):
    made = generate_registry(county=county, log=lambda *_: None)
    assert made.people >= 50_000 and made.organisations == 2000
    assert Person.objects.count() == made.people
    assert 200 <= Person.objects.filter(region_path__startswith=DEMO_GRID).count() <= 800
    # Thin coverage: nearly every grid has someone.
    grids = Region.objects.filter(path__startswith="220283", level="grid").count()
    with_people = len({p[:15] for p in Person.objects.values_list("region_path", flat=True)})
    assert with_people > 0.95 * grids
    dedicated = Organisation.objects.filter(dedicated_grid__isnull=False)
    assert dedicated.exists()
    assert not dedicated.exclude(
        dedicated_grid__kind__in=("school", "hospital", "park", "market", "enterprise")
    ).exists()
    result = load_demo(log=lambda *_: None, cases=0)
    assert result.counts["people"] == made.people and "实有人口" in result.summary()
