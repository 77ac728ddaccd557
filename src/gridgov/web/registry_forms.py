"""Forms of the register pages (workbench and phone).

The forms only gather input: every field is optional to Django and ``registry.services``
validates (Chinese messages per field); :func:`apply_errors` puts a service's
``ValidationError`` on the form's fields. Filter forms carry the URL parameters of the
selectors' filter dataclasses (``PersonFilter``, ``RoomFilter``, ``OrganisationFilter``), so a
page, the API and an export read the same parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridgov.registry import choices as c

BLANK = [("", "—")]
DATE = {"type": "date"}


def _choices(options: Any, blank: bool = True) -> list[tuple[str, Any]]:
    return (BLANK if blank else []) + list(options.choices)


def _text(label: Any, *, max_length: int = 200, required: bool = False, **attrs: Any) -> Any:
    widget = forms.TextInput(attrs={"required": True, **attrs} if required else attrs)
    return forms.CharField(label=label, max_length=max_length, required=False, widget=widget)


REASON = _("理由")


def _reason(label: Any = REASON, *, rows: int = 2) -> Any:
    return forms.CharField(
        label=label,
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "required": True, "maxlength": 200}),
    )


def apply_errors(
    form: forms.Form, exc: ValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's field errors on the form's fields (unknown fields: on the form)."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, messages)


# -- filters ---------------------------------------------------------------------------------


class PersonFilterForm(forms.Form):
    q = _text(_("姓名 / 证件号 / 电话 / 证件后4位"), max_length=40)
    qh = forms.CharField(required=False, widget=forms.HiddenInput)
    region = forms.ChoiceField(label=_("区域"), required=False)
    kind = forms.ChoiceField(label=_("人口类型"), required=False, choices=_choices(c.PersonKind))
    residence_status = forms.ChoiceField(
        label=_("人户状态"), required=False, choices=_choices(c.ResidenceStatus)
    )
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=_choices(c.Gender))
    group = forms.ChoiceField(label=_("标签组"), required=False)
    tag = forms.ChoiceField(label=_("标签"), required=False)
    party = forms.ChoiceField(
        label=_("党员"), required=False, choices=[("", "—"), ("1", _("是")), ("0", _("否"))]
    )
    age_min = forms.IntegerField(
        label=_("年龄自"), required=False, min_value=0, max_value=150,
        widget=forms.NumberInput(attrs={"style": "width:5em"}),
    )  # fmt: skip
    age_max = forms.IntegerField(
        label=_("年龄至"), required=False, min_value=0, max_value=150,
        widget=forms.NumberInput(attrs={"style": "width:5em"}),
    )  # fmt: skip
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("active", _("在册")),
            ("moved_out", _("已迁出")),
            ("deceased", _("已死亡")),
            ("all", _("全部")),
        ],
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        groups: list[tuple[str, str]],
        tags: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]
        self.fields["group"].choices = BLANK + groups  # type: ignore[attr-defined]
        self.fields["tag"].choices = BLANK + tags  # type: ignore[attr-defined]


class RoomFilterForm(forms.Form):
    q = _text(_("房号或产权人"), max_length=40)
    region = forms.ChoiceField(label=_("区域"), required=False)
    use = forms.ChoiceField(label=_("用途"), required=False, choices=_choices(c.RoomUse))
    occupancy = forms.ChoiceField(
        label=_("居住状态"), required=False, choices=_choices(c.Occupancy)
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]


class OrganisationFilterForm(forms.Form):
    q = _text(_("名称或统一社会信用代码"), max_length=40)
    region = forms.ChoiceField(label=_("区域"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=_choices(c.OrgKind))
    state = forms.ChoiceField(label=_("经营状态"), required=False, choices=_choices(c.OrgState))
    dedicated = forms.ChoiceField(
        label=_("专属网格"), required=False, choices=[("", "—"), ("1", _("有专属网格"))]
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + regions  # type: ignore[attr-defined]


# -- records ---------------------------------------------------------------------------------

PLACE_HELP = _("网格或楼栋的代码（可从列表中选择）")


class PersonForm(forms.Form):
    """New person or edit; on edit the ID number and phone are blank (left blank: unchanged)."""

    name = _text(_("姓名"), max_length=50, required=True)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=c.IdType.choices, required=False)
    id_number = _text(_("证件号码"), max_length=40, autocomplete="off")
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=_choices(c.Gender))
    birth_date = forms.CharField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    phone = _text(_("联系电话"), max_length=40, autocomplete="off", inputmode="tel")
    ethnicity = _text(_("民族"), max_length=20)
    hukou_place = _text(_("户籍地"), max_length=200)
    kind = forms.ChoiceField(label=_("人口类型"), choices=c.PersonKind.choices, required=False)
    residence_status = forms.ChoiceField(
        label=_("人户状态"), choices=c.ResidenceStatus.choices, required=False
    )
    household_no = _text(_("户号"), max_length=30)
    relation = forms.ChoiceField(
        label=_("与户主关系"), required=False, choices=_choices(c.Relation)
    )
    is_party_member = forms.BooleanField(label=_("党员"), required=False)
    workplace = _text(_("工作单位"), max_length=200)
    region = _text(_("所在网格/楼栋"), max_length=30, list="places", required=True)
    room = forms.ChoiceField(label=_("居住房屋"), required=False)
    note = _text(_("备注"), max_length=200)
    reason = _text(_("修改说明"), max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, rooms: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", _("（不在登记房屋中）")), *rooms]  # type: ignore[attr-defined]
        self.fields["region"].help_text = str(PLACE_HELP)
        if editing:
            self.fields["id_number"].help_text = str(_("留空则不修改"))
            self.fields["phone"].help_text = str(_("留空则不修改"))
        else:
            self.fields["id_number"].widget.attrs["required"] = True
            del self.fields["reason"]
            del self.fields["version"]
        self.fields["gender"].help_text = str(_("居民身份证由号码确定，可不填"))


class RemovePersonForm(forms.Form):
    state = forms.ChoiceField(
        label=_("注销类型"),
        choices=[(c.PersonState.MOVED_OUT, _("迁出")), (c.PersonState.DECEASED, _("死亡"))],
    )
    reason = _reason(_("原因"))


class RoomForm(forms.Form):
    building = _text(_("楼栋/屯"), max_length=30, list="places", required=True)
    unit = _text(_("单元"), max_length=20)
    number = _text(_("房号"), max_length=20, required=True)
    use = forms.ChoiceField(label=_("用途"), choices=c.RoomUse.choices, required=False)
    area_m2 = _text(_("面积（平方米）"), max_length=20, inputmode="decimal")
    owner_name = _text(_("产权人"), max_length=100)
    occupancy = forms.ChoiceField(label=_("居住状态"), choices=c.Occupancy.choices, required=False)
    note = _text(_("备注"), max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].help_text = str(_("楼栋或屯的代码（可从列表中选择）"))
        if editing:
            del self.fields["building"]


class OrganisationForm(forms.Form):
    credit_code = _text(_("统一社会信用代码"), max_length=40, required=True)
    name = _text(_("名称"), max_length=200, required=True)
    kind = forms.ChoiceField(label=_("类型"), choices=_choices(c.OrgKind), required=False)
    legal_rep = _text(_("法定代表人"), max_length=50)
    phone = _text(_("联系电话"), max_length=40, autocomplete="off", inputmode="tel")
    address = _text(_("地址"), max_length=200)
    region = _text(_("所在网格/楼栋"), max_length=30, list="places", required=True)
    dedicated_grid = _text(_("专属网格"), max_length=30, list="grids")
    employees = _text(_("从业人数"), max_length=10, inputmode="numeric")
    industry = _text(_("行业"), max_length=50)
    founded_on = forms.CharField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    state = forms.ChoiceField(label=_("经营状态"), choices=c.OrgState.choices, required=False)
    note = _text(_("备注"), max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].help_text = str(PLACE_HELP)
        if editing:
            self.fields["phone"].help_text = str(_("留空则不修改"))
        else:
            del self.fields["version"]


# -- actions on a record ---------------------------------------------------------------------


class RevealForm(forms.Form):
    reason = _reason(_("查看理由"))


class TagForm(forms.Form):
    tag = forms.ChoiceField(label=_("标签"))
    reason = _reason()

    def __init__(self, *args: Any, tags: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = tags  # type: ignore[attr-defined]


class RemoveTagForm(forms.Form):
    tag = forms.CharField(widget=forms.HiddenInput)
    reason = _reason(_("取消理由"), rows=1)


class ContractForm(forms.Form):
    carer = forms.ChoiceField(label=_("结对责任人"))
    tag = forms.ChoiceField(label=_("关爱类别"), required=False)
    services = forms.CharField(
        label=_("服务内容"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )
    visit_every_days = _text(_("走访周期（天）"), max_length=4, required=True, inputmode="numeric")
    starts_on = forms.CharField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    ends_on = forms.CharField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )

    def __init__(
        self,
        *args: Any,
        carers: list[tuple[str, str]],
        tags: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carer"].choices = carers  # type: ignore[attr-defined]
        self.fields["tag"].choices = BLANK + tags  # type: ignore[attr-defined]


class EndContractForm(forms.Form):
    reason = _reason(_("结束原因"), rows=1)


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("走访类型"), choices=c.VisitKind.choices)
    result = forms.ChoiceField(label=_("走访结果"), choices=c.VisitResult.choices)
    findings = forms.CharField(
        label=_("走访情况"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contract = forms.ChoiceField(label=_("关爱合约"), required=False)
    follow_up_case = _text(_("转办案件编号（可选）"), max_length=30, inputmode="numeric")
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, contracts: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if contracts:
            self.fields["contract"].choices = BLANK + contracts  # type: ignore[attr-defined]
        else:
            del self.fields["contract"]


class TenancyForm(forms.Form):
    tenant = _text(_("承租人证件号码或手机号"), max_length=40, required=True, autocomplete="off")
    starts_on = forms.CharField(
        label=_("起租日期"),
        required=False,
        widget=forms.DateInput(attrs={**DATE, "required": True}),
    )
    ends_on = forms.CharField(
        label=_("到期日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    purpose = _text(_("租住用途"), max_length=50)
    move_in = forms.BooleanField(label=_("同时登记为该房屋住户"), required=False, initial=True)


class EndTenancyForm(forms.Form):
    ended_on = forms.CharField(
        label=_("退租日期"), required=False, widget=forms.DateInput(attrs=DATE)
    )


class ExportForm(forms.Form):
    reveal_reason = _reason(_("导出完整号码的理由"), rows=1)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件（xlsx 或 csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


# -- phone -----------------------------------------------------------------------------------


class QuickUpdateForm(forms.Form):
    phone = _text(_("新的联系电话"), max_length=40, autocomplete="off", inputmode="tel")
    residence_status = forms.ChoiceField(
        label=_("人户状态"), choices=c.ResidenceStatus.choices, required=False
    )
    room = forms.ChoiceField(label=_("居住房屋"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, rooms: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", _("（不在登记房屋中）")), *rooms]  # type: ignore[attr-defined]
        self.fields["phone"].help_text = str(_("留空则不修改"))
