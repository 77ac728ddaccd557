"""网格通's register pages (/m/registry/…): a grid worker looks up the people and rooms of their
grid, reveals a phone with a reason to call, updates a person, records visits and works
through the care contracts due; another grid's person is a 404, and no page shows a clear ID
number or phone except the response to a reveal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.registry import services
from gridgov.registry.models import CareContract, Person, RevealRecord, Visit
from gridgov.registry.tag_data import load_default_tags
from gridgov.registry.tests.fixtures import GRID_A, GRID_B, building_of, make_id, person_values

pytestmark = pytest.mark.django_db
User = get_user_model()
PHONE_A = "13904321234"
PHONE_B = "13612345678"


def as_user(client: Any, username: str) -> Any:
    client.force_login(User.objects.get(username=username))
    return client


def body(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def world(people: Any) -> dict[str, Any]:
    from gridgov.registry.models import Tag

    load_default_tags()
    worker = people.grid_worker
    room = services.create_room(
        actor=worker, values={"building": building_of(GRID_A).path, "unit": "1", "number": "502"}
    )
    id_a = make_id(dt.date(1948, 9, 9), male=False)
    wang = services.create_person(
        actor=worker,
        values=person_values(name="王秀兰", id_number=id_a, phone=PHONE_A, room=room.pk),
    )
    id_b = make_id(dt.date(1991, 4, 4))
    li = services.create_person(
        actor=people.county_op,
        values=person_values(
            name="李明", id_number=id_b, phone=PHONE_B, region=building_of(GRID_B).path
        ),
    )
    tag = Tag.objects.filter(group__kind="care", group__sensitive=False).order_by("pk")[0]
    contract = services.create_care_contract(
        actor=worker,
        person_id=wang.pk,
        carer_id=worker.pk,
        services="每周上门探望",
        visit_every_days=7,
        starts_on=timezone.localdate() - dt.timedelta(days=10),
        tag=tag.code,
    )
    return {
        "room": room,
        "wang": wang,
        "li": li,
        "contract": contract,
        "clear": [id_a, id_b, PHONE_A, PHONE_B],
    }


def no_clear(response: Any, clear: list[str]) -> None:
    for value in clear:
        assert value.encode() not in response.content, value


def test_staff_without_a_grid_post_get_the_friendly_page(
    client: Any, world: dict[str, Any]
) -> None:
    for username in ("village_op", "leader"):
        c = as_user(client, username)
        for url in (
            "/m/registry/",
            "/m/registry/care/",
            f"/m/registry/people/{world['wang'].pk}/",
        ):
            response = c.get(url)
            assert "网格通仅供网格员使用" in body(response), (username, url)
            no_clear(response, world["clear"])
        response = c.post(f"/m/registry/people/{world['wang'].pk}/phone/", {"reason": "x"})
        assert "网格通仅供网格员使用" in body(response)
    assert not RevealRecord.objects.exists()


def test_lookup_by_search_and_by_building_room_residents(
    client: Any, world: dict[str, Any]
) -> None:
    c = as_user(client, "grid_worker")
    home = c.get("/m/registry/")
    assert home.status_code == 200 and "no-store" in home["Cache-Control"]
    text = body(home)
    assert building_of(GRID_A).name in text and "关爱走访待办" in text
    assert '<b id="care-due">1</b>' in text
    assert "/m/registry/" in body(c.get("/m/"))  # the phone home links here
    found = body(c.get("/m/registry/", {"q": "王"}))
    assert "王秀兰" in found and world["wang"].id_masked in found
    # the other grid's person is not found, even by a whole number
    assert "李明" not in body(c.get("/m/registry/", {"q": "李"}))
    by_phone = c.get("/m/registry/", {"q": PHONE_B})
    assert by_phone.status_code == 302 and PHONE_B not in by_phone["Location"]
    assert "李明" not in body(c.get(by_phone["Location"]))
    by_phone = c.get(c.get("/m/registry/", {"q": PHONE_A})["Location"])
    assert "王秀兰" in body(by_phone)
    no_clear(by_phone, world["clear"])
    # building → rooms → residents
    building = c.get(f"/m/registry/places/{building_of(GRID_A).path}/")
    assert building.status_code == 200 and "1单元502" in body(building)
    room = c.get(f"/m/registry/rooms/{world['room'].pk}/")
    assert room.status_code == 200 and "王秀兰" in body(room)
    for response in (home, building, room):
        no_clear(response, world["clear"])
    assert c.get(f"/m/registry/places/{building_of(GRID_B).path}/").status_code == 404
    assert c.get(f"/m/registry/places/{GRID_A}/").status_code == 200


def test_person_card_and_another_grids_person(client: Any, world: dict[str, Any]) -> None:
    wang, li = world["wang"], world["li"]
    c = as_user(client, "grid_worker")
    card = c.get(f"/m/registry/people/{wang.pk}/")
    assert card.status_code == 200 and "no-store" in card["Cache-Control"]
    text = body(card)
    assert "王秀兰" in text and "139****1234" in text and "查看完整号码" in text
    assert "记录走访" in text and "每周上门探望" in text
    no_clear(card, world["clear"])
    assert c.get(f"/m/registry/people/{li.pk}/").status_code == 404
    assert c.post(f"/m/registry/people/{li.pk}/phone/", {"reason": "联系"}).status_code == 404
    assert c.post(f"/m/registry/people/{li.pk}/update/", {"phone": PHONE_A}).status_code == 404
    visit = {"kind": "routine", "result": "normal"}
    assert c.post(f"/m/registry/people/{li.pk}/visit/", visit).status_code == 404
    assert not RevealRecord.objects.exists() and not Visit.objects.exists()


def test_reveal_the_phone_with_a_reason_to_call(client: Any, world: dict[str, Any]) -> None:
    wang = world["wang"]
    c = as_user(client, "grid_worker")
    url = f"/m/registry/people/{wang.pk}/phone/"
    assert c.get(url).status_code == 405
    refused = c.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "请填写" in body(refused)
    no_clear(refused, world["clear"])
    assert not RevealRecord.objects.exists()
    shown = c.post(url, {"reason": "电话联系走访对象"}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert f'href="tel:{PHONE_A}"' in body(shown) and "<html" not in body(shown)
    record = RevealRecord.objects.get()
    assert (record.field, record.reason, record.object_id) == ("phone", "电话联系走访对象", wang.pk)
    no_clear(c.get(f"/m/registry/people/{wang.pk}/"), world["clear"])
    # without htmx: the card with the number, never cached
    page = c.post(url, {"reason": "核实联系方式"})
    assert page.status_code == 200 and PHONE_A in body(page) and "<html" in body(page)
    assert "no-store" in page["Cache-Control"]
    assert RevealRecord.objects.count() == 2


def test_quick_update_errors_on_fields_and_stale_versions(
    client: Any, world: dict[str, Any]
) -> None:
    wang = world["wang"]
    c = as_user(client, "grid_worker")
    url = f"/m/registry/people/{wang.pk}/update/"
    base = {"residence_status": "together", "room": world["room"].pk, "version": wang.version}
    bad = c.post(url, {**base, "phone": "123"})
    assert bad.status_code == 400 and "电话号码应为" in body(bad)
    wang.refresh_from_db()
    assert wang.phone_masked == "139****1234" and wang.version == 1
    ok = c.post(url, {**base, "phone": "13811112222", "residence_status": "away"})
    assert ok.status_code == 302
    wang.refresh_from_db()
    assert wang.phone_masked == "138****2222" and wang.residence_status == "away"
    assert wang.version == 2
    stale = c.post(url, {**base, "residence_status": "not_here"})
    assert stale.status_code == 409 and "记录已被他人修改" in body(stale)
    # moving out of the room keeps them in the building
    moved = c.post(url, {**base, "room": "", "residence_status": "away", "version": 2})
    assert moved.status_code == 302
    wang.refresh_from_db()
    assert wang.room_id is None and wang.region_path == building_of(GRID_A).path


def test_record_a_visit_with_gps_and_its_errors(client: Any, world: dict[str, Any]) -> None:
    wang = world["wang"]
    c = as_user(client, "grid_worker")
    url = f"/m/registry/people/{wang.pk}/visit/"
    bad = c.post(url, {"kind": "routine", "result": "problem", "follow_up_case": "20260101000001"})
    assert bad.status_code == 400
    assert "发现问题时请写明情况" in body(bad) and "案件不存在" in body(bad)
    assert not Visit.objects.exists()
    ok = c.post(
        url,
        {
            "kind": "routine",
            "result": "problem",
            "findings": "楼道堆放杂物",
            "lng": "126.965",
            "lat": "44.412",
        },
    )
    assert ok.status_code == 302 and ok["Location"] == f"/m/registry/people/{wang.pk}/"
    visit = Visit.objects.get()
    assert visit.lng == pytest.approx(126.965) and visit.room_id == world["room"].pk
    assert "楼道堆放杂物" in body(c.get(f"/m/registry/people/{wang.pk}/"))


def test_care_contracts_due_with_a_one_tap_visit(client: Any, world: dict[str, Any]) -> None:
    contract = world["contract"]
    c = as_user(client, "grid_worker")
    page = c.get("/m/registry/care/")
    text = body(page)
    assert "王秀兰" in text and "逾期 3 天" in text and "已走访，情况正常" in text
    no_clear(page, world["clear"])
    tap = c.post(
        f"/m/registry/people/{contract.person_id}/visit/",
        {"kind": "care", "result": "normal", "contract": contract.pk, "next": "/m/registry/care/"},
    )
    assert tap.status_code == 302 and tap["Location"] == "/m/registry/care/"
    contract.refresh_from_db()
    assert contract.last_visit_at is not None
    assert Visit.objects.get().contract_id == contract.pk
    after = body(c.get("/m/registry/care/"))
    assert "逾期 3 天" not in after and "王秀兰" in after
    assert '<b id="care-due">0</b>' in body(c.get("/m/registry/"))
    # an outside "next" is ignored
    other = c.post(
        f"/m/registry/people/{contract.person_id}/visit/",
        {"kind": "care", "result": "normal", "next": "https://example.com/"},
    )
    assert other["Location"] == f"/m/registry/people/{contract.person_id}/"


def test_a_grid_chief_sees_the_contracts_of_their_grid_workers(
    client: Any, world: dict[str, Any]
) -> None:
    """A contract whose carer is someone else shows up for the grid's worker too."""
    other = CareContract.objects.get()
    other.carer = User.objects.get(username="grid_chief")
    other.save(update_fields=["carer"])
    text = body(as_user(client, "grid_worker").get("/m/registry/care/"))
    assert "王秀兰" in text and "责任人" in text
    assert Person.objects.filter(pk=world["wang"].pk).exists()


def test_contracts_not_due_this_week_are_folded_away(client: Any, world: dict[str, Any]) -> None:
    worker = User.objects.get(username="grid_worker")
    later = services.create_person(
        actor=worker, values=person_values(name="周桂芬", phone="", region=GRID_A)
    )
    services.create_care_contract(
        actor=worker,
        person_id=later.pk,
        carer_id=worker.pk,
        services="每月电话问候",
        visit_every_days=30,
        starts_on=timezone.localdate(),
    )
    text = body(as_user(client, "grid_worker").get("/m/registry/care/"))
    due, folded = text.split("其余合约 1 份")
    assert "王秀兰" in due and "周桂芬" in folded
    # people placed at the grid itself are listed under the grid
    assert "周桂芬" in body(client.get(f"/m/registry/places/{GRID_A}/"))


def test_the_service_worker_never_keeps_no_store_pages(client):
    body = client.get("/m/sw.js").content.decode()
    assert 'indexOf("no-store") === -1' in body
