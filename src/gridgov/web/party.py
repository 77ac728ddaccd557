"""Workbench pages of party building (党建) at ``/work/party/``: the home page with the figures
of a region, the grid chiefs of a grid, and the helpers shared by the organisation, member,
sinking, need and meeting pages (``party_orgs``, ``party_members``, ``party_sinking``,
``party_life``).

Views are thin: reads through ``party.selectors`` and ``party.figures``, writes through
``party.services``, which apply the jurisdiction function (404 outside it, 403 where the user
may only look) and validate (their ``ValidationError`` lands on the form's fields; a wrong
state or a stale version, ``PartyConflict``, is shown above the form with status 409). A form
with errors is shown again with status 200 and nothing written; a success redirects with a
message. Pages with personal data (members) are sent ``Cache-Control: no-store``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.party import access, figures, selectors, services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import PartyMember, PartyOrganisation
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.web import registry as base
from gridgov.web.party_forms import ChiefForm
from gridgov.web.registry_forms import apply_errors

T = TypeVar("T")
CHOICES_LIMIT = 500


# who may do what: the one table in party/access.py (it only decides which buttons are shown;
# the services decide again)
may_manage = access.may_manage
may_manage_anywhere = access.may_manage_anywhere
may_publish = access.may_publish
may_record_hours = access.may_record_hours


def may_rate(user: Any, org: PartyOrganisation) -> bool:
    return access.may_rate(user, org.region_path)


def attempt(
    form: forms.Form, call: Callable[[], T], aliases: dict[str, str] | None = None
) -> tuple[T | None, int]:
    """Run a service call for a form: (result, 0) on success; on a ``ValidationError`` the
    messages land on the form's fields (status 200), on a ``PartyConflict`` above the form
    (status 409). 404 and 403 pass through to Django."""
    try:
        return call(), 0
    except ValidationError as exc:
        apply_errors(form, exc, aliases)
        return None, 200
    except PartyConflict as exc:
        form.add_error(None, exc.message)
        return None, 409


def changed(values: dict[str, Any], initial: dict[str, Any]) -> dict[str, Any]:
    """The values of an edit form that differ from what the form showed (only those go to the
    service, so an untouched field is not re-validated or logged as a change)."""
    return {k: v for k, v in values.items() if str(v or "") != str(initial.get(k) or "")}


def done(request: HttpRequest, message: str, to: str, *args: Any) -> HttpResponse:
    messages.success(request, message)
    return redirect(to, *args)


def region_choices(user: Any) -> list[tuple[str, str]]:
    return base.region_choices(user)


def default_region(user: Any) -> Region | None:
    """The top of the user's territory (the first, for a post in several places)."""
    roots = sorted(regions.root_regions(user), key=lambda r: r.path)
    return roots[0] if roots else None


def chosen_region(request: HttpRequest) -> Region | None:
    """The region of a figures page: ``?region=`` (404 outside the territory) or the top of the
    user's territory."""
    path = (request.GET.get("region") or "").strip()[:18]
    if path:
        return regions.get_region(request.user, path)
    return default_region(request.user)


def org_label(org: PartyOrganisation) -> str:
    return f"{org.name}（{org.get_kind_display()}）"


def org_choices(user: Any, *, manage: bool = False) -> list[tuple[str, str]]:
    """Active organisations the user sees (or may manage) for a list."""
    rows = selectors.organisations(user).order_by("region_path", "kind", "name")
    out = []
    for org in rows[:CHOICES_LIMIT]:
        if manage and not may_manage(user, org.region_path):
            continue
        out.append((str(org.pk), org_label(org)))
    return out


def member_label(member: PartyMember) -> str:
    return f"{member.person.name}（{member.organisation.name}）"


def member_choices(
    user: Any, organisation: PartyOrganisation | None = None, **flt: Any
) -> list[tuple[str, str]]:
    """Active members the user sees (of one organisation), for a list."""
    rows = selectors.members(user, selectors.MemberFilter(**flt)).select_related(
        "person", "organisation"
    )
    if organisation is not None:
        rows = rows.filter(organisation=organisation)
    return [(str(m.pk), member_label(m)) for m in rows.order_by("person__name")[:CHOICES_LIMIT]]


def level_choices(user: Any, *levels: str, act: bool = False) -> list[tuple[str, str]]:
    """Regions of the given levels the user sees (may manage), as (path, name · parent)."""
    rows = (
        regions.visible_regions(user)
        .filter(level__in=levels)
        .select_related("parent")
        .order_by("path")
    )
    out = []
    for region in rows[:CHOICES_LIMIT]:
        if act and not may_publish(user, region.path):
            continue
        label = region.name
        if region.level == Level.GRID and region.parent is not None:
            label = f"{region.parent.name} · {region.name}"
        out.append((region.path, label))
    return out


