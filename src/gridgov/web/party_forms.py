"""Forms of the party building pages (/work/party/…).

As for the registers, the forms only gather input: every field is optional to Django (a select
is a text field shown as a list), ``party.services`` validates and its ``ValidationError`` lands
on the form's fields through :func:`gridgov.web.registry_forms.apply_errors`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.party import choices as c
from gridgov.party.models import StarCriterion

BLANK: list[tuple[str, Any]] = [("", "—")]
DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}
YES_NO: list[tuple[str, Any]] = [("", "—"), ("1", _("是")), ("0", _("否"))]

Choices = Iterable[tuple[Any, Any]]


def _text(label: Any, *, max_length: int = 200, required: bool = False, **attrs: Any) -> Any:
    widget = forms.TextInput(attrs={"required": True, **attrs} if required else attrs)
    return forms.CharField(label=label, max_length=max_length, required=False, widget=widget)


def _area(label: Any, *, rows: int = 3, max_length: int = 5000, required: bool = False) -> Any:
    attrs: dict[str, Any] = {"rows": rows}
    if required:
        attrs["required"] = True
    return forms.CharField(
        label=label, max_length=max_length, required=False, widget=forms.Textarea(attrs=attrs)
    )


def _select(label: Any, choices: Choices = (), *, required: bool = False) -> Any:
    """A list whose value the service checks (not the form): a wrong value gets the service's
    message on the field."""
    attrs = {"required": True} if required else {}
    return forms.CharField(
        label=label, required=False, widget=forms.Select(choices=list(choices), attrs=attrs)
    )


def _date(label: Any, *, required: bool = False) -> Any:
    attrs = {**DATE, "required": True} if required else DATE
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs=attrs))


def _datetime(label: Any, *, required: bool = False) -> Any:
    attrs = {**DATETIME, "required": True} if required else DATETIME
    return forms.CharField(label=label, required=False, widget=forms.DateTimeInput(attrs=attrs))


REASON = _("理由")


def _reason(label: Any = REASON, *, required: bool = True) -> Any:
    return _area(label, rows=2, max_length=200, required=required)


def set_choices(form: forms.Form, name: str, choices: Choices, *, blank: bool = True) -> None:
    if name in form.fields:
        form.fields[name].widget.choices = (BLANK if blank else []) + list(choices)


# -- filters ---------------------------------------------------------------------------------


class OrgFilterForm(forms.Form):
    q = _text(_("名称"), max_length=40)
    region = forms.ChoiceField(label=_("区域"), required=False)
    kind = forms.ChoiceField(label=_("组织类型"), required=False, choices=BLANK + c.OrgKind.choices)
    category = forms.ChoiceField(
        label=_("组织类别"), required=False, choices=BLANK + c.OrgCategory.choices
    )
    stars = forms.ChoiceField(
        label=_("星级"),
        required=False,
        choices=BLANK + [(str(n), "★" * n) for n in range(5, 0, -1)] + [("0", _("未评定"))],
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]


class MemberFilterForm(forms.Form):
    q = _text(_("姓名"), max_length=40)
    region = forms.ChoiceField(label=_("区域"), required=False)
    organisation = forms.ChoiceField(label=_("党组织"), required=False)
    status = forms.ChoiceField(
        label=_("党员类别"), required=False, choices=BLANK + c.MemberStatus.choices
    )
    in_service = forms.ChoiceField(label=_("在职党员"), required=False, choices=YES_NO)
    mobile = forms.ChoiceField(label=_("流动党员"), required=False, choices=YES_NO)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[*c.MemberState.choices, ("all", _("全部"))]
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]
        self.fields["organisation"].choices = BLANK + organisations  # type: ignore[attr-defined]


class RegistrationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("live", _("有效报到")),
            *c.RegistrationState.choices,
            ("all", _("全部")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("报到类型"), required=False, choices=BLANK + c.RegistrantKind.choices
    )
    community = forms.ChoiceField(label=_("社区（村）"), required=False)
    grid = forms.ChoiceField(label=_("网格"), required=False)

    def __init__(
        self,
        *args: Any,
        communities: list[tuple[str, str]],
        grids: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = BLANK + communities  # type: ignore[attr-defined]
        self.fields["grid"].choices = BLANK + grids  # type: ignore[attr-defined]


class NeedFilterForm(forms.Form):
    q = _text(_("标题"), max_length=40)
    region = forms.ChoiceField(label=_("区域"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=BLANK + c.NeedKind.choices)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=BLANK + c.NeedState.choices)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]


class MeetingFilterForm(forms.Form):
    organisation = forms.ChoiceField(label=_("党组织"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=BLANK + c.MeetingKind.choices)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=BLANK + c.MeetingState.choices
    )
    month = forms.CharField(
        label=_("月份"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = BLANK + organisations  # type: ignore[attr-defined]


# -- organisations ---------------------------------------------------------------------------


class OrganisationForm(forms.Form):
    name = _text(_("名称"), max_length=100, required=True)
    kind = _select(_("组织类型"), BLANK + c.OrgKind.choices, required=True)
    category = _select(_("组织类别"), c.OrgCategory.choices)
    parent = _select(_("上级党组织"))
    region = _text(_("所在区划"), max_length=30, list="party-regions", required=True)
    founded_on = _date(_("成立日期"))
    phone = _text(_("办公电话"), max_length=30, inputmode="tel")
    address = _text(_("地址"), max_length=200)
    takes_cases = forms.BooleanField(label=_("接单（可派发事件）"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, parents: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "parent", parents)
        self.fields["region"].help_text = str(_("区划代码（可从列表中选择）"))
        if editing:
            del self.fields["takes_cases"]
        else:
            del self.fields["version"]


class DissolveForm(forms.Form):
    reason = _reason(_("撤销原因"))


class SeatForm(forms.Form):
    member = _select(_("党员"), required=True)
    title = _select(_("职务"), c.SeatTitle.choices, required=True)
    starts_on = _date(_("任职日期"))

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "member", members)


class EndSeatForm(forms.Form):
    ends_on = _date(_("离任日期"))


class RateForm(forms.Form):
    """One points field per active criterion (its maximum shown), the year and a note."""

    year = _text(_("年度"), max_length=4, required=True, inputmode="numeric")
    note = _reason(_("评定意见"), required=False)

    def __init__(self, *args: Any, criteria: list[StarCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        note = self.fields.pop("note")
        for criterion in criteria:
            self.fields[f"score_{criterion.code}"] = _text(
                f"{criterion.name}（{_('满分')} {criterion.max_points}）",
                max_length=6,
                required=True,
                inputmode="decimal",
            )
            self.fields[f"score_{criterion.code}"].help_text = criterion.description
        self.fields["note"] = note

    def scores(self) -> dict[str, str]:
        data = self.cleaned_data
        return {k.code: (data.get(f"score_{k.code}") or "").strip() for k in self.criteria}


# -- members ---------------------------------------------------------------------------------


class MemberForm(forms.Form):
    person = forms.CharField(required=False, widget=forms.HiddenInput)
    organisation = _select(_("所在党组织"), required=True)
    joined_on = _date(_("入党日期"), required=True)
    status = _select(_("党员类别"), c.MemberStatus.choices)
    full_member_on = _date(_("转正日期"))
    in_service_unit = _text(_("在职单位"), max_length=100)
    in_service_department = _select(_("在职单位（部门）"))
    is_mobile = forms.BooleanField(label=_("流动党员"), required=False)
    mobile_location = _text(_("流入地"), max_length=100)
    mobile_since = _date(_("外出日期"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        departments: list[tuple[str, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", organisations)
        set_choices(self, "in_service_department", departments)
        self.fields["full_member_on"].help_text = str(_("预备党员不填"))
        self.fields["in_service_unit"].help_text = str(_("在职党员填写工作单位，可参加双报到"))
        if editing:
            del self.fields["person"]
            self.fields["organisation"].help_text = str(_("改为其他党组织即为组织关系转接"))
        else:
            del self.fields["version"]


class EndMemberForm(forms.Form):
    state = _select(
        _("原因类别"),
        [(k, v) for k, v in c.MemberState.choices if k != c.MemberState.ACTIVE],
        required=True,
    )
    reason = _reason(_("说明"))


# -- grid chiefs -----------------------------------------------------------------------------


class ChiefForm(forms.Form):
    member = _select(_("网格长人选"))
    reason = _reason(_("调整理由"), required=False)
    starts_on = _date(_("任职日期"))

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].widget.choices = [
            ("", _("（默认）网格党支部书记")),
            *members,
        ]
        self.fields["reason"].help_text = str(_("不由支部书记担任时必填"))


# -- sinking (双报到) ------------------------------------------------------------------------


class RegistrationForm(forms.Form):
    kind = _select(_("报到类型"), c.RegistrantKind.choices, required=True)
    member = _select(_("在职党员"))
    unit = _select(_("报到单位"))
    community = _select(_("报到社区（村）"), required=True)
    skills = _text(_("特长与服务意向"), max_length=200)

    def __init__(
        self,
        *args: Any,
        members: list[tuple[str, str]],
        units: list[tuple[str, str]],
        communities: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "member", members)
        set_choices(self, "unit", units)
        set_choices(self, "community", communities)
        self.fields["member"].help_text = str(_("报到类型为在职党员时选择"))
        self.fields["unit"].help_text = str(_("报到类型为单位时选择"))


class AssignForm(forms.Form):
    grid = _select(_("下沉网格"), required=True)

    def __init__(self, *args: Any, grids: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "grid", grids)


class ReasonForm(forms.Form):
    reason = _reason()


class ServiceRecordForm(forms.Form):
    day = _date(_("服务日期"), required=True)
    hours = _text(_("时长（小时）"), max_length=6, required=True, inputmode="decimal")
    content = _text(_("服务内容"), max_length=200, required=True)


# -- needs -----------------------------------------------------------------------------------


class NeedForm(forms.Form):
    kind = _select(_("类型"), c.NeedKind.choices, required=True)
    title = _text(_("标题"), max_length=100, required=True)
    region = _select(_("发布社区/网格"), required=True)
    beneficiary = _text(_("服务对象"), max_length=100)
    slots = _text(_("认领名额"), max_length=3, inputmode="numeric", required=True)
    due_on = _date(_("截止日期"))
    detail = _area(_("内容"), rows=4)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", regions)


class ClaimForm(forms.Form):
    registration = _select(_("认领人（单位）"), required=True)

    def __init__(self, *args: Any, registrations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "registration", registrations)


class ReportForm(forms.Form):
    result = _area(_("办理情况"), rows=2, max_length=2000, required=True)
    hours = _text(_("服务时长（小时）"), max_length=6, required=True, inputmode="decimal")


# -- meetings --------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    organisation = _select(_("党组织"), required=True)
    kind = _select(_("类型"), c.MeetingKind.choices, required=True)
    title = _text(_("主题"), max_length=100, required=True)
    starts_at = _datetime(_("开始时间"), required=True)
    ends_at = _datetime(_("结束时间"))
    place = _text(_("地点"), max_length=100)
    is_online = forms.BooleanField(label=_("可远程参加（网上党支部）"), required=False)
    online_link = _text(_("线上会议链接"), max_length=300)
    agenda = _area(_("议程"))
    materials = _area(_("学习材料"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", organisations)
        if editing:
            del self.fields["organisation"]
        else:
            del self.fields["version"]
