"""Forms of the field-work workbench pages (/work/ops/…).

As for the registers and the party pages, the forms mostly gather input: the choice lists are
text fields shown as a list and ``ops.services`` validates (its ``ValidationError`` lands on the
form's fields through :func:`gridgov.web.registry_forms.apply_errors`). Dates, numbers and
required fields are parsed here first, so that the service gets typed values; their messages
are Django's (Chinese under ``zh-hans``) or ours."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.ops import choices as c

BLANK: list[tuple[str, Any]] = [("", "—")]
DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}
REQUIRED = {"required": _("请填写此项")}
Choices = Iterable[tuple[Any, Any]]


def _text(label: Any, *, max_length: int = 200, required: bool = False) -> Any:
    attrs = {"required": True} if required else {}
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs=attrs),
    )


def _area(label: Any, *, max_length: int = 200) -> Any:
    return forms.CharField(
        label=label, max_length=max_length, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _select(label: Any, choices: Choices = (), *, required: bool = False) -> Any:
    """A list whose value the service checks: a wrong value gets the service's message."""
    attrs = {"required": True} if required else {}
    return forms.CharField(
        label=label,
        required=required,
        error_messages=REQUIRED,
        widget=forms.Select(choices=BLANK + list(choices), attrs=attrs),
    )


def _date(label: Any, *, required: bool = False) -> Any:
    attrs = {**DATE, "required": True} if required else DATE
    return forms.DateField(
        label=label,
        required=required,
        error_messages={**REQUIRED, "invalid": _("请填写正确的日期")},
        widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
    )


def _datetime(label: Any, *, required: bool = False) -> Any:
    attrs = {**DATETIME, "required": True} if required else DATETIME
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={**REQUIRED, "invalid": _("请填写正确的日期和时间")},
        widget=forms.DateTimeInput(attrs=attrs, format="%Y-%m-%dT%H:%M"),
    )


def _int(label: Any, *, required: bool = False, min_value: int | None = None) -> Any:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=min_value,
        error_messages={
            **REQUIRED,
            "invalid": _("请填写整数"),
            "min_value": _("不能小于 %(limit_value)s"),
        },
    )


def set_choices(form: forms.Form, name: str, choices: Choices) -> None:
    if name in form.fields:
        form.fields[name].widget.choices = BLANK + list(choices)


# -- filters ---------------------------------------------------------------------------------


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名"), max_length=40, required=False)
    region = forms.ChoiceField(label=_("区域"), required=False)
    kind = forms.ChoiceField(
        label=_("力量类别"), required=False, choices=BLANK + c.WorkerKind.choices
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[*c.WorkerState.choices, ("all", _("全部"))]
    )
    unassigned = forms.BooleanField(label=_("仅未分配网格"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]


class DaysFilterForm(forms.Form):
    """Region and day range of the check-in and patrol lists."""

    region = forms.ChoiceField(label=_("区域"), required=False)
    day_from = forms.DateField(
        label=_("起"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    day_to = forms.DateField(
        label=_("止"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]


class CheckInFilterForm(DaysFilterForm):
    anomalies = forms.BooleanField(label=_("仅异常"), required=False)


class PatrolFilterForm(DaysFilterForm):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=BLANK + c.PatrolState.choices
    )


# -- roster ----------------------------------------------------------------------------------


class WorkerForm(forms.Form):
    name = _text(_("姓名"), max_length=50, required=True)
    gender = _select(_("性别"), c.Gender.choices, required=True)
    kind = _select(_("力量类别"), c.WorkerKind.choices, required=True)
    region = _select(_("管理单位（区划）"), required=True)
    hired_on = _date(_("入职日期"), required=True)
    birth_date = _date(_("出生日期"))
    phone = _text(_("联系电话"), max_length=20)
    education = _select(_("学历"), c.Education.choices)
    political_status = _select(_("政治面貌"), c.PoliticalStatus.choices)
    background_checked = forms.BooleanField(label=_("已通过政审"), required=False)
    note = _text(_("备注"), max_length=200)
    account = _text(_("工作账号（登录名）"), max_length=150)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, regions: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", regions)
        self.fields["account"].help_text = _("关联后本人可用该账号在网格通签到、巡查；留空则不关联")
        if editing:
            self.fields["phone"].help_text = _("不修改请留空（已登记的号码不显示）")
        else:
            del self.fields["version"]


class AssignForm(forms.Form):
    grid = _select(_("网格"), required=True)
    starts_on = _date(_("开始日期"), required=True)
    is_main = forms.BooleanField(label=_("主责网格"), required=False, initial=True)
    reason = _text(_("调整原因"))

    def __init__(self, *args: Any, grids: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "grid", grids)


class EndAssignmentForm(forms.Form):
    assignment = _select(_("网格分配"), required=True)
    ends_on = _date(_("结束日期"), required=True)
    reason = _text(_("原因"))

    def __init__(self, *args: Any, assignments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "assignment", assignments)


class EndWorkerForm(forms.Form):
    left_on = _date(_("离岗日期"), required=True)
    reason = _text(_("离岗原因"), required=True)


# -- training --------------------------------------------------------------------------------


class CourseForm(forms.Form):
    name = _text(_("课程名称"), max_length=100, required=True)
    topic = _text(_("培训内容"))
    hours = forms.DecimalField(
        label=_("学时"),
        required=False,
        max_digits=5,
        decimal_places=1,
        error_messages={"invalid": _("请填写数字"), "max_decimal_places": _("最多一位小数")},
    )
    region = _select(_("主办区划"), required=True)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", regions)


class SessionForm(forms.Form):
    course = _select(_("课程"), required=True)
    region = _select(_("举办区划"), required=True)
    starts_at = _datetime(_("开始时间"), required=True)
    ends_at = _datetime(_("结束时间"), required=True)
    place = _text(_("地点"))
    trainer = _text(_("授课人"), max_length=100)
    note = _area(_("说明"), max_length=2000)

    def __init__(
        self,
        *args: Any,
        courses: list[tuple[str, str]],
        regions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "course", courses)
        set_choices(self, "region", regions)


# -- leave and duty --------------------------------------------------------------------------


class LeaveForm(forms.Form):
    worker = _select(_("网格力量"), required=True)
    kind = _select(_("假别"), c.LeaveKind.choices, required=True)
    starts_on = _date(_("开始日期"), required=True)
    ends_on = _date(_("结束日期"), required=True)
    reason = _text(_("事由"))

    def __init__(self, *args: Any, workers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "worker", workers)


class DutyForm(forms.Form):
    worker = _select(_("网格力量"), required=True)
    region = _select(_("值班区域"), required=True)
    day = _date(_("值班日期"), required=True)
    note = _text(_("备注"))

    def __init__(
        self,
        *args: Any,
        workers: list[tuple[str, str]],
        regions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "worker", workers)
        set_choices(self, "region", regions)


# -- patrol plans ----------------------------------------------------------------------------


class PlanForm(forms.Form):
    grid = _select(_("网格"), required=True)
    times = _int(_("次数"), required=True, min_value=1)
    period = _select(_("周期"), c.PlanPeriod.choices, required=True)
    starts_on = _date(_("开始日期"), required=True)
    min_minutes = _int(_("每次至少（分钟）"), min_value=0)
    min_distance_m = _int(_("每次至少（米）"), min_value=0)
    note = _text(_("说明"))

    def __init__(self, *args: Any, grids: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "grid", grids)


class EndPlanForm(forms.Form):
    ends_on = _date(_("结束日期"), required=True)
