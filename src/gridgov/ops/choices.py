"""The fixed vocabularies of field work (力量类别、学历、签到结果、巡查状态 …)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
    GRID_CHIEF = "grid_chief", _("网格长")
    INFORMANT = "informant", _("百姓说事点信息员")
    JUDGE = "judge", _("驻村（社区）法官")
    POLICE = "police", _("社区民警")
    OTHER = "other", _("其他网格力量")


# Kinds who check in and patrol every working day (the others are counted when they do).
DAILY_KINDS: frozenset[str] = frozenset({WorkerKind.FULL_TIME, WorkerKind.GRID_CHIEF})


class WorkerState(models.TextChoices):
    ACTIVE = "active", _("在岗")
    LEFT = "left", _("离岗")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    """Ordered from lowest to highest (``EDUCATION_RANK``)."""

    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中（中专）")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


EDUCATION_RANK: dict[str, int] = {value: rank for rank, value in enumerate(Education.values)}


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    OTHER_PARTY = "other_party", _("民主党派")
    MASSES = "masses", _("群众")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


class LeaveKind(models.TextChoices):
    ANNUAL = "annual", _("年休假")
    SICK = "sick", _("病假")
    PERSONAL = "personal", _("事假")
    OTHER = "other", _("其他")


class CheckInKind(models.TextChoices):
    ON = "on", _("上班签到")
    OFF = "off", _("下班签退")


class Crs(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84（GPS）")
    GCJ02 = "gcj02", _("GCJ-02（国测局）")


class RefuseReason(models.TextChoices):
    """Why a check-in or a patrol start was refused (recorded as an anomaly)."""

    OUTSIDE = "outside", _("不在网格内")
    NO_POSITION = "no_position", _("未获取到位置")
    INACCURATE = "inaccurate", _("定位精度不足")
    NO_GRID = "no_grid", _("未分配网格")


class PatrolState(models.TextChoices):
    OPEN = "open", _("巡查中")
    STOPPED = "stopped", _("已结束")
    AUTO_CLOSED = "auto_closed", _("超时自动结束")


class PlanPeriod(models.TextChoices):
    WORKING_DAY = "working_day", _("每个工作日")
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
