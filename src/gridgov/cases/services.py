"""Writes of the case engine: intake and every workflow action. Keyword-only, validated,
atomic; each action appends exactly one event (an unsatisfied first rating appends the reopen
too). Views, the API, commands and the sweep call these and nothing else."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.models import Department, Post, Resident, User
from gridgov.accounts.roles import Role
from gridgov.cases.choices import ActionChoice, Channel, StatusChoice, Urgency
from gridgov.cases.context import context_for
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.models import (
    Assignment,
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseReporter,
    DuplicateSuspicion,
    Item,
    ItemVersion,
    Notification,
)
from gridgov.cases.permissions import OPERATOR_ROLES, actor_kinds
from gridgov.cases.workflow import (
    Action,
    Actor,
    CaseState,
    CoUnit,
    HandlingUnit,
    PayloadError,
    Status,
    Step,
    TransitionError,
    apply,
    create,
    transition_for,
)
from gridgov.core.jurisdiction import can, restrict
from gridgov.metrics import rollup as rollups
from gridgov.regions import codes
from gridgov.regions.locator import LocateError, OutsideJurisdiction, locate
from gridgov.regions.models import Region

ACTOR_PREFERENCE = (
    Actor.LEAD,
    Actor.CO,
    Actor.CENTRE,
    Actor.GRID,
    Actor.SUPERVISOR,
    Actor.LEADER,
    Actor.UPPER,
    Actor.REPORTER,
)
ACTOR_LABELS = {
    Actor.CENTRE: gettext_lazy("本案承办中心的操作员"),
    Actor.LEAD: gettext_lazy("主办单位"),
    Actor.CO: gettext_lazy("协办单位"),
    Actor.SUPERVISOR: gettext_lazy("督办人员"),
    Actor.LEADER: gettext_lazy("领导"),
    Actor.UPPER: gettext_lazy("上级中心的操作员"),
    Actor.REPORTER: gettext_lazy("上报的网格员"),
    Actor.GRID: gettext_lazy("案件所在网格的网格员"),
    Actor.SYSTEM: gettext_lazy("系统"),
}
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def publish_item_version(*, item: Item) -> ItemVersion:
    """Freeze the item's current rules as a new version if they differ from the latest one."""
    latest = item.versions.order_by("-number").first()
    rules = {
        "name": item.name,
        "level": item.level,
        "department_id": item.department_id,
        "difficulty": item.difficulty,
        **{name: getattr(item, name) for name in Item.LIMIT_FIELDS},
    }
    if latest is not None and all(getattr(latest, k) == v for k, v in rules.items()):
        return latest
    number = (latest.number if latest else 0) + 1
    version = ItemVersion.objects.create(item=item, number=number, **rules)
    Item.objects.filter(pk=item.pk).update(version=number)
    item.version = number
    return version


_VERSIONS: dict[tuple[int, int], ItemVersion] = {}


def current_version(item: Item) -> ItemVersion:
    """The item's current version. Versions never change once published, so each process
    keeps the ones it has read."""
    key = (item.pk, item.version)
    version = _VERSIONS.get(key)
    if version is None:
        version = item.versions.filter(number=item.version).first() or publish_item_version(
            item=item
        )
        _VERSIONS[(item.pk, version.number)] = version
    return version


# ---------------------------------------------------------------------------------------------
# Intake
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    region: Region
    lng: float | None
    lat: float | None
    chain: tuple[Region, ...] = ()  # the region and its ancestors, top down, when known


def _next_number(at: dt.datetime) -> str:
    """Date + 6-digit serial, unique per deployment. The increment is one atomic
    ``UPDATE … RETURNING``: the row stays locked until the case's transaction ends."""
    day = timezone.localdate(at)
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last",  # noqa: S608
                [day],
            )
            row = cursor.fetchone()
            if row is not None:
                return f"{day:%Y%m%d}{row[0]:06d}"
            CaseCounter.objects.bulk_create([CaseCounter(day=day, last=0)], ignore_conflicts=True)
    raise RuntimeError("case counter could not be incremented")


def _resolve_location(
    *,
    lng: float | None,
    lat: float | None,
    crs: str,
    region_path: str | None,
    errors: dict[str, str],
) -> Location | None:
    if lng is not None or lat is not None:
        if lng is None or lat is None:
            errors["lng" if lng is None else "lat"] = _("经纬度需同时提供")
            return None
        try:
            found = locate(float(lng), float(lat), crs=crs)
        except LocateError as exc:
            errors["lng"] = str(exc)
            return None
        except OutsideJurisdiction as exc:
            errors["lng"] = str(exc)
            return None
        from gridgov.regions.geo import gcj02_to_wgs84_arrays

        if crs == "gcj02":
            x, y = gcj02_to_wgs84_arrays(float(lng), float(lat))
            lng, lat = float(x), float(y)
        return Location(region=found.grid, lng=float(lng), lat=float(lat), chain=found.chain)
    if region_path:
        region = Region.objects.filter(path=region_path, is_active=True).first()
        if region is None:
            errors["region"] = _("区划 %(path)s 不存在") % {"path": region_path}
            return None
        return Location(region=region, lng=None, lat=None)
    errors["lng"] = _("请提供坐标或所属区划（网格）")
    return None


