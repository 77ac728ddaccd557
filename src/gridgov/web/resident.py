"""The resident portal at ``/r/``: report a problem without an account, log in by phone, look
a case up by its number and lookup code, and rate it once it is closed.

Nothing here shows staff names, notes or the reporter's contact: a resident sees the status in
plain words and a timeline of action labels and times. A case is shown only to the session that
reported it or looked it up with the right code, or to the logged-in resident it belongs to;
anything else is 404, whether the case exists or not.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.accounts.models import Resident
from gridgov.accounts.tokens import check_phone, send_login_code, verify_login_code
from gridgov.cases import services
from gridgov.cases.choices import ActionChoice, Rating, StatusChoice
from gridgov.cases.errors import CaseConflict
from gridgov.cases.models import Board, Case, Item
from gridgov.cases.workflow import Action, Status
from gridgov.core.apiutil import throttle, throttle_code_check, throttle_code_request
from gridgov.core.privacy import mask_phone
from gridgov.core.ratelimit import RateLimited
from gridgov.regions.models import Region

SESSION_RESIDENT = "resident_id"
SESSION_TRACKED = "resident_tracked"  # numbers this session reported or looked up
SESSION_LAST = "resident_last_report"
TRACKED_LIMIT = 20
NUMBER = re.compile(r"[0-9]{14}")
MAX_PHOTOS = 3

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6

# The steps a resident sees on the timeline; internal ones (warnings, supervision, co-handling,
# extensions, void requests …) are left out.
PUBLIC_ACTIONS = frozenset(
    {
        Action.SUBMIT,
        Action.SELF_HANDLE,
        Action.ACCEPT,
        Action.REJECT,
        Action.MERGE,
        Action.DISPATCH,
        Action.SIGN,
        Action.ESCALATE,
        Action.HANDLE,
        Action.VERIFY_PASS,
        Action.VERIFY_FAIL,
        Action.CALLBACK,
        Action.REOPEN,
        Action.ARCHIVE,
        Action.HOLD,
        Action.RESUME,
        Action.APPROVE_VOID,
    }
)

# The status in plain words.
PLAIN_STATUS: dict[str, Any] = {
    Status.SUBMITTED: gettext_lazy("已收到，等待受理"),
    Status.ACCEPTED: gettext_lazy("已受理，正在安排办理"),
    Status.DISPATCHED: gettext_lazy("已交办，等待办理单位接收"),
    Status.IN_PROGRESS: gettext_lazy("正在办理"),
    Status.HANDLED: gettext_lazy("已办理，正在核实办理结果"),
    Status.CLOSED: gettext_lazy("已办结，请您评价"),
    Status.RATED: gettext_lazy("已办结，感谢您的评价"),
    Status.ARCHIVED: gettext_lazy("已办结"),
    Status.REJECTED: gettext_lazy("不予受理"),
    Status.HELD: gettext_lazy("暂缓办理"),
    Status.VOID_PENDING: gettext_lazy("正在办理"),
    Status.VOIDED: gettext_lazy("已撤销"),
    Status.MERGED: gettext_lazy("已与相同问题合并办理"),
}
STEPS = (
    (gettext_lazy("已提交"), {Status.SUBMITTED}),
    (gettext_lazy("已受理"), {Status.ACCEPTED}),
    (gettext_lazy("办理中"), {Status.DISPATCHED, Status.IN_PROGRESS, Status.HELD}),
    (gettext_lazy("已办结"), {Status.HANDLED, Status.CLOSED, Status.RATED, Status.ARCHIVED}),
)


class LookupFailed(Exception):
    pass


# -- lookup codes ----------------------------------------------------------------------------


def lookup_code(number: str) -> str:
    """The short code a reporter needs with the case number: derived from the number with a
    keyed HMAC (so nothing is stored and numbers cannot be enumerated)."""
    digest = salted_hmac("gridgov.resident-lookup", number, algorithm="sha256").digest()
    value = int.from_bytes(digest[:8], "big")
    return "".join(CODE_ALPHABET[(value >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    code = re.sub(r"[\s-]", "", raw or "").upper()
    return code.replace("O", "0").replace("I", "1").replace("L", "1")


# -- who is asking ---------------------------------------------------------------------------


def current_resident(request: HttpRequest) -> Resident | None:
    rid = request.session.get(SESSION_RESIDENT)
    if not rid:
        return None
    resident = Resident.objects.filter(pk=rid, is_active=True).first()
    if resident is None:
        request.session.pop(SESSION_RESIDENT, None)
    return resident


def _remember(request: HttpRequest, number: str) -> None:
    tracked = [n for n in request.session.get(SESSION_TRACKED, []) if n != number]
    request.session[SESSION_TRACKED] = [number, *tracked][:TRACKED_LIMIT]


def _case_for(request: HttpRequest, number: str) -> Case:
    """The case, if this session reported or looked it up, or it is the resident's own."""
    if not NUMBER.fullmatch(number):
        raise Http404
    allowed = Q(number__in=request.session.get(SESSION_TRACKED, []))
    resident = current_resident(request)
    if resident is not None:
        allowed |= Q(resident=resident)
    case = (
        Case.objects.filter(allowed, number=number)
        .select_related("item", "board", "master")
        .first()
    )
    if case is None:
        raise Http404(_("未找到该案件"))
    return case


