"""Writes of party building (see docs/party.md, "Service contract" and "Rules").

Every service is keyword-only and atomic. It loads the record it acts on (404 when the actor
cannot see it, 403 when ``party.access`` does not let the actor do this there), validates the
submitted values with field-level Chinese messages (several at once where it can), raises
``PartyConflict`` for a wrong state or a stale ``expected_version``, and only then writes, so
nothing is written on an error. Every row gets ``region_path`` (and an organisation its
``level``) from the region node it is bound to; updates bump ``version``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Department, Post, User
from gridgov.accounts.roles import Role
from gridgov.core import audit
from gridgov.core.jurisdiction import forget_scope, restrict
from gridgov.party import access
from gridgov.party import choices as c
from gridgov.party.errors import PartyConflict
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
    StarCriterion,
    StarRating,
)
from gridgov.party.selectors import expected_attendees
from gridgov.party.values import (
    Errors,
    as_id,
    choice,
    date_field,
    datetime_field,
    decimal_field,
    flag,
    int_field,
    optional_text,
    parse_id,
    required_text,
    text,
)
from gridgov.regions.models import Region
from gridgov.registry import choices as registry_choices
from gridgov.registry.models import Organisation, Person

M = TypeVar("M", bound=models.Model)

TOP_LEVELS = frozenset({"prefecture", "county"})
COMMITTEE_RANK = 4
HOURS_MIN = Decimal("0.5")
HOURS_MAX = Decimal("24")
SIGN_IN_EARLY = dt.timedelta(minutes=30)
SIGN_IN_OPEN_END = dt.timedelta(hours=4)
LIVE_REGISTRATION = (c.RegistrationState.REGISTERED, c.RegistrationState.ASSIGNED)
LIVE_CLAIM = (c.ClaimState.CLAIMED, c.ClaimState.REPORTED)
GRID_CHIEF_KINDS = (c.OrgKind.GENERAL_BRANCH, c.OrgKind.BRANCH)


# -- shared ----------------------------------------------------------------------------------


def _not_found() -> Http404:
    return Http404(_("记录不存在或不在您的辖区内"))


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_("您只能查看，不能办理此项"))


def _pk(value: Any) -> int:
    try:
        pk = parse_id(value)
    except ValueError:
        raise _not_found() from None
    if pk is None:
        raise _not_found()
    return pk


def _visible(model: type[models.Model], pk: int, actor: Any) -> bool:
    return restrict(model._default_manager.filter(pk=pk), actor, "view").exists()


def _load(model: type[M], pk: Any, actor: Any, allowed: Callable[[M], bool]) -> M:
    """The record ``pk`` locked for the change: 404 when the actor cannot see it, 403 when
    ``allowed`` says they may not change it."""
    key = _pk(pk)
    obj = model._default_manager.select_for_update(of=("self",)).filter(pk=key).first()
    if obj is None or not _visible(model, key, actor):
        raise _not_found()
    if not allowed(obj):
        raise _forbidden()
    return obj


def _check_version(obj: Any, expected: Any) -> None:
    if expected is None or expected == "":
        return
    try:
        stale = int(expected) != obj.version
    except (TypeError, ValueError):
        stale = True
    if stale:
        raise PartyConflict(_("记录已被他人修改，请刷新后再试"))


def _require_manager(actor: Any) -> None:
    if not access.may_manage_anywhere(actor):
        raise _forbidden()


def _reason(raw: Any, label: str | None = None) -> str:
    value = text(raw, 200)
    if not value:
        raise ValidationError({"reason": [label or _("请说明原因")]})
    return value


def _log(actor: Any, action: str, obj: models.Model, **changes: Any) -> None:
    audit.record(
        actor=actor,
        action=f"party.{action}",
        obj=obj,
        changes={k: _plain(v) for k, v in changes.items()},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _region_by(value: Any) -> Region | None:
    raw = text(value.path if isinstance(value, Region) else value, 30)
    if not raw:
        return None
    return Region.objects.filter(Q(path=raw) | Q(code=raw)).first()


def _region(
    errors: Errors,
    raw: Mapping[str, Any],
    field: str,
    *,
    levels: Iterable[str] | None = None,
    label: str,
) -> Region | None:
    value = raw.get(field)
    if value is None or value == "":
        errors.add(field, _("请选择%(label)s") % {"label": label})
        return None
    region = _region_by(value)
    if region is None:
        errors.add(field, _("%(code)s 不是有效的区划代码") % {"code": text(value, 30)})
        return None
    allowed = frozenset(levels or ())
    if allowed and region.level not in allowed:
        errors.add(
            field,
            _("%(name)s不是%(label)s") % {"name": region.name, "label": label},
        )
        return None
    if not region.is_active:
        errors.add(field, _("区划“%(name)s”已停用") % {"name": region.name})
        return None
    return region


def _today() -> dt.date:
    return timezone.localdate()


def _not_future(errors: Errors, field: str, day: dt.date | None, label: str) -> None:
    if day is not None and day > _today():
        errors.add(field, _("%(label)s不能晚于今天") % {"label": label})


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _end_post(post: Post, actor: Any, *, on: dt.date | None = None) -> None:
    """End a post this app created; it stops granting scope at once."""
    post.ends_on = max(on or _today(), post.starts_on)
    post.is_active = False
    post.save(update_fields=["ends_on", "is_active"])
    forget_scope(post.user)
    access.forget(post.user)
    audit.record(actor=actor, action="end_post", obj=post, changes={"ends_on": str(post.ends_on)})


def _create_post(user: User, role: str, actor: Any, **fields: Any) -> Post:
    post = Post.objects.create(user=user, role=role, starts_on=_today(), **fields)
    forget_scope(user)
    access.forget(user)
    audit.record(
        actor=actor,
        action="assign_post",
        obj=post,
        changes={"role": role, "user": user.pk},
    )
    return post


# -- the tree --------------------------------------------------------------------------------


def rank(kind: str) -> int:
    return c.ORG_RANK.get(kind, 0)


def may_sit_under(
    *, kind: str, region_path: str, parent_kind: str, parent_region_path: str
) -> bool:
    """A child ranks strictly below its parent; a 党(工)委 may also sit under a 党(工)委 bound
    to a region strictly above its own (市委 → 街道党工委 → 社区党委)."""
    if rank(kind) < rank(parent_kind):
        return True
    return (
        rank(kind) == rank(parent_kind) == COMMITTEE_RANK
        and region_path.startswith(parent_region_path)
        and len(region_path) > len(parent_region_path)
    )


def _tree_errors(
    errors: Errors,
    *,
    kind: str,
    region: Region | None,
    parent: PartyOrganisation | None,
    org: PartyOrganisation | None = None,
) -> None:
    """The tree rules for an organisation of ``kind`` bound to ``region`` under ``parent``
    (for ``org`` itself when it exists: its active children must still fit)."""
    if not kind or region is None:
        return
    if region.level not in c.ORG_LEVELS.get(kind, frozenset()):
        errors.add(
            "region",
            _("%(kind)s不能设在%(name)s这一级")
            % {"kind": c.OrgKind(kind).label, "name": region.name},
        )
    if parent is None:
        if region.level not in TOP_LEVELS:
            errors.add("parent", _("请选择上级党组织（只有县、市一级的党组织可以没有上级）"))
    else:
        if org is not None and parent.pk == org.pk:
            errors.add("parent", _("上级党组织不能是本组织"))
            return
        if not region.path.startswith(parent.region_path):
            errors.add(
                "region",
                _("所在区划必须在上级党组织“%(parent)s”的区划之内") % {"parent": parent.name},
            )
        elif not may_sit_under(
            kind=kind,
            region_path=region.path,
            parent_kind=parent.kind,
            parent_region_path=parent.region_path,
        ):
            errors.add(
                "kind",
                _("%(kind)s不能隶属于%(parent_kind)s“%(parent)s”")
                % {
                    "kind": c.OrgKind(kind).label,
                    "parent_kind": c.OrgKind(parent.kind).label,
                    "parent": parent.name,
                },
            )
        if org is not None and _is_under(parent, org):
            errors.add("parent", _("上级党组织不能是本组织的下级"))
    if org is None:
        return
    for child in org.children.filter(is_active=True):
        if not child.region_path.startswith(region.path):
            errors.add(
                "region",
                _("下级党组织“%(child)s”将不在本组织的区划之内") % {"child": child.name},
            )
        elif not may_sit_under(
            kind=child.kind,
            region_path=child.region_path,
            parent_kind=kind,
            parent_region_path=region.path,
        ):
            errors.add(
                "kind",
                _("下级党组织“%(child)s”（%(child_kind)s）不能隶属于%(kind)s")
                % {
                    "child": child.name,
                    "child_kind": c.OrgKind(child.kind).label,
                    "kind": c.OrgKind(kind).label,
                },
            )


def _is_under(org: PartyOrganisation, ancestor: PartyOrganisation) -> bool:
    """Whether ``org`` is ``ancestor`` or lies below it."""
    seen: set[int] = set()
    node: PartyOrganisation | None = org
    while node is not None and node.pk not in seen:
        if node.pk == ancestor.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


ORG_KEYS = (
    "name",
    "kind",
    "category",
    "parent",
    "region",
    "organisation",
    "founded_on",
    "phone",
    "address",
)


def _clean_organisation(
    actor: Any, raw: Mapping[str, Any], org: PartyOrganisation | None = None
) -> dict[str, Any]:
    errors = Errors()
    name = required_text(errors, raw, "name", 100, _("组织名称"))
    kind = choice(errors, raw, "kind", c.OrgKind, _("组织类型"))
    category = choice(
        errors, raw, "category", c.OrgCategory, _("组织类别"), default=c.OrgCategory.REGIONAL
    )
    region = _region(errors, raw, "region", label=_("所在区划"))
    if region is not None and not access.may_manage(actor, region.path):
        errors.add("region", _("%(name)s不在您管理的辖区内") % {"name": region.name})
    parent: PartyOrganisation | None = None
    parent_id = as_id(errors, raw, "parent")
    if parent_id is not None:
        parent = PartyOrganisation.objects.filter(pk=parent_id, is_active=True).first()
        if parent is None:
            errors.add("parent", _("上级党组织不存在或已撤销"))
    if "parent" not in errors.by_field and "kind" not in errors.by_field:
        _tree_errors(errors, kind=kind, region=region, parent=parent, org=org)
    if name and "parent" not in errors.by_field:
        siblings = PartyOrganisation.objects.filter(name=name)
        siblings = (
            siblings.filter(parent=parent) if parent else siblings.filter(parent__isnull=True)
        )
        if org is not None:
            siblings = siblings.exclude(pk=org.pk)
        if siblings.exists():
            errors.add("name", _("同一上级党组织下已有名为“%(name)s”的组织") % {"name": name})
    organisation: Organisation | None = None
    organisation_id = as_id(errors, raw, "organisation")
    if organisation_id is not None:
        organisation = restrict(Organisation.objects.filter(pk=organisation_id), actor).first()
        if organisation is None:
            errors.add("organisation", _("所在单位不存在或不在您的辖区内"))
    founded_on = date_field(errors, raw, "founded_on", _("成立日期"))
    _not_future(errors, "founded_on", founded_on, _("成立日期"))
    phone = optional_text(errors, raw, "phone", 30, _("办公电话"))
    address = optional_text(errors, raw, "address", 200, _("地址"))
    errors.raise_if_any()
    assert region is not None
    return {
        "name": name,
        "kind": kind,
        "category": category,
        "parent": parent,
        "region": region,
        "region_path": region.path,
        "level": region.level,
        "organisation": organisation,
        "founded_on": founded_on,
        "phone": phone,
        "address": address,
    }


@transaction.atomic
def create_organisation(*, actor: User, values: Mapping[str, Any]) -> PartyOrganisation:
    """Set up a party organisation bound to a region node under its parent."""
    _require_manager(actor)
    fields = _clean_organisation(actor, values)
    org = PartyOrganisation.objects.create(**fields)
    _log(actor, "create_organisation", org, name=org.name, kind=org.kind, region=org.region_path)
    if flag(values, "takes_cases"):
        _apply_takes_cases(org, True, actor)
    return org


def _org_values(org: PartyOrganisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind,
        "category": org.category,
        "parent": org.parent_id,
        "region": org.region.path,
        "organisation": org.organisation_id,
        "founded_on": org.founded_on,
        "phone": org.phone,
        "address": org.address,
    }


@transaction.atomic
def update_organisation(
    *,
    actor: User,
    organisation_id: Any,
    values: Mapping[str, Any],
    expected_version: Any = None,
) -> PartyOrganisation:
    """Change an organisation (a new ``region`` or ``parent`` moves it; the tree rules are
    checked again, for its children too)."""
    org = _load(
        PartyOrganisation, organisation_id, actor, lambda o: access.may_manage(actor, o.region_path)
    )
    _check_version(org, expected_version)
    if not org.is_active:
        raise PartyConflict(_("该党组织已撤销，不能修改"))
    merged = _org_values(org)
    merged.update({k: v for k, v in values.items() if k in ORG_KEYS})
    fields = _clean_organisation(actor, merged, org)
    old_path = org.region_path
    for name, value in fields.items():
        setattr(org, name, value)
    org.version += 1
    org.save()
    if org.region_path != old_path:
        _follow_move(org)
    if org.department_id is not None:
        _sync_department(org, actor)
    if "takes_cases" in values:
        _apply_takes_cases(org, flag(values, "takes_cases"), actor)
    _log(actor, "update_organisation", org, **{k: fields[k] for k in ("name", "kind", "region")})
    return org


def _follow_move(org: PartyOrganisation) -> None:
    """Members, current seats and planned meetings follow a moved organisation."""
    path = org.region_path
    PartyMember.objects.filter(organisation=org).update(region_path=path)
    Seat.objects.filter(organisation=org).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=_today())
    ).update(region_path=path)
    planned = Meeting.objects.filter(organisation=org, state=c.MeetingState.PLANNED)
    Attendance.objects.filter(meeting__in=planned).update(region_path=path)
    planned.update(region_path=path)


@transaction.atomic
def dissolve_organisation(*, actor: User, organisation_id: Any, reason: str) -> PartyOrganisation:
    org = _load(
        PartyOrganisation, organisation_id, actor, lambda o: access.may_manage(actor, o.region_path)
    )
    reason = _reason(reason, _("请说明撤销原因"))
    if not org.is_active:
        raise PartyConflict(_("该党组织已撤销"))
    if org.children.filter(is_active=True).exists():
        raise PartyConflict(_("该党组织还有下级党组织，不能撤销"))
    if org.members.filter(state=c.MemberState.ACTIVE).exists():
        raise PartyConflict(_("该党组织还有在册党员，请先转出后再撤销"))
    org.is_active = False
    org.version += 1
    org.save(update_fields=["is_active", "version", "updated_at"])
    Seat.objects.filter(organisation=org, ends_on__isnull=True).update(ends_on=_today())
    if org.department_id is not None:
        _apply_takes_cases(org, False, actor)
    _log(actor, "dissolve_organisation", org, reason=reason)
    return org


# -- taking cases (接单) -----------------------------------------------------------------------


def _department_name(org: PartyOrganisation, exclude: int | None) -> str:
    name = org.name[:100]
    clash = Department.objects.filter(region=org.region, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if not clash.exists():
        return name
    return f"{org.name[:80]}（党组织{org.pk}）"[:100]


def _sync_department(org: PartyOrganisation, actor: Any) -> None:
    """Keep the organisation's department named and placed like it; re-sync its handlers."""
    department = org.department
    if department is None:
        return
    name = _department_name(org, department.pk)
    if department.name != name or department.region_id != org.region_id:
        department.name = name
        department.region = org.region
        department.save(update_fields=["name", "region"])
    _sync_handlers(org, actor)


