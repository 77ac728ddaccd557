"""Workbench pages of petition reception (信访接待) at ``/work/mediation/petitions/``: the list
with its filters and the statutory steps' lights, the register form (the 信访诉求 case and the
petition in one go, then the proposed repeats), a petition's page with its steps and the forms
of each step (受理告知, 延期, 答复 and its document, 满意度, 复查), and the centre's views:
repeat petitioners, hot topics by matter and hot keywords (jieba) over a period.

Views are thin: reads through ``mediation.selectors`` (404 outside the jurisdiction), writes
through ``mediation.services`` (403 for a wrong role, ``ValidationError`` on the form's fields,
``MediationConflict`` above the form with status 409). Forms are shown only to those who may
act (``mediation.access``). Petitioners' ID numbers and phones are only ever shown masked."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.cases.models import Item
from gridgov.mediation import access, selectors, services
from gridgov.mediation import choices as c
from gridgov.mediation.models import Petition
from gridgov.party.access import _posts, is_admin
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.mediation_room import attempt
from gridgov.web.ops_forms import BLANK, _area, _date, _int, _select, _text

T = TypeVar("T")
PLACES_LIMIT = 800
GRIDS_SHOWN = 300
CENTRE_DAYS = 30
STEP_NAMES = {
    "acknowledge": gettext_lazy("受理告知"),
    "reply": gettext_lazy("答复"),
    "review": gettext_lazy("复查答复"),
}
LIGHT_NAMES = {
    "red": gettext_lazy("已超期"),
    "yellow": gettext_lazy("3 日内到期"),
    "green": gettext_lazy("正常"),
    "done": gettext_lazy("已办"),
}


# -- helpers ---------------------------------------------------------------------------------


def may_mediate_anywhere(user: Any) -> bool:
    """Whether the user holds a post that may receive petitions somewhere."""
    if is_admin(user):
        return True
    allowed = access.TABLE[access.MEDIATE]
    return any(role in allowed and path for role, path, _dept in _posts(user))


def place_choices(user: Any) -> list[tuple[str, str]]:
    """Where a petition's matter lies: the townships, villages (and grids when not too many)
    in which the user may receive petitions."""
    levels = [Level.TOWNSHIP, Level.VILLAGE, Level.GRID]
    rows = regions.visible_regions(user).filter(level__in=levels, is_active=True)
    if rows.filter(level=Level.GRID).count() > GRIDS_SHOWN:
        rows = rows.exclude(level=Level.GRID)
    out = []
    for region in rows.select_related("parent").order_by("path")[: PLACES_LIMIT * 2]:
        if not access.may(user, access.MEDIATE, region.path):
            continue
        label = region.name
        if region.level != Level.TOWNSHIP and region.parent is not None:
            label = f"{region.parent.name} · {region.name}"
        out.append((region.path, label))
        if len(out) >= PLACES_LIMIT:
            break
    return out


def item_choices() -> list[tuple[str, str]]:
    rows = Item.objects.filter(board__code=services.PETITION_BOARD, is_active=True)
    return [(item.code, f"{item.code} {item.name}") for item in rows.order_by("code")]


def get_petition(user: Any, pk: int) -> Petition:
    found = (
        selectors.petitions(user)
        .select_related("case__region", "repeat_of__case", "created_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return found


def with_light(petition: Petition, today: dt.date) -> dict[str, Any]:
    due = selectors.open_step(petition, today=today)
    return {
        "petition": petition,
        "step": STEP_NAMES.get(due.step, "") if due else "",
        "due": due,
        "late": -due.days_left if due and due.days_left < 0 else 0,
    }


# -- forms -----------------------------------------------------------------------------------


def _check(label: Any) -> Any:
    return forms.BooleanField(label=label, required=False)


class PetitionFilterForm(forms.Form):
    form = forms.ChoiceField(
        label=gettext_lazy("信访形式"), required=False, choices=BLANK + c.PetitionForm.choices
    )
    state = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=BLANK + c.PetitionState.choices
    )
    group = _check(gettext_lazy("集体访（5 人以上）"))
    repeat = _check(gettext_lazy("重复访"))
    skips_level = _check(gettext_lazy("越级访"))
    overdue = _check(gettext_lazy("已超期"))


def _marked(field: Any) -> Any:
    """A field the service checks (all its messages at once), marked required in the page."""
    field.widget.attrs["required"] = True
    return field


class ReceiveForm(forms.Form):
    form = _marked(_select(gettext_lazy("信访形式"), c.PetitionForm.choices))
    item = _marked(_select(gettext_lazy("信访事项类别")))
    region = _marked(_select(gettext_lazy("事项发生地")))
    title = _marked(_text(gettext_lazy("标题"), max_length=100))
    description = forms.CharField(
        label=gettext_lazy("信访诉求"),
        max_length=services.TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )
    received_on = _date(gettext_lazy("收到日期"), required=True)
    name = _marked(_text(gettext_lazy("信访人姓名"), max_length=50))
    id_number = _text(gettext_lazy("身份证号"), max_length=18)
    phone = _text(gettext_lazy("联系电话"), max_length=20)
    address = _text(gettext_lazy("住址"), max_length=120)
    others = _area(gettext_lazy("其他信访人（每行一人：姓名 电话）"), max_length=2000)
    people_count = _int(gettext_lazy("信访人数"), min_value=1)
    skips_level = _check(gettext_lazy("越级信访"))

    def __init__(self, *args: Any, items: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].widget.choices = BLANK + list(items)
        self.fields["region"].widget.choices = BLANK + list(places)

    def petitioners(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        first = {
            "name": data.get("name") or "",
            "id_number": data.get("id_number") or "",
            "phone": data.get("phone") or "",
            "address": data.get("address") or "",
        }
        rows = [first]
        for line in (data.get("others") or "").splitlines():
            parts = line.replace("，", " ").replace(",", " ").split()
            if not parts:
                continue
            phone = parts[-1] if len(parts) > 1 and parts[-1][:1].isdigit() else ""
            name = " ".join(parts[:-1] if phone else parts)
            rows.append({"name": name, "phone": phone})
        return rows


class AcknowledgeForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=gettext_lazy("是否受理"),
        choices=[("1", gettext_lazy("予以受理")), ("0", gettext_lazy("不予受理"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择是否受理")},
    )
    on = _date(gettext_lazy("告知日期"), required=True)
    note = _area(gettext_lazy("不予受理的理由"), max_length=500)


class ExtendForm(forms.Form):
    reason = _area(gettext_lazy("延期理由"), max_length=200)


class ReplyForm(forms.Form):
    on = _date(gettext_lazy("答复日期"), required=True)
    text = forms.CharField(
        label=gettext_lazy("答复意见"),
        max_length=services.TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "required": True}),
    )


class RateForm(forms.Form):
    satisfaction = _select(gettext_lazy("满意度"), c.Satisfaction.choices, required=True)


class ReviewRequestForm(forms.Form):
    on = _date(gettext_lazy("申请复查日期"), required=True)


class ReviewAnswerForm(forms.Form):
    on = _date(gettext_lazy("复查答复日期"), required=True)
    text = forms.CharField(
        label=gettext_lazy("复查意见"),
        max_length=services.TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )


# -- the list --------------------------------------------------------------------------------


@login_required
@require_GET
def petitions_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    form = PetitionFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.PetitionFilter(
        form=data.get("form") or "",
        state=data.get("state") or "",
        group=bool(data.get("group")),
        repeat=bool(data.get("repeat")),
        skips_level=bool(data.get("skips_level")),
        overdue=bool(data.get("overdue")),
        region=o.filter_region(request),
    )
    rows = selectors.petition_list(user, filters, today=today)
    page = base.paginate(request, rows)
    lights = {"red": 0, "yellow": 0}
    for due in selectors.petition_deadlines(user, today=today):
        if due.light in lights:
            lights[due.light] += 1
    return o.page(
        request,
        "web/mediation/petitions.html",
        {
            "form": form,
            "page": page,
            "rows": [with_light(p, today) for p in page.object_list],
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "lights": lights,
            "may_receive": may_mediate_anywhere(user),
            "section": "petitions",
        },
    )


# -- register --------------------------------------------------------------------------------

RECEIVE_FIELDS = {
    "petitioners": "name",
    "lng": "region",
    "reporter_phone": "phone",
    "reporter_name": "name",
    "channel": "form",
    "case": "item",
}


def receive_aliases(count: int) -> dict[str, str]:
    aliases = dict(RECEIVE_FIELDS)
    for field in ("name", "id_number", "phone", "address", "person"):
        aliases[f"petitioners.0.{field}"] = field if field != "person" else "name"
    for i in range(1, count):
        for field in ("name", "id_number", "phone", "address"):
            aliases[f"petitioners.{i}.{field}"] = "others"
    return aliases


@login_required
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest) -> HttpResponse:
    """信访接待登记: the case and the petition with its petitioners."""
    user = request.user
    if not may_mediate_anywhere(user):
        raise PermissionDenied(_("您的岗位不能办理此项"))
    places = place_choices(user)
    items = item_choices()
    if request.method == "GET":
        form = ReceiveForm(
            items=items,
            places=places,
            initial={"received_on": timezone.localdate(), "form": c.PetitionForm.VISIT},
        )
        return _new_page(request, form)
    form = ReceiveForm(request.POST, items=items, places=places)
    aliases = dict(RECEIVE_FIELDS)

    def call() -> Petition:
        data = form.cleaned_data
        petitioners = form.petitioners()
        aliases.update(receive_aliases(len(petitioners)))
        region = regions.visible_regions(user).filter(path=data["region"] or "-").first()
        item = Item.objects.filter(code=data["item"] or "-").select_related("board").first()
        return services.receive_petition(
            actor=o.staff(request),
            form=data["form"],
            item=item,
            region=region,
            title=data["title"],
            description=data.get("description") or "",
            petitioners=petitioners,
            people_count=data.get("people_count"),
            skips_level=bool(data.get("skips_level")),
            received_on=data["received_on"],
            address=data.get("address") or "",
        )

    petition, status = attempt(form, call, aliases)
    if petition is not None:
        to = reverse("mediation-petition", args=[petition.pk])
        return o.done(request, _("已登记信访事项 %(n)s") % {"n": petition.case.number}, to)
    response = _new_page(request, form)
    response.status_code = status
    return response


def _new_page(request: HttpRequest, form: ReceiveForm) -> HttpResponse:
    return o.page(
        request,
        "web/mediation/petition_new.html",
        {"form": form, "section": "petitions", "wide": ["description", "others"]},
    )


# -- one petition ----------------------------------------------------------------------------


def forms_for(petition: Petition) -> dict[str, type[forms.Form]]:
    """The step forms that the petition's state allows, in the order they are shown."""
    state = petition.state
    shown: dict[str, type[forms.Form]] = {}
    if state == c.PetitionState.RECEIVED:
        shown["acknowledge"] = AcknowledgeForm
    if state in (c.PetitionState.ACCEPTED, c.PetitionState.EXTENDED):
        shown["reply"] = ReplyForm
    if state == c.PetitionState.ACCEPTED:
        shown["extend"] = ExtendForm
    if state in (c.PetitionState.REPLIED, c.PetitionState.REVIEWED):
        shown["rate"] = RateForm
    if state == c.PetitionState.REPLIED:
        shown["review"] = ReviewRequestForm
    if state == c.PetitionState.REVIEW:
        shown["review-answer"] = ReviewAnswerForm
    return shown


