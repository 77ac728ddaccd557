"""Workbench pages of 双报到 and the needs (微心愿、服务项目、双呼叫): the registrations list
with the figures per grid and per unit, registering, the registration page (assign a grid, end,
record service hours), the needs list, publishing, and the need page with its claims (claim for
a registration, withdraw, report, confirm, cancel)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts.models import Department
from gridgov.core.jurisdiction import restrict
from gridgov.party import access, figures, selectors, services
from gridgov.party import choices as c
from gridgov.party.models import Claim, Need, ServiceRegistration
from gridgov.regions.choices import Level
from gridgov.web import party as p
from gridgov.web import registry as base
from gridgov.web.party_forms import (
    AssignForm,
    ClaimForm,
    NeedFilterForm,
    NeedForm,
    ReasonForm,
    RegistrationFilterForm,
    RegistrationForm,
    ReportForm,
    ServiceRecordForm,
)

LIVE = (c.RegistrationState.REGISTERED, c.RegistrationState.ASSIGNED)


def registration_label(reg: ServiceRegistration) -> str:
    who = reg.member.person.name if reg.member_id and reg.member else str(reg.unit)
    where = reg.grid.name if reg.grid_id and reg.grid else reg.community.name
    return f"{who}（{where}）"


@login_required
@require_GET
def registrations_list(request: HttpRequest) -> HttpResponse:
    """The registrations (filters: state, community, grid, kind) and the figures per grid and
    per unit of the chosen region."""
    user = request.user
    params = request.GET.copy()
    state = params.get("state") or "live"  # the live ones unless asked otherwise
    params["state"] = "" if state == "all" else state
    queryset = (
        selectors.registrations(user, selectors.RegistrationFilter.from_params(params))
        .select_related("member__person", "unit", "community", "grid")
        .order_by("-state", "region_path", "-registered_at", "id")
    )
    page = base.paginate(request, queryset)
    region = p.chosen_region(request) if not request.GET.get("community") else None
    community = (request.GET.get("community") or "").strip()[:18]
    figures_path = community or (region.path if region else "")
    by_grid = figures.sinking(user, figures_path, by="grid") if figures_path else []
    by_unit = figures.sinking(user, figures_path, by="unit") if figures_path else []
    return render(
        request,
        "web/party/sinking.html",
        {
            "form": RegistrationFilterForm(
                request.GET or None,
                communities=p.level_choices(user, Level.VILLAGE),
                grids=p.level_choices(user, Level.GRID),
            ),
            "page": page,
            "rows": list(page.object_list),
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "by_grid": by_grid,
            "by_unit": by_unit,
            "may_register": base.may_write(user),
            "section": "sinking",
        },
    )


def _units(user: Any) -> list[tuple[str, str]]:
    rows = restrict(Department.objects.filter(is_active=True), user).order_by(
        "region__path", "code"
    )
    return [(str(d.pk), d.name) for d in rows[: p.CHOICES_LIMIT]]


@login_required
@require_http_methods(["GET", "POST"])
def registration_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    base.require_write(user)
    form = RegistrationForm(
        request.POST or None,
        members=p.member_choices(user, in_service=True),
        units=_units(user),
        communities=p.level_choices(user, Level.VILLAGE),
        initial={"kind": "member"},
    )
    status = 200
    if request.method == "POST":
        form.is_valid()
        data = form.cleaned_data
        kind = data.get("kind") or ""
        reg, status = p.attempt(
            form,
            lambda: services.register_service(
                actor=base.staff(request),
                kind=kind,
                community=data.get("community") or "",
                member_id=(data.get("member") or None) if kind != "unit" else None,
                unit_id=(data.get("unit") or None) if kind == "unit" else None,
                skills=data.get("skills") or "",
            ),
        )
        if reg is not None:
            return p.done(request, _("已报到"), "party-registration", reg.pk)
    return render(
        request,
        "web/party/registration_form.html",
        {"form": form, "section": "sinking"},
        status=status,
    )


def _registration(user: Any, pk: int) -> ServiceRegistration:
    reg = (
        selectors.registrations(user, selectors.RegistrationFilter(state=""))
        .select_related("member__person", "member__organisation", "unit", "community", "grid")
        .filter(pk=pk)
        .first()
    )
    if reg is None:
        raise Http404
    return reg


def _registration_context(
    request: HttpRequest, reg: ServiceRegistration, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    live = reg.state in LIVE
    manage = p.may_manage(user, reg.region_path) and live
    grids = [
        (r, n) for r, n in p.level_choices(user, Level.GRID) if r.startswith(reg.community.path)
    ]
    context: dict[str, Any] = {
        "reg": reg,
        "records": list(
            reg.service_records.select_related("recorded_by").order_by("-day", "-id")[:50]
        ),
        "claims": list(reg.claims.select_related("need").order_by("-claimed_at")[:50]),
        "may_manage": manage,
        "may_end": live and access.may_act_for_registration(user, reg),
        "may_record": live and reg.grid is not None and p.may_record_hours(user, reg.grid.path),
        "open": forms.get("open", ""),
        "section": "sinking",
    }
    if manage:
        context["assign_form"] = forms.get("assign") or AssignForm(
            grids=grids, initial={"grid": reg.grid.path if reg.grid else ""}
        )
    if context["may_end"]:
        context["end_form"] = forms.get("end") or ReasonForm()
    if context["may_record"]:
        context["hours_form"] = forms.get("hours") or ServiceRecordForm(
            initial={"day": timezone.localdate().isoformat()}
        )
    return context


@login_required
@require_GET
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reg = _registration(request.user, pk)
    return render(request, "web/party/registration.html", _registration_context(request, reg))


def _reg_failed(request: HttpRequest, pk: int, key: str, form: Any, status: int) -> HttpResponse:
    reg = _registration(request.user, pk)
    context = _registration_context(request, reg, {key: form, "open": key})
    return render(request, "web/party/registration.html", context, status=status)


@login_required
@require_POST
def registration_assign(request: HttpRequest, pk: int) -> HttpResponse:
    reg = _registration(request.user, pk)
    form = AssignForm(request.POST, grids=[])
    form.is_valid()
    result, status = p.attempt(
        form,
        lambda: services.assign_registration(
            actor=base.staff(request),
            registration_id=reg.pk,
            grid=form.cleaned_data.get("grid") or "",
        ),
    )
    if result is not None:
        return p.done(request, _("已分配下沉网格"), "party-registration", reg.pk)
    return _reg_failed(request, reg.pk, "assign", form, status)


@login_required
@require_POST
def registration_end(request: HttpRequest, pk: int) -> HttpResponse:
    reg = _registration(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    result, status = p.attempt(
        form,
        lambda: services.end_registration(
            actor=base.staff(request),
            registration_id=reg.pk,
            reason=form.cleaned_data.get("reason") or "",
        ),
    )
    if result is not None:
        return p.done(request, _("已结束报到"), "party-registration", reg.pk)
    return _reg_failed(request, reg.pk, "end", form, status)


@login_required
@require_POST
def registration_hours(request: HttpRequest, pk: int) -> HttpResponse:
    reg = _registration(request.user, pk)
    form = ServiceRecordForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    result, status = p.attempt(
        form,
        lambda: services.record_service(
            actor=base.staff(request),
            registration_id=reg.pk,
            day=data.get("day") or "",
            hours=data.get("hours") or "",
            content=data.get("content") or "",
        ),
    )
    if result is not None:
        return p.done(request, _("已记录服务时长"), "party-registration", reg.pk)
    return _reg_failed(request, reg.pk, "hours", form, status)


# -- needs -----------------------------------------------------------------------------------


@login_required
@require_GET
def needs_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = (
        selectors.needs(user, selectors.NeedFilter.from_params(request.GET))
        .select_related("region")
        .order_by("-published_at", "-id")
    )
    page = base.paginate(request, queryset)
    return render(
        request,
        "web/party/needs.html",
        {
            "form": NeedFilterForm(request.GET or None, regions=p.region_choices(user)),
            "page": page,
            "rows": list(page.object_list),
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_publish": bool(p.level_choices(user, Level.VILLAGE, Level.GRID, act=True)),
            "section": "needs",
        },
    )


def _need_regions(user: Any) -> list[tuple[str, str]]:
    return p.level_choices(user, Level.VILLAGE, Level.GRID, act=True)


@login_required
@require_http_methods(["GET", "POST"])
def need_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    base.require_write(user)
    choices = _need_regions(user)
    initial = {"kind": "wish", "slots": "1", "region": choices[0][0] if len(choices) == 1 else ""}
    form = NeedForm(request.POST or None, regions=choices, initial=initial)
    status = 200
    if request.method == "POST":
        form.is_valid()
        values = dict(form.cleaned_data)
        values["due_on"] = values.get("due_on") or None
        need, status = p.attempt(
            form, lambda: services.publish_need(actor=base.staff(request), values=values)
        )
        if need is not None:
            return p.done(request, _("已发布"), "party-need", need.pk)
    return render(
        request, "web/party/need_form.html", {"form": form, "section": "needs"}, status=status
    )


def _claim_choices(user: Any, need: Need) -> list[tuple[str, str]]:
    community = need.region_path[:12]
    rows = (
        selectors.registrations(user, selectors.RegistrationFilter(community=community))
        .filter(state__in=LIVE)
        .exclude(claims__need=need, claims__state__in=["claimed", "reported", "confirmed"])
        .select_related("member__person", "unit", "community", "grid")
    )
    return [
        (str(r.pk), registration_label(r))
        for r in rows[: p.CHOICES_LIMIT]
        if access.may_act_for_registration(user, r)
    ]


def _need_context(
    request: HttpRequest, need: Need, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    live = need.state in (c.NeedState.OPEN, c.NeedState.CLAIMED)
    claims = list(
        need.claims.select_related(
            "registration__member__person", "registration__unit", "registration__grid"
        ).order_by("claimed_at", "id")
    )
    may_confirm = p.may_manage(user, need.region_path)
    rows = []
    for claim in claims:
        rows.append(
            {
                "claim": claim,
                "who": registration_label(claim.registration),
                "live": claim.state in (c.ClaimState.CLAIMED, c.ClaimState.REPORTED),
                "may_act": access.may_act_for_registration(user, claim.registration),
                "report_form": forms.get(f"report-{claim.pk}")
                or (ReportForm() if claim.state == c.ClaimState.CLAIMED else None),
                "withdraw_form": forms.get(f"withdraw-{claim.pk}") or ReasonForm(),
                "open": str(forms.get("open", "")).removesuffix(f"-{claim.pk}"),
            }
        )
    claim_choices = _claim_choices(user, need) if need.state == c.NeedState.OPEN else []
    return {
        "need": need,
        "claims": rows,
        "may_claim": bool(claim_choices),
        "may_confirm": may_confirm,
        "may_cancel": p.may_publish(user, need.region_path) and live,
        "claim_form": forms.get("claim") or (ClaimForm(registrations=claim_choices)),
        "cancel_form": forms.get("cancel") or ReasonForm(),
        "open": forms.get("open", ""),
        "section": "needs",
    }


@login_required
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.get_need(request.user, pk)
    return render(request, "web/party/need.html", _need_context(request, need))


def _need_failed(request: HttpRequest, pk: int, key: str, form: Any, status: int) -> HttpResponse:
    need = selectors.get_need(request.user, pk)
    context = _need_context(request, need, {key: form, "open": key})
    return render(request, "web/party/need.html", context, status=status)


@login_required
@require_POST
def need_claim(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.get_need(request.user, pk)
    form = ClaimForm(request.POST, registrations=[])
    form.is_valid()
    claim, status = p.attempt(
        form,
        lambda: services.claim_need(
            actor=base.staff(request),
            need_id=need.pk,
            registration_id=form.cleaned_data.get("registration") or None,
        ),
    )
    if claim is not None:
        return p.done(request, _("已认领"), "party-need", need.pk)
    return _need_failed(request, need.pk, "claim", form, status)


@login_required
@require_POST
def need_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.get_need(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    result, status = p.attempt(
        form,
        lambda: services.cancel_need(
            actor=base.staff(request), need_id=need.pk, reason=form.cleaned_data.get("reason") or ""
        ),
    )
    if result is not None:
        return p.done(request, _("已撤销"), "party-need", need.pk)
    return _need_failed(request, need.pk, "cancel", form, status)


def _claim(user: Any, pk: int) -> Claim:
    claim = restrict(Claim.objects.filter(pk=pk), user).first()
    if claim is None:
        raise Http404
    return claim


@login_required
@require_POST
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Withdraw, report or confirm one claim."""
    claim = _claim(request.user, pk)
    actor = base.staff(request)
    form: Any
    if action == "withdraw":
        form = ReasonForm(request.POST)
        form.is_valid()
        result, status = p.attempt(
            form,
            lambda: services.withdraw_claim(
                actor=actor, claim_id=claim.pk, reason=form.cleaned_data.get("reason") or ""
            ),
        )
        message = _("已退出认领")
    elif action == "report":
        form = ReportForm(request.POST)
        form.is_valid()
        result, status = p.attempt(
            form,
            lambda: services.report_claim(
                actor=actor,
                claim_id=claim.pk,
                result=form.cleaned_data.get("result") or "",
                hours=form.cleaned_data.get("hours") or "",
            ),
        )
        message = _("已报告办结，待社区确认")
    elif action == "confirm":
        form = ReasonForm()
        result, status = p.attempt(
            form, lambda: services.confirm_claim(actor=actor, claim_id=claim.pk)
        )
        message = _("已确认完成，服务时长已计入")
    else:
        raise Http404
    if result is not None:
        return p.done(request, message, "party-need", claim.need_id)
    if action == "confirm":
        errors = [str(e) for errs in form.errors.values() for e in errs]
        need = selectors.get_need(request.user, claim.need_id)
        context = _need_context(request, need)
        context["error"] = "；".join(errors)
        return render(request, "web/party/need.html", context, status=status)
    return _need_failed(request, claim.need_id, f"{action}-{claim.pk}", form, status)