def _current_seats(org: PartyOrganisation) -> models.QuerySet[Seat]:
    return Seat.objects.filter(organisation=org).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=_today())
    )


def _sync_handlers(org: PartyOrganisation, actor: Any) -> None:
    """A ``department_handler`` post in the organisation's department for every current seat
    holder with an active staff account; posts of others end."""
    department = org.department
    if department is None:
        return
    wanted: set[int] = set()
    if department.is_active and org.is_active:
        wanted = set(
            _current_seats(org)
            .filter(
                member__state=c.MemberState.ACTIVE,
                member__user__isnull=False,
                member__user__is_active=True,
            )
            .values_list("member__user_id", flat=True)
        )
    posts = Post.objects.current().filter(role=Role.DEPARTMENT_HANDLER, department=department)
    for post in posts.select_related("user"):
        if post.user_id in wanted:
            wanted.discard(post.user_id)
        else:
            _end_post(post, actor)
    for user in User.objects.filter(pk__in=sorted(wanted)):
        _create_post(
            user, Role.DEPARTMENT_HANDLER, actor, department=department, title=_("党组织接单")
        )


def _apply_takes_cases(org: PartyOrganisation, on: bool, actor: Any) -> None:
    department = org.department
    if on:
        if not org.is_active:
            raise PartyConflict(_("该党组织已撤销，不能接单"))
        if department is None:
            department = Department.objects.filter(code=f"party-{org.pk}").first()
        if department is None:
            department = Department.objects.create(
                code=f"party-{org.pk}",
                name=_department_name(org, None),
                kind=Department.Kind.PARTY,
                region=org.region,
                phone=org.phone,
                duty=_("党组织接办事件"),
            )
        else:
            department.is_active = True
            department.kind = Department.Kind.PARTY
            department.name = _department_name(org, department.pk)
            department.region = org.region
            department.save(update_fields=["is_active", "kind", "name", "region"])
        if org.department_id != department.pk:
            org.department = department
            org.save(update_fields=["department", "updated_at"])
    elif department is not None and department.is_active:
        department.is_active = False
        department.save(update_fields=["is_active"])
    if org.department is not None:
        _sync_handlers(org, actor)


