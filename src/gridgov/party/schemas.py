"""Input and output schemas of party building in the JSON API (/api/v1/party/…).

A member's person shows only what a party roster needs: name, gender, birth year and the
masked phone — never an ID number, never a clear phone, and no field for a ciphertext or a
lookup hash. Choice fields come as their code plus a ``*_label`` in the request language;
hours and scores as strings with one decimal; dates and times in ISO 8601."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import FiniteFloat

from gridgov.core.apischemas import (
    MAX_ID,
    Page,
    PageQuery,
    PlaceOut,
    ReasonIn,
    UserRef,
    choice_codes,
    optional_id,
    record_id,
)
from gridgov.metrics.api import PeriodOut
from gridgov.party import choices as c

REGION_FILTER = r"^([0-9]{2,18})?$"


def region_filter(description: str = "区划路径（含下级）；默认全部辖区") -> Any:
    return Field("", pattern=REGION_FILTER, description=description)


# -- shared pieces ---------------------------------------------------------------------------


class OrgRef(Schema):
    id: int
    name: str
    kind: str
    kind_label: str


class UnitRef(Schema):
    id: int
    name: str


class MemberPersonBrief(Schema):
    """The register person behind a member: no ID number, the phone only masked."""

    id: int
    name: str
    gender: str
    gender_label: str
    birth_year: int
    phone_masked: str = Field(..., description="脱敏联系电话")


class MemberRef(Schema):
    id: int
    name: str


class OrgQuery(PageQuery):
    region: str = region_filter()
    kind: Literal[("", *c.OrgKind.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.OrgKind)
    )
    category: Literal[("", *c.OrgCategory.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.OrgCategory)
    )
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="上级党组织编号")
    q: str = Field("", max_length=60, description="名称（包含）")
    stars: int | None = Field(None, ge=0, le=5, description="星级（0 为未评定）")
    active: Literal["", "0", "1"] = Field("1", description="1 有效（默认）/ 0 已撤销 / 空值为全部")


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    category: str
    category_label: str
    parent: OrgRef | None
    region: PlaceOut
    level: str = Field(..., description="所在区划的层级")
    organisation: UnitRef | None = Field(..., description="所在单位（法人单位登记）")
    takes_cases: bool = Field(..., description="已启用接单（可像部门一样派给本组织办理事件）")
    department_id: int | None = Field(..., description="接单部门编号")
    founded_on: dt.date | None
    phone: str = Field(..., description="办公电话")
    address: str
    stars: int = Field(..., description="当前星级，0 表示未评定")
    is_active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class SeatOut(Schema):
    id: int
    organisation: OrgRef
    member: MemberRef
    title: str
    title_label: str
    starts_on: dt.date
    ends_on: dt.date | None
    current: bool


class MemberCounts(Schema):
    total: int = Field(..., description="在册党员")
    formal: int
    probationary: int


class OrgDetailOut(OrgOut):
    secretary: MemberRef | None = Field(..., description="现任书记")
    seats: list[SeatOut] = Field(..., description="现任班子成员")
    members: MemberCounts
    children: int = Field(..., description="有效的下级党组织数")


class OrgList(Page):
    items: list[OrgOut]


class TreeNodeOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region: PlaceOut
    stars: int
    members: int = Field(..., description="在册党员（本组织）")
    total_members: int = Field(..., description="在册党员（本组织及全部可见下级）")
    children: list["TreeNodeOut"]


class OrgIn(Schema):
    name: str = Field(..., max_length=100)
    kind: str = Field(..., max_length=30, description=choice_codes(c.OrgKind))
    category: str = Field("regional", max_length=30, description=choice_codes(c.OrgCategory))
    parent: int | None = optional_id("上级党组织编号；只有县（市）级以上组织可以没有上级")
    region: str = Field(..., max_length=30, description="所领导区划的路径或代码")
    organisation: int | None = optional_id("所在单位（法人单位编号）")
    founded_on: dt.date | None = None
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    takes_cases: bool = Field(False, description="启用接单")


class OrgPatch(Schema):
    """Only the fields given change; ``parent`` or ``region`` moves the organisation."""

    name: str | None = Field(None, max_length=100)
    kind: str | None = Field(None, max_length=30)
    category: str | None = Field(None, max_length=30)
    parent: int | None = optional_id("上级党组织编号")
    region: str | None = Field(None, max_length=30)
    organisation: int | None = optional_id("所在单位（法人单位编号）")
    founded_on: dt.date | None = None
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    expected_version: int | None = Field(None, ge=1, le=MAX_ID, description="乐观锁")


class TakesCasesIn(Schema):
    on: bool = Field(..., description="true 启用接单 / false 停用")


# -- members and seats -----------------------------------------------------------------------


class MemberQuery(PageQuery):
    region: str = region_filter()
    organisation: int | None = Field(None, ge=1, le=MAX_ID, description="党组织编号")
    status: Literal[("", *c.MemberStatus.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.MemberStatus)
    )
    in_service: Literal["", "0", "1"] = Field("", description="1 在职党员 / 0 非在职")
    mobile: Literal["", "0", "1"] = Field("", description="1 流动党员 / 0 非流动")
    q: str = Field("", max_length=60, description="姓名（前缀）")
    state: Literal[("", *c.MemberState.values)] = Field(  # type: ignore[valid-type]
        "active", description="默认在册；空值为全部"
    )


class MemberOut(Schema):
    id: int
    person: MemberPersonBrief
    organisation: OrgRef
    joined_on: dt.date
    status: str
    status_label: str
    full_member_on: dt.date | None
    in_service: bool = Field(..., description="在职党员")
    in_service_unit: str
    in_service_department: UnitRef | None
    is_mobile: bool
    mobile_location: str
    mobile_since: dt.date | None
    user: UserRef | None = Field(..., description="工作账号")
    state: str
    state_label: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class RegistrationOut(Schema):
    id: int
    kind: str
    kind_label: str
    member: MemberRef | None
    unit: UnitRef | None
    community: PlaceOut
    grid: PlaceOut | None
    state: str
    state_label: str
    skills: str
    registered_at: dt.datetime
    assigned_at: dt.datetime | None
    ended_at: dt.datetime | None
    hours: str = Field(..., description="累计服务时长（小时，一位小数）")
    version: int


class MemberDetailOut(MemberOut):
    seats: list[SeatOut] = Field(..., description="任职（现任在前）")
    registrations: list[RegistrationOut] = Field(..., description="双报到登记")


class MemberList(Page):
    items: list[MemberOut]


class MemberIn(Schema):
    person: int = record_id("登记人员编号")
    organisation: int = record_id("党组织编号")
    joined_on: dt.date
    status: str = Field("formal", max_length=20, description=choice_codes(c.MemberStatus))
    full_member_on: dt.date | None = Field(None, description="转正日期（预备党员不填）")
    in_service_unit: str = Field("", max_length=100, description="在职单位")
    in_service_department: int | None = optional_id("在职单位（部门编号）")
    is_mobile: bool = False
    mobile_location: str = Field("", max_length=100)
    mobile_since: dt.date | None = None
    user: int | None = optional_id("工作账号（用户编号）")


class MemberPatch(Schema):
    """Only the fields given change; ``organisation`` transfers the member."""

    organisation: int | None = optional_id("党组织编号（转接）")
    joined_on: dt.date | None = None
    status: str | None = Field(None, max_length=20)
    full_member_on: dt.date | None = None
    in_service_unit: str | None = Field(None, max_length=100)
    in_service_department: int | None = optional_id("在职单位（部门编号）")
    is_mobile: bool | None = None
    mobile_location: str | None = Field(None, max_length=100)
    mobile_since: dt.date | None = None
    user: int | None = optional_id("工作账号（用户编号）")
    expected_version: int | None = Field(None, ge=1, le=MAX_ID, description="乐观锁")


class MemberEndIn(ReasonIn):
    state: str = Field(
        ...,
        max_length=20,
        description="transferred（已转出）、deceased（已去世）或 removed（已出党）",
    )


class SeatIn(Schema):
    member_id: int = record_id("党员编号")
    title: str = Field(..., max_length=20, description=choice_codes(c.SeatTitle))
    starts_on: dt.date | None = Field(None, description="默认今天")


class SeatEndIn(Schema):
    ends_on: dt.date | None = Field(None, description="默认今天")


# -- grid chiefs -----------------------------------------------------------------------------


class ChiefOut(Schema):
    id: int
    grid: PlaceOut
    member: MemberRef
    is_default: bool = Field(..., description="由网格党组织书记担任")
    reason: str
    appointed_by: str | None
    starts_on: dt.date
    ends_on: dt.date | None
    current: bool


class ChiefIn(Schema):
    member_id: int | None = optional_id("党员编号；不填则由网格党组织书记担任")
    reason: str = Field("", max_length=200, description="另任他人时必填")
    starts_on: dt.date | None = Field(None, description="默认今天")


# -- sinking (双报到) ------------------------------------------------------------------------


class RegistrationQuery(PageQuery):
    region: str = region_filter()
    kind: Literal[("", *c.RegistrantKind.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.RegistrantKind)
    )
    state: Literal[("", "live", *c.RegistrationState.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.RegistrationState) + "；live 未结束；空值为全部"
    )
    member: int | None = Field(None, ge=1, le=MAX_ID, description="党员编号")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="报到单位（部门编号）")
    community: str = Field("", pattern=REGION_FILTER, description="报到社区（村）路径")
    grid: str = Field("", pattern=REGION_FILTER, description="下沉网格路径")
    q: str = Field("", max_length=60, description="党员姓名（前缀）或单位名称（包含）")


class RegistrationList(Page):
    items: list[RegistrationOut]


class RegistrationIn(Schema):
    kind: str = Field(..., max_length=10, description=choice_codes(c.RegistrantKind))
    community: str = Field(..., max_length=30, description="报到社区（村）的路径或代码")
    member_id: int | None = optional_id("在职党员编号（kind=member）")
    unit_id: int | None = optional_id("报到单位（部门编号，kind=unit）")
    skills: str = Field("", max_length=200, description="特长与服务意向")


class AssignIn(Schema):
    grid: str = Field(..., max_length=30, description="下沉网格的路径或代码（本社区内）")


class ServiceRecordIn(Schema):
    day: dt.date
    hours: float = Field(..., allow_inf_nan=False, description="0.5–24 小时")
    content: str = Field(..., max_length=200)


class ServiceRecordOut(Schema):
    id: int
    registration_id: int
    day: dt.date
    hours: str
    content: str
    claim_id: int | None
    recorded_by: str | None
    created_at: dt.datetime


# -- needs and claims ------------------------------------------------------------------------


class NeedQuery(PageQuery):
    region: str = region_filter()
    kind: Literal[("", *c.NeedKind.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.NeedKind)
    )
    state: Literal[("", *c.NeedState.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.NeedState) + "；空值为全部"
    )
    q: str = Field("", max_length=60, description="标题（包含）")
    due_before: dt.date | None = Field(None, description="截止日期不晚于")


class NeedOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    detail: str
    region: PlaceOut
    beneficiary: str
    slots: int
    taken: int = Field(..., description="已认领名额（未退出的认领）")
    due_on: dt.date | None
    state: str
    state_label: str
    published_by: str | None
    published_at: dt.datetime
    done_at: dt.datetime | None
    version: int


class NeedRef(Schema):
    id: int
    title: str
    state: str
    state_label: str


class ClaimOut(Schema):
    id: int
    need: NeedRef
    registration_id: int
    claimant: str = Field(..., description="认领的党员或单位")
    state: str
    state_label: str
    claimed_at: dt.datetime
    reported_at: dt.datetime | None
    result: str
    hours: str
    confirmed_at: dt.datetime | None
    confirmed_by: str | None


class NeedDetailOut(NeedOut):
    claims: list[ClaimOut]


class NeedList(Page):
    items: list[NeedOut]


class NeedIn(Schema):
    kind: str = Field(..., max_length=10, description=choice_codes(c.NeedKind))
    title: str = Field(..., max_length=100)
    detail: str = Field("", max_length=5000)
    region: str = Field(..., max_length=30, description="发布社区（村）或网格的路径或代码")
    beneficiary: str = Field("", max_length=100, description="服务对象")
    slots: int = Field(1, ge=-1000, le=1000, description="认领名额 1–50")
    due_on: dt.date | None = Field(None, description="截止日期（不早于今天）")


class ClaimIn(Schema):
    registration_id: int = record_id("报到登记编号（须为本社区的有效登记）")


class ReportIn(Schema):
    result: str = Field(..., max_length=5000, description="办理情况")
    hours: float = Field(..., allow_inf_nan=False, description="服务时长（小时）")


# -- meetings --------------------------------------------------------------------------------


class MeetingQuery(PageQuery):
    region: str = region_filter()
    organisation: int | None = Field(None, ge=1, le=MAX_ID, description="党组织编号")
    kind: Literal[("", *c.MeetingKind.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.MeetingKind)
    )
    state: Literal[("", *c.MeetingState.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.MeetingState) + "；空值为全部"
    )
    start: dt.date | None = Field(None, description="开始日期不早于（含）")
    end: dt.date | None = Field(None, description="开始日期不晚于（含）")
    q: str = Field("", max_length=60, description="主题（包含）")


class MeetingOut(Schema):
    id: int
    organisation: OrgRef
    kind: str
    kind_label: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    is_online: bool
    online_link: str
    state: str
    state_label: str
    created_by: str | None
    version: int


class AttendanceOut(Schema):
    member: MemberRef
    kind: str | None = Field(..., description="未记录时为 null（计为缺席）")
    kind_label: str
    signed_at: dt.datetime | None
    note: str


class MeetingDetailOut(MeetingOut):
    agenda: str
    materials: str
    minutes: str
    attendance: list[AttendanceOut] = Field(..., description="应到党员及其参会情况")


class MeetingList(Page):
    items: list[MeetingOut]


class MeetingIn(Schema):
    organisation: int = record_id("党组织编号")
    kind: str = Field(..., max_length=30, description=choice_codes(c.MeetingKind))
    title: str = Field(..., max_length=100)
    starts_at: dt.datetime = Field(..., description="无时区时按北京时间")
    ends_at: dt.datetime | None = None
    place: str = Field("", max_length=100)
    is_online: bool = False
    online_link: str = Field("", max_length=300)
    agenda: str = Field("", max_length=5000)
    materials: str = Field("", max_length=20000)


class MeetingPatch(Schema):
    kind: str | None = Field(None, max_length=30)
    title: str | None = Field(None, max_length=100)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=100)
    is_online: bool | None = None
    online_link: str | None = Field(None, max_length=300)
    agenda: str | None = Field(None, max_length=5000)
    materials: str | None = Field(None, max_length=20000)
    expected_version: int | None = Field(None, ge=1, le=MAX_ID, description="乐观锁")


class AttendanceIn(Schema):
    entries: dict[str, str] = Field(
        ..., description="党员编号 → " + choice_codes(c.AttendanceKind), max_length=1000
    )
    minutes: str | None = Field(None, max_length=20000, description="会议记录")


class SignInIn(Schema):
    remote: bool = Field(False, description="远程参加（仅限可远程参加的会议）")


class SignInOut(Schema):
    meeting_id: int
    member: MemberRef
    kind: str
    kind_label: str
    signed_at: dt.datetime | None


# -- stars -----------------------------------------------------------------------------------


class CriterionOut(Schema):
    code: str
    name: str
    description: str
    max_points: int


class RatingOut(Schema):
    id: int
    organisation: OrgRef
    year: int
    scores: dict[str, Any] = Field(..., description="各项得分（按标准编码）")
    total: str
    max_total: int
    stars: int
    note: str
    rated_by: str | None
    rated_at: dt.datetime


class RatingIn(Schema):
    year: int = Field(..., ge=2000, le=2099)
    scores: dict[str, FiniteFloat] = Field(..., description="标准编码 → 得分", max_length=100)
    note: str = Field("", max_length=300)


# -- service centres -------------------------------------------------------------------------


class CentreQuery(PageQuery):
    region: str = region_filter()


class CentreOut(Schema):
    id: int
    name: str
    level: str
    level_label: str
    region: PlaceOut
    organisation: OrgRef | None
    address: str
    lng: float | None
    lat: float | None
    phone: str = Field(..., description="服务电话（对外公开）")
    opening_hours: str
    area_m2: int | None
    is_active: bool


class CentreList(Page):
    items: list[CentreOut]


class CentreIn(Schema):
    name: str = Field(..., max_length=100)
    level: str = Field(..., max_length=10, description=choice_codes(c.CentreLevel))
    region: str = Field(..., max_length=30, description="所在区划的路径或代码")
    organisation: int | None = optional_id("所属党组织编号")
    address: str = Field("", max_length=200)
    lng: float | None = Field(None, allow_inf_nan=False)
    lat: float | None = Field(None, allow_inf_nan=False)
    phone: str = Field("", max_length=30)
    opening_hours: str = Field("", max_length=100)
    area_m2: int | None = Field(None, ge=0, le=1_000_000)


# -- figures ---------------------------------------------------------------------------------


class CoverageOut(Schema):
    region: str = Field(..., description="区划路径；空值为全部辖区")
    grids: int = Field(..., description="有效网格数")
    covered: int = Field(..., description="建有党组织的网格数（网格或其楼栋）")
    share: float = Field(..., description="覆盖率 0–1（三位小数）")
    percent: float
    uncovered: list[PlaceOut] = Field(..., description="未覆盖的网格（最多 50 个）")


class MemberStructureOut(Schema):
    region: str
    total: int
    formal: int
    probationary: int
    in_service: int
    mobile: int
    gender: dict[str, int] = Field(..., description="male / female")
    age: dict[str, int] = Field(..., description="under_35 / 35_45 / 46_60 / over_60")
    age_labels: dict[str, str]


class SinkingRowOut(Schema):
    key: str = Field(..., description="网格路径，或 unit:<部门编号>、text:<单位名称>；空值为待分配")
    name: str
    registered: int
    assigned: int
    members: int
    units: int
    hours: str
    claims_confirmed: int


class SinkingOut(Schema):
    region: str
    by: str
    rows: list[SinkingRowOut]


class NeedFiguresOut(Schema):
    published: int
    open: int
    claimed: int
    done: int
    cancelled: int
    rate: float | None = Field(..., description="完成率 = 已完成 ÷（发布 − 撤销）；无分母时为 null")


class NeedKindFiguresOut(NeedFiguresOut):
    label: str


class NeedsSummaryOut(NeedFiguresOut):
    region: str
    period: PeriodOut
    by_kind: dict[str, NeedKindFiguresOut]


class ParticipationRowOut(Schema):
    organisation: int
    name: str
    region_path: str
    meetings: int
    expected: int
    present: int
    remote: int
    leave: int
    absent: int
    rate: float | None = Field(..., description="参会率 =（现场 + 远程）÷ 应到")


class ParticipationOut(Schema):
    region: str
    period: PeriodOut
    rows: list[ParticipationRowOut]


class StarCountOut(Schema):
    stars: int = Field(..., description="0 为未评定")
    count: int


class StarsOut(Schema):
    region: str
    distribution: list[StarCountOut]
