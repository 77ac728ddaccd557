"""Party building in the JSON API (/api/v1/party/…): organisations and their tree, members and
seats, grid chiefs, 双报到 registrations and service hours, needs and claims, organisational
life and attendance, star ratings, service centres, the figures and the party map layer.

Thin: reads go through ``party.selectors`` / ``party.figures`` / ``party.maplayer`` (the one
jurisdiction function), writes through ``party.services`` (validation with field-level Chinese
messages, 404 outside the jurisdiction, 403 where the caller may only look, ``PartyConflict``
→ 409). A member's person leaves with name, gender, birth year and the masked phone only; free
text passes ``redact``. Lists page by keyset (``cursor`` / ``next``, at most 200 rows a page)."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, PathEx, Query, QueryEx, Router, Status

from gridgov.accounts.models import Resident, User
from gridgov.core.apischemas import MAX_ID, Keyset, ReasonIn
from gridgov.core.apiutil import choice_label, display_name, free_text, place, staff, user_name
from gridgov.metrics.api import period_out, span_of
from gridgov.party import access, figures, maplayer, selectors, services
from gridgov.party import choices as c
from gridgov.party.models import (
    Attendance,
    Claim,
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceCentre,
    ServiceRecord,
    ServiceRegistration,
    StarRating,
)
from gridgov.party.schemas import (
    REGION_FILTER,
    AssignIn,
    AttendanceIn,
    CentreIn,
    CentreList,
    CentreOut,
    CentreQuery,
    ChiefIn,
    ChiefOut,
    ClaimIn,
    ClaimOut,
    CoverageOut,
    CriterionOut,
    MeetingDetailOut,
    MeetingIn,
    MeetingList,
    MeetingPatch,
    MeetingQuery,
    MemberDetailOut,
    MemberEndIn,
    MemberIn,
    MemberList,
    MemberPatch,
    MemberQuery,
    MemberStructureOut,
    NeedDetailOut,
    NeedIn,
    NeedList,
    NeedQuery,
    NeedsSummaryOut,
    OrgDetailOut,
    OrgIn,
    OrgList,
    OrgPatch,
    OrgQuery,
    ParticipationOut,
    RatingIn,
    RatingOut,
    RegistrationIn,
    RegistrationList,
    RegistrationOut,
    RegistrationQuery,
    ReportIn,
    SeatEndIn,
    SeatIn,
    SeatOut,
    ServiceRecordIn,
    ServiceRecordOut,
    SignInIn,
    SignInOut,
    SinkingOut,
    StarsOut,
    TakesCasesIn,
    TreeNodeOut,
)
from gridgov.party.selectors import (
    MeetingFilter,
    MemberFilter,
    NeedFilter,
    OrgFilter,
    RegistrationFilter,
)
from gridgov.regions import selectors as region_selectors
from gridgov.regions.choices import Level

router = Router(tags=["党建引领"])

Id = PathEx[int, P(ge=1, le=MAX_ID, description="记录编号")]
GridPath = PathEx[str, P(pattern=r"^[0-9]{2,18}$", description="网格路径")]
RegionParam = QueryEx[str, P(pattern=REGION_FILTER, description="区划路径（含下级）；默认本辖区")]
PeriodParam = QueryEx[
    str, P(max_length=30, description="月 2026-10（默认本月）、年 2026、日或 起..止")
]

ORGS_ORDER = Keyset((("region_path", "str"), ("name", "str"), ("id", "int")))
MEMBERS_ORDER = Keyset((("region_path", "str"), ("id", "int")))
REGISTRATIONS_ORDER = Keyset((("-registered_at", "datetime"), ("-id", "int")))
NEEDS_ORDER = Keyset((("-published_at", "datetime"), ("-id", "int")))
MEETINGS_ORDER = Keyset((("-starts_at", "datetime"), ("-id", "int")))
CENTRES_ORDER = Keyset((("region_path", "str"), ("name", "str"), ("id", "int")))

ORG_RELATED = ("region", "parent", "organisation")
MEMBER_RELATED = ("person", "organisation", "in_service_department", "user")
REGISTRATION_RELATED = ("member__person", "unit", "community", "grid")
MEETING_RELATED = ("organisation", "created_by")


# -- shaping ---------------------------------------------------------------------------------


def _hours(value: Decimal | float | int | None) -> str:
    return f"{Decimal(value or 0):.1f}"


def _org_ref(org: PartyOrganisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_label": choice_label(c.OrgKind, org.kind),
    }


def _member_ref(member: PartyMember) -> dict[str, Any]:
    return {"id": member.pk, "name": member.person.name}


def _person_brief(member: PartyMember) -> dict[str, Any]:
    from gridgov.registry import choices as rc

    person = member.person
    return {
        "id": person.pk,
        "name": person.name,
        "gender": person.gender,
        "gender_label": choice_label(rc.Gender, person.gender),
        "birth_year": person.birth_date.year,
        "phone_masked": person.phone_masked,
    }


def org_out(org: PartyOrganisation) -> dict[str, Any]:
    return {
        **_org_ref(org),
        "category": org.category,
        "category_label": choice_label(c.OrgCategory, org.category),
        "parent": _org_ref(org.parent) if org.parent is not None else None,
        "region": place(org.region),
        "level": org.level,
        "organisation": (
            {"id": org.organisation.pk, "name": org.organisation.name}
            if org.organisation is not None
            else None
        ),
        "takes_cases": org.department is not None and org.department.is_active,
        "department_id": org.department_id,
        "founded_on": org.founded_on,
        "phone": org.phone,
        "address": free_text(org.address),
        "stars": org.stars,
        "is_active": org.is_active,
        "version": org.version,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    }


def seat_out(seat: Seat) -> dict[str, Any]:
    return {
        "id": seat.pk,
        "organisation": _org_ref(seat.organisation),
        "member": _member_ref(seat.member),
        "title": seat.title,
        "title_label": choice_label(c.SeatTitle, seat.title),
        "starts_on": seat.starts_on,
        "ends_on": seat.ends_on,
        "current": seat.ends_on is None,
    }


def member_out(member: PartyMember) -> dict[str, Any]:
    unit = member.in_service_department
    return {
        "id": member.pk,
        "person": _person_brief(member),
        "organisation": _org_ref(member.organisation),
        "joined_on": member.joined_on,
        "status": member.status,
        "status_label": choice_label(c.MemberStatus, member.status),
        "full_member_on": member.full_member_on,
        "in_service": member.is_in_service,
        "in_service_unit": member.in_service_unit,
        "in_service_department": {"id": unit.pk, "name": unit.name} if unit else None,
        "is_mobile": member.is_mobile,
        "mobile_location": free_text(member.mobile_location),
        "mobile_since": member.mobile_since,
        "user": (
            {"id": member.user.pk, "name": display_name(member.user)}
            if member.user is not None
            else None
        ),
        "state": member.state,
        "state_label": choice_label(c.MemberState, member.state),
        "version": member.version,
        "created_at": member.created_at,
        "updated_at": member.updated_at,
    }


def registration_out(reg: ServiceRegistration) -> dict[str, Any]:
    return {
        "id": reg.pk,
        "kind": reg.kind,
        "kind_label": choice_label(c.RegistrantKind, reg.kind),
        "member": _member_ref(reg.member) if reg.member is not None else None,
        "unit": {"id": reg.unit.pk, "name": reg.unit.name} if reg.unit is not None else None,
        "community": place(reg.community),
        "grid": place(reg.grid) if reg.grid is not None else None,
        "state": reg.state,
        "state_label": choice_label(c.RegistrationState, reg.state),
        "skills": free_text(reg.skills),
        "registered_at": reg.registered_at,
        "assigned_at": reg.assigned_at,
        "ended_at": reg.ended_at,
        "hours": _hours(reg.hours),
        "version": reg.version,
    }


def _claimant(reg: ServiceRegistration) -> str:
    if reg.member is not None:
        return reg.member.person.name
    return reg.unit.name if reg.unit is not None else ""


def need_out(need: Need) -> dict[str, Any]:
    return {
        "id": need.pk,
        "kind": need.kind,
        "kind_label": choice_label(c.NeedKind, need.kind),
        "title": free_text(need.title),
        "detail": free_text(need.detail),
        "region": place(need.region),
        "beneficiary": free_text(need.beneficiary),
        "slots": need.slots,
        "taken": getattr(need, "live_claims", 0),
        "due_on": need.due_on,
        "state": need.state,
        "state_label": choice_label(c.NeedState, need.state),
        "published_by": user_name(need.published_by),
        "published_at": need.published_at,
        "done_at": need.done_at,
        "version": need.version,
    }


def claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "need": {
            "id": claim.need.pk,
            "title": free_text(claim.need.title),
            "state": claim.need.state,
            "state_label": choice_label(c.NeedState, claim.need.state),
        },
        "registration_id": claim.registration_id,
        "claimant": _claimant(claim.registration),
        "state": claim.state,
        "state_label": choice_label(c.ClaimState, claim.state),
        "claimed_at": claim.claimed_at,
        "reported_at": claim.reported_at,
        "result": free_text(claim.result),
        "hours": _hours(claim.hours),
        "confirmed_at": claim.confirmed_at,
        "confirmed_by": user_name(claim.confirmed_by),
    }


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "organisation": _org_ref(meeting.organisation),
        "kind": meeting.kind,
        "kind_label": choice_label(c.MeetingKind, meeting.kind),
        "title": free_text(meeting.title),
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": free_text(meeting.place),
        "is_online": meeting.is_online,
        "online_link": meeting.online_link,
        "state": meeting.state,
        "state_label": choice_label(c.MeetingState, meeting.state),
        "created_by": user_name(meeting.created_by),
        "version": meeting.version,
    }


def _attendance_out(member: PartyMember, row: Attendance | None) -> dict[str, Any]:
    return {
        "member": _member_ref(member),
        "kind": row.kind if row else None,
        "kind_label": choice_label(c.AttendanceKind, row.kind) if row else _("未记录"),
        "signed_at": row.signed_at if row else None,
        "note": free_text(row.note) if row else "",
    }


def chief_out(chief: GridChiefAppointment) -> dict[str, Any]:
    return {
        "id": chief.pk,
        "grid": place(chief.grid),
        "member": _member_ref(chief.member),
        "is_default": chief.is_default,
        "reason": free_text(chief.reason),
        "appointed_by": user_name(chief.appointed_by),
        "starts_on": chief.starts_on,
        "ends_on": chief.ends_on,
        "current": chief.ends_on is None,
    }


def record_out(record: ServiceRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "registration_id": record.registration_id,
        "day": record.day,
        "hours": _hours(record.hours),
        "content": free_text(record.content),
        "claim_id": record.claim_id,
        "recorded_by": user_name(record.recorded_by),
        "created_at": record.created_at,
    }


def rating_out(rating: StarRating) -> dict[str, Any]:
    return {
        "id": rating.pk,
        "organisation": _org_ref(rating.organisation),
        "year": rating.year,
        "scores": {str(k): v for k, v in (rating.scores or {}).items()},
        "total": _hours(rating.total),
        "max_total": rating.max_total,
        "stars": rating.stars,
        "note": free_text(rating.note),
        "rated_by": user_name(rating.rated_by),
        "rated_at": rating.rated_at,
    }


def centre_out(centre: ServiceCentre) -> dict[str, Any]:
    return {
        "id": centre.pk,
        "name": centre.name,
        "level": centre.level,
        "level_label": choice_label(c.CentreLevel, centre.level),
        "region": place(centre.region),
        "organisation": _org_ref(centre.organisation) if centre.organisation else None,
        "address": free_text(centre.address),
        "lng": centre.lng,
        "lat": centre.lat,
        "phone": centre.phone,
        "opening_hours": centre.opening_hours,
        "area_m2": centre.area_m2,
        "is_active": centre.is_active,
    }


# -- helpers ---------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> User:
    """The staff user behind a request that creates what only managers create (operators and
    grid chiefs, ``access.may_manage_anywhere``): a post that only looks (a leader, a
    supervisor, an integration), a grid worker or department staff is refused before
    anything else."""
    user = staff(request)
    if not access.may_manage_anywhere(user):
        raise PermissionDenied(_("您的岗位只能查看党建信息，不能登记或修改"))
    return user


def _publisher(request: HttpRequest) -> User:
    """As ``_manager``, for publishing needs (grid workers too)."""
    user = staff(request)
    if not access.may_publish_anywhere(user):
        raise PermissionDenied(_("您的岗位不能发布需求"))
    return user


def _flag(value: str) -> bool | None:
    return None if value == "" else value == "1"


def _aware(moment: dt.datetime | None, field: str) -> dt.datetime | None:
    """A time as given; one without a zone is read in the local zone (Asia/Shanghai)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    if (
        not dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        <= moment
        <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    ):
        raise ValidationError({field: [_("时间不正确")]})
    return moment


