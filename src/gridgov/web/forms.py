"""Forms of the workbench: the case list's filters and one form per workflow action.

The forms only gather input; ``cases.services.act`` validates it against the rules and its
``ValidationError`` lands on the form's fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Department, Post
from gridgov.accounts.roles import Role
from gridgov.cases.choices import Channel, Rating, StatusChoice, SupervisionLevel
from gridgov.cases.models import Board, Case
from gridgov.cases.workflow import Action
from gridgov.regions.models import Region


class CaseFilterForm(forms.Form):
    """The list's filter bar; its fields are CaseFilter's URL parameters."""

    q = forms.CharField(label=_("编号或标题"), required=False)
    status = forms.MultipleChoiceField(
        label=_("状态"), choices=StatusChoice.choices, required=False
    )
    light = forms.ChoiceField(
        label=_("亮灯"),
        required=False,
        choices=[("", "—"), ("green", _("绿灯")), ("yellow", _("黄灯")), ("red", _("红灯"))],
    )
    board = forms.ChoiceField(label=_("板块"), required=False)
    channel = forms.MultipleChoiceField(label=_("渠道"), choices=Channel.choices, required=False)
    region = forms.ChoiceField(label=_("区域"), required=False)
    supervision = forms.ChoiceField(
        label=_("督办"),
        required=False,
        choices=[("", "—"), ("any", _("督办中")), *SupervisionLevel.choices],
    )
    created_from = forms.DateField(
        label=_("上报自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("上报至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (b.code, b.name) for b in Board.objects.filter(is_active=True)
        ]
        self.fields["region"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (r.path, ("　" * max(0, len(r.path) // 3 - 2)) + r.name) for r in regions
        ]


UNIT_HELP = _("办理单位")


def dispatch_choices(case: Case) -> list[tuple[str, str]]:
    """Units the owning centre may dispatch to, the item's department first (建议)."""
    centre = case.centre
    choices: list[tuple[str, str]] = []
    suggested = case.item.department_id
    # Party organisations that take cases (接单) are offered only where they lead the case's
    # place (the grid's branch, the village's organisation …), not every one in the county.
    departments = [
        d
        for d in Department.objects.filter(is_active=True).select_related("region")
        if case.region_path.startswith(d.region.path)
        or (d.kind != Department.Kind.PARTY and d.region.path.startswith(centre.path))
    ]
    departments.sort(key=lambda d: (d.pk != suggested, d.code))
    for d in departments:
        label = f"{d.name}（{_('建议')}）" if d.pk == suggested else d.name
        choices.append((f"department:{d.pk}", str(label)))
    lower = Region.objects.filter(parent=centre, level__in=["township", "village"])
    if centre.level == "county":
        village = case.region_path[:12]
        lower = Region.objects.filter(path__in=[case.region_path[:9], village])
    choices += [(f"centre:{r.path}", f"{r.name}（{r.get_level_display()}）") for r in lower]
    grid = case.region_path[:15]
    workers = (
        Post.objects.current()
        .filter(
            role=Role.GRID_WORKER,
            region__path__startswith=grid if centre.level != "village" else centre.path,
        )
        .select_related("user", "region")
        .order_by("region__path")
    )
    choices += [
        (
            f"user:{p.user_id}",
            f"{p.region.name if p.region else ''} 网格员 {p.user.full_name or p.user.username}",
        )
        for p in workers[:60]
    ]
    choices += [
        (f"user:{user_id}", f"{grid_name} 下沉党员 {name}")
        for user_id, grid_name, name in sunk_members(grid)
    ]
    return choices


def sunk_members(grid_path: str) -> list[tuple[int, str, str]]:
    """Staff accounts of the in-service members sunk into a grid (双报到): (user id, grid name,
    member name), for dispatching a case to them as persons."""
    from gridgov.party.models import ServiceRegistration

    rows = (
        ServiceRegistration.objects.filter(
            state="assigned",
            grid__path=grid_path,
            member__user__isnull=False,
            member__user__is_active=True,
            member__state="active",
        )
        .order_by("member__person__name")
        .values_list("member__user_id", "grid__name", "member__person__name")
    )
    seen: set[int] = set()
    out = []
    for user_id, grid_name, name in rows[:60]:
        if user_id not in seen:
            seen.add(user_id)
            out.append((user_id, grid_name, name))
    return out


def unit(value: str) -> dict[str, str]:
    kind, _sep, ref = value.partition(":")
    return {"kind": kind, "ref": ref}


