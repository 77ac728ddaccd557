"""The workbench (中屏): queues by role, the case list with every filter, bulk dispatch, and
the case page with every allowed action as a form. Views are thin: selectors to read,
``cases.services`` to act."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.models import User
from gridgov.cases import selectors
from gridgov.cases.choices import ActionChoice
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.media import photo_url
from gridgov.cases.models import Case
from gridgov.cases.permissions import current_posts
from gridgov.cases.services import act, kinds_of, state_of
from gridgov.cases.workflow import Action, Actor, HandlingUnit
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
        },
    )


def _status_counts(queryset: Any) -> list[tuple[str, int]]:
    from gridgov.cases.choices import StatusChoice

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
    departments = Department.objects.filter(is_active=True).order_by("code")
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
    """The centre that owns the case calls the reporter back: it sees the contact."""
    return Actor.CENTRE in kinds_of(user, case, state_of(case))


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
