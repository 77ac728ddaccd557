"""Choices of the dispute and mediation records (docs/mediation.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeKind(models.TextChoices):
    FAMILY = "family", _("婚姻家庭纠纷")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    PROPERTY = "property", _("物业纠纷")
    LABOUR = "labour", _("劳动争议")
    LAND = "land", _("土地承包纠纷")
    HOMESTEAD = "homestead", _("宅基地纠纷")
    FOREST = "forest", _("山林权属纠纷")
    CONTRACT = "contract", _("合同纠纷")
    LOAN = "loan", _("民间借贷纠纷")
    MEDICAL = "medical", _("医疗纠纷")
    TRAFFIC = "traffic", _("交通事故赔偿纠纷")
    INHERITANCE = "inheritance", _("继承纠纷")
    SUPPORT = "support", _("赡养抚养纠纷")
    DAMAGE = "damage", _("损害赔偿纠纷")
    OTHER = "other", _("其他纠纷")


# The case catalogue's 矛盾纠纷 items and the kind they default to.
KIND_OF_ITEM: dict[str, str] = {
    "JF-001": DisputeKind.NEIGHBOUR,
    "JF-002": DisputeKind.FAMILY,
    "JF-003": DisputeKind.LAND,
    "JF-004": DisputeKind.HOMESTEAD,
    "JF-005": DisputeKind.PROPERTY,
    "JF-006": DisputeKind.SUPPORT,
    "JF-007": DisputeKind.LOAN,
    "JF-008": DisputeKind.FOREST,
    "JF-009": DisputeKind.DAMAGE,
    "JF-010": DisputeKind.TRAFFIC,
}


class Risk(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    THIRD = "third", _("第三人")


class CommitteeKind(models.TextChoices):
    PEOPLE = "people", _("人民调解委员会")
    INDUSTRY = "industry", _("行业性调解组织")
    PROFESSIONAL = "professional", _("专业性调解组织")
    ADMINISTRATIVE = "administrative", _("行政调解")


class MediatorKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职调解员")
    PART_TIME = "part_time", _("兼职调解员")
    LAWYER = "lawyer", _("律师调解员")
    JUDGE = "judge", _("法官进网格")
    VOLUNTEER = "volunteer", _("志愿调解员")


class MediationState(models.TextChoices):
    OPEN = "open", _("调解中")
    AGREED = "agreed", _("达成协议")
    PARTIAL = "partial", _("部分达成")
    FAILED = "failed", _("调解不成")
    COURT = "court", _("转诉讼")
    ARBITRATION = "arbitration", _("转仲裁")
    WITHDRAWN = "withdrawn", _("申请人撤回")


CLOSED_STATES = frozenset(s for s in MediationState.values if s != MediationState.OPEN)
AGREEMENT_STATES = frozenset({MediationState.AGREED, MediationState.PARTIAL})


class ConfirmationResult(models.TextChoices):
    PENDING = "pending", _("审查中")
    CONFIRMED = "confirmed", _("确认有效")
    REJECTED = "rejected", _("不予确认")
    WITHDRAWN = "withdrawn", _("撤回申请")


class Honoured(models.TextChoices):
    FULL = "full", _("全部履行")
    PARTIAL = "partial", _("部分履行")
    NOT = "not", _("未履行")
    NOT_DUE = "not_due", _("尚未到期")


class PetitionForm(models.TextChoices):
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    ONLINE = "online", _("网上信访")
    HOTLINE = "hotline", _("热线")


class PetitionState(models.TextChoices):
    RECEIVED = "received", _("待受理告知")
    ACCEPTED = "accepted", _("办理中")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    EXTENDED = "extended", _("延期办理")
    REPLIED = "replied", _("已答复")
    REVIEW = "review", _("复查中")
    REVIEWED = "reviewed", _("已复查")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


GROUP_PETITION_PEOPLE = 5  # 集体访: five people or more


class DutySlot(models.TextChoices):
    MORNING = "am", _("上午")
    AFTERNOON = "pm", _("下午")
    FULL_DAY = "day", _("全天")


class ConsultChannel(models.TextChoices):
    WALK_IN = "walk_in", _("来访")
    ONLINE = "online", _("网上咨询")
    PHONE = "phone", _("电话咨询")


class LegalTopic(models.TextChoices):
    MARRIAGE = "marriage", _("婚姻家庭")
    LABOUR = "labour", _("劳动争议")
    INJURY = "injury", _("工伤")
    INHERITANCE = "inheritance", _("继承")
    CONTRACT = "contract", _("合同")
    LAND = "land", _("土地")
    LOAN = "loan", _("借贷")
    TRAFFIC = "traffic", _("交通事故")
    CONSUMER = "consumer", _("消费维权")
    OTHER = "other", _("其他")


class Referral(models.TextChoices):
    NONE = "none", _("解答完毕")
    MEDIATION = "mediation", _("转人民调解")
    LITIGATION = "litigation", _("引导诉讼")
    ARBITRATION = "arbitration", _("引导仲裁")
    LEGAL_AID = "legal_aid", _("转法律援助")
