"""The catalogue of matters, cases, their append-only events, and what hangs off them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.cases.choices import (
    ActionChoice,
    Channel,
    Difficulty,
    HandlingLevel,
    LimitUnit,
    Rating,
    StatusChoice,
    StepChoice,
    SupervisionLevel,
    Urgency,
)
from gridgov.core.jurisdiction import JurisdictionFields, Scope, paths_q
from gridgov.core.privacy import mask_phone
from gridgov.core.protection import encrypt, lookup_hash

if TYPE_CHECKING:
    from gridgov.core.jurisdiction import Action


class Board(models.Model):
    """板块: a group of matters (民生事项, 信访诉求, 社会治安 …)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("板块")
        verbose_name_plural = _("板块")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class LimitFields(models.Model):
    """The time limits of the three item steps (签收、办理、核查)."""

    sign_amount = models.FloatField(_("签收时限"), default=2)
    sign_unit = models.CharField(
        _("签收时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_HOURS
    )
    handle_amount = models.FloatField(_("办理时限"), default=5)
    handle_unit = models.CharField(
        _("办理时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    verify_amount = models.FloatField(_("核查时限"), default=1)
    verify_unit = models.CharField(
        _("核查时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )

    LIMIT_FIELDS: ClassVar[tuple[str, ...]] = (
        "sign_amount",
        "sign_unit",
        "handle_amount",
        "handle_unit",
        "verify_amount",
        "verify_unit",
    )

    class Meta:
        abstract = True


class Item(LimitFields):
    """事项: a kind of matter, with its default level, department, difficulty and limits.

    Editing an item's limits publishes a new :class:`ItemVersion`; cases keep the version
    they were created under.
    """

    code = models.CharField(_("事项编码"), max_length=16, unique=True)
    name = models.CharField(_("事项名称"), max_length=60)
    board = models.ForeignKey(
        Board, verbose_name=_("板块"), on_delete=models.PROTECT, related_name="items"
    )
    level = models.CharField(
        _("默认处置层级"),
        max_length=12,
        choices=HandlingLevel.choices,
        default=HandlingLevel.TOWNSHIP,
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("责任部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    difficulty = models.CharField(
        _("难易程度"), max_length=12, choices=Difficulty.choices, default=Difficulty.ORDINARY
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    weight = models.FloatField(_("常见程度"), default=1.0, help_text=_("生成演示数据时的相对频次"))
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("当前版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项清单")
        ordering = ["board__sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ItemVersion(LimitFields):
    """A frozen copy of an item's rules, referenced by the cases created under it."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    name = models.CharField(_("事项名称"), max_length=60)
    level = models.CharField(_("默认处置层级"), max_length=12, choices=HandlingLevel.choices)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    difficulty = models.CharField(_("难易程度"), max_length=12, choices=Difficulty.choices)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"


class Case(models.Model):
    """案件: one problem, from intake to archive. Its columns are the current state, written
    only by ``cases.services`` together with one :class:`CaseEvent` per action."""

    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, db_index=True)
    urgency = models.CharField(
        _("紧急程度"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL
    )
    item = models.ForeignKey(
        Item, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases"
    )
    item_version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.PROTECT, related_name="cases"
    )
    board = models.ForeignKey(
        Board, verbose_name=_("板块"), on_delete=models.PROTECT, related_name="cases"
    )
    difficulty = models.CharField(_("难易程度"), max_length=12, choices=Difficulty.choices)
    # Where: a point (WGS-84) and/or an address; the grid from locate().
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="cases"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True)
    # Who owns it now.
    status = models.CharField(_("状态"), max_length=16, choices=StatusChoice.choices, db_index=True)
    level = models.CharField(_("当前层级"), max_length=12, choices=HandlingLevel.choices)
    centre = models.ForeignKey(
        "regions.Region",
        verbose_name=_("承办中心"),
        on_delete=models.PROTECT,
        related_name="centre_cases",
    )
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_cases",
    )
    lead_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("主办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_cases",
    )
    lead_centre = models.ForeignKey(
        "regions.Region",
        verbose_name=_("主办站（中心）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_cases",
    )
    # The clock of the current step.
    step = models.CharField(_("当前环节"), max_length=12, choices=StepChoice.choices, blank=True)
    step_no = models.PositiveIntegerField(_("环节序号"), default=0)
    step_started_at = models.DateTimeField(_("环节开始"), null=True, blank=True)
    due_at = models.DateTimeField(_("环节时限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    step_unit = models.CharField(
        _("时限单位"), max_length=16, choices=LimitUnit.choices, blank=True
    )
    held_since = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    previous_status = models.CharField(
        _("挂起前状态"), max_length=16, choices=StatusChoice.choices, blank=True
    )
    warned_step = models.PositiveIntegerField(_("已预警环节"), default=0)
    overdue_step = models.PositiveIntegerField(_("已超期环节"), default=0)
    # Counters and outcomes.
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalations = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    pending_extension = models.FloatField(_("待批延期"), null=True, blank=True)
    rating = models.CharField(_("满意度"), max_length=20, choices=Rating.choices, blank=True)
    callback_reached = models.BooleanField(_("回访联系上"), null=True, blank=True)
    solved_level = models.CharField(
        _("解决层级"), max_length=12, choices=HandlingLevel.choices, blank=True
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("终结时间"), null=True, blank=True)
    master = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    supervision = models.CharField(
        _("督办"), max_length=12, choices=SupervisionLevel.choices, blank=True, db_index=True
    )
    supervision_pending = models.BooleanField(_("待回复督办"), default=False)
    self_handled = models.BooleanField(_("自处置"), default=False)
    handled_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("首次派遣时间"), null=True, blank=True)
    signed_on_time = models.BooleanField(_("按时签收"), null=True, blank=True)
    supervision_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    reachable = models.BooleanField(
        _("可回访"), default=False, help_text=_("反映人留了电话且未匿名（反馈率的分母）")
    )
    void_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废申请人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("上报群众"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人（工作人员）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    patrol = models.ForeignKey(
        "ops.Patrol",
        verbose_name=_("巡查"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        help_text=_("网格员巡查途中上报的案件"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("上报时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="region_path"
    )

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["status", "warn_at"], name="case_status_warn"),
            models.Index(fields=["centre", "status"], name="case_centre_status"),
            models.Index(fields=["item", "created_at"], name="case_item_created"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def followed_status(self) -> str:
        """A merged case follows its master: the master's status (through merges); any other
        case, its own."""
        case, seen = self, set()
        while case.status == StatusChoice.MERGED and case.master_id and case.pk not in seen:
            seen.add(case.pk)
            case = case.master  # type: ignore[assignment]
        return case.status

    @classmethod
    def restrict_to_scope(
        cls, queryset: models.QuerySet[Case], scope: Scope, action: Action, user: Any
    ) -> models.QuerySet[Case]:
        """Cases in the user's territory, and those assigned to the user or their department
        (as lead or co-handler)."""
        q = paths_q(scope.paths(action), "region_path")
        assigned = Q(user=user) if getattr(user, "pk", None) else Q(pk__in=[])
        if scope.departments(action):
            assigned |= Q(department_id__in=sorted(scope.departments(action)))
        q |= Q(pk__in=Assignment.objects.filter(assigned, active=True).values("case_id"))
        return queryset.filter(q)


class CaseReporter(models.Model):
    """The reporter's contact, kept apart from the case. The phone is stored as the registers
    store phones (``core.protection``): ciphertext, masked form and keyed hash; only the
    owning centre reveals it, giving a reason that is recorded."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="reporter")
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone_cipher = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, editable=False)
    phone_hash = models.CharField(
        _("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    anonymous = models.BooleanField(_("匿名"), default=False)

    class Meta:
        verbose_name = _("反映人")
        verbose_name_plural = _("反映人")

    def __str__(self) -> str:
        return f"{self.case.number} 反映人"

    @property
    def reachable(self) -> bool:
        return bool(self.phone_hash) and not self.anonymous

    @staticmethod
    def protected_phone(phone: str) -> dict[str, str]:
        """The three stored forms of a phone (all empty for no phone)."""
        if not phone:
            return {"phone_cipher": "", "phone_masked": "", "phone_hash": ""}
        digits = phone.replace("-", "")
        return {
            "phone_cipher": encrypt(phone),
            "phone_masked": mask_phone(phone),
            "phone_hash": lookup_hash(digits, "phone"),
        }


class Assignment(models.Model):
    """A unit working a case: the lead (主办) or a co-handler (协办). Rewritten from the case
    state on every action; ``active=False`` rows are history."""

    class UnitKind(models.TextChoices):
        USER = "user", _("个人")
        CENTRE = "centre", _("中心（站）")
        DEPARTMENT = "department", _("部门")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    is_lead = models.BooleanField(_("主办"), default=False)
    kind = models.CharField(_("单位类型"), max_length=12, choices=UnitKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    centre = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    reported = models.BooleanField(_("已签收/报到"), default=False)
    active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办理单位")
        verbose_name_plural = _("办理单位")
        indexes = [
            models.Index(fields=["department", "active"], name="assignment_department"),
            models.Index(fields=["user", "active"], name="assignment_user"),
            models.Index(fields=["centre", "active"], name="assignment_centre"),
        ]

    def __str__(self) -> str:
        target = self.user or self.department or self.centre
        return f"{'主办' if self.is_lead else '协办'}：{target}"


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise ValueError("case events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("case events are append-only")


class CaseEvent(models.Model):
    """One action on a case. Only ever inserted; the timeline replays to the case's state."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("操作"), max_length=20, choices=ActionChoice.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=StatusChoice.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=StatusChoice.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    post = models.ForeignKey(
        "accounts.Post",
        verbose_name=_("岗位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("内容"), default=dict, blank=True)
    facts = models.JSONField(_("环节记录"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq"),
        ]
        indexes = [models.Index(fields=["action", "at"], name="case_event_action_at")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("case events are append-only")


class Attachment(models.Model):
    """A photo on a case (reported, or the handling result)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("上报照片")
        RESULT = "result", _("处置照片")
        OTHER = "other", _("其他")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name or self.file.name


class DuplicateSuspicion(models.Model):
    """疑似重复: a new case close to an open one of the same item, in time and place."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duplicate_of")
    candidate = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    distance_m = models.FloatField(_("距离（米）"))
    hours_apart = models.FloatField(_("间隔（小时）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("疑似重复")
        verbose_name_plural = _("疑似重复")
        constraints = [
            models.UniqueConstraint(fields=["case", "candidate"], name="duplicate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ~ {self.candidate_id}"


class Notification(models.Model):
    """A reminder or notice for one member of staff."""

    class Kind(models.TextChoices):
        NEW_WORK = "new_work", _("新任务")
        WARNING = "warning", _("黄灯预警")
        OVERDUE = "overdue", _("超期")
        SUPERVISION = "supervision", _("督办")
        URGE = "urge", _("催办")
        INSTRUCTION = "instruction", _("批示")
        ESCALATED = "escalated", _("上报")
        RESULT = "result", _("办理结果")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    message = models.CharField(_("内容"), max_length=200)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.message


class CaseCounter(models.Model):
    """The last serial used on a day, for case numbers (date + serial)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号计数")
        verbose_name_plural = _("案件编号计数")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class CalendarOverride(models.Model):
    """An administrator's entry from the State Council's holiday announcement for a year the
    calendar package does not know yet: a day off, or a make-up working day (调休)."""

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("上班"))
    note = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_working_day else '放假'}"
