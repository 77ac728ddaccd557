"""Workbench pages of the party organisations (组织体系): the tree (children loaded on demand
with htmx) and the filtered list, the organisation page (parent chain, secretary and seats,
members, children, meetings, star ratings, grid chief, takes-cases), new / edit / dissolve, the
seat forms and the rating form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.party import selectors, services
from gridgov.party.models import PartyOrganisation, Seat, StarCriterion
from gridgov.regions.choices import Level
from gridgov.web import party as p
from gridgov.web import registry as base
from gridgov.web.party_forms import (
    ChiefForm,
    DissolveForm,
    EndSeatForm,
    OrganisationForm,
    OrgFilterForm,
    RateForm,
    SeatForm,
)

MEMBERS_SHOWN = 100
OPEN_ROOTS = 3
MEETINGS_SHOWN = 20
ORG_FIELDS = ("name", "kind", "category", "parent", "region", "founded_on", "phone", "address")


def _child_counts(user: Any, orgs: list[PartyOrganisation]) -> dict[int, int]:
    rows = (
        selectors.organisations(user)
        .filter(parent_id__in=[o.pk for o in orgs])
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {row["parent_id"]: row["n"] for row in rows}


def _member_counts(user: Any, orgs: list[PartyOrganisation]) -> dict[int, int]:
    rows = (
        selectors.members(user)
        .filter(organisation_id__in=[o.pk for o in orgs])
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("id"))
    )
    return {row["organisation_id"]: row["n"] for row in rows}


def _nodes(user: Any, orgs: list[PartyOrganisation]) -> list[dict[str, Any]]:
    children = _child_counts(user, orgs)
    members = _member_counts(user, orgs)
    return [
        {"org": o, "children": children.get(o.pk, 0), "members": members.get(o.pk, 0)} for o in orgs
    ]


@login_required
@require_GET
def orgs_list(request: HttpRequest) -> HttpResponse:
    """The tree from the top organisations the user sees (``?view=list``: the filtered list)."""
    user = request.user
    view = "list" if request.GET.get("view") == "list" or _filtered(request) else "tree"
    context: dict[str, Any] = {
        "form": OrgFilterForm(request.GET or None, regions=p.region_choices(user)),
        "view": view,
        "may_manage": p.may_manage_anywhere(user),
        "section": "orgs",
    }
    if view == "tree":
        visible = selectors.organisations(user)
        roots = list(
            visible.exclude(parent_id__in=visible.values("id"))
            .select_related("region")
            .order_by("region_path", "kind", "name")[: p.CHOICES_LIMIT]
        )
        nodes = _nodes(user, roots)
        if len(roots) <= OPEN_ROOTS:  # a few tops: shown opened one level
            for node in nodes:
                node["kids"] = _nodes(user, _children(user, node["org"]))
        context["nodes"] = nodes
    else:
        queryset = (
            selectors.organisations(user, selectors.OrgFilter.from_params(request.GET))
            .select_related("region", "parent")
            .order_by("region_path", "kind", "name", "id")
        )
        page = base.paginate(request, queryset)
        rows = list(page.object_list)
        context.update(
            page=page,
            nodes=_nodes(user, rows),
            total=page.paginator.count,
            query=base.query_without_page(request),
        )
    return render(request, "web/party/orgs.html", context)


def _filtered(request: HttpRequest) -> bool:
    return any(request.GET.get(k) for k in ("q", "region", "kind", "category", "stars"))


def _children(user: Any, org: PartyOrganisation) -> list[PartyOrganisation]:
    return list(
        selectors.organisations(user, selectors.OrgFilter(parent=org.pk))
        .select_related("region")
        .order_by("region_path", "kind", "name")[: p.CHOICES_LIMIT]
    )


@login_required
@require_GET
def org_children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children of one organisation in the tree (an htmx partial)."""
    org = selectors.get_organisation(request.user, pk)
    children = _children(request.user, org)
    return render(
        request, "web/party/_tree.html", {"nodes": _nodes(request.user, children), "parent": org}
    )


# -- the organisation page -------------------------------------------------------------------


def _chain(user: Any, org: PartyOrganisation) -> list[PartyOrganisation]:
    """The organisation's ancestors the user sees, top down."""
    chain: list[PartyOrganisation] = []
    parent = org.parent
    while parent is not None and len(chain) < 8:
        chain.append(parent)
        parent = parent.parent
    visible = set(
        selectors.organisations(user, selectors.OrgFilter(active=None))
        .filter(pk__in=[o.pk for o in chain])
        .values_list("pk", flat=True)
    )
    return [o for o in reversed(chain) if o.pk in visible]


def _criteria() -> list[StarCriterion]:
    return list(StarCriterion.objects.filter(is_active=True).order_by("order", "code"))


