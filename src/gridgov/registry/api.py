"""The registers in the JSON API (/api/v1/registry/…): people, rooms and tenancies,
organisations, the tag catalogue and key groups, care contracts and visits.

Thin: reads go through ``registry.selectors`` (the jurisdiction function), writes through
``registry.services`` (validation, 404/403, the change log). Protected values leave only
masked; the one way to a clear value is the ``reveal`` endpoints, which call
``services.reveal`` (it checks the post and records the access). Free text (notes, findings,
reasons) passes ``redact`` so that a number typed into it does not leave in clear either.
Lists page by keyset (``cursor`` / ``next``, at most 200 rows a page)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, PathEx, Query, QueryEx, Router, Status

from gridgov.accounts.models import User
from gridgov.core.apischemas import MAX_ID, Keyset, ReasonIn
from gridgov.core.apiutil import choice_label, display_name, free_text, place, staff
from gridgov.core.jurisdiction import scope_for
from gridgov.core.privacy import mask_name, redact
from gridgov.core.ratelimit import client_address
from gridgov.registry import access, selectors, services
from gridgov.registry import choices as c
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
from gridgov.registry.schemas import (
    ContractIn,
    ContractList,
    ContractOut,
    ContractQuery,
    HistoryOut,
    KeyGroupOut,
    OrganisationIn,
    OrganisationList,
    OrganisationOut,
    OrganisationPatch,
    OrganisationQuery,
    OrganisationRevealIn,
    PersonDetailOut,
    PersonIn,
    PersonList,
    PersonPatch,
    PersonQuery,
    PersonRemoveIn,
    PersonTagOut,
    RevealIn,
    RevealOut,
    RoomDetailOut,
    RoomIn,
    RoomList,
    RoomPatch,
    RoomQuery,
    TagGroupOut,
    TagIn,
    TenancyEndIn,
    TenancyIn,
    TenancyOut,
    VisitIn,
    VisitList,
    VisitOut,
    VisitQuery,
)
from gridgov.registry.selectors import OrganisationFilter, PersonFilter, RoomFilter

router = Router(tags=["基础信息（人、房、法）"])

Id = PathEx[int, P(ge=1, le=MAX_ID, description="记录编号")]
TagCode = PathEx[str, P(max_length=30, pattern=r"^[A-Za-z0-9_\-]+$", description="标签代码")]
RegionParam = QueryEx[
    str, P(pattern=r"^([0-9]{2,18})?$", description="区划路径（含下级）；默认全部辖区")
]


PEOPLE_ORDER = Keyset((("region_path", "str"), ("household_no", "str"), ("id", "int")))
ROOMS_ORDER = Keyset((("region_path", "str"), ("unit", "str"), ("number", "str"), ("id", "int")))
ORGANISATIONS_ORDER = Keyset((("region_path", "str"), ("name", "str"), ("id", "int")))
CONTRACTS_ORDER = Keyset((("region_path", "str"), ("id", "int")))
VISITS_ORDER = Keyset((("-visited_at", "datetime"), ("-id", "int")))


# -- shaping ---------------------------------------------------------------------------------


def _masked_json(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _masked_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_json(v) for v in value]
    return value


def _user_ref(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": display_name(user)}


def _room_ref(room: Room) -> dict[str, Any]:
    return {"id": room.pk, "label": room.label, "building": place(room.building)}


def _person_ref(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "name": person.name, "id_masked": person.id_masked}


def _person_brief(person: Person) -> dict[str, Any]:
    return {
        **_person_ref(person),
        "phone_masked": person.phone_masked,
        "gender": person.gender,
        "gender_label": choice_label(c.Gender, person.gender),
        "birth_date": person.birth_date,
        "kind": person.kind,
        "kind_label": choice_label(c.PersonKind, person.kind),
        "relation": person.relation,
        "relation_label": choice_label(c.Relation, person.relation),
    }


def _tag_ref(tag: Tag) -> dict[str, str]:
    return {
        "code": tag.code,
        "name": tag.name,
        "group": tag.group.code,
        "group_name": tag.group.name,
    }


def person_out(person: Person, user: Any, *, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    return {
        "id": person.pk,
        "name": person.name,
        "id_type": person.id_type,
        "id_type_label": choice_label(c.IdType, person.id_type),
        "id_masked": person.id_masked,
        "gender": person.gender,
        "gender_label": choice_label(c.Gender, person.gender),
        "birth_date": person.birth_date,
        "age": max(0, person.age_on(today)),
        "phone_masked": person.phone_masked,
        "ethnicity": person.ethnicity,
        "hukou_place": person.hukou_place,
        "kind": person.kind,
        "kind_label": choice_label(c.PersonKind, person.kind),
        "residence_status": person.residence_status,
        "residence_status_label": choice_label(c.ResidenceStatus, person.residence_status),
        "household_no": person.household_no,
        "relation": person.relation,
        "relation_label": choice_label(c.Relation, person.relation),
        "is_party_member": person.is_party_member,
        "workplace": person.workplace,
        "state": person.state,
        "state_label": choice_label(c.PersonState, person.state),
        "note": free_text(person.note),
        "region": place(person.region),
        "room": _room_ref(person.room) if person.room is not None else None,
        "version": person.version,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
        "may_reveal": access.may_reveal(user, person.region_path),
    }


def _person_tag_out(row: PersonTag) -> dict[str, Any]:
    return {
        **_tag_ref(row.tag),
        "set_at": row.set_at,
        "set_by": display_name(row.set_by) or None,
        "reason": free_text(row.reason),
    }


def person_detail_out(person: Person, user: Any) -> dict[str, Any]:
    household = selectors.household(user, person).exclude(pk=person.pk)
    return {
        **person_out(person, user),
        "tags": [_person_tag_out(row) for row in selectors.person_tags(user, person)],
        "household": [_person_brief(p) for p in household.order_by("id")[:50]],
    }


def room_out(room: Room) -> dict[str, Any]:
    return {
        "id": room.pk,
        "building": place(room.building),
        "unit": room.unit,
        "number": room.number,
        "label": room.label,
        "use": room.use,
        "use_label": choice_label(c.RoomUse, room.use),
        "area_m2": None if room.area_m2 is None else f"{room.area_m2:.2f}",
        "owner": _person_ref(room.owner) if room.owner is not None else None,
        "owner_name": room.owner_name,
        "occupancy": room.occupancy,
        "occupancy_label": choice_label(c.Occupancy, room.occupancy),
        "note": free_text(room.note),
        "residents_count": getattr(room, "residents_count", 0),
        "version": room.version,
        "created_at": room.created_at,
        "updated_at": room.updated_at,
    }


def tenancy_out(tenancy: Tenancy) -> dict[str, Any]:
    return {
        "id": tenancy.pk,
        "room": _room_ref(tenancy.room),
        "tenant": _person_brief(tenancy.tenant),
        "starts_on": tenancy.starts_on,
        "ends_on": tenancy.ends_on,
        "ended_on": tenancy.ended_on,
        "purpose": tenancy.purpose,
        "current": tenancy.is_current,
        "created_at": tenancy.created_at,
    }


def organisation_out(org: Organisation, user: Any) -> dict[str, Any]:
    revealing = access.may_reveal(user, org.region_path)
    return {
        "id": org.pk,
        "credit_code": org.credit_code,
        "name": org.name,
        "kind": org.kind,
        "kind_label": choice_label(c.OrgKind, org.kind),
        "legal_rep": org.legal_rep if revealing else mask_name(org.legal_rep),
        "phone_masked": org.phone_masked,
        "address": org.address,
        "region": place(org.region),
        "dedicated_grid": place(org.dedicated_grid) if org.dedicated_grid else None,
        "employees": org.employees,
        "industry": org.industry,
        "founded_on": org.founded_on,
        "state": org.state,
        "state_label": choice_label(c.OrgState, org.state),
        "note": free_text(org.note),
        "version": org.version,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
        "may_reveal": revealing,
    }


def contract_out(contract: CareContract, user: Any, today: dt.date) -> dict[str, Any]:
    tag = contract.tag
    if (
        tag is not None
        and tag.group.sensitive
        and not access.may_reveal(user, contract.region_path)
    ):
        tag = None  # a sensitive care category shows only to posts that may reveal
    try:
        due: dt.date | None = contract.next_visit_due()
    except OverflowError:
        due = None
    active = contract.state == c.ContractState.ACTIVE
    return {
        "id": contract.pk,
        "person": _person_ref(contract.person),
        "tag": _tag_ref(tag) if tag is not None else None,
        "carer": _user_ref(contract.carer),
        "services": free_text(contract.services),
        "visit_every_days": contract.visit_every_days,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "state": contract.state,
        "state_label": choice_label(c.ContractState, contract.state),
        "last_visit_at": contract.last_visit_at,
        "next_visit_due": due,
        "overdue": bool(active and due is not None and due < today),
        "created_at": contract.created_at,
    }


def visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "visited_at": visit.visited_at,
        "kind": visit.kind,
        "kind_label": choice_label(c.VisitKind, visit.kind),
        "result": visit.result,
        "result_label": choice_label(c.VisitResult, visit.result),
        "findings": free_text(visit.findings),
        "person": _person_ref(visit.person) if visit.person is not None else None,
        "room": _room_ref(visit.room) if visit.room is not None else None,
        "organisation": (
            {"id": visit.organisation.pk, "name": visit.organisation.name}
            if visit.organisation is not None
            else None
        ),
        "contract_id": visit.contract_id,
        "visitor": _user_ref(visit.visitor),
        "follow_up_case": visit.follow_up_case.number if visit.follow_up_case else None,
        "lng": visit.lng,
        "lat": visit.lat,
        "created_at": visit.created_at,
    }


def _change_out(change: RegistryChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "action": change.action,
        "action_label": choice_label(c.ChangeAction, change.action),
        "actor": display_name(change.actor) or None,
        "at": change.at,
        "before": _masked_json(change.before),
        "after": _masked_json(change.after),
        "reason": free_text(change.reason),
    }


def _tag_event_out(event: PersonTagEvent) -> dict[str, Any]:
    return {
        "tag": _tag_ref(event.tag),
        "action": event.action,
        "action_label": choice_label(c.TagAction, event.action),
        "actor": display_name(event.actor) or None,
        "at": event.at,
        "reason": free_text(event.reason),
    }


def _reveal_record_out(record: RevealRecord) -> dict[str, Any]:
    return {
        "actor": display_name(record.actor),
        "field": record.field,
        "field_label": choice_label(c.RevealField, record.field),
        "reason": free_text(record.reason),
        "at": record.at,
    }


# -- helpers ---------------------------------------------------------------------------------

PERSON_RELATED = ("region", "room", "room__building")
VISIT_RELATED = ("room__building",)


def _registrar(request: HttpRequest) -> User:
    """The staff user behind a request that registers something new: a post that only looks
    (a leader, an integration) or one without a region (department staff) is refused."""
    user = staff(request)
    scope = scope_for(user)
    if not (scope.everything or scope.act_paths):
        raise PermissionDenied(_("您的岗位只能查看登记信息，不能登记"))
    return user


def _no_store(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"


def _person(user: User, pk: int) -> Person:
    return selectors.get_person(user, pk)


def _fresh_person(user: User, pk: int) -> dict[str, Any]:
    return person_detail_out(_person(user, pk), user)


def _room_detail(user: User, pk: int) -> dict[str, Any]:
    room = selectors.rooms(user).select_related("owner").get(pk=selectors.get_room(user, pk).pk)
    residents = selectors.people(user, PersonFilter(room=room.pk)).order_by("household_no", "id")
    current = selectors.tenancies(user, room, current=True).select_related("room__building")
    return {
        **room_out(room),
        "tenancies": [tenancy_out(t) for t in current],
        "residents": [_person_brief(p) for p in residents[:200]],
    }


def _organisation(user: User, pk: int) -> dict[str, Any]:
    return organisation_out(selectors.get_organisation(user, pk), user)


def _contract(user: User, pk: int) -> dict[str, Any]:
    contract = (
        selectors.contracts(user, state="")
        .select_related("tag__group", "carer", "person")
        .get(pk=pk)
    )
    return contract_out(contract, user, timezone.localdate())


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A visit time as given; one without a zone is read in the local zone (Asia/Shanghai)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    if (
        not dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        <= moment
        <= dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
    ):
        raise ValidationError({"visited_at": [_("走访时间不正确")]})
    return moment


# -- people ----------------------------------------------------------------------------------


@router.get("/registry/people", response=PersonList, summary="实有人口（游标分页）")
def list_people(request: HttpRequest, filters: Query[PersonQuery]) -> dict[str, Any]:
    return _people_page(request, filters)


@router.post(
    "/registry/people/search",
    response=PersonList,
    summary="实有人口查询（条件放在请求体中，完整证件号码或电话不进入网址和日志）",
)
def search_people(request: HttpRequest, filters: PersonQuery) -> dict[str, Any]:
    return _people_page(request, filters)


def _people_page(request: HttpRequest, filters: PersonQuery) -> dict[str, Any]:
    user = staff(request)
    params = filters.dict(exclude={"cursor", "limit"}, exclude_none=True)
    queryset = selectors.people(user, PersonFilter.from_params(params))
    rows, cursor = PEOPLE_ORDER.page(
        queryset.select_related(*PERSON_RELATED), filters.cursor, filters.limit
    )
    today = timezone.localdate()
    return {"items": [person_out(p, user, today=today) for p in rows], "next": cursor}


@router.post("/registry/people", response={201: PersonDetailOut}, summary="登记人员")
def create_person(request: HttpRequest, data: PersonIn) -> Status[dict[str, Any]]:
    user = _registrar(request)
    values = data.dict()
    reason = values.pop("reason")
    if values["room"] is None:
        del values["room"]
    person = services.create_person(actor=user, values=values, reason=reason)
    return Status(201, _fresh_person(user, person.pk))


@router.get("/registry/people/{person_id}", response=PersonDetailOut, summary="人员详情")
def person_detail(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _fresh_person(user, person_id)


@router.patch("/registry/people/{person_id}", response=PersonDetailOut, summary="修改人员信息")
def update_person(request: HttpRequest, person_id: Id, data: PersonPatch) -> dict[str, Any]:
    user = staff(request)
    values = data.dict(exclude_unset=True)
    expected = values.pop("expected_version", None)
    reason = values.pop("reason", "")
    services.update_person(
        actor=user, person_id=person_id, values=values, expected_version=expected, reason=reason
    )
    return _fresh_person(user, person_id)


@router.post(
    "/registry/people/{person_id}/remove",
    response=PersonDetailOut,
    summary="注销人员（迁出、死亡）",
)
def remove_person(request: HttpRequest, person_id: Id, data: PersonRemoveIn) -> dict[str, Any]:
    user = staff(request)
    services.remove_person(actor=user, person_id=person_id, state=data.state, reason=data.reason)
    return _fresh_person(user, person_id)


@router.post(
    "/registry/people/{person_id}/reveal",
    response=RevealOut,
    summary="查看完整证件号码或电话（记录在案）",
)
def reveal_person(
    request: HttpRequest, person_id: Id, data: RevealIn, response: HttpResponse
) -> dict[str, Any]:
    user = staff(request)
    person = _person(user, person_id)
    value = services.reveal(
        actor=user, obj=person, field=data.field, reason=data.reason, ip=client_address(request)
    )
    _no_store(response)
    return {
        "field": data.field,
        "field_label": choice_label(c.RevealField, data.field),
        "value": value,
    }


@router.get(
    "/registry/people/{person_id}/history",
    response=HistoryOut,
    summary="人员变更、标签、走访和查看记录",
)
def person_history(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    user = staff(request)
    person = _person(user, person_id)
    visits = selectors.visits(user, person=person).select_related(*VISIT_RELATED)
    reveals = None
    if access.may_reveal(user, person.region_path):
        reveals = [_reveal_record_out(r) for r in selectors.reveals_of(user, "person", person.pk)]
    return {
        "changes": [_change_out(ch) for ch in selectors.changes_of(user, "person", person.pk)],
        "tag_events": [_tag_event_out(e) for e in selectors.tag_history(user, person)],
        "visits": [visit_out(v) for v in visits],
        "reveals": reveals,
    }


@router.get("/registry/people/{person_id}/tags", response=list[PersonTagOut], summary="人员的标签")
def person_tags(request: HttpRequest, person_id: Id) -> list[dict[str, Any]]:
    user = staff(request)
    person = _person(user, person_id)
    return [_person_tag_out(row) for row in selectors.person_tags(user, person)]


@router.post(
    "/registry/people/{person_id}/tags", response={201: list[PersonTagOut]}, summary="标注标签"
)
def set_tag(request: HttpRequest, person_id: Id, data: TagIn) -> Status[list[dict[str, Any]]]:
    user = staff(request)
    services.set_tag(actor=user, person_id=person_id, tag=data.tag, reason=data.reason)
    person = _person(user, person_id)
    return Status(201, [_person_tag_out(row) for row in selectors.person_tags(user, person)])


@router.post(
    "/registry/people/{person_id}/tags/{code}/remove",
    response=list[PersonTagOut],
    summary="取消标签",
)
def remove_tag(
    request: HttpRequest, person_id: Id, code: TagCode, data: ReasonIn
) -> list[dict[str, Any]]:
    user = staff(request)
    services.remove_tag(actor=user, person_id=person_id, tag=code, reason=data.reason)
    person = _person(user, person_id)
    return [_person_tag_out(row) for row in selectors.person_tags(user, person)]


# -- rooms and tenancies ---------------------------------------------------------------------


@router.get("/registry/rooms", response=RoomList, summary="实有房屋（游标分页）")
def list_rooms(request: HttpRequest, filters: Query[RoomQuery]) -> dict[str, Any]:
    user = staff(request)
    params = filters.dict(exclude={"cursor", "limit"})
    queryset = selectors.rooms(user, RoomFilter.from_params(params)).select_related("owner")
    rows, cursor = ROOMS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [room_out(r) for r in rows], "next": cursor}


@router.post("/registry/rooms", response={201: RoomDetailOut}, summary="登记房屋")
def create_room(request: HttpRequest, data: RoomIn) -> Status[dict[str, Any]]:
    user = _registrar(request)
    room = services.create_room(actor=user, values=data.dict())
    return Status(201, _room_detail(user, room.pk))


@router.get(
    "/registry/rooms/{room_id}",
    response=RoomDetailOut,
    summary="房屋详情（当前租住登记和居住人员）",
)
def room_detail(request: HttpRequest, room_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _room_detail(user, room_id)


@router.patch("/registry/rooms/{room_id}", response=RoomDetailOut, summary="修改房屋信息")
def update_room(request: HttpRequest, room_id: Id, data: RoomPatch) -> dict[str, Any]:
    user = staff(request)
    values = data.dict(exclude_unset=True)
    expected = values.pop("expected_version", None)
    services.update_room(actor=user, room_id=room_id, values=values, expected_version=expected)
    return _room_detail(user, room_id)


@router.post("/registry/rooms/{room_id}/tenancies", response={201: TenancyOut}, summary="租住登记")
def start_tenancy(request: HttpRequest, room_id: Id, data: TenancyIn) -> Status[dict[str, Any]]:
    user = staff(request)
    tenancy = services.start_tenancy(
        actor=user,
        room_id=room_id,
        tenant_id=data.tenant_id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        purpose=data.purpose,
        move_in=data.move_in,
    )
    return Status(201, _tenancy(user, tenancy.pk))


def _tenancy(user: User, pk: int) -> dict[str, Any]:
    tenancy = selectors.tenancies(user).select_related("room__building").get(pk=pk)
    return tenancy_out(tenancy)


@router.post("/registry/tenancies/{tenancy_id}/end", response=TenancyOut, summary="退租")
def end_tenancy(request: HttpRequest, tenancy_id: Id, data: TenancyEndIn) -> dict[str, Any]:
    user = staff(request)
    services.end_tenancy(actor=user, tenancy_id=tenancy_id, ended_on=data.ended_on)
    return _tenancy(user, tenancy_id)


# -- organisations ---------------------------------------------------------------------------


@router.get("/registry/organisations", response=OrganisationList, summary="法人单位（游标分页）")
def list_organisations(request: HttpRequest, filters: Query[OrganisationQuery]) -> dict[str, Any]:
    user = staff(request)
    params = filters.dict(exclude={"cursor", "limit"})
    queryset = selectors.organisations(user, OrganisationFilter.from_params(params))
    rows, cursor = ORGANISATIONS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [organisation_out(o, user) for o in rows], "next": cursor}


@router.post("/registry/organisations", response={201: OrganisationOut}, summary="登记法人单位")
def create_organisation(request: HttpRequest, data: OrganisationIn) -> Status[dict[str, Any]]:
    user = _registrar(request)
    values = data.dict()
    if values["dedicated_grid"] is None:
        del values["dedicated_grid"]
    org = services.create_organisation(actor=user, values=values)
    return Status(201, _organisation(user, org.pk))


@router.get(
    "/registry/organisations/{organisation_id}", response=OrganisationOut, summary="法人单位详情"
)
def organisation_detail(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _organisation(user, organisation_id)


@router.patch(
    "/registry/organisations/{organisation_id}",
    response=OrganisationOut,
    summary="修改法人单位信息",
)
def update_organisation(
    request: HttpRequest, organisation_id: Id, data: OrganisationPatch
) -> dict[str, Any]:
    user = staff(request)
    values = data.dict(exclude_unset=True)
    expected = values.pop("expected_version", None)
    services.update_organisation(
        actor=user, organisation_id=organisation_id, values=values, expected_version=expected
    )
    return _organisation(user, organisation_id)


@router.post(
    "/registry/organisations/{organisation_id}/reveal",
    response=RevealOut,
    summary="查看完整联系电话（记录在案）",
)
def reveal_organisation(
    request: HttpRequest, organisation_id: Id, data: OrganisationRevealIn, response: HttpResponse
) -> dict[str, Any]:
    user = staff(request)
    org = selectors.get_organisation(user, organisation_id)
    value = services.reveal(
        actor=user, obj=org, field=data.field, reason=data.reason, ip=client_address(request)
    )
    _no_store(response)
    return {
        "field": data.field,
        "field_label": choice_label(c.RevealField, data.field),
        "value": value,
    }


# -- tags and key groups ---------------------------------------------------------------------


@router.get("/registry/tags", response=list[TagGroupOut], summary="标签目录（按标签组）")
def tag_catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    user = staff(request)
    by_group: dict[int, list[Tag]] = {}
    for tag in selectors.visible_tags(user).order_by("group__order", "order", "code"):
        by_group.setdefault(tag.group_id, []).append(tag)
    return [
        {
            "code": group.code,
            "name": group.name,
            "kind": group.kind,
            "kind_label": choice_label(c.TagGroupKind, group.kind),
            "sensitive": group.sensitive,
            "tags": [
                {"code": t.code, "name": t.name, "visit_every_days": t.visit_every_days}
                for t in by_group.get(group.pk, [])
            ],
        }
        for group in selectors.tag_groups(user)
    ]


@router.get("/registry/key-groups", response=list[KeyGroupOut], summary="重点人群统计（按标签）")
def key_groups(request: HttpRequest, region: RegionParam = "") -> list[dict[str, Any]]:
    user = staff(request)
    return [
        {"tag": _tag_ref(row["tag"]), "count": row["count"]}
        for row in selectors.key_group_counts(user, region)
    ]


# -- care contracts --------------------------------------------------------------------------


@router.get("/registry/care-contracts", response=ContractList, summary="关爱服务合约（游标分页）")
def list_contracts(request: HttpRequest, filters: Query[ContractQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.contracts(user, state=filters.state, carer=filters.carer)
    if filters.person is not None:
        queryset = queryset.filter(person_id=filters.person)
    rows, cursor = CONTRACTS_ORDER.page(
        queryset.select_related("tag__group"), filters.cursor, filters.limit
    )
    today = timezone.localdate()
    return {"items": [contract_out(k, user, today) for k in rows], "next": cursor}


@router.post("/registry/care-contracts", response={201: ContractOut}, summary="签订关爱服务合约")
def create_contract(request: HttpRequest, data: ContractIn) -> Status[dict[str, Any]]:
    user = staff(request)
    contract = services.create_care_contract(
        actor=user,
        person_id=data.person_id,
        carer_id=data.carer_id,
        services=data.services,
        visit_every_days=data.visit_every_days,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        tag=data.tag,
    )
    return Status(201, _contract(user, contract.pk))


@router.post(
    "/registry/care-contracts/{contract_id}/end", response=ContractOut, summary="结束关爱合约"
)
def end_contract(request: HttpRequest, contract_id: Id, data: ReasonIn) -> dict[str, Any]:
    user = staff(request)
    services.end_care_contract(actor=user, contract_id=contract_id, reason=data.reason)
    return _contract(user, contract_id)


# -- visits ----------------------------------------------------------------------------------


@router.get("/registry/visits", response=VisitList, summary="入户走访（游标分页）")
def list_visits(request: HttpRequest, filters: Query[VisitQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.visits(
        user,
        person=selectors.get_person(user, filters.person) if filters.person else None,
        room=selectors.get_room(user, filters.room) if filters.room else None,
        organisation=(
            selectors.get_organisation(user, filters.organisation) if filters.organisation else None
        ),
        visitor=filters.visitor,
        region=filters.region,
    )
    rows, cursor = VISITS_ORDER.page(
        queryset.select_related(*VISIT_RELATED), filters.cursor, filters.limit
    )
    return {"items": [visit_out(v) for v in rows], "next": cursor}


@router.post("/registry/visits", response={201: VisitOut}, summary="记录入户走访")
def create_visit(request: HttpRequest, data: VisitIn) -> Status[dict[str, Any]]:
    user = staff(request)
    visit = services.record_visit(
        actor=user,
        kind=data.kind,
        result=data.result,
        findings=data.findings,
        person_id=data.person_id,
        room_id=data.room_id,
        organisation_id=data.organisation_id,
        contract_id=data.contract_id,
        visited_at=_aware(data.visited_at),
        follow_up_case=data.follow_up_case,
        lng=data.lng,
        lat=data.lat,
    )
    found = selectors.visits(user).select_related(*VISIT_RELATED).get(pk=visit.pk)
    return Status(201, visit_out(found))
