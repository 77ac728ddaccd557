"""Workbench pages of the registers (人、房、法) at ``/work/registry/``: the registers home, the
key groups, the imports, and the helpers shared by the people, rooms and organisation pages
(``registry_people``, ``registry_rooms``, ``registry_orgs``).

Views are thin: reads through ``registry.selectors`` and writes through ``registry.services``,
which apply the jurisdiction function (404 outside it, 403 where the user may only look) and
validate (their ``ValidationError`` lands on the form's fields). Protected values are shown
masked; a clear value appears only in the response to a reveal (``services.reveal``, recorded),
which is never cached."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.accounts.models import User
from gridgov.core.jurisdiction import restrict, scope_for
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.registry import access, imports, selectors
from gridgov.registry import choices as c
from gridgov.registry.models import ImportJob, Person, PersonTag, RegistryChange
from gridgov.web.registry_forms import ImportForm, apply_errors

PAGE_SIZE = 50
ERRORS_SHOWN = 50
PLACES_LIMIT = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_KINDS = {
    "people": gettext_lazy("实有人口"),
    "rooms": gettext_lazy("实有房屋"),
    "organisations": gettext_lazy("法人单位"),
}


# -- helpers shared by the register pages ----------------------------------------------------


def staff(request: HttpRequest) -> User:
    """The logged-in staff user (the views are login_required)."""
    assert isinstance(request.user, User)
    return request.user


def may_write(user: Any) -> bool:
    """Whether the user may register anything (a post that may act somewhere)."""
    scope = scope_for(user)
    return scope.everything or bool(scope.act_paths)


def require_write(user: Any) -> None:
    if not may_write(user):
        raise PermissionDenied(_("您的岗位只能查看登记信息，不能修改"))


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def no_store(response: HttpResponse) -> HttpResponse:
    """A response that no cache (browser, proxy, service worker) may keep."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    response["Pragma"] = "no-cache"
    return response


