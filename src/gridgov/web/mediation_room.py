"""Workbench pages of the social governance centre's rooms at ``/work/mediation/``: the
overview, the reception window (接待登记), and the helpers shared by the mediation room
(``mediation_room_disputes``), the legal service room (``mediation_room_legal``) and the
committee pages (``mediation_room_committees``).

Views are thin: reads through ``mediation.selectors`` (the jurisdiction function inside: 404
outside it), writes through ``mediation.services`` (403 for a wrong role, ``ValidationError``
on the form's fields, ``MediationConflict`` above the form with status 409). Who may act is
``mediation.access``. Every page is sent ``Cache-Control: no-store``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.cases.models import Item
from gridgov.mediation import access, selectors, services
from gridgov.mediation import choices as c
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import (
    Agreement,
    Consultation,
    Dispute,
    FollowUp,
    Mediation,
    Mediator,
    Session,
)
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.regions.models import Region, subtree_q
from gridgov.web import ops as o
from gridgov.web.mediation_room_forms import ConsultationForm, DisputeReceptionForm, set_choices
from gridgov.web.registry_forms import apply_errors

T = TypeVar("T")
CENTRE_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
CHOICES_LIMIT = 3000
FLAGGED = Q(risk=c.Risk.HIGH) | Q(violence_risk=True) | Q(mass_risk=True)

page = o.page
done = o.done
form_error = o.form_error
staff = o.staff
chosen_region = o.chosen_region


# -- helpers ---------------------------------------------------------------------------------


def attempt(
    form: forms.Form, call: Callable[[], T], aliases: dict[str, str] | None = None
) -> tuple[T | None, int]:
    """Run a service call for a valid form: (result, 0) on success; a ``ValidationError``
    lands on the form's fields (200), a ``MediationConflict`` above the form (409), a refusal
    (``PermissionDenied``, e.g. the case is the lead mediator's to hand in) above it (403)."""
    if not form.is_valid():
        return None, 200
    try:
        return call(), 0
    except ValidationError as exc:
        apply_errors(form, exc, aliases)
        return None, 200
    except MediationConflict as exc:
        form.add_error(None, exc.message)
        return None, 409
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("您的岗位不能办理此项"))
        return None, 403


def not_found() -> Http404:
    return Http404(_("记录不存在或不在您的辖区内"))


def may_mediate(user: Any, path: str) -> bool:
    return access.may(user, access.MEDIATE, path)


def may_organise(user: Any, path: str) -> bool:
    return access.may(user, access.ORGANISE, path)


def region_label(region: Region) -> str:
    if region.level == Level.GRID and region.parent is not None:
        return f"{region.parent.name} · {region.name}"
    return region.name


def place_choices(
    user: Any, levels: tuple[str, ...], action: str, under: str = ""
) -> list[tuple[str, str]]:
    """Regions of ``levels`` the user sees and may ``action`` in, as (path, name)."""
    rows = regions.visible_regions(user).filter(level__in=list(levels), is_active=True)
    if under:
        rows = rows.filter(subtree_q(under, "path"))
    out = []
    for region in rows.select_related("parent").order_by("path")[: CHOICES_LIMIT * 2]:
        if access.may(user, action, region.path):
            out.append((region.path, region_label(region)))
        if len(out) >= CHOICES_LIMIT:
            break
    return out


def centre_choices(user: Any, action: str = access.MEDIATE) -> list[tuple[str, str]]:
    """The centres (county, township, village) the user may act at."""
    return place_choices(user, CENTRE_LEVELS, action)


def grid_choices(user: Any, under: str = "") -> list[tuple[str, str]]:
    return place_choices(user, (Level.GRID,), access.MEDIATE, under)


def item_choices() -> list[tuple[str, str]]:
    return [
        (i.code, f"{i.code} {i.name}")
        for i in Item.objects.filter(board__code=services.BOARD, is_active=True).order_by("code")
    ]


def picked_region(user: Any, path: str) -> Region | None:
    """A region the user sees, by path (None when not)."""
    if not path or not path.isdigit():
        return None
    found: Region | None = regions.visible_regions(user).filter(path=path).first()
    return found


def default_centre(user: Any) -> Region | None:
    region = o.default_region(user)
    while region is not None and region.level not in CENTRE_LEVELS:
        region = region.parent
    return region