@transaction.atomic
def set_takes_cases(*, actor: User, organisation_id: Any, on: bool) -> PartyOrganisation:
    """Turn taking cases (接单) on or off: a department of kind 党组织 with a handler post for
    every current seat holder with a staff account."""
    org = _load(
        PartyOrganisation, organisation_id, actor, lambda o: access.may_manage(actor, o.region_path)
    )
    if not org.is_active:
        raise PartyConflict(_("该党组织已撤销"))
    _apply_takes_cases(org, bool(on), actor)
    org.version += 1
    org.save(update_fields=["version", "updated_at"])
    _log(actor, "set_takes_cases", org, on=bool(on))
    return org


# -- members and seats -----------------------------------------------------------------------


MEMBER_KEYS = (
    "organisation",
    "joined_on",
    "status",
    "full_member_on",
    "in_service_unit",
    "in_service_department",
    "is_mobile",
    "mobile_location",
    "mobile_since",
    "user",
)


def _clean_member(
    actor: Any,
    raw: Mapping[str, Any],
    errors: Errors,
    *,
    birth_date: dt.date | None,
    member: PartyMember | None = None,
) -> dict[str, Any]:
    org: PartyOrganisation | None = None
    org_id = as_id(errors, raw, "organisation", required=True)
    if org_id is not None:
        org = PartyOrganisation.objects.filter(pk=org_id, is_active=True).first()
        if org is None:
            errors.add("organisation", _("党组织不存在或已撤销"))
        elif not access.may_manage(actor, org.region_path):
            errors.add("organisation", _("“%(name)s”不在您管理的辖区内") % {"name": org.name})
            org = None
    joined_on = date_field(errors, raw, "joined_on", _("入党日期"))
    if joined_on is None and "joined_on" not in errors.by_field:
        errors.add("joined_on", _("请填写入党日期"))
    _not_future(errors, "joined_on", joined_on, _("入党日期"))
    if joined_on is not None and birth_date is not None and _age_on(birth_date, joined_on) < 18:
        errors.add("joined_on", _("入党时应年满十八岁"))
    status = choice(
        errors, raw, "status", c.MemberStatus, _("党员类别"), default=c.MemberStatus.FORMAL
    )
    full_member_on = date_field(errors, raw, "full_member_on", _("转正日期"))
    if status == c.MemberStatus.PROBATIONARY and full_member_on is not None:
        errors.add("full_member_on", _("预备党员没有转正日期"))
    if status == c.MemberStatus.FORMAL and full_member_on is not None:
        _not_future(errors, "full_member_on", full_member_on, _("转正日期"))
        if joined_on is not None and full_member_on < joined_on:
            errors.add("full_member_on", _("转正日期不能早于入党日期"))
    in_service_unit = optional_text(errors, raw, "in_service_unit", 100, _("在职单位"))
    department: Department | None = None
    department_id = as_id(errors, raw, "in_service_department")
    if department_id is not None:
        department = Department.objects.filter(pk=department_id, is_active=True).first()
        if department is None:
            errors.add("in_service_department", _("部门不存在或已停用"))
    is_mobile = flag(raw, "is_mobile")
    mobile_location = optional_text(errors, raw, "mobile_location", 100, _("流入地"))
    mobile_since = date_field(errors, raw, "mobile_since", _("外出日期"))
    if is_mobile:
        if not mobile_location:
            errors.add("mobile_location", _("流动党员请填写流入地"))
        _not_future(errors, "mobile_since", mobile_since, _("外出日期"))
    else:
        mobile_location, mobile_since = "", None
    user: User | None = None
    user_id = as_id(errors, raw, "user")
    if user_id is not None:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            errors.add("user", _("账号不存在或已停用"))
        else:
            taken = PartyMember.objects.filter(user=user, state=c.MemberState.ACTIVE)
            if member is not None:
                taken = taken.exclude(pk=member.pk)
            if taken.exists():
                errors.add("user", _("该账号已关联其他党员"))
    return {
        "organisation": org,
        "region_path": org.region_path if org is not None else "",
        "joined_on": joined_on,
        "status": status,
        "full_member_on": full_member_on,
        "in_service_unit": in_service_unit,
        "in_service_department": department,
        "is_mobile": is_mobile,
        "mobile_location": mobile_location,
        "mobile_since": mobile_since,
        "user": user,
    }


def _set_party_flag(actor: Any, person: Person, value: bool, reason: str) -> None:
    from gridgov.registry.services import log_change, snapshot

    if person.is_party_member == value:
        return
    before = snapshot(person)
    person.is_party_member = value
    person.version += 1
    person.save(update_fields=["is_party_member", "version", "updated_at"])
    log_change(
        actor=actor,
        obj=person,
        action=registry_choices.ChangeAction.UPDATE,
        before=before,
        after=snapshot(person),
        reason=reason,
    )


@transaction.atomic
def add_member(*, actor: User, values: Mapping[str, Any]) -> PartyMember:
    """Enter a person of the register as a member of an organisation (sets their 党员 flag)."""
    _require_manager(actor)
    errors = Errors()
    person: Person | None = None
    person_id = as_id(errors, values, "person", required=True)
    if person_id is not None:
        person = (
            restrict(Person.objects.filter(pk=person_id), actor)
            .select_for_update(of=("self",))
            .first()
        )
        if person is None:
            errors.add("person", _("人员不存在或不在您的辖区内"))
        elif person.state != registry_choices.PersonState.ACTIVE:
            errors.add("person", _("该人员已不在册"))
        elif PartyMember.objects.filter(person=person).exists():
            errors.add("person", _("该人员已登记为党员"))
    fields = _clean_member(
        actor, values, errors, birth_date=person.birth_date if person is not None else None
    )
    errors.raise_if_any()
    assert person is not None
    member = PartyMember.objects.create(person=person, **fields)
    _set_party_flag(actor, person, True, _("党员登记"))
    _log(actor, "add_member", member, organisation=member.organisation_id)
    return member


