"""Importing a register file: all of it or nothing.

One pass over the rows. Each row is cleaned by the same functions as the services
(``values.clean_person`` / ``clean_room`` / ``clean_organisation``); rows gather in batches of
2,000, and per batch the places (grid or building codes, inside the importer's ``act``
jurisdiction), the rooms of people, the owners of rooms and the duplicates against the register
are looked up with one query each. While no error has been seen, each batch is written at once
with ``bulk_create`` (records, then one ``RegistryChange`` "import" per record) inside the one
transaction; after the first error nothing more is written but every row is still checked, and
at the end the transaction is rolled back. Duplicates inside the file are found with a map of
64-bit prefixes of the keyed hashes (ID numbers), of credit codes, or of building + unit +
number, so memory grows by some 70 bytes a row, not by the rows themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import restrict, scope_for
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.registry import choices as c
from gridgov.registry.imports import columns as cols
from gridgov.registry.imports.columns import Column
from gridgov.registry.imports.reader import FileError, open_rows
from gridgov.registry.imports.report import MAX_REPORTED, RowError, error_report
from gridgov.registry.models import (
    ImportJob,
    ImportStatus,
    Organisation,
    Person,
    RegistryChange,
    Room,
)
from gridgov.registry.services import snapshot
from gridgov.registry.validators import normalise_id_number
from gridgov.registry.values import (
    clean_organisation,
    clean_person,
    clean_room,
    id_lookup_hash,
    text,
)

BATCH = 2_000


@dataclass
class ImportResult:
    ok: bool
    kind: str
    rows: int
    imported: int
    errors: list[RowError]
    job: ImportJob


class _Rollback(Exception):
    pass


# -- places -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    pk: int
    path: str
    level: str
    name: str


class Places:
    """Grid and building codes (or paths) resolved in batches, with the importer's ``act``
    jurisdiction applied through ``restrict``; a code that cannot be used maps to the reason."""

    LIMIT = 50_000

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.known: dict[str, Place | str] = {}

    def prefetch(self, codes: Iterable[str]) -> None:
        missing = sorted({code for code in codes if code and code not in self.known})
        if len(self.known) + len(missing) > self.LIMIT:
            self.known.clear()
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            wanted = set(chunk)
            found = list(
                Region.objects.filter(Q(path__in=chunk) | Q(code__in=chunk))
                .filter(level__in=(Level.GRID, Level.BUILDING))
                .values_list("pk", "path", "code", "level", "name")
            )
            allowed = set(
                restrict(
                    Region.objects.filter(pk__in=[row[0] for row in found]), self.actor, "act"
                ).values_list("pk", flat=True)
            )
            for pk, path, code, level, name in found:
                place: Place | str = (
                    Place(pk, path, level, name)
                    if pk in allowed
                    else _("%(name)s（%(code)s）不在您可以登记的辖区内")
                    % {"name": name, "code": code}
                )
                for key in {path, code} & wanted:
                    self.known[key] = place
            for code in chunk:
                self.known.setdefault(
                    code, _("%(code)s 不是网格或楼栋的代码") % {"code": code[:30]}
                )

    def get(self, code: str) -> Place | str:
        return self.known[code]


# -- cell values --------------------------------------------------------------------------------

_LOST_DIGITS = 1e15  # Excel keeps 15 significant digits of a number


def cell_value(value: Any, column: Column) -> Any:
    """A cell as the clean functions expect it: text stripped, whole numbers without ".0",
    dates as dates; a long code that Excel turned into a number is an error (its last digits
    are gone)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float):
        if column.code and abs(value) >= _LOST_DIGITS:
            raise ValueError(
                _("%(column)s被 Excel 当作数字保存，末几位已丢失；请把这一列设为文本格式后重新填写")
                % {"column": column.header}
            )
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


# -- the loaders --------------------------------------------------------------------------------


@dataclass
class Pending:
    row: int
    values: dict[str, Any]
    fields: dict[str, Any]
    bad: bool = False
    place: Place | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)


