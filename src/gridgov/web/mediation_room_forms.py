"""Forms of the reception, mediation room, legal service room and committee pages
(/work/mediation/…).

As for the other workbench pages the forms gather input: list values are checked by
``mediation.services`` (its ``ValidationError`` lands on the form's fields through
:func:`gridgov.web.registry_forms.apply_errors`); dates, numbers and required fields are parsed
here first so that the service gets typed values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.mediation import choices as c

BLANK: list[tuple[str, Any]] = [("", "—")]
DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}
REQUIRED = {"required": _("请填写此项")}
Choices = Iterable[tuple[Any, Any]]


def text(label: Any, *, max_length: int = 200, required: bool = False, **attrs: Any) -> Any:
    if required:
        attrs["required"] = True
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={**REQUIRED, "max_length": _("不能超过 %(limit_value)d 个字")},
        widget=forms.TextInput(attrs=attrs),
    )


def area(label: Any, *, max_length: int = 4000, required: bool = False, rows: int = 3) -> Any:
    attrs: dict[str, Any] = {"rows": rows}
    if required:
        attrs["required"] = True
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={**REQUIRED, "max_length": _("不能超过 %(limit_value)d 个字")},
        widget=forms.Textarea(attrs=attrs),
    )


def select(label: Any, choices: Choices = (), *, required: bool = False) -> Any:
    """A list whose value the service checks: a wrong value gets the service's message."""
    attrs = {"required": True} if required else {}
    return forms.CharField(
        label=label,
        required=required,
        error_messages=REQUIRED,
        widget=forms.Select(choices=BLANK + list(choices), attrs=attrs),
    )


def date(label: Any, *, required: bool = False) -> Any:
    attrs = {**DATE, "required": True} if required else DATE
    return forms.DateField(
        label=label,
        required=required,
        error_messages={**REQUIRED, "invalid": _("请填写正确的日期")},
        widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
    )


def moment(label: Any, *, required: bool = False) -> Any:
    attrs = {**DATETIME, "required": True} if required else DATETIME
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={**REQUIRED, "invalid": _("请填写正确的日期和时间")},
        widget=forms.DateTimeInput(attrs=attrs, format="%Y-%m-%dT%H:%M"),
    )


def number(label: Any, *, required: bool = False, min_value: int = 1) -> Any:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=min_value,
        max_value=100_000,
        error_messages={
            **REQUIRED,
            "invalid": _("请填写整数"),
            "min_value": _("不能小于 %(limit_value)s"),
            "max_value": _("不能大于 %(limit_value)s"),
        },
    )


def set_choices(form: forms.Form, name: str, choices: Choices, *, blank: bool = True) -> None:
    if name in form.fields:
        form.fields[name].widget.choices = (BLANK if blank else []) + list(choices)


def check(label: Any) -> Any:
    return forms.BooleanField(label=label, required=False)


def kinds(label: Any) -> Any:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=c.DisputeKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )


# -- reception -------------------------------------------------------------------------------


class ConsultationForm(forms.Form):
    """接待登记 · 法律咨询: goes to the lawyer on duty at the centre."""

    region = select(_("受理中心"), required=True)
    channel = select(_("咨询方式"), c.ConsultChannel.choices, required=True)
    requester_name = text(_("咨询人"), max_length=50, required=True)
    phone = text(_("联系电话"), max_length=20, autocomplete="off", inputmode="tel")
    topic = select(_("咨询类别"), c.LegalTopic.choices, required=True)
    question = area(_("咨询问题"), required=True, rows=4)


PARTY_ROLES = (("applicant", _("申请人")), ("respondent", _("被申请人")))