def call_in_choices(case: Case) -> list[tuple[str, str]]:
    """Units a leader may call in with an instruction: the case's centres and departments."""
    paths = [case.region_path[:n] for n in (6, 9, 12) if len(case.region_path) >= n]
    centres = Region.objects.filter(path__in=paths).order_by("path")
    choices = [(f"centre:{r.path}", f"{r.name}（{r.get_level_display()}）") for r in centres]
    departments = (
        Department.objects.filter(is_active=True)
        .filter(
            ~Q(kind=Department.Kind.PARTY) | Q(region__path__in=[*paths, case.region_path[:15]])
        )
        .order_by("code")
    )
    return choices + [(f"department:{d.pk}", d.name) for d in departments]


TEXT = {"reason": _("原因"), "note": _("说明"), "result": _("办理结果")}


def action_form(action: Action, case: Case, data: Any = None, files: Any = None) -> forms.Form:
    """The form of one action, with the fields its transition needs."""
    fields: dict[str, forms.Field] = {}
    needs = {
        Action.REJECT: ["reason"],
        Action.SEND_BACK: ["reason"],
        Action.ESCALATE: ["reason"],
        Action.VERIFY_FAIL: ["reason"],
        Action.REOPEN: ["reason"],
        Action.HOLD: ["reason"],
        Action.REQUEST_VOID: ["reason"],
        Action.DENY_VOID: ["reason"],
        Action.DENY_EXTENSION: ["reason"],
        Action.HANDLE: ["result"],
        Action.INSTRUCT: ["note"],
        Action.URGE: ["note"],
        Action.RESPOND: ["note"],
        Action.CO_REPORT: ["note"],
        Action.SUPERVISE: ["note"],
        Action.REQUEST_EXTENSION: ["reason"],
    }.get(action, [])
    for name in needs:
        fields[name] = forms.CharField(
            label=TEXT[name], max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
        )
    if action == Action.DISPATCH:
        options = dispatch_choices(case)
        fields["lead"] = forms.ChoiceField(label=_("主办单位"), choices=options)
        fields["co"] = forms.MultipleChoiceField(
            label=_("协办单位"),
            required=False,
            choices=[c for c in options if c[0].startswith("department:")],
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )
    if action == Action.WHISTLE:
        fields["departments"] = forms.MultipleChoiceField(
            label=_("吹哨部门"),
            choices=[
                (str(d.pk), d.name)
                for d in Department.objects.filter(is_active=True).exclude(
                    kind=Department.Kind.PARTY
                )
            ],
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
    if action == Action.INSTRUCT:
        fields["to"] = forms.MultipleChoiceField(
            label=_("调度单位（可选）"),
            required=False,
            choices=call_in_choices(case),
            widget=forms.SelectMultiple(attrs={"size": 5}),
        )
    if action == Action.MERGE:
        fields["master"] = forms.CharField(label=_("并入案件编号"), max_length=20)
    if action == Action.CALLBACK:
        fields["reached"] = forms.TypedChoiceField(
            label=_("是否联系上反映人"),
            choices=[("true", _("联系上")), ("false", _("未联系上"))],
            coerce=lambda v: v == "true",
            widget=forms.RadioSelect,
        )
        fields["rating"] = forms.ChoiceField(
            label=_("满意度"),
            required=False,
            choices=[("", "—"), *Rating.choices],
            widget=forms.RadioSelect,
        )
    if action == Action.REQUEST_EXTENSION:
        fields["amount"] = forms.FloatField(
            label=_("延期时长（按当前环节的时限单位）"), min_value=0.1, max_value=60
        )
    if action == Action.SUPERVISE:
        fields["level"] = forms.ChoiceField(label=_("督办级别"), choices=SupervisionLevel.choices)
        fields["requires_response"] = forms.BooleanField(
            label=_("要求书面回复"), required=False, initial=True
        )
    if action == Action.HANDLE:
        fields["photos"] = forms.FileField(
            label=_("处置照片"),
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        )
    form_class = type(f"{action.value}Form", (forms.Form,), fields)
    return form_class(data, files, prefix=action.value)


def payload_of(action: Action, form: forms.Form) -> dict[str, Any]:
    """The service payload from a valid action form."""
    data = dict(form.cleaned_data)
    data.pop("photos", None)
    if "lead" in data:
        data["lead"] = unit(data["lead"])
        data["co"] = [unit(v) for v in data.get("co", [])]
    if "to" in data:
        data["to"] = [unit(v) for v in data["to"]]
        if not data["to"]:
            del data["to"]
    if action == Action.CALLBACK and not data.get("rating"):
        data["rating"] = None
    return data