def case_allows(user: Any, petition: Petition, step: str) -> bool:
    """Whether the case engine lets the user take the case along with the step: the owning
    centre's operator acknowledges (受理, 派遣), the handling unit replies (办结); other
    steps do not move the case."""
    from gridgov.cases import services as case_services
    from gridgov.cases.workflow import Action, Actor, Status, allowed_actions

    case = petition.case
    state = case_services.state_of(case)
    kinds = set(case_services.kinds_of(user, case, state))
    if step == "acknowledge" and case.status in (Status.SUBMITTED, Status.ACCEPTED):
        action = Action.ACCEPT if case.status == Status.SUBMITTED else Action.DISPATCH
        transition = allowed_actions(Status(case.status)).get(action)
        return transition is not None and bool(transition.actors & kinds)
    if step == "reply":
        return Actor.LEAD in kinds
    return True


ACTION_TITLES = {
    "acknowledge": gettext_lazy("受理告知"),
    "extend": gettext_lazy("延期办理（仅一次，延长 30 日）"),
    "reply": gettext_lazy("书面答复"),
    "rate": gettext_lazy("满意度评价"),
    "review": gettext_lazy("申请复查"),
    "review-answer": gettext_lazy("复查答复"),
}
ACTION_DONE = {
    "acknowledge": gettext_lazy("已告知是否受理"),
    "extend": gettext_lazy("已延期办理"),
    "reply": gettext_lazy("已书面答复"),
    "rate": gettext_lazy("已记录满意度"),
    "review": gettext_lazy("已登记复查申请"),
    "review-answer": gettext_lazy("已答复复查申请"),
}


