"""Writes to the registers. Each service is keyword-only and atomic, checks the jurisdiction
(404 outside it, 403 where the user may only look), validates with field-level Chinese
messages, writes, and appends the change log (protected values only masked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core import protection
from gridgov.core.jurisdiction import restrict
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.registry import access
from gridgov.registry import choices as c
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
    Tag,
    Tenancy,
    Visit,
)
from gridgov.registry.values import (
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
    ROOM_FIELDS,
    Errors,
    clean_organisation,
    clean_person,
    clean_room,
    parse_date,
    text,
)

M = TypeVar("M", bound=models.Model)

# What the change log keeps of each kind: model field names (protected ones masked).
LOGGED: dict[type[models.Model], tuple[str, ...]] = {
    Person: (
        "name",
        "id_type",
        "id_masked",
        "gender",
        "birth_date",
        "phone_masked",
        "ethnicity",
        "hukou_place",
        "kind",
        "residence_status",
        "household_no",
        "relation",
        "is_party_member",
        "workplace",
        "state",
        "note",
        "region_path",
        "room_id",
    ),
    Room: ("unit", "number", "use", "area_m2", "owner_name", "occupancy", "note", "region_path"),
    Organisation: (
        "credit_code",
        "name",
        "kind",
        "legal_rep",
        "phone_masked",
        "address",
        "employees",
        "industry",
        "founded_on",
        "state",
        "note",
        "region_path",
        "dedicated_grid_id",
    ),
    Tenancy: ("room_id", "tenant_id", "starts_on", "ends_on", "ended_on", "purpose"),
    CareContract: (
        "person_id",
        "carer_id",
        "tag_id",
        "services",
        "visit_every_days",
        "starts_on",
        "ends_on",
        "state",
    ),
}


# -- shared ----------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in LOGGED[type(obj)]}


def log_change(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> RegistryChange | None:
    """Append one change record; an update that changed nothing records nothing."""
    before = dict(before or {})
    after = dict(after or {})
    if action == c.ChangeAction.UPDATE:
        changed = {k for k in after if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after[k] for k in sorted(changed)}
    return RegistryChange.objects.create(
        model=obj._meta.model_name or "",
        object_id=obj.pk,
        region_path=getattr(obj, "region_path", ""),
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        before=before,
        after=after,
        reason=reason[:200],
    )


def for_action(model: type[M], pk: Any, actor: Any, *, lock: bool = True) -> M:
    """One record the actor may change: 404 when they cannot see it, 403 when they can see it
    but only look (a leader, or outside their act scope)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("记录不存在或不在您的辖区内")) from None
    visible = restrict(model._default_manager.all(), actor, "view")
    if not visible.filter(pk=pk).exists():
        raise Http404(_("记录不存在或不在您的辖区内"))
    actable = restrict(model._default_manager.all(), actor, "act").filter(pk=pk)
    if lock:
        actable = actable.select_for_update(of=("self",))
    obj = actable.first()
    if obj is None:
        raise PermissionDenied(_("您只能查看这条记录，不能修改"))
    return obj


def _plausible(day: dt.date) -> bool:
    return 2000 <= day.year <= 2100


def _check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and int(expected) != obj.version:
        raise RegistryConflict(_("记录已被他人修改，请刷新后再试"))


def place_for(actor: Any, raw: Any, *, field: str = "region") -> Region:
    """The grid or building (by path or code) a record is placed in, inside the actor's act
    scope; otherwise a field error naming it."""
    value = text(raw.path if isinstance(raw, Region) else raw, 30)
    if not value:
        raise ValidationError({field: [_("请选择所在网格或楼栋")]})
    region = (
        Region.objects.filter(models.Q(path=value) | models.Q(code=value))
        .filter(level__in=(Level.GRID, Level.BUILDING))
        .first()
    )
    if region is None:
        raise ValidationError({field: [_("%(code)s 不是网格或楼栋的代码") % {"code": value}]})
    if not restrict(Region.objects.filter(pk=region.pk), actor, "act").exists():
        raise ValidationError(
            {field: [_("%(name)s不在您可以登记的辖区内") % {"name": region.name}]}
        )
    return region


