"""The JSON API v1 (django-ninja): authentication, the one error shape, and the routers of
each app. Mounted at /api/v1/; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs (assets
served by the app itself, no CDN)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from gridgov.accounts.tokens import authenticate_token
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.core.ratelimit import RateLimited
from gridgov.mediation.errors import MediationConflict
from gridgov.ops.errors import OpsConflict
from gridgov.party.errors import PartyConflict
from gridgov.registry.errors import RegistryConflict


class BearerAuth(HttpBearer):
    """``Authorization: Bearer ggt_…`` — a staff user's, an integration client's or a
    resident's token."""

    openapi_description = "令牌：工作人员、接入系统或群众（手机验证码登录）"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = authenticate_token(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        if found.resident is not None:
            request.resident = found.resident  # type: ignore[attr-defined]
            return found.resident
        user = found.user or (found.client.user if found.client else None)
        request.user = user  # type: ignore[assignment]
        return user


class StaffSession(SessionAuth):
    """The web UI's session (with CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and getattr(user, "is_active", False) else None


NUL_MESSAGE = gettext_lazy("不能包含空字符")


def _nul_fields(data: Any, path: str = "") -> list[str]:
    """The fields (dotted paths) of parsed input holding a NUL character anywhere."""
    if isinstance(data, str):
        return [path or "__all__"] if "\x00" in data else []
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            found += [name] if "\x00" in str(key) else _nul_fields(value, name)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _nul_fields(value, f"{path}.{index}" if path else str(index))
    return found


class NulFreeParser(Parser):
    """JSON bodies, query strings and forms with a NUL character (PostgreSQL can neither
    store nor compare it) are refused with the field named, before any view runs."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        _refuse_nul(data)
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        result = super().parse_querydict(data, list_fields, request)
        _refuse_nul(result)
        return result


def _refuse_nul(data: Any) -> None:
    fields = _nul_fields(data)
    if fields:
        raise ValidationError({name: [NUL_MESSAGE] for name in fields})


api = NinjaAPI(
    title="gridgov API",
    version="1",
    description=(
        "党建引领网格化服务管理平台 API。错误统一为 "
        '`{"error": {"code", "message", "fields"}}`；辖区外的资源一律返回 404。'
    ),
    urls_namespace="api-v1",
    parser=NulFreeParser(),
    auth=[BearerAuth(), StaffSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error(request, 400, "invalid", _("输入有误，请检查各项内容"), fields)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals in the one error shape. A body that our parser refused (a NUL
    character) keeps its field-level message; one that is not JSON at all says so."""
    if isinstance(exc.__cause__, ValidationError):
        return _invalid(request, exc.__cause__)
    if exc.__cause__ is not None and exc.status_code == 400:
        return error(request, 400, "invalid_body", _("请求内容不是有效的 JSON"))
    return error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(SchemaValidationError)
def _schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in ("body", "query", "path", "form", "file", "header"):
            location = location[1:]
        if len(location) > 1 and location[0] in PARAMETER_NAMES:
            location = location[1:]  # the view's parameter, not a field the caller sent
        name = ".".join(location) or "__all__"
        fields.setdefault(name, []).append(_schema_message(item))
    return error(request, 422, "unprocessable", _("请求格式不符合接口定义"), fields)


PARAMETER_NAMES = frozenset({"data", "filters", "point", "photos"})


def _schema_message(item: dict[str, Any]) -> str:
    kind = str(item.get("type", ""))
    if kind == "missing":
        return _("此项必填")
    if kind.startswith(("int", "float")):
        return _("应为数字")
    if kind.startswith("bool"):
        return _("应为 true 或 false")
    if kind in ("literal_error", "enum"):
        return _("取值不在允许范围内")
    if "datetime" in kind or "date" in kind:
        return _("日期时间格式不对（ISO 8601）")
    return str(item.get("msg", _("格式不对")))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request,
        401,
        "unauthenticated",
        _("请先登录或提供有效的令牌"),
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(CaseForbidden)
@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 403, "forbidden", str(exc) or _("您没有权限执行此操作"))


@api.exception_handler(CaseNotFound)
@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 404, "not_found", _("资源不存在或不在您的辖区内"))


@api.exception_handler(CaseConflict)
def _conflict(request: HttpRequest, exc: CaseConflict) -> HttpResponse:
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(RegistryConflict)
def _registry_conflict(request: HttpRequest, exc: RegistryConflict) -> HttpResponse:
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(PartyConflict)
def _party_conflict(request: HttpRequest, exc: PartyConflict) -> HttpResponse:
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(OpsConflict)
def _ops_conflict(request: HttpRequest, exc: OpsConflict) -> HttpResponse:
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(MediationConflict)
def _mediation_conflict(request: HttpRequest, exc: MediationConflict) -> HttpResponse:
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return error(
        request,
        429,
        "rate_limited",
        _("请求过于频繁，请 %(s)s 秒后再试") % {"s": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )


def _add_routers() -> None:
    from gridgov.accounts.api import router as accounts_router
    from gridgov.cases.api import router as cases_router
    from gridgov.core.api import router as core_router
    from gridgov.mediation.api import router as mediation_router
    from gridgov.metrics.api import router as metrics_router
    from gridgov.ops.api import router as ops_router
    from gridgov.party.api import router as party_router
    from gridgov.regions.api import router as regions_router
    from gridgov.registry.api import router as registry_router

    api.add_router("/", accounts_router)
    api.add_router("/", regions_router)
    api.add_router("/", cases_router)
    api.add_router("/", core_router)
    api.add_router("/", metrics_router)
    api.add_router("/", registry_router)
    api.add_router("/", party_router)
    api.add_router("/", ops_router)
    api.add_router("/", mediation_router)


_add_routers()
