"""Disputes and their mediation (矛盾纠纷排查化解, 人民调解): the record beside a 矛盾纠纷 case,
its parties, the committees and mediators, mediations with their sessions, the agreement, the
court's confirmation and the follow-up visits. See docs/mediation.md.

Every row carries ``region_path`` for the one jurisdiction function: a dispute and all that
hangs from it the path of its case's region, a committee or mediator the path of the region the
committee serves. ID numbers and phones of new parties and mediators are stored as the registers
store them: ciphertext, masked form and keyed hash.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import JurisdictionFields
from gridgov.mediation import choices as c

REGION_JURISDICTION = JurisdictionFields(region_path="region_path")


class ProtectedPhone(models.Model):
    phone_cipher = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, editable=False)
    phone_hash = models.CharField(
        _("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False
    )

    class Meta:
        abstract = True


class Committee(models.Model):
    """调解委员会: a people's mediation committee of a village or township, or an industry /
    professional mediation organisation of the county, with the kinds it specialises in."""

    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(
        _("类别"), max_length=16, choices=c.CommitteeKind.choices, default=c.CommitteeKind.PEOPLE
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    specialities = models.JSONField(_("擅长领域"), default=list, blank=True)
    address = models.CharField(_("地址"), max_length=120, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("调解委员会")
        verbose_name_plural = _("调解委员会")
        ordering = ("region_path", "name")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="mediation_committee_once")
        ]

    def __str__(self) -> str:
        return self.name


class Mediator(ProtectedPhone):
    """调解员: a mediator of one committee; with an account they see and work their disputes."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("调解委员会"), on_delete=models.PROTECT, related_name="mediators"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(
        _("类别"), max_length=16, choices=c.MediatorKind.choices, default=c.MediatorKind.PART_TIME
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator_entries",
    )
    specialities = models.JSONField(_("擅长领域"), default=list, blank=True)
    certified_on = models.DateField(_("聘任日期"), null=True, blank=True)
    active = models.BooleanField(_("在任"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ("region_path", "name")

    def __str__(self) -> str:
        return self.name


class Dispute(models.Model):
    """矛盾纠纷: the record beside a case of the 矛盾纠纷 board. The difficulty stays the case's
    (fixed at intake; the subsidy pays by it)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="dispute"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    kind = models.CharField(_("纠纷类型"), max_length=16, choices=c.DisputeKind.choices)
    amount_yuan = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    risk = models.CharField(_("风险等级"), max_length=8, choices=c.Risk.choices, default=c.Risk.LOW)
    violence_risk = models.BooleanField(_("有民转刑、暴力倾向风险"), default=False)
    mass_risk = models.BooleanField(_("有引发群体性事件风险"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("群众在网上申请的纠纷没有登记人：案件记着申请的群众"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["region_path", "kind"], name="mediation_dispute_kind")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.get_kind_display()}"


class Party(ProtectedPhone):
    """当事人: a register person, a register organisation, or a new party (name, protected ID
    number and phone, address)."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("纠纷"), on_delete=models.CASCADE, related_name="parties"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    role = models.CharField(_("身份"), max_length=12, choices=c.PartyRole.choices)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("实有人口"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名（名称）"), max_length=80)
    id_cipher = models.TextField(_("证件号码（密文）"), blank=True, editable=False)
    id_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    id_hash = models.CharField(
        _("证件号码索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    gender = models.CharField(_("性别"), max_length=8, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    address = models.CharField(_("住址"), max_length=120, blank=True)
    agent = models.CharField(_("代理人"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ("dispute", "position", "pk")
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(person__isnull=False) & models.Q(organisation__isnull=False)),
                name="mediation_party_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name}"


class Mediation(models.Model):
    """调解: one attempt of a committee and its lead mediator at a dispute (one open at a time)."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("纠纷"), on_delete=models.PROTECT, related_name="mediations"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    committee = models.ForeignKey(
        Committee, verbose_name=_("调解委员会"), on_delete=models.PROTECT, related_name="+"
    )
    mediator = models.ForeignKey(
        Mediator, verbose_name=_("主持调解员"), on_delete=models.PROTECT, related_name="mediations"
    )
    co_mediators = models.ManyToManyField(
        Mediator, verbose_name=_("参与调解员"), blank=True, related_name="co_mediations"
    )
    accepted_on = models.DateField(_("受理日期"))
    state = models.CharField(
        _("状态"), max_length=12, choices=c.MediationState.choices, default=c.MediationState.OPEN
    )
    outcome_note = models.TextField(_("调解结果说明"), blank=True)
    referred_to = models.CharField(_("移送机关"), max_length=80, blank=True)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("调解")
        verbose_name_plural = _("调解")
        ordering = ("-accepted_on", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=models.Q(state="open"),
                name="mediation_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["region_path", "state"], name="mediation_path_state"),
            models.Index(fields=["mediator", "closed_on"], name="mediation_mediator_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}·{self.mediator}·{self.get_state_display()}"


class Session(models.Model):
    """调解会: one sitting, in a room or online, with who was there and the minutes."""

    mediation = models.ForeignKey(
        Mediation, verbose_name=_("调解"), on_delete=models.CASCADE, related_name="sessions"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    online = models.BooleanField(_("线上调解"), default=False)
    place = models.CharField(_("地点（线上会议室）"), max_length=120)
    participants = models.TextField(_("参加人员"))
    minutes = models.TextField(_("调解笔录"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        ordering = ("mediation", "starts_at")

    def __str__(self) -> str:
        return f"{self.mediation_id}·{self.starts_at:%Y-%m-%d %H:%M}"


class Agreement(models.Model):
    """调解协议书: the terms the parties agreed, numbered per committee and year; the PDF is
    generated from it (``agreement_pdf``)."""

    mediation = models.OneToOneField(
        Mediation, verbose_name=_("调解"), on_delete=models.PROTECT, related_name="agreement"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("协议书编号"), max_length=120, unique=True, editable=False)
    facts = models.TextField(_("纠纷主要事实、争议事项"))
    terms = models.JSONField(_("协议内容"), default=list)
    perform_by = models.DateField(_("履行期限"), null=True, blank=True)
    perform_note = models.CharField(_("履行方式"), max_length=200, blank=True)
    signatures = models.JSONField(_("签字情况"), default=list)
    signed_on = models.DateField(_("签订日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("调解协议书")
        verbose_name_plural = _("调解协议书")
        ordering = ("-signed_on", "-pk")

    def __str__(self) -> str:
        return self.number


class AgreementCounter(models.Model):
    """The next 调字第 N 号 of a committee in a year (locked while numbering)."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="mediation_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}·{self.year}·{self.last}"


class Confirmation(models.Model):
    """司法确认: the parties' joint application to the court to confirm the agreement (within
    30 days of it taking effect, 《人民调解法》第三十三条)."""

    agreement = models.OneToOneField(
        Agreement,
        verbose_name=_("调解协议书"),
        on_delete=models.PROTECT,
        related_name="confirmation",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    applied_on = models.DateField(_("申请日期"))
    court = models.CharField(_("受理法院"), max_length=80)
    result = models.CharField(
        _("结果"),
        max_length=12,
        choices=c.ConfirmationResult.choices,
        default=c.ConfirmationResult.PENDING,
    )
    decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    ruling_no = models.CharField(_("裁定书文号"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")
        ordering = ("-applied_on",)

    def __str__(self) -> str:
        return f"{self.agreement}·{self.get_result_display()}"


class FollowUp(models.Model):
    """回访: whether the agreement is being honoured."""

    mediation = models.ForeignKey(
        Mediation, verbose_name=_("调解"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    visited_on = models.DateField(_("回访日期"))
    honoured = models.CharField(_("履行情况"), max_length=10, choices=c.Honoured.choices)
    note = models.CharField(_("回访情况"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ("mediation", "visited_on")

    def __str__(self) -> str:
        return f"{self.mediation_id}·{self.visited_on}·{self.get_honoured_display()}"


class Campaign(models.Model):
    """矛盾纠纷排查: a period in which every grid under the region screens for disputes and
    reports, even when it found none (零报告)."""

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("组织单位（区划）"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    title = models.CharField(_("排查名称"), max_length=80)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    due_on = models.DateField(_("上报截止日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("矛盾纠纷排查")
        verbose_name_plural = _("矛盾纠纷排查")
        ordering = ("-starts_on", "-pk")

    def __str__(self) -> str:
        return self.title


class ScreeningReport(models.Model):
    """排查报告: one grid's report in a campaign: nothing found (零报告) or the disputes found."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("排查"), on_delete=models.CASCADE, related_name="reports"
    )
    grid = models.ForeignKey(
        "regions.Region", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    nil = models.BooleanField(_("零报告"), default=False)
    disputes = models.ManyToManyField(
        Dispute, verbose_name=_("排查发现的纠纷"), blank=True, related_name="screenings"
    )
    note = models.CharField(_("排查情况"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("上报时间"))

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("排查报告")
        verbose_name_plural = _("排查报告")
        ordering = ("campaign", "region_path")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "grid"], name="mediation_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}·{self.region_path}"

    @property
    def late(self) -> bool:
        """逾期上报: reported after the campaign's due date (local date)."""
        from django.utils import timezone

        return timezone.localdate(self.reported_at) > self.campaign.due_on


class Petition(models.Model):
    """信访事项: the record beside a case of the 信访诉求 board, with the time limits of the
    《信访工作条例》 (acknowledge within 15 days, reply within 60 days of acceptance, one
    extension of 30 days, review requested within 30 days of the reply)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="petition"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    form = models.CharField(_("信访形式"), max_length=10, choices=c.PetitionForm.choices)
    people_count = models.PositiveIntegerField(_("信访人数"), default=1)
    skips_level = models.BooleanField(_("越级信访"), default=False)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("重复信访（原信访事项）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
    )
    state = models.CharField(
        _("状态"), max_length=14, choices=c.PetitionState.choices, default=c.PetitionState.RECEIVED
    )
    received_on = models.DateField(_("收到日期"))
    acknowledge_by = models.DateField(_("受理告知期限"))
    acknowledged_on = models.DateField(_("受理告知日期"), null=True, blank=True)
    reply_by = models.DateField(_("答复期限"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=200, blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    reply_text = models.TextField(_("答复意见"), blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=c.Satisfaction.choices, blank=True
    )
    review_requested_on = models.DateField(_("申请复查日期"), null=True, blank=True)
    review_by = models.DateField(_("复查期限"), null=True, blank=True)
    reviewed_on = models.DateField(_("复查答复日期"), null=True, blank=True)
    review_text = models.TextField(_("复查意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("信访事项")
        verbose_name_plural = _("信访事项")
        ordering = ("-received_on", "-pk")
        indexes = [models.Index(fields=["region_path", "state"], name="mediation_petition_state")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.get_form_display()}"

    @property
    def is_group(self) -> bool:
        return self.people_count >= c.GROUP_PETITION_PEOPLE


class Petitioner(ProtectedPhone):
    """信访人: a register person or a new one (name, protected ID number and phone)."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("信访事项"), on_delete=models.CASCADE, related_name="petitioners"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("实有人口"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_cipher = models.TextField(_("证件号码（密文）"), blank=True, editable=False)
    id_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    id_hash = models.CharField(
        _("证件号码索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    address = models.CharField(_("住址"), max_length=120, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        ordering = ("petition", "pk")

    def __str__(self) -> str:
        return self.name


class Lawyer(ProtectedPhone):
    """值班律师: a lawyer who takes turns at the centres' legal service rooms."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    firm = models.CharField(_("执业机构"), max_length=80)
    licence_no = models.CharField(_("执业证号"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lawyer_entries",
    )
    active = models.BooleanField(_("在岗"), default=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("值班律师")
        verbose_name_plural = _("值班律师")
        ordering = ("region_path", "name")

    def __str__(self) -> str:
        return f"{self.name}（{self.firm}）"


class RotaDuty(models.Model):
    """A duty on a centre's rota: the centre, the day and the slot (上午 / 下午 / 全天); the
    lawyers' and the mediators' rotas add who is on duty."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("值班中心"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    day = models.DateField(_("值班日期"))
    slot = models.CharField(_("时段"), max_length=4, choices=c.DutySlot.choices)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        abstract = True
        ordering = ("day", "region_path", "slot")

    def __str__(self) -> str:
        return f"{self.day}·{self.get_slot_display()}·{self.person}"

    @property
    def person(self) -> Any:
        """Who is on duty (the lawyer or the mediator)."""
        raise NotImplementedError


class LegalDuty(RotaDuty):
    """律师值班表: a lawyer on duty at a centre's legal service room on a day (half or full)."""

    lawyer = models.ForeignKey(
        Lawyer, verbose_name=_("值班律师"), on_delete=models.CASCADE, related_name="duties"
    )

    class Meta(RotaDuty.Meta):
        verbose_name = _("律师值班")
        verbose_name_plural = _("律师值班")
        constraints = [
            models.UniqueConstraint(fields=["lawyer", "day", "slot"], name="mediation_duty_once")
        ]

    @property
    def person(self) -> Lawyer:
        return self.lawyer


class MediatorDuty(RotaDuty):
    """调解员值班表: a mediator on duty in a centre's mediation room on a day (half or full), so
    the reception knows whom to hand a walk-in dispute to."""

    mediator = models.ForeignKey(
        Mediator, verbose_name=_("值班调解员"), on_delete=models.CASCADE, related_name="duties"
    )

    class Meta(RotaDuty.Meta):
        verbose_name = _("调解员值班")
        verbose_name_plural = _("调解员值班")
        constraints = [
            models.UniqueConstraint(
                fields=["mediator", "day", "slot"], name="mediation_mediator_duty_once"
            )
        ]

    @property
    def person(self) -> Mediator:
        return self.mediator


class Consultation(ProtectedPhone):
    """法律咨询: a question to the lawyer on duty at a centre, walk-in, online or by phone; the
    answer, and where it was referred (a referral to mediation opens the dispute)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("受理中心"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    channel = models.CharField(_("咨询方式"), max_length=10, choices=c.ConsultChannel.choices)
    requester_name = models.CharField(_("咨询人"), max_length=50)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("实有人口"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.CharField(_("咨询类别"), max_length=12, choices=c.LegalTopic.choices)
    question = models.TextField(_("咨询问题"))
    lawyer = models.ForeignKey(
        Lawyer,
        verbose_name=_("解答律师"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    answer = models.TextField(_("解答意见"), blank=True)
    answered_at = models.DateTimeField(_("解答时间"), null=True, blank=True)
    referral = models.CharField(
        _("处理去向"), max_length=12, choices=c.Referral.choices, blank=True
    )
    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("转调解的纠纷"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("咨询时间"))

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("法律咨询")
        verbose_name_plural = _("法律咨询")
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["region_path", "created_at"], name="mediation_consult_at")]

    def __str__(self) -> str:
        return f"{self.requester_name}·{self.get_topic_display()}"