def _member_values(member: PartyMember) -> dict[str, Any]:
    return {
        "organisation": member.organisation_id,
        "joined_on": member.joined_on,
        "status": member.status,
        "full_member_on": member.full_member_on,
        "in_service_unit": member.in_service_unit,
        "in_service_department": member.in_service_department_id,
        "is_mobile": member.is_mobile,
        "mobile_location": member.mobile_location,
        "mobile_since": member.mobile_since,
        "user": member.user_id,
    }


def _manages_member(actor: Any) -> Callable[[PartyMember], bool]:
    return lambda m: access.may_manage(actor, m.region_path)


@transaction.atomic
def update_member(
    *, actor: User, member_id: Any, values: Mapping[str, Any], expected_version: Any = None
) -> PartyMember:
    """Change a member's data; a new ``organisation`` transfers them (seats in organisations
    they no longer belong under end)."""
    member = _load(PartyMember, member_id, actor, _manages_member(actor))
    _check_version(member, expected_version)
    if member.state != c.MemberState.ACTIVE:
        raise PartyConflict(_("该党员已不在册，不能修改"))
    merged = _member_values(member)
    merged.update({k: v for k, v in values.items() if k in MEMBER_KEYS})
    errors = Errors()
    fields = _clean_member(
        actor, merged, errors, birth_date=member.person.birth_date, member=member
    )
    errors.raise_if_any()
    old_org = member.organisation
    old_user = member.user_id
    for name, value in fields.items():
        setattr(member, name, value)
    member.version += 1
    member.save()
    touched = {old_org.pk} if old_org.pk != member.organisation_id else set()
    if touched:
        for seat in _current_seats_of(member):
            if not _is_under(member.organisation, seat.organisation):
                seat.ends_on = _today()
                seat.save(update_fields=["ends_on"])
                touched.add(seat.organisation_id)
    if old_user != member.user_id:
        touched.update(_current_seats_of(member).values_list("organisation_id", flat=True))
    _resync(touched, actor)
    _log(actor, "update_member", member, organisation=member.organisation_id)
    return member


def _current_seats_of(member: PartyMember) -> models.QuerySet[Seat]:
    return Seat.objects.filter(member=member).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=_today())
    )


def _resync(org_ids: Iterable[int], actor: Any) -> None:
    for org in PartyOrganisation.objects.filter(
        pk__in=sorted(set(org_ids)), department__isnull=False
    ):
        _sync_handlers(org, actor)


END_STATES = (c.MemberState.TRANSFERRED, c.MemberState.DECEASED, c.MemberState.REMOVED)


@transaction.atomic
def end_membership(*, actor: User, member_id: Any, state: str, reason: str) -> PartyMember:
    """A member transferred out, deceased or removed: seats, grid chief appointments and live
    registrations end, and the register's 党员 flag is cleared."""
    member = _load(PartyMember, member_id, actor, _manages_member(actor))
    errors = Errors()
    if state not in END_STATES:
        errors.add("state", _("请选择“已转出”“已去世”或“已出党”"))
    if not text(reason, 200):
        errors.add("reason", _("请说明原因"))
    errors.raise_if_any()
    if member.state != c.MemberState.ACTIVE:
        raise PartyConflict(_("该党员已不在册"))
    today = _today()
    orgs = set(_current_seats_of(member).values_list("organisation_id", flat=True))
    _current_seats_of(member).update(ends_on=today)
    for appointment in GridChiefAppointment.objects.filter(member=member, ends_on__isnull=True):
        _end_appointment(appointment, actor, today)
    ServiceRegistration.objects.filter(member=member, state__in=LIVE_REGISTRATION).update(
        state=c.RegistrationState.ENDED, ended_at=timezone.now()
    )
    member.state = state
    member.version += 1
    member.save(update_fields=["state", "version", "updated_at"])
    _resync(orgs, actor)
    label = str(c.MemberState(state).label)
    _set_party_flag(actor, member.person, False, _("党员减少：%(state)s") % {"state": label})
    _log(actor, "end_membership", member, state=state, reason=text(reason, 200))
    return member


def _seat_date(errors: Errors, raw: Any, field: str, label: str) -> dt.date:
    day = date_field(errors, {field: raw}, field, label)
    _not_future(errors, field, day, label)
    return day or _today()


@transaction.atomic
def set_seat(
    *,
    actor: User,
    organisation_id: Any,
    member_id: Any,
    title: str,
    starts_on: Any = None,
) -> Seat:
    """Give a member a seat in an organisation's committee (a new secretary replaces the
    current one from the same day)."""
    org = _load(
        PartyOrganisation, organisation_id, actor, lambda o: access.may_manage(actor, o.region_path)
    )
    if not org.is_active:
        raise PartyConflict(_("该党组织已撤销"))
    errors = Errors()
    seat_title = choice(errors, {"title": title}, "title", c.SeatTitle, _("职务"))
    if seat_title:
        is_leader = seat_title == c.SeatTitle.GROUP_LEADER
        if (org.kind == c.OrgKind.GROUP) != is_leader:
            errors.add(
                "title",
                _("党小组只设组长") if org.kind == c.OrgKind.GROUP else _("党小组组长只设在党小组"),
            )
    member: PartyMember | None = None
    try:
        key = parse_id(member_id)
    except ValueError:
        key = None
    member = PartyMember.objects.filter(pk=key, state=c.MemberState.ACTIVE).first() if key else None
    if member is None:
        errors.add("member", _("党员不存在或已不在册"))
    elif not _is_under(member.organisation, org):
        errors.add("member", _("%(name)s不是本组织或其下级组织的党员") % {"name": member})
    day = _seat_date(errors, starts_on, "starts_on", _("任职日期"))
    errors.raise_if_any()
    assert member is not None
    if _current_seats(org).filter(member=member, title=seat_title).exists():
        raise PartyConflict(_("该党员已担任此职务"))
    if seat_title == c.SeatTitle.SECRETARY:
        for previous in _current_seats(org).filter(title=c.SeatTitle.SECRETARY):
            if previous.starts_on > day:
                raise PartyConflict(_("现任书记的任职日期晚于新任日期"))
            previous.ends_on = day
            previous.save(update_fields=["ends_on"])
    seat = Seat.objects.create(
        organisation=org,
        member=member,
        region_path=org.region_path,
        title=seat_title,
        starts_on=day,
    )
    _sync_handlers(org, actor)
    _log(actor, "set_seat", seat, member=member.pk, title=seat_title)
    return seat


@transaction.atomic
def end_seat(*, actor: User, seat_id: Any, ends_on: Any = None) -> Seat:
    seat = _load(Seat, seat_id, actor, lambda s: access.may_manage(actor, s.region_path))
    if seat.ends_on is not None and seat.ends_on <= _today():
        raise PartyConflict(_("该职务已离任"))
    errors = Errors()
    day = _seat_date(errors, ends_on, "ends_on", _("离任日期"))
    if day < seat.starts_on:
        errors.add("ends_on", _("离任日期不能早于任职日期"))
    errors.raise_if_any()
    seat.ends_on = day
    seat.save(update_fields=["ends_on"])
    _sync_handlers(seat.organisation, actor)
    _log(actor, "end_seat", seat, ends_on=day)
    return seat


# -- grid chiefs -----------------------------------------------------------------------------


def secretary_of(org: PartyOrganisation) -> PartyMember | None:
    seat = (
        _current_seats(org)
        .filter(title=c.SeatTitle.SECRETARY, member__state=c.MemberState.ACTIVE)
        .select_related("member")
        .first()
    )
    return seat.member if seat is not None else None


def grid_branch(grid: Region) -> PartyOrganisation | None:
    """The (general) branch bound to a grid (a general branch first)."""
    orgs = PartyOrganisation.objects.filter(
        region=grid, kind__in=GRID_CHIEF_KINDS, is_active=True
    ).order_by("kind", "pk")
    general = [o for o in orgs if o.kind == c.OrgKind.GENERAL_BRANCH]
    return general[0] if general else next(iter(orgs), None)


def _end_appointment(appointment: GridChiefAppointment, actor: Any, day: dt.date) -> None:
    appointment.ends_on = max(day, appointment.starts_on)
    appointment.save(update_fields=["ends_on"])
    if appointment.post is not None and appointment.post.is_active:
        _end_post(appointment.post, actor, on=day)