def dispute_state_q(state: str) -> Q:
    """待调解 (never mediated), 调解中 (a mediation open), 调解结束 (mediated, none open), 未结束
    (待调解 or 调解中)."""
    is_open = Exists(Mediation.objects.filter(dispute=OuterRef("pk"), state=c.MediationState.OPEN))
    any_ = Exists(Mediation.objects.filter(dispute=OuterRef("pk")))
    if state == "waiting":
        return ~Q(any_)
    if state == "open":
        return Q(is_open)
    if state == "closed":
        return Q(any_) & ~Q(is_open)
    if state == "active":
        return ~Q(any_) | Q(is_open)
    return Q()


def risk_first(rows: Any) -> Any:
    """High risk, violence or mass flags first, then the newest."""
    return rows.annotate(
        risk_rank=Case(
            When(violence_risk=True, then=0),
            When(mass_risk=True, then=0),
            When(risk=c.Risk.HIGH, then=1),
            When(risk=c.Risk.MEDIUM, then=2),
            default=3,
            output_field=IntegerField(),
        )
    ).order_by("risk_rank", "-created_at", "-pk")


def awaiting_follow_up() -> Q:
    """Mediations with an agreement and no follow-up visit yet."""
    visited = Exists(FollowUp.objects.filter(mediation=OuterRef("pk")))
    return Q(state__in=sorted(c.AGREEMENT_STATES)) & ~Q(visited)


def dispute_state(dispute: Dispute) -> tuple[str, str]:
    """(code, label) of a dispute fetched with its mediations (newest first)."""
    found = list(dispute.mediations.all())
    if not found:
        return "waiting", _("待调解")
    latest = max(found, key=lambda m: (m.accepted_on, m.pk))
    if latest.state == c.MediationState.OPEN:
        return "open", _("调解中")
    return "closed", latest.get_state_display()


