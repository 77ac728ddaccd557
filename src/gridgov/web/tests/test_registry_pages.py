"""The workbench pages of the registers (/work/registry/…): lists, filters, person / room /
organisation pages, forms (errors on fields, nothing changed), roles (a leader looks, a grid
worker sees only their grid), the reveal flow, and that no page or export shows a clear ID
number or phone to a post that has not revealed it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from gridgov.registry import services
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
from gridgov.registry.tag_data import load_default_tags
from gridgov.registry.tests.fixtures import (
    GRID_A,
    GRID_B,
    building_of,
    make_credit_code,
    make_id,
    person_values,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
PHONE_A = "13904321234"
PHONE_B = "13612345678"
ORG_PHONE = "043112345678"


def as_user(client: Any, username: str) -> Any:
    client.force_login(User.objects.get(username=username))
    return client


def body(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def tags(db: Any) -> None:
    load_default_tags()


@pytest.fixture
def world(people: Any, tags: Any) -> dict[str, Any]:
    """Two people and a room in grid A, one person in grid B, an organisation in grid A."""
    from gridgov.registry.models import Tag

    worker = people.grid_worker
    room = services.create_room(
        actor=worker,
        values={"building": building_of(GRID_A).path, "unit": "2", "number": "301"},
    )
    id_a = make_id(dt.date(1950, 3, 8), male=False)
    wang = services.create_person(
        actor=worker,
        values=person_values(
            name="王秀兰",
            id_number=id_a,
            phone=PHONE_A,
            room=room.pk,
            household_no="H0001",
            relation="head",
        ),
    )
    id_c = make_id(dt.date(1978, 1, 2))
    zhao = services.create_person(
        actor=worker,
        values=person_values(
            name="赵刚",
            id_number=id_c,
            phone="",
            kind="floating",
            room=room.pk,
            household_no="H0001",
            relation="child",
        ),
    )
    id_b = make_id(dt.date(1990, 7, 1))
    li = services.create_person(
        actor=people.county_op,
        values=person_values(
            name="李明", id_number=id_b, phone=PHONE_B, region=building_of(GRID_B).path
        ),
    )
    code = Tag.objects.filter(group__sensitive=False, group__kind="care").order_by("pk")[0].code
    services.set_tag(actor=worker, person_id=wang.pk, tag=code, reason="独居老人")
    credit = make_credit_code()
    org = services.create_organisation(
        actor=worker,
        values={
            "credit_code": credit,
            "name": "舒兰市育才便民超市",
            "kind": "individual",
            "legal_rep": "孙立平",
            "phone": ORG_PHONE,
            "region": building_of(GRID_A).path,
            "employees": 4,
        },
    )
    return {
        "room": room,
        "wang": wang,
        "zhao": zhao,
        "li": li,
        "org": org,
        "care_tag": code,
        "clear": [id_a, id_b, id_c, PHONE_A, PHONE_B, ORG_PHONE],
    }


def no_clear(response: Any, clear: list[str]) -> None:
    content = response.content
    for value in clear:
        assert value.encode() not in content, value


# -- home, lists and filters ------------------------------------------------------------------


def test_registers_home_counts_and_links(client: Any, world: dict[str, Any]) -> None:
    page = body(as_user(client, "grid_worker").get("/work/registry/"))
    assert "实有人口" in page and "出租房屋" in page and "登记人口" in page
    assert "/work/registry/people/" in page and "/work/registry/groups/" in page
    leader = body(as_user(client, "leader").get("/work/registry/"))
    assert "登记人口" not in leader and "批量导入" not in leader
    # the workbench navigation links here
    assert "/work/registry/" in body(client.get("/work/cases/"))


def test_people_list_filters_masks_and_chips(client: Any, world: dict[str, Any]) -> None:
    c = as_user(client, "county_op")
    page = body(c.get("/work/registry/people/"))
    assert "王秀兰" in page and "李明" in page and "赵刚" in page
    assert world["wang"].id_masked in page and "139****1234" in page
    assert "chip" in page and "导出 Excel" in page and "导出含完整号码" in page
    no_clear(c.get("/work/registry/people/"), world["clear"])
    wang_id, li_id = world["clear"][0], world["clear"][1]
    for query, present, absent in [
        ({"q": "王"}, "王秀兰", "李明"),
        ({"q": wang_id[-4:]}, "王秀兰", "李明"),
        ({"q": li_id}, "李明", "王秀兰"),
        ({"q": PHONE_A}, "王秀兰", "李明"),
        ({"kind": "floating"}, "赵刚", "王秀兰"),
        ({"gender": "female"}, "王秀兰", "赵刚"),
        ({"tag": world["care_tag"]}, "王秀兰", "赵刚"),
        ({"age_min": 70}, "王秀兰", "李明"),
        ({"age_max": 40}, "李明", "王秀兰"),
        ({"region": GRID_B}, "李明", "王秀兰"),
    ]:
        response = c.get("/work/registry/people/", query, follow=True)
        assert response.status_code == 200
        text = body(response)
        assert present in text and absent not in text, query


def test_people_list_paginates_by_fifty(client: Any, people: Any) -> None:
    building = building_of(GRID_A).path
    for n in range(52):
        services.create_person(
            actor=people.grid_worker,
            values=person_values(name=f"测试{n:02d}", phone="", region=building),
        )
    c = as_user(client, "grid_worker")
    first = body(c.get("/work/registry/people/"))
    assert first.count('href="/work/registry/people/') >= 50
    assert "第 1 / 2 页" in first
    second = body(c.get("/work/registry/people/", {"page": 2}))
    assert "第 2 / 2 页" in second


def test_removed_people_are_listed_only_when_asked(client: Any, world: dict[str, Any]) -> None:
    services.remove_person(
        actor=User.objects.get(username="grid_worker"),
        person_id=world["zhao"].pk,
        state="moved_out",
        reason="迁往长春",
    )
    c = as_user(client, "grid_worker")
    assert "赵刚" not in body(c.get("/work/registry/people/"))
    assert "赵刚" in body(c.get("/work/registry/people/", {"state": "all"}))
    assert "赵刚" in body(c.get("/work/registry/people/", {"state": "moved_out"}))


# -- the person page --------------------------------------------------------------------------


def test_person_page_shows_facts_household_room_tags(client: Any, world: dict[str, Any]) -> None:
    wang = world["wang"]
    c = as_user(client, "grid_worker")
    response = c.get(f"/work/registry/people/{wang.pk}/")
    assert response.status_code == 200
    page = body(response)
    assert "王秀兰" in page and wang.id_masked in page and "139****1234" in page
    assert "赵刚" in page  # household member
    assert "2单元301" in page  # the room
    assert "独居老人" in page  # the tag's reason
    assert "查看完整号码" in page and "修改" in page and "标注标签" in page
    no_clear(response, world["clear"])
    history = c.get(f"/work/registry/people/{wang.pk}/", {"tab": "history"})
    text = body(history)
    assert "变更记录" in text and "新增" in text and "标注" in text and "个人信息查看记录" in text
    no_clear(history, world["clear"])


def test_leader_sees_lists_but_no_edit_buttons_and_gets_403_on_post(
    client: Any, world: dict[str, Any]
) -> None:
    wang, room, org = world["wang"], world["room"], world["org"]
    c = as_user(client, "leader")
    for url in (
        "/work/registry/people/",
        f"/work/registry/people/{wang.pk}/",
        f"/work/registry/people/{wang.pk}/?tab=history",
        "/work/registry/rooms/",
        f"/work/registry/rooms/{room.pk}/",
        "/work/registry/orgs/",
        f"/work/registry/orgs/{org.pk}/",
        "/work/registry/groups/",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        page = body(response)
        assert "王秀兰" in page or "育才" in page or "重点" in page, url
        for button in (
            "登记人口",
            "修改</a>",
            "标注标签",
            "记录走访",
            "查看完整号码",
            "导出含完整号码",
        ):
            assert button not in page, (url, button)
        assert "个人信息查看记录" not in page
        no_clear(response, world["clear"])
    tenancy_tag = world["care_tag"]
    posts = [
        (f"/work/registry/people/{wang.pk}/tags/", {"tag": tenancy_tag, "reason": "x"}),
        (f"/work/registry/people/{wang.pk}/tags/remove/", {"tag": tenancy_tag, "reason": "x"}),
        (f"/work/registry/people/{wang.pk}/visits/", {"kind": "routine", "result": "normal"}),
        (f"/work/registry/people/{wang.pk}/contracts/", {"services": "x"}),
        (f"/work/registry/people/{wang.pk}/remove/", {"state": "moved_out", "reason": "x"}),
        (f"/work/registry/people/{wang.pk}/edit/", {"name": "改名"}),
        (f"/work/registry/people/{wang.pk}/reveal/phone/", {"reason": "想看"}),
        ("/work/registry/people/new/", person_values(name="新人")),
        ("/work/registry/people/export.xlsx", {"reveal_reason": "想看"}),
        (f"/work/registry/rooms/{room.pk}/edit/", {"number": "302"}),
        (f"/work/registry/rooms/{room.pk}/tenancies/", {"tenant": PHONE_A}),
        (f"/work/registry/rooms/{room.pk}/visits/", {"kind": "rental", "result": "normal"}),
        ("/work/registry/rooms/new/", {"building": building_of(GRID_A).path, "number": "9"}),
        (f"/work/registry/orgs/{org.pk}/edit/", {"name": "改名"}),
        (f"/work/registry/orgs/{org.pk}/reveal/", {"reason": "想看"}),
        (f"/work/registry/orgs/{org.pk}/visits/", {"kind": "organisation", "result": "normal"}),
        ("/work/registry/orgs/new/", {"name": "新单位"}),
    ]
    changes = RegistryChange.objects.count()
    for url, data in posts:
        assert c.post(url, data).status_code == 403, url
    for url in (
        f"/work/registry/people/{wang.pk}/edit/",
        f"/work/registry/people/{wang.pk}/reveal/id_number/",
        "/work/registry/people/new/",
        f"/work/registry/rooms/{room.pk}/edit/",
        f"/work/registry/orgs/{org.pk}/reveal/",
    ):
        assert c.get(url).status_code == 403, url
    assert RegistryChange.objects.count() == changes
    assert not RevealRecord.objects.exists()
    wang.refresh_from_db()
    assert wang.name == "王秀兰" and wang.state == "active"


def test_grid_worker_sees_only_their_grid(client: Any, world: dict[str, Any]) -> None:
    li = world["li"]
    c = as_user(client, "grid_worker")
    page = body(c.get("/work/registry/people/"))
    assert "王秀兰" in page and "李明" not in page
    assert c.get(f"/work/registry/people/{li.pk}/").status_code == 404
    assert c.get(f"/work/registry/people/{li.pk}/edit/").status_code == 404
    assert c.get(f"/work/registry/people/{li.pk}/reveal/phone/").status_code == 404
    assert (
        c.post(f"/work/registry/people/{li.pk}/reveal/phone/", {"reason": "x"}).status_code == 404
    )
    data = {"tag": world["care_tag"], "reason": "x"}
    assert c.post(f"/work/registry/people/{li.pk}/tags/", data).status_code == 404
    assert not RevealRecord.objects.exists()
    # placing a new person in another grid is a field error, not a registration
    response = c.post(
        "/work/registry/people/new/",
        person_values(name="越界", region=building_of(GRID_B).path),
    )
    assert response.status_code == 400 and "不在您可以登记的辖区内" in body(response)
    assert not Person.objects.filter(name="越界").exists()


# -- reveal ------------------------------------------------------------------------------------


def test_reveal_writes_a_record_and_shows_the_value_only_in_that_response(
    client: Any, world: dict[str, Any]
) -> None:
    wang = world["wang"]
    id_a = world["clear"][0]
    c = as_user(client, "grid_worker")
    url = f"/work/registry/people/{wang.pk}/reveal/id_number/"
    form = c.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "查看理由" in body(form)
    assert "no-store" in form["Cache-Control"]
    no_clear(form, world["clear"])
    # no reason: an error on the field, nothing revealed, nothing recorded
    refused = c.post(url, {"reason": "  "}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "请填写" in body(refused)
    no_clear(refused, world["clear"])
    assert not RevealRecord.objects.exists()
    shown = c.post(url, {"reason": "核实户籍信息"}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200
    assert id_a in body(shown) and "<html" not in body(shown)  # a partial
    assert "no-store" in shown["Cache-Control"]
    record = RevealRecord.objects.get()
    assert record.actor.username == "grid_worker" and record.object_id == wang.pk
    assert record.field == "id_number" and record.reason == "核实户籍信息"
    # the value appears only in that response: the page and its history stay masked
    no_clear(c.get(f"/work/registry/people/{wang.pk}/"), world["clear"])
    history = c.get(f"/work/registry/people/{wang.pk}/", {"tab": "history"})
    no_clear(history, world["clear"])
    assert "核实户籍信息" in body(history)  # the reveal record is listed
    # without htmx: a page of its own, never cached
    page = c.post(f"/work/registry/people/{wang.pk}/reveal/phone/", {"reason": "电话回访"})
    assert page.status_code == 200 and PHONE_A in body(page) and "<html" in body(page)
    assert "no-store" in page["Cache-Control"]
    assert RevealRecord.objects.count() == 2
    assert c.get(f"/work/registry/people/{wang.pk}/reveal/passport/").status_code == 404


def test_organisation_page_reveal_and_masked_legal_rep(client: Any, world: dict[str, Any]) -> None:
    org = world["org"]
    leader = body(as_user(client, "leader").get(f"/work/registry/orgs/{org.pk}/"))
    assert "孙**" in leader and "孙立平" not in leader and "043****5678" in leader
    c = as_user(client, "village_op")
    page = body(c.get(f"/work/registry/orgs/{org.pk}/"))
    assert "孙立平" in page and "查看完整号码" in page
    shown = c.post(f"/work/registry/orgs/{org.pk}/reveal/", {"reason": "联系负责人"})
    assert ORG_PHONE in body(shown)
    assert RevealRecord.objects.get().model == "organisation"
    no_clear(c.get(f"/work/registry/orgs/{org.pk}/"), world["clear"])
    assert "联系负责人" in body(c.get(f"/work/registry/orgs/{org.pk}/", {"tab": "history"}))


def test_no_clear_values_for_a_leader_or_a_worker_before_reveal(
    client: Any, world: dict[str, Any]
) -> None:
    for username in ("leader", "grid_worker", "supervisor", "admin"):
        c = as_user(client, username)
        for url in (
            "/work/registry/",
            "/work/registry/people/",
            "/work/registry/people/?state=all",
            f"/work/registry/people/{world['wang'].pk}/",
            f"/work/registry/people/{world['wang'].pk}/?tab=history",
            f"/work/registry/people/{world['zhao'].pk}/",
            f"/work/registry/rooms/{world['room'].pk}/",
            f"/work/registry/rooms/{world['room'].pk}/?tab=history",
            "/work/registry/rooms/",
            "/work/registry/orgs/",
            f"/work/registry/orgs/{world['org'].pk}/",
            f"/work/registry/orgs/{world['org'].pk}/?tab=history",
            "/work/registry/groups/",
        ):
            response = c.get(url)
            assert response.status_code in (200, 404), (username, url)
            no_clear(response, world["clear"])
        # the edit forms do not prefill a protected value either
        if username in ("grid_worker", "admin"):
            no_clear(c.get(f"/work/registry/people/{world['wang'].pk}/edit/"), world["clear"])
            no_clear(c.get(f"/work/registry/orgs/{world['org'].pk}/edit/"), world["clear"])


# -- forms -------------------------------------------------------------------------------------


def test_new_person_form_puts_errors_on_fields_and_changes_nothing(
    client: Any, people: Any
) -> None:
    c = as_user(client, "grid_worker")
    assert "登记人口" in body(c.get("/work/registry/people/new/"))
    before = Person.objects.count()
    good = make_id()
    bad_id = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = c.post(
        "/work/registry/people/new/",
        person_values(name="", id_number=bad_id, phone="12345", region=building_of(GRID_A).path),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "name" in form.errors and "id_number" in form.errors and "phone" in form.errors
    assert "请填写姓名" in body(response)
    assert Person.objects.count() == before
    # a gender that disagrees with the ID number is an error on the gender field
    number = make_id(dt.date(1985, 1, 1), male=True)
    response = c.post(
        "/work/registry/people/new/", person_values(id_number=number, gender="female")
    )
    assert response.status_code == 400 and "gender" in response.context["form"].errors
    assert "性别与身份证号码不符" in body(response)
    assert Person.objects.count() == before
    # the same number twice
    ok = c.post("/work/registry/people/new/", person_values(id_number=number, phone=""))
    assert ok.status_code == 302
    person = Person.objects.get(id_masked=f"{number[:6]}********{number[-4:]}")
    assert ok["Location"] == f"/work/registry/people/{person.pk}/"
    assert person.gender == "male" and person.birth_date == dt.date(1985, 1, 1)
    again = c.post("/work/registry/people/new/", person_values(id_number=number))
    assert again.status_code == 400 and "此证件号码已登记" in body(again)


def test_new_person_in_a_room_from_the_room_page(client: Any, world: dict[str, Any]) -> None:
    room = world["room"]
    c = as_user(client, "grid_worker")
    page = body(c.get("/work/registry/people/new/", {"room": room.pk}))
    assert f'value="{room.pk}" selected' in page and "2单元301" in page
    values = person_values(name="孙小梅", region=room.building.path, room=room.pk, phone="")
    response = c.post(f"/work/registry/people/new/?room={room.pk}", values)
    assert response.status_code == 302
    assert Person.objects.get(name="孙小梅").room_id == room.pk


def test_edit_person_keeps_protected_values_and_detects_stale_versions(
    client: Any, world: dict[str, Any]
) -> None:
    wang = world["wang"]
    c = as_user(client, "grid_worker")
    page = c.get(f"/work/registry/people/{wang.pk}/edit/")
    assert page.status_code == 200 and "留空则不修改" in body(page)
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(workplace="舒兰市第一中学", is_party_member="on")
    response = c.post(f"/work/registry/people/{wang.pk}/edit/", data)
    assert response.status_code == 302, body(response)
    wang.refresh_from_db()
    assert wang.workplace == "舒兰市第一中学" and wang.is_party_member
    assert wang.phone_masked == "139****1234" and wang.version == 2
    change = RegistryChange.objects.filter(model="person", object_id=wang.pk).first()
    assert change is not None and set(change.after) == {"workplace", "is_party_member"}
    # a new phone; the old version is refused with 409 and nothing changes
    data.update(phone="13700001111", version=2)
    assert c.post(f"/work/registry/people/{wang.pk}/edit/", data).status_code == 302
    wang.refresh_from_db()
    assert wang.phone_masked == "137****1111"
    data.update(workplace="别处", version=1)
    stale = c.post(f"/work/registry/people/{wang.pk}/edit/", data)
    assert stale.status_code == 409 and "记录已被他人修改" in body(stale)
    wang.refresh_from_db()
    assert wang.workplace == "舒兰市第一中学"
    # changing the gender of a checked ID number is an error
    data.update(version=wang.version, gender="male")
    wrong = c.post(f"/work/registry/people/{wang.pk}/edit/", data)
    assert wrong.status_code == 400 and "由身份证号码决定" in body(wrong)


def test_tags_are_set_and_removed_with_a_reason(client: Any, world: dict[str, Any]) -> None:
    from gridgov.registry.models import Tag

    zhao = world["zhao"]
    code = Tag.objects.filter(group__sensitive=False).exclude(code=world["care_tag"])[0].code
    c = as_user(client, "grid_worker")
    url = f"/work/registry/people/{zhao.pk}/tags/"
    missing = c.post(url, {"tag": code, "reason": ""})
    assert missing.status_code == 400 and "请填写理由" in body(missing)
    assert not PersonTag.objects.filter(person=zhao).exists()
    assert c.post(url, {"tag": code, "reason": "新就业群体"}).status_code == 302
    assert PersonTag.objects.filter(person=zhao, tag__code=code).exists()
    assert "新就业群体" in body(c.get(f"/work/registry/people/{zhao.pk}/"))
    remove = f"/work/registry/people/{zhao.pk}/tags/remove/"
    assert c.post(remove, {"tag": code, "reason": ""}).status_code == 400
    assert c.post(remove, {"tag": code, "reason": "已离职"}).status_code == 302
    assert not PersonTag.objects.filter(person=zhao).exists()
    assert PersonTagEvent.objects.filter(person=zhao).count() == 2
    history = body(c.get(f"/work/registry/people/{zhao.pk}/", {"tab": "history"}))
    assert "新就业群体" in history and "已离职" in history
    twice = c.post(remove, {"tag": code, "reason": "再取消"})
    assert twice.status_code == 409


def test_sensitive_tags_are_hidden_from_posts_that_may_not_reveal(
    client: Any, world: dict[str, Any]
) -> None:
    from gridgov.registry.models import Tag

    tag = Tag.objects.filter(group__sensitive=True)[0]
    services.set_tag(
        actor=User.objects.get(username="grid_worker"),
        person_id=world["zhao"].pk,
        tag=tag.code,
        reason="社区矫正",
    )
    worker = body(as_user(client, "grid_worker").get(f"/work/registry/people/{world['zhao'].pk}/"))
    assert tag.name in worker
    for username in ("leader", "admin"):
        c = as_user(client, username)
        for url in (
            f"/work/registry/people/{world['zhao'].pk}/",
            f"/work/registry/people/{world['zhao'].pk}/?tab=history",
            "/work/registry/people/",
            "/work/registry/groups/",
        ):
            assert tag.name not in body(c.get(url)), (username, url)


def test_care_contract_and_visits(client: Any, world: dict[str, Any]) -> None:
    wang = world["wang"]
    worker = User.objects.get(username="grid_worker")
    c = as_user(client, "grid_worker")
    url = f"/work/registry/people/{wang.pk}/contracts/"
    bad = c.post(url, {"carer": worker.pk, "services": "", "visit_every_days": "0"})
    assert bad.status_code == 400
    assert {"services", "visit_every_days"} <= set(bad.context["contract_form"].errors)
    assert not CareContract.objects.exists()
    start = (dt.date.today() - dt.timedelta(days=20)).isoformat()
    data = {
        "carer": worker.pk,
        "tag": world["care_tag"],
        "services": "每周上门探望，代购生活用品",
        "visit_every_days": "7",
        "starts_on": start,
    }
    assert c.post(url, data).status_code == 302
    contract = CareContract.objects.get()
    # due: on the key-group page and the registers home
    groups = body(c.get("/work/registry/groups/"))
    assert "王秀兰" in groups and "关爱合约待走访" in groups
    # a visit against the contract moves its next due date
    bad_visit = c.post(
        f"/work/registry/people/{wang.pk}/visits/", {"kind": "care", "result": "problem"}
    )
    assert bad_visit.status_code == 400 and "发现问题时请写明情况" in body(bad_visit)
    assert not Visit.objects.exists()
    visit = {"kind": "care", "result": "normal", "findings": "身体尚好", "contract": contract.pk}
    assert c.post(f"/work/registry/people/{wang.pk}/visits/", visit).status_code == 302
    contract.refresh_from_db()
    assert contract.last_visit_at is not None
    page = body(c.get(f"/work/registry/people/{wang.pk}/"))
    assert "身体尚好" in page and "关爱走访" in page
    assert "王秀兰" not in body(c.get("/work/registry/groups/")).split('id="due"')[1]
    # ending needs a reason
    end = f"/work/registry/contracts/{contract.pk}/end/"
    assert c.post(end, {"reason": ""}).status_code == 400
    assert c.post(end, {"reason": "老人搬去子女家"}).status_code == 302
    contract.refresh_from_db()
    assert contract.state == "ended"
    assert c.post(end, {"reason": "再结束"}).status_code == 409


def test_remove_person(client: Any, world: dict[str, Any]) -> None:
    zhao = world["zhao"]
    c = as_user(client, "grid_worker")
    url = f"/work/registry/people/{zhao.pk}/remove/"
    assert c.post(url, {"state": "moved_out", "reason": ""}).status_code == 400
    zhao.refresh_from_db()
    assert zhao.state == "active"
    assert c.post(url, {"state": "deceased", "reason": "病故"}).status_code == 302
    zhao.refresh_from_db()
    assert zhao.state == "deceased"
    page = body(c.get(f"/work/registry/people/{zhao.pk}/"))
    assert "已死亡" in page and "标注标签" not in page


# -- rooms --------------------------------------------------------------------------------------


def test_rooms_list_page_and_forms(client: Any, world: dict[str, Any]) -> None:
    room = world["room"]
    c = as_user(client, "grid_worker")
    listed = body(c.get("/work/registry/rooms/"))
    assert "2单元301" in listed and "登记房屋" in listed
    page = c.get(f"/work/registry/rooms/{room.pk}/")
    assert "王秀兰" in body(page) and "赵刚" in body(page) and "登记住户" in body(page)
    no_clear(page, world["clear"])
    # new room: errors on fields, then registered
    building = building_of(GRID_A).path
    bad = c.post("/work/registry/rooms/new/", {"building": building, "number": "", "area_m2": "x"})
    assert bad.status_code == 400 and {"number", "area_m2"} <= set(bad.context["form"].errors)
    dup = c.post("/work/registry/rooms/new/", {"building": building, "unit": "2", "number": "301"})
    assert dup.status_code == 400 and "该楼栋已有这个单元和房号" in body(dup)
    ok = c.post(
        "/work/registry/rooms/new/",
        {"building": building, "unit": "1", "number": "101", "area_m2": "86.5", "use": "home"},
    )
    assert ok.status_code == 302
    new = Room.objects.get(unit="1", number="101", building__path=building)
    # edit with a stale version
    edit = f"/work/registry/rooms/{new.pk}/edit/"
    assert c.get(edit).status_code == 200
    data = {"unit": "1", "number": "101", "use": "shop", "occupancy": "vacant", "version": 1}
    assert c.post(edit, data).status_code == 302
    assert c.post(edit, {**data, "use": "office"}).status_code == 409
    new.refresh_from_db()
    assert new.use == "shop"
    # a tenancy by the tenant's ID number; ending it
    tenancy_url = f"/work/registry/rooms/{new.pk}/tenancies/"
    unknown = c.post(tenancy_url, {"tenant": make_id(), "starts_on": "2026-01-01"})
    assert unknown.status_code == 400 and "没有找到" in body(unknown)
    li_id = world["clear"][1]
    assert c.post(tenancy_url, {"tenant": li_id, "starts_on": "2026-01-01"}).status_code == 400
    zhao_id = world["clear"][2]
    response = c.post(tenancy_url, {"tenant": zhao_id, "starts_on": "2026-01-01", "move_in": "on"})
    assert response.status_code == 302
    tenancy = Tenancy.objects.get(room=new)
    new.refresh_from_db()
    assert new.occupancy == "rented"
    rented = body(c.get("/work/registry/rooms/", {"occupancy": "rented"}))
    assert "1单元101" in rented and "2单元301" not in rented
    end = f"/work/registry/tenancies/{tenancy.pk}/end/"
    assert c.post(end, {"ended_on": "2025-01-01"}).status_code == 400
    assert c.post(end, {"ended_on": "2026-02-01"}).status_code == 302
    assert c.post(end, {}).status_code == 409
    # a rental check
    visit = {"kind": "rental", "result": "normal", "findings": "消防通道畅通"}
    assert c.post(f"/work/registry/rooms/{new.pk}/visits/", visit).status_code == 302
    assert "消防通道畅通" in body(c.get(f"/work/registry/rooms/{new.pk}/"))
    history = body(c.get(f"/work/registry/rooms/{new.pk}/", {"tab": "history"}))
    assert "用途" in history and "商铺" in history


# -- organisations ----------------------------------------------------------------------------


def test_organisation_list_filters_and_forms(client: Any, world: dict[str, Any]) -> None:
    org = world["org"]
    c = as_user(client, "grid_worker")
    listed = body(c.get("/work/registry/orgs/", {"q": "便民"}))
    assert "舒兰市育才便民超市" in listed and org.credit_code in listed
    assert "育才便民" in body(c.get("/work/registry/orgs/", {"q": org.credit_code}))
    assert "育才便民" not in body(c.get("/work/registry/orgs/", {"kind": "school"}))
    building = building_of(GRID_A).path
    bad = c.post(
        "/work/registry/orgs/new/",
        {"credit_code": "91220283000000000X", "name": "", "kind": "", "region": building},
    )
    assert bad.status_code == 400
    assert {"credit_code", "name", "kind"} <= set(bad.context["form"].errors)
    assert Organisation.objects.count() == 1
    code = make_credit_code()
    ok = c.post(
        "/work/registry/orgs/new/",
        {"credit_code": code, "name": "育才小学", "kind": "school", "region": building},
    )
    assert ok.status_code == 302
    school = Organisation.objects.get(credit_code=code)
    edit = f"/work/registry/orgs/{school.pk}/edit/"
    form = c.get(edit).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(employees="85", phone="13800001234")
    assert c.post(edit, data).status_code == 302, body(c.post(edit, data))
    school.refresh_from_db()
    assert school.employees == 85 and school.phone_masked == "138****1234"
    assert c.post(edit, {**data, "version": 1}).status_code == 409
    visit = {"kind": "organisation", "result": "normal", "findings": "安全检查"}
    assert c.post(f"/work/registry/orgs/{school.pk}/visits/", visit).status_code == 302
    assert "安全检查" in body(c.get(f"/work/registry/orgs/{school.pk}/"))


def test_key_groups_page_links_to_the_filtered_list(client: Any, world: dict[str, Any]) -> None:
    c = as_user(client, "village_op")
    page = body(c.get("/work/registry/groups/"))
    assert f"/work/registry/people/?tag={world['care_tag']}" in page
    assert body(c.get("/work/registry/groups/", {"region": GRID_B})).count(">1</a>") == 0


def test_a_whole_number_searched_for_leaves_the_url_as_a_keyed_hash(
    client: Any, world: dict[str, Any]
) -> None:
    li_id = world["clear"][1]
    c = as_user(client, "county_op")
    response = c.get("/work/registry/people/", {"q": li_id, "kind": "registered"})
    assert response.status_code == 302
    assert li_id not in response["Location"] and "qh=" in response["Location"]
    page = c.get(response["Location"])
    assert "李明" in body(page) and "王秀兰" not in body(page)
    no_clear(page, world["clear"])
    by_phone = c.get(c.get("/work/registry/people/", {"q": PHONE_A})["Location"])
    assert "王秀兰" in body(by_phone) and PHONE_A not in body(by_phone)


# -- exports --------------------------------------------------------------------------------------


def _sheet_text(content: bytes) -> str:
    from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def test_export_is_masked_and_clear_values_need_a_revealing_post_and_a_reason(
    client: Any, world: dict[str, Any]
) -> None:
    for username in ("leader", "grid_worker", "county_op"):
        response = as_user(client, username).get("/work/registry/people/export.xlsx")
        assert response.status_code == 200, username
        assert "attachment" in response["Content-Disposition"]
        text = _sheet_text(response.content)
        assert "王秀兰" in text and world["wang"].id_masked in text
        for value in world["clear"]:
            assert value not in text, (username, value)
    assert not RevealRecord.objects.exists()
    # the list's filter applies
    c = as_user(client, "county_op")
    text = _sheet_text(c.get("/work/registry/people/export.xlsx", {"kind": "floating"}).content)
    assert "赵刚" in text and "王秀兰" not in text
    # clear values: a post that may reveal, with a reason; each value is recorded
    assert (
        as_user(client, "leader")
        .post("/work/registry/people/export.xlsx", {"reveal_reason": "核对"})
        .status_code
        == 403
    )
    c = as_user(client, "grid_worker")
    missing = c.post("/work/registry/people/export.xlsx", {"reveal_reason": ""})
    assert missing.status_code == 302 and not RevealRecord.objects.exists()
    response = c.post("/work/registry/people/export.xlsx", {"reveal_reason": "入户核对名单"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = _sheet_text(response.content)
    assert world["clear"][0] in text and PHONE_A in text
    assert world["clear"][1] not in text  # another grid's person is not in the worker's list
    assert RevealRecord.objects.filter(reason="入户核对名单").count() == 4  # 2 people × 2 fields


# -- imports ------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "\n".join(",".join(row) for row in rows)
    return SimpleUploadedFile("人口.csv", ("\ufeff" + text).encode(), content_type="text/csv")


def test_import_page_shows_errors_and_the_report_then_imports(client: Any, people: Any) -> None:
    c = as_user(client, "grid_worker")
    page = c.get("/work/registry/import/people/")
    assert page.status_code == 200 and "下载模板" in body(page) and "上传并导入" in body(page)
    template = c.get("/work/registry/import/people/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    csv_template = c.get("/work/registry/import/people/template.csv")
    assert "姓名" in csv_template.content.decode("utf-8-sig")
    assert c.get("/work/registry/import/nonsense/").status_code == 404
    building = building_of(GRID_A).path
    good_id = make_id(dt.date(1966, 6, 6))
    header = ["姓名", "证件号码", "所在网格/楼栋代码"]
    before = Person.objects.count()
    bad = c.post(
        "/work/registry/import/people/",
        {"file": _csv([header, ["张三", good_id, building], ["李四", "123", building]])},
    )
    assert bad.status_code == 400
    text = body(bad)
    assert "未导入" in text and "证件号码" in text and "下载完整错误报告" in text
    assert Person.objects.count() == before  # all or nothing
    job = bad.context["result"].job
    report = c.get(f"/work/registry/import/reports/{job.pk}/")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert (
        as_user(client, "village_op").get(f"/work/registry/import/reports/{job.pk}/").status_code
        == 404
    )  # only one's own reports
    c = as_user(client, "grid_worker")
    ok = c.post(
        "/work/registry/import/people/", {"file": _csv([header, ["张三", good_id, building]])}
    )
    assert ok.status_code == 200 and "导入成功" in body(ok)
    assert Person.objects.count() == before + 1
    # a leader may not import
    leader = as_user(client, "leader")
    assert leader.get("/work/registry/import/people/").status_code == 403
    assert (
        leader.post(
            "/work/registry/import/people/", {"file": _csv([header, ["王五", make_id(), building]])}
        ).status_code
        == 403
    )


def test_an_export_is_audited_without_a_clear_number(client: Any, world: dict[str, Any]) -> None:
    from gridgov.core.models import AuditEntry

    li_id = world["clear"][1]
    c = as_user(client, "county_op")
    response = c.get("/work/registry/people/export.xlsx", {"q": li_id})
    assert response.status_code == 200
    assert "李明" in _sheet_text(response.content)
    entry = AuditEntry.objects.filter(action="export_people").latest("pk")
    assert entry.changes["rows"] == 1 and not entry.changes["clear"]
    assert li_id not in str(entry.changes) and "qh=" in entry.changes["query"]


def test_reveal_past_the_hourly_limit_is_refused_on_the_form(client, people, settings):
    from django.core.cache import cache

    from gridgov.registry.models import RevealRecord
    from gridgov.registry.services import create_person
    from gridgov.registry.tests.fixtures import person_values

    cache.clear()
    settings.GRIDGOV_REVEAL_PER_HOUR = 1
    person = create_person(actor=people.grid_worker, values=person_values())
    client.force_login(people.grid_worker)
    url = f"/work/registry/people/{person.pk}/reveal/phone/"
    assert client.post(url, {"reason": "回访"}).status_code == 200
    response = client.post(url, {"reason": "回访"})
    assert response.status_code == 400 and "查看过于频繁" in response.content.decode()
    assert RevealRecord.objects.count() == 1
    cache.clear()