@transaction.atomic
def appoint_grid_chief(
    *,
    actor: User,
    grid: Any,
    member_id: Any = None,
    reason: str = "",
    starts_on: Any = None,
) -> GridChiefAppointment:
    """Appoint a grid's chief: by default the secretary of the grid's party branch; another
    member is an override with a reason. The current appointment (and its post) ends."""
    node = _region_by(grid)
    if node is None or node.level != "grid":
        raise ValidationError({"grid": [_("请选择网格")]})
    if not _visible(Region, node.pk, actor):
        raise _not_found()
    if not access.may_manage(actor, node.path):
        raise _forbidden()
    errors = Errors()
    default = None
    branch = grid_branch(node)
    if branch is not None:
        default = secretary_of(branch)
    member: PartyMember | None = None
    if member_id in (None, ""):
        if branch is None:
            errors.add("member", _("该网格没有党支部（党总支），请指定网格长"))
        elif default is None:
            errors.add("member", _("“%(name)s”尚无书记，请指定网格长") % {"name": branch.name})
        member = default
    else:
        try:
            key = parse_id(member_id)
        except ValueError:
            key = None
        member = (
            restrict(PartyMember.objects.filter(pk=key, state=c.MemberState.ACTIVE), actor).first()
            if key
            else None
        )
        if member is None:
            errors.add("member", _("党员不存在、已不在册或不在您的辖区内"))
    is_default = member is not None and default is not None and member.pk == default.pk
    reason = text(reason, 200)
    if member is not None and not is_default and not reason:
        errors.add("reason", _("不由网格党支部书记担任网格长时，请说明理由"))
    day = _seat_date(errors, starts_on, "starts_on", _("任职日期"))
    errors.raise_if_any()
    assert member is not None
    current = (
        GridChiefAppointment.objects.select_for_update(of=("self",))
        .filter(grid=node, ends_on__isnull=True)
        .first()
    )
    if current is not None:
        if current.member_id == member.pk:
            raise PartyConflict(_("%(name)s已是该网格的网格长") % {"name": member})
        if current.starts_on > day:
            raise PartyConflict(_("现任网格长的任职日期晚于新任日期"))
        _end_appointment(current, actor, day)
    post: Post | None = None
    if member.user is not None and member.user.is_active:
        duplicate = Post.objects.current().filter(
            user=member.user, role=Role.GRID_CHIEF, region=node
        )
        if not duplicate.exists():
            post = _create_post(member.user, Role.GRID_CHIEF, actor, region=node, title=_("网格长"))
    appointment = GridChiefAppointment.objects.create(
        grid=node,
        region_path=node.path,
        member=member,
        is_default=is_default,
        reason=reason,
        post=post,
        appointed_by=actor if getattr(actor, "pk", None) else None,
        starts_on=day,
    )
    _log(actor, "appoint_grid_chief", appointment, member=member.pk, is_default=is_default)
    return appointment


# -- sinking (双报到) ---------------------------------------------------------------------------


def _registration_for(actor: Any, registration_id: Any) -> ServiceRegistration:
    """A registration the actor acts for (the member, the unit's handler, a manager above):
    404 when they neither act for nor see it, 403 when they only see it."""
    key = _pk(registration_id)
    registration = (
        ServiceRegistration.objects.select_for_update(of=("self",)).filter(pk=key).first()
    )
    if registration is None:
        raise _not_found()
    if access.may_act_for_registration(actor, registration):
        return registration
    if not _visible(ServiceRegistration, key, actor):
        raise _not_found()
    raise _forbidden()


@transaction.atomic
def register_service(
    *,
    actor: User,
    kind: str,
    community: Any,
    member_id: Any = None,
    unit_id: Any = None,
    skills: str = "",
) -> ServiceRegistration:
    """An in-service member or a unit registers to serve a community (双报到)."""
    errors = Errors()
    raw = {"kind": kind, "community": community, "member": member_id, "unit": unit_id}
    registrant = choice(errors, raw, "kind", c.RegistrantKind, _("报到类型"))
    village = _region(errors, raw, "community", levels=("village",), label=_("社区（村）"))
    member: PartyMember | None = None
    unit: Department | None = None
    if registrant == c.RegistrantKind.MEMBER:
        key = as_id(errors, raw, "member", required=True)
        if key is not None:
            member = PartyMember.objects.filter(pk=key, state=c.MemberState.ACTIVE).first()
            if member is None:
                errors.add("member", _("党员不存在或已不在册"))
            elif not member.is_in_service:
                errors.add("member", _("只有在职党员可以到社区报到"))
        if raw.get("unit") not in (None, ""):
            errors.add("unit", _("党员报到不填报到单位"))
    elif registrant == c.RegistrantKind.UNIT:
        key = as_id(errors, raw, "unit", required=True)
        if key is not None:
            unit = Department.objects.filter(pk=key, is_active=True).first()
            if unit is None:
                errors.add("unit", _("单位不存在或已停用"))
        if raw.get("member") not in (None, ""):
            errors.add("member", _("单位报到不填党员"))
    skills = optional_text(errors, {"skills": skills}, "skills", 200, _("特长与服务意向"))
    errors.raise_if_any()
    assert village is not None
    allowed = access.may_register(
        actor,
        community_path=village.path,
        member_user_id=member.user_id if member is not None else None,
        unit_id=(
            member.in_service_department_id if member is not None else unit.pk if unit else None
        ),
    )
    if not allowed:
        raise _forbidden()
    live = ServiceRegistration.objects.filter(community=village, state__in=LIVE_REGISTRATION)
    if (member and live.filter(member=member).exists()) or (
        unit and live.filter(unit=unit).exists()
    ):
        raise ValidationError({"community": [_("已在该社区报到，不能重复报到")]})
    registration = ServiceRegistration.objects.create(
        kind=registrant,
        member=member,
        unit=unit,
        community=village,
        region_path=village.path,
        skills=skills,
        registered_at=timezone.now(),
    )
    _log(actor, "register_service", registration, community=village.path)
    return registration


@transaction.atomic
def assign_registration(*, actor: User, registration_id: Any, grid: Any) -> ServiceRegistration:
    """The community assigns a registration to one of its grids (下沉网格)."""
    registration = _load(
        ServiceRegistration,
        registration_id,
        actor,
        lambda r: access.may_manage(actor, r.community.path),
    )
    if registration.state == c.RegistrationState.ENDED:
        raise PartyConflict(_("该报到已结束"))
    errors = Errors()
    node = _region(errors, {"grid": grid}, "grid", levels=("grid",), label=_("网格"))
    if node is not None and not node.path.startswith(registration.community.path):
        errors.add("grid", _("只能分配到%(name)s的网格") % {"name": registration.community.name})
    errors.raise_if_any()
    assert node is not None
    registration.grid = node
    registration.region_path = node.path
    registration.state = c.RegistrationState.ASSIGNED
    registration.assigned_at = timezone.now()
    registration.assigned_by = actor
    registration.version += 1
    registration.save()
    _log(actor, "assign_registration", registration, grid=node.path)
    return registration


@transaction.atomic
def end_registration(*, actor: User, registration_id: Any, reason: str) -> ServiceRegistration:
    registration = _registration_for(actor, registration_id)
    reason = _reason(reason)
    if registration.state == c.RegistrationState.ENDED:
        raise PartyConflict(_("该报到已结束"))
    if registration.claims.filter(state__in=LIVE_CLAIM).exists():
        raise PartyConflict(_("还有未办结的认领，请先办结或退出"))
    registration.state = c.RegistrationState.ENDED
    registration.ended_at = timezone.now()
    registration.version += 1
    registration.save(update_fields=["state", "ended_at", "version"])
    _log(actor, "end_registration", registration, reason=reason)
    return registration


def _hours_on_day(registration: ServiceRegistration, day: dt.date) -> Decimal:
    total = registration.service_records.filter(day=day).aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0)