class DisputeReceptionForm(forms.Form):
    """接待登记 · 矛盾纠纷: the case (来访) and the dispute with its parties."""

    grid = select(_("纠纷所在网格"), required=True)
    item = select(_("纠纷事项"), required=True)
    title = text(_("标题"), max_length=100, required=True)
    description = area(_("纠纷情况"), required=True)
    kind = select(_("纠纷类型"), c.DisputeKind.choices)
    amount_yuan = text(_("涉及金额（元）"), max_length=20, inputmode="decimal")
    people_involved = number(_("涉及人数"))
    risk = select(_("风险等级"), c.Risk.choices, required=True)
    violence_risk = check(_("有民转刑、暴力倾向风险"))
    mass_risk = check(_("有引发群体性事件风险"))
    applicant_name = text(_("申请人姓名"), max_length=80, required=True)
    applicant_id_number = text(_("申请人身份证号"), max_length=24, autocomplete="off")
    applicant_phone = text(_("申请人电话"), max_length=20, autocomplete="off", inputmode="tel")
    applicant_address = text(_("申请人住址"), max_length=120)
    respondent_name = text(_("被申请人姓名"), max_length=80)
    respondent_id_number = text(_("被申请人身份证号"), max_length=24, autocomplete="off")
    respondent_phone = text(_("被申请人电话"), max_length=20, autocomplete="off", inputmode="tel")
    respondent_address = text(_("被申请人住址"), max_length=120)

    ALIASES = {
        "region": "grid",
        "parties": "applicant_name",
        **{
            f"parties.{i}.{name}": f"{role}_{name}"
            for i, (role, _label) in enumerate(PARTY_ROLES)
            for name in ("name", "id_number", "phone", "address", "role")
        },
    }

    def parties(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out = []
        for role, _label in PARTY_ROLES:
            values = {
                name: (data.get(f"{role}_{name}") or "").strip()
                for name in ("name", "id_number", "phone", "address")
            }
            if role == "applicant" or any(values.values()):
                out.append({"role": role, **values})
        return out


# -- mediation room --------------------------------------------------------------------------

DISPUTE_STATES = (
    ("waiting", _("待调解")),
    ("open", _("调解中")),
    ("closed", _("调解结束")),
)


class DisputeFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=BLANK + list(DISPUTE_STATES))
    kind = forms.ChoiceField(
        label=_("纠纷类型"), required=False, choices=BLANK + c.DisputeKind.choices
    )
    risk = forms.ChoiceField(
        label=_("风险"),
        required=False,
        choices=[*BLANK, *c.Risk.choices, ("flagged", _("高风险或有暴力、群体性风险"))],
    )
    committee = forms.ChoiceField(label=_("调解委员会"), required=False)
    mediator = forms.ChoiceField(label=_("调解员"), required=False)
    mine = forms.BooleanField(label=_("只看我调解的"), required=False)

    def __init__(
        self,
        *args: Any,
        committees: list[tuple[str, str]],
        mediators: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].choices = BLANK + committees  # type: ignore[attr-defined]
        self.fields["mediator"].choices = BLANK + mediators  # type: ignore[attr-defined]