def paginate(request: HttpRequest, queryset: QuerySet[Any], size: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def region_choices(user: Any) -> list[tuple[str, str]]:
    """Regions for a list's region filter: the visible county, townships and villages, and the
    grids when there are not too many of them (a grid worker: their grid and buildings)."""
    levels = [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.GRID]
    visible = regions.visible_regions(user).filter(level__in=levels)
    if visible.filter(level=Level.GRID).count() > 300:
        visible = visible.exclude(level=Level.GRID)
    rows = list(visible.order_by("path").values_list("path", "name")[:PLACES_LIMIT])
    top = min((len(path) for path, _name in rows), default=0)
    return [(path, "　" * ((len(path) - top) // 3) + name) for path, name in rows]


def place_options(user: Any, *, buildings_only: bool = False) -> list[Region]:
    """Grids and buildings the user may register in, for the place field's list (buildings only
    when there are few of them: a grid worker's or a village's)."""
    actable = restrict(Region.objects.all(), user, "act")
    buildings = actable.filter(level=Level.BUILDING)
    places: list[Region] = []
    if not buildings_only:
        places += list(actable.filter(level=Level.GRID).order_by("path")[:PLACES_LIMIT])
    if buildings.count() <= 600:
        places += list(buildings.order_by("path"))
    return places


def tags_by_person(user: Any, people: list[Person]) -> dict[int, list[PersonTag]]:
    """The tags each listed person carries that the user may see (sensitive groups only where
    the user may reveal), in one query."""
    out: dict[int, list[PersonTag]] = {p.pk: [] for p in people}
    paths = {p.pk: p.region_path for p in people}
    rows = (
        PersonTag.objects.filter(person_id__in=list(out), tag__in=selectors.visible_tags(user))
        .select_related("tag__group")
        .order_by("tag__group__order", "tag__order")
    )
    for row in rows:
        if row.tag.group.sensitive and not access.may_reveal(user, paths[row.person_id]):
            continue
        out[row.person_id].append(row)
    return out


def tag_choices(user: Any, region_path: str | None = None) -> list[tuple[str, str]]:
    """Visible tags as (code, "group · name"); with ``region_path``, sensitive groups only when
    the user may reveal there."""
    rows = []
    for tag in selectors.visible_tags(user).order_by("group__order", "order"):
        if (
            region_path is not None
            and tag.group.sensitive
            and not access.may_reveal(user, region_path)
        ):
            continue
        rows.append((tag.code, f"{tag.group.name} · {tag.name}"))
    return rows


def _shown(field: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    choices = dict(getattr(field, "choices", None) or ())
    return str(choices.get(value, value))


def change_rows(changes: Iterable[RegistryChange], model: type[Model]) -> list[dict[str, Any]]:
    """Change-log records with each changed field's label and its values before and after
    (choice codes as their labels; protected values are stored masked)."""
    from gridgov.registry.services import LOGGED

    order = {name: n for n, name in enumerate(LOGGED.get(model, ()))}
    rows = []
    for change in changes:
        fields = []
        names = sorted(set(change.before) | set(change.after), key=lambda k: (order.get(k, 99), k))
        for name in names:
            before, after = change.before.get(name), change.after.get(name)
            if change.action == c.ChangeAction.DELETE and before == after:
                continue  # a removal: only what it changed (the state)
            if change.action in (c.ChangeAction.CREATE, c.ChangeAction.IMPORT) and after in (
                None,
                "",
            ):
                continue  # a new record's empty fields
            try:
                field: Any = model._meta.get_field(name.removesuffix("_id"))
                label = str(field.verbose_name)
            except FieldDoesNotExist:
                field, label = None, name
            fields.append(
                {
                    "label": label,
                    "before": _shown(field, before),
                    "after": _shown(field, after),
                }
            )
        rows.append({"change": change, "fields": fields})
    return rows


def download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return no_store(response)


# -- the registers home and the key groups ---------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Counts of the registers in the user's scope, each linking to its list."""
    user = request.user
    people = selectors.people(user)
    tagged = PersonTag.objects.filter(person=OuterRef("pk"), tag__in=selectors.visible_tags(user))
    rooms = selectors.rooms(user)
    counts = {
        "people": people.count(),
        "floating": people.filter(kind=c.PersonKind.FLOATING).count(),
        "key": people.filter(Exists(tagged)).count(),
        "rooms": rooms.count(),
        "rented": rooms.filter(occupancy=c.Occupancy.RENTED).count(),
        "organisations": selectors.organisations(user).count(),
        "due": len(selectors.contracts_due(user)),
    }
    return render(
        request,
        "web/registry/home.html",
        {
            "counts": counts,
            "may_write": may_write(user),
            "may_reveal": access.may_reveal_anywhere(user),
            "import_kinds": IMPORT_KINDS,
            "section": "home",
        },
    )


@login_required
@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    """People per key-group tag (linking to the filtered people list) and the care contracts
    whose visit is due."""
    user = request.user
    region = (request.GET.get("region") or "").strip()[:18]
    by_group: dict[int, dict[str, Any]] = {}
    for row in selectors.key_group_counts(user, region):
        group = row["tag"].group
        entry = by_group.setdefault(group.pk, {"group": group, "rows": [], "total": 0})
        entry["rows"].append(row)
        entry["total"] += row["count"]
    due = selectors.contracts_due(user)
    return render(
        request,
        "web/registry/groups.html",
        {
            "groups": list(by_group.values()),
            "region": region,
            "regions": region_choices(user),
            "due": due[:200],
            "due_total": len(due),
            "today": timezone.localdate(),
            "section": "groups",
        },
    )


# -- imports ---------------------------------------------------------------------------------


def _import_kind(kind: str) -> str:
    if kind not in IMPORT_KINDS:
        raise Http404
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a filled template (xlsx or csv): every row is checked and the file is imported
    all or nothing; the first errors are shown and the full error report can be downloaded."""
    kind = _import_kind(kind)
    user = staff(request)
    require_write(user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result: imports.ImportResult | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = imports.run_import(
                    actor=user, kind=kind, stream=upload, filename=upload.name or ""
                )
            except ValidationError as exc:
                apply_errors(form, exc, {"kind": "file"})
            else:
                if result.ok:
                    status = 200
    errors = list(result.errors[:ERRORS_SHOWN]) if result is not None else []
    return render(
        request,
        "web/registry/import.html",
        {
            "kind": kind,
            "label": IMPORT_KINDS[kind],
            "kinds": IMPORT_KINDS,
            "form": form,
            "result": result,
            "errors": errors,
            "more_errors": (len(result.errors) - len(errors)) if result is not None else 0,
            "jobs": ImportJob.objects.filter(created_by=user, kind=kind)[:10],
            "section": "home",
        },
        status=status,
    )


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    kind = _import_kind(kind)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content = imports.template_bytes(kind, fmt)
    filename = _("%(label)s导入模板.%(fmt)s") % {"label": IMPORT_KINDS[kind], "fmt": fmt}
    content_type = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return download(content, filename, content_type)


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The full error report of one of the user's own imports."""
    job = ImportJob.objects.filter(pk=pk, created_by=staff(request)).first()
    if job is None:
        raise Http404
    filename = _("导入错误报告-%(name)s.xlsx") % {"name": job.filename.rsplit(".", 1)[0]}
    return download(imports.report_bytes(job), filename)