class Loader:
    """What every kind shares: error collection, batching, bulk writes and the change log."""

    model: ClassVar[type[models.Model]]
    log_name: ClassVar[str]

    def __init__(self, *, actor: Any, columns: Sequence[Column], filename: str) -> None:
        self.actor = actor
        self.headers = {column.key: column.header for column in columns}
        self.places = Places(actor)
        self.errors: list[RowError] = []
        self.error_count = 0
        self.batch: list[Pending] = []
        self.seen: dict[Any, int] = {}
        self.imported = 0
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.reason = _("批量导入：%(file)s") % {"file": filename}

    # errors

    def add(self, row: int, key: str, message: str, *, column: str | None = None) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            header = self.headers.get(key, "") if column is None else column
            self.errors.append(RowError(row, header, str(message)))

    def reject(self, pending: Pending, key: str, message: str) -> None:
        pending.bad = True
        self.add(pending.row, key, message)

    def absorb(self, pending: Pending, exc: ValidationError) -> None:
        pending.bad = True
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                if key in pending.broken:
                    continue  # the cell could not be read: already reported
                for message in messages:
                    self.add(pending.row, key, message)
        else:
            for message in exc.messages:
                self.add(pending.row, "", message)

    def once(self, pending: Pending, key: str, value: Any) -> None:
        """An error when ``value`` was already seen in an earlier row of the file."""
        first = self.seen.setdefault(value, pending.row)
        if first != pending.row:
            self.reject(
                pending,
                key,
                _("%(column)s与第 %(row)s 行重复")
                % {"column": self.headers.get(key, ""), "row": first},
            )

    # rows and batches

    def feed(self, row: int, values: dict[str, Any], broken: Mapping[str, str]) -> None:
        pending = Pending(row, values, {}, broken=set(broken))
        for key, message in broken.items():
            self.reject(pending, key, message)
        self.clean(pending)
        self.batch.append(pending)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        self.check(batch)
        if self.error_count:
            return
        objects = [self.build(pending) for pending in batch]
        self.model._default_manager.bulk_create(objects, batch_size=BATCH)
        actor = self.actor if getattr(self.actor, "pk", None) else None
        RegistryChange.objects.bulk_create(
            [
                RegistryChange(
                    model=self.log_name,
                    object_id=obj.pk,
                    region_path=getattr(obj, "region_path", ""),
                    action=c.ChangeAction.IMPORT,
                    actor=actor,
                    at=self.now,
                    before={},
                    after=snapshot(obj),
                    reason=self.reason[:200],
                )
                for obj in objects
            ],
            batch_size=BATCH,
        )
        self.imported += len(objects)

    def place(self, pending: Pending, key: str) -> Place | None:
        code = text(pending.values.get(key), 30)
        if not code:
            return None
        found = self.places.get(code)
        if isinstance(found, str):
            self.reject(pending, key, found)
            return None
        return found

    # per kind

    def clean(self, pending: Pending) -> None:
        raise NotImplementedError

    def check(self, batch: list[Pending]) -> None:
        raise NotImplementedError

    def build(self, pending: Pending) -> models.Model:
        raise NotImplementedError


def _hash_key(hash_hex: str) -> int:
    return int(hash_hex[:16], 16)


class PeopleLoader(Loader):
    model = Person
    log_name = "person"

    def clean(self, pending: Pending) -> None:
        values = pending.values
        try:
            pending.fields = clean_person(values, today=self.today)
        except ValidationError as exc:
            self.absorb(pending, exc)
        id_hash = pending.fields.get("id_hash")
        if not id_hash and normalise_id_number(text(values.get("id_number"), 40)):
            id_hash = id_lookup_hash(text(values.get("id_number"), 40))
        if id_hash:
            pending.extra["id_hash"] = id_hash
            self.once(pending, "id_number", _hash_key(id_hash))
        if not text(values.get("region"), 30):
            self.reject(pending, "region", _("请填写所在网格/楼栋代码"))
        unit, number = text(values.get("unit"), 20), text(values.get("room_number"), 20)
        if unit and not number:
            self.reject(pending, "room_number", _("填写单元时请同时填写房号"))

    def check(self, batch: list[Pending]) -> None:
        self.places.prefetch(text(p.values.get("region"), 30) for p in batch)
        wanted: list[Pending] = []
        for pending in batch:
            pending.place = self.place(pending, "region")
            if pending.place is None or not text(pending.values.get("room_number"), 20):
                continue
            if pending.place.level != Level.BUILDING:
                self.reject(pending, "room_number", _("填写房号时，所在网格/楼栋代码应为楼栋代码"))
            else:
                wanted.append(pending)
        if wanted:
            rooms = {
                (building, unit, number): pk
                for pk, building, unit, number in Room.objects.filter(
                    building_id__in={p.place.pk for p in wanted if p.place},
                    number__in={text(p.values.get("room_number"), 20) for p in wanted},
                ).values_list("pk", "building_id", "unit", "number")
            }
            for pending in wanted:
                assert pending.place is not None
                unit = text(pending.values.get("unit"), 20)
                number = text(pending.values.get("room_number"), 20)
                room = rooms.get((pending.place.pk, unit, number))
                if room is None:
                    where = f"{unit}单元{number}" if unit else number
                    self.reject(
                        pending,
                        "room_number",
                        _("%(building)s没有 %(room)s 这间房屋，请先导入房屋")
                        % {"building": pending.place.name, "room": where},
                    )
                pending.extra["room"] = room
        hashes = {p.extra["id_hash"] for p in batch if p.extra.get("id_hash")}
        registered = set(
            Person.objects.filter(id_hash__in=hashes).values_list("id_hash", flat=True)
        )
        for pending in batch:
            if pending.extra.get("id_hash") in registered:
                self.reject(pending, "id_number", _("此证件号码已登记"))

    def build(self, pending: Pending) -> Person:
        assert pending.place is not None
        return Person(
            region_id=pending.place.pk,
            region_path=pending.place.path,
            room_id=pending.extra.get("room"),
            **pending.fields,
        )


