"""Input and output schemas of disputes, mediation, screening, petitions and legal service in
the JSON API (/api/v1/mediation/…).

Parties, petitioners, mediators, lawyers and requesters leave with their masked ID number and
phone only (clear values are accepted on input, never returned; no field carries a ciphertext
or a hash). Choice fields come as their code plus a ``*_label``; dates and times in ISO 8601.
Every class name starts with ``Mediation``, ``Petition``, ``Screening`` or ``Legal`` (component
names are unique across the OpenAPI document)."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from gridgov.core.apischemas import (
    MAX_ID,
    Page,
    PageQuery,
    PlaceOut,
    UserRef,
    choice_codes,
    optional_id,
    record_id,
)
from gridgov.mediation import choices as c

REGION_FILTER = r"^([0-9]{2,18})?$"
PATH = r"^[0-9]{2,18}$"
TEXT = 4000
IdItem = Annotated[int, Field(ge=1, le=MAX_ID)]


def _codes(options: Any, extra: tuple[str, ...] = ("",)) -> Any:
    """A ``Literal`` of the choice codes (and ``extra``), refused with 422 otherwise."""
    return Literal[(*extra, *options.values)]


def region_filter(description: str = "区划路径（含下级）；默认全部辖区") -> Any:
    return Field("", pattern=REGION_FILTER, description=description)


# -- shared pieces ---------------------------------------------------------------------------


class MediationRef(Schema):
    id: int
    name: str


class MediationCaseRef(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    item_code: str
    item_name: str
    region: PlaceOut


# -- committees and mediators ----------------------------------------------------------------


class MediationCommitteeOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region: PlaceOut
    specialities: list[str] = Field(..., description=choice_codes(c.DisputeKind))
    specialities_labels: list[str]
    address: str
    active: bool


class MediationCommitteeList(Page):
    items: list[MediationCommitteeOut]


class MediationCommitteeQuery(PageQuery):
    region: str = region_filter()
    kind: _codes(c.CommitteeKind) = Field("", description=choice_codes(c.CommitteeKind))  # type: ignore[valid-type]
    active: bool | None = Field(None, description="只看有效（true）或已撤销（false）的")


class MediationCommitteeIn(Schema):
    region: str = Field(..., pattern=PATH, description="所在区划（县、乡镇街道或村社区）的路径")
    name: str = Field(..., max_length=80)
    kind: _codes(c.CommitteeKind, ()) = Field(  # type: ignore[valid-type]
        c.CommitteeKind.PEOPLE, description=choice_codes(c.CommitteeKind)
    )
    specialities: list[_codes(c.DisputeKind, ())] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=20, description=choice_codes(c.DisputeKind)
    )
    address: str = Field("", max_length=120)


class MediationMediatorOut(Schema):
    id: int
    name: str
    committee: MediationRef
    kind: str
    kind_label: str
    user: UserRef | None = Field(..., description="工作账号")
    specialities: list[str]
    specialities_labels: list[str]
    phone_masked: str = Field(..., description="脱敏联系电话")
    certified_on: dt.date | None
    active: bool


class MediationMediatorList(Page):
    items: list[MediationMediatorOut]


class MediationMediatorQuery(PageQuery):
    region: str = region_filter()
    committee: int | None = optional_id("调解委员会编号")
    active: bool | None = Field(None, description="只看在任（true）或已离任（false）的")
    q: str = Field("", max_length=50, description="姓名（包含）")


class MediationMediatorIn(Schema):
    name: str = Field(..., max_length=50)
    kind: _codes(c.MediatorKind, ()) = Field(  # type: ignore[valid-type]
        c.MediatorKind.PART_TIME, description=choice_codes(c.MediatorKind)
    )
    phone: str = Field("", max_length=20, description="联系电话（只写，保存为密文）")
    user: int | None = optional_id("工作账号（用户编号）")
    specialities: list[_codes(c.DisputeKind, ())] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=20, description=choice_codes(c.DisputeKind)
    )
    certified_on: dt.date | None = None


# -- disputes --------------------------------------------------------------------------------


class MediationPartyOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    person: int | None = Field(..., description="实有人口编号")
    organisation: int | None = Field(..., description="单位编号")
    id_masked: str = Field(..., description="脱敏证件号码")
    phone_masked: str = Field(..., description="脱敏联系电话")
    gender: str
    birth_year: int | None
    address: str
    agent: str


class MediationPartyIn(Schema):
    """A register person (``person``), a register organisation (``organisation``) or a new
    party (``name`` required; ID number and phone protected)."""

    role: _codes(c.PartyRole, ()) = Field(..., description=choice_codes(c.PartyRole))  # type: ignore[valid-type]
    person: int | None = optional_id("实有人口编号")
    organisation: int | None = optional_id("单位编号")
    name: str = Field("", max_length=80)
    id_number: str = Field("", max_length=24, description="证件号码（只写）")
    phone: str = Field("", max_length=20, description="联系电话（只写）")
    gender: str = Field("", max_length=8)
    birth_year: int | None = Field(None, ge=1900, le=2100)
    address: str = Field("", max_length=120)
    agent: str = Field("", max_length=80, description="代理人")


class MediationSummaryOut(Schema):
    id: int
    state: str
    state_label: str
    committee: MediationRef
    mediator: MediationRef
    accepted_on: dt.date
    closed_on: dt.date | None


class MediationDisputeOut(Schema):
    id: int
    case: MediationCaseRef
    kind: str
    kind_label: str
    amount_yuan: str | None = Field(..., description="涉及金额（元，两位小数）")
    people_involved: int
    risk: str
    risk_label: str
    violence_risk: bool
    mass_risk: bool
    parties: list[MediationPartyOut]
    mediation: MediationSummaryOut | None = Field(..., description="最近一次调解")
    created_at: dt.datetime
    version: int


class MediationDisputeList(Page):
    items: list[MediationDisputeOut]


class MediationDisputeQuery(PageQuery):
    region: str = region_filter()
    kind: _codes(c.DisputeKind) = Field("", description=choice_codes(c.DisputeKind))  # type: ignore[valid-type]
    risk: _codes(c.Risk) = Field("", description=choice_codes(c.Risk))  # type: ignore[valid-type]
    mediation: _codes(c.MediationState, ("", "none")) = Field(  # type: ignore[valid-type]
        "", description="none（尚未调解）或调解状态：" + choice_codes(c.MediationState)
    )
    q: str = Field("", max_length=40, description="案件编号或标题（包含）")


class MediationDisputeIn(Schema):
    case: int = record_id("矛盾纠纷板块的案件编号（记录编号）")
    kind: _codes(c.DisputeKind) = Field(  # type: ignore[valid-type]
        "", description="默认按案件事项：" + choice_codes(c.DisputeKind)
    )
    amount_yuan: str | None = Field(None, max_length=20, description="涉及金额（元）")
    people_involved: int = Field(2, ge=1, le=100_000)
    risk: _codes(c.Risk, ()) = Field(c.Risk.LOW, description=choice_codes(c.Risk))  # type: ignore[valid-type]
    violence_risk: bool = False
    mass_risk: bool = False
    parties: list[MediationPartyIn] = Field(..., max_length=50)


class MediationSessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    online: bool
    place: str
    participants: str
    minutes: str
    next_step: str
    created_by: str | None


class MediationSignatureOut(Schema):
    label: str
    name: str
    signed: bool


class MediationConfirmationOut(Schema):
    id: int
    applied_on: dt.date
    court: str
    result: str
    result_label: str
    decided_on: dt.date | None
    ruling_no: str


class MediationAgreementOut(Schema):
    id: int
    number: str
    facts: str
    terms: list[str]
    perform_by: dt.date | None
    perform_note: str
    signatures: list[MediationSignatureOut]
    signed_on: dt.date
    confirm_by: dt.date = Field(..., description="申请司法确认的最后一天")
    confirmation: MediationConfirmationOut | None


class MediationFollowUpOut(Schema):
    id: int
    visited_on: dt.date
    honoured: str
    honoured_label: str
    note: str
    by: str | None


class MediationOut(MediationSummaryOut):
    dispute: int
    case: MediationCaseRef
    co_mediators: list[MediationRef]
    outcome_note: str
    referred_to: str
    sessions: list[MediationSessionOut]
    agreement: MediationAgreementOut | None
    follow_ups: list[MediationFollowUpOut]
    version: int


class MediationList(Page):
    items: list[MediationSummaryOut]


class MediationQuery(PageQuery):
    region: str = region_filter()
    state: _codes(c.MediationState) = Field("", description=choice_codes(c.MediationState))  # type: ignore[valid-type]
    committee: int | None = optional_id("调解委员会编号")
    mine: bool = Field(False, description="只看本人作为调解员主持或参与的")


class MediationDisputeDetailOut(MediationDisputeOut):
    mediations: list[MediationOut]


class MediationStartIn(Schema):
    committee: int = record_id("调解委员会编号")
    mediator: int = record_id("主持调解员编号")
    co_mediators: list[IdItem] = Field(default_factory=list, max_length=20)
    accepted_on: dt.date | None = Field(None, description="受理日期，默认今天")
    handler: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="办理人（调解员没有账号时）：纠纷所在网格的网格员或网格长的用户编号",
    )


class MediationSessionIn(Schema):
    starts_at: dt.datetime = Field(..., description="开始时间；无时区按北京时间")
    ends_at: dt.datetime | None = None
    online: bool = False
    place: str = Field(..., max_length=120, description="地点（线上会议室）")
    participants: str = Field(..., max_length=1000)
    minutes: str = Field("", max_length=TEXT, description="调解笔录")
    next_step: str = Field("", max_length=200)


class MediationSignatureIn(Schema):
    label: str = Field("", max_length=20, description="如 申请人、被申请人")
    name: str = Field(..., max_length=80)
    signed: bool = True


class MediationAgreementIn(Schema):
    facts: str = Field(..., max_length=TEXT, description="纠纷主要事实、争议事项")
    terms: list[str] = Field(..., max_length=30, description="协议内容（逐项）")
    signed_on: dt.date
    perform_by: dt.date | None = None
    perform_note: str = Field("", max_length=200)
    signatures: list[MediationSignatureIn] = Field(default_factory=list, max_length=30)


class MediationCloseIn(Schema):
    state: _codes(  # type: ignore[valid-type]
        c.MediationState, ()
    ) = Field(..., description=choice_codes(c.MediationState) + "（open 除外）")
    note: str = Field("", max_length=TEXT, description="调解结果说明（调解不成时必填）")
    referred_to: str = Field("", max_length=80, description="移送机关（转诉讼、转仲裁时必填）")
    agreement: MediationAgreementIn | None = Field(None, description="达成协议、部分达成时必填")
    closed_on: dt.date | None = Field(None, description="结束日期，默认今天（有协议时为签订日期）")


class MediationConfirmIn(Schema):
    applied_on: dt.date
    court: str = Field(..., max_length=80)


class MediationDecisionIn(Schema):
    result: _codes(c.ConfirmationResult, ()) = Field(  # type: ignore[valid-type]
        ..., description=choice_codes(c.ConfirmationResult) + "（pending 除外）"
    )
    decided_on: dt.date
    ruling_no: str = Field("", max_length=80, description="裁定书文号（确认有效时必填）")


class MediationFollowUpIn(Schema):
    visited_on: dt.date
    honoured: _codes(c.Honoured, ()) = Field(..., description=choice_codes(c.Honoured))  # type: ignore[valid-type]
    note: str = Field("", max_length=500, description="回访情况（未履行时必填）")


# -- screening -------------------------------------------------------------------------------


class ScreeningCampaignOut(Schema):
    id: int
    title: str
    region: PlaceOut
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date
    created_at: dt.datetime


class ScreeningCampaignList(Page):
    items: list[ScreeningCampaignOut]


class ScreeningCampaignQuery(PageQuery):
    region: str = region_filter("组织单位区划路径（含下级）")


class ScreeningCampaignIn(Schema):
    region: str = Field(..., pattern=PATH, description="组织单位（县、乡镇街道或村社区）的路径")
    title: str = Field(..., max_length=80)
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date | None = Field(None, description="上报截止日期，默认结束日期")


class ScreeningReportOut(Schema):
    id: int
    nil: bool = Field(..., description="零报告")
    note: str
    reported_at: dt.datetime
    late: bool = Field(..., description="逾期上报")
    reported_by: str | None
    disputes: list[int]


class ScreeningRowOut(Schema):
    grid: PlaceOut
    state: Literal["nil", "found", "missing", "pending"] = Field(
        ..., description="nil（零报告）、found（有纠纷）、missing（未报）、pending（待报）"
    )
    state_label: str
    report: ScreeningReportOut | None
    disputes: int


class ScreeningSummaryOut(Schema):
    grids: int
    nil: int
    found: int
    missing: int
    pending: int
    disputes: int


class ScreeningViewOut(Schema):
    campaign: ScreeningCampaignOut
    summary: ScreeningSummaryOut
    rows: list[ScreeningRowOut]


class ScreeningReportIn(Schema):
    grid: str = Field(..., pattern=PATH, description="网格路径")
    nil: bool = Field(..., description="零报告（未发现纠纷）")
    disputes: list[IdItem] = Field(
        default_factory=list, max_length=100, description="排查发现并已登记的纠纷编号"
    )
    note: str = Field("", max_length=500)


# -- petitions -------------------------------------------------------------------------------


class PetitionPetitionerOut(Schema):
    id: int
    name: str
    person: int | None = Field(..., description="实有人口编号")
    id_masked: str = Field(..., description="脱敏证件号码")
    phone_masked: str = Field(..., description="脱敏联系电话")
    address: str


class PetitionOut(Schema):
    id: int
    case: MediationCaseRef
    form: str
    form_label: str
    people_count: int
    is_group: bool = Field(..., description="集体访（5 人及以上）")
    skips_level: bool
    repeat_of: int | None = Field(..., description="重复信访的原信访事项编号")
    state: str
    state_label: str
    received_on: dt.date
    acknowledge_by: dt.date
    acknowledged_on: dt.date | None
    reply_by: dt.date | None
    extension_reason: str
    replied_on: dt.date | None
    reply_text: str
    satisfaction: str
    satisfaction_label: str
    review_requested_on: dt.date | None
    review_by: dt.date | None
    reviewed_on: dt.date | None
    review_text: str
    petitioners: list[PetitionPetitionerOut]
    created_at: dt.datetime


class PetitionList(Page):
    items: list[PetitionOut]


class PetitionQuery(PageQuery):
    region: str = region_filter()
    state: _codes(c.PetitionState) = Field("", description=choice_codes(c.PetitionState))  # type: ignore[valid-type]
    form: _codes(c.PetitionForm) = Field("", description=choice_codes(c.PetitionForm))  # type: ignore[valid-type]
    group: bool | None = Field(None, description="只看集体访（true）或非集体访（false）")
    repeat: bool | None = Field(None, description="只看重复信访（true）或首次信访（false）")
    q: str = Field("", max_length=40, description="案件编号或标题（包含）")


class PetitionPetitionerIn(Schema):
    person: int | None = optional_id("实有人口编号")
    name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=24, description="证件号码（只写）")
    phone: str = Field("", max_length=20, description="联系电话（只写）")
    address: str = Field("", max_length=120)


class PetitionIn(Schema):
    case: int = record_id("信访诉求板块的案件编号（记录编号）")
    form: _codes(c.PetitionForm, ()) = Field(..., description=choice_codes(c.PetitionForm))  # type: ignore[valid-type]
    petitioners: list[PetitionPetitionerIn] = Field(..., max_length=50)
    people_count: int | None = Field(None, ge=1, le=100_000, description="默认为登记的信访人数")
    skips_level: bool = False
    received_on: dt.date | None = Field(None, description="收到日期，默认案件登记日期")


class PetitionRepeatIn(Schema):
    earlier: int = record_id("原信访事项编号（须在疑似重复信访中）")


class PetitionLeadIn(Schema):
    kind: Literal["user", "centre", "department"]
    ref: str = Field(..., max_length=20, description="用户 id、区划路径或部门 id")


class PetitionAcknowledgeIn(Schema):
    accepted: bool
    on: dt.date
    note: str = Field("", max_length=500, description="不予受理的理由（不予受理时必填）")
    lead: PetitionLeadIn | None = Field(
        None, description="受理时的承办单位；默认属地（案件所在中心的下一级中心）"
    )


class PetitionExtendIn(Schema):
    reason: str = Field(..., max_length=200)


class PetitionReplyIn(Schema):
    on: dt.date
    text: str = Field(..., max_length=TEXT)


class PetitionRateIn(Schema):
    satisfaction: _codes(c.Satisfaction, ()) = Field(..., description=choice_codes(c.Satisfaction))  # type: ignore[valid-type]


class PetitionReviewIn(Schema):
    on: dt.date


class PetitionDueOut(Schema):
    petition: int
    case_number: str
    step: Literal["acknowledge", "reply", "review"]
    step_label: str
    due: dt.date
    days_left: int
    light: Literal["red", "yellow", "green"]


class PetitionRepeaterOut(Schema):
    name: str
    id_masked: str
    phone_masked: str
    petitions: int
    last_received: dt.date
    items: list[str]
    petition_ids: list[int]


class PetitionTopicOut(Schema):
    item_code: str
    item_name: str
    petitions: int
    people: int
    group_petitions: int
    previous: int = Field(..., description="前一个同样长的时段的件数")


# -- legal service ---------------------------------------------------------------------------


class LegalLawyerOut(Schema):
    id: int
    name: str
    firm: str
    licence_no: str
    phone_masked: str = Field(..., description="脱敏联系电话")
    region: PlaceOut
    user: UserRef | None
    active: bool


class LegalLawyerList(Page):
    items: list[LegalLawyerOut]


class LegalLawyerQuery(PageQuery):
    region: str = region_filter()
    active: bool | None = Field(None, description="只看在岗（true）或不在岗（false）的")
    q: str = Field("", max_length=50, description="姓名或执业机构（包含）")


class LegalLawyerIn(Schema):
    region: str = Field(..., pattern=PATH, description="服务区域路径")
    name: str = Field(..., max_length=50)
    firm: str = Field(..., max_length=80)
    licence_no: str = Field(..., max_length=32, description="律师执业证号（17 位数字）")
    phone: str = Field("", max_length=20, description="联系电话（只写）")
    user: int | None = optional_id("工作账号（用户编号）")


class LegalLawyerRef(Schema):
    id: int
    name: str
    firm: str


class LegalDutyOut(Schema):
    id: int
    lawyer: LegalLawyerRef
    region: PlaceOut
    day: dt.date
    slot: str
    slot_label: str


class LegalDutyList(Page):
    items: list[LegalDutyOut]


class LegalDutyQuery(PageQuery):
    region: str = region_filter("值班中心区划路径（含下级）")
    since: dt.date | None = Field(None, description="从这一天起（含）")
    until: dt.date | None = Field(None, description="到这一天止（含）")


class LegalDutyIn(Schema):
    lawyer: int = record_id("律师编号")
    region: str = Field(..., pattern=PATH, description="值班中心（县、乡镇街道或村社区）路径")
    day: dt.date
    slot: _codes(c.DutySlot, ()) = Field(..., description=choice_codes(c.DutySlot))  # type: ignore[valid-type]


class LegalOnDutyQuery(Schema):
    region: str = Field(..., pattern=PATH, description="值班中心路径")
    at: dt.datetime | None = Field(None, description="时刻，默认现在；无时区按北京时间")


class MediatorDutyOut(Schema):
    id: int
    mediator: MediationRef
    committee: MediationRef
    region: PlaceOut
    day: dt.date
    slot: str
    slot_label: str


class MediatorDutyList(Page):
    items: list[MediatorDutyOut]


class MediatorDutyQuery(PageQuery):
    region: str = region_filter("值班中心区划路径（含下级）")
    since: dt.date | None = Field(None, description="从这一天起（含）")
    until: dt.date | None = Field(None, description="到这一天止（含）")


class MediatorDutyIn(Schema):
    mediator: int = record_id("调解员编号")
    region: str = Field(..., pattern=PATH, description="值班中心（县、乡镇街道或村社区）路径")
    day: dt.date
    slot: _codes(c.DutySlot, ()) = Field(..., description=choice_codes(c.DutySlot))  # type: ignore[valid-type]


class MediatorDutyOnDutyQuery(Schema):
    region: str = Field(..., pattern=PATH, description="值班中心路径")
    at: dt.datetime | None = Field(None, description="时刻，默认现在；无时区按北京时间")


class LegalConsultationOut(Schema):
    id: int
    region: PlaceOut
    channel: str
    channel_label: str
    requester_name: str
    phone_masked: str = Field(..., description="脱敏联系电话")
    person: int | None
    topic: str
    topic_label: str
    question: str
    lawyer: LegalLawyerRef | None
    answer: str
    answered_at: dt.datetime | None
    referral: str
    referral_label: str
    dispute: int | None = Field(..., description="转调解时登记的纠纷编号")
    created_at: dt.datetime


class LegalConsultationList(Page):
    items: list[LegalConsultationOut]


class LegalConsultationQuery(PageQuery):
    region: str = region_filter()
    topic: _codes(c.LegalTopic) = Field("", description=choice_codes(c.LegalTopic))  # type: ignore[valid-type]
    channel: _codes(c.ConsultChannel) = Field("", description=choice_codes(c.ConsultChannel))  # type: ignore[valid-type]
    answered: bool | None = Field(None, description="只看已解答（true）或待解答（false）的")


class LegalConsultationIn(Schema):
    region: str = Field(..., pattern=PATH, description="受理中心路径")
    channel: _codes(c.ConsultChannel, ()) = Field(..., description=choice_codes(c.ConsultChannel))  # type: ignore[valid-type]
    topic: _codes(c.LegalTopic, ()) = Field(..., description=choice_codes(c.LegalTopic))  # type: ignore[valid-type]
    question: str = Field(..., max_length=TEXT)
    requester_name: str = Field(..., max_length=50)
    phone: str = Field("", max_length=20, description="联系电话（只写）")
    person: int | None = optional_id("实有人口编号")


class LegalAnswerIn(Schema):
    answer: str = Field(..., max_length=TEXT)
    referral: _codes(c.Referral, ()) = Field(  # type: ignore[valid-type]
        c.Referral.NONE, description=choice_codes(c.Referral)
    )
    dispute_item: str = Field(
        "", max_length=16, description="转调解时：矛盾纠纷事项编码（如 JF-001）"
    )
    dispute_grid: str = Field("", pattern=REGION_FILTER, description="转调解时：纠纷所在网格路径")