@transaction.atomic
def record_service(
    *, actor: User, registration_id: Any, day: Any, hours: Any, content: str
) -> ServiceRecord:
    """Enter hours a registration served (0.5–24 h a day, not in the future)."""
    registration = _load(
        ServiceRegistration,
        registration_id,
        actor,
        lambda r: access.may_record_hours(actor, r.region_path),
    )
    if registration.state == c.RegistrationState.ENDED:
        raise PartyConflict(_("该报到已结束"))
    errors = Errors()
    raw = {"day": day, "hours": hours, "content": content}
    served_on = date_field(errors, raw, "day", _("服务日期"))
    if served_on is None and "day" not in errors.by_field:
        errors.add("day", _("请填写服务日期"))
    _not_future(errors, "day", served_on, _("服务日期"))
    if served_on is not None and served_on < timezone.localtime(registration.registered_at).date():
        errors.add("day", _("服务日期不能早于报到日期"))
    amount = decimal_field(errors, raw, "hours", _("时长"), low=HOURS_MIN, high=HOURS_MAX)
    text_ = required_text(errors, raw, "content", 200, _("服务内容"))
    if (
        served_on is not None
        and amount is not None
        and _hours_on_day(registration, served_on) + amount > HOURS_MAX
    ):
        errors.add("hours", _("同一天的服务时长合计不能超过 24 小时"))
    errors.raise_if_any()
    assert served_on is not None and amount is not None
    record = ServiceRecord.objects.create(
        registration=registration,
        region_path=registration.region_path,
        day=served_on,
        hours=amount,
        content=text_,
        recorded_by=actor,
    )
    registration.hours = Decimal(registration.hours) + amount
    registration.version += 1
    registration.save(update_fields=["hours", "version"])
    _log(actor, "record_service", record, hours=amount)
    return record


# -- needs and claims ------------------------------------------------------------------------


@transaction.atomic
def publish_need(*, actor: User, values: Mapping[str, Any]) -> Need:
    """Publish a wish, project or call for members and units to claim."""
    if not access.may_publish_anywhere(actor):
        raise _forbidden()
    errors = Errors()
    kind = choice(errors, values, "kind", c.NeedKind, _("类型"))
    title = required_text(errors, values, "title", 100, _("标题"))
    detail = optional_text(errors, values, "detail", 5000, _("内容"))
    region = _region(errors, values, "region", levels=("village", "grid"), label=_("社区或网格"))
    if region is not None and not access.may_publish(actor, region.path):
        errors.add("region", _("%(name)s不在您可以发布的辖区内") % {"name": region.name})
    beneficiary = optional_text(errors, values, "beneficiary", 100, _("服务对象"))
    slots = int_field(errors, values, "slots", _("认领名额"), low=1, high=50, default=1)
    due_on = date_field(errors, values, "due_on", _("截止日期"))
    if due_on is not None and due_on < _today():
        errors.add("due_on", _("截止日期不能早于今天"))
    errors.raise_if_any()
    assert region is not None and slots is not None
    need = Need.objects.create(
        kind=kind,
        title=title,
        detail=detail,
        region=region,
        region_path=region.path,
        beneficiary=beneficiary,
        slots=slots,
        due_on=due_on,
        published_by=actor,
        published_at=timezone.now(),
    )
    _log(actor, "publish_need", need, region=region.path, slots=slots)
    return need


def _refresh_need(need: Need) -> None:
    """已认领 when the slots are taken, 待认领 again when a claim is withdrawn, 已完成 when
    every live claim is confirmed."""
    if need.state == c.NeedState.CANCELLED:
        return
    live = list(need.claims.exclude(state=c.ClaimState.WITHDRAWN).values_list("state", flat=True))
    if live and all(state == c.ClaimState.CONFIRMED for state in live):
        state = c.NeedState.DONE
    elif len(live) >= need.slots:
        state = c.NeedState.CLAIMED
    else:
        state = c.NeedState.OPEN
    if state != need.state:
        need.state = state
        need.done_at = timezone.now() if state == c.NeedState.DONE else None
        need.version += 1
        need.save(update_fields=["state", "done_at", "version"])


@transaction.atomic
def cancel_need(*, actor: User, need_id: Any, reason: str) -> Need:
    need = _load(Need, need_id, actor, lambda n: access.may_publish(actor, n.region_path))
    reason = _reason(reason, _("请说明撤销原因"))
    if need.state in (c.NeedState.CANCELLED, c.NeedState.DONE):
        raise PartyConflict(_("该需求已%(state)s") % {"state": need.get_state_display()})
    if need.claims.filter(state=c.ClaimState.CONFIRMED).exists():
        raise PartyConflict(_("该需求已有确认完成的认领，不能撤销"))
    need.claims.filter(state__in=LIVE_CLAIM).update(state=c.ClaimState.WITHDRAWN)
    need.state = c.NeedState.CANCELLED
    need.version += 1
    need.save(update_fields=["state", "version"])
    _log(actor, "cancel_need", need, reason=reason)
    return need


@transaction.atomic
def claim_need(*, actor: User, need_id: Any, registration_id: Any) -> Claim:
    """A registered member or unit claims a need of the community they registered with."""
    registration = _registration_for(actor, registration_id)
    key = _pk(need_id)
    need = Need.objects.select_for_update(of=("self",)).filter(pk=key).first()
    if need is None:
        raise _not_found()
    community = registration.community.path
    if not need.region_path.startswith(community) and not _visible(Need, key, actor):
        raise _not_found()
    if registration.state not in LIVE_REGISTRATION or not need.region_path.startswith(community):
        raise ValidationError({"registration": [_("认领需要在该需求所在社区有效报到")]})
    if need.state != c.NeedState.OPEN:
        raise PartyConflict(_("该需求%(state)s，不能认领") % {"state": need.get_state_display()})
    if need.due_on is not None and need.due_on < _today():
        raise PartyConflict(_("该需求已过截止日期"))
    if need.claims.filter(registration=registration).exclude(state=c.ClaimState.WITHDRAWN).exists():
        raise PartyConflict(_("已认领该需求"))
    claim = Claim.objects.create(
        need=need,
        registration=registration,
        region_path=need.region_path,
        claimed_at=timezone.now(),
    )
    _refresh_need(need)
    _log(actor, "claim_need", claim, need=need.pk, registration=registration.pk)
    return claim


def _claim_for(actor: Any, claim_id: Any, *, manager: bool) -> Claim:
    """A claim: the registration's people act on it (``manager=False``), managers of the
    need's place confirm it (``manager=True``)."""
    key = _pk(claim_id)
    claim = Claim.objects.select_for_update(of=("self",)).filter(pk=key).first()
    if claim is None:
        raise _not_found()
    if manager:
        if not _visible(Claim, key, actor):
            raise _not_found()
        if not access.may_manage(actor, claim.region_path):
            raise _forbidden()
        return claim
    if access.may_act_for_registration(actor, claim.registration) or access.may_manage(
        actor, claim.region_path
    ):
        return claim
    if not _visible(Claim, key, actor):
        raise _not_found()
    raise _forbidden()


@transaction.atomic
def withdraw_claim(*, actor: User, claim_id: Any, reason: str) -> Claim:
    claim = _claim_for(actor, claim_id, manager=False)
    reason = _reason(reason, _("请说明退出原因"))
    if claim.state not in LIVE_CLAIM:
        raise PartyConflict(_("该认领%(state)s，不能退出") % {"state": claim.get_state_display()})
    claim.state = c.ClaimState.WITHDRAWN
    claim.save(update_fields=["state"])
    need = Need.objects.select_for_update(of=("self",)).get(pk=claim.need_id)
    _refresh_need(need)
    _log(actor, "withdraw_claim", claim, reason=reason)
    return claim


