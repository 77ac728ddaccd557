"""The base registers (人、房、法): people, rooms and tenancies, organisations, tags, care
contracts, visits, and the append-only change log and reveal records.

Protected values (ID numbers, phones) are stored three ways and never in clear: the Fernet
ciphertext (``*_cipher``), the masked form shown everywhere (``*_masked``) and a keyed hash for
exact lookup (``*_hash``). Lists never decrypt; only ``services.reveal`` does, and records it.
Every row carries ``region_path`` (its grid's or building's path) for the jurisdiction function.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import JurisdictionFields
from gridgov.registry import choices as c

REGION_JURISDICTION = JurisdictionFields(region_path="region_path")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ValueError("this log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("this log is append-only")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("this log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("this log is append-only")


class Room(models.Model):
    """A room (户) of a building or hamlet: 实有房屋; a rented one is 出租房屋."""

    building = models.ForeignKey(
        "regions.Region",
        verbose_name=_("楼栋/屯"),
        on_delete=models.PROTECT,
        related_name="rooms",
        limit_choices_to={"level": "building"},
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    unit = models.CharField(_("单元"), max_length=20, blank=True)
    number = models.CharField(_("房号"), max_length=20)
    use = models.CharField(_("用途"), max_length=12, choices=c.RoomUse.choices, default="home")
    area_m2 = models.DecimalField(
        _("面积（平方米）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    owner = models.ForeignKey(
        "Person",
        verbose_name=_("产权人（登记人口）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_rooms",
    )
    owner_name = models.CharField(_("产权人"), max_length=100, blank=True)
    occupancy = models.CharField(
        _("居住状态"), max_length=12, choices=c.Occupancy.choices, default="owner"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        ordering = ["region_path", "unit", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "number"], name="registry_room_unique_address"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{unit}{self.number}"


class Person(models.Model):
    """A person living, registered or working in the county: 实有人口."""

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在网格/楼栋"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    room = models.ForeignKey(
        Room,
        verbose_name=_("居住房屋"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(
        _("证件类型"), max_length=12, choices=c.IdType.choices, default="resident_id"
    )
    id_cipher = models.TextField(_("证件号码（密文）"), editable=False)
    id_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    id_hash = models.CharField(_("证件号码索引"), max_length=64, unique=True, editable=False)
    gender = models.CharField(_("性别"), max_length=6, choices=c.Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_cipher = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, editable=False)
    phone_hash = models.CharField(
        _("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    hukou_place = models.CharField(_("户籍地"), max_length=200, blank=True)
    kind = models.CharField(
        _("人口类型"), max_length=12, choices=c.PersonKind.choices, default="registered"
    )
    residence_status = models.CharField(
        _("人户状态"), max_length=12, choices=c.ResidenceStatus.choices, default="together"
    )
    household_no = models.CharField(_("户号"), max_length=30, blank=True, db_index=True)
    relation = models.CharField(
        _("与户主关系"), max_length=12, choices=c.Relation.choices, blank=True
    )
    is_party_member = models.BooleanField(_("党员"), default=False)
    workplace = models.CharField(_("工作单位"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=c.PersonState.choices, default="active"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        ordering = ["region_path", "household_no", "id"]
        indexes = [
            models.Index(fields=["region_path", "state"], name="registry_person_path_state"),
            models.Index(fields=["name"], name="registry_person_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Tenancy(models.Model):
    """A tenant living in a rented room: 出租房屋 and its 承租人."""

    room = models.ForeignKey(
        Room, verbose_name=_("房屋"), on_delete=models.CASCADE, related_name="tenancies"
    )
    tenant = models.ForeignKey(
        Person, verbose_name=_("承租人"), on_delete=models.PROTECT, related_name="tenancies"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    starts_on = models.DateField(_("起租日期"))
    ends_on = models.DateField(_("到期日期"), null=True, blank=True)
    ended_on = models.DateField(_("退租日期"), null=True, blank=True)
    purpose = models.CharField(_("租住用途"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("租住登记")
        verbose_name_plural = _("租住登记")
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return f"{self.room} — {self.tenant.name}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Organisation(models.Model):
    """An enterprise, social organisation, school, hospital …: 法人 / 非公有制经济组织."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=c.OrgKind.choices)
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    phone_cipher = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, editable=False)
    phone_hash = models.CharField(
        _("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在网格/楼栋"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    dedicated_grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("专属网格"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dedicated_organisations",
        limit_choices_to={"level": "grid"},
    )
    employees = models.PositiveIntegerField(_("从业人数"), default=0)
    industry = models.CharField(_("行业"), max_length=50, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    state = models.CharField(
        _("经营状态"), max_length=12, choices=c.OrgState.choices, default="operating"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("法人单位")
        verbose_name_plural = _("法人单位")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name


class TagGroup(models.Model):
    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=12, choices=c.TagGroupKind.choices)
    sensitive = models.BooleanField(
        _("敏感"),
        default=False,
        help_text=_("特殊人群等敏感标签只有可查看个人信息的岗位能看到"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标签组")
        verbose_name_plural = _("标签组")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    group = models.ForeignKey(
        TagGroup, verbose_name=_("标签组"), on_delete=models.PROTECT, related_name="tags"
    )
    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    visit_every_days = models.PositiveSmallIntegerField(
        _("走访周期（天）"), null=True, blank=True, help_text=_("关爱对象的默认走访周期")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["group__order", "order", "code"]

    def __str__(self) -> str:
        return self.name


class PersonTag(models.Model):
    """A tag a person carries now; its history is in ``PersonTagEvent``."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="tags"
    )
    tag = models.ForeignKey(Tag, verbose_name=_("标签"), on_delete=models.PROTECT)
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("标注人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    set_at = models.DateTimeField(_("标注时间"))
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        constraints = [
            models.UniqueConstraint(fields=["person", "tag"], name="registry_person_tag_once")
        ]

    def __str__(self) -> str:
        return f"{self.person.name} — {self.tag.name}"


class PersonTagEvent(AppendOnly):
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="tag_events"
    )
    tag = models.ForeignKey(Tag, verbose_name=_("标签"), on_delete=models.PROTECT)
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    action = models.CharField(_("操作"), max_length=10, choices=c.TagAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("理由"), max_length=200)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("标签记录")
        verbose_name_plural = _("标签记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.action} {self.tag_id}"


class CareContract(models.Model):
    """关爱服务合约: a carer (a grid worker, a party member, a volunteer) promises a person
    visits at an interval; the visits recorded against it show whether it is kept."""

    person = models.ForeignKey(
        Person, verbose_name=_("服务对象"), on_delete=models.PROTECT, related_name="contracts"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    tag = models.ForeignKey(
        Tag, verbose_name=_("关爱类别"), on_delete=models.PROTECT, null=True, blank=True
    )
    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结对责任人"),
        on_delete=models.PROTECT,
        related_name="care_contracts",
    )
    services = models.CharField(_("服务内容"), max_length=300)
    visit_every_days = models.PositiveSmallIntegerField(_("走访周期（天）"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=c.ContractState.choices, default="active"
    )
    last_visit_at = models.DateTimeField(_("最近走访"), null=True, blank=True)
    created_at = models.DateTimeField(_("签订时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("关爱服务合约")
        verbose_name_plural = _("关爱服务合约")
        ordering = ["region_path", "id"]

    def __str__(self) -> str:
        return f"{self.person.name} — {self.services[:20]}"

    def next_visit_due(self) -> dt.date:
        start = timezone.localdate(self.last_visit_at) if self.last_visit_at else self.starts_on
        return start + dt.timedelta(days=self.visit_every_days)


class Visit(models.Model):
    """入户走访: who visited whom (or which room or organisation), when, and what was found."""

    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    person = models.ForeignKey(
        Person,
        verbose_name=_("走访对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("房屋"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    contract = models.ForeignKey(
        CareContract,
        verbose_name=_("关爱合约"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="registry_visits",
    )
    visited_at = models.DateTimeField(_("走访时间"), db_index=True)
    kind = models.CharField(_("走访类型"), max_length=14, choices=c.VisitKind.choices)
    result = models.CharField(_("走访结果"), max_length=10, choices=c.VisitResult.choices)
    findings = models.TextField(_("走访情况"), blank=True)
    follow_up_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("转办案件"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d} {self.get_kind_display()}"


class RegistryChange(AppendOnly):
    """One create, update or removal of a register record, with the values before and after.
    Protected values appear here only masked."""

    model = models.CharField(_("对象类型"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True)
    action = models.CharField(_("操作"), max_length=10, choices=c.ChangeAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    before = models.JSONField(_("修改前"), default=dict)
    after = models.JSONField(_("修改后"), default=dict)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="registry_change_object")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} {self.action}"


class RevealRecord(AppendOnly):
    """Who revealed whose protected value, which one, why and when (个人信息查看记录)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查看人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    model = models.CharField(_("对象类型"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    subject = models.CharField(_("对象"), max_length=100)
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True)
    field = models.CharField(_("字段"), max_length=12, choices=c.RevealField.choices)
    reason = models.CharField(_("查看理由"), max_length=200)
    at = models.DateTimeField(_("时间"), db_index=True)
    ip = models.GenericIPAddressField(_("地址"), null=True, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_id} → {self.subject} {self.field}"


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("实有人口")
    ROOMS = "rooms", _("实有房屋")
    ORGANISATIONS = "organisations", _("法人单位")


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", _("已导入")
    REJECTED = "rejected", _("未导入（有错误）")


class ImportJob(models.Model):
    """One upload of a register file: all of it was imported, or nothing and an error report
    (xlsx, the first 10,000 errors) is kept for download."""

    kind = models.CharField(_("数据类型"), max_length=16, choices=ImportKind.choices)
    filename = models.CharField(_("文件名"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(_("结果"), max_length=10, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    imported = models.PositiveIntegerField(_("导入条数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    report = models.BinaryField(_("错误报告"), null=True, blank=True, editable=False)
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"
