"""The grid-worker workforce and its field work (网格力量): the roster with assignment history,
training, leave and duty rosters, attendance check-in with the phone's position, patrols with
their tracks, and patrol plans per grid.

Every row carries ``region_path`` for the one jurisdiction function: a worker the path of the
region that manages them (a village or township), an assignment, check-in, patrol or plan the
path of its grid, a training session the path of the region that holds it. See docs/ops.md.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import JurisdictionFields
from gridgov.ops import choices as c

REGION_JURISDICTION = JurisdictionFields(region_path="region_path")


class Worker(models.Model):
    """网格力量: one person on the roster (a grid worker, grid chief, information officer,
    resident judge, community police officer …). The phone is stored as the registers store
    phones: ciphertext, masked form and keyed hash."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ops_worker",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("实有人口"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=6, choices=c.Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone_cipher = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, editable=False)
    phone_hash = models.CharField(
        _("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    kind = models.CharField(_("力量类别"), max_length=12, choices=c.WorkerKind.choices)
    education = models.CharField(_("学历"), max_length=14, choices=c.Education.choices, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=14, choices=c.PoliticalStatus.choices, blank=True
    )
    background_checked = models.BooleanField(_("已通过政审"), default=False)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("管理单位（区划）"),
        on_delete=models.PROTECT,
        related_name="ops_workers",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    hired_on = models.DateField(_("入职日期"))
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=c.WorkerState.choices, default=c.WorkerState.ACTIVE
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("网格力量")
        verbose_name_plural = _("网格力量")
        ordering = ["region_path", "kind", "name"]
        indexes = [models.Index(fields=["region_path", "state"], name="ops_worker_path_state")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Assignment(models.Model):
    """网格分配: a worker serves a grid from one day to another (history kept). A worker has at
    most one current main grid; a grid without a current main worker is flagged."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("网格力量"), on_delete=models.PROTECT, related_name="assignments"
    )
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="ops_assignments",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    is_main = models.BooleanField(_("主责网格"), default=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.CharField(_("调整原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("网格分配")
        verbose_name_plural = _("网格分配")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["worker", "ends_on"], name="ops_assignment_worker"),
            models.Index(fields=["region_path", "ends_on"], name="ops_assignment_path"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.grid}"


class Course(models.Model):
    """培训课程: a topic with its hours, offered by a region (usually the county)."""

    name = models.CharField(_("课程名称"), max_length=100)
    topic = models.CharField(_("培训内容"), max_length=200, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=2)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("主办区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name


class TrainingSession(models.Model):
    """培训班次: one sitting of a course, held by a region for the workers under it."""

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="sessions"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("举办区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    trainer = models.CharField(_("授课人"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("培训班次")
        verbose_name_plural = _("培训班次")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d}"


class TrainingAttendance(models.Model):
    """One worker on a session's sheet: present / on leave / absent, and passed or not."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("培训班次"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    worker = models.ForeignKey(
        Worker, verbose_name=_("网格力量"), on_delete=models.PROTECT, related_name="trainings"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    status = models.CharField(
        _("出勤"),
        max_length=8,
        choices=c.AttendanceStatus.choices,
        default=c.AttendanceStatus.PRESENT,
    )
    passed = models.BooleanField(_("考核合格"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("成绩"), null=True, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("培训签到")
        verbose_name_plural = _("培训签到")
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="ops_training_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.worker}"


class Leave(models.Model):
    """请假: days a worker is excused (they do not count as working days in the check-in
    rate once approved)."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("网格力量"), on_delete=models.PROTECT, related_name="leaves"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    kind = models.CharField(_("假别"), max_length=10, choices=c.LeaveKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    cancelled = models.BooleanField(_("已撤销"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["worker", "starts_on"], name="ops_leave_worker")]

    def __str__(self) -> str:
        return f"{self.worker} {self.starts_on}–{self.ends_on}"


class DutyShift(models.Model):
    """值班排班: a worker on duty in a region (grid, village or township) on a day, usually a
    weekend or holiday. A duty day counts as a working day for the worker."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("网格力量"), on_delete=models.PROTECT, related_name="duties"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("值班区域"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    day = models.DateField(_("值班日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排班人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("值班排班")
        verbose_name_plural = _("值班排班")
        ordering = ["day", "region_path"]
        constraints = [models.UniqueConstraint(fields=["worker", "day"], name="ops_duty_once")]
        indexes = [models.Index(fields=["region_path", "day"], name="ops_duty_path_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.worker}"


class CheckIn(models.Model):
    """考勤签到: one attempt to check in or out with the phone's position. Refused attempts are
    kept with the reason and flagged as anomalies. ``lng``/``lat`` are WGS-84 (converted from
    GCJ-02 when the phone sent that); ``distance_m`` is the distance to the nearest of the
    worker's grids (0 inside)."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("网格力量"), on_delete=models.PROTECT, related_name="checkins"
    )
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    kind = models.CharField(_("类型"), max_length=4, choices=c.CheckInKind.choices)
    at = models.DateTimeField(_("时间"))
    day = models.DateField(_("日期"))
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    crs = models.CharField(_("坐标系"), max_length=6, choices=c.Crs.choices, default=c.Crs.WGS84)
    accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    accepted = models.BooleanField(_("有效"))
    reason = models.CharField(
        _("异常原因"), max_length=12, choices=c.RefuseReason.choices, blank=True
    )
    distance_m = models.FloatField(_("距网格（米）"), null=True, blank=True)
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("考勤签到")
        verbose_name_plural = _("考勤签到")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "client_id"],
                condition=~models.Q(client_id=""),
                name="ops_checkin_client_once",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "day"], name="ops_checkin_worker_day"),
            models.Index(fields=["region_path", "day"], name="ops_checkin_path_day"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class PatrolPlan(models.Model):
    """巡查计划: how often a grid must be patrolled (``times`` per ``period``) and what counts
    as a patrol (at least ``min_minutes`` and ``min_distance_m``)."""

    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="ops_patrol_plans",
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    times = models.PositiveSmallIntegerField(_("次数"), default=1)
    period = models.CharField(
        _("周期"), max_length=12, choices=c.PlanPeriod.choices, default=c.PlanPeriod.WORKING_DAY
    )
    min_minutes = models.PositiveSmallIntegerField(_("每次至少（分钟）"), default=30)
    min_distance_m = models.PositiveIntegerField(_("每次至少（米）"), default=500)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("制定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("巡查计划")
        verbose_name_plural = _("巡查计划")
        ordering = ["region_path", "-starts_on"]
        indexes = [models.Index(fields=["grid", "ends_on"], name="ops_plan_grid")]

    def __str__(self) -> str:
        return f"{self.grid} {self.times}/{self.get_period_display()}"


class Patrol(models.Model):
    """巡查: started in the worker's grid, a track of points, stopped (or closed by the sweep
    after ``GRIDGOV_PATROL_MAX_HOURS``). Distance and duration are kept up to date as points
    arrive; cases the worker reports while it is open are linked to it (``Case.patrol``)."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("网格力量"), on_delete=models.PROTECT, related_name="patrols"
    )
    grid = models.ForeignKey(
        "regions.Region", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=18, db_index=True, editable=False)
    state = models.CharField(
        _("状态"), max_length=12, choices=c.PatrolState.choices, default=c.PatrolState.OPEN
    )
    started_at = models.DateTimeField(_("开始时间"))
    stopped_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    day = models.DateField(_("日期"))
    distance_m = models.FloatField(_("里程（米）"), default=0)
    duration_s = models.PositiveIntegerField(_("时长（秒）"), default=0)
    point_count = models.PositiveIntegerField(_("轨迹点数"), default=0)
    dropped_count = models.PositiveIntegerField(_("剔除点数"), default=0)
    last_seq = models.IntegerField(_("最后序号"), default=-1)
    last_at = models.DateTimeField(_("最后定位时间"), null=True, blank=True)
    last_lng = models.FloatField(_("最后经度"), null=True, blank=True)
    last_lat = models.FloatField(_("最后纬度"), null=True, blank=True)
    note = models.CharField(_("巡查情况"), max_length=500, blank=True)
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = REGION_JURISDICTION

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "client_id"],
                condition=~models.Q(client_id=""),
                name="ops_patrol_client_once",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "state"], name="ops_patrol_worker_state"),
            models.Index(fields=["region_path", "day"], name="ops_patrol_path_day"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(models.Model):
    """One position of a patrol's track (WGS-84). ``seq`` is the phone's own running number,
    so a batch sent twice is stored once."""

    patrol = models.ForeignKey(
        Patrol, verbose_name=_("巡查"), on_delete=models.CASCADE, related_name="points"
    )
    seq = models.IntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="patrol__region_path"
    )

    class Meta:
        verbose_name = _("巡查轨迹点")
        verbose_name_plural = _("巡查轨迹点")
        ordering = ["patrol", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "seq"], name="ops_point_once"),
        ]

    def __str__(self) -> str:
        return f"{self.patrol_id}#{self.seq}"