def _limited(request: HttpRequest, exc: RateLimited) -> str:
    minutes = max(1, (exc.retry_after + 59) // 60)
    return _("操作过于频繁，请 %(m)s 分钟后再试。") % {"m": minutes}


def _base(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"resident": current_resident(request), **extra}


# -- pages -----------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/resident/home.html", _base(request, tab="home"))


def portal_root() -> Region:
    """The deployment's top region (the county): where an address-only report goes."""
    root = Region.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    if root is None:
        raise Http404(_("平台尚未配置辖区"))
    return root


def _townships(root: Region) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"name": name, "path": path},
        }
        for path, name, geometry in Region.objects.filter(
            parent=root, is_active=True, geometry__isnull=False
        )
        .order_by("path")
        .values_list("path", "name", "geometry")
    ]
    if not features and root.geometry:
        features = [
            {
                "type": "Feature",
                "geometry": root.geometry,
                "properties": {"name": root.name, "path": root.path},
            }
        ]
    return {"type": "FeatureCollection", "features": features}


def _float(raw: str | None) -> float | None:
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


# Where an error of submit_case shows on the resident's form.
FIELD_OF = {
    "title": "description",
    "description": "description",
    "item": "item",
    "lng": "location",
    "lat": "location",
    "region": "location",
    "reporter_phone": "phone",
    "photos": "photos",
}


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    root = portal_root()
    resident = current_resident(request)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        post = request.POST
        values = {
            name: post.get(name, "").strip()
            for name in ("board", "item", "description", "lng", "lat", "address", "name", "phone")
        }
        values["anonymous"] = "on" if post.get("anonymous") else ""
        item = (
            Item.objects.filter(code=values["item"], is_active=True, board__is_active=True).first()
            if values["item"]
            else None
        )
        if item is None:
            errors["item"] = [_("请选择要反映的事项")]
        if not values["description"]:
            errors["description"] = [_("请描述您遇到的问题")]
        elif len(values["description"]) > 2000:
            errors["description"] = [_("问题描述不能超过 2000 个字")]
        lng, lat = _float(values["lng"]), _float(values["lat"])
        if (lng is None or lat is None) and not values["address"]:
            errors["location"] = [_("请在地图上点选位置，或填写详细地址")]
        if len(values["address"]) > 200:
            errors["address"] = [_("地址不能超过 200 个字")]
        if len(values["name"]) > 50:
            errors["name"] = [_("称呼不能超过 50 个字")]
        photos = request.FILES.getlist("photos")
        if len(photos) > MAX_PHOTOS:
            errors["photos"] = [_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}]
        if not errors:
            try:
                throttle(
                    request,
                    "resident-report",
                    account=str(resident.pk) if resident else None,
                    ip_limit=(5, 600),
                    account_limit=(5, 600),
                )
                anonymous = bool(values["anonymous"])
                assert item is not None
                case = services.submit_case(
                    channel="app",
                    user=None,
                    title=_title(item.name, values["description"]),
                    description=values["description"],
                    item=item,
                    lng=lng if lat is not None else None,
                    lat=lat if lng is not None else None,
                    region_path=None if lng is not None and lat is not None else root.path,
                    address=values["address"],
                    reporter_name="" if anonymous else values["name"],
                    reporter_phone="" if anonymous else values["phone"],
                    anonymous=anonymous,
                    photos=photos,
                    resident=resident,
                )
            except RateLimited as exc:
                errors["form"] = [_limited(request, exc)]
                status = 429
            except ValidationError as exc:
                for name, messages_ in exc.message_dict.items():
                    errors.setdefault(FIELD_OF.get(name, "form"), []).extend(messages_)
            else:
                _remember(request, case.number)
                request.session[SESSION_LAST] = case.number
                return redirect("resident-report-done")
        if errors and status == 200:
            status = 400
    boards = list(Board.objects.filter(is_active=True).order_by("sort_order", "code"))
    items = list(
        Item.objects.filter(is_active=True, board__is_active=True)
        .order_by("board__sort_order", "code")
        .values("code", "name", "board__code")
    )
    return render(
        request,
        "web/resident/report.html",
        _base(
            request,
            tab="report",
            root=root,
            boards=boards,
            catalogue={
                "boards": [{"code": b.code, "name": b.name} for b in boards],
                "items": [
                    {"code": i["code"], "name": i["name"], "board": i["board__code"]} for i in items
                ],
            },
            townships=_townships(root),
            values=values,
            errors=errors,
            messages_js={
                "picked": _("已选位置：{lng}, {lat}"),
                "locating": _("正在获取当前位置…"),
                "located": _("已定位：{lng}, {lat}"),
                "locateFailed": _("未能获取位置，请在地图上点选，或填写地址。"),
                "outside": _("该位置不在本平台服务范围内，请重新点选或填写地址。"),
            },
        ),
        status=status,
    )