@transaction.atomic
def report_claim(*, actor: User, claim_id: Any, result: str, hours: Any) -> Claim:
    """The claimant reports the need done, with the hours served."""
    claim = _claim_for(actor, claim_id, manager=False)
    errors = Errors()
    raw = {"result": result, "hours": hours}
    outcome = required_text(errors, raw, "result", 2000, _("办理情况"))
    amount = decimal_field(errors, raw, "hours", _("服务时长"), low=HOURS_MIN, high=HOURS_MAX)
    errors.raise_if_any()
    assert amount is not None
    if claim.state != c.ClaimState.CLAIMED:
        raise PartyConflict(
            _("该认领%(state)s，不能报告办结") % {"state": claim.get_state_display()}
        )
    claim.state = c.ClaimState.REPORTED
    claim.result = outcome
    claim.hours = amount
    claim.reported_at = timezone.now()
    claim.save(update_fields=["state", "result", "hours", "reported_at"])
    _log(actor, "report_claim", claim, hours=amount)
    return claim


@transaction.atomic
def confirm_claim(*, actor: User, claim_id: Any) -> Claim:
    """The community confirms a reported claim: its hours become a service record of the
    registration; the need is done when every live claim is confirmed."""
    claim = _claim_for(actor, claim_id, manager=True)
    if claim.state != c.ClaimState.REPORTED:
        raise PartyConflict(_("该认领%(state)s，不能确认") % {"state": claim.get_state_display()})
    now = timezone.now()
    claim.state = c.ClaimState.CONFIRMED
    claim.confirmed_at = now
    claim.confirmed_by = actor
    claim.save(update_fields=["state", "confirmed_at", "confirmed_by"])
    registration = ServiceRegistration.objects.select_for_update(of=("self",)).get(
        pk=claim.registration_id
    )
    need = Need.objects.select_for_update(of=("self",)).get(pk=claim.need_id)
    ServiceRecord.objects.create(
        registration=registration,
        region_path=registration.region_path,
        day=timezone.localtime(claim.reported_at or now).date(),
        hours=claim.hours,
        content=need.title[:200],
        claim=claim,
        recorded_by=actor,
    )
    registration.hours = Decimal(registration.hours) + Decimal(claim.hours)
    registration.version += 1
    registration.save(update_fields=["hours", "version"])
    _refresh_need(need)
    _log(actor, "confirm_claim", claim, hours=claim.hours)
    return claim


# -- organisational life ---------------------------------------------------------------------


MEETING_KEYS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "is_online",
    "online_link",
    "agenda",
    "materials",
)


def _clean_meeting(
    errors: Errors, raw: Mapping[str, Any], org: PartyOrganisation | None
) -> dict[str, Any]:
    kind = choice(errors, raw, "kind", c.MeetingKind, _("会议类型"))
    if kind == c.MeetingKind.GROUP_MEETING and org is not None and org.kind != c.OrgKind.GROUP:
        errors.add("kind", _("党小组会只能由党小组召开"))
    title = required_text(errors, raw, "title", 100, _("主题"))
    starts_at = datetime_field(errors, raw, "starts_at", _("开始时间"), required=True)
    ends_at = datetime_field(errors, raw, "ends_at", _("结束时间"))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors.add("ends_at", _("结束时间应晚于开始时间"))
    place = optional_text(errors, raw, "place", 100, _("地点"))
    is_online = flag(raw, "is_online")
    link = optional_text(errors, raw, "online_link", 300, _("线上会议链接"))
    if link and not link.startswith(("https://", "http://")):
        errors.add("online_link", _("线上会议链接应以 http:// 或 https:// 开头"))
    if not is_online:
        link = ""
    if not place and not is_online:
        errors.add("place", _("请填写地点，或设为可远程参加"))
    return {
        "kind": kind,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "is_online": is_online,
        "online_link": link,
        "agenda": optional_text(errors, raw, "agenda", 20_000, _("议程")),
        "materials": optional_text(errors, raw, "materials", 50_000, _("学习材料")),
    }


@transaction.atomic
def schedule_meeting(*, actor: User, values: Mapping[str, Any]) -> Meeting:
    """Schedule a meeting or activity of an organisation (三会一课、主题党日)."""
    _require_manager(actor)
    errors = Errors()
    org: PartyOrganisation | None = None
    org_id = as_id(errors, values, "organisation", required=True)
    if org_id is not None:
        org = PartyOrganisation.objects.filter(pk=org_id, is_active=True).first()
        if org is None:
            errors.add("organisation", _("党组织不存在或已撤销"))
        elif not access.may_manage(actor, org.region_path):
            errors.add("organisation", _("“%(name)s”不在您管理的辖区内") % {"name": org.name})
            org = None
    fields = _clean_meeting(errors, values, org)
    errors.raise_if_any()
    assert org is not None
    meeting = Meeting.objects.create(
        organisation=org, region_path=org.region_path, created_by=actor, **fields
    )
    _log(actor, "schedule_meeting", meeting, organisation=org.pk, starts_at=meeting.starts_at)
    return meeting


def _manages_meeting(actor: Any) -> Callable[[Meeting], bool]:
    return lambda m: access.may_manage(actor, m.region_path)


@transaction.atomic
def update_meeting(
    *, actor: User, meeting_id: Any, values: Mapping[str, Any], expected_version: Any = None
) -> Meeting:
    meeting = _load(Meeting, meeting_id, actor, _manages_meeting(actor))
    _check_version(meeting, expected_version)
    if meeting.state == c.MeetingState.CANCELLED:
        raise PartyConflict(_("该会议已取消"))
    errors = Errors()
    if "organisation" in values:
        try:
            same = parse_id(values["organisation"]) == meeting.organisation_id
        except ValueError:
            same = False
        if not same:
            errors.add("organisation", _("不能更改会议所属的党组织"))
    merged = {name: getattr(meeting, name) for name in MEETING_KEYS}
    merged.update({k: v for k, v in values.items() if k in MEETING_KEYS})
    fields = _clean_meeting(errors, merged, meeting.organisation)
    minutes = optional_text(errors, values, "minutes", 50_000, _("会议记录"))
    errors.raise_if_any()
    for name, value in fields.items():
        setattr(meeting, name, value)
    if "minutes" in values:
        meeting.minutes = minutes
    meeting.version += 1
    meeting.save()
    _log(actor, "update_meeting", meeting, title=meeting.title)
    return meeting


@transaction.atomic
def cancel_meeting(*, actor: User, meeting_id: Any, reason: str) -> Meeting:
    meeting = _load(Meeting, meeting_id, actor, _manages_meeting(actor))
    reason = _reason(reason, _("请说明取消原因"))
    if meeting.state != c.MeetingState.PLANNED:
        raise PartyConflict(_("该会议%(state)s，不能取消") % {"state": meeting.get_state_display()})
    meeting.state = c.MeetingState.CANCELLED
    meeting.version += 1
    meeting.save(update_fields=["state", "version"])
    _log(actor, "cancel_meeting", meeting, reason=reason)
    return meeting


@transaction.atomic
def record_attendance(
    *,
    actor: User,
    meeting_id: Any,
    entries: Mapping[Any, str],
    minutes: str | None = None,
) -> Meeting:
    """Record who attended (on site, remote, leave, absent); the meeting is then held."""
    meeting = _load(Meeting, meeting_id, actor, _manages_meeting(actor))
    if meeting.state == c.MeetingState.CANCELLED:
        raise PartyConflict(_("该会议已取消"))
    if meeting.starts_at > timezone.now():
        raise PartyConflict(_("会议尚未开始，不能登记参会情况"))
    errors = Errors()
    parsed: dict[int, str] = {}
    if not entries:
        errors.add("entries", _("请登记参会情况"))
    for raw_id, raw_kind in (entries or {}).items():
        try:
            member_key = parse_id(raw_id)
        except ValueError:
            member_key = None
        if member_key is None:
            errors.add("entries", _("党员编号“%(id)s”格式不对") % {"id": raw_id})
            continue
        kind = choice(errors, {"entries": raw_kind}, "entries", c.AttendanceKind, _("参会情况"))
        if kind:
            parsed[member_key] = kind
    members = {m.pk: m for m in expected_attendees(meeting).filter(pk__in=sorted(parsed))}
    for key in sorted(set(parsed) - set(members)):
        errors.add("entries", _("编号 %(id)s 不是本次会议应到的党员") % {"id": key})
    notes = optional_text(errors, {"minutes": minutes}, "minutes", 50_000, _("会议记录"))
    errors.raise_if_any()
    existing = {a.member_id: a for a in meeting.attendance.all()}
    for key, kind in parsed.items():
        row = existing.get(key)
        if row is None:
            Attendance.objects.create(
                meeting=meeting, member=members[key], region_path=meeting.region_path, kind=kind
            )
        elif row.kind != kind:
            row.kind = kind
            row.save(update_fields=["kind"])
    if minutes is not None:
        meeting.minutes = notes
    meeting.state = c.MeetingState.HELD
    meeting.version += 1
    meeting.save(update_fields=["minutes", "state", "version"])
    _log(actor, "record_attendance", meeting, entries=len(parsed))
    return meeting