def _org_detail(user: User, pk: int) -> dict[str, Any]:
    org = selectors.get_organisation(user, pk)
    secretary = selectors.secretary_of(org)
    current = [s for s in selectors.seats(user, org) if s.ends_on is None]
    counts = selectors.members(user, MemberFilter(organisation=org.pk)).aggregate(
        total=Count("id"),
        formal=Count("id", filter=Q(status=c.MemberStatus.FORMAL)),
        probationary=Count("id", filter=Q(status=c.MemberStatus.PROBATIONARY)),
    )
    children = selectors.organisations(user, OrgFilter(parent=org.pk)).count()
    return {
        **org_out(org),
        "secretary": _member_ref(secretary) if secretary is not None else None,
        "seats": [seat_out(s) for s in current],
        "members": counts,
        "children": children,
    }


def _member_detail(user: User, pk: int) -> dict[str, Any]:
    member = selectors.get_member(user, pk)
    seat_rows = sorted(
        (s for s in member.seats.select_related("organisation", "member__person")),
        key=lambda s: (s.ends_on is not None, s.starts_on),
    )
    registrations = selectors.registrations(user, RegistrationFilter(member=member.pk))
    return {
        **member_out(member),
        "seats": [seat_out(s) for s in seat_rows],
        "registrations": [
            registration_out(r) for r in registrations.select_related(*REGISTRATION_RELATED)
        ],
    }


