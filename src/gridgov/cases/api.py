"""API: the catalogue, cases (create, list, detail, timeline, one endpoint per action),
attachments and my work queue."""

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from gridgov.cases import selectors, services
from gridgov.cases.choices import ActionChoice, Channel, StatusChoice
from gridgov.cases.media import photo_url
from gridgov.cases.models import Board, Case, Item
from gridgov.cases.selectors import CaseFilter, light_of, unit_label
from gridgov.cases.workflow import TABLE, Action, Actor
from gridgov.core.apischemas import PlaceOut
from gridgov.core.apiutil import display_name, resident, staff, throttle
from gridgov.core.privacy import mask_name

router = Router(tags=["事件办理"])

# Actions with an endpoint each: all but the creating ones and those only the sweep takes.
API_ACTIONS = [
    action
    for action in Action
    if action not in (Action.SUBMIT, Action.SELF_HANDLE)
    and any(
        action in transitions and transitions[action].actors - {Actor.SYSTEM}
        for transitions in TABLE.values()
    )
]


# -- schemas ---------------------------------------------------------------------------------


class BoardOut(Schema):
    code: str
    name: str


class ItemOut(Schema):
    code: str
    name: str
    board: str
    level: str
    department: str | None
    difficulty: str
    limits: dict[str, str] = Field(..., description="签收、办理、核查时限")
    description: str


class UnitIn(Schema):
    kind: Literal["user", "centre", "department"]
    ref: str = Field(..., min_length=1, max_length=20, description="用户 id、区划路径或部门 id")


class UnitOut(Schema):
    kind: str
    ref: str
    label: str


class NamedRef(Schema):
    code: str
    name: str


class ReporterOut(Schema):
    name: str = Field(..., description="脱敏显示")
    phone: str = Field(..., description="脱敏显示")
    anonymous: bool


class CaseOut(Schema):
    number: str
    title: str
    description: str
    channel: str
    urgency: str
    status: str
    status_label: str
    followed_status: str
    light: str | None
    item: NamedRef
    board: NamedRef
    region: PlaceOut
    centre: PlaceOut
    level: str
    lead: UnitOut | None
    step: str
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    solved_level: str
    rating: str
    supervision: str
    rework_count: int
    reopen_count: int
    escalations: int
    lng: float | None
    lat: float | None
    address: str
    reporter: ReporterOut | None
    master: str | None
    version: int
    allowed_actions: list[str]
    duplicates: list[str] = Field(..., description="疑似重复的案件编号")
    photos: list[str] = Field(..., description="照片链接（签名，限时有效）")


class CaseList(Schema):
    items: list[CaseOut]
    next: str | None = Field(..., description="下一页的游标；没有更多时为 null")


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str | None
    note: str
    at: dt.datetime
    facts: dict[str, Any]


class CaseIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=5000)
    item: str = Field(..., min_length=1, max_length=16, description="事项编码")
    channel: Literal[tuple(Channel.values)] | None = Field(  # type: ignore[valid-type]
        None, description="来源渠道；群众端固定为 app，接入系统默认取其配置"
    )
    urgency: Literal["normal", "urgent", "emergency"] = "normal"
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    region: str | None = Field(None, max_length=18, description="无坐标时的所属区划路径")
    address: str = Field("", max_length=200)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=20)
    anonymous: bool = False
    self_handle_result: str | None = Field(
        None, max_length=2000, description="网格员自处置：填写处置结果"
    )


class ActionOut(Schema):
    case: CaseOut
    event: EventOut


class CaseQuery(Schema):
    status: list[Literal[tuple(StatusChoice.values)]] = Field(  # type: ignore[valid-type]
        default_factory=list
    )
    light: Literal["green", "yellow", "red"] | None = None
    board: str | None = Field(None, max_length=16)
    item: str | None = Field(None, max_length=16)
    region: str | None = Field(None, pattern=r"^[0-9]{2,18}$")
    channel: list[Literal[tuple(Channel.values)]] = Field(  # type: ignore[valid-type]
        default_factory=list
    )
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    supervision: Literal["ordinary", "yellow", "red", "any"] | None = None
    level: Literal["village", "township", "county", "prefecture"] | None = None
    q: str | None = Field(None, max_length=50)
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=200)