def _title(item_name: str, description: str) -> str:
    first = re.split(r"[\r\n。！？!?]", description, maxsplit=1)[0].strip()
    if len(first) > 30:
        first = first[:30] + "…"
    return f"{item_name}：{first}"[:100] if first else item_name


def report_done(request: HttpRequest) -> HttpResponse:
    number = request.session.get(SESSION_LAST)
    if not number:
        return redirect("resident-report")
    return render(
        request,
        "web/resident/done.html",
        _base(request, number=number, code=lookup_code(number), tab="report"),
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Look a case up by its number and lookup code."""
    error = ""
    status = 200
    values = {"number": "", "code": ""}
    if request.method == "POST":
        values = {
            "number": re.sub(r"\s", "", request.POST.get("number", "")),
            "code": request.POST.get("code", "").strip(),
        }
        try:
            throttle(request, "resident-lookup", ip_limit=(20, 600))
            number = values["number"]
            if not NUMBER.fullmatch(number) or not constant_time_compare(
                normalise_code(values["code"]), lookup_code(number)
            ):
                raise LookupFailed
            if not Case.objects.filter(number=number).exists():
                raise LookupFailed
        except RateLimited as exc:
            error, status = _limited(request, exc), 429
        except LookupFailed:
            error, status = _("未找到该案件，请核对案件编号和查询码。"), 404
        else:
            _remember(request, number)
            return redirect("resident-case", number=number)
    return render(
        request,
        "web/resident/track.html",
        _base(request, tab="track", error=error, values=values),
        status=status,
    )


def _timeline(case: Case) -> list[dict[str, Any]]:
    return [
        {"label": ActionChoice(action).label, "at": at}
        for action, at in case.events.filter(action__in=[a.value for a in PUBLIC_ACTIONS])
        .order_by("seq")
        .values_list("action", "at")
    ]


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    shown = case.followed_status
    step = next((i for i, (_label, states) in enumerate(STEPS) if shown in states), None)
    return _base(
        request,
        case=case,
        plain_status=PLAIN_STATUS.get(shown, StatusChoice(shown).label),
        steps=[
            {"label": label, "done": step is not None and i <= step}
            for i, (label, _s) in enumerate(STEPS)
        ],
        timeline=_timeline(case),
        can_rate=case.status == Status.CLOSED,
        ratings=Rating.choices,
        rating_label=Rating(case.rating).label if case.rating else "",
        tab="track",
        **extra,
    )


def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    return render(request, "web/resident/case.html", _case_context(request, case))


@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    """The reporter's rating (满意 / 基本满意 / 不满意), once the case is closed; once."""
    case = _case_for(request, number)
    rating = request.POST.get("rating", "")
    error = ""
    if rating not in Rating.values:
        error = _("请选择满意、基本满意或不满意")
    elif case.status != Status.CLOSED:
        error = _("该案件已评价，或尚未办结，暂不能评价。")
    else:
        try:
            services.resident_rating(case=case, rating=rating)
        except (CaseConflict, ValidationError):
            error = _("该案件已评价，或尚未办结，暂不能评价。")
    if error:
        case = _case_for(request, number)
        return render(
            request,
            "web/resident/case.html",
            _case_context(request, case, rate_error=error),
            status=400,
        )
    messages.success(request, _("感谢您的评价！"))
    return redirect("resident-case", number=number)


# -- phone login -----------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("resident-mine")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Two steps: send a code to the phone, then check it."""
    step, phone, error, status = "phone", "", "", 200
    errors: dict[str, str] = {}
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip()
        try:
            phone = check_phone(phone)
            if request.POST.get("step") == "code":
                step = "code"
                throttle_code_check(request, phone)
                resident = verify_login_code(phone=phone, code=request.POST.get("code", ""))
                request.session.cycle_key()
                request.session[SESSION_RESIDENT] = resident.pk
                messages.success(request, _("登录成功"))
                return redirect(_next_url(request))
            throttle_code_request(request, phone)
            send_login_code(phone=phone)
            step = "code"
        except ValidationError as exc:
            errors = {k: "；".join(v) for k, v in exc.message_dict.items()}
            status = 400
        except RateLimited as exc:
            error, status = _limited(request, exc), 429
    return render(
        request,
        "web/resident/login.html",
        _base(
            request,
            tab="mine",
            step=step,
            phone=phone,
            masked=mask_phone(phone) if step == "code" else "",
            errors=errors,
            error=error,
            next=request.POST.get("next") or request.GET.get("next") or "",
        ),
        status=status,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    for key in (SESSION_RESIDENT, SESSION_TRACKED, SESSION_LAST):
        request.session.pop(key, None)
    return redirect("resident-home")


def mine(request: HttpRequest) -> HttpResponse:
    resident = current_resident(request)
    if resident is None:
        return redirect(f"{reverse('resident-login')}?next={reverse('resident-mine')}")
    cases = list(
        Case.objects.filter(resident=resident)
        .select_related("item", "master")
        .order_by("-created_at")[:50]
    )
    rows = [{"case": c, "plain_status": PLAIN_STATUS.get(c.followed_status, "")} for c in cases]
    return render(request, "web/resident/mine.html", _base(request, tab="mine", rows=rows))