class RoomLoader(Loader):
    model = Room
    log_name = "room"

    def clean(self, pending: Pending) -> None:
        values = pending.values
        try:
            pending.fields = clean_room(values)
        except ValidationError as exc:
            self.absorb(pending, exc)
        if not text(values.get("building"), 30):
            self.reject(pending, "building", _("请填写楼栋代码"))
        owner = normalise_id_number(text(values.get("owner_id_number"), 40))
        if owner:
            pending.extra["owner_hash"] = id_lookup_hash(owner)

    def check(self, batch: list[Pending]) -> None:
        self.places.prefetch(text(p.values.get("building"), 30) for p in batch)
        addresses: list[Pending] = []
        for pending in batch:
            place = self.place(pending, "building")
            if place is not None and place.level != Level.BUILDING:
                self.reject(pending, "building", _("房屋必须登记在楼栋或屯下"))
                place = None
            pending.place = place
            number = pending.fields.get("number")
            if place is not None and number:
                unit = pending.fields.get("unit", "")
                self.once(pending, "number", (place.pk, unit, number))
                addresses.append(pending)
        if addresses:
            taken = set(
                Room.objects.filter(
                    building_id__in={p.place.pk for p in addresses if p.place},
                    number__in={p.fields["number"] for p in addresses},
                ).values_list("building_id", "unit", "number")
            )
            for pending in addresses:
                assert pending.place is not None
                if (pending.place.pk, pending.fields["unit"], pending.fields["number"]) in taken:
                    self.reject(pending, "number", _("该楼栋已有这个单元和房号"))
        owners = {p.extra["owner_hash"] for p in batch if p.extra.get("owner_hash")}
        if owners:
            found = {
                id_hash: (pk, name)
                for pk, id_hash, name in restrict(Person.objects.all(), self.actor)
                .filter(id_hash__in=owners)
                .values_list("pk", "id_hash", "name")
            }
            for pending in batch:
                owner_hash = pending.extra.get("owner_hash")
                if not owner_hash:
                    continue
                if owner_hash not in found:
                    self.reject(
                        pending,
                        "owner_id_number",
                        _("没有找到这个证件号码的登记人员（须在您的辖区内）"),
                    )
                    continue
                pk, name = found[owner_hash]
                pending.extra["owner"] = pk
                if not pending.fields.get("owner_name"):
                    pending.fields["owner_name"] = name

    def build(self, pending: Pending) -> Room:
        assert pending.place is not None
        return Room(
            building_id=pending.place.pk,
            region_path=pending.place.path,
            owner_id=pending.extra.get("owner"),
            **pending.fields,
        )


class OrganisationLoader(Loader):
    model = Organisation
    log_name = "organisation"

    def clean(self, pending: Pending) -> None:
        values = pending.values
        try:
            pending.fields = clean_organisation(values, today=self.today)
        except ValidationError as exc:
            self.absorb(pending, exc)
        if pending.fields.get("credit_code"):
            self.once(pending, "credit_code", pending.fields["credit_code"])
        if not text(values.get("region"), 30):
            self.reject(pending, "region", _("请填写所在网格/楼栋代码"))

    def check(self, batch: list[Pending]) -> None:
        self.places.prefetch(
            code
            for p in batch
            for code in (text(p.values.get("region"), 30), text(p.values.get("dedicated_grid"), 30))
        )
        for pending in batch:
            pending.place = self.place(pending, "region")
            grid = self.place(pending, "dedicated_grid")
            if grid is not None and grid.level != Level.GRID:
                self.reject(pending, "dedicated_grid", _("专属网格应为网格"))
                grid = None
            pending.extra["dedicated_grid"] = grid.pk if grid else None
        codes = {p.fields["credit_code"] for p in batch if p.fields.get("credit_code")}
        taken = set(
            Organisation.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
        )
        for pending in batch:
            if pending.fields.get("credit_code") in taken:
                self.reject(pending, "credit_code", _("此统一社会信用代码已登记"))

    def build(self, pending: Pending) -> Organisation:
        assert pending.place is not None
        return Organisation(
            region_id=pending.place.pk,
            region_path=pending.place.path,
            dedicated_grid_id=pending.extra.get("dedicated_grid"),
            **pending.fields,
        )


