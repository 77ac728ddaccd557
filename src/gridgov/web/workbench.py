"""The workbench (中屏): queues by role, the case list with every filter, bulk dispatch, and
the case page with every allowed action as a form. Views are thin: selectors to read,
``cases.services`` to act."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.models import User
from gridgov.cases import selectors, services
from gridgov.cases.choices import ActionChoice, Channel, Rating, StatusChoice
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.media import photo_url
from gridgov.cases.models import Case
from gridgov.cases.permissions import current_posts
from gridgov.cases.services import act
from gridgov.cases.workflow import Action, HandlingUnit
from gridgov.core import audit
from gridgov.core.ratelimit import client_address
from gridgov.regions import selectors as regions
from gridgov.web.forms import CaseFilterForm, action_form, payload_of, unit

PAGE_SIZE = 30
SORTS = {
    "due": ["due_at", "pk"],
    "-due": ["-due_at", "-pk"],
    "created": ["created_at", "pk"],
    "-created": ["-created_at", "-pk"],
}
RELATED = ("item", "board", "region", "centre", "lead_user", "lead_department", "lead_centre")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The queues; the first one with work is shown."""
    queues = selectors.queues(request.user)
    counts = {key: q.count() for key, q in queues.items()}
    key = request.GET.get("queue") or next((k for k, n in counts.items() if n), "accept")
    if key not in queues:
        raise Http404
    page = Paginator(queues[key].select_related(*RELATED), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/workbench/home.html",
        {
            "tabs": [(k, selectors.QUEUE_LABELS[k], counts[k]) for k in queues],
            "current": key,
            "page": page,
            "now": timezone.now(),
            "bulk": key == "dispatch" and page.object_list,
            "dispatch_units": _bulk_units(request) if key == "dispatch" else [],
        },
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Every case the user may see, filtered (the same parameters as the API and the big
    screen's links) and sorted."""
    filters = selectors.CaseFilter.from_query(request.GET)
    visible_regions = list(
        regions.visible_regions(request.user)
        .filter(level__in=["county", "township", "village"])
        .only("path", "name")
    )
    form = CaseFilterForm(request.GET or None, regions=visible_regions)
    sort = request.GET.get("sort", "-created")
    queryset = filters.apply(selectors.visible_cases(request.user))
    queryset = queryset.select_related(*RELATED).order_by(*SORTS.get(sort, SORTS["-created"]))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/workbench/list.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "now": timezone.now(),
            "query": query.urlencode(),
            "total": page.paginator.count,
            "by_status": _status_counts(queryset),
            "export_limit": EXPORT_LIMIT,
        },
    )


# ---------------------------------------------------------------------------------------------
# Exports of the case list
# ---------------------------------------------------------------------------------------------

EXPORT_LIMIT = 50_000
EXPORT_HEADER = (
    "案件编号",
    "标题",
    "板块",
    "事项",
    "渠道",
    "状态",
    "所在区划",
    "上报时间",
    "受理时间",
    "办结时间",
    "按期",
    "满意度",
    "牵头单位",
)
# the columns read for an export: never the reporter (name, phone) or the description
EXPORT_FIELDS = (
    "number",
    "title",
    "board__name",
    "item__name",
    "channel",
    "status",
    "region__name",
    "created_at",
    "accepted_at",
    "closed_at",
    "handled_on_time",
    "rating",
    "lead_department__name",
    "lead_centre__name",
    "lead_user__full_name",
    "lead_user__username",
)
EXPORT_CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _export_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[Any]]:
    """The export columns of each case row (times in local time, labels in Chinese)."""
    statuses = {value: str(label) for value, label in StatusChoice.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    ratings = {value: str(label) for value, label in Rating.choices}
    on_time = {True: _("是"), False: _("否"), None: ""}
    for row in rows:
        (number, title, board, item, channel, status, region, created, accepted, closed) = row[:10]
        handled_on_time, rating, department, centre, lead_name, lead_username = row[10:]
        yield [
            number,
            title,
            board,
            item,
            channels.get(channel, channel),
            statuses.get(status, status),
            region,
            _local(created),
            _local(accepted),
            _local(closed),
            on_time[handled_on_time],
            ratings.get(rating, ""),
            department or centre or lead_name or lead_username or "",
        ]


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A naive local time (spreadsheets know no time zones), to the second."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _csv_text(value: Any) -> Any:
    """A cell for CSV: times as text; text that a spreadsheet would read as a formula gets a
    leading apostrophe (titles come from the public)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


class _Echo:
    """A file-like object whose write returns the line (for streaming csv.writer output)."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterator[list[Any]], note: str) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(EXPORT_HEADER)).encode("utf-8")
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([_csv_text(v) for v in row]))
        if len(batch) >= 500:
            yield "".join(batch).encode("utf-8")
            batch = []
    if note:
        batch.append(writer.writerow([note]))
    if batch:
        yield "".join(batch).encode("utf-8")