def _registration(user: User, pk: int) -> ServiceRegistration:
    found = (
        selectors.registrations(user).select_related(*REGISTRATION_RELATED).filter(pk=pk).first()
    )
    if found is None:
        raise Http404(_("报到登记不存在或不在您的辖区内"))
    return found


def _need_detail(user: User, pk: int) -> dict[str, Any]:
    need = selectors.get_need(user, pk)
    claims = need.claims.select_related(
        "registration__member__person", "registration__unit", "confirmed_by"
    ).order_by("claimed_at", "id")
    rows = list(claims)
    need.live_claims = sum(1 for k in rows if k.state != c.ClaimState.WITHDRAWN)  # type: ignore[attr-defined]
    return {**need_out(need), "claims": [claim_out(k) for k in rows]}


def _meeting_detail(user: User, pk: int) -> dict[str, Any]:
    meeting = selectors.get_meeting(user, pk)
    rows = {a.member_id: a for a in meeting.attendance.select_related("member__person")}
    expected = list(selectors.expected_attendees(meeting).select_related("person"))
    seen = {m.pk for m in expected}
    extra = [a.member for a in rows.values() if a.member_id not in seen]
    attendees: Iterable[PartyMember] = [*expected, *sorted(extra, key=lambda m: m.pk)]
    return {
        **meeting_out(meeting),
        "agenda": free_text(meeting.agenda),
        "materials": free_text(meeting.materials),
        "minutes": free_text(meeting.minutes),
        "attendance": [_attendance_out(m, rows.get(m.pk)) for m in attendees],
    }