class StartForm(forms.Form):
    committee = select(_("调解委员会"), required=True)
    mediator = select(_("主持调解员"), required=True)
    co_mediators = forms.MultipleChoiceField(
        label=_("参与调解员"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    accepted_on = date(_("受理日期"), required=True)
    handler = select(_("办理人（调解员没有账号时）"))

    def __init__(self, *args: Any, mediators: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_mediators"].choices = mediators  # type: ignore[attr-defined]
        self.fields["handler"].help_text = _(
            "案件派给纠纷所在网格的网格员或网格长，由其登记调解结果"
        )


class SessionForm(forms.Form):
    starts_at = moment(_("开始时间"), required=True)
    ends_at = moment(_("结束时间"))
    online = check(_("线上调解"))
    place = text(_("地点（线上会议室）"), max_length=120, required=True)
    participants = area(_("参加人员"), max_length=1000, required=True, rows=2)
    minutes = area(_("调解笔录"), rows=4)
    next_step = text(_("下一步"), max_length=200)


CLOSING = [(s, label) for s, label in c.MediationState.choices if s in c.CLOSED_STATES]


class CloseForm(forms.Form):
    """The outcome; for an agreement the agreement editor (terms one a line, a signature
    checkbox for each party)."""

    state = select(_("调解结果"), CLOSING, required=True)
    note = area(_("结果说明（调解不成时必填）"), rows=2)
    referred_to = text(_("移送机关（转诉讼、转仲裁时必填）"), max_length=80)
    closed_on = date(_("结束日期"))
    facts = area(_("纠纷主要事实、争议事项"), rows=3)
    terms = area(_("协议内容（每行一项）"), rows=4)
    perform_by = date(_("履行期限"))
    perform_note = text(_("履行方式"), max_length=200)
    signed_on = date(_("签订日期"))

    ALIASES = {
        "agreement.facts": "facts",
        "agreement.terms": "terms",
        "agreement.signed_on": "signed_on",
        "agreement.perform_by": "perform_by",
        "agreement.perform_note": "perform_note",
        "agreement": "facts",
    }

    def __init__(self, *args: Any, parties: list[tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parties = parties
        for pk, role, name in parties:
            self.fields[f"sign_{pk}"] = forms.BooleanField(
                label=_("%(role)s %(name)s 已签字") % {"role": role, "name": name},
                required=False,
                initial=True,
            )

    def agreement(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("state") not in c.AGREEMENT_STATES:
            return None
        return {
            "facts": data.get("facts") or "",
            "terms": [t.strip() for t in (data.get("terms") or "").splitlines() if t.strip()],
            "perform_by": data.get("perform_by"),
            "perform_note": data.get("perform_note") or "",
            "signed_on": data.get("signed_on"),
            "signatures": [
                {"label": role, "name": name, "signed": bool(data.get(f"sign_{pk}"))}
                for pk, role, name in self.parties
            ],
        }


class ConfirmationForm(forms.Form):
    applied_on = date(_("申请日期"), required=True)
    court = text(_("受理法院"), max_length=80, required=True)


DECISIONS = [
    (v, label) for v, label in c.ConfirmationResult.choices if v != c.ConfirmationResult.PENDING
]


class DecisionForm(forms.Form):
    result = select(_("司法确认结果"), DECISIONS, required=True)
    decided_on = date(_("裁定日期"), required=True)
    ruling_no = text(_("裁定书文号"), max_length=80)


class FollowUpForm(forms.Form):
    visited_on = date(_("回访日期"), required=True)
    honoured = select(_("履行情况"), c.Honoured.choices, required=True)
    note = text(_("回访情况（未履行时必填）"), max_length=500)


# -- legal service room ----------------------------------------------------------------------


class ConsultationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[*BLANK, ("waiting", _("待解答")), ("answered", _("已解答"))],
    )
    topic = forms.ChoiceField(
        label=_("咨询类别"), required=False, choices=BLANK + c.LegalTopic.choices
    )
    channel = forms.ChoiceField(
        label=_("咨询方式"), required=False, choices=BLANK + c.ConsultChannel.choices
    )


class AnswerForm(forms.Form):
    answer = area(_("解答意见"), required=True, rows=5)
    referral = select(_("处理去向"), c.Referral.choices, required=True)
    dispute_item = select(_("纠纷事项（转调解时）"))
    dispute_grid = select(_("纠纷所在网格（转调解时）"))


class DutyForm(forms.Form):
    lawyer = select(_("值班律师"), required=True)
    region = select(_("值班中心"), required=True)
    day = date(_("值班日期"), required=True)
    slot = select(_("时段"), c.DutySlot.choices, required=True)


class MediatorDutyForm(forms.Form):
    mediator = select(_("值班调解员"), required=True)
    region = select(_("值班中心"), required=True)
    day = date(_("值班日期"), required=True)
    slot = select(_("时段"), c.DutySlot.choices, required=True)


class LawyerForm(forms.Form):
    region = select(_("服务区域"), required=True)
    name = text(_("姓名"), max_length=50, required=True)
    firm = text(_("执业机构"), max_length=80, required=True)
    licence_no = text(_("执业证号"), max_length=32, required=True, inputmode="numeric")
    phone = text(_("联系电话"), max_length=20, autocomplete="off", inputmode="tel")
    username = text(_("工作账号（用户名，可不填）"), max_length=150, autocomplete="off")


# -- committees and mediators ----------------------------------------------------------------


class CommitteeForm(forms.Form):
    region = select(_("所在区划"), required=True)
    name = text(_("名称"), max_length=80, required=True)
    kind = select(_("类别"), c.CommitteeKind.choices, required=True)
    address = text(_("地址"), max_length=120)
    specialities = kinds(_("擅长领域"))


class MediatorForm(forms.Form):
    name = text(_("姓名"), max_length=50, required=True)
    kind = select(_("类别"), c.MediatorKind.choices, required=True)
    phone = text(_("联系电话"), max_length=20, autocomplete="off", inputmode="tel")
    certified_on = date(_("聘任日期"))
    username = text(_("工作账号（用户名，可不填）"), max_length=150, autocomplete="off")
    specialities = kinds(_("擅长领域"))