def centre_for(region: Region, level: str, chain: Sequence[Region] = ()) -> Region:
    """The centre that handles a case at ``level`` for a place: its ancestor (or itself) at
    that level, else the nearest existing level above."""
    order = ("village", "township", "county", "prefecture")
    start = order.index(level) if level in order else 1
    known = {r.path: r for r in chain}
    for candidate_level in order[start:]:
        width = codes.PATH_WIDTH[candidate_level]
        if len(region.path) >= width:
            path = region.path[:width]
            centre = known.get(path) or Region.objects.filter(path=path).first()
            if centre is not None:
                return centre
    root = (
        Region.objects.filter(path__in=list(codes.ancestor_paths(region.path)))
        .order_by("path")
        .first()
    )
    return root or region


def _open_patrol(user: User | None) -> Any:
    """The reporter's open patrol (ops), so a case found on patrol is linked to it."""
    if user is None:
        return None
    from gridgov.ops.services import open_patrol_of

    return open_patrol_of(user)


@transaction.atomic
def submit_case(
    *,
    channel: str,
    title: str,
    description: str,
    item: Item | str,
    user: User | None = None,
    urgency: str = Urgency.NORMAL,
    lng: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    region_path: str | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[UploadedFile] = (),
    self_handle_result: str | None = None,
    resident: Resident | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Take a case in from any channel (全科受理). With ``self_handle_result`` a grid worker
    reports and solves it on the spot (自处置): it then waits for verification."""
    at = at or timezone.now()
    errors: dict[str, str] = {}
    title, description = title.strip(), description.strip()
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > 100:
        errors["title"] = _("标题不能超过 100 个字")
    if not description:
        errors["description"] = _("请填写问题描述")
    if channel not in Channel.values:
        errors["channel"] = _("来源渠道无效")
    if urgency not in Urgency.values:
        errors["urgency"] = _("紧急程度无效")
    if isinstance(item, str):
        found_item = Item.objects.filter(code=item, is_active=True).select_related("board").first()
        if found_item is None:
            errors["item"] = _("事项 %(code)s 不存在或已停用") % {"code": item}
        item = found_item  # type: ignore[assignment]
    elif not item.is_active:
        errors["item"] = _("事项已停用")
    phone = "".join(ch for ch in reporter_phone if ch.isdigit() or ch == "-")
    if reporter_phone and not 7 <= len(phone.replace("-", "")) <= 12:
        errors["reporter_phone"] = _("联系电话格式不对")
    location = _resolve_location(lng=lng, lat=lat, crs=crs, region_path=region_path, errors=errors)
    if location and user is not None and not can(user, location.region):
        errors["region"] = _("该位置不在您的辖区内")
    self_handle = self_handle_result is not None
    if self_handle:
        if not self_handle_result or not self_handle_result.strip():
            errors["self_handle_result"] = _("自处置需要填写处置结果")
        if (
            user is None
            or not Post.objects.current().filter(user=user, role=Role.GRID_WORKER).exists()
        ):
            errors["self_handle_result"] = _("只有网格员可以自处置")
    photo_errors = [_check_photo(photo) for photo in photos]
    if any(photo_errors):
        errors["photos"] = "；".join(e for e in photo_errors if e)
    if errors:
        raise ValidationError(errors)
    assert isinstance(item, Item) and location is not None
    version = current_version(item)
    level = "village" if self_handle else version.level
    centre = centre_for(location.region, level, location.chain)
    ctx = context_for(version, urgency)
    lead = HandlingUnit("user", str(user.pk)) if self_handle and user else None
    action = Action.SELF_HANDLE if self_handle else Action.SUBMIT
    outcome = create(action, at=at, level=_level_of(centre), centre=centre.path, ctx=ctx, lead=lead)
    case = Case(
        number=_next_number(at),
        title=title,
        description=description,
        channel=channel,
        urgency=urgency,
        item=item,
        item_version=version,
        board_id=item.board_id,
        difficulty=version.difficulty,
        lng=location.lng,
        lat=location.lat,
        address=address.strip()[:200],
        region=location.region,
        region_path=location.region.path,
        centre=centre,
        reported_by=user,
        patrol=_open_patrol(user),
        resident=resident,
        reachable=bool(phone) and not anonymous,
        created_at=at,
    )
    _write_state(case, outcome.state)
    case.save()
    rollups.record(None, rollups.snapshot(case))
    CaseReporter.objects.create(
        case=case,
        name=reporter_name.strip()[:50],
        anonymous=anonymous,
        **CaseReporter.protected_phone(phone[:20]),
    )
    if outcome.state.lead is not None:
        _sync_assignments(case, outcome.state)
    payload: dict[str, Any] = {
        "channel": channel,
        "item": item.code,
        "urgency": urgency,
        "level": case.level,
        "centre": centre.path,
    }
    if lead is not None:
        payload["lead"] = lead.as_dict()
        payload["result"] = (self_handle_result or "").strip()
    event = _append_event(
        case,
        action=action,
        from_status="",
        user=user,
        post=_reporting_post(user),
        payload=payload,
        facts=outcome.notes,
        at=at,
        seq=1,
    )
    for photo in photos:
        _store_photo(case, photo, user=user, event=event, kind=Attachment.Kind.REPORT)
    _flag_duplicates(case)
    _notify_unit_members(
        HandlingUnit("centre", centre.path),
        case,
        Notification.Kind.NEW_WORK,
        _("新案件待受理：%(title)s") % {"title": case.title},
    )
    return case


def _reporting_post(user: User | None) -> Post | None:
    if user is None:
        return None
    return Post.objects.current().filter(user=user).order_by("role").first()


def _level_of(region: Region) -> str:
    level = codes.level_of_path(region.path)
    return level if level in OPERATOR_ROLES else "county"


def _flag_duplicates(case: Case) -> list[DuplicateSuspicion]:
    """Same item, still open, within the configured distance and time window (疑似重复)."""
    if case.lng is None or case.lat is None:
        return []
    distance = float(getattr(settings, "GRIDGOV_DUPLICATE_DISTANCE_M", 200))
    hours = float(getattr(settings, "GRIDGOV_DUPLICATE_HOURS", 72))
    dlat = distance / 111_320.0
    dlng = distance / (111_320.0 * max(math.cos(math.radians(case.lat)), 0.01))
    candidates = Case.objects.filter(
        item_id=case.item_id,
        created_at__gte=case.created_at - dt.timedelta(hours=hours),
        created_at__lte=case.created_at,
        lat__range=(case.lat - dlat, case.lat + dlat),
        lng__range=(case.lng - dlng, case.lng + dlng),
        status__in=[
            s.value
            for s in (
                Status.SUBMITTED,
                Status.ACCEPTED,
                Status.DISPATCHED,
                Status.IN_PROGRESS,
                Status.HANDLED,
                Status.HELD,
            )
        ],
    ).exclude(pk=case.pk)
    found = []
    for other in candidates.only("pk", "lng", "lat", "created_at"):
        metres = haversine_m(case.lng, case.lat, other.lng or 0.0, other.lat or 0.0)
        if metres <= distance:
            found.append(
                DuplicateSuspicion(
                    case=case,
                    candidate=other,
                    distance_m=round(metres, 1),
                    hours_apart=round(
                        (case.created_at - other.created_at).total_seconds() / 3600, 2
                    ),
                )
            )
    DuplicateSuspicion.objects.bulk_create(found, ignore_conflicts=True)
    return found


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ---------------------------------------------------------------------------------------------
# Photos
# ---------------------------------------------------------------------------------------------


def _sniff(photo: UploadedFile) -> str | None:
    head = photo.read(16)
    photo.seek(0)
    for signature, content_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _check_photo(photo: UploadedFile) -> str | None:
    limit_mb = float(getattr(settings, "GRIDGOV_MAX_PHOTO_MB", 10))
    name = photo.name or "?"
    if (photo.size or 0) > limit_mb * 1024 * 1024:
        return _("照片 %(name)s 超过 %(mb)s MB") % {"name": name, "mb": f"{limit_mb:g}"}
    if (photo.size or 0) == 0:
        return _("照片 %(name)s 是空文件") % {"name": name}
    if _sniff(photo) is None:
        return _("照片 %(name)s 不是 JPEG、PNG 或 WebP 图片") % {"name": name}
    return None


def _store_photo(
    case: Case, photo: UploadedFile, *, user: User | None, event: CaseEvent | None, kind: str
) -> Attachment:
    content_type = _sniff(photo) or "application/octet-stream"
    return Attachment.objects.create(
        case=case,
        event=event,
        kind=kind,
        file=photo,
        original_name=(photo.name or "")[:200],
        content_type=content_type,
        size=photo.size or 0,
        uploaded_by=user,
    )


# ---------------------------------------------------------------------------------------------
# State ↔ row
# ---------------------------------------------------------------------------------------------


def _lead_unit(case: Case) -> HandlingUnit | None:
    if case.lead_user_id:
        return HandlingUnit("user", str(case.lead_user_id))
    if case.lead_department_id:
        return HandlingUnit("department", str(case.lead_department_id))
    if case.lead_centre_id:
        return HandlingUnit("centre", case.lead_centre.path)  # type: ignore[union-attr]
    return None


def _co_units(case: Case) -> tuple[CoUnit, ...]:
    rows = case.assignments.filter(active=True, is_lead=False).select_related("centre")
    return tuple(CoUnit(_unit_of(row), row.reported) for row in rows)


def state_of(case: Case) -> CaseState:
    """The workflow state held in a case row."""
    return CaseState(
        status=Status(case.status),
        level=case.level,
        centre=case.centre.path,
        created_at=case.created_at,
        step=Step(case.step) if case.step else None,
        step_no=case.step_no,
        step_started_at=case.step_started_at,
        due_at=case.due_at,
        warn_at=case.warn_at,
        step_unit=case.step_unit or None,  # type: ignore[arg-type]
        held_since=case.held_since,
        previous=Status(case.previous_status) if case.previous_status else None,
        lead=_lead_unit(case),
        co=_co_units(case),
        rework_count=case.rework_count,
        reopen_count=case.reopen_count,
        escalations=case.escalations,
        extensions=case.extensions,
        pending_extension=case.pending_extension,
        rating=case.rating or None,
        callback_reached=case.callback_reached,
        solved_level=case.solved_level or None,
        closed_at=case.closed_at,
        finished_at=case.finished_at,
        master=case.master.number if case.master_id and case.master else None,
        supervision=case.supervision or None,
        supervision_pending=case.supervision_pending,
        warned_step=case.warned_step,
        overdue_step=case.overdue_step,
        self_handled=case.self_handled,
        handled_on_time=case.handled_on_time,
        accepted_at=case.accepted_at,
        dispatched_at=case.dispatched_at,
        signed_on_time=case.signed_on_time,
        supervision_count=case.supervision_count,
        void_requested_by=str(case.void_requested_by_id) if case.void_requested_by_id else None,
    )


def row_values(state: CaseState, region_id: Callable[[str], int]) -> dict[str, Any]:
    """The case columns that hold a workflow state (``master`` aside: it needs the master's
    row). ``region_id`` maps a region path to its id. Shared with the demo generator."""
    lead = state.lead
    return {
        "status": state.status,
        "level": state.level,
        "centre_id": region_id(state.centre),
        "step": state.step or "",
        "step_no": state.step_no,
        "step_started_at": state.step_started_at,
        "due_at": state.due_at,
        "warn_at": state.warn_at,
        "step_unit": state.step_unit or "",
        "held_since": state.held_since,
        "previous_status": state.previous or "",
        "lead_user_id": int(lead.ref) if lead and lead.kind == "user" else None,
        "lead_department_id": int(lead.ref) if lead and lead.kind == "department" else None,
        "lead_centre_id": region_id(lead.ref) if lead and lead.kind == "centre" else None,
        "rework_count": state.rework_count,
        "reopen_count": state.reopen_count,
        "escalations": state.escalations,
        "extensions": state.extensions,
        "pending_extension": state.pending_extension,
        "rating": state.rating or "",
        "callback_reached": state.callback_reached,
        "solved_level": state.solved_level or "",
        "closed_at": state.closed_at,
        "finished_at": state.finished_at,
        "supervision": state.supervision or "",
        "supervision_pending": state.supervision_pending,
        "warned_step": state.warned_step,
        "overdue_step": state.overdue_step,
        "self_handled": state.self_handled,
        "handled_on_time": state.handled_on_time,
        "accepted_at": state.accepted_at,
        "dispatched_at": state.dispatched_at,
        "signed_on_time": state.signed_on_time,
        "supervision_count": state.supervision_count,
        "void_requested_by_id": int(state.void_requested_by) if state.void_requested_by else None,
    }


def _region_id(path: str) -> int:
    return Region.objects.values_list("id", flat=True).get(path=path)


def _write_state(case: Case, state: CaseState) -> None:
    known = {}
    if case.centre_id is not None:
        known[case.centre.path] = case.centre_id
    for name, value in row_values(state, lambda p: known.get(p) or _region_id(p)).items():
        setattr(case, name, value)
    if state.master and (case.master is None or case.master.number != state.master):
        case.master = Case.objects.get(number=state.master)


def _unit_of(row: Assignment) -> HandlingUnit:
    ref = {
        "user": str(row.user_id),
        "department": str(row.department_id),
        "centre": row.centre.path if row.centre else "",
    }[row.kind]
    return HandlingUnit(row.kind, ref)


def _sync_assignments(case: Case, state: CaseState) -> None:
    """Make the active assignment rows match the state's lead and co units."""
    wanted: dict[tuple[bool, str, str], bool] = {}
    if state.lead is not None:
        wanted[(True, state.lead.kind, state.lead.ref)] = state.status not in (Status.DISPATCHED,)
    for co in state.co:
        wanted[(False, co.unit.kind, co.unit.ref)] = co.reported
    existing = {}
    for row in case.assignments.filter(active=True).select_related("centre"):
        unit = _unit_of(row)
        existing[(row.is_lead, unit.kind, unit.ref)] = row
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        Assignment.objects.filter(pk__in=stale).update(active=False)
    for key, reported in wanted.items():
        current = existing.get(key)
        if current is not None:
            if current.reported != reported:
                Assignment.objects.filter(pk=current.pk).update(reported=reported)
            continue
        is_lead, kind, ref = key
        Assignment.objects.create(
            case=case,
            is_lead=is_lead,
            kind=kind,
            user_id=int(ref) if kind == "user" else None,
            department_id=int(ref) if kind == "department" else None,
            centre=Region.objects.get(path=ref) if kind == "centre" else None,
            reported=reported,
        )


def _append_event(
    case: Case,
    *,
    action: Action,
    from_status: str,
    user: User | None,
    post: Post | None,
    payload: Mapping[str, Any],
    facts: Mapping[str, Any],
    at: dt.datetime,
    seq: int | None = None,
) -> CaseEvent:
    if seq is None:
        seq = (case.events.aggregate(m=Max("seq"))["m"] or 0) + 1
    note = str(payload.get("note") or payload.get("reason") or payload.get("result") or "")
    event = CaseEvent.objects.create(
        case=case,
        seq=seq,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=user,
        post=post,
        note=note,
        payload=dict(payload),
        facts=dict(facts),
        at=at,
    )
    from gridgov.core.webhooks import enqueue_case_event  # in this transaction: an outbox

    enqueue_case_event(event)
    return event


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


def act(
    *,
    case: Case | str | int,
    user: User | None,
    action: Action | str,
    payload: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    photos: Sequence[UploadedFile] = (),
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Take one workflow action. ``user=None`` acts as the system (the sweep).

    Raises :class:`CaseNotFound` (unknown or outside jurisdiction), :class:`CaseConflict`
    (status does not allow it, or the case changed since ``expected_version``),
    :class:`CaseForbidden` (the user's posts do not allow it) or ``ValidationError`` (bad
    input, field by field). Nothing is changed when it raises.
    """
    with transaction.atomic():
        return _act(
            case=case,
            user=user,
            action=Action(action),
            payload=dict(payload or {}),
            expected_version=expected_version,
            photos=photos,
            at=at or timezone.now(),
        )


def kinds_of(
    user: Any, case: Case, state: CaseState, *, open_co_only: bool = False
) -> dict[Actor, Post | None]:
    """Who ``user`` is for this case (actor kinds, each with the post that grants it).
    ``open_co_only`` counts only co-handlers that have not yet reported in."""
    co = [c.unit for c in state.co if not (open_co_only and c.reported)]
    return actor_kinds(
        user,
        centre_path=state.centre,
        region_path=case.region_path,
        lead=state.lead,
        co=co,
        reported_by_id=case.reported_by_id,
    )


def _load_for_update(case: Case | str | int, user: User | None) -> Case:
    queryset = Case.objects.select_related("centre", "lead_centre", "master", "item_version")
    if user is not None:
        queryset = restrict(queryset, user)
    if isinstance(case, Case):
        lookup = Q(pk=case.pk)
    elif isinstance(case, int) or (isinstance(case, str) and case.isdigit() and len(case) < 12):
        lookup = Q(pk=int(case))
    else:
        lookup = Q(number=str(case))
    # Lock the row: a second actor waits here, then sees the new state.
    found = queryset.select_for_update(of=("self",)).filter(lookup).first()
    if found is None:
        raise CaseNotFound(_("案件不存在或不在您的辖区内"))
    return found


def _act(
    *,
    case: Case | str | int,
    user: User | None,
    action: Action,
    payload: dict[str, Any],
    expected_version: int | None,
    photos: Sequence[UploadedFile],
    at: dt.datetime,
) -> CaseEvent:
    row = _load_for_update(case, user)
    if expected_version is not None and row.version != expected_version:
        raise CaseConflict(
            _("案件已被他人处理（当前为第 %(v)s 版），请刷新后再试") % {"v": row.version}
        )
    state = state_of(row)
    status_label = StatusChoice(state.status).label
    action_label = ActionChoice(action).label
    try:
        transition = transition_for(state.status, action)
    except TransitionError as exc:
        raise CaseConflict(
            _("案件当前状态为“%(status)s”，不能%(action)s")
            % {"status": status_label, "action": action_label}
        ) from exc
    if user is None:
        if Actor.SYSTEM not in transition.actors:
            raise CaseForbidden(_("系统不能执行此操作"))
        actor, post = Actor.SYSTEM, None
    else:
        kinds = kinds_of(user, row, state)
        permitted = [
            kind for kind in ACTOR_PREFERENCE if kind in transition.actors and kind in kinds
        ]
        if not permitted:
            who = _("、").join(
                str(ACTOR_LABELS[a]) for a in ACTOR_PREFERENCE if a in transition.actors
            )
            raise CaseForbidden(
                _("只有%(who)s可以%(action)s") % {"who": who, "action": action_label}
            )
        actor, post = permitted[0], kinds[permitted[0]]
        if (
            actor == Actor.GRID
            and state.lead is not None
            and state.lead == HandlingUnit("user", str(user.pk))
        ):
            raise CaseForbidden(_("办理人不能核查自己办理的案件"))
    payload = _clean_payload(row, state, action, payload, user=user, actor=actor, post=post)
    if photos:
        problems = [p for p in (_check_photo(photo) for photo in photos) if p]
        if problems:
            raise ValidationError({"photos": "；".join(problems)})
    ctx = context_for(row.item_version, row.urgency)
    try:
        outcome = apply(state, action, payload, at=at, ctx=ctx)
    except PayloadError as exc:
        raise ValidationError({k: _field_message(k, v) for k, v in exc.errors.items()}) from exc
    event = _commit(
        row,
        outcome.state,
        action=action,
        from_status=state.status,
        user=user,
        post=post,
        payload=payload,
        facts=outcome.notes,
        at=at,
    )
    for photo in photos:
        _store_photo(
            row,
            photo,
            user=user,
            event=event,
            kind=Attachment.Kind.RESULT if action == Action.HANDLE else "other",
        )
    _after(row, state, outcome.state, action, payload, user=user, at=at)
    return event


def _commit(
    row: Case,
    new: CaseState,
    *,
    action: Action,
    from_status: str,
    user: User | None,
    post: Post | None,
    payload: Mapping[str, Any],
    facts: Mapping[str, Any],
    at: dt.datetime,
) -> CaseEvent:
    before = rollups.snapshot(row)
    _write_state(row, new)
    row.version = F("version") + 1
    row.save()
    rollups.record(before, rollups.snapshot(row))
    row.refresh_from_db(fields=["version"])
    _sync_assignments(row, new)
    return _append_event(
        row,
        action=action,
        from_status=from_status,
        user=user,
        post=post,
        payload=payload,
        facts=facts,
        at=at,
    )


def _field_message(field: str, message: str) -> str:
    return _("此项必填") if message == "必填" else message


def _text(payload: Mapping[str, Any], name: str, limit: int = 1000) -> str:
    value = payload.get(name)
    return str(value).strip()[:limit] if value is not None else ""


def _clean_payload(
    row: Case,
    state: CaseState,
    action: Action,
    raw: Mapping[str, Any],
    *,
    user: User | None,
    actor: Actor,
    post: Post | None,
) -> dict[str, Any]:
    """Check and complete the input of an action: the service knows the database, the
    workflow does not."""
    payload: dict[str, Any] = {}
    for name in ("note", "reason", "result"):
        if name in raw:
            payload[name] = _text(raw, name)
    if action == Action.DISPATCH:
        payload["lead"] = _check_unit(row, raw.get("lead"), field="lead").as_dict()
        co = raw.get("co") or []
        if not isinstance(co, list | tuple):
            raise ValidationError({"co": _("协办单位应为列表")})
        payload["co"] = [_check_unit(row, unit, field="co").as_dict() for unit in co]
    elif action == Action.ESCALATE:
        parent = _parent_centre(row.centre)
        if parent is None:
            raise ValidationError(
                {"reason": _("%(name)s已是最高一级中心，不能再上报") % {"name": row.centre.name}}
            )
        payload["centre"] = parent.path
        payload["level"] = _level_of(parent)
    elif action == Action.WHISTLE:
        if state.level != "township":
            raise ValidationError({"departments": _("只有乡镇（街道）中心可以吹哨")})
        ids = raw.get("departments") or []
        if not isinstance(ids, list | tuple) or not ids:
            raise ValidationError({"departments": _("请选择要吹哨的部门")})
        payload["departments"] = [
            _check_unit(row, {"kind": "department", "ref": str(d)}, field="departments").ref
            for d in ids
        ]
    elif action == Action.REPORT_IN:
        if post is None or user is None:
            raise ValidationError({"unit": _("无法确定报到单位")})
        from gridgov.cases.permissions import unit_of

        unit = unit_of(post, user, [c.unit for c in state.co if not c.reported])
        if unit is None:
            raise CaseConflict(_("您所在单位已报到"))
        payload["unit"] = unit.as_dict()
    elif action == Action.MERGE:
        master = Case.objects.filter(number=str(raw.get("master", "")).strip()).first()
        if master is None or master.pk == row.pk:
            raise ValidationError({"master": _("请填写要合并到的案件编号")})
        if master.status in (Status.MERGED, Status.VOIDED, Status.REJECTED):
            raise ValidationError(
                {
                    "master": _("案件 %(n)s 已合并、作废或不予受理，不能作为主案件")
                    % {"n": master.number}
                }
            )
        if user is not None and not can(user, master):
            raise ValidationError({"master": _("案件 %(n)s 不在您的辖区内") % {"n": master.number}})
        payload["master"] = master.number
    elif action == Action.REQUEST_VOID:
        payload["by"] = str(user.pk) if user else ""
    elif action in (Action.APPROVE_VOID, Action.DENY_VOID):
        if user is not None and state.void_requested_by == str(user.pk):
            raise CaseForbidden(_("作废申请需由申请人以外的人审批"))
    elif action == Action.INSTRUCT and raw.get("to"):
        targets = raw.get("to")
        if not isinstance(targets, list | tuple) or len(targets) > 10:
            raise ValidationError({"to": _("要调度的单位应为列表（最多 10 个）")})
        payload["to"] = [_check_called_unit(unit).as_dict() for unit in targets]
    elif action == Action.CALLBACK:
        if actor == Actor.SYSTEM and raw.get("source") == "resident":
            payload["source"] = "resident"
        reached = raw.get("reached")
        if reached in ("true", "1", 1, True):
            payload["reached"] = True
        elif reached in ("false", "0", 0, False):
            payload["reached"] = False
        payload["rating"] = raw.get("rating") or None
    elif action == Action.REQUEST_EXTENSION:
        try:
            payload["amount"] = float(raw.get("amount", ""))
        except (TypeError, ValueError):
            raise ValidationError({"amount": _("延期时长应为数字")}) from None
        if not 0 < payload["amount"] <= 60:
            raise ValidationError({"amount": _("延期时长应大于 0，且不超过 60")})
        payload["unit"] = state.step_unit
    elif action == Action.SUPERVISE:
        payload["level"] = raw.get("level")
        payload["requires_response"] = bool(raw.get("requires_response", True))
    elif action == Action.REOPEN and "reason" not in payload:
        payload["reason"] = _text(raw, "reason")
    payload["actor"] = str(actor)
    return payload


def _check_called_unit(raw: Any) -> HandlingUnit:
    """A unit a leader calls in (调度): a centre (township, village or county) or a department."""
    try:
        unit = HandlingUnit.parse(raw)
    except PayloadError:
        raise ValidationError({"to": _("调度单位格式不对")}) from None
    if unit.kind == "centre":
        ok = Region.objects.filter(
            path=unit.ref, level__in=["village", "township", "county", "prefecture"]
        ).exists()
    elif unit.kind == "department":
        ok = (
            unit.ref.isdigit()
            and Department.objects.filter(pk=int(unit.ref), is_active=True).exists()
        )
    else:
        ok = False
    if not ok:
        raise ValidationError({"to": _("调度单位不存在")})
    return unit


def _parent_centre(centre: Region) -> Region | None:
    parent_path = codes.parent_path(centre.path)
    while parent_path:
        parent = Region.objects.filter(path=parent_path).first()
        if (
            parent is not None
            and _level_of(parent) in OPERATOR_ROLES
            and parent.level in ("township", "county", "prefecture")
        ):
            return parent
        parent_path = codes.parent_path(parent_path)
    return None


def _sunk_member_user(user_id: int, centre: str) -> bool:
    """Whether the user is the staff account of a party member sunk (双报到, assigned) into a
    grid inside the centre: such a member can be dispatched a case as a person."""
    from gridgov.party.models import ServiceRegistration

    return ServiceRegistration.objects.filter(
        state="assigned",
        grid__path__startswith=centre,
        member__user_id=user_id,
        member__user__is_active=True,
        member__state="active",
    ).exists()


def _check_unit(row: Case, raw: Any, *, field: str) -> HandlingUnit:
    """A dispatch target must exist and sit within reach of the case's centre."""
    try:
        unit = HandlingUnit.parse(raw)
    except PayloadError:
        raise ValidationError(
            {field: _("办理单位格式不对（kind 为 user、centre 或 department）")}
        ) from None
    centre = row.centre.path
    if unit.kind == "user":
        ok = (
            unit.ref.isdigit()
            and Post.objects.current()
            .filter(
                user_id=int(unit.ref),
                role__in=[Role.GRID_WORKER, Role.GRID_CHIEF],
                region__path__startswith=centre,
                user__is_active=True,
            )
            .exists()
        ) or (unit.ref.isdigit() and _sunk_member_user(int(unit.ref), centre))
        if not ok:
            raise ValidationError({field: _("只能派给本中心辖区内的网格员或下沉党员")})
    elif unit.kind == "centre":
        ok = (
            unit.ref.startswith(centre)
            and unit.ref != centre
            and Region.objects.filter(path=unit.ref, level__in=["village", "township"]).exists()
        )
        if not ok:
            raise ValidationError(
                {field: _("只能派给本中心下级的村（社区）工作站或乡镇（街道）中心")}
            )
    else:
        department = (
            Department.objects.filter(pk=int(unit.ref) if unit.ref.isdigit() else 0, is_active=True)
            .select_related("region")
            .first()
        )
        if department is None:
            raise ValidationError({field: _("部门不存在或已停用")})
        serves = row.region_path.startswith(
            department.region.path
        ) or department.region.path.startswith(centre)
        if not serves:
            raise ValidationError(
                {field: _("部门“%(name)s”不负责该区域") % {"name": department.name}}
            )
    return unit


# ---------------------------------------------------------------------------------------------
# After an action: automatic follow-ups and notifications
# ---------------------------------------------------------------------------------------------


def _after(
    row: Case,
    old: CaseState,
    new: CaseState,
    action: Action,
    payload: Mapping[str, Any],
    *,
    user: User | None,
    at: dt.datetime,
) -> None:
    kind = Notification.Kind
    title = row.title
    if action == Action.DISPATCH and new.lead is not None:
        for unit in [new.lead, *(c.unit for c in new.co)]:
            _notify_unit_members(unit, row, kind.NEW_WORK, _("新派遣案件：%(t)s") % {"t": title})
    elif action == Action.WHISTLE:
        for ref in payload.get("departments", []):
            _notify_unit_members(
                HandlingUnit("department", str(ref)),
                row,
                kind.NEW_WORK,
                _("乡镇（街道）吹哨，请报到协办：%(t)s") % {"t": title},
            )
    elif action == Action.ESCALATE:
        _notify_unit_members(
            HandlingUnit("centre", new.centre),
            row,
            kind.ESCALATED,
            _("下级上报案件：%(t)s") % {"t": title},
        )
    elif action in (Action.SEND_BACK, Action.HANDLE, Action.REQUEST_EXTENSION):
        _notify_unit_members(
            HandlingUnit("centre", new.centre),
            row,
            kind.RESULT,
            _("%(a)s：%(t)s") % {"a": ActionChoice(action).label, "t": title},
        )
    elif action in (Action.VERIFY_FAIL, Action.REOPEN) and new.lead is not None:
        _notify_unit_members(
            new.lead, row, kind.NEW_WORK, _("案件需重新办理：%(t)s") % {"t": title}
        )
    if action == Action.INSTRUCT:
        for unit in payload.get("to", []):
            _notify_unit_members(
                HandlingUnit.parse(unit),
                row,
                kind.INSTRUCTION,
                _("领导批示调度：%(t)s") % {"t": title},
            )
    if action in (Action.SUPERVISE, Action.URGE, Action.INSTRUCT):
        notice = {
            Action.SUPERVISE: kind.SUPERVISION,
            Action.URGE: kind.URGE,
            Action.INSTRUCT: kind.INSTRUCTION,
        }[action]
        targets = [HandlingUnit("centre", new.centre)] + ([new.lead] if new.lead else [])
        for unit in targets:
            _notify_unit_members(
                unit, row, notice, _("%(a)s：%(t)s") % {"a": ActionChoice(action).label, "t": title}
            )
    # 不满意的首次回访自动重办。
    if action == Action.CALLBACK and new.rating == "unsatisfied" and new.reopen_count == 0:
        _act(
            case=row,
            user=None,
            action=Action.REOPEN,
            payload={"reason": _("回访不满意，自动重办")},
            expected_version=None,
            photos=(),
            at=at,
        )


def unit_members(unit: HandlingUnit) -> list[int]:
    """Ids of the users who act for a unit."""
    if unit.kind == "user":
        return [int(unit.ref)]
    posts = Post.objects.current().filter(user__is_active=True)
    if unit.kind == "department":
        posts = posts.filter(role=Role.DEPARTMENT_HANDLER, department_id=int(unit.ref))
    else:
        level = codes.level_of_path(unit.ref)
        posts = posts.filter(region__path=unit.ref, role__in=OPERATOR_ROLES.get(level, ()))
    return sorted(set(posts.values_list("user_id", flat=True)))


def notify(user_ids: Iterable[int], case: Case | None, kind: str, message: str) -> int:
    rows = [
        Notification(recipient_id=uid, case=case, kind=kind, message=message[:200])
        for uid in sorted(set(user_ids))
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def _notify_unit_members(unit: HandlingUnit, case: Case, kind: str, message: str) -> int:
    return notify(unit_members(unit), case, kind, message)


@transaction.atomic
def add_photos(
    *,
    case: Case,
    photos: Sequence[UploadedFile],
    user: User | None = None,
    resident: Resident | None = None,
) -> list[Attachment]:
    """Photos added to a case by someone working it, or by the resident who reported it."""
    if not photos:
        raise ValidationError({"photos": _("请选择照片")})
    if resident is not None:
        if case.resident_id != resident.pk:
            raise CaseNotFound(_("案件不存在或不在您的辖区内"))
    elif user is not None:
        kinds = kinds_of(user, case, state_of(case))
        if not set(kinds) & {Actor.CENTRE, Actor.LEAD, Actor.CO, Actor.REPORTER}:
            raise CaseForbidden(_("只有办理本案的人员可以上传照片"))
    problems = [p for p in (_check_photo(photo) for photo in photos) if p]
    if problems:
        raise ValidationError({"photos": "；".join(problems)})
    kind = Attachment.Kind.REPORT if resident is not None else Attachment.Kind.OTHER
    return [_store_photo(case, photo, user=user, event=None, kind=kind) for photo in photos]


def resident_rating(*, case: Case, rating: str, at: dt.datetime | None = None) -> CaseEvent:
    """The reporter's own rating from the resident portal, recorded as the callback (回访)."""
    if case.status != Status.CLOSED:
        raise CaseConflict(_("案件办结并核查后才能评价"))
    return act(
        case=case,
        user=None,
        action=Action.CALLBACK,
        at=at,
        payload={"reached": True, "rating": rating, "source": "resident"},
    )


# -- the reporter's phone --------------------------------------------------------------------


def may_reveal_reporter(user: Any, case: Case) -> bool:
    """The centre that owns the case calls the reporter back: only it may reveal the phone."""
    return Actor.CENTRE in kinds_of(user, case, state_of(case))


@transaction.atomic
def reveal_reporter_phone(*, actor: User, case: Case, reason: str, ip: str | None = None) -> str:
    """The reporter's clear phone for the owning centre, with the access recorded (who, which
    case, why, when) as the registers record theirs."""
    from gridgov.core.protection import decrypt
    from gridgov.registry.models import RevealRecord

    if not can(actor, case):
        raise CaseNotFound(_("案件不存在或不在您的辖区内"))
    if not may_reveal_reporter(actor, case):
        raise CaseForbidden(_("只有本案承办中心的操作员可以查看反映人电话"))
    reporter = CaseReporter.objects.filter(case=case).first()
    if reporter is None or reporter.anonymous or not reporter.phone_cipher:
        raise CaseConflict(_("反映人没有留下电话"))
    why = (reason or "").strip()[:200]
    if not why:
        raise ValidationError({"reason": _("请填写查看理由")})
    RevealRecord.objects.create(
        actor=actor,
        model="casereporter",
        object_id=reporter.pk,
        subject=case.number,
        region_path=case.region_path,
        field="phone",
        reason=why,
        at=timezone.now(),
        ip=ip,
    )
    return decrypt(reporter.phone_cipher)