def _figure_region(user: User, region: str) -> str:
    """The region a figure is for: the one asked for (404 when not visible) or the caller's
    territory when it has one top."""
    if region:
        return region_selectors.get_region(user, region).path
    roots = region_selectors.root_regions(user)
    if len(roots) != 1:
        raise ValidationError({"region": [_("请指定区划")]})
    return roots[0].path


# -- organisations ---------------------------------------------------------------------------


@router.get("/party/organisations", response=OrgList, summary="党组织（游标分页）")
def list_organisations(request: HttpRequest, filters: Query[OrgQuery]) -> dict[str, Any]:
    user = staff(request)
    flt = OrgFilter(
        region=filters.region,
        kind=filters.kind,
        category=filters.category,
        parent=filters.parent,
        q=filters.q,
        stars=filters.stars,
        active=_flag(filters.active),
    )
    queryset = selectors.organisations(user, flt).select_related(*ORG_RELATED)
    rows, cursor = ORGS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [org_out(o) for o in rows], "next": cursor}


def _tree_out(node: Any) -> dict[str, Any]:
    org = node.org
    return {
        **_org_ref(org),
        "region": place(org.region),
        "stars": org.stars,
        "members": node.members,
        "total_members": node.total_members,
        "children": [_tree_out(child) for child in node.children],
    }


@router.get(
    "/party/organisations/tree", response=list[TreeNodeOut], summary="组织体系（树，默认三层）"
)
def organisation_tree(
    request: HttpRequest,
    root: RegionParam = "",
    depth: QueryEx[int, P(ge=1, le=5, description="层数")] = 3,
) -> list[dict[str, Any]]:
    user = staff(request)
    return [_tree_out(node) for node in selectors.org_tree(user, root_path=root, depth=depth)]


