"""The legal service room (法律服务室): consultations (waiting / answered, topic, channel), a
consultation's page with the answer and the referral (to mediation: the dispute is opened and
the page goes to it), the duty rotas of a centre — the lawyers' and the mediators' (a month
calendar each; operators add and remove duties) — and the lawyers."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts.models import Post, User
from gridgov.mediation import access, selectors, services
from gridgov.mediation import choices as c
from gridgov.mediation.models import Consultation, Lawyer, LegalDuty, MediatorDuty
from gridgov.regions.models import Region, subtree_q
from gridgov.web import mediation_room as m
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.mediation_room_forms import (
    AnswerForm,
    ConsultationFilterForm,
    DutyForm,
    LawyerForm,
    MediatorDutyForm,
    set_choices,
)

# -- consultations ---------------------------------------------------------------------------


def visible_consultations(user: Any) -> Any:
    """The consultations inside the user's jurisdiction and those assigned to them as a
    lawyer with an account."""
    inside = selectors.consultations(user).values("pk")
    mine = Q(lawyer__user=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return Consultation.objects.filter(Q(pk__in=inside) | mine).select_related(
        "region", "lawyer", "dispute", "dispute__case"
    )


@login_required
@require_GET
def consultations_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    path = o.filter_region(request)
    form = ConsultationFilterForm(request.GET or None)
    rows = visible_consultations(user)
    if path:
        rows = rows.filter(region_path__startswith=path)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("state") == "waiting":
        rows = rows.filter(answered_at__isnull=True)
    elif data.get("state") == "answered":
        rows = rows.filter(answered_at__isnull=False)
    if data.get("topic"):
        rows = rows.filter(topic=data["topic"])
    if data.get("channel"):
        rows = rows.filter(channel=data["channel"])
    if request.GET.get("today"):
        rows = rows.filter(created_at__date=timezone.localdate())
    listed = base.paginate(request, rows.order_by("-created_at", "-pk"))
    return m.page(
        request,
        "web/mediation/consultations.html",
        {
            "form": form,
            "page": listed,
            "rows": list(listed.object_list),
            "total": listed.paginator.count,
            "query": base.query_without_page(request),
            "section": "legal",
            "legal": "consultations",
        },
    )


def get_consultation(user: Any, pk: int) -> Consultation:
    found: Consultation | None = visible_consultations(user).filter(pk=pk).first()
    if found is None:
        raise m.not_found()
    return found


def _answer_form(request: HttpRequest, consultation: Consultation, data: Any = None) -> AnswerForm:
    user = request.user
    form = AnswerForm(data, initial={"referral": c.Referral.NONE})
    set_choices(form, "dispute_item", m.item_choices())
    set_choices(form, "dispute_grid", m.grid_choices(user, consultation.region_path))
    return form


def _may_answer(user: Any, consultation: Consultation) -> bool:
    if consultation.answered_at is not None:
        return False
    is_lawyer = consultation.lawyer is not None and consultation.lawyer.user_id == user.pk
    return is_lawyer or m.may_mediate(user, consultation.region_path)


def _consultation_page(
    request: HttpRequest, consultation: Consultation, form: AnswerForm | None = None
) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "consultation": consultation,
        "section": "legal",
        "legal": "consultations",
        "wide": ("answer",),
    }
    if _may_answer(user, consultation):
        context["form"] = form or _answer_form(request, consultation)
        context["action"] = reverse("mediation-consultation", args=[consultation.pk])
    return m.page(request, "web/mediation/consultation.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The question, and the answer form for the assigned lawyer or an operator of the
    centre; a referral to mediation opens the dispute and goes to its page."""
    user = request.user
    consultation = get_consultation(user, pk)
    if request.method == "GET":
        return _consultation_page(request, consultation)
    form = _answer_form(request, consultation, request.POST)

    def call() -> Consultation:
        data = form.cleaned_data
        grid = m.picked_region(user, data.get("dispute_grid") or "")
        return services.answer_consultation(
            actor=m.staff(request),
            consultation=consultation,
            answer=data["answer"],
            referral=data["referral"],
            dispute_item=data.get("dispute_item") or "",
            dispute_grid=grid,
        )

    answered, status = m.attempt(form, call)
    if answered is not None:
        if answered.dispute_id is not None:
            return m.done(
                request,
                _("已解答并转人民调解，已登记矛盾纠纷"),
                reverse("mediation-dispute", args=[answered.dispute_id]),
            )
        return m.done(request, _("已解答"), reverse("mediation-consultation", args=[answered.pk]))
    return m.form_error(
        request,
        form,
        reverse("mediation-consultation", args=[consultation.pk]),
        status,
        lambda: _consultation_page(request, consultation, form),
        wide=("answer",),
    )


# -- duty rota -------------------------------------------------------------------------------


def _month(request: HttpRequest) -> tuple[str, dt.date, dt.date]:
    text, span = o.month_of(request, to_date=False)
    first = span.start
    last = dt.date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    return text, first, last