def _room_in_scope(actor: Any, room_id: Any, field: str = "room") -> Room:
    try:
        return for_action(Room, room_id, actor, lock=False)
    except (Http404, PermissionDenied):
        raise ValidationError({field: [_("房屋不存在或不在您的辖区内")]}) from None


def _unique(fn: Any, field: str, message: str) -> Any:
    try:
        with transaction.atomic():
            return fn()
    except IntegrityError:
        raise ValidationError({field: [message]}) from None


# -- people ----------------------------------------------------------------------------------


def _same_date(raw: Any) -> dt.date | None:
    try:
        return parse_date(raw)
    except ValueError:
        return None


def _person_place(actor: Any, values: Mapping[str, Any]) -> tuple[Region, Room | None]:
    room_id = values.get("room")
    if room_id not in (None, ""):
        room = _room_in_scope(actor, room_id)
        return room.building, room
    return place_for(actor, values.get("region")), None


@transaction.atomic
def create_person(*, actor: Any, values: Mapping[str, Any], reason: str = "") -> Person:
    """Register a person at a grid or building (``region``) or in a room (``room``)."""
    errors = Errors()
    try:
        fields = clean_person(values)
    except ValidationError as exc:
        errors.absorb(exc)
        fields = {}
    region: Region | None = None
    room: Room | None = None
    try:
        region, room = _person_place(actor, values)
    except ValidationError as exc:
        errors.absorb(exc)
    if fields.get("id_hash") and Person.objects.filter(id_hash=fields["id_hash"]).exists():
        errors.add("id_number", _("此证件号码已登记"))
    errors.raise_if_any()
    assert region is not None
    person = Person(region=region, region_path=region.path, room=room, **fields)
    _unique(person.save, "id_number", _("此证件号码已登记"))
    log_change(
        actor=actor, obj=person, action=c.ChangeAction.CREATE, after=snapshot(person), reason=reason
    )
    return person


