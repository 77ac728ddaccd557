"""Service flows of the registers: validation, jurisdiction, change log, tags, rentals, care,
visits and revealing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.core.protection import decrypt
from gridgov.registry import services
from gridgov.registry.errors import RegistryConflict
from gridgov.registry.models import (
    CareContract,
    Organisation,
    Person,
    PersonTag,
    PersonTagEvent,
    RegistryChange,
    RevealRecord,
    Room,
    Tenancy,
    Visit,
)
from gridgov.registry.tests.fixtures import (
    GRID_A,
    GRID_B,
    building_of,
    make_credit_code,
    make_id,
    person_values,
)

pytestmark = pytest.mark.django_db


def _fields(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# -- people ----------------------------------------------------------------------------------


def test_create_derives_gender_and_birth_and_protects(people):
    number = make_id(dt.date(1956, 2, 29), male=False)
    person = services.create_person(
        actor=people.grid_worker, values=person_values(id_number=number, phone="139-0432-5678")
    )
    assert person.gender == "female"
    assert person.birth_date == dt.date(1956, 2, 29)
    assert person.id_masked == f"220283********{number[-4:]}"
    assert person.phone_masked == "139****5678"
    assert number not in person.id_cipher and "13904325678" not in person.phone_cipher
    assert person.region_path == building_of(GRID_A).path
    change = RegistryChange.objects.get(model="person", object_id=person.pk)
    dumped = json.dumps(change.after, ensure_ascii=False)
    assert number not in dumped and "13904325678" not in dumped
    assert change.after["id_masked"] == person.id_masked


def test_bad_person_changes_nothing_and_names_each_field(people):
    before = Person.objects.count()
    values = person_values(
        name="", id_number=make_id(male=True), gender="女", birth_date="1999-01-01", phone="12345"
    )
    with pytest.raises(ValidationError) as caught:
        services.create_person(actor=people.grid_worker, values=values)
    fields = _fields(caught)
    assert set(fields) >= {"name", "gender", "birth_date", "phone"}
    assert "号码表明是男" in fields["gender"][0]
    assert Person.objects.count() == before
    assert not RegistryChange.objects.exists()


def test_duplicate_id_refused(people, registered):
    number = services.reveal(
        actor=people.grid_worker, obj=registered, field="id_number", reason="核对重复"
    )
    with pytest.raises(ValidationError) as caught:
        services.create_person(
            actor=people.village_op, values=person_values(id_number=number.lower())
        )
    assert _fields(caught) == {"id_number": ["此证件号码已登记"]}


def test_passport_needs_gender_and_birth(people):
    with pytest.raises(ValidationError) as caught:
        services.create_person(
            actor=people.grid_worker,
            values=person_values(id_type="护照", id_number="E12345678", kind="境外人员"),
        )
    assert set(_fields(caught)) == {"gender", "birth_date"}
    person = services.create_person(
        actor=people.grid_worker,
        values=person_values(
            id_type="passport",
            id_number="e12345678",
            kind="foreign",
            gender="男",
            birth_date="1990-03-04",
        ),
    )
    assert person.id_masked == "E1*****78"
    assert (person.gender, person.birth_date) == ("male", dt.date(1990, 3, 4))


def test_grid_worker_places_only_in_own_grid(people):
    with pytest.raises(ValidationError) as caught:
        services.create_person(
            actor=people.grid_worker, values=person_values(region=building_of(GRID_B).path)
        )
    assert "不在您可以登记的辖区内" in _fields(caught)["region"][0]
    with pytest.raises(ValidationError) as caught:
        services.create_person(actor=people.grid_worker, values=person_values(region="220283"))
    assert "不是网格或楼栋" in _fields(caught)["region"][0]
    # The village operator above both grids may.
    assert (
        services.create_person(
            actor=people.village_op, values=person_values(region=GRID_B)
        ).region_path
        == GRID_B
    )


def test_update_logs_only_what_changed(people, registered):
    services.update_person(
        actor=people.grid_worker,
        person_id=registered.pk,
        values={"name": "王建设", "phone": "13804321111", "note": ""},
        expected_version=1,
        reason="本人告知",
    )
    change = RegistryChange.objects.filter(object_id=registered.pk, action="update").get()
    assert change.before == {"name": "王建国", "phone_masked": "139****1234"}
    assert change.after == {"name": "王建设", "phone_masked": "138****1111"}
    assert change.reason == "本人告知"
    person = Person.objects.get(pk=registered.pk)
    assert person.version == 2
    assert (
        services.reveal(actor=people.grid_worker, obj=person, field="phone", reason="核对")
        == "13804321111"
    )
    # The ID number was not touched: same ciphertext.
    assert person.id_cipher == registered.id_cipher


def test_update_checks_id_facts(people, registered):
    with pytest.raises(ValidationError) as caught:
        services.update_person(
            actor=people.grid_worker, person_id=registered.pk, values={"gender": "female"}
        )
    assert "由身份证号码决定" in _fields(caught)["id_number"][0]
    new_number = make_id(dt.date(1990, 1, 2), male=False)
    person = services.update_person(
        actor=people.grid_worker, person_id=registered.pk, values={"id_number": new_number}
    )
    assert (person.gender, person.birth_date) == ("female", dt.date(1990, 1, 2))
    assert person.id_masked.endswith(new_number[-4:])


def test_stale_version_conflicts(people, registered):
    services.update_person(actor=people.grid_worker, person_id=registered.pk, values={"note": "a"})
    with pytest.raises(RegistryConflict):
        services.update_person(
            actor=people.village_op,
            person_id=registered.pk,
            values={"note": "b"},
            expected_version=1,
        )
    assert Person.objects.get(pk=registered.pk).note == "a"


def test_jurisdiction_404_and_403(people, registered):
    from gridgov.testing import staff

    other_worker = people.grid_worker_of(GRID_B)
    with pytest.raises(Http404):
        services.update_person(actor=other_worker, person_id=registered.pk, values={"note": "x"})
    with pytest.raises(PermissionDenied):
        services.update_person(actor=people.leader, person_id=registered.pk, values={"note": "x"})
    handler = staff("department_handler", department=people.dept_handler.posts.first().department)
    with pytest.raises(Http404):
        services.update_person(actor=handler, person_id=registered.pk, values={"note": "x"})
    assert Person.objects.get(pk=registered.pk).version == 1


def test_remove_ends_tenancies_and_contracts(people, registered):
    room = services.create_room(
        actor=people.grid_worker, values={"building": building_of(GRID_A).path, "number": "101"}
    )
    services.start_tenancy(
        actor=people.grid_worker, room_id=room.pk, tenant_id=registered.pk, starts_on="2026-01-01"
    )
    contract = services.create_care_contract(
        actor=people.grid_worker,
        person_id=registered.pk,
        carer_id=people.grid_worker.pk,
        services="每周上门",
        visit_every_days=7,
        starts_on="2026-01-01",
    )
    with pytest.raises(ValidationError):
        services.remove_person(
            actor=people.grid_worker, person_id=registered.pk, state="active", reason=""
        )
    services.remove_person(
        actor=people.grid_worker, person_id=registered.pk, state="moved_out", reason="迁往长春"
    )
    assert Person.objects.get(pk=registered.pk).state == "moved_out"
    assert Tenancy.objects.get(tenant=registered).ended_on == timezone.localdate()
    assert CareContract.objects.get(pk=contract.pk).state == "ended"
    assert RegistryChange.objects.filter(object_id=registered.pk, action="delete").exists()


# -- rooms and rentals -----------------------------------------------------------------------


def test_rooms_and_tenancies(people, registered):
    building = building_of(GRID_A)
    room = services.create_room(
        actor=people.grid_worker,
        values={
            "building": building.path,
            "unit": "2",
            "number": "502",
            "use": "住宅",
            "area_m2": "89.5",
            "owner_name": "李秀英",
            "occupancy": "自住",
        },
    )
    assert str(room) == "2单元502"
    with pytest.raises(ValidationError) as caught:
        services.create_room(
            actor=people.grid_worker,
            values={"building": building.path, "unit": "2", "number": "502"},
        )
    assert "已有这个单元和房号" in _fields(caught)["number"][0]
    with pytest.raises(ValidationError) as caught:
        services.create_room(actor=people.grid_worker, values={"building": GRID_A, "number": "1"})
    assert "楼栋或屯" in _fields(caught)["building"][0]
    with pytest.raises(ValidationError) as caught:
        services.create_room(
            actor=people.grid_worker,
            values={"building": building.path, "number": "9", "area_m2": "-3"},
        )
    assert "area_m2" in _fields(caught)

    tenancy = services.start_tenancy(
        actor=people.grid_worker,
        room_id=room.pk,
        tenant_id=registered.pk,
        starts_on="2026-03-01",
        ends_on="2027-02-28",
        purpose="居住",
    )
    room.refresh_from_db()
    assert room.occupancy == "rented"
    assert Person.objects.get(pk=registered.pk).room_id == room.pk
    with pytest.raises(ValidationError) as caught:
        services.start_tenancy(
            actor=people.grid_worker,
            room_id=room.pk,
            tenant_id=registered.pk,
            starts_on="2026-03-01",
        )
    assert "已在该房屋租住" in _fields(caught)["tenant"][0]
    with pytest.raises(ValidationError):
        services.end_tenancy(actor=people.grid_worker, tenancy_id=tenancy.pk, ended_on="2025-01-01")
    services.end_tenancy(actor=people.grid_worker, tenancy_id=tenancy.pk, ended_on="2026-06-30")
    room.refresh_from_db()
    assert room.occupancy == "vacant"
    with pytest.raises(RegistryConflict):
        services.end_tenancy(actor=people.grid_worker, tenancy_id=tenancy.pk)


def test_update_room_versioned(people):
    room = services.create_room(
        actor=people.grid_worker, values={"building": building_of(GRID_A).path, "number": "1"}
    )
    services.update_room(
        actor=people.grid_worker, room_id=room.pk, values={"use": "shop"}, expected_version=1
    )
    with pytest.raises(RegistryConflict):
        services.update_room(
            actor=people.grid_worker, room_id=room.pk, values={"use": "home"}, expected_version=1
        )
    assert Room.objects.get(pk=room.pk).use == "shop"


# -- organisations ---------------------------------------------------------------------------


def test_organisations(people):
    code = make_credit_code()
    org = services.create_organisation(
        actor=people.village_op,
        values={
            "credit_code": code.lower(),
            "name": "舒兰市测试商贸有限公司",
            "kind": "企业",
            "legal_rep": "赵明",
            "phone": "0432-68221234",
            "region": GRID_A,
            "employees": "12",
        },
    )
    assert org.credit_code == code
    assert org.phone_masked == "043****1234"
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(
            actor=people.village_op,
            values={"credit_code": code, "name": "另一家", "kind": "enterprise", "region": GRID_A},
        )
    assert _fields(caught) == {"credit_code": ["此统一社会信用代码已登记"]}
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(
            actor=people.village_op,
            values={
                "credit_code": bad,
                "name": "错码",
                "kind": "enterprise",
                "region": GRID_A,
                "dedicated_grid": building_of(GRID_A).path,
            },
        )
    assert set(_fields(caught)) == {"credit_code", "dedicated_grid"}
    updated = services.update_organisation(
        actor=people.village_op, organisation_id=org.pk, values={"employees": 30}
    )
    assert updated.employees == 30 and updated.phone_cipher == org.phone_cipher
    assert Organisation.objects.count() == 1


# -- tags ------------------------------------------------------------------------------------


def test_tags_with_history(people, registered):
    services.set_tag(
        actor=people.grid_worker, person_id=registered.pk, tag="elderly_alone", reason="子女在外地"
    )
    with pytest.raises(RegistryConflict):
        services.set_tag(
            actor=people.grid_worker, person_id=registered.pk, tag="elderly_alone", reason="再次"
        )
    with pytest.raises(ValidationError):
        services.set_tag(
            actor=people.grid_worker, person_id=registered.pk, tag="elderly_alone", reason=""
        )
    with pytest.raises(ValidationError):
        services.set_tag(actor=people.grid_worker, person_id=registered.pk, tag="nope", reason="x")
    services.remove_tag(
        actor=people.grid_worker, person_id=registered.pk, tag="elderly_alone", reason="子女已返乡"
    )
    with pytest.raises(RegistryConflict):
        services.remove_tag(
            actor=people.grid_worker, person_id=registered.pk, tag="elderly_alone", reason="x"
        )
    assert not PersonTag.objects.filter(person=registered).exists()
    events = list(PersonTagEvent.objects.filter(person=registered).order_by("id"))
    assert [(e.action, e.reason, e.actor) for e in events] == [
        ("set", "子女在外地", people.grid_worker),
        ("removed", "子女已返乡", people.grid_worker),
    ]
    with pytest.raises(ValueError, match="append-only"):
        events[0].save()
    with pytest.raises(ValueError, match="append-only"):
        PersonTagEvent.objects.filter(person=registered).delete()
    with pytest.raises(ValueError, match="append-only"):
        RegistryChange.objects.update(reason="x")


def test_sensitive_tags_need_a_revealing_post(people, registered):
    from gridgov.registry.selectors import person_tags, visible_tags

    services.set_tag(
        actor=people.grid_worker,
        person_id=registered.pk,
        tag="community_correction",
        reason="司法所通知",
    )
    services.set_tag(
        actor=people.grid_worker, person_id=registered.pk, tag="veteran", reason="退役证"
    )
    assert {t.tag.code for t in person_tags(people.grid_worker, registered)} == {
        "community_correction",
        "veteran",
    }
    assert {t.tag.code for t in person_tags(people.leader, registered)} == {"veteran"}
    assert not visible_tags(people.leader).filter(group__sensitive=True).exists()


# -- care and visits -------------------------------------------------------------------------


def test_contract_and_visits(people, registered):
    contract = services.create_care_contract(
        actor=people.grid_worker,
        person_id=registered.pk,
        carer_id=people.grid_worker.pk,
        services="每周上门探视，代购药品",
        visit_every_days=7,
        starts_on="2026-11-01",
        tag="elderly_alone",
    )
    assert contract.next_visit_due() == dt.date(2026, 11, 8)
    with pytest.raises(ValidationError) as caught:
        services.create_care_contract(
            actor=people.grid_worker,
            person_id=registered.pk,
            carer_id=0,
            services="",
            visit_every_days=0,
            starts_on="2026-11-01",
            ends_on="2026-10-01",
        )
    assert set(_fields(caught)) == {"carer", "services", "visit_every_days", "ends_on"}
    at = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.record_visit(
            actor=people.grid_worker,
            contract_id=contract.pk,
            kind="care",
            result="problem",
            visited_at=at,
        )
    assert "findings" in _fields(caught)
    visit = services.record_visit(
        actor=people.grid_worker,
        contract_id=contract.pk,
        kind="care",
        result="normal",
        findings="身体状况良好",
        visited_at=at,
        lng=126.96,
        lat=44.41,
    )
    assert visit.person_id == registered.pk and visit.region_path == registered.region_path
    contract.refresh_from_db()
    assert contract.last_visit_at == at
    assert contract.next_visit_due() == timezone.localdate(at) + dt.timedelta(days=7)
    with pytest.raises(ValidationError) as caught:
        services.record_visit(
            actor=people.grid_worker,
            person_id=registered.pk,
            kind="routine",
            result="normal",
            follow_up_case="20990101000001",
        )
    assert "follow_up_case" in _fields(caught)
    other = people.grid_worker_of(GRID_B)
    with pytest.raises(Http404):
        services.record_visit(actor=other, person_id=registered.pk, kind="routine", result="normal")
    assert Visit.objects.count() == 1


def test_visit_links_a_follow_up_case(people, registered, report):
    case = report()
    visit = services.record_visit(
        actor=people.grid_worker,
        person_id=registered.pk,
        kind="routine",
        result="problem",
        findings="楼道堆放杂物",
        follow_up_case=case.number,
    )
    assert visit.follow_up_case == case


# -- revealing -------------------------------------------------------------------------------


def test_reveal_needs_permission_and_reason_and_is_recorded(people, registered):
    with pytest.raises(PermissionDenied):
        services.reveal(actor=people.leader, obj=registered, field="phone", reason="看看")
    with pytest.raises(PermissionDenied):
        services.reveal(actor=people.supervisor, obj=registered, field="phone", reason="看看")
    with pytest.raises(Http404):
        services.reveal(
            actor=people.grid_worker_of(GRID_B), obj=registered, field="phone", reason="看看"
        )
    with pytest.raises(ValidationError):
        services.reveal(actor=people.grid_worker, obj=registered, field="phone", reason=" ")
    assert not RevealRecord.objects.exists()
    value = services.reveal(
        actor=people.county_op,
        obj=registered,
        field="id_number",
        reason="核实低保申请",
        ip="10.0.0.8",
    )
    assert value == decrypt(registered.id_cipher)
    record = RevealRecord.objects.get()
    assert (record.actor, record.field, record.reason, record.subject, record.ip) == (
        people.county_op,
        "id_number",
        "核实低保申请",
        "王建国",
        "10.0.0.8",
    )


def test_reveal_people_skips_those_outside(people, registered):
    other = services.create_person(actor=people.village_op, values=person_values(region=GRID_B))
    rows = services.reveal_people(
        actor=people.grid_worker, people=[registered, other], reason="导出走访名单"
    )
    assert set(rows) == {registered.pk}
    assert rows[registered.pk][1] == "13904321234"
    assert RevealRecord.objects.filter(actor=people.grid_worker).count() == 2


def test_moving_takes_tags_and_contracts_along(people, registered):
    services.set_tag(
        actor=people.grid_worker, person_id=registered.pk, tag="veteran", reason="退役证"
    )
    contract = services.create_care_contract(
        actor=people.grid_worker,
        person_id=registered.pk,
        carer_id=people.grid_worker.pk,
        services="探视",
        visit_every_days=30,
        starts_on="2026-01-01",
    )
    services.update_person(
        actor=people.village_op, person_id=registered.pk, values={"region": GRID_B}
    )
    assert PersonTag.objects.get(person=registered).region_path == GRID_B
    assert CareContract.objects.get(pk=contract.pk).region_path == GRID_B
    with pytest.raises(Http404):
        services.update_person(
            actor=people.grid_worker, person_id=registered.pk, values={"note": "x"}
        )


def test_reveals_are_rate_limited(people, registered, settings):
    from django.core.cache import cache

    from gridgov.core.ratelimit import RateLimited

    cache.clear()
    settings.GRIDGOV_REVEAL_PER_HOUR = 3
    for _ in range(3):
        services.reveal(actor=people.grid_worker, obj=registered, field="phone", reason="回访")
    with pytest.raises(RateLimited):
        services.reveal(actor=people.grid_worker, obj=registered, field="phone", reason="回访")
    assert RevealRecord.objects.count() == 3
    # Another user has their own allowance.
    services.reveal(actor=people.village_op, obj=registered, field="phone", reason="回访")
    cache.clear()


def test_sensitive_tags_are_known_only_where_one_may_reveal(people, registered):
    """A village leader who is also grid A's worker learns who carries a sensitive tag only
    in grid A, though they see the whole village's people."""
    from gridgov.accounts.services import assign_post
    from gridgov.regions.models import Region
    from gridgov.registry.selectors import PersonFilter, key_group_counts
    from gridgov.registry.selectors import people as people_list
    from gridgov.testing import staff

    other = services.create_person(actor=people.village_op, values=person_values(region=GRID_B))
    for person in (registered, other):
        services.set_tag(
            actor=people.village_op,
            person_id=person.pk,
            tag="community_correction",
            reason="司法所通知",
        )
    both = staff("leader", region=Region.objects.get(path="220283001001"))
    assign_post(user=both, role="grid_worker", region=Region.objects.get(path=GRID_A), actor=None)
    found = people_list(both, PersonFilter(tag="community_correction"))
    assert list(found) == [registered]
    assert len(people_list(both, PersonFilter())) >= 2
    counts = {row["tag"].code: row["count"] for row in key_group_counts(both)}
    assert counts["community_correction"] == 1
    assert {row["tag"].code: row["count"] for row in key_group_counts(people.village_op)}[
        "community_correction"
    ] == 2