def _weeks(first: dt.date, last: dt.date) -> list[list[dt.date]]:
    start = first - dt.timedelta(days=first.weekday())
    weeks = []
    day = start
    while day <= last:
        weeks.append([day + dt.timedelta(days=i) for i in range(7)])
        day += dt.timedelta(days=7)
    return weeks


def _lawyer_choices(user: Any, region: Region | None) -> list[tuple[str, str]]:
    rows = selectors.lawyers(user).filter(active=True).order_by("name")
    if region is not None:
        rows = rows.filter(
            region_path__in=[region.path[:n] for n in range(2, len(region.path) + 1)]
        )
    return [(str(x.pk), f"{x.name}（{x.firm}）") for x in rows[:500]]


def _mediator_choices(user: Any, region: Region | None) -> list[tuple[str, str]]:
    """Active mediators of active committees whose area holds a centre under ``region``."""
    rows = (
        selectors.mediators(user)
        .filter(active=True, committee__active=True)
        .order_by("region_path", "committee__name", "name")
    )
    if region is not None:
        above = [region.path[:n] for n in range(2, len(region.path) + 1)]
        rows = rows.filter(Q(region_path__in=above) | subtree_q(region.path, "region_path"))
    return [(str(x.pk), f"{x.committee.name} · {x.name}") for x in rows[:500]]


# The two rotas: the page's url name, the remove url name, the duty's person field, the
# form, the person choices, the on-duty service and the selector.
ROTAS: dict[str, dict[str, Any]] = {
    "lawyers": {
        "url": "mediation-rota",
        "remove": "mediation-duty-remove",
        "field": "lawyer",
        "form": DutyForm,
        "choices": _lawyer_choices,
        "on_duty": services.on_duty,
        "rows": selectors.duties,
        "people": selectors.lawyers,
    },
    "mediators": {
        "url": "mediation-mediator-rota",
        "remove": "mediation-mediator-duty-remove",
        "field": "mediator",
        "form": MediatorDutyForm,
        "choices": _mediator_choices,
        "on_duty": services.mediators_on_duty,
        "rows": selectors.mediator_duties,
        "people": selectors.mediators,
    },
}


def _rota_context(request: HttpRequest, form: Any = None, who: str = "lawyers") -> dict[str, Any]:
    spec = ROTAS[who]
    user = request.user
    region = m.chosen_region(request)
    month, first, last = _month(request)
    today = timezone.localdate()
    now = timezone.now()
    duties = (
        list(spec["rows"](user, region=region, since=first, until=last).order_by("slot"))
        if region is not None
        else []
    )
    field = spec["field"]
    by_day: dict[dt.date, list[tuple[Any, Any, bool]]] = {}
    on_now = {x.pk for x in spec["on_duty"](region, now)} if region is not None else set()
    for duty in duties:
        person = getattr(duty, field)
        now_on = (
            region is not None
            and duty.day == today
            and duty.region_id == region.pk
            and person.pk in on_now
        )
        by_day.setdefault(duty.day, []).append((duty, person, now_on))
    manage = region is not None and m.may_organise(user, region.path)
    context: dict[str, Any] = {
        "region": region,
        "regions": m.centre_choices(user, access.MEDIATE) or o.region_choices(user),
        "month": month,
        "extra": {"month": month},
        "month_picker": True,
        "first": first,
        "today": today,
        "weeks": [
            [(d, by_day.get(d, []), d.month == first.month) for d in w] for w in _weeks(first, last)
        ],
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        "manage": manage,
        "who": who,
        "remove_url": spec["remove"],
        "section": "legal" if who == "lawyers" else "committees",
        "legal": "rota",
        "count": len(duties),
    }
    if manage and region is not None:
        duty_form = form or spec["form"](
            initial={"region": region.path, "day": today, "slot": c.DutySlot.FULL_DAY}
        )
        set_choices(duty_form, field, spec["choices"](user, region))
        set_choices(
            duty_form,
            "region",
            m.place_choices(user, m.CENTRE_LEVELS, access.ORGANISE, region.path),
        )
        context["duty_form"] = duty_form
        context["duty_url"] = request.get_full_path()
    return context