# Input fields of the action endpoints; each endpoint's schema has only its own.
ACTION_FIELDS: dict[str, tuple[Any, Any]] = {
    "reason": (str, Field(..., min_length=1, max_length=1000)),
    "note": (str, Field(..., min_length=1, max_length=1000)),
    "result": (str, Field(..., min_length=1, max_length=2000)),
    "lead": (UnitIn, ...),
    "co": (list[UnitIn], Field(default_factory=list, max_length=10)),
    "departments": (list[int], Field(..., min_length=1, max_length=20)),
    "master": (str, Field(..., min_length=1, max_length=20, description="主案件编号")),
    "reached": (bool, Field(..., description="是否联系上反映人")),
    "rating": (Literal["satisfied", "basically_satisfied", "unsatisfied"] | None, None),
    "amount": (float, Field(..., gt=0, le=60, description="按当前环节的时限单位")),
    "level": (Literal["ordinary", "yellow", "red"], ...),
    "requires_response": (bool, True),
}
OPTIONAL_FIELDS = {
    Action.DISPATCH: ("co",),
    Action.CALLBACK: ("rating",),
    Action.SUPERVISE: ("requires_response",),
    Action.SIGN: ("note",),
    Action.ACCEPT: ("note",),
    Action.VERIFY_PASS: ("note",),
    Action.APPROVE_EXTENSION: ("note",),
    Action.APPROVE_VOID: ("note",),
    Action.RESUME: ("note",),
    Action.ARCHIVE: ("note",),
    Action.REPORT_IN: ("note",),
    Action.CLOSE_SUPERVISION: ("note",),
}


def action_schema(action: Action) -> type[Schema]:
    required: set[str] = set()
    for transitions in TABLE.values():
        if action in transitions:
            required.update(transitions[action].requires)
    if action == Action.ESCALATE:
        required -= {"centre", "level"}  # the service finds the parent centre itself
    fields: dict[str, Any] = {}
    for name in sorted(required):
        if name in ACTION_FIELDS:
            fields[name] = ACTION_FIELDS[name]
    for name in OPTIONAL_FIELDS.get(action, ()):
        kind, default = ACTION_FIELDS[name]
        if name in ("note",):
            fields[name] = (str, Field("", max_length=1000))
        else:
            fields[name] = (kind, default)
    fields["expected_version"] = (
        int | None,
        Field(None, ge=1, description="乐观锁：页面看到的版本"),
    )
    annotations = {name: kind for name, (kind, _default) in fields.items()}
    namespace = {name: default for name, (_kind, default) in fields.items()}
    namespace["__annotations__"] = annotations
    return type(f"{action.value.title().replace('_', '')}In", (Schema,), namespace)


# -- helpers ---------------------------------------------------------------------------------


