"""Party building laid over the grids (党建引领): the party organisation tree bound to the region
tree, members linked to people in the register, committee seats, grid chiefs, in-service members
and units serving in grids (双报到、下沉网格), needs and claims, organisational life (三会一课)
with attendance, star ratings and party-and-people service centres.

Every row carries ``region_path`` (the path of the region node its organisation or place is
bound to) for the one jurisdiction function. See docs/party.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import JurisdictionFields
from gridgov.party import choices as c

REGION_JURISDICTION = JurisdictionFields(region_path="region_path")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ValueError("this history is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("this history is append-only")


class PartyOrganisation(models.Model):
    """党组织: a committee, working committee, general branch, branch or group, bound to the
    region node it leads. A child is bound inside its parent's region and ranks below it."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("组织类型"), max_length=20, choices=c.OrgKind.choices)
    category = models.CharField(
        _("组织类别"), max_length=12, choices=c.OrgCategory.choices, default=c.OrgCategory.REGIONAL
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="party_organisations",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    level = models.CharField(_("区划层级"), max_length=12, editable=False, db_index=True)
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("所在单位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_organisations",
        help_text=_("企业、社会组织等单位中建立的党组织"),
    )
    department = models.OneToOneField(
        "accounts.Department",
        verbose_name=_("接单部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_organisation",
        help_text=_("启用接单后，可像部门一样派给本组织办理事件"),
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    stars = models.PositiveSmallIntegerField(_("星级"), default=0, help_text=_("0 表示未评定"))
    is_active = models.BooleanField(_("有效"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["region_path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="party_org_unique_name"),
        ]
        indexes = [
            models.Index(fields=["level", "region_path"], name="party_org_level_path"),
        ]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """党员: a person of the register who belongs to one organisation."""

    person = models.OneToOneField(
        "registry.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    joined_on = models.DateField(_("入党日期"))
    status = models.CharField(
        _("党员类别"), max_length=12, choices=c.MemberStatus.choices, default=c.MemberStatus.FORMAL
    )
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    in_service_unit = models.CharField(
        _("在职单位"), max_length=100, blank=True, help_text=_("在职党员的工作单位；为空表示非在职")
    )
    in_service_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("在职单位（部门）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_members",
    )
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    mobile_location = models.CharField(_("流入地"), max_length=100, blank=True)
    mobile_since = models.DateField(_("外出日期"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_members",
        help_text=_("下沉党员接办事件、签到时使用的账号"),
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=c.MemberState.choices, default=c.MemberState.ACTIVE
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organisation_id", "id"]
        indexes = [
            models.Index(fields=["organisation", "state"], name="party_member_org_state"),
            models.Index(fields=["region_path", "state"], name="party_member_path_state"),
        ]

    def __str__(self) -> str:
        return self.person.name

    @property
    def is_in_service(self) -> bool:
        return bool(self.in_service_unit or self.in_service_department_id)


class Seat(models.Model):
    """班子成员: a member's office in an organisation (secretary, deputy, committee member,
    group leader), with its term. The current secretary is the seat with no end date."""

    organisation = models.ForeignKey(
        PartyOrganisation, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="seats"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="seats"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    title = models.CharField(_("职务"), max_length=16, choices=c.SeatTitle.choices)
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("班子成员")
        verbose_name_plural = _("班子成员")
        ordering = ["organisation_id", "title", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(title="secretary", ends_on__isnull=True),
                name="party_one_current_secretary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}·{self.get_title_display()}"


class GridChiefAppointment(models.Model):
    """网格长: by default the secretary of the grid's party organisation; another member is an
    override with its reason recorded. Rows are history: the current one has no end date."""

    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="chief_appointments",
        limit_choices_to={"level": "grid"},
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    member = models.ForeignKey(
        PartyMember, verbose_name=_("网格长"), on_delete=models.PROTECT, related_name="chief_of"
    )
    is_default = models.BooleanField(_("由支部书记担任"), default=True)
    reason = models.CharField(_("调整理由"), max_length=200, blank=True)
    post = models.ForeignKey(
        "accounts.Post",
        verbose_name=_("网格长岗位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("任命人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("网格长任命")
        verbose_name_plural = _("网格长任命")
        ordering = ["region_path", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"], condition=Q(ends_on__isnull=True), name="party_one_current_chief"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid.name}·{self.member}"


class ServiceRegistration(models.Model):
    """双报到: an in-service member or a unit registers to serve a community (village node);
    the community assigns it to a grid (下沉网格)."""

    kind = models.CharField(_("报到类型"), max_length=8, choices=c.RegistrantKind.choices)
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("在职党员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    unit = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("报到单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_registrations",
    )
    community = models.ForeignKey(
        "regions.Region",
        verbose_name=_("报到社区（村）"),
        on_delete=models.PROTECT,
        related_name="service_registrations",
        limit_choices_to={"level": "village"},
    )
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("下沉网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sunk_registrations",
        limit_choices_to={"level": "grid"},
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=c.RegistrationState.choices,
        default=c.RegistrationState.REGISTERED,
    )
    skills = models.CharField(_("特长与服务意向"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("报到时间"))
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分配人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    hours = models.DecimalField(
        _("累计服务时长（小时）"), max_digits=8, decimal_places=1, default=0
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("双报到登记")
        verbose_name_plural = _("双报到登记")
        ordering = ["region_path", "-registered_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="member", member__isnull=False, unit__isnull=True))
                | (Q(kind="unit", unit__isnull=False, member__isnull=True)),
                name="party_registration_member_or_unit",
            ),
            models.UniqueConstraint(
                fields=["member", "community"],
                condition=~Q(state="ended") & Q(member__isnull=False),
                name="party_one_live_member_registration",
            ),
            models.UniqueConstraint(
                fields=["unit", "community"],
                condition=~Q(state="ended") & Q(unit__isnull=False),
                name="party_one_live_unit_registration",
            ),
        ]
        indexes = [
            models.Index(fields=["region_path", "state"], name="party_reg_path_state"),
        ]

    def __str__(self) -> str:
        who = self.member or self.unit
        return f"{who}→{self.community.name}"


class Need(models.Model):
    """微心愿、服务项目、双呼叫: a need a community or grid publishes for members and units to
    claim; the community confirms completion."""

    kind = models.CharField(_("类型"), max_length=8, choices=c.NeedKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    detail = models.TextField(_("内容"), blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("发布社区/网格"),
        on_delete=models.PROTECT,
        related_name="party_needs",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    beneficiary = models.CharField(_("服务对象"), max_length=100, blank=True)
    slots = models.PositiveSmallIntegerField(_("认领名额"), default=1)
    due_on = models.DateField(_("截止日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=c.NeedState.choices, default=c.NeedState.OPEN
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("需求与项目")
        verbose_name_plural = _("需求与项目")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["region_path", "state"], name="party_need_path_state")]

    def __str__(self) -> str:
        return self.title


class Claim(models.Model):
    """认领: a registered member or unit takes on a need, reports it done, and the community
    confirms it (the hours then count to the registration)."""

    need = models.ForeignKey(
        Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="claims"
    )
    registration = models.ForeignKey(
        ServiceRegistration,
        verbose_name=_("认领人（单位）"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=c.ClaimState.choices, default=c.ClaimState.CLAIMED
    )
    claimed_at = models.DateTimeField(_("认领时间"))
    reported_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result = models.TextField(_("办理情况"), blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=1, default=0)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("认领")
        verbose_name_plural = _("认领")
        ordering = ["need_id", "claimed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "registration"],
                condition=~Q(state="withdrawn"),
                name="party_one_live_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need}·{self.registration}"


class ServiceRecord(models.Model):
    """服务记录: hours a sunk member or unit served in its grid (from a confirmed claim, an
    activity, or entered by the community)."""

    registration = models.ForeignKey(
        ServiceRegistration,
        verbose_name=_("报到登记"),
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    day = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("时长（小时）"), max_digits=6, decimal_places=1)
    content = models.CharField(_("服务内容"), max_length=200)
    claim = models.OneToOneField(
        Claim,
        verbose_name=_("对应认领"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_record",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()
    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.content}"


class Meeting(models.Model):
    """组织生活: a meeting or activity of one organisation (三会一课、主题党日), on site and/or
    online (网上党支部: agenda, materials, sign-in, minutes)."""

    organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=c.MeetingKind.choices)
    title = models.CharField(_("主题"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    is_online = models.BooleanField(_("可远程参加"), default=False)
    online_link = models.CharField(_("线上会议链接"), max_length=300, blank=True)
    agenda = models.TextField(_("议程"), blank=True)
    materials = models.TextField(_("学习材料"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=c.MeetingState.choices, default=c.MeetingState.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "starts_at"], name="party_meeting_org_start"),
            models.Index(fields=["region_path", "starts_at"], name="party_meeting_path_start"),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """参会: one member's attendance at one meeting (on site, remote, leave or absent)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="attendance"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    kind = models.CharField(_("参会情况"), max_length=8, choices=c.AttendanceKind.choices)
    signed_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("参会记录")
        verbose_name_plural = _("参会记录")
        ordering = ["meeting_id", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="party_one_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}·{self.member}"


class StarCriterion(models.Model):
    """星级评定标准: one configurable criterion with its maximum points."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("评分说明"), max_length=300, blank=True)
    max_points = models.PositiveSmallIntegerField(_("满分"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("星级评定标准")
        verbose_name_plural = _("星级评定标准")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class StarRating(models.Model):
    """星级评定: one rating of one organisation for one year (append-only: a re-rating adds a
    row; the newest of the latest year is the organisation's current stars)."""

    organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    scores = models.JSONField(_("各项得分"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1)
    max_total = models.PositiveSmallIntegerField(_("满分"))
    stars = models.PositiveSmallIntegerField(_("星级"))
    note = models.CharField(_("评定意见"), max_length=300, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("评定时间"))

    objects = AppendOnlyQuerySet.as_manager()
    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("星级评定")
        verbose_name_plural = _("星级评定")
        ordering = ["organisation_id", "-year", "-rated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} {self.stars}★"


class ServiceCentre(models.Model):
    """党群服务中心（站）: a place on the party map, at county, township, village or grid level."""

    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=c.CentreLevel.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="party_service_centres",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("所属党组织"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_centres",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    phone = models.CharField(_("服务电话"), max_length=30, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    area_m2 = models.PositiveIntegerField(_("面积（平方米）"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("党群服务中心")
        verbose_name_plural = _("党群服务中心")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name