def _xlsx(rows: Iterator[list[Any]], note: str) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.cell.cell import (  # type: ignore[import-untyped, unused-ignore]
        ILLEGAL_CHARACTERS_RE,
    )
    from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("案件清单"))
    sheet.freeze_panes = "A2"
    widths = (16, 40, 10, 18, 14, 8, 16, 18, 18, 18, 6, 9, 18)
    for column, width in zip("ABCDEFGHIJKLM", widths, strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = []
    for text in EXPORT_HEADER:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def cell_of(value: Any) -> Any:
        """Times become date cells by themselves; text is cleaned and kept as text."""
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):  # text, never a formula
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                return cell
        return value

    for row in rows:
        sheet.append([cell_of(v) for v in row])
    if note:
        sheet.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@login_required
@require_GET
def case_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The case list exactly as filtered and sorted on the page, as Excel (``xlsx``) or CSV
    (``csv``, UTF-8 with a BOM so that Excel reads the Chinese; streamed).

    The same parameters as the list (``CaseFilter.from_query``) over the same jurisdiction
    (``selectors.cases``). No reporter's name or phone and no description: only the columns of
    ``EXPORT_HEADER``. At most ``EXPORT_LIMIT`` (50,000) rows: a longer list is written up to
    the limit in the list's order and a last row says how many were left out, so a file is
    never cut short silently. Every export is written to the audit trail with the filter query,
    the format and the number of rows written."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filters = selectors.CaseFilter.from_query(request.GET)
    sort = request.GET.get("sort", "-created")
    queryset = selectors.cases(request.user, filters).order_by(*SORTS.get(sort, SORTS["-created"]))
    total = queryset.count()
    written = min(total, EXPORT_LIMIT)
    note = ""
    if total > EXPORT_LIMIT:
        note = _(
            "注：筛选结果共 %(total)s 件，超过单次导出上限 %(limit)s 件，本文件只含前 %(limit)s 件"
            "（按页面排序）；请缩小筛选范围（如按上报日期分段）后分批导出。"
        ) % {"total": f"{total:,}", "limit": f"{EXPORT_LIMIT:,}"}
    query = request.GET.copy()
    query.pop("page", None)
    audit.record(
        actor=request.user,
        action="export_cases",
        obj=_staff(request),
        changes={"format": fmt, "query": query.urlencode(), "rows": written, "total": total},
    )
    rows = _export_rows(
        queryset.values_list(*EXPORT_FIELDS)[:EXPORT_LIMIT].iterator(chunk_size=EXPORT_CHUNK)
    )
    filename = _("案件清单-%(day)s.%(fmt)s") % {
        "day": timezone.localdate().strftime("%Y%m%d"),
        "fmt": fmt,
    }
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_stream(rows, note), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(_xlsx(rows, note), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["X-Export-Rows"] = str(written)
    return response


def _status_counts(queryset: Any) -> list[tuple[str, int]]:
    rows = queryset.order_by().values("status").annotate(n=Count("id"))
    return [(str(StatusChoice(r["status"]).label), r["n"]) for r in rows]


def _bulk_units(request: HttpRequest) -> list[tuple[str, str]]:
    """Departments and lower centres for bulk dispatch from the user's centres."""
    from gridgov.accounts.models import Department
    from gridgov.regions.models import Region

    centres = [p.region for p in current_posts(request.user) if p.region]
    units: list[tuple[str, str]] = []
    for centre in centres:
        for child in Region.objects.filter(parent=centre, level__in=["township", "village"]):
            units.append((f"centre:{child.path}", child.name))
    departments = (
        Department.objects.filter(is_active=True)
        .exclude(kind=Department.Kind.PARTY)
        .order_by("code")
    )
    return units + [(f"department:{d.pk}", d.name) for d in departments]


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    numbers = request.POST.getlist("cases")
    target = request.POST.get("lead", "")
    if not numbers or ":" not in target:
        messages.error(request, _("请选择案件和主办单位"))
        return redirect(f"{reverse('work-home')}?queue=dispatch")
    done, failed = 0, []
    for number in numbers[:100]:
        try:
            act(
                case=number,
                user=_staff(request),
                action=Action.DISPATCH,
                payload={"lead": unit(target), "co": []},
            )
            done += 1
        except (CaseConflict, CaseForbidden, CaseNotFound) as exc:
            failed.append(f"{number}：{exc}")
        except ValidationError as exc:
            failed.append(f"{number}：{'；'.join(exc.messages)}")
    if done:
        messages.success(request, _("已派遣 %(n)s 件") % {"n": done})
    for problem in failed:
        messages.error(request, problem)
    return redirect(f"{reverse('work-home')}?queue=dispatch")


def _staff(request: HttpRequest) -> User:
    """The logged-in staff user (the views are login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _case_or_404(request: HttpRequest, number: str) -> Case:
    case = selectors.get_case(request.user, number)
    if case is None:
        raise Http404
    return case


def _may_see_reporter(user: Any, case: Case) -> bool:
    """The centre that owns the case calls the reporter back: it sees the name and may reveal
    the phone."""
    return services.may_reveal_reporter(user, case)


@login_required
@require_POST
def reporter_phone(request: HttpRequest, number: str) -> HttpResponse:
    """Reveal the reporter's phone to the owning centre (a reason is required and recorded);
    the answer is a fragment that replaces the masked number, never cached."""
    case = _case_or_404(request, number)
    try:
        phone = services.reveal_reporter_phone(
            actor=request.user,  # type: ignore[arg-type]
            case=case,
            reason=request.POST.get("reason", ""),
            ip=client_address(request),
        )
    except ValidationError as exc:
        response = HttpResponse(escape(exc.messages[0]), status=400)
    except CaseForbidden as exc:
        response = HttpResponse(escape(exc.message), status=403)
    except CaseConflict as exc:
        response = HttpResponse(escape(exc.message), status=409)
    else:
        response = HttpResponse(f'<span class="revealed">{escape(phone)}</span>')
    response["Cache-Control"] = "no-store"
    return response


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    return render(request, "web/workbench/case.html", _case_context(request, case))


def _case_context(
    request: HttpRequest, case: Case, *, forms: dict[str, Any] | None = None, error: str = ""
) -> dict[str, Any]:
    allowed = selectors.allowed_actions(request.user, case)
    action_forms = []
    for action in allowed:
        form = (forms or {}).get(action.value) or action_form(action, case)
        action_forms.append((action.value, str(ActionChoice(action).label), form))
    reporter = getattr(case, "reporter", None)
    lead = HandlingUnit("user", str(case.lead_user_id)) if case.lead_user_id else None
    return {
        "case": case,
        "now": timezone.now(),
        "light": selectors.light_of(case),
        "events": selectors.timeline(request.user, case),
        "photos": [photo_url(a) for a in case.attachments.order_by("created_at", "pk")],
        "reporter": reporter,
        "show_reporter": _may_see_reporter(request.user, case),
        "action_forms": action_forms,
        "error": error,
        "duplicates": case.duplicate_of.select_related("candidate").order_by("distance_m"),
        "suggested": case.item.department,
        "lead_user": lead,
        "grid": case.region if case.region.level == "grid" else None,
    }


@login_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    case = _case_or_404(request, number)
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    form = action_form(chosen, case, request.POST, request.FILES)
    error = ""
    if form.is_valid():
        photos = request.FILES.getlist(f"{chosen.value}-photos")
        try:
            act(
                case=case,
                user=_staff(request),
                action=chosen,
                payload=payload_of(chosen, form),
                photos=photos,
                expected_version=int(request.POST.get("version") or 0) or None,
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except (CaseConflict, CaseForbidden, CaseNotFound) as exc:
            error = str(exc)
        else:
            messages.success(request, _("%(a)s：已完成") % {"a": ActionChoice(chosen).label})
            return redirect("work-case", number=case.number)
    case.refresh_from_db()
    context = _case_context(request, case, forms={chosen.value: form}, error=error)
    context["open_action"] = chosen.value
    return render(request, "web/workbench/case.html", context, status=400)