def case_out(case: Case, user: Any = None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    reporter = getattr(case, "reporter", None)
    lead = services._lead_unit(case)
    allowed = [str(a) for a in selectors.allowed_actions(user, case)] if user else []
    return {
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "channel": case.channel,
        "urgency": case.urgency,
        "status": case.status,
        "status_label": str(StatusChoice(case.status).label),
        "followed_status": case.followed_status,
        "light": light_of(case, now),
        "item": {"code": case.item.code, "name": case.item.name},
        "board": {"code": case.board.code, "name": case.board.name},
        "region": {"path": case.region.path, "name": case.region.name},
        "centre": {"path": case.centre.path, "name": case.centre.name},
        "level": case.level,
        "lead": {**lead.as_dict(), "label": unit_label(lead)} if lead else None,
        "step": case.step,
        "due_at": case.due_at,
        "warn_at": case.warn_at,
        "created_at": case.created_at,
        "closed_at": case.closed_at,
        "solved_level": case.solved_level,
        "rating": case.rating,
        "supervision": case.supervision,
        "rework_count": case.rework_count,
        "reopen_count": case.reopen_count,
        "escalations": case.escalations,
        "lng": case.lng,
        "lat": case.lat,
        "address": case.address,
        "reporter": {
            "name": mask_name(reporter.name),
            "phone": reporter.phone_masked,
            "anonymous": reporter.anonymous,
        }
        if reporter
        else None,
        "master": case.master.number if case.master_id and case.master else None,
        "version": case.version,
        "allowed_actions": allowed,
        "duplicates": [d.candidate.number for d in case.duplicate_of.select_related("candidate")],
        "photos": [photo_url(a) for a in case.attachments.order_by("created_at", "pk")],
    }


def event_out(event: Any, *, for_resident: bool = False) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "action": event.action,
        "action_label": str(ActionChoice(event.action).label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": None if for_resident else (display_name(event.actor) or None),
        "note": "" if for_resident else event.note,
        "at": event.at,
        "facts": {} if for_resident else event.facts,
    }


CASE_RELATED = (
    "item",
    "board",
    "region",
    "centre",
    "lead_centre",
    "lead_user",
    "lead_department",
    "master",
    "reporter",
)


def _cases_for(request: HttpRequest) -> tuple[QuerySet[Case], Any]:
    """The cases the caller may see, and the user to compute allowed actions for."""
    who = resident(request)
    if who is not None:
        return Case.objects.filter(resident=who), None
    user = staff(request)
    return selectors.visible_cases(user), user


NUMBER = re.compile(r"[0-9]{14}")


def _get(request: HttpRequest, number: str) -> tuple[Case, Any]:
    if not NUMBER.fullmatch(number):
        raise Http404
    queryset, user = _cases_for(request)
    case = queryset.select_related(*CASE_RELATED).filter(number=number).first()
    if case is None:
        raise Http404
    return case, user


def _encode_cursor(case: Case) -> str:
    raw = json.dumps([case.created_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, pk = json.loads(raw)
        return dt.datetime.fromisoformat(created), int(pk)
    except (binascii.Error, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationError({"cursor": [_("游标无效")]}) from exc


# -- catalogue -------------------------------------------------------------------------------


@router.get("/catalogue/boards", response=list[BoardOut], summary="板块")
def boards(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": b.code, "name": b.name} for b in Board.objects.filter(is_active=True)]


@router.get("/catalogue/items", response=list[ItemOut], summary="事项清单")
def items(request: HttpRequest, board: str | None = None) -> list[dict[str, Any]]:
    queryset = Item.objects.filter(is_active=True).select_related("board", "department")
    if board:
        queryset = queryset.filter(board__code=board)
    return [
        {
            "code": i.code,
            "name": i.name,
            "board": i.board.code,
            "level": i.level,
            "department": i.department.name if i.department else None,
            "difficulty": i.difficulty,
            "description": i.description,
            "limits": {
                step: f"{getattr(i, step + '_amount'):g} {getattr(i, step + '_unit')}"
                for step in ("sign", "handle", "verify")
            },
        }
        for i in queryset
    ]


# -- cases -----------------------------------------------------------------------------------


@router.post("/cases", response={201: CaseOut}, summary="上报案件（全科受理）")
def create_case(request: HttpRequest, data: CaseIn) -> Status[dict[str, Any]]:
    who = resident(request)
    fields = data.dict()
    user = None
    if who is not None:
        throttle(
            request,
            "resident-case",
            account=str(who.pk),
            ip_limit=(30, 3600),
            account_limit=(20, 3600),
        )
        channel = Channel.RESIDENT_APP
        if fields["self_handle_result"] is not None:
            raise PermissionDenied(_("群众不能自处置"))
    else:
        user = staff(request)
        client = getattr(user, "client", None) if hasattr(user, "client") else None
        channel = fields["channel"] or (client.channel if client else Channel.PATROL)
    case = services.submit_case(
        channel=channel,
        title=fields["title"],
        description=fields["description"],
        item=fields["item"],
        user=user,
        urgency=fields["urgency"],
        lng=fields["lng"],
        lat=fields["lat"],
        crs=fields["crs"],
        region_path=fields["region"],
        address=fields["address"],
        reporter_name=fields["reporter_name"],
        reporter_phone=fields["reporter_phone"],
        anonymous=fields["anonymous"],
        self_handle_result=fields["self_handle_result"],
        resident=who,
    )
    case = Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)
    return Status(201, case_out(case, user))


@router.get("/cases", response=CaseList, summary="案件列表（游标分页）")
def list_cases(request: HttpRequest, filters: Query[CaseQuery]) -> dict[str, Any]:
    queryset, user = _cases_for(request)
    f = CaseFilter(
        status=filters.status,
        light=filters.light or "",
        board=filters.board or "",
        item=filters.item or "",
        region=filters.region or "",
        channel=filters.channel,
        created_from=filters.created_from,
        created_to=filters.created_to,
        supervision=filters.supervision or "",
        level=filters.level or "",
        q=filters.q or "",
    )
    queryset = f.apply(queryset).select_related(*CASE_RELATED).order_by("-created_at", "-pk")
    if filters.cursor:
        created, pk = _decode_cursor(filters.cursor)
        queryset = queryset.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    page = list(queryset[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    now = timezone.now()
    return {
        "items": [case_out(c, user, now=now) for c in page],
        "next": _encode_cursor(page[-1]) if more and page else None,
    }


@router.get("/cases/{number}", response=CaseOut, summary="案件详情")
def case_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    case, user = _get(request, number)
    return case_out(case, user)


@router.get("/cases/{number}/timeline", response=list[EventOut], summary="案件办理记录")
def case_timeline(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    case, user = _get(request, number)
    events = case.events.select_related("actor").order_by("seq")
    return [event_out(e, for_resident=user is None) for e in events]


@router.post(
    "/cases/{number}/attachments", response={201: CaseOut}, summary="上传照片（JPEG、PNG、WebP）"
)
def upload(
    request: HttpRequest, number: str, photos: File[list[UploadedFile]]
) -> Status[dict[str, Any]]:
    case, user = _get(request, number)
    services.add_photos(case=case, user=user, resident=resident(request), photos=photos)
    case = Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)
    return Status(201, case_out(case, user))


@router.get("/me/queue", response=list[CaseOut], summary="我的待办（按时限排序）")
def my_queue(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    user = staff(request)
    queue = selectors.work_queue(user).select_related(*CASE_RELATED)[: max(1, min(limit, 200))]
    now = timezone.now()
    return [case_out(c, user, now=now) for c in queue]


def _register(action: Action) -> None:
    schema = action_schema(action)
    label = str(ActionChoice(action).label)

    def endpoint(request: HttpRequest, number: str, data: schema) -> dict[str, Any]:  # type: ignore[valid-type]
        user = staff(request)
        payload = data.dict(exclude_none=True)  # type: ignore[attr-defined]
        expected = payload.pop("expected_version", None)
        for key in ("lead",):
            if key in payload:
                payload[key] = dict(payload[key])
        if "co" in payload:
            payload["co"] = [dict(unit) for unit in payload["co"]]
        if not NUMBER.fullmatch(number):
            raise Http404
        event = services.act(
            case=number, user=user, action=action, payload=payload, expected_version=expected
        )
        case = Case.objects.select_related(*CASE_RELATED).get(pk=event.case_id)
        return {"case": case_out(case, user), "event": event_out(event)}

    endpoint.__name__ = f"case_{action.value}"
    router.post(
        f"/cases/{{number}}/{action.value}",
        response=ActionOut,
        summary=label,
        operation_id=f"case_{action.value}",
        url_name=f"case-{action.value}",
    )(endpoint)


for _action in API_ACTIONS:
    _register(_action)
