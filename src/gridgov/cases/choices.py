"""Choices for cases, with their Chinese labels (the workflow enums carry the values)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.cases.workflow import Action, Status, Step


class StatusChoice(models.TextChoices):
    SUBMITTED = Status.SUBMITTED, _("待受理")
    REJECTED = Status.REJECTED, _("不予受理")
    ACCEPTED = Status.ACCEPTED, _("待派遣")
    DISPATCHED = Status.DISPATCHED, _("待签收")
    IN_PROGRESS = Status.IN_PROGRESS, _("办理中")
    HANDLED = Status.HANDLED, _("待核查")
    CLOSED = Status.CLOSED, _("已结案")
    RATED = Status.RATED, _("已回访")
    ARCHIVED = Status.ARCHIVED, _("已归档")
    HELD = Status.HELD, _("挂起")
    VOID_PENDING = Status.VOID_PENDING, _("作废待批")
    VOIDED = Status.VOIDED, _("已作废")
    MERGED = Status.MERGED, _("已合并")


class ActionChoice(models.TextChoices):
    SUBMIT = Action.SUBMIT, pgettext_lazy("case action", "上报")
    SELF_HANDLE = Action.SELF_HANDLE, pgettext_lazy("case action", "自处置")
    ACCEPT = Action.ACCEPT, _("受理")
    REJECT = Action.REJECT, pgettext_lazy("case action", "不予受理")
    MERGE = Action.MERGE, _("合并")
    DISPATCH = Action.DISPATCH, _("派遣")
    SIGN = Action.SIGN, _("签收")
    SEND_BACK = Action.SEND_BACK, _("回退")
    ESCALATE = Action.ESCALATE, _("上报上级")
    HANDLE = Action.HANDLE, _("办结反馈")
    VERIFY_PASS = Action.VERIFY_PASS, _("核查通过")
    VERIFY_FAIL = Action.VERIFY_FAIL, _("核查不通过")
    CALLBACK = Action.CALLBACK, _("回访")
    REOPEN = Action.REOPEN, _("重办")
    ARCHIVE = Action.ARCHIVE, _("归档")
    HOLD = Action.HOLD, pgettext_lazy("case action", "挂起")
    RESUME = Action.RESUME, _("恢复")
    REQUEST_VOID = Action.REQUEST_VOID, _("申请作废")
    APPROVE_VOID = Action.APPROVE_VOID, _("批准作废")
    DENY_VOID = Action.DENY_VOID, _("驳回作废")
    REQUEST_EXTENSION = Action.REQUEST_EXTENSION, _("申请延期")
    APPROVE_EXTENSION = Action.APPROVE_EXTENSION, _("批准延期")
    DENY_EXTENSION = Action.DENY_EXTENSION, _("驳回延期")
    WHISTLE = Action.WHISTLE, _("吹哨")
    REPORT_IN = Action.REPORT_IN, _("报到")
    CO_REPORT = Action.CO_REPORT, _("协办意见")
    INSTRUCT = Action.INSTRUCT, _("领导批示")
    SUPERVISE = Action.SUPERVISE, _("督办")
    URGE = Action.URGE, _("催办")
    RESPOND = Action.RESPOND, _("督办回复")
    CLOSE_SUPERVISION = Action.CLOSE_SUPERVISION, _("结束督办")
    WARN = Action.WARN, _("黄灯预警")
    FLAG_OVERDUE = Action.FLAG_OVERDUE, _("超期红灯")


class StepChoice(models.TextChoices):
    ACCEPT = Step.ACCEPT, _("受理")
    DISPATCH = Step.DISPATCH, _("派遣")
    SIGN = Step.SIGN, _("签收")
    HANDLE = Step.HANDLE, _("办理")
    VERIFY = Step.VERIFY, _("核查")
    CALLBACK = Step.CALLBACK, _("回访")


class Channel(models.TextChoices):
    RESIDENT_APP = "app", _("群众端（APP/小程序）")
    HOTLINE = "hotline", _("12345 热线转办")
    WALK_IN = "walk_in", _("来访")
    PETITION = "petition", _("来信来访（信访）")
    PATROL = "patrol", _("网格员巡查")
    DEPARTMENT = "department", _("部门移交")
    VIDEO = "video", _("视频监控预警")
    OPEN311 = "open311", _("Open311 接口")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    EMERGENCY = "emergency", _("特急")


URGENCY_FACTOR = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.5, Urgency.EMERGENCY: 0.25}


class HandlingLevel(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（市、区）")
    PREFECTURE = "prefecture", _("州（市）")


class Difficulty(models.TextChoices):
    SIMPLE = "simple", _("简单")
    ORDINARY = "ordinary", _("一般")
    DIFFICULT = "difficult", _("疑难")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    WORKING_HOURS = "working_hours", _("工作小时")
    CALENDAR_HOURS = "calendar_hours", _("自然小时")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class SupervisionLevel(models.TextChoices):
    ORDINARY = "ordinary", _("普通督办")
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
