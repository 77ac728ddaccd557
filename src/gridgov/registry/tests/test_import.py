"""Importing the registers from xlsx and CSV: all or nothing, with a report of every bad row."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from gridgov.core import protection
from gridgov.core.privacy import mask_id_number, mask_phone
from gridgov.registry.imports import report_bytes, run_import, template_bytes
from gridgov.registry.imports.columns import columns_of
from gridgov.registry.models import (
    ImportJob,
    Organisation,
    Person,
    RegistryChange,
    Room,
)
from gridgov.registry.services import create_person, create_room
from gridgov.registry.tests.fixtures import (
    GRID_A,
    GRID_B,
    building_of,
    make_credit_code,
    make_id,
)

pytestmark = pytest.mark.django_db

PEOPLE_HEADER = [c.title for c in columns_of("people")]
ROOM_HEADER = [c.title for c in columns_of("rooms")]
ORG_HEADER = [c.title for c in columns_of("organisations")]
BORN = dt.date(1950, 1, 1)


def person_row(i: int, region: str, **overrides: Any) -> list[Any]:
    """A row of the people template (its 18 columns, in order)."""
    birth = BORN + dt.timedelta(days=i)
    values = {
        "姓名": f"测试{i}",
        "证件类型": "居民身份证",
        "证件号码": make_id(birth, male=i % 2 == 0, seq=1),
        "性别": "男" if i % 2 == 0 else "女",
        "出生日期": birth.isoformat(),
        "联系电话": f"139{i:08d}",
        "民族": "汉族",
        "户籍地": "吉林省舒兰市",
        "人口类型": "户籍人口",
        "人户状态": "人户同在",
        "户号": f"H{i // 3:06d}",
        "与户主关系": "户主" if i % 3 == 0 else "子女",
        "党员": "是" if i % 10 == 0 else "否",
        "工作单位": "",
        "所在网格/楼栋代码": region,
        "单元": "",
        "房号": "",
        "备注": "",
    }
    values.update(overrides)
    return [values[c.header] for c in columns_of("people")]


def xlsx(header: list[str], rows: list[list[Any]]) -> io.BytesIO:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("人员")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode(encoding))


@pytest.fixture
def building_a():
    return building_of(GRID_A)


def run(user, kind, data: io.BytesIO, filename: str = "people.xlsx"):
    return run_import(actor=user, kind=kind, stream=data, filename=filename)


# -- all or nothing --------------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_reports_it(people, building_a):
    rows = [person_row(i, building_a.path) for i in range(5)]
    number = rows[2][2]
    rows[2][2] = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check character
    people_before, changes_before = Person.objects.count(), RegistryChange.objects.count()

    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows))

    assert not result.ok
    assert result.rows == 5 and result.imported == 0
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (4, "证件号码")  # header is row 1: the third data row
    assert "校验位" in error.message
    assert Person.objects.count() == people_before
    assert RegistryChange.objects.count() == changes_before
    job = ImportJob.objects.get(pk=result.job.pk)
    assert job.status == "rejected" and job.error_count == 1 and job.rows == 5
    assert job.created_by == people.grid_worker and job.region_path == GRID_A


def test_ten_thousand_people_import_completely(people, building_a):
    rows = [person_row(i, building_a.path) for i in range(10_000)]
    before = Person.objects.count()

    # CSV keeps the test fast (openpyxl writes and parses 10,000 rows in some seconds); the
    # reader of xlsx is covered by the other tests and by bench/registry_import.py.
    result = run(people.grid_worker, "people", csv_bytes(PEOPLE_HEADER, rows, "utf-8"), "p.csv")

    assert result.ok, result.errors[:5]
    assert result.rows == result.imported == 10_000
    assert Person.objects.count() == before + 10_000
    sample = rows[1234]
    person = Person.objects.get(id_hash=protection.lookup_hash(sample[2], "id"))
    assert person.name == "测试1234"
    assert person.id_masked == mask_id_number(sample[2])
    assert person.phone_masked == mask_phone(sample[5])
    assert person.phone_hash == protection.lookup_hash(sample[5], "phone")
    assert protection.decrypt(person.id_cipher) == sample[2]
    assert sample[2] not in person.id_cipher
    assert person.gender == "male" and person.birth_date.isoformat() == sample[4]
    assert person.region_id == building_a.pk and person.region_path == building_a.path
    assert person.relation == "child" and not person.is_party_member
    changes = RegistryChange.objects.filter(action="import", model="person")
    assert changes.count() == 10_000
    change = changes.get(object_id=person.pk)
    assert change.actor == people.grid_worker and change.region_path == building_a.path
    assert change.after["id_masked"] == person.id_masked
    assert sample[2] not in str(change.after) and sample[5] not in str(change.after)
    assert ImportJob.objects.get(pk=result.job.pk).status == "imported"


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", True), ("utf-8", False), ("gb18030", False)]
)
def test_csv_in_utf8_with_and_without_bom_and_gb18030(people, building_a, encoding, bom):
    rows = [person_row(i, building_a.path, 姓名=f"龘犇{i}") for i in range(3)]
    data = csv_bytes(PEOPLE_HEADER, rows, encoding)
    if bom:
        data = io.BytesIO(b"\xef\xbb\xbf" + data.getvalue())

    result = run(people.grid_worker, "people", data, "people.csv")

    assert result.ok, result.errors
    assert result.imported == 3
    assert set(Person.objects.filter(name__startswith="龘犇").values_list("name", flat=True)) == {
        "龘犇0",
        "龘犇1",
        "龘犇2",
    }


def test_duplicates_inside_the_file_and_against_the_register(people, building_a):
    known = make_id(dt.date(1970, 3, 4), seq=7)
    create_person(
        actor=people.grid_worker,
        values={"name": "已登记", "id_number": known, "region": building_a.path},
    )
    rows = [person_row(i, building_a.path) for i in range(4)]
    rows[3] = person_row(1, building_a.path, 姓名="重复")  # row 5 repeats row 3's number
    rows[2][2] = known  # row 4 is on the register already
    rows[2][3] = rows[2][4] = ""  # gender and birth date follow the number

    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows))

    assert not result.ok
    found = {(e.row, e.column, e.message) for e in result.errors}
    assert found == {(5, "证件号码", "证件号码与第 3 行重复"), (4, "证件号码", "此证件号码已登记")}


def test_a_building_outside_the_jurisdiction_is_refused(people, building_a):
    outside = building_of(GRID_B)
    rows = [person_row(0, building_a.path), person_row(1, outside.path)]

    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows))

    assert not result.ok
    [error] = result.errors
    assert (error.row, error.column) == (3, "所在网格/楼栋代码")
    assert "不在您可以登记的辖区内" in error.message
    # a code that is no grid or building at all
    rows = [person_row(0, "220283999999999999")]
    [error] = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows)).errors
    assert error.message == "220283999999999999 不是网格或楼栋的代码"


def test_birth_date_that_disagrees_with_the_id_number(people, building_a):
    rows = [person_row(0, building_a.path, 出生日期="1990-01-01")]

    [error] = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows)).errors

    assert (error.row, error.column) == (2, "出生日期")
    assert error.message == "出生日期与身份证号码不符：号码表明是 1950-01-01"


def test_every_error_of_a_row_and_choices_by_label(people, building_a):
    rows = [
        person_row(0, building_a.path, 姓名="", 人口类型="外来人口", 联系电话="12345"),
        person_row(1, building_a.path, 人口类型="floating", 党员="是"),
    ]

    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows))

    by_column = {e.column: e.message for e in result.errors if e.row == 2}
    assert set(by_column) == {"姓名", "联系电话", "人口类型"}
    assert by_column["姓名"] == "请填写姓名"
    assert "流动人口" in by_column["人口类型"]
    assert [e.row for e in result.errors] == [2, 2, 2]


def test_lenient_headers_and_missing_required_columns(people, building_a):
    header = [f" {h.rstrip('*')} *" if "*" in h else h for h in PEOPLE_HEADER]
    header[2] = "身份证号码"
    result = run(people.grid_worker, "people", xlsx(header, [person_row(0, building_a.path)]))
    assert result.ok, result.errors

    header = [*(h for h in PEOPLE_HEADER if h != "姓名*"), "爱好"]
    rows = [[*person_row(1, building_a.path)[1:], "读书"]]
    result = run(people.grid_worker, "people", xlsx(header, rows))
    assert not result.ok and result.rows == 0
    assert {(e.row, e.column, e.message) for e in result.errors} == {
        (1, "爱好", "无法识别的列名，请使用模板中的列名"),
        (1, "姓名", "缺少必填列"),
    }


def test_an_id_number_excel_made_a_number(people, building_a):
    row = person_row(0, building_a.path)
    row[2] = float(row[2][:17] + "0")  # as Excel keeps it: 2.20283195001010E+17

    [error] = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, [row])).errors

    assert error.column == "证件号码" and "文本格式" in error.message


def test_empty_and_unreadable_files(people):
    result = run(people.grid_worker, "people", io.BytesIO(b""), "empty.csv")
    assert not result.ok and result.errors[0].row == 0
    result = run(people.grid_worker, "people", io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")
    assert "无法读取 Excel 文件" in result.errors[0].message
    result = run(people.grid_worker, "people", io.BytesIO(b"\xd0\xcf\x11\xe0old"), "x.xls")
    assert ".xls" in result.errors[0].message
    assert ImportJob.objects.filter(status="rejected").count() == 3


def test_a_post_that_only_reads_may_not_import(people, building_a):
    with pytest.raises(PermissionDenied):
        run(people.leader, "people", xlsx(PEOPLE_HEADER, [person_row(0, building_a.path)]))


# -- rooms, people in rooms, organisations ---------------------------------------------------


def test_rooms_then_people_in_them(people, building_a):
    owner = create_person(
        actor=people.grid_worker,
        values={"name": "房主", "id_number": make_id(seq=9), "region": building_a.path},
    )
    owner_id = protection.decrypt(owner.id_cipher)
    create_room(actor=people.grid_worker, values={"building": building_a.path, "number": "999"})
    rooms = [
        [building_a.path, "1", "101", "住宅", 86.5, "", owner_id, "自住", ""],
        [building_a.path, "1", "102", "商铺", "", "王五", "", "出租", ""],
        [building_a.path, "", "201", "", "", "", "", "", "二楼"],
    ]
    result = run(people.grid_worker, "rooms", xlsx(ROOM_HEADER, rooms), "rooms.xlsx")
    assert result.ok, result.errors
    assert result.imported == 3
    r101 = Room.objects.get(building=building_a, unit="1", number="101")
    assert r101.owner == owner and r101.owner_name == "房主" and str(r101.area_m2) == "86.50"
    assert Room.objects.get(building=building_a, number="102").occupancy == "rented"
    assert RegistryChange.objects.filter(model="room", action="import").count() == 3

    bad = [
        [building_a.path, "1", "101", "", "", "", "", "", ""],  # on the register
        [building_a.path, "2", "301", "", "", "", "", "", ""],
        [building_a.path, "2", "301", "", "", "", "", "", ""],  # repeats row 3
        [GRID_A, "", "1", "", "", "", "", "", ""],  # a grid, not a building
        [building_a.path, "", "5", "", "-3", "", make_id(seq=11), "", ""],
    ]
    result = run(people.grid_worker, "rooms", xlsx(ROOM_HEADER, bad), "rooms.xlsx")
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "房号"),
        (4, "房号"),
        (5, "楼栋代码"),
        (6, "面积（平方米）"),
        (6, "产权人证件号码"),
    }

    residents = [
        person_row(0, building_a.path, 单元="1", 房号="101"),
        person_row(1, building_a.path, 单元="", 房号="201"),
        person_row(2, building_a.path, 单元="1", 房号="999"),  # no such room
        person_row(3, GRID_A, 房号="101"),  # a room needs the building
    ]
    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, residents))
    assert [(e.row, e.column) for e in result.errors] == [(4, "房号"), (5, "房号")]
    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, residents[:2]))
    assert result.ok, result.errors
    assert Person.objects.get(name="测试0").room == r101
    assert Person.objects.get(name="测试1").room.number == "201"


def test_organisations_with_credit_code_checksum(people, building_a):
    good = make_credit_code(123)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        [
            good,
            "舒兰示例商贸有限公司",
            "企业",
            "李明",
            "043268221234",
            "",
            GRID_A,
            "",
            25,
            "",
            "",
            "在营",
            "",
        ],
        [bad, "另一家公司", "企业", "", "", "", GRID_A, "", "", "", "", "", ""],
        [
            make_credit_code(124),
            "第三家",
            "学校",
            "",
            "",
            "",
            building_a.path,
            building_a.path,
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    result = run(people.grid_worker, "organisations", xlsx(ORG_HEADER, rows), "orgs.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "统一社会信用代码"),
        (4, "专属网格代码"),
    ]
    assert "校验位" in result.errors[0].message

    result = run(people.grid_worker, "organisations", xlsx(ORG_HEADER, rows[:1]), "orgs.xlsx")
    assert result.ok, result.errors
    org = Organisation.objects.get(credit_code=good)
    assert org.phone_masked == "043****1234" and org.employees == 25 and org.region_path == GRID_A
    assert RegistryChange.objects.filter(model="organisation", object_id=org.pk).exists()
    again = run(people.grid_worker, "organisations", xlsx(ORG_HEADER, rows[:1]), "orgs.xlsx")
    assert again.errors[0].message == "此统一社会信用代码已登记"


# -- the error report, templates, commands ---------------------------------------------------


def test_the_error_report_opens_and_lists_the_rows(people, building_a):
    rows = [person_row(i, building_a.path) for i in range(4)]
    rows[0][0] = ""
    rows[3][4] = "1999-13-40"
    result = run(people.grid_worker, "people", xlsx(PEOPLE_HEADER, rows))
    job = ImportJob.objects.get(pk=result.job.pk)

    book = openpyxl.load_workbook(io.BytesIO(report_bytes(job)))

    sheet = book.worksheets[0]
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert lines[0] == ["行号", "列", "错误原因"]
    assert lines[1] == [2, "姓名", "请填写姓名"]
    assert lines[2][:2] == [5, "出生日期"] and "日期" in lines[2][2]
    summary = dict(book.worksheets[1].iter_rows(values_only=True))
    assert summary["错误数"] == 2 and summary["数据行数"] == 4


def test_a_filled_template_imports(people, building_a):
    book = openpyxl.load_workbook(io.BytesIO(template_bytes("people")))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == PEOPLE_HEADER
    assert sheet.data_validations.dataValidation  # drop-downs for choice columns
    assert book.sheetnames[1] == "填写说明"
    for column, value in enumerate(person_row(7, building_a.path), start=1):
        sheet.cell(row=3, column=column, value=value or None)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)

    result = run(people.grid_worker, "people", out, "人员导入模板.xlsx")

    assert result.ok, result.errors
    assert result.rows == result.imported == 1  # the example row is skipped
    assert Person.objects.filter(name="测试7").exists()

    text = template_bytes("rooms", "csv").decode("utf-8-sig")
    filled = text + f"{building_a.path},3,303,,,,,,\r\n"
    result = run(people.grid_worker, "rooms", io.BytesIO(filled.encode("utf-8-sig")), "r.csv")
    assert result.ok and result.imported == 1, result.errors


def test_commands(people, building_a, tmp_path: Path):
    call_command("registry_template", kind="people", output=str(tmp_path / "t.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["实有人口", "填写说明"]

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(PEOPLE_HEADER, [person_row(0, building_a.path)], "utf-8").read())
    out = io.StringIO()
    call_command("import_registry", str(good), kind="people", user="grid_worker", stdout=out)
    assert "已导入 1 条" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(PEOPLE_HEADER, [person_row(1, GRID_B)], "utf-8").read())
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_registry", str(bad), kind="people", user="grid_worker", stderr=err)
    assert "第 2 行［所在网格/楼栋代码］" in err.getvalue()
    assert (tmp_path / "bad.csv.errors.xlsx").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_django_upload_is_read_as_a_stream(people, building_a, fmt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = [person_row(i, building_a.path) for i in range(2)]
    data = xlsx(PEOPLE_HEADER, rows) if fmt == "xlsx" else csv_bytes(PEOPLE_HEADER, rows, "gbk")
    upload = SimpleUploadedFile(f"人员.{fmt}", data.getvalue())

    result = run_import(actor=people.grid_worker, kind="people", stream=upload, filename="人员")

    assert result.ok and result.imported == 2, result.errors
    assert not upload.closed
