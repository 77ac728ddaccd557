"""The fixed vocabularies of party building (组织类型、党员状态、会议类型 …)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working_committee", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


# Rank: an organisation's children rank strictly lower (a group has none).
ORG_RANK: dict[str, int] = {
    OrgKind.COMMITTEE: 4,
    OrgKind.WORKING_COMMITTEE: 4,
    OrgKind.GENERAL_BRANCH: 3,
    OrgKind.BRANCH: 2,
    OrgKind.GROUP: 1,
}

# Where each kind may be bound in the region tree (市委 at the county, 党工委 at a street, a
# grid branch on its grid, a building or hamlet group on its building).
ORG_LEVELS: dict[str, frozenset[str]] = {
    OrgKind.COMMITTEE: frozenset({"prefecture", "county", "township", "village"}),
    OrgKind.WORKING_COMMITTEE: frozenset({"county", "township"}),
    OrgKind.GENERAL_BRANCH: frozenset({"township", "village", "grid"}),
    OrgKind.BRANCH: frozenset({"township", "village", "grid", "building"}),
    OrgKind.GROUP: frozenset({"village", "grid", "building"}),
}


class OrgCategory(models.TextChoices):
    REGIONAL = "regional", _("地域型（区域党组织）")
    GOVERNMENT = "government", _("机关事业单位")
    ENTERPRISE = "enterprise", _("企业（两新组织）")
    SOCIAL = "social", _("社会组织（两新组织）")
    FUNCTIONAL = "functional", _("功能型（楼宇、商圈、物业等）")


class SeatTitle(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    ORGANISATION = "organisation", _("组织委员")
    PUBLICITY = "publicity", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    MEMBER = "member", _("委员")
    GROUP_LEADER = "group_leader", _("党小组组长")


class MemberStatus(models.TextChoices):
    FORMAL = "formal", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MemberState(models.TextChoices):
    ACTIVE = "active", _("在册")
    TRANSFERRED = "transferred", _("已转出")
    DECEASED = "deceased", _("已去世")
    REMOVED = "removed", _("已出党")


class RegistrantKind(models.TextChoices):
    MEMBER = "member", _("在职党员")
    UNIT = "unit", _("机关企事业单位")


class RegistrationState(models.TextChoices):
    REGISTERED = "registered", _("已报到，待分配网格")
    ASSIGNED = "assigned", _("已下沉网格")
    ENDED = "ended", _("已结束")


class NeedKind(models.TextChoices):
    WISH = "wish", _("微心愿")
    PROJECT = "project", _("服务项目")
    CALL = "call", _("双呼叫")


class NeedState(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class ClaimState(models.TextChoices):
    CLAIMED = "claimed", _("已认领")
    REPORTED = "reported", _("已办结，待确认")
    CONFIRMED = "confirmed", _("已确认完成")
    WITHDRAWN = "withdrawn", _("已退出")


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    OTHER = "other", _("其他活动")


# 三会一课: the four regular forms of branch life.
THREE_MEETINGS_ONE_LECTURE = frozenset(
    {
        MeetingKind.GENERAL_MEETING,
        MeetingKind.COMMITTEE_MEETING,
        MeetingKind.GROUP_MEETING,
        MeetingKind.PARTY_LECTURE,
    }
)


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("已安排")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class AttendanceKind(models.TextChoices):
    PRESENT = "present", _("现场参加")
    REMOTE = "remote", _("远程参加")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


ATTENDED = frozenset({AttendanceKind.PRESENT, AttendanceKind.REMOTE})


class CentreLevel(models.TextChoices):
    COUNTY = "county", _("县（市）级")
    TOWNSHIP = "township", _("乡镇（街道）级")
    VILLAGE = "village", _("村（社区）级")
    GRID = "grid", _("网格（小区）级")
