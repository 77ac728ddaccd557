"""The GeoReport v2 endpoints: parse the parameters, call a selector or the service, render.

Every endpoint answers in ``.json`` or ``.xml``; every error is the specification's error
list with the HTTP status as its code.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridgov.accounts.models import IntegrationClient
from gridgov.accounts.tokens import authenticate_api_key
from gridgov.core.ratelimit import Limit, RateLimited, client_ip, hit
from gridgov.open311 import config, mapping, selectors
from gridgov.open311.errors import Open311Error
from gridgov.open311.models import Open311Token
from gridgov.open311.render import FORMATS, render
from gridgov.open311.services import Submission, create_request

View = Callable[..., HttpResponse]
READ = ("GET", "HEAD")
_SPACED_OFFSET = re.compile(r"^(.*T[\d:.]+) (\d\d(:?\d\d)?)$")


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(render(fmt, root, data), content_type=FORMATS[fmt], status=status)


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    response = respond(fmt, "errors", error.document(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def endpoint(methods: tuple[str, ...] = READ) -> Callable[[View], View]:
    """Check the format, the method and ``jurisdiction_id``; turn :class:`Open311Error` into
    the error document."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                error = Open311Error(
                    404, _("不支持的格式“%(fmt)s”，请用 json 或 xml") % {"fmt": fmt[:20]}
                )
                return error_response("xml", error)
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        _("不支持 %(method)s 请求") % {"method": request.method},
                        headers={"Allow": ", ".join(methods)},
                    )
                _check_jurisdiction(request)
                return view(request, fmt, *args, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error)

        return wrapper

    return decorate


def param(request: HttpRequest, name: str) -> str:
    """A parameter from the POST body, else the query string; stripped, empty if absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name)
    if value and "\x00" in value:  # PostgreSQL can neither store nor compare it
        raise Open311Error(400, _("%(name)s 不能包含空字符") % {"name": name[:40]})
    return (value or "").strip()


def _check_jurisdiction(request: HttpRequest) -> None:
    given = param(request, "jurisdiction_id")
    if given and given != config.jurisdiction_id():
        raise Open311Error(
            404, _("jurisdiction_id“%(id)s”不是本平台的辖区代码") % {"id": given[:50]}
        )


def _client(request: HttpRequest, *, required: bool) -> IntegrationClient | None:
    raw = param(request, "api_key")
    if not raw:
        if required:
            raise Open311Error(403, _("缺少 api_key：提交诉求需要平台发放的 API 密钥"))
        return None
    client = authenticate_api_key(raw)
    if client is None or not client.user.is_active:
        raise Open311Error(403, _("api_key 无效或已停用"))
    return client


def _limit(scope: str, key: str, limit: Limit) -> None:
    try:
        hit(scope, key, limit)
    except RateLimited as exc:
        raise Open311Error(
            429,
            _("请求过于频繁，请 %(s)s 秒后再试") % {"s": exc.retry_after},
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc


# -- discovery and services ------------------------------------------------------------------


def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's base URL points at its discovery document."""
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "xml"}))


@endpoint()
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    document = mapping.discovery(
        url=request.build_absolute_uri(reverse("open311:root")),
        changeset=selectors.catalogue_changed_at(),
        contact=config.contact(),
    )
    return respond(fmt, "discovery", document)


@endpoint()
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "services", [mapping.service(i) for i in selectors.active_items()])


@endpoint()
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    item = selectors.active_items().filter(code=service_code).first()
    if item is None:
        raise Open311Error(404, _("服务代码“%(code)s”不存在或已停用") % {"code": service_code})
    return respond(fmt, "service_definition", mapping.service_definition(item))


# -- service requests ------------------------------------------------------------------------