@router.post("/party/organisations", response={201: OrgDetailOut}, summary="建立党组织")
def create_organisation(request: HttpRequest, data: OrgIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    values = {k: v for k, v in data.dict().items() if v is not None or k == "parent"}
    org = services.create_organisation(actor=user, values=values)
    return Status(201, _org_detail(user, org.pk))


@router.get(
    "/party/organisations/{organisation_id}",
    response=OrgDetailOut,
    summary="党组织详情（书记、班子成员、党员人数）",
)
def organisation_detail(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _org_detail(user, organisation_id)


@router.patch(
    "/party/organisations/{organisation_id}", response=OrgDetailOut, summary="修改党组织信息"
)
def update_organisation(
    request: HttpRequest, organisation_id: Id, data: OrgPatch
) -> dict[str, Any]:
    user = staff(request)
    values = data.dict(exclude_unset=True)
    expected = values.pop("expected_version", None)
    services.update_organisation(
        actor=user, organisation_id=organisation_id, values=values, expected_version=expected
    )
    return _org_detail(user, organisation_id)


@router.post(
    "/party/organisations/{organisation_id}/dissolve",
    response=OrgDetailOut,
    summary="撤销党组织（须无有效下级组织和党员）",
)
def dissolve_organisation(
    request: HttpRequest, organisation_id: Id, data: ReasonIn
) -> dict[str, Any]:
    user = staff(request)
    services.dissolve_organisation(actor=user, organisation_id=organisation_id, reason=data.reason)
    return _org_detail(user, organisation_id)


@router.post(
    "/party/organisations/{organisation_id}/takes-cases",
    response=OrgDetailOut,
    summary="启用或停用接单（派单到党组织）",
)
def takes_cases(request: HttpRequest, organisation_id: Id, data: TakesCasesIn) -> dict[str, Any]:
    user = staff(request)
    services.set_takes_cases(actor=user, organisation_id=organisation_id, on=data.on)
    return _org_detail(user, organisation_id)


# -- seats -----------------------------------------------------------------------------------


@router.get(
    "/party/organisations/{organisation_id}/seats",
    response=list[SeatOut],
    summary="班子成员（现任在前，然后是历任）",
)
def organisation_seats(request: HttpRequest, organisation_id: Id) -> list[dict[str, Any]]:
    user = staff(request)
    org = selectors.get_organisation(user, organisation_id)
    return [seat_out(s) for s in selectors.seats(user, org)]


@router.post(
    "/party/organisations/{organisation_id}/seats", response={201: SeatOut}, summary="任职"
)
def set_seat(request: HttpRequest, organisation_id: Id, data: SeatIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    seat = services.set_seat(
        actor=user,
        organisation_id=organisation_id,
        member_id=data.member_id,
        title=data.title,
        starts_on=data.starts_on,
    )
    return Status(201, _seat(user, seat))


def _seat(user: User, seat: Seat) -> dict[str, Any]:
    org = selectors.get_organisation(user, seat.organisation_id)
    found = next((s for s in selectors.seats(user, org) if s.pk == seat.pk), None)
    if found is None:
        raise Http404(_("任职记录不存在或不在您的辖区内"))
    return seat_out(found)


@router.post("/party/seats/{seat_id}/end", response=SeatOut, summary="离任")
def end_seat(request: HttpRequest, seat_id: Id, data: SeatEndIn) -> dict[str, Any]:
    user = staff(request)
    seat = services.end_seat(actor=user, seat_id=seat_id, ends_on=data.ends_on)
    return _seat(user, seat)


# -- members ---------------------------------------------------------------------------------


@router.get("/party/members", response=MemberList, summary="党员（游标分页）")
def list_members(request: HttpRequest, filters: Query[MemberQuery]) -> dict[str, Any]:
    user = staff(request)
    flt = MemberFilter(
        region=filters.region,
        organisation=filters.organisation,
        status=filters.status,
        in_service=_flag(filters.in_service),
        mobile=_flag(filters.mobile),
        q=filters.q,
        state=filters.state,
    )
    queryset = selectors.members(user, flt).select_related(*MEMBER_RELATED)
    rows, cursor = MEMBERS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [member_out(m) for m in rows], "next": cursor}


@router.post("/party/members", response={201: MemberDetailOut}, summary="登记党员")
def create_member(request: HttpRequest, data: MemberIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    values = {k: v for k, v in data.dict().items() if v is not None}
    member = services.add_member(actor=user, values=values)
    return Status(201, _member_detail(user, member.pk))


@router.get(
    "/party/members/{member_id}", response=MemberDetailOut, summary="党员详情（任职、双报到）"
)
def member_detail(request: HttpRequest, member_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _member_detail(user, member_id)


@router.patch(
    "/party/members/{member_id}", response=MemberDetailOut, summary="修改党员信息或转接组织关系"
)
def update_member(request: HttpRequest, member_id: Id, data: MemberPatch) -> dict[str, Any]:
    user = staff(request)
    values = data.dict(exclude_unset=True)
    expected = values.pop("expected_version", None)
    services.update_member(
        actor=user, member_id=member_id, values=values, expected_version=expected
    )
    return _member_detail(user, member_id)


@router.post(
    "/party/members/{member_id}/end",
    response=MemberDetailOut,
    summary="党员减少（转出、去世、出党）",
)
def end_membership(request: HttpRequest, member_id: Id, data: MemberEndIn) -> dict[str, Any]:
    user = staff(request)
    services.end_membership(actor=user, member_id=member_id, state=data.state, reason=data.reason)
    return _member_detail(user, member_id)


# -- grid chiefs -----------------------------------------------------------------------------


def _grid(user: User, path: str) -> Any:
    region = region_selectors.get_region(user, path)
    if region.level != Level.GRID:
        raise Http404(_("不是网格"))
    return region


@router.get("/party/grids/{grid}/chiefs", response=list[ChiefOut], summary="网格长任命（现任在前）")
def grid_chiefs(request: HttpRequest, grid: GridPath) -> list[dict[str, Any]]:
    user = staff(request)
    region = _grid(user, grid)
    rows = selectors.chief_appointments(user, region.path).select_related(
        "grid", "member__person", "appointed_by"
    )
    return [chief_out(a) for a in rows]


@router.post(
    "/party/grids/{grid}/chiefs",
    response={201: ChiefOut},
    summary="任命网格长（默认由网格党组织书记担任，另任他人须说明理由）",
)
def appoint_chief(request: HttpRequest, grid: GridPath, data: ChiefIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    region = _grid(user, grid)
    appointment = services.appoint_grid_chief(
        actor=user,
        grid=region.path,
        member_id=data.member_id,
        reason=data.reason,
        starts_on=data.starts_on,
    )
    found = (
        selectors.chief_appointments(user, region.path)
        .select_related("grid", "member__person", "appointed_by")
        .get(pk=appointment.pk)
    )
    return Status(201, chief_out(found))


# -- sinking (双报到) ------------------------------------------------------------------------


@router.get("/party/registrations", response=RegistrationList, summary="双报到登记（游标分页）")
def list_registrations(request: HttpRequest, filters: Query[RegistrationQuery]) -> dict[str, Any]:
    user = staff(request)
    flt = RegistrationFilter(
        region=filters.region,
        kind=filters.kind,
        state=filters.state,
        member=filters.member,
        unit=filters.unit,
        community=filters.community,
        grid=filters.grid,
        q=filters.q,
    )
    queryset = selectors.registrations(user, flt).select_related(*REGISTRATION_RELATED)
    rows, cursor = REGISTRATIONS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [registration_out(r) for r in rows], "next": cursor}


@router.post(
    "/party/registrations",
    response={201: RegistrationOut},
    summary="报到（在职党员或单位到社区报到）",
)
def register_service(request: HttpRequest, data: RegistrationIn) -> Status[dict[str, Any]]:
    user = staff(request)
    registration = services.register_service(
        actor=user,
        kind=data.kind,
        community=data.community,
        member_id=data.member_id,
        unit_id=data.unit_id,
        skills=data.skills,
    )
    return Status(201, registration_out(registration))


@router.get(
    "/party/registrations/{registration_id}", response=RegistrationOut, summary="报到登记详情"
)
def registration_detail(request: HttpRequest, registration_id: Id) -> dict[str, Any]:
    user = staff(request)
    return registration_out(_registration(user, registration_id))


@router.post(
    "/party/registrations/{registration_id}/assign",
    response=RegistrationOut,
    summary="分配下沉网格",
)
def assign_registration(
    request: HttpRequest, registration_id: Id, data: AssignIn
) -> dict[str, Any]:
    user = staff(request)
    registration = services.assign_registration(
        actor=user, registration_id=registration_id, grid=data.grid
    )
    return registration_out(registration)


@router.post(
    "/party/registrations/{registration_id}/end", response=RegistrationOut, summary="结束报到"
)
def end_registration(request: HttpRequest, registration_id: Id, data: ReasonIn) -> dict[str, Any]:
    user = staff(request)
    registration = services.end_registration(
        actor=user, registration_id=registration_id, reason=data.reason
    )
    return registration_out(registration)


@router.post(
    "/party/registrations/{registration_id}/records",
    response={201: ServiceRecordOut},
    summary="记录服务时长",
)
def record_service(
    request: HttpRequest, registration_id: Id, data: ServiceRecordIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    record = services.record_service(
        actor=user,
        registration_id=registration_id,
        day=data.day,
        hours=Decimal(str(data.hours)),
        content=data.content,
    )
    return Status(201, record_out(record))


# -- needs and claims ------------------------------------------------------------------------


@router.get("/party/needs", response=NeedList, summary="微心愿、服务项目、双呼叫（游标分页）")
def list_needs(request: HttpRequest, filters: Query[NeedQuery]) -> dict[str, Any]:
    user = staff(request)
    flt = NeedFilter(
        region=filters.region,
        kind=filters.kind,
        state=filters.state,
        q=filters.q,
        due_before=filters.due_before,
    )
    queryset = selectors.needs(user, flt).select_related("region", "published_by")
    rows, cursor = NEEDS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [need_out(n) for n in rows], "next": cursor}


@router.post("/party/needs", response={201: NeedDetailOut}, summary="发布需求或项目")
def publish_need(request: HttpRequest, data: NeedIn) -> Status[dict[str, Any]]:
    user = _publisher(request)
    need = services.publish_need(actor=user, values=data.dict())
    return Status(201, _need_detail(user, need.pk))


@router.get("/party/needs/{need_id}", response=NeedDetailOut, summary="需求详情（含认领）")
def need_detail(request: HttpRequest, need_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _need_detail(user, need_id)


@router.post("/party/needs/{need_id}/cancel", response=NeedDetailOut, summary="撤销需求")
def cancel_need(request: HttpRequest, need_id: Id, data: ReasonIn) -> dict[str, Any]:
    user = staff(request)
    services.cancel_need(actor=user, need_id=need_id, reason=data.reason)
    return _need_detail(user, need_id)


@router.post("/party/needs/{need_id}/claims", response={201: ClaimOut}, summary="认领需求")
def claim_need(request: HttpRequest, need_id: Id, data: ClaimIn) -> Status[dict[str, Any]]:
    user = staff(request)
    claim = services.claim_need(actor=user, need_id=need_id, registration_id=data.registration_id)
    return Status(201, claim_out(claim))


@router.post("/party/claims/{claim_id}/withdraw", response=ClaimOut, summary="退出认领")
def withdraw_claim(request: HttpRequest, claim_id: Id, data: ReasonIn) -> dict[str, Any]:
    user = staff(request)
    return claim_out(services.withdraw_claim(actor=user, claim_id=claim_id, reason=data.reason))


@router.post("/party/claims/{claim_id}/report", response=ClaimOut, summary="报告办结")
def report_claim(request: HttpRequest, claim_id: Id, data: ReportIn) -> dict[str, Any]:
    user = staff(request)
    claim = services.report_claim(
        actor=user, claim_id=claim_id, result=data.result, hours=Decimal(str(data.hours))
    )
    return claim_out(claim)


@router.post(
    "/party/claims/{claim_id}/confirm", response=ClaimOut, summary="确认完成（计入服务时长）"
)
def confirm_claim(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    user = staff(request)
    return claim_out(services.confirm_claim(actor=user, claim_id=claim_id))


# -- meetings --------------------------------------------------------------------------------


@router.get("/party/meetings", response=MeetingList, summary="组织生活（游标分页，新的在前）")
def list_meetings(request: HttpRequest, filters: Query[MeetingQuery]) -> dict[str, Any]:
    user = staff(request)
    flt = MeetingFilter(
        region=filters.region,
        organisation=filters.organisation,
        kind=filters.kind,
        state=filters.state,
        start=filters.start,
        end=filters.end,
        q=filters.q,
    )
    queryset = selectors.meetings(user, flt).select_related(*MEETING_RELATED)
    rows, cursor = MEETINGS_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [meeting_out(m) for m in rows], "next": cursor}


def _meeting_values(values: dict[str, Any]) -> dict[str, Any]:
    for field in ("starts_at", "ends_at"):
        if field in values:
            values[field] = _aware(values[field], field)
    return values


@router.post("/party/meetings", response={201: MeetingDetailOut}, summary="安排组织生活")
def schedule_meeting(request: HttpRequest, data: MeetingIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    values = _meeting_values(data.dict())
    if values["ends_at"] is None:
        del values["ends_at"]
    meeting = services.schedule_meeting(actor=user, values=values)
    return Status(201, _meeting_detail(user, meeting.pk))


@router.get(
    "/party/meetings/{meeting_id}", response=MeetingDetailOut, summary="组织生活详情（含参会）"
)
def meeting_detail(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _meeting_detail(user, meeting_id)


@router.patch("/party/meetings/{meeting_id}", response=MeetingDetailOut, summary="修改组织生活")
def update_meeting(request: HttpRequest, meeting_id: Id, data: MeetingPatch) -> dict[str, Any]:
    user = staff(request)
    values = _meeting_values(data.dict(exclude_unset=True))
    expected = values.pop("expected_version", None)
    services.update_meeting(
        actor=user, meeting_id=meeting_id, values=values, expected_version=expected
    )
    return _meeting_detail(user, meeting_id)


@router.post(
    "/party/meetings/{meeting_id}/cancel", response=MeetingDetailOut, summary="取消组织生活"
)
def cancel_meeting(request: HttpRequest, meeting_id: Id, data: ReasonIn) -> dict[str, Any]:
    user = staff(request)
    services.cancel_meeting(actor=user, meeting_id=meeting_id, reason=data.reason)
    return _meeting_detail(user, meeting_id)


@router.post(
    "/party/meetings/{meeting_id}/attendance",
    response=MeetingDetailOut,
    summary="记录参会情况（会议即为已召开）",
)
def record_attendance(request: HttpRequest, meeting_id: Id, data: AttendanceIn) -> dict[str, Any]:
    user = staff(request)
    entries: dict[int, str] = {}
    for key, kind in data.entries.items():
        if not key.isascii() or not key.isdigit() or not 1 <= int(key) <= MAX_ID:
            raise ValidationError({"entries": [_("党员编号不正确：%(key)s") % {"key": key[:20]}]})
        entries[int(key)] = kind
    services.record_attendance(
        actor=user, meeting_id=meeting_id, entries=entries, minutes=data.minutes
    )
    return _meeting_detail(user, meeting_id)


@router.post(
    "/party/meetings/{meeting_id}/sign-in",
    response=SignInOut,
    summary="签到（调用者本人作为党员；工作账号或群众账号）",
)
def sign_in(request: HttpRequest, meeting_id: Id, data: SignInIn) -> dict[str, Any]:
    auth = getattr(request, "auth", None)
    member: PartyMember | None = None
    if isinstance(auth, Resident):
        member = selectors.member_for_resident(auth)
    elif isinstance(auth, User):
        member = selectors.member_for_user(auth)
    if member is None:
        raise PermissionDenied(_("您的账号没有关联在册党员，不能签到"))
    row = services.sign_in(member=member, meeting_id=meeting_id, remote=data.remote)
    return {
        "meeting_id": meeting_id,
        "member": _member_ref(member),
        "kind": row.kind,
        "kind_label": choice_label(c.AttendanceKind, row.kind),
        "signed_at": row.signed_at,
    }


# -- stars -----------------------------------------------------------------------------------


@router.get("/party/star-criteria", response=list[CriterionOut], summary="星级评定标准")
def star_criteria(request: HttpRequest) -> list[dict[str, Any]]:
    staff(request)
    return [
        {
            "code": k.code,
            "name": k.name,
            "description": k.description,
            "max_points": k.max_points,
        }
        for k in selectors.star_criteria()
    ]


@router.get(
    "/party/organisations/{organisation_id}/ratings",
    response=list[RatingOut],
    summary="星级评定记录（新的在前）",
)
def organisation_ratings(request: HttpRequest, organisation_id: Id) -> list[dict[str, Any]]:
    user = staff(request)
    org = selectors.get_organisation(user, organisation_id)
    rows = selectors.ratings(user, org).select_related("organisation", "rated_by")
    return [rating_out(r) for r in rows]


@router.post(
    "/party/organisations/{organisation_id}/ratings",
    response={201: RatingOut},
    summary="星级评定（上级评定）",
)
def rate_organisation(
    request: HttpRequest, organisation_id: Id, data: RatingIn
) -> Status[dict[str, Any]]:
    user = _manager(request)
    rating = services.rate_organisation(
        actor=user,
        organisation_id=organisation_id,
        year=data.year,
        scores={code: Decimal(str(points)) for code, points in data.scores.items()},
        note=data.note,
    )
    org = selectors.get_organisation(user, organisation_id)
    found = (
        selectors.ratings(user, org).select_related("organisation", "rated_by").get(pk=rating.pk)
    )
    return Status(201, rating_out(found))


# -- service centres -------------------------------------------------------------------------


@router.get("/party/service-centres", response=CentreList, summary="党群服务中心（游标分页）")
def list_centres(request: HttpRequest, filters: Query[CentreQuery]) -> dict[str, Any]:
    user = staff(request)
    queryset = selectors.service_centres(user, filters.region).select_related(
        "region", "organisation"
    )
    rows, cursor = CENTRES_ORDER.page(queryset, filters.cursor, filters.limit)
    return {"items": [centre_out(k) for k in rows], "next": cursor}


@router.post("/party/service-centres", response={201: CentreOut}, summary="登记党群服务中心")
def create_centre(request: HttpRequest, data: CentreIn) -> Status[dict[str, Any]]:
    user = _manager(request)
    values = {k: v for k, v in data.dict().items() if v is not None}
    centre = services.create_service_centre(actor=user, values=values)
    found = (
        selectors.service_centres(user).select_related("region", "organisation").get(pk=centre.pk)
    )
    return Status(201, centre_out(found))


# -- figures ---------------------------------------------------------------------------------


@router.get("/party/figures/coverage", response=CoverageOut, summary="党组织覆盖率（网格）")
def figure_coverage(request: HttpRequest, region: RegionParam = "") -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    cov = figures.coverage(user, path)
    return {
        "region": path,
        "grids": cov.grids,
        "covered": cov.covered,
        "share": cov.share,
        "percent": cov.percent,
        "uncovered": [{"path": p, "name": n} for p, n in cov.uncovered],
    }


@router.get(
    "/party/figures/members", response=MemberStructureOut, summary="党员结构（类别、性别、年龄）"
)
def figure_members(request: HttpRequest, region: RegionParam = "") -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    return {
        "region": path,
        **figures.member_structure(user, path),
        "age_labels": figures.age_band_labels(),
    }


@router.get("/party/figures/sinking", response=SinkingOut, summary="下沉网格（按网格或单位）")
def figure_sinking(
    request: HttpRequest,
    region: RegionParam = "",
    by: QueryEx[Literal["grid", "unit"], P(description="grid 按网格 / unit 按单位")] = "grid",
) -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    rows = figures.sinking(user, path, by=by)
    return {
        "region": path,
        "by": by,
        "rows": [
            {
                "key": r.key,
                "name": r.name,
                "registered": r.registered,
                "assigned": r.assigned,
                "members": r.members,
                "units": r.units,
                "hours": _hours(r.hours),
                "claims_confirmed": r.claims_confirmed,
            }
            for r in rows
        ],
    }


@router.get(
    "/party/figures/needs", response=NeedsSummaryOut, summary="需求与项目（发布、认领、完成）"
)
def figure_needs(
    request: HttpRequest, region: RegionParam = "", period: PeriodParam = ""
) -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    span = span_of(period)
    summary = figures.needs_summary(user, path, span)
    summary.pop("span", None)
    return {"region": path, "period": period_out(span), **summary}


@router.get(
    "/party/figures/participation",
    response=ParticipationOut,
    summary="组织生活参会率（按党组织）",
)
def figure_participation(
    request: HttpRequest,
    region: RegionParam = "",
    period: PeriodParam = "",
    organisation: QueryEx[int | None, P(ge=1, le=MAX_ID, description="党组织编号")] = None,
) -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    span = span_of(period)
    org = selectors.get_organisation(user, organisation) if organisation else None
    rows = figures.participation(user, path, span, organisation=org)
    return {
        "region": path,
        "period": period_out(span),
        "rows": [
            {
                "organisation": r.organisation_id,
                "name": r.name,
                "region_path": r.region_path,
                "meetings": r.meetings,
                "expected": r.expected,
                "present": r.present,
                "remote": r.remote,
                "leave": r.leave,
                "absent": r.absent,
                "rate": r.rate,
            }
            for r in rows
        ],
    }


@router.get("/party/figures/stars", response=StarsOut, summary="星级分布（有效党组织）")
def figure_stars(request: HttpRequest, region: RegionParam = "") -> dict[str, Any]:
    user = staff(request)
    path = _figure_region(user, region)
    counts = figures.star_distribution(user, path)
    return {
        "region": path,
        "distribution": [{"stars": k, "count": v} for k, v in sorted(counts.items())],
    }


# -- the map layer ---------------------------------------------------------------------------

ListParam = QueryEx[str, P(max_length=200, pattern=r"^[a-z_,]*$")]


def _choices(text: str, allowed: Iterable[str], field: str) -> list[str]:
    values = [v for v in text.split(",") if v]
    allowed = set(allowed)
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationError({field: [_("取值不在允许范围内：%(v)s") % {"v": ",".join(wrong)}]})
    return values


@router.get(
    "/party/map.geojson",
    summary="党建地图图层（GeoJSON：党组织与党群服务中心，含概况）",
    description=(
        "FeatureCollection of points with `summary`. `kind`: 组织类型（逗号分隔，"
        + "、".join(c.OrgKind.values)
        + "，centre 为党群服务中心）；`level`: 区划层级（逗号分隔，county、township、village、grid、building）。"
    ),
)
def party_map(
    request: HttpRequest,
    region: RegionParam = "",
    kind: ListParam = "",
    level: ListParam = "",
) -> dict[str, Any]:
    user = staff(request)
    path = region_selectors.get_region(user, region).path if region else ""
    kinds = _choices(kind, [*c.OrgKind.values, maplayer.CENTRE], "kind")
    levels = _choices(level, maplayer.LEVEL_ORDER, "level")
    layer = maplayer.party_layer(user, path, kinds=kinds, levels=levels)
    for feature in layer["features"]:
        props = feature["properties"]
        if props.get("address"):
            props["address"] = free_text(props["address"])
    return layer