def _rota_page(request: HttpRequest, who: str) -> HttpResponse:
    spec = ROTAS[who]
    user = request.user
    if request.method == "GET":
        return m.page(request, "web/mediation/rota.html", _rota_context(request, who=who))
    form = spec["form"](request.POST)
    field = spec["field"]

    def call() -> Any:
        data = form.cleaned_data
        person = spec["people"](user).filter(pk=_int(data[field])).first()
        centre = m.picked_region(user, data["region"])
        errors = {}
        if person is None:
            errors[field] = _("请选择值班律师") if who == "lawyers" else _("请选择值班调解员")
        if centre is None:
            errors["region"] = _("请选择值班中心")
        if errors:
            raise ValidationError(errors)
        assert person is not None and centre is not None
        actor = m.staff(request)
        if who == "lawyers":
            return services.set_duty(
                actor=actor, lawyer=person, region=centre, day=data["day"], slot=data["slot"]
            )
        return services.set_mediator_duty(
            actor=actor, mediator=person, region=centre, day=data["day"], slot=data["slot"]
        )

    duty, status = m.attempt(form, call)
    if duty is not None:
        return m.done(request, _("已排班"), request.get_full_path())
    return m.form_error(
        request,
        form,
        request.get_full_path(),
        status,
        lambda: m.page(request, "web/mediation/rota.html", _rota_context(request, form, who)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rota(request: HttpRequest) -> HttpResponse:
    """律师值班表 of the chosen centre and month; operators add duties."""
    return _rota_page(request, "lawyers")


@login_required
@require_http_methods(["GET", "POST"])
def mediator_rota(request: HttpRequest) -> HttpResponse:
    """调解员值班表 of the chosen centre and month; operators add duties."""
    return _rota_page(request, "mediators")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _removed(request: HttpRequest, url: str, day: dt.date) -> HttpResponse:
    back = reverse(url) + f"?month={day:%Y-%m}"
    region = (request.POST.get("region") or "").strip()
    if region.isdigit():
        back += f"&region={region}"
    return m.done(request, _("已取消值班"), back)


@login_required
@require_POST
def duty_remove(request: HttpRequest, pk: int) -> HttpResponse:
    duty = selectors.duties(request.user).filter(pk=pk).first()
    if duty is None:
        raise m.not_found()
    services.remove_duty(actor=m.staff(request), duty=duty)
    return _removed(request, "mediation-rota", duty.day)


@login_required
@require_POST
def mediator_duty_remove(request: HttpRequest, pk: int) -> HttpResponse:
    duty: MediatorDuty | None = selectors.mediator_duties(request.user).filter(pk=pk).first()
    if duty is None:
        raise m.not_found()
    services.remove_mediator_duty(actor=m.staff(request), duty=duty)
    return _removed(request, "mediation-mediator-rota", duty.day)


# -- lawyers ---------------------------------------------------------------------------------


def account(username: str, region: Region) -> User | None:
    """An active account with a current post inside ``region`` (None when there is none)."""
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        return None
    posts = Post.objects.current().filter(user=found).filter(subtree_q(region.path, "region__path"))
    return found if posts.exists() else None


def _lawyers_context(request: HttpRequest, form: LawyerForm | None = None) -> dict[str, Any]:
    user = request.user
    rows = list(selectors.lawyers(user).order_by("-active", "region_path", "name"))
    today = timezone.localdate()
    answered = {
        row["lawyer"]: row["n"]
        for row in Consultation.objects.filter(lawyer__in=rows, answered_at__isnull=False)
        .values("lawyer")
        .annotate(n=Count("pk"))
    }
    upcoming = {
        row.lawyer_id: row
        for row in LegalDuty.objects.filter(lawyer__in=rows, day__gte=today).order_by("-day")
    }
    centres = m.centre_choices(user, access.ORGANISE)
    context: dict[str, Any] = {
        "rows": [(x, answered.get(x.pk, 0), upcoming.get(x.pk)) for x in rows],
        "section": "legal",
        "legal": "lawyers",
    }
    if centres:
        lawyer_form = form or LawyerForm()
        set_choices(lawyer_form, "region", centres)
        context["form"] = lawyer_form
        context["action"] = reverse("mediation-lawyers")
    return context


@login_required
@require_http_methods(["GET", "POST"])
def lawyers(request: HttpRequest) -> HttpResponse:
    """值班律师: the lawyers serving the user's area; operators add one."""
    user = request.user
    if request.method == "GET":
        return m.page(request, "web/mediation/lawyers.html", _lawyers_context(request))
    if not m.centre_choices(user, access.ORGANISE):
        raise PermissionDenied(_("您的岗位不能办理此项"))
    form = LawyerForm(request.POST)
    set_choices(form, "region", m.centre_choices(user, access.ORGANISE))

    def call() -> Lawyer:
        data = form.cleaned_data
        region = m.picked_region(user, data["region"])
        if region is None:
            raise ValidationError({"region": _("请选择服务区域")})
        login = (data.get("username") or "").strip()
        linked = account(login, region) if login else None
        if login and linked is None:
            raise ValidationError({"username": _("没有这个账号，或该账号不在服务区域内任职")})
        return services.add_lawyer(
            actor=m.staff(request),
            region=region,
            name=data["name"],
            firm=data["firm"],
            licence_no=data["licence_no"],
            phone=data.get("phone") or "",
            user=linked,
        )

    lawyer, status = m.attempt(form, call)
    if lawyer is not None:
        return m.done(
            request,
            _("已添加值班律师 %(name)s") % {"name": lawyer.name},
            reverse("mediation-lawyers"),
        )
    return m.form_error(
        request,
        form,
        reverse("mediation-lawyers"),
        status,
        lambda: m.page(request, "web/mediation/lawyers.html", _lawyers_context(request, form)),
    )