# -- home ------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The figures of the chosen region: coverage, member structure, sinking, needs, this
    month's organisational life and the star distribution."""
    from gridgov.metrics.figures import parse_period

    user = request.user
    region = chosen_region(request)
    context: dict[str, Any] = {
        "region": region,
        "regions": region_choices(user),
        "section": "home",
        "may_manage": may_manage_anywhere(user),
    }
    if region is not None:
        path = region.path
        month = timezone.localdate().strftime("%Y-%m")
        span = parse_period(month)
        sinking = figures.sinking(user, path, by="grid")
        participation = figures.participation(user, path, span)
        expected = sum(_num(row, "expected") for row in participation)
        attended = sum(_num(row, "present") + _num(row, "remote") for row in participation)
        stars = figures.star_distribution(user, path)
        context.update(
            month=month,
            coverage=figures.coverage(user, path),
            structure=figures.member_structure(user, path),
            sunk=sum(_num(row, "assigned") for row in sinking),
            registered=sum(_num(row, "registered") for row in sinking),
            hours=sum(_num(row, "hours") for row in sinking),
            needs=figures.needs_summary(user, path, span),
            meetings=sum(_num(row, "meetings") for row in participation),
            participation_rate=(attended / expected) if expected else None,
            stars=[(n, stars.get(n, 0)) for n in range(5, -1, -1)],
            stars_max=max([*stars.values(), 1]),
        )
    return render(request, "web/party/home.html", context)


def _num(row: Any, name: str) -> Any:
    value = row.get(name, 0) if isinstance(row, dict) else getattr(row, name, 0)
    return value or 0


# -- grid chiefs -----------------------------------------------------------------------------


def grid_org(user: Any, grid: Region) -> PartyOrganisation | None:
    """The active party organisation bound to the grid (a branch or general branch)."""
    return (
        selectors.organisations(user, selectors.OrgFilter(region=grid.path))
        .filter(region_path=grid.path)
        .order_by("-kind")
        .first()
    )


def chief_context(user: Any, grid: Region, form: ChiefForm | None = None) -> dict[str, Any]:
    """The grid's appointments (current first) and, for a manager, the appointment form."""
    org = grid_org(user, grid)
    history = list(
        selectors.chief_appointments(user, grid.path).select_related(
            "member__person", "appointed_by"
        )
    )
    current = next((a for a in history if a.ends_on is None), None)
    context: dict[str, Any] = {
        "grid": grid,
        "grid_org": org,
        "secretary": selectors.secretary_of(org) if org is not None else None,
        "chiefs": history,
        "chief": current,
        "may_appoint": may_manage(user, grid.path),
    }
    if context["may_appoint"]:
        context["chief_form"] = form or ChiefForm(
            members=member_choices(user, region=grid.path[:12])
        )
    return context


@login_required
@require_http_methods(["GET", "POST"])
def chiefs(request: HttpRequest) -> HttpResponse:
    """网格长 of one grid (``?grid=``): the history and the appointment (the branch secretary by
    default, another member with a reason). Without a grid: the grids to choose from."""
    user = request.user
    path = (request.GET.get("grid") or request.POST.get("grid") or "").strip()[:18]
    if not path:
        return render(
            request,
            "web/party/chiefs.html",
            {"grids": level_choices(user, Level.GRID), "section": "chiefs"},
        )
    grid = regions.get_region(user, path)
    if grid.level != Level.GRID:
        return redirect(f"{request.path}")
    status = 200
    form = None
    if request.method == "POST":
        form = ChiefForm(request.POST, members=member_choices(user, region=grid.path[:12]))
        form.is_valid()
        data = form.cleaned_data
        member_id = data.get("member") or None

        def call() -> Any:
            return services.appoint_grid_chief(
                actor=base.staff(request),
                grid=grid.path,
                member_id=member_id,
                reason=data.get("reason") or "",
                starts_on=data.get("starts_on") or None,
            )

        result, status = attempt(form, call, {"grid": "member"})
        if result is not None:
            return done(
                request,
                _("已任命 %(name)s 为网格长") % {"name": result.member.person.name},
                f"{request.path}?grid={grid.path}",
            )
    context = {**chief_context(user, grid, form), "section": "chiefs"}
    return render(request, "web/party/chiefs.html", context, status=status)
