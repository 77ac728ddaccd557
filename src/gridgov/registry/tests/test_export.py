"""Excel exports of the registers: masked by default, clear only for a post that may reveal,
with a reason, and then recorded."""

from __future__ import annotations

import io
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest

from gridgov.accounts.services import assign_post
from gridgov.core import protection
from gridgov.registry import selectors
from gridgov.registry.exports import export_xlsx
from gridgov.registry.models import Organisation, Person, RevealRecord, Room
from gridgov.registry.services import create_organisation, create_person, create_room
from gridgov.registry.tests.fixtures import (
    GRID_A,
    GRID_B,
    building_of,
    make_credit_code,
    make_id,
)
from gridgov.testing import region, staff

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def by_name(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


@pytest.fixture
def residents(people) -> list[tuple[Person, str, str]]:
    """Two people in grid A and one in grid B, with their clear ID numbers and phones."""
    out = []
    for name, grid, phone in (
        ("王建国", GRID_A, "13904321234"),
        ("李秀兰", GRID_A, "13804325678"),
        ("赵小明", GRID_B, "13704329999"),
    ):
        number = make_id()
        actor = people.grid_worker if grid == GRID_A else people.village_op
        person = create_person(
            actor=actor,
            values={
                "name": name,
                "id_number": number,
                "phone": phone,
                "region": building_of(grid).path,
            },
        )
        out.append((person, number, phone))
    return out


def clear_values(residents) -> set[str]:
    return {value for _, number, phone in residents for value in (number, phone)}


def all_cells(content: bytes) -> str:
    return " ".join(str(v) for row in sheet_rows(content) for v in row if v is not None)


def test_masked_for_a_leader_even_with_a_reason(people, residents):
    leader = people.leader
    queryset = selectors.people(leader)

    content = export_xlsx(actor=leader, kind="people", queryset=queryset, reveal_reason="核查")

    rows = by_name(sheet_rows(content))
    for person, _number, _phone in residents:
        assert rows[person.name]["证件号码"] == person.id_masked
        assert rows[person.name]["联系电话"] == person.phone_masked
    assert not clear_values(residents) & set(all_cells(content).split())
    assert not RevealRecord.objects.filter(actor=leader).exists()


def test_masked_for_a_grid_worker_without_a_reason(people, residents):
    worker = people.grid_worker

    content = export_xlsx(actor=worker, kind="people", queryset=Person.objects.all())

    rows = by_name(sheet_rows(content))
    assert set(rows) == {"王建国", "李秀兰"}  # the queryset is narrowed to the worker's grid
    assert rows["王建国"]["证件号码"] == residents[0][0].id_masked
    assert rows["王建国"]["性别"] in ("男", "女") and rows["王建国"]["状态"] == "在册"
    assert rows["王建国"]["所在网格/楼栋代码"] == building_of(GRID_A).code
    assert not clear_values(residents) & set(all_cells(content).split())
    assert not RevealRecord.objects.exists()


def test_clear_for_a_grid_worker_with_a_reason_and_recorded(people, residents):
    worker = people.grid_worker

    content = export_xlsx(
        actor=worker,
        kind="people",
        queryset=selectors.people(worker),
        reveal_reason="入户核查名单",
    )

    rows = by_name(sheet_rows(content))
    for person, number, phone in residents[:2]:
        assert rows[person.name]["证件号码"] == number
        assert rows[person.name]["联系电话"] == phone
        records = RevealRecord.objects.filter(actor=worker, object_id=person.pk)
        assert sorted(records.values_list("field", flat=True)) == ["id_number", "phone"]
        assert set(records.values_list("reason", flat=True)) == {"入户核查名单"}
    assert RevealRecord.objects.count() == 4


def test_clear_only_where_the_actor_may_reveal(people, residents):
    """A user who views the county as a leader but reveals only in grid A as its worker."""
    user = staff("grid_worker", region=region(GRID_A))
    assign_post(user=user, role="leader", region=region("220283"), actor=None)

    content = export_xlsx(
        actor=user, kind="people", queryset=Person.objects.all(), reveal_reason="核查"
    )

    rows = by_name(sheet_rows(content))
    assert rows["王建国"]["证件号码"] == residents[0][1]
    assert rows["赵小明"]["证件号码"] == residents[2][0].id_masked
    assert rows["赵小明"]["联系电话"] == residents[2][0].phone_masked
    assert set(RevealRecord.objects.values_list("object_id", flat=True)) == {
        residents[0][0].pk,
        residents[1][0].pk,
    }


def test_rooms_export(people, residents):
    worker = people.grid_worker
    building = building_of(GRID_A)
    room = create_room(
        actor=worker,
        values={
            "building": building.path,
            "unit": "2",
            "number": "301",
            "use": "home",
            "area_m2": "86.5",
            "owner_name": "王建国",
            "occupancy": "rented",
        },
    )
    Person.objects.filter(pk__in=[residents[0][0].pk, residents[1][0].pk]).update(room=room)

    content = export_xlsx(actor=worker, kind="rooms", queryset=Room.objects.all())

    rows = sheet_rows(content)
    assert rows[0] == [
        "楼栋代码",
        "楼栋名称",
        "单元",
        "房号",
        "用途",
        "面积（平方米）",
        "产权人",
        "居住状态",
        "居住人数",
        "备注",
    ]
    assert rows[1] == [
        building.code,
        building.name,
        "2",
        "301",
        "住宅",
        86.5,
        "王建国",
        "出租",
        2,
        None,
    ]
    # the rooms selector's annotation is used as it is
    content = export_xlsx(actor=worker, kind="rooms", queryset=selectors.rooms(worker))
    assert sheet_rows(content)[1][8] == 2


def test_organisations_export_masks_the_legal_representative_for_a_leader(people):
    create_organisation(
        actor=people.grid_worker,
        values={
            "credit_code": make_credit_code(77),
            "name": '=HYPERLINK("http://x")',
            "kind": "enterprise",
            "legal_rep": "张三丰",
            "phone": "13904321234",
            "region": GRID_A,
        },
    )

    for actor, legal_rep in ((people.leader, "张**"), (people.grid_worker, "张三丰")):
        content = export_xlsx(
            actor=actor, kind="organisations", queryset=Organisation.objects.all()
        )
        rows = by_name(sheet_rows(content))
        [org] = rows.values()
        assert org["法定代表人"] == legal_rep
        assert org["联系电话"] == "139****1234"
        assert org["单位类型"] == "企业"
    # a name that looks like a formula stays text
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.worksheets[0]["B2"].data_type == "s"
    assert book.worksheets[0]["B2"].value == '=HYPERLINK("http://x")'


def test_export_decrypts_nothing_without_reveal(people, residents, monkeypatch):
    def refuse(token: str) -> str:
        raise AssertionError("decrypted without a reveal")

    monkeypatch.setattr(protection, "decrypt", refuse)
    export_xlsx(actor=people.grid_worker, kind="people", queryset=Person.objects.all())