@transaction.atomic
def update_person(
    *,
    actor: Any,
    person_id: int,
    values: Mapping[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Person:
    """Change some fields of a person (those given in ``values``; ``region`` or ``room`` moves
    them). The ID number is checked again only when it or its type is given."""
    person = for_action(Person, person_id, actor)
    _check_version(person, expected_version)
    before = snapshot(person)
    given = {k: v for k, v in values.items() if k in PERSON_FIELDS}
    merged: dict[str, Any] = {
        name: getattr(person, name) for name in PERSON_FIELDS if name not in ("id_number", "phone")
    }
    merged.update(given)
    new_id = "id_number" in given or "id_type" in given
    if new_id:
        merged.setdefault("id_number", protection.decrypt(person.id_cipher))
        if "gender" not in given:
            merged["gender"] = ""  # taken from the new number
        if "birth_date" not in given:
            merged["birth_date"] = None
    elif person.id_type in c.CHECKED_ID_TYPES and (
        ("gender" in given and given["gender"] != person.gender)
        or ("birth_date" in given and _same_date(given["birth_date"]) != person.birth_date)
    ):
        raise ValidationError(
            {"id_number": [_("性别和出生日期由身份证号码决定，请修改身份证号码")]}
        )
    else:
        # The number is unchanged: check the rest without decrypting it.
        merged["id_type"], merged["id_number"] = c.IdType.PASSPORT, "UNCHANGED"
    fields = clean_person(merged)
    if new_id:
        if fields["id_hash"] == person.id_hash:
            fields["id_cipher"] = person.id_cipher
        elif Person.objects.filter(id_hash=fields["id_hash"]).exclude(pk=person.pk).exists():
            raise ValidationError({"id_number": [_("此证件号码已登记")]})
    else:
        for name in ("id_type", "id_cipher", "id_masked", "id_hash"):
            fields.pop(name)
    if "phone" not in given:
        for name in ("phone_cipher", "phone_masked", "phone_hash"):
            fields.pop(name)
    if "room" in values or "region" in values:
        region, room = _person_place(actor, values)
        person.region, person.region_path, person.room = region, region.path, room
        # Current tags and active contracts follow the person to the new grid; visits and
        # histories stay where they happened.
        PersonTag.objects.filter(person=person).update(region_path=region.path)
        CareContract.objects.filter(person=person, state=c.ContractState.ACTIVE).update(
            region_path=region.path
        )
    for name, value in fields.items():
        setattr(person, name, value)
    person.version += 1
    _unique(person.save, "id_number", _("此证件号码已登记"))
    log_change(
        actor=actor,
        obj=person,
        action=c.ChangeAction.UPDATE,
        before=before,
        after=snapshot(person),
        reason=reason,
    )
    return person


@transaction.atomic
def remove_person(*, actor: Any, person_id: int, state: str, reason: str) -> Person:
    """Take a person off the active register (moved out or deceased); the record stays."""
    person = for_action(Person, person_id, actor)
    if state not in (c.PersonState.MOVED_OUT, c.PersonState.DECEASED):
        raise ValidationError({"state": [_("请选择“已迁出”或“已死亡”")]})
    if not text(reason, 200):
        raise ValidationError({"reason": [_("请说明注销原因")]})
    before = snapshot(person)
    person.state = state
    person.version += 1
    person.save(update_fields=["state", "version", "updated_at"])
    Tenancy.objects.filter(tenant=person, ended_on__isnull=True).update(
        ended_on=timezone.localdate()
    )
    CareContract.objects.filter(person=person, state=c.ContractState.ACTIVE).update(
        state=c.ContractState.ENDED, ends_on=timezone.localdate()
    )
    log_change(
        actor=actor,
        obj=person,
        action=c.ChangeAction.DELETE,
        before=before,
        after=snapshot(person),
        reason=reason,
    )
    return person


# -- rooms and tenancies ---------------------------------------------------------------------


def _building(actor: Any, raw: Any) -> Region:
    region = place_for(actor, raw, field="building")
    if region.level != Level.BUILDING:
        raise ValidationError({"building": [_("房屋必须登记在楼栋或屯下")]})
    return region


@transaction.atomic
def create_room(*, actor: Any, values: Mapping[str, Any]) -> Room:
    errors = Errors()
    fields: dict[str, Any] = {}
    try:
        fields = clean_room(values)
    except ValidationError as exc:
        errors.absorb(exc)
    building: Region | None = None
    try:
        building = _building(actor, values.get("building"))
    except ValidationError as exc:
        errors.catch("building", exc)
    errors.raise_if_any()
    assert building is not None
    room = Room(building=building, region_path=building.path, **fields)
    _unique(room.save, "number", _("该楼栋已有这个单元和房号"))
    log_change(actor=actor, obj=room, action=c.ChangeAction.CREATE, after=snapshot(room))
    return room


@transaction.atomic
def update_room(
    *, actor: Any, room_id: int, values: Mapping[str, Any], expected_version: int | None = None
) -> Room:
    room = for_action(Room, room_id, actor)
    _check_version(room, expected_version)
    before = snapshot(room)
    merged = {name: getattr(room, name) for name in ROOM_FIELDS}
    merged.update({k: v for k, v in values.items() if k in ROOM_FIELDS})
    for name, value in clean_room(merged).items():
        setattr(room, name, value)
    room.version += 1
    _unique(room.save, "number", _("该楼栋已有这个单元和房号"))
    log_change(
        actor=actor, obj=room, action=c.ChangeAction.UPDATE, before=before, after=snapshot(room)
    )
    return room


@transaction.atomic
def start_tenancy(
    *,
    actor: Any,
    room_id: int,
    tenant_id: int,
    starts_on: Any,
    ends_on: Any = None,
    purpose: str = "",
    move_in: bool = True,
) -> Tenancy:
    """Register a tenant in a room: the room becomes rented and (``move_in``) the tenant's
    residence."""
    room = for_action(Room, room_id, actor)
    errors = Errors()
    tenant = restrict(Person.objects.filter(pk=tenant_id), actor, "act").first()
    if tenant is None:
        errors.add("tenant", _("承租人不存在或不在您的辖区内"))
    try:
        start = parse_date(starts_on)
    except ValueError:
        start = None
    if start is None:
        errors.add("starts_on", _("请填写起租日期"))
    end = None
    try:
        end = parse_date(ends_on)
    except ValueError:
        errors.add("ends_on", _("到期日期应为日期，如 2026-01-31"))
    if start and (not _plausible(start) or (end is not None and not _plausible(end))):
        errors.add("starts_on", _("日期应在 2000 年到 2100 年之间"))
    elif start and end and end < start:
        errors.add("ends_on", _("到期日期不能早于起租日期"))
    if (
        tenant is not None
        and Tenancy.objects.filter(room=room, tenant=tenant, ended_on__isnull=True).exists()
    ):
        errors.add("tenant", _("此人已在该房屋租住"))
    errors.raise_if_any()
    assert tenant is not None and start is not None
    tenancy = Tenancy.objects.create(
        room=room,
        tenant=tenant,
        region_path=room.region_path,
        starts_on=start,
        ends_on=end,
        purpose=text(purpose, 50),
    )
    if room.occupancy != c.Occupancy.RENTED:
        before = snapshot(room)
        room.occupancy = c.Occupancy.RENTED
        room.version += 1
        room.save(update_fields=["occupancy", "version", "updated_at"])
        log_change(
            actor=actor, obj=room, action=c.ChangeAction.UPDATE, before=before, after=snapshot(room)
        )
    if move_in and tenant.room_id != room.pk:
        update_person(
            actor=actor, person_id=tenant.pk, values={"room": room.pk}, reason=_("租住登记")
        )
    log_change(actor=actor, obj=tenancy, action=c.ChangeAction.CREATE, after=snapshot(tenancy))
    return tenancy


@transaction.atomic
def end_tenancy(*, actor: Any, tenancy_id: int, ended_on: Any = None) -> Tenancy:
    tenancy = for_action(Tenancy, tenancy_id, actor)
    if tenancy.ended_on is not None:
        raise RegistryConflict(_("该租住登记已退租"))
    try:
        end = parse_date(ended_on) or timezone.localdate()
    except ValueError:
        raise ValidationError({"ended_on": [_("退租日期应为日期，如 2026-01-31")]}) from None
    if end < tenancy.starts_on:
        raise ValidationError({"ended_on": [_("退租日期不能早于起租日期")]})
    before = snapshot(tenancy)
    tenancy.ended_on = end
    tenancy.save(update_fields=["ended_on"])
    room = tenancy.room
    if not room.tenancies.filter(ended_on__isnull=True).exists():
        room.occupancy = c.Occupancy.VACANT
        room.version += 1
        room.save(update_fields=["occupancy", "version", "updated_at"])
    log_change(
        actor=actor,
        obj=tenancy,
        action=c.ChangeAction.UPDATE,
        before=before,
        after=snapshot(tenancy),
    )
    return tenancy


# -- organisations ---------------------------------------------------------------------------


def _dedicated_grid(actor: Any, raw: Any) -> Region | None:
    if raw in (None, ""):
        return None
    grid = place_for(actor, raw, field="dedicated_grid")
    if grid.level != Level.GRID:
        raise ValidationError({"dedicated_grid": [_("专属网格应为网格")]})
    return grid


@transaction.atomic
def create_organisation(*, actor: Any, values: Mapping[str, Any]) -> Organisation:
    errors = Errors()
    fields: dict[str, Any] = {}
    try:
        fields = clean_organisation(values)
    except ValidationError as exc:
        errors.absorb(exc)
    region = dedicated = None
    try:
        region = place_for(actor, values.get("region"))
    except ValidationError as exc:
        errors.catch("region", exc)
    try:
        dedicated = _dedicated_grid(actor, values.get("dedicated_grid"))
    except ValidationError as exc:
        errors.catch("dedicated_grid", exc)
    if (
        fields.get("credit_code")
        and Organisation.objects.filter(credit_code=fields["credit_code"]).exists()
    ):
        errors.add("credit_code", _("此统一社会信用代码已登记"))
    errors.raise_if_any()
    assert region is not None
    org = Organisation(region=region, region_path=region.path, dedicated_grid=dedicated, **fields)
    _unique(org.save, "credit_code", _("此统一社会信用代码已登记"))
    log_change(actor=actor, obj=org, action=c.ChangeAction.CREATE, after=snapshot(org))
    return org


@transaction.atomic
def update_organisation(
    *,
    actor: Any,
    organisation_id: int,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Organisation:
    org = for_action(Organisation, organisation_id, actor)
    _check_version(org, expected_version)
    before = snapshot(org)
    merged: dict[str, Any] = {
        name: getattr(org, name) for name in ORGANISATION_FIELDS if name != "phone"
    }
    merged.update({k: v for k, v in values.items() if k in ORGANISATION_FIELDS})
    fields = clean_organisation(merged)
    if "phone" not in values:
        for name in ("phone_cipher", "phone_masked", "phone_hash"):
            fields.pop(name)
    if fields["credit_code"] != org.credit_code and (
        Organisation.objects.filter(credit_code=fields["credit_code"]).exists()
    ):
        raise ValidationError({"credit_code": [_("此统一社会信用代码已登记")]})
    if "region" in values:
        region = place_for(actor, values["region"])
        org.region, org.region_path = region, region.path
    if "dedicated_grid" in values:
        org.dedicated_grid = _dedicated_grid(actor, values["dedicated_grid"])
    for name, value in fields.items():
        setattr(org, name, value)
    org.version += 1
    _unique(org.save, "credit_code", _("此统一社会信用代码已登记"))
    log_change(
        actor=actor, obj=org, action=c.ChangeAction.UPDATE, before=before, after=snapshot(org)
    )
    return org


# -- tags ------------------------------------------------------------------------------------


def _tag(code: Any, actor: Any, field: str = "tag") -> Tag:
    tag = Tag.objects.select_related("group").filter(code=text(code, 30), is_active=True).first()
    if tag is None:
        raise ValidationError({field: [_("没有这个标签")]})
    if tag.group.sensitive and not access.may_reveal_anywhere(actor):
        raise PermissionDenied(_("您的岗位不能标注特殊人群"))
    return tag


def _reason(reason: Any, field: str = "reason") -> str:
    value = text(reason, 200)
    if not value:
        raise ValidationError({field: [_("请填写理由")]})
    return value


@transaction.atomic
def set_tag(
    *, actor: Any, person_id: int, tag: str, reason: str, at: dt.datetime | None = None
) -> PersonTag:
    person = for_action(Person, person_id, actor)
    found = _tag(tag, actor)
    if found.group.sensitive and not access.may_reveal(actor, person.region_path):
        raise PermissionDenied(_("您的岗位不能标注特殊人群"))
    why = _reason(reason)
    if PersonTag.objects.filter(person=person, tag=found).exists():
        raise RegistryConflict(_("此人已有“%(tag)s”标签") % {"tag": found.name})
    at = at or timezone.now()
    current = PersonTag.objects.create(
        person=person,
        tag=found,
        region_path=person.region_path,
        set_by=actor,
        set_at=at,
        reason=why,
    )
    PersonTagEvent.objects.create(
        person=person,
        tag=found,
        region_path=person.region_path,
        action=c.TagAction.SET,
        actor=actor,
        at=at,
        reason=why,
    )
    return current


@transaction.atomic
def remove_tag(*, actor: Any, person_id: int, tag: str, reason: str) -> None:
    person = for_action(Person, person_id, actor)
    found = _tag(tag, actor)
    if found.group.sensitive and not access.may_reveal(actor, person.region_path):
        raise PermissionDenied(_("您的岗位不能标注特殊人群"))
    why = _reason(reason)
    deleted, _rows = PersonTag.objects.filter(person=person, tag=found).delete()
    if not deleted:
        raise RegistryConflict(_("此人没有“%(tag)s”标签") % {"tag": found.name})
    PersonTagEvent.objects.create(
        person=person,
        tag=found,
        region_path=person.region_path,
        action=c.TagAction.REMOVED,
        actor=actor,
        at=timezone.now(),
        reason=why,
    )


# -- care contracts and visits ---------------------------------------------------------------


@transaction.atomic
def create_care_contract(
    *,
    actor: Any,
    person_id: int,
    carer_id: int,
    services: str,
    visit_every_days: Any,
    starts_on: Any,
    ends_on: Any = None,
    tag: str = "",
) -> CareContract:
    from gridgov.accounts.models import User

    person = for_action(Person, person_id, actor)
    errors = Errors()
    carer = User.objects.filter(pk=carer_id, is_active=True).first()
    if carer is None:
        errors.add("carer", _("请选择结对责任人"))
    found: Tag | None = None
    if tag:
        try:
            found = _tag(tag, actor)
        except ValidationError as exc:
            errors.catch("tag", exc)
    if not text(services, 300):
        errors.add("services", _("请填写服务内容"))
    try:
        every = int(visit_every_days)
        if not 1 <= every <= 366:
            raise ValueError
    except (TypeError, ValueError):
        every = 0
        errors.add("visit_every_days", _("走访周期应为 1–366 天"))
    try:
        start = parse_date(starts_on)
        end = parse_date(ends_on)
    except ValueError:
        start = end = None
        errors.add("starts_on", _("日期应为日期，如 2026-01-31"))
    if start is None:
        errors.add("starts_on", _("请填写开始日期"))
    elif not _plausible(start) or (end is not None and not _plausible(end)):
        errors.add("starts_on", _("日期应在 2000 年到 2100 年之间"))
    elif end is not None and end < start:
        errors.add("ends_on", _("结束日期不能早于开始日期"))
    if person.state != c.PersonState.ACTIVE:
        errors.add("person", _("此人已不在册"))
    errors.raise_if_any()
    assert carer is not None and start is not None
    contract = CareContract.objects.create(
        person=person,
        region_path=person.region_path,
        tag=found,
        carer=carer,
        services=text(services, 300),
        visit_every_days=every,
        starts_on=start,
        ends_on=end,
    )
    log_change(actor=actor, obj=contract, action=c.ChangeAction.CREATE, after=snapshot(contract))
    return contract


@transaction.atomic
def end_care_contract(*, actor: Any, contract_id: int, reason: str) -> CareContract:
    contract = for_action(CareContract, contract_id, actor)
    if contract.state == c.ContractState.ENDED:
        raise RegistryConflict(_("该合约已结束"))
    why = _reason(reason)
    before = snapshot(contract)
    contract.state = c.ContractState.ENDED
    contract.ends_on = timezone.localdate()
    contract.save(update_fields=["state", "ends_on"])
    log_change(
        actor=actor,
        obj=contract,
        action=c.ChangeAction.UPDATE,
        before=before,
        after=snapshot(contract),
        reason=why,
    )
    return contract


@transaction.atomic
def record_visit(
    *,
    actor: Any,
    kind: str,
    result: str,
    findings: str = "",
    person_id: int | None = None,
    room_id: int | None = None,
    organisation_id: int | None = None,
    contract_id: int | None = None,
    visited_at: dt.datetime | None = None,
    follow_up_case: str = "",
    lng: float | None = None,
    lat: float | None = None,
) -> Visit:
    """Record a household (or organisation) visit; a care visit updates its contract."""
    from gridgov.cases.selectors import visible_cases

    errors = Errors()
    person = room = org = contract = None
    if person_id is not None:
        person = for_action(Person, person_id, actor, lock=False)
    if room_id is not None:
        room = for_action(Room, room_id, actor, lock=False)
    if organisation_id is not None:
        org = for_action(Organisation, organisation_id, actor, lock=False)
    if contract_id is not None:
        contract = for_action(CareContract, contract_id, actor)
        person = person or contract.person
        if contract.person_id != person.pk:
            errors.add("contract", _("合约的服务对象不是被走访人"))
        if contract.state != c.ContractState.ACTIVE:
            errors.add("contract", _("该合约已结束"))
    subject = person or room or org
    if subject is None:
        errors.add("person", _("请选择走访对象（人员、房屋或单位）"))
    if kind not in c.VisitKind.values:
        errors.add("kind", _("请选择走访类型"))
    if result not in c.VisitResult.values:
        errors.add("result", _("请选择走访结果"))
    if result == c.VisitResult.PROBLEM and not text(findings, 2000):
        errors.add("findings", _("发现问题时请写明情况"))
    at = visited_at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        errors.add("visited_at", _("走访时间不能晚于现在"))
    case = None
    if follow_up_case:
        case = visible_cases(actor).filter(number=text(follow_up_case, 30)).first()
        if case is None:
            errors.add("follow_up_case", _("案件不存在或不在您的辖区内"))
    if (lng is None) != (lat is None) or (
        lng is not None and lat is not None and not (-180 <= lng <= 180 and -90 <= lat <= 90)
    ):
        errors.add("lng", _("坐标不正确"))
    errors.raise_if_any()
    assert subject is not None
    visit = Visit.objects.create(
        region_path=subject.region_path,
        person=person,
        room=room or (person.room if person else None),
        organisation=org,
        contract=contract,
        visitor=actor,
        visited_at=at,
        kind=kind,
        result=result,
        findings=text(findings, 2000),
        follow_up_case=case,
        lng=lng,
        lat=lat,
    )
    if contract is not None and (contract.last_visit_at is None or contract.last_visit_at < at):
        contract.last_visit_at = at
        contract.save(update_fields=["last_visit_at"])
    return visit


# -- revealing -------------------------------------------------------------------------------


def _count_reveal(actor: Any, values: int) -> None:
    """Reveals per user and hour are limited (``GRIDGOV_REVEAL_PER_HOUR`` single values,
    ``GRIDGOV_REVEAL_EXPORTS_PER_HOUR`` exports in clear) against harvesting; past the limit
    ``RateLimited`` (→ 429)."""
    from django.conf import settings

    from gridgov.core.ratelimit import Limit, hit

    if values:
        hit("reveal", str(actor.pk), Limit(settings.GRIDGOV_REVEAL_PER_HOUR, 3600))
    else:
        hit("reveal-export", str(actor.pk), Limit(settings.GRIDGOV_REVEAL_EXPORTS_PER_HOUR, 3600))


REVEALABLE: dict[type[models.Model], dict[str, str]] = {
    Person: {c.RevealField.ID_NUMBER: "id_cipher", c.RevealField.PHONE: "phone_cipher"},
    Organisation: {c.RevealField.PHONE: "phone_cipher"},
}


@transaction.atomic
def reveal(
    *, actor: Any, obj: Person | Organisation, field: str, reason: str, ip: str | None = None
) -> str:
    """The clear value of one protected field, for a post that may reveal it here; the access
    is recorded (who, whose, which field, why, when) before the value is returned."""
    from gridgov.core.jurisdiction import can

    if not can(actor, obj, "view"):
        raise Http404(_("记录不存在或不在您的辖区内"))
    if not access.may_reveal(actor, obj.region_path):
        raise PermissionDenied(_("您的岗位不能查看完整的个人信息"))
    column = REVEALABLE[type(obj)].get(field)
    if column is None:
        raise ValidationError({"field": [_("这一项不能查看")]})
    why = _reason(reason)
    _count_reveal(actor, 1)
    RevealRecord.objects.create(
        actor=actor,
        model=obj._meta.model_name or "",
        object_id=obj.pk,
        subject=str(getattr(obj, "name", ""))[:100],
        region_path=obj.region_path,
        field=field,
        reason=why,
        at=timezone.now(),
        ip=ip,
    )
    return protection.decrypt(getattr(obj, column))


def reveal_people(
    *, actor: Any, people: Iterable[Person], reason: str, ip: str | None = None
) -> dict[int, tuple[str, str]]:
    """Clear ID numbers and phones of many people (an export by a post that may reveal):
    one access record per person and field; people outside the reveal area are left out."""
    why = _reason(reason)
    _count_reveal(actor, 0)
    now = timezone.now()
    out: dict[int, tuple[str, str]] = {}
    records: list[RevealRecord] = []
    for person in people:
        if not access.may_reveal(actor, person.region_path):
            continue
        out[person.pk] = (
            protection.decrypt(person.id_cipher),
            protection.decrypt(person.phone_cipher),
        )
        for field in (c.RevealField.ID_NUMBER, c.RevealField.PHONE):
            records.append(
                RevealRecord(
                    actor=actor,
                    model="person",
                    object_id=person.pk,
                    subject=person.name[:100],
                    region_path=person.region_path,
                    field=field,
                    reason=why,
                    at=now,
                    ip=ip,
                )
            )
    with transaction.atomic():
        RevealRecord.objects.bulk_create(records, batch_size=2000)
    return out