def run_action(actor: Any, petition: Petition, action: str, data: dict[str, Any]) -> Petition:
    if action == "acknowledge":
        return services.acknowledge(
            actor=actor,
            petition=petition,
            accepted=bool(data["accepted"]),
            on=data["on"],
            note=data.get("note") or "",
        )
    if action == "extend":
        return services.extend(actor=actor, petition=petition, reason=data.get("reason") or "")
    if action == "reply":
        return services.reply(
            actor=actor, petition=petition, on=data["on"], text=data.get("text") or ""
        )
    if action == "rate":
        return services.rate(actor=actor, petition=petition, satisfaction=data["satisfaction"])
    if action == "review":
        return services.request_review(actor=actor, petition=petition, on=data["on"])
    return services.answer_review(
        actor=actor, petition=petition, on=data["on"], text=data.get("text") or ""
    )


def has_reply_document() -> bool:
    from gridgov.mediation import documents

    return hasattr(documents, "reply_pdf")


def _detail_context(
    request: HttpRequest, petition: Petition, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    may_act = access.may(user, access.MEDIATE, petition.region_path)
    visible = selectors.petitions(user)
    action_forms = []
    if may_act:
        initial = {"on": today, "accepted": "1"}
        for key, form_class in forms_for(petition).items():
            if key not in (bound or {}) and not case_allows(user, petition, key):
                continue
            form = (bound or {}).get(key) or form_class(initial=initial)
            action_forms.append(
                {
                    "key": key,
                    "title": ACTION_TITLES[key],
                    "form": form,
                    "action": reverse("mediation-petition-action", args=[petition.pk, key]),
                    "open": key in (bound or {}),
                }
            )
    proposed = []
    if petition.repeat_of_id is None:
        ids = [p.pk for p in services.possible_repeats(petition)]
        proposed = list(
            visible.filter(pk__in=ids).select_related("case").order_by("-received_on", "-pk")
        )
    steps = [
        {
            "name": STEP_NAMES[s.key],
            "due": s.due,
            "done": s.done,
            "light": s.light,
            "light_name": LIGHT_NAMES.get(s.light, ""),
            "left": (s.due - today).days if s.due and not s.done else None,
            "late": (today - s.due).days if s.due and not s.done and s.due < today else 0,
        }
        for s in selectors.petition_steps(petition, today=today)
    ]
    return {
        "petition": petition,
        "case": petition.case,
        "petitioners": list(petition.petitioners.all()),
        "steps": steps,
        "action_forms": action_forms,
        "may_act": may_act,
        "proposed": proposed,
        "repeats": list(visible.filter(repeat_of=petition).select_related("case")),
        "reply_document": bool(petition.replied_on) and has_reply_document(),
        "section": "petitions",
    }


@login_required
@require_GET
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = get_petition(request.user, pk)
    return o.page(request, "web/mediation/petition.html", _detail_context(request, petition))


@login_required
@require_POST
def petition_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the petition (受理告知, 延期, 答复, 满意度, 复查): 404 outside the jurisdiction
    or for a step that does not exist, 403 without the right."""
    user = request.user
    petition = get_petition(user, pk)
    if action not in ACTION_TITLES:
        raise Http404(_("没有这个操作"))
    if not access.may(user, access.MEDIATE, petition.region_path):
        raise PermissionDenied(_("您的岗位不能办理此项"))
    form_class = (
        forms_for(petition).get(action)
        or {
            "acknowledge": AcknowledgeForm,
            "extend": ExtendForm,
            "reply": ReplyForm,
            "rate": RateForm,
            "review": ReviewRequestForm,
            "review-answer": ReviewAnswerForm,
        }[action]
    )
    form = form_class(request.POST)
    actor = o.staff(request)
    result, status = attempt(form, lambda: run_action(actor, petition, action, form.cleaned_data))
    back = reverse("mediation-petition", args=[pk])
    if result is not None:
        return o.done(request, str(ACTION_DONE[action]), back)
    bound = {action: form}
    if status == 409 and not base.is_htmx(request):
        # the step is not open any more: show the page as it is now, the message above
        bound = {}
        from django.contrib import messages

        messages.error(request, "；".join(str(e) for e in form.non_field_errors()))
    context = _detail_context(request, get_petition(user, pk), bound)
    return o.form_error(
        request,
        form,
        reverse("mediation-petition-action", args=[pk, action]),
        status,
        lambda: o.page(request, "web/mediation/petition.html", context),
        submit=ACTION_TITLES[action],
    )


@login_required
@require_POST
def petition_link(request: HttpRequest, pk: int, earlier: int) -> HttpResponse:
    """Confirm a proposed repeat: this petition repeats the earlier one."""
    from django.contrib import messages

    user = request.user
    petition = get_petition(user, pk)
    previous = get_petition(user, earlier)
    back = reverse("mediation-petition", args=[pk])
    try:
        services.link_repeat(actor=o.staff(request), petition=petition, earlier=previous)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return o.page(
            request,
            "web/mediation/petition.html",
            _detail_context(request, get_petition(user, pk)),
            status=200,
        )
    return o.done(request, _("已确认为 %(n)s 的重复信访") % {"n": previous.case.number}, back)


@login_required
@require_GET
def petition_reply_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply document (信访事项答复意见书) of a replied petition."""
    petition = get_petition(request.user, pk)
    if petition.replied_on is None or not has_reply_document():
        raise Http404(_("该信访事项尚未答复"))
    from gridgov.mediation import documents

    content = documents.reply_pdf(petition)
    return base.download(content, f"答复意见书-{petition.case.number}.pdf", "application/pdf")


# -- the centre's views ----------------------------------------------------------------------


class PeriodForm(forms.Form):
    since = _date(gettext_lazy("起"))
    until = _date(gettext_lazy("止"))


@login_required
@require_GET
def petitions_centre(request: HttpRequest) -> HttpResponse:
    """重复信访人, 热点事项 and 热点词 (jieba) over the chosen period (the last 30 days)."""
    user = request.user
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    until = data.get("until") or today
    since = data.get("since") or until - dt.timedelta(days=CENTRE_DAYS - 1)
    if since > until:
        since, until = until, since
    if not form.is_bound:
        form = PeriodForm(initial={"since": since, "until": until})
    days = (until - since).days + 1
    return o.page(
        request,
        "web/mediation/petition_centre.html",
        {
            "form": form,
            "since": since,
            "until": until,
            "days": days,
            "keywords": selectors.hot_keywords(user, since=since, until=until),
            "topics": selectors.hot_topics(user, until=until, days=days),
            "repeaters": selectors.repeat_petitioners(user, until=until)[:50],
            "may_receive": may_mediate_anywhere(user),
            "section": "petition-centre",
        },
    )