@csrf_exempt
@endpoint(methods=(*READ, "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    client = _client(request, required=False)
    cases = selectors.find_requests(client, _request_query(request))
    documents = mapping.requests(
        cases, full=client is not None, absolute_url=request.build_absolute_uri
    )
    return respond(fmt, "service_requests", documents)


@endpoint()
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    client = _client(request, required=False)
    case = selectors.find_request(client, service_request_id)
    if case is None:
        raise Open311Error(
            404, _("诉求编号“%(id)s”不存在或无权查看") % {"id": service_request_id[:40]}
        )
    documents = mapping.requests(
        [case], full=client is not None, absolute_url=request.build_absolute_uri
    )
    return respond(fmt, "service_requests", documents)


@endpoint()
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    found = Open311Token.objects.filter(token=token).select_related("case").first()
    if found is None:
        raise Open311Error(404, _("令牌不存在"))
    return respond(
        fmt, "service_requests", [mapping.token_document(found.token, found.case.number)]
    )


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    _limit("open311-ip", client_ip(request), config.ip_limit())
    client = _client(request, required=True)
    assert client is not None
    _limit("open311-key", client.code, config.key_limit())
    code = param(request, "service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code（服务代码）"))
    item = selectors.active_items().filter(code=code).first()
    if item is None:
        raise Open311Error(404, _("服务代码“%(code)s”不存在或已停用") % {"code": code[:40]})
    lat, lng = _point(request)
    submission = Submission(
        item=item,
        description=param(request, "description"),
        lng=lng,
        lat=lat,
        address_string=param(request, "address_string"),
        address_id=param(request, "address_id"),
        first_name=param(request, "first_name"),
        last_name=param(request, "last_name"),
        phone=param(request, "phone"),
        account_id=param(request, "account_id"),
        media_url=param(request, "media_url"),
        urgency=param(request, "attribute[urgency]"),
        address_detail=param(request, "attribute[address_detail]"),
    )
    try:
        new = create_request(client=client, submission=submission)
    except ValidationError as exc:
        raise Open311Error(400, _first_messages(exc)) from exc
    document = mapping.created(new.case, token=new.token.token, account_id=submission.account_id)
    return respond(fmt, "service_requests", [document])


def _point(request: HttpRequest) -> tuple[float | None, float | None]:
    raw_lat, raw_lng = param(request, "lat"), param(request, "long")
    if not raw_lat and not raw_lng:
        return None, None
    if not raw_lat or not raw_lng:
        raise Open311Error(400, _("lat 与 long 需同时提供"))
    try:
        lat, lng = float(raw_lat), float(raw_lng)
    except ValueError:
        raise Open311Error(400, _("lat、long 应为数字（WGS-84 经纬度）")) from None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise Open311Error(400, _("lat、long 应为数字（WGS-84 经纬度）"))
    return lat, lng


def _first_messages(exc: ValidationError) -> str:
    """The first message of each field, joined."""
    if hasattr(exc, "error_dict"):
        return "；".join(messages[0] for messages in exc.message_dict.values() if messages)
    return "；".join(exc.messages)


def _request_query(request: HttpRequest) -> selectors.RequestQuery:
    numbers = _list(param(request, "service_request_id"))
    if numbers:
        return selectors.RequestQuery(numbers=numbers)
    statuses = frozenset(s.lower() for s in _list(param(request, "status")))
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise Open311Error(
            400, _("status 只能是 open 或 closed，收到：%(s)s") % {"s": ",".join(sorted(unknown))}
        )
    start = _when(request, "start_date")
    end = _when(request, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - selectors.WINDOW
    if end is None:
        end = start + selectors.WINDOW
    if end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date"))
    if end - start > selectors.WINDOW:
        raise Open311Error(400, _("start_date 与 end_date 相隔不能超过 90 天"))
    return selectors.RequestQuery(
        service_codes=_list(param(request, "service_code")),
        start=start,
        end=end,
        statuses=statuses,
    )


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _when(request: HttpRequest, name: str) -> dt.datetime | None:
    """A w3 date-time (``2026-11-01T00:00:00+08:00``, ``…Z``) or a date; without an offset
    it is local time. A '+' sent unencoded arrives as a space and is read back as '+'."""
    raw = param(request, name)
    if not raw:
        return None
    raw = _SPACED_OFFSET.sub(r"\1+\2", raw)
    value: dt.datetime | None
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            value = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400,
            _("%(name)s 应为 ISO 8601 时间，例如 2026-11-01T00:00:00+08:00") % {"name": name},
        )
    return timezone.make_aware(value) if timezone.is_naive(value) else value