# -- overview --------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Today's walk-ins, open disputes by risk, consultations waiting, the lawyers and the
    mediators on duty,
    mediations sitting today and agreements awaiting a follow-up visit, for the chosen
    region; a mediator with an account sees their own mediations."""
    user = request.user
    region = chosen_region(request)
    today = timezone.localdate()
    now = timezone.now()
    mine = list(
        selectors.my_mediations(user)
        .filter(state=c.MediationState.OPEN)
        .select_related("dispute__case", "committee")
        .distinct()[:20]
    )
    context: dict[str, Any] = {
        "region": region,
        "regions": o.region_choices(user),
        "section": "home",
        "today": today,
        "mine": mine,
    }
    if region is not None:
        inside = subtree_q(region.path, "region_path")
        consults = selectors.consultations(user).filter(inside)
        disputes = selectors.disputes(user).filter(inside)
        active = disputes.filter(dispute_state_q("active"))
        sittings = (
            Session.objects.filter(
                inside,
                starts_at__date=today,
                mediation__in=selectors.mediations(user).values("pk"),
            )
            .select_related("mediation__dispute__case", "mediation__mediator")
            .order_by("starts_at")
        )
        follow = selectors.mediations(user).filter(inside).filter(awaiting_follow_up())
        overdue = Agreement.objects.filter(
            mediation__in=follow.values("pk"),
            perform_by__lt=today - dt.timedelta(days=7),
        )
        centre = region if region.level in CENTRE_LEVELS else None
        context.update(
            walk_in_consultations=consults.filter(
                created_at__date=today, channel=c.ConsultChannel.WALK_IN
            ).count(),
            walk_in_disputes=disputes.filter(
                created_at__date=today, case__channel="walk_in"
            ).count(),
            active=active.count(),
            flagged=active.filter(FLAGGED).count(),
            by_risk=[
                (value, label, active.filter(risk=value).count())
                for value, label in reversed(c.Risk.choices)
            ],
            top=list(risk_first(active.filter(FLAGGED))[:8]),
            waiting=consults.filter(answered_at__isnull=True).count(),
            waiting_rows=list(consults.filter(answered_at__isnull=True).order_by("created_at")[:6]),
            centre=centre,
            on_duty=services.on_duty(centre, now) if centre is not None else [],
            mediators_on_duty=(
                services.mediators_on_duty(centre, now) if centre is not None else []
            ),
            mediator_duties_today=list(
                selectors.mediator_duties(user, region=region, since=today, until=today).order_by(
                    "region_path", "slot"
                )[:20]
            ),
            duties_today=list(
                selectors.duties(user, region=region, since=today, until=today).order_by(
                    "region_path", "slot"
                )[:20]
            ),
            sittings=list(sittings[:20]),
            sittings_count=sittings.values("mediation").distinct().count(),
            follow_ups=follow.count(),
            overdue_follow_ups=overdue.count(),
        )
    return page(request, "web/mediation/home.html", context)


# -- reception -------------------------------------------------------------------------------

MATTERS = ("legal", "dispute")


def _reception_forms(request: HttpRequest) -> dict[str, forms.Form]:
    user = request.user
    centre = default_centre(user)
    legal = ConsultationForm(
        initial={
            "channel": c.ConsultChannel.WALK_IN,
            "region": centre.path if centre is not None else "",
        }
    )
    set_choices(legal, "region", centre_choices(user))
    dispute = DisputeReceptionForm(initial={"risk": c.Risk.LOW, "people_involved": 2})
    set_choices(dispute, "grid", grid_choices(user))
    set_choices(dispute, "item", item_choices())
    return {"legal": legal, "dispute": dispute}


def _reception_page(
    request: HttpRequest, matter: str, form: forms.Form | None = None
) -> HttpResponse:
    built = _reception_forms(request)
    if form is not None:
        built[matter] = form
    user = request.user
    centre = default_centre(user)
    now = timezone.now()
    return page(
        request,
        "web/mediation/reception.html",
        {
            "section": "reception",
            "matter": matter,
            "form": built[matter],
            "action": reverse("mediation-reception") + f"?matter={matter}",
            "centre": centre,
            "on_duty": services.on_duty(centre, now) if centre is not None else [],
            "mediators_on_duty": (
                services.mediators_on_duty(centre, now) if centre is not None else []
            ),
            "may_receive": bool(
                built[matter].fields["region" if matter == "legal" else "grid"].widget.choices[1:]
            ),
            "petition_url": "/work/mediation/petitions/new/",
            "wide": ("question", "description"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reception(request: HttpRequest) -> HttpResponse:
    """接待登记: the receptionist registers the visitor and what they came for — a legal
    question (to the lawyer on duty), a dispute (its case and record), or a petition (the
    petition reception page)."""
    matter = request.GET.get("matter") or "legal"
    if matter not in MATTERS:
        matter = "legal"
    if request.method == "GET":
        return _reception_page(request, matter)
    user = request.user
    if matter == "legal":
        return _receive_consultation(request)
    form = DisputeReceptionForm(request.POST)
    set_choices(form, "grid", grid_choices(user))
    set_choices(form, "item", item_choices())

    def call() -> Dispute:
        data = form.cleaned_data
        grid = picked_region(user, data["grid"])
        if grid is None:
            raise ValidationError({"grid": _("请选择纠纷所在网格")})
        return services.receive_dispute(
            actor=staff(request),
            grid=grid,
            item=data["item"],
            title=data["title"],
            description=data["description"],
            kind=data.get("kind") or "",
            amount_yuan=data.get("amount_yuan") or None,
            people_involved=data.get("people_involved") or 2,
            risk=data["risk"],
            violence_risk=data["violence_risk"],
            mass_risk=data["mass_risk"],
            parties=form.parties(),
        )

    dispute, status = attempt(form, call, DisputeReceptionForm.ALIASES)
    if dispute is not None:
        return done(
            request,
            _("已登记矛盾纠纷（案件 %(n)s），请安排调解") % {"n": dispute.case.number},
            reverse("mediation-dispute", args=[dispute.pk]),
        )
    action = reverse("mediation-reception") + "?matter=dispute"
    return form_error(
        request,
        form,
        action,
        status,
        lambda: _reception_page(request, "dispute", form),
        wide=("description",),
    )


def _receive_consultation(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ConsultationForm(request.POST)
    set_choices(form, "region", centre_choices(user))

    def call() -> Consultation:
        data = form.cleaned_data
        centre = picked_region(user, data["region"])
        if centre is None or centre.level not in CENTRE_LEVELS:
            raise ValidationError({"region": _("请选择受理中心")})
        return services.register_consultation(
            actor=staff(request),
            region=centre,
            channel=data["channel"],
            topic=data["topic"],
            question=data["question"],
            requester_name=data["requester_name"],
            phone=data.get("phone") or "",
        )

    consultation, status = attempt(form, call)
    if consultation is not None:
        if consultation.lawyer is not None:
            message = _("已登记法律咨询，已交值班律师 %(name)s 解答") % {
                "name": consultation.lawyer.name
            }
        else:
            message = _("已登记法律咨询；现在没有值班律师，待分配解答")
        return done(request, message, reverse("mediation-consultation", args=[consultation.pk]))
    action = reverse("mediation-reception") + "?matter=legal"
    return form_error(
        request,
        form,
        action,
        status,
        lambda: _reception_page(request, "legal", form),
        wide=("question",),
    )


def mediator_label(mediator: Mediator) -> str:
    return f"{mediator.committee.name} · {mediator.name}（{mediator.get_kind_display()}）"