LOADERS: dict[str, type[Loader]] = {
    cols.PEOPLE: PeopleLoader,
    cols.ROOMS: RoomLoader,
    cols.ORGANISATIONS: OrganisationLoader,
}


# -- the whole file -----------------------------------------------------------------------------


def _is_example(values: Mapping[str, Any], columns: Sequence[Column]) -> bool:
    """The template's example row, left in the file (skipped, not imported)."""
    for column in columns:
        value = values.get(column.key, "")
        if isinstance(value, dt.date):
            value = value.isoformat()
        if str(value) != column.example:
            return False
    return True


def _feed(
    rows: Iterator[tuple[int, tuple[Any, ...]]], loader: Loader, columns: Sequence[Column]
) -> int:
    """Feed the data rows of the file to the loader; the number of data rows."""
    mapping: dict[int, Column] | None = None
    count = 0
    first = True
    for number, cells in rows:
        if not any(v is not None and v != "" for v in cells):
            continue
        if mapping is None:
            mapping, problems = cols.match_header(cells, columns)
            for problem in problems:
                loader.add(number, "", problem.message, column=problem.column)
            if problems:
                return 0
            continue
        values: dict[str, Any] = {}
        broken: dict[str, str] = {}
        for index, column in mapping.items():
            if index < len(cells):
                try:
                    values[column.key] = cell_value(cells[index], column)
                except ValueError as exc:
                    values[column.key] = ""
                    broken[column.key] = str(exc)
        if not broken and not any(v != "" for v in values.values()):
            continue
        if first:
            first = False
            if not broken and _is_example(values, columns):
                continue
        count += 1
        loader.feed(number, values, broken)
    if mapping is None:
        loader.add(0, "", _("文件是空的：第一行应为列名（请使用导入模板）"))
    elif count == 0:
        loader.add(0, "", _("文件中没有数据行"))
    loader.flush()
    return count


def _act_roots(actor: Any) -> tuple[bool, tuple[str, ...]]:
    scope = scope_for(actor)
    return scope.everything, scope.act_paths


def run_import(*, actor: Any, kind: str, stream: IO[bytes], filename: str) -> ImportResult:
    """Import a register file (xlsx or CSV) of ``kind`` (people, rooms, organisations) as
    ``actor``: every row valid → all imported in one transaction; otherwise nothing, and the
    job keeps an error report. Only the ``ImportJob`` is written in that case."""
    if kind not in cols.KINDS:
        raise ValidationError({"kind": [_("导入类型只能是 people、rooms 或 organisations")]})
    everything, roots = _act_roots(actor)
    if not (everything or roots):
        raise PermissionDenied(_("您的岗位不能导入基础数据"))
    filename = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    with translation.override(settings.LANGUAGE_CODE):
        columns = cols.columns_of(kind)
        job = ImportJob(
            kind=kind,
            filename=filename,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=timezone.now(),
            region_path=roots[0] if roots else "",
        )
        loader = LOADERS[kind](actor=actor, columns=columns, filename=filename)
        rows = 0
        try:
            with transaction.atomic():
                try:
                    with open_rows(stream, filename) as reader:
                        rows = _feed(reader, loader, columns)
                except FileError as exc:
                    loader.add(exc.row, "", exc.message)
                if loader.error_count:
                    raise _Rollback
                job.status = ImportStatus.IMPORTED
                job.rows, job.imported = rows, loader.imported
                job.finished_at = timezone.now()
                job.save()
        except _Rollback:
            pass
        except IntegrityError:
            # Another user registered one of the records while the file was being loaded.
            loader.add(0, "", _("导入过程中有记录被他人同时登记，整个文件未导入，请重新导入"))
        if loader.error_count:
            errors = sorted(loader.errors, key=lambda e: e.row)  # stable: columns stay in order
            job.pk = None
            job.status = ImportStatus.REJECTED
            job.rows, job.imported, job.error_count = rows, 0, loader.error_count
            job.finished_at = timezone.now()
            job.report = error_report(
                errors, kind=kind, filename=filename, rows=rows, error_count=loader.error_count
            )
            job.save()
            return ImportResult(False, kind, rows, 0, errors, job)
    return ImportResult(True, kind, rows, loader.imported, [], job)
