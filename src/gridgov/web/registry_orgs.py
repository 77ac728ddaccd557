"""Workbench pages of the organisations register (法人单位): the list, the page (with the reveal
of the phone and the visits), new and edit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.core.jurisdiction import can
from gridgov.core.privacy import mask_name
from gridgov.registry import choices as c
from gridgov.registry import selectors, services
from gridgov.registry.errors import RegistryConflict
from gridgov.registry.models import Organisation
from gridgov.registry.selectors import OrganisationFilter
from gridgov.web import registry as base
from gridgov.web.registry_forms import (
    OrganisationFilterForm,
    OrganisationForm,
    VisitForm,
    apply_errors,
)
from gridgov.web.registry_people import reveal_view

ORG_FIELDS = (
    "credit_code",
    "name",
    "kind",
    "legal_rep",
    "address",
    "employees",
    "industry",
    "founded_on",
    "state",
    "note",
)


def legal_rep_shown(user: Any, org: Organisation) -> str:
    """The legal representative's name: whole for a post that may reveal here, else 张*."""
    if selectors.may_reveal(user, org):
        return org.legal_rep
    return mask_name(org.legal_rep)


@login_required
@require_GET
def orgs_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    flt = OrganisationFilter.from_params(request.GET)
    queryset = (
        selectors.organisations(user, flt)
        .select_related("region__parent")
        .order_by("region_path", "name", "id")
    )
    page = base.paginate(request, queryset)
    return render(
        request,
        "web/registry/orgs.html",
        {
            "form": OrganisationFilterForm(request.GET or None, regions=base.region_choices(user)),
            "page": page,
            "rows": [{"o": o, "legal_rep": legal_rep_shown(user, o)} for o in page.object_list],
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_write": base.may_write(user),
            "section": "orgs",
        },
    )


def _org_context(
    request: HttpRequest, org: Organisation, *, visit_form: Any = None
) -> dict[str, Any]:
    user = request.user
    may_act = can(user, org, "act")
    context: dict[str, Any] = {
        "org": org,
        "legal_rep": legal_rep_shown(user, org),
        "may_act": may_act,
        "may_reveal": selectors.may_reveal(user, org),
        "visits": list(selectors.visits(user, organisation=org)[:30]),
        "tab": "history" if request.GET.get("tab") == "history" else "main",
        "open": "visit" if visit_form is not None else "",
        "section": "orgs",
        "reveal_url": reverse("registry-org-reveal", args=[org.pk]),
    }
    if context["tab"] == "history":
        changes = selectors.changes_of(user, "organisation", org.pk)[:200]
        context["changes"] = base.change_rows(changes, Organisation)
        if context["may_reveal"]:
            context["reveals"] = list(selectors.reveals_of(user, "organisation", org.pk)[:200])
    if may_act:
        context["visit_form"] = visit_form or VisitForm(initial={"kind": "organisation"})
    return context


@login_required
@require_GET
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation(request.user, pk)
    return render(request, "web/registry/org.html", _org_context(request, org))


def _actable(request: HttpRequest, pk: int) -> Organisation:
    org = selectors.get_organisation(request.user, pk)
    if not can(request.user, org, "act"):
        raise PermissionDenied(_("您只能查看这条记录，不能修改"))
    return org


@login_required
@require_http_methods(["GET", "POST"])
def org_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation(request.user, pk)
    return reveal_view(
        request,
        obj=org,
        kind="organisation",
        field=c.RevealField.PHONE,
        masked=org.phone_masked,
        url=reverse("registry-org-reveal", args=[org.pk]),
        back=reverse("registry-org", args=[org.pk]),
    )


@login_required
@require_POST
def org_visit(request: HttpRequest, pk: int) -> HttpResponse:
    org = _actable(request, pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(
                actor=base.staff(request),
                organisation_id=org.pk,
                kind=data["kind"],
                result=data["result"],
                findings=data["findings"],
                follow_up_case=data["follow_up_case"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已记录走访"))
            return redirect("registry-org", pk=org.pk)
    org = selectors.get_organisation(request.user, pk)
    return render(
        request, "web/registry/org.html", _org_context(request, org, visit_form=form), status=400
    )


def _values(form: OrganisationForm, org: Organisation | None, user: Any) -> dict[str, Any]:
    data = form.cleaned_data
    values: dict[str, Any] = {name: data.get(name) or "" for name in ORG_FIELDS}
    if org is not None and not values["legal_rep"] and not selectors.may_reveal(user, org):
        del values["legal_rep"]  # shown masked, left blank: unchanged
    if data.get("phone"):
        values["phone"] = data["phone"]
    region = data.get("region") or ""
    dedicated = data.get("dedicated_grid") or ""
    if org is None or region != org.region.path:
        values["region"] = region
    old_dedicated = org.dedicated_grid.path if org is not None and org.dedicated_grid else ""
    if org is None or dedicated != old_dedicated:
        values["dedicated_grid"] = dedicated
    return values


def _form_context(user: Any) -> dict[str, Any]:
    places = base.place_options(user)
    grids = [p for p in places if p.level == "grid"]
    return {"places": places, "grids": grids, "section": "orgs"}


@login_required
@require_http_methods(["GET", "POST"])
def org_new(request: HttpRequest) -> HttpResponse:
    user = base.staff(request)
    base.require_write(user)
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                org = services.create_organisation(actor=user, values=_values(form, None, user))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记 %(name)s") % {"name": org.name})
                return redirect("registry-org", pk=org.pk)
    return render(
        request,
        "web/registry/org_form.html",
        {"form": form, "org": None, **_form_context(user)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = _actable(request, pk)
    user = base.staff(request)
    initial: dict[str, Any] = {name: getattr(org, name) for name in ORG_FIELDS}
    initial.update(
        region=org.region.path,
        dedicated_grid=org.dedicated_grid.path if org.dedicated_grid else "",
        founded_on=org.founded_on.isoformat() if org.founded_on else "",
        version=org.version,
    )
    if not selectors.may_reveal(user, org):
        initial["legal_rep"] = ""
    form = OrganisationForm(request.POST or None, editing=True, initial=initial)
    error = ""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_organisation(
                    actor=user,
                    organisation_id=org.pk,
                    values=_values(form, org, user),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except RegistryConflict as exc:
                error, status = exc.message, 409
            else:
                messages.success(request, _("已保存"))
                return redirect("registry-org", pk=org.pk)
    return render(
        request,
        "web/registry/org_form.html",
        {"form": form, "org": org, "error": error, **_form_context(user)},
        status=status,
    )