def _org_context(
    request: HttpRequest, org: PartyOrganisation, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    manage = p.may_manage(user, org.region_path) and org.is_active
    members = list(
        selectors.members(user, selectors.MemberFilter(organisation=org.pk))
        .select_related("person")
        .order_by("person__name")[:MEMBERS_SHOWN]
    )
    children = list(
        selectors.organisations(user, selectors.OrgFilter(parent=org.pk))
        .select_related("region")
        .order_by("region_path", "kind", "name")
    )
    ratings = list(selectors.ratings(user, org).select_related("rated_by"))
    criteria = _criteria()
    names = {k.code: k for k in criteria}
    context: dict[str, Any] = {
        "org": org,
        "chain": _chain(user, org),
        "secretary": selectors.secretary_of(org),
        "seats": selectors.seats(user, org),
        "members": members,
        "children": _nodes(user, children),
        "meetings": list(
            selectors.meetings(user, selectors.MeetingFilter(organisation=org.pk))[:MEETINGS_SHOWN]
        ),
        "ratings": [
            {
                "rating": r,
                "scores": [
                    (names[code].name if code in names else code, points)
                    for code, points in r.scores.items()
                ],
            }
            for r in ratings
        ],
        "may_manage": manage,
        "may_rate": p.may_rate(user, org) and org.is_active,
        "open": forms.get("open", ""),
        "section": "orgs",
    }
    if org.level == Level.GRID:
        context.update(p.chief_context(user, org.region, forms.get("chief")))
        context["may_appoint"] = context["may_appoint"] and org.is_active
    if manage:
        choices = [(str(m.pk), m.person.name) for m in members]
        context.update(
            seat_form=forms.get("seat")
            or SeatForm(members=choices, initial={"starts_on": timezone.localdate().isoformat()}),
            end_seat=forms.get("end_seat"),
            dissolve_form=forms.get("dissolve") or DissolveForm(),
        )
    if context["may_rate"]:
        context["rate_form"] = forms.get("rate") or RateForm(
            criteria=criteria, initial={"year": timezone.localdate().year}
        )
    return context


@login_required
@require_GET
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation(request.user, pk)
    return render(request, "web/party/org.html", _org_context(request, org))


def _failed(request: HttpRequest, pk: int, key: str, form: Any, status: int) -> HttpResponse:
    org = selectors.get_organisation(request.user, pk)
    context = _org_context(request, org, {key: form, "open": key})
    return render(request, "web/party/org.html", context, status=status)


def _managed(request: HttpRequest, pk: int) -> PartyOrganisation:
    """An organisation the user sees (404) and may manage (403)."""
    org = selectors.get_organisation(request.user, pk)
    if not p.may_manage(request.user, org.region_path):
        raise PermissionDenied(_("您的岗位只能查看党组织，不能修改"))
    return org


@login_required
@require_POST
def org_seat(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed(request, pk)
    form = SeatForm(request.POST, members=p.member_choices(request.user, org))
    form.is_valid()
    data = form.cleaned_data
    seat, status = p.attempt(
        form,
        lambda: services.set_seat(
            actor=base.staff(request),
            organisation_id=org.pk,
            member_id=data.get("member") or None,
            title=data.get("title") or "",
            starts_on=data.get("starts_on") or None,
        ),
    )
    if seat is not None:
        return p.done(request, _("已任命 %(seat)s") % {"seat": seat}, "party-org", org.pk)
    return _failed(request, org.pk, "seat", form, status)


@login_required
@require_POST
def seat_end(request: HttpRequest, pk: int) -> HttpResponse:
    seat = Seat.objects.filter(pk=pk).only("organisation_id").first()
    if seat is None:
        raise Http404
    org = _managed(request, seat.organisation_id)
    form = EndSeatForm(request.POST)
    form.is_valid()
    ended, status = p.attempt(
        form,
        lambda: services.end_seat(
            actor=base.staff(request),
            seat_id=pk,
            ends_on=form.cleaned_data.get("ends_on") or None,
        ),
    )
    if ended is not None:
        return p.done(request, _("已离任"), "party-org", org.pk)
    form.seat_id = pk  # type: ignore[attr-defined]
    return _failed(request, org.pk, "end_seat", form, status)


@login_required
@require_POST
def org_cases(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn taking cases (接单) on or off."""
    org = _managed(request, pk)
    on = request.POST.get("on") == "1"
    form = DissolveForm()
    result, status = p.attempt(
        form,
        lambda: services.set_takes_cases(actor=base.staff(request), organisation_id=org.pk, on=on),
    )
    if result is not None:
        message = _("已启用接单，可向本组织派发事件") if on else _("已停止接单")
        return p.done(request, message, "party-org", org.pk)
    return _failed(request, org.pk, "cases", form, status)


@login_required
@require_POST
def org_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed(request, pk)
    form = DissolveForm(request.POST)
    form.is_valid()
    result, status = p.attempt(
        form,
        lambda: services.dissolve_organisation(
            actor=base.staff(request),
            organisation_id=org.pk,
            reason=form.cleaned_data.get("reason") or "",
        ),
    )
    if result is not None:
        return p.done(request, _("已撤销 %(name)s") % {"name": org.name}, "party-org", org.pk)
    return _failed(request, org.pk, "dissolve", form, status)


@login_required
@require_POST
def org_rate(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation(request.user, pk)
    form = RateForm(request.POST, criteria=_criteria())
    form.is_valid()
    aliases = {k.code: f"score_{k.code}" for k in form.criteria}
    aliases.update({f"scores.{k.code}": f"score_{k.code}" for k in form.criteria})
    rating, status = p.attempt(
        form,
        lambda: services.rate_organisation(
            actor=base.staff(request),
            organisation_id=org.pk,
            year=form.cleaned_data.get("year") or "",
            scores=form.scores(),
            note=form.cleaned_data.get("note") or "",
        ),
        aliases,
    )
    if rating is not None:
        return p.done(
            request,
            _("已评定为 %(stars)s 星") % {"stars": rating.stars},
            "party-org",
            org.pk,
        )
    return _failed(request, org.pk, "rate", form, status)


@login_required
@require_POST
def org_chief(request: HttpRequest, pk: int) -> HttpResponse:
    """Appoint the grid chief from the page of a grid's organisation."""
    org = _managed(request, pk)
    if org.level != Level.GRID:
        raise Http404
    form = ChiefForm(
        request.POST, members=p.member_choices(request.user, region=org.region_path[:12])
    )
    form.is_valid()
    data = form.cleaned_data
    chief, status = p.attempt(
        form,
        lambda: services.appoint_grid_chief(
            actor=base.staff(request),
            grid=org.region_path,
            member_id=data.get("member") or None,
            reason=data.get("reason") or "",
            starts_on=data.get("starts_on") or None,
        ),
        {"grid": "member"},
    )
    if chief is not None:
        return p.done(
            request,
            _("已任命 %(name)s 为网格长") % {"name": chief.member.person.name},
            "party-org",
            org.pk,
        )
    return _failed(request, org.pk, "chief", form, status)


# -- new / edit ------------------------------------------------------------------------------


def _values(form: OrganisationForm) -> dict[str, Any]:
    data = form.cleaned_data
    values: dict[str, Any] = {name: data.get(name) or "" for name in ORG_FIELDS}
    values["parent"] = values["parent"] or None
    values["founded_on"] = values["founded_on"] or None
    values["category"] = values["category"] or "regional"
    if "takes_cases" in form.fields:
        values["takes_cases"] = bool(data.get("takes_cases"))
    return values


def _form_page(
    request: HttpRequest, form: OrganisationForm, org: PartyOrganisation | None, status: int
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "web/party/org_form.html",
        {
            "form": form,
            "org": org,
            "places": p.level_choices(
                user, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.GRID
            ),
            "section": "orgs",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    base.require_write(user)
    parents = p.org_choices(user, manage=True)
    initial: dict[str, Any] = {"category": "regional"}
    parent_id = request.GET.get("parent") or ""
    if parent_id.isdigit():
        parent = selectors.get_organisation(user, int(parent_id))
        initial.update(parent=str(parent.pk), region=parent.region_path)
    form = OrganisationForm(request.POST or None, parents=parents, initial=initial)
    status = 200
    if request.method == "POST":
        form.is_valid()
        org, status = p.attempt(
            form,
            lambda: services.create_organisation(actor=base.staff(request), values=_values(form)),
        )
        if org is not None:
            return p.done(request, _("已成立 %(name)s") % {"name": org.name}, "party-org", org.pk)
    return _form_page(request, form, None, status)


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = _managed(request, pk)
    user = request.user
    initial: dict[str, Any] = {
        "name": org.name,
        "kind": org.kind,
        "category": org.category,
        "parent": str(org.parent_id or ""),
        "region": org.region_path,
        "founded_on": org.founded_on.isoformat() if org.founded_on else "",
        "phone": org.phone,
        "address": org.address,
        "version": org.version,
    }
    parents = [(k, v) for k, v in p.org_choices(user, manage=True) if k != str(org.pk)]
    if org.parent_id and str(org.parent_id) not in {k for k, _v in parents}:
        parents.insert(0, (str(org.parent_id), p.org_label(org.parent)))  # type: ignore[arg-type]
    form = OrganisationForm(request.POST or None, parents=parents, editing=True, initial=initial)
    status = 200
    if request.method == "POST":
        form.is_valid()
        values = _values(form)
        changed = p.changed(values, initial)
        result, status = p.attempt(
            form,
            lambda: services.update_organisation(
                actor=base.staff(request),
                organisation_id=org.pk,
                values=changed,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if result is not None:
            return p.done(request, _("已保存"), "party-org", org.pk)
    return _form_page(request, form, org, status)