@transaction.atomic
def sign_in(
    *,
    member: PartyMember,
    meeting_id: Any,
    remote: bool = False,
    at: dt.datetime | None = None,
) -> Attendance:
    """A member signs in to a meeting of their organisation, from 30 minutes before the start
    until the end (start + 4 h without an end); remotely only for an online meeting."""
    key = _pk(meeting_id)
    meeting = Meeting.objects.select_for_update(of=("self",)).filter(pk=key).first()
    if (
        meeting is None
        or member.state != c.MemberState.ACTIVE
        or not expected_attendees(meeting).filter(pk=member.pk).exists()
    ):
        raise _not_found()
    if meeting.state == c.MeetingState.CANCELLED:
        raise PartyConflict(_("该会议已取消"))
    if remote and not meeting.is_online:
        raise ValidationError({"remote": [_("该会议不能远程参加")]})
    now = at or timezone.now()
    opens = meeting.starts_at - SIGN_IN_EARLY
    closes = meeting.ends_at or meeting.starts_at + SIGN_IN_OPEN_END
    if not opens <= now <= closes:
        raise PartyConflict(_("不在签到时间内（会议开始前 30 分钟至会议结束）"))
    kind = c.AttendanceKind.REMOTE if remote else c.AttendanceKind.PRESENT
    row = Attendance.objects.filter(meeting=meeting, member=member).first()
    if row is not None and row.kind in c.ATTENDED:
        raise PartyConflict(_("您已签到"))
    if row is None:
        row = Attendance.objects.create(
            meeting=meeting,
            member=member,
            region_path=meeting.region_path,
            kind=kind,
            signed_at=now,
        )
    else:
        row.kind = kind
        row.signed_at = now
        row.save(update_fields=["kind", "signed_at"])
    audit.record(
        actor=member.user,
        action="party.sign_in",
        obj=row,
        changes={"member": member.pk, "remote": bool(remote)},
    )
    return row


# -- stars -----------------------------------------------------------------------------------


def stars_for(total: Decimal, max_total: int) -> int:
    """★ to ★★★★★ from the share of the maximum by ``GRIDGOV_STAR_THRESHOLDS``."""
    thresholds = sorted(getattr(settings, "GRIDGOV_STAR_THRESHOLDS", (60, 70, 80, 90)))
    share = Decimal(total) * 100 / Decimal(max_total) if max_total else Decimal(0)
    return 1 + sum(1 for threshold in thresholds[:4] if share >= threshold)


@transaction.atomic
def rate_organisation(
    *,
    actor: User,
    organisation_id: Any,
    year: Any,
    scores: Mapping[str, Any],
    note: str = "",
) -> StarRating:
    """Rate an organisation for a year (by the level above); the newest rating of the latest
    year sets its stars."""
    org = _load(
        PartyOrganisation, organisation_id, actor, lambda o: access.may_rate(actor, o.region_path)
    )
    if not org.is_active:
        raise PartyConflict(_("该党组织已撤销"))
    errors = Errors()
    rated_year = int_field(errors, {"year": year}, "year", _("年度"), low=2000, high=_today().year)
    criteria = list(StarCriterion.objects.filter(is_active=True).order_by("order", "code"))
    if not criteria:
        errors.add("scores", _("尚未设置星级评定标准"))
    given = dict(scores or {})
    unknown = sorted(set(map(str, given)) - {crit.code for crit in criteria})
    if unknown:
        errors.add("scores", _("未知的评分项：%(codes)s") % {"codes": "、".join(unknown)})
    points: dict[str, str] = {}
    total = Decimal(0)
    for crit in criteria:
        field = f"scores.{crit.code}"
        value = decimal_field(
            errors,
            {field: given.get(crit.code)},
            field,
            str(crit.name),
            low=Decimal(0),
            high=Decimal(crit.max_points),
        )
        if value is not None:
            points[crit.code] = str(value)
            total += value
    remark = optional_text(errors, {"note": note}, "note", 300, _("评定意见"))
    errors.raise_if_any()
    assert rated_year is not None
    max_total = sum(crit.max_points for crit in criteria)
    stars = stars_for(total, max_total)
    latest = StarRating.objects.filter(organisation=org).order_by("-year").first()
    rating = StarRating.objects.create(
        organisation=org,
        region_path=org.region_path,
        year=rated_year,
        scores=points,
        total=total,
        max_total=max_total,
        stars=stars,
        note=remark,
        rated_by=actor,
        rated_at=timezone.now(),
    )
    if latest is None or rated_year >= latest.year:
        org.stars = stars
        org.version += 1
        org.save(update_fields=["stars", "version", "updated_at"])
    _log(actor, "rate_organisation", rating, year=rated_year, total=total, stars=stars)
    return rating


# -- places ----------------------------------------------------------------------------------


@transaction.atomic
def create_service_centre(*, actor: User, values: Mapping[str, Any]) -> ServiceCentre:
    """A party-and-people service centre (党群服务中心) on the party map."""
    _require_manager(actor)
    errors = Errors()
    name = required_text(errors, values, "name", 100, _("名称"))
    region = _region(
        errors, values, "region", levels=tuple(c.CentreLevel.values), label=_("所在区划")
    )
    level = choice(
        errors,
        values,
        "level",
        c.CentreLevel,
        _("级别"),
        default=region.level if region is not None else None,
    )
    if region is not None:
        if level and region.level != level:
            errors.add("level", _("级别与所在区划“%(name)s”的层级不符") % {"name": region.name})
        if not access.may_manage(actor, region.path):
            errors.add("region", _("%(name)s不在您管理的辖区内") % {"name": region.name})
    org: PartyOrganisation | None = None
    org_id = as_id(errors, values, "organisation")
    if org_id is not None:
        org = restrict(PartyOrganisation.objects.filter(pk=org_id, is_active=True), actor).first()
        if org is None:
            errors.add("organisation", _("党组织不存在或不在您的辖区内"))
    lng = _coordinate(errors, values, "lng", _("经度"), 73.0, 136.0)
    lat = _coordinate(errors, values, "lat", _("纬度"), 3.0, 54.0)
    if (lng is None) != (lat is None) and not {"lng", "lat"} & set(errors.by_field):
        errors.add("lng" if lng is None else "lat", _("经度和纬度应同时填写"))
    phone = optional_text(errors, values, "phone", 30, _("服务电话"))
    hours = optional_text(errors, values, "opening_hours", 100, _("开放时间"))
    area = None
    if values.get("area_m2") not in (None, ""):
        area = int_field(errors, values, "area_m2", _("面积"), low=1, high=1_000_000)
    address = optional_text(errors, values, "address", 200, _("地址"))
    errors.raise_if_any()
    assert region is not None
    centre = ServiceCentre.objects.create(
        name=name,
        level=level,
        region=region,
        region_path=region.path,
        organisation=org,
        address=address,
        lng=lng,
        lat=lat,
        phone=phone,
        opening_hours=hours,
        area_m2=area,
    )
    _log(actor, "create_service_centre", centre, region=region.path)
    return centre


def _coordinate(
    errors: Errors, raw: Mapping[str, Any], field: str, label: str, low: float, high: float
) -> float | None:
    value = raw.get(field)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(field, _("%(label)s应为数字") % {"label": label})
        return None
    if not low <= number <= high:
        errors.add(field, _("%(label)s超出范围") % {"label": label})
        return None
    return number
