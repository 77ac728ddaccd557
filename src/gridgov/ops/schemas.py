"""Input and output schemas of field work in the JSON API (/api/v1/ops/…).

A roster entry shows what a workforce roster needs: name, gender, birth year and the masked
phone — never the birth date, never a clear phone (it is accepted on input only), and no field
for a ciphertext or a lookup hash. Choice fields come as their code plus a ``*_label`` in the
request language; dates and times in ISO 8601; positions as WGS-84 longitude and latitude.

Positions from the phone are checked here before anything is stored: longitude −180…180,
latitude −90…90 (finite numbers), the coordinate system ``wgs84`` or ``gcj02``, accuracy ≥ 0,
a client id of at most 64 characters and at most 500 track points a request, each with a
Chinese message naming the field."""

import datetime as dt
import math
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

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
from gridgov.ops import choices as c

REGION_FILTER = r"^([0-9]{2,18})?$"
PATH = r"^[0-9]{2,18}$"
MAX_POINTS = 500
MAX_CLIENT_ID = 64
RATE = "百分比，两位小数（如 87.50）；无分母时为 null"


def region_filter(description: str = "区划路径（含下级）；默认全部辖区") -> Any:
    return Field("", pattern=REGION_FILTER, description=description)


def _codes(options: Any, extra: tuple[str, ...] = ("",)) -> Any:
    """A ``Literal`` of the choice codes (and ``extra``), refused with 422 otherwise."""
    return Literal[(*extra, *options.values)]


# -- position checks (Chinese messages, 422) -------------------------------------------------


def _range_error(name: str, low: float, high: float) -> PydanticCustomError:
    from django.utils.translation import gettext as _

    return PydanticCustomError(
        "out_of_range",
        str(_("%(name)s应在 %(low)s 到 %(high)s 之间"))
        % {"name": name, "low": f"{low:g}", "high": f"{high:g}"},
    )


def check_lng(value: float | None) -> float | None:
    from django.utils.translation import gettext as _

    if value is not None and not (math.isfinite(value) and -180 <= value <= 180):
        raise _range_error(str(_("经度")), -180, 180)
    return value


def check_lat(value: float | None) -> float | None:
    from django.utils.translation import gettext as _

    if value is not None and not (math.isfinite(value) and -90 <= value <= 90):
        raise _range_error(str(_("纬度")), -90, 90)
    return value


def check_accuracy(value: float | None) -> float | None:
    from django.utils.translation import gettext as _

    if value is not None and not (math.isfinite(value) and 0 <= value <= 100_000):
        raise PydanticCustomError("out_of_range", str(_("定位精度应为不小于 0 的米数")))
    return value


def check_client_id(value: str) -> str:
    from django.utils.translation import gettext as _

    if len(value) > MAX_CLIENT_ID:
        raise PydanticCustomError(
            "too_long", str(_("客户端编号最多 %(n)s 个字符")) % {"n": MAX_CLIENT_ID}
        )
    return value


class PositionIn(Schema):
    """A position from the phone; ``lng``/``lat`` may be null when it has none (a check-in is
    then refused and recorded as 未获取到位置)."""

    lng: float | None = Field(None, description="经度（-180～180）")
    lat: float | None = Field(None, description="纬度（-90～90）")
    crs: Literal["wgs84", "gcj02"] = Field("wgs84", description=choice_codes(c.Crs))
    accuracy: float | None = Field(None, description="定位精度（米，≥ 0）")
    at: dt.datetime | None = Field(
        None, description="手机时间；默认服务器当前时间；无时区按北京时间"
    )
    client_id: str = Field("", description="客户端生成的编号（≤ 64 字符），重发时不重复记录")

    _lng = field_validator("lng")(check_lng)
    _lat = field_validator("lat")(check_lat)
    _accuracy = field_validator("accuracy")(check_accuracy)
    _client_id = field_validator("client_id")(check_client_id)


# -- roster ----------------------------------------------------------------------------------


class GridRef(Schema):
    path: str
    name: str
    is_main: bool = Field(..., description="主责网格")


class WorkerRef(Schema):
    id: int
    name: str


class WorkerQuery(PageQuery):
    region: str = region_filter()
    kind: _codes(c.WorkerKind) = Field("", description=choice_codes(c.WorkerKind))  # type: ignore[valid-type]
    state: _codes(c.WorkerState) = Field(  # type: ignore[valid-type]
        "active", description=choice_codes(c.WorkerState) + "；默认在岗；空值为全部"
    )
    q: str = Field("", max_length=60, description="姓名（包含）")
    unassigned: bool = Field(False, description="只看未分配网格的")


class WorkerOut(Schema):
    id: int
    name: str
    gender: str
    gender_label: str
    birth_year: int | None = Field(..., description="出生年份（不显示出生日期）")
    phone_masked: str = Field(..., description="脱敏联系电话")
    kind: str
    kind_label: str
    education: str
    education_label: str
    political_status: str
    political_status_label: str
    background_checked: bool = Field(..., description="已通过政审")
    region: PlaceOut = Field(..., description="管理单位（区划）")
    hired_on: dt.date
    left_on: dt.date | None
    state: str
    state_label: str
    user: UserRef | None = Field(..., description="工作账号")
    grids: list[GridRef] = Field(..., description="当前分配的网格")
    note: str
    version: int


class WorkerList(Page):
    items: list[WorkerOut]


class WorkerIn(Schema):
    region: str = Field(..., pattern=PATH, description="管理单位（村、社区或乡镇街道）的路径")
    name: str = Field(..., min_length=1, max_length=50)
    gender: _codes(c.Gender, ()) = Field(..., description=choice_codes(c.Gender))  # type: ignore[valid-type]
    kind: _codes(c.WorkerKind, ()) = Field(..., description=choice_codes(c.WorkerKind))  # type: ignore[valid-type]
    hired_on: dt.date
    birth_date: dt.date | None = Field(None, description="出生日期（只写，输出只显示年份）")
    phone: str = Field("", max_length=20, description="联系电话（只写，保存为密文）")
    education: _codes(c.Education) = Field("", description=choice_codes(c.Education))  # type: ignore[valid-type]
    political_status: _codes(c.PoliticalStatus) = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.PoliticalStatus)
    )
    background_checked: bool = False
    user: int | None = optional_id("工作账号（用户编号）")
    person: int | None = optional_id("实有人口编号")
    note: str = Field("", max_length=200)


class WorkerPatch(Schema):
    """Only the fields given change; ``version`` is the one read (optimistic lock)."""

    version: int = Field(..., ge=1, le=MAX_ID, description="读取时的版本号（乐观锁）")
    region: str | None = Field(None, pattern=PATH)
    name: str | None = Field(None, min_length=1, max_length=50)
    gender: _codes(c.Gender, ()) | None = None  # type: ignore[valid-type]
    kind: _codes(c.WorkerKind, ()) | None = None  # type: ignore[valid-type]
    hired_on: dt.date | None = None
    birth_date: dt.date | None = None
    phone: str | None = Field(None, max_length=20, description="联系电话（只写）")
    education: _codes(c.Education) | None = None  # type: ignore[valid-type]
    political_status: _codes(c.PoliticalStatus) | None = None  # type: ignore[valid-type]
    background_checked: bool | None = None
    user: int | None = optional_id("工作账号（用户编号）；null 解除关联")
    person: int | None = optional_id("实有人口编号")
    note: str | None = Field(None, max_length=200)


class WorkerEndIn(ReasonIn):
    left_on: dt.date | None = Field(None, description="离岗日期，默认今天")


class AssignmentOut(Schema):
    id: int
    worker: WorkerRef
    grid: PlaceOut
    is_main: bool
    starts_on: dt.date
    ends_on: dt.date | None
    current: bool
    reason: str
    created_by: str | None


class GridAssignIn(Schema):
    grid: str = Field(..., pattern=PATH, description="网格路径")
    starts_on: dt.date | None = Field(None, description="默认今天")
    is_main: bool = Field(True, description="主责网格")
    reason: str = Field("", max_length=200, description="调整原因")


class AssignmentEndIn(Schema):
    ends_on: dt.date | None = Field(None, description="默认今天")
    reason: str = Field("", max_length=200)


# -- coverage --------------------------------------------------------------------------------


class KindCountOut(Schema):
    kind: str
    label: str
    workers: int
    with_account: int = Field(..., description="已关联工作账号")
    without_account: int


class RosterSummaryOut(Schema):
    region: str
    day: dt.date
    workers: int = Field(..., description="在岗网格力量（本区划管理或分配到本区划网格）")
    with_account: int
    without_account: int
    unassigned: int = Field(..., description="未分配网格")
    by_kind: list[KindCountOut]
    grids: int = Field(..., description="有效网格数")
    covered: int = Field(..., description="有主责网格员的网格数")
    uncovered_count: int
    coverage_rate: str | None = Field(..., description=RATE)
    uncovered: list[PlaceOut] = Field(..., description="无主责网格员的网格")


class GridCoverageRowOut(Schema):
    path: str
    name: str
    main: list[str] = Field(..., description="主责网格员（姓名）")
    secondary: list[str] = Field(..., description="其他分配的网格力量（姓名）")
    flagged: bool = Field(..., description="无主责网格员")


class GridCoverageOut(Schema):
    region: str
    day: dt.date
    rows: list[GridCoverageRowOut]


# -- training --------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    name: str
    topic: str
    hours: str = Field(..., description="学时（一位小数）")
    region: PlaceOut
    is_active: bool


class CourseIn(Schema):
    region: str = Field(..., pattern=PATH, description="主办区划路径")
    name: str = Field(..., min_length=1, max_length=100)
    topic: str = Field("", max_length=200)
    hours: float = Field(2, allow_inf_nan=False, description="学时")


class SessionQuery(PageQuery):
    region: str = region_filter()
    day_from: dt.date | None = Field(None, alias="from", description="开始日期不早于（含）")
    day_to: dt.date | None = Field(None, alias="to", description="开始日期不晚于（含）")


class SessionOut(Schema):
    id: int
    course: CourseOut
    region: PlaceOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    trainer: str
    note: str
    created_by: str | None


class SessionList(Page):
    items: list[SessionOut]


class SheetRowOut(Schema):
    worker: WorkerRef
    status: str
    status_label: str
    passed: bool | None
    score: int | None


class SessionDetailOut(SessionOut):
    sheet: list[SheetRowOut] = Field(..., description="签到表")


class SessionIn(Schema):
    course: int = record_id("课程编号")
    region: str = Field(..., pattern=PATH, description="举办区划路径")
    starts_at: dt.datetime = Field(..., description="无时区时按北京时间")
    ends_at: dt.datetime
    place: str = Field("", max_length=200)
    trainer: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)


class SheetEntryIn(Schema):
    worker: int = record_id("网格力量编号")
    status: _codes(c.AttendanceStatus, ()) = Field(  # type: ignore[valid-type]
        "present", description=choice_codes(c.AttendanceStatus)
    )
    passed: bool | None = Field(None, description="考核合格")
    score: int | None = Field(None, ge=0, le=100, description="成绩 0–100")


class SheetIn(Schema):
    entries: list[SheetEntryIn] = Field(..., min_length=1, max_length=1000)


class TrainingRowOut(Schema):
    path: str
    name: str
    workers: int = Field(..., description="在岗网格力量")
    trained: int = Field(..., description="期间内参加培训且考核合格的人数")
    rate: str | None = Field(..., description="培训覆盖率；" + RATE)
    trained_ever: int = Field(..., description="曾参加培训且合格的人数")
    rate_ever: str | None
    sessions: int = Field(..., description="期间内举办的班次")
    own_level: bool = Field(..., description="本级（区划自身管理的人员和举办的班次）")


class TrainingCoverageOut(Schema):
    region: str
    period: PeriodOut
    rows: list[TrainingRowOut]


# -- leave and duty --------------------------------------------------------------------------


class LeaveQuery(PageQuery):
    region: str = region_filter()
    worker: int | None = Field(None, ge=1, le=MAX_ID, description="网格力量编号")
    pending: bool = Field(False, description="只看待批准的")


class LeaveOut(Schema):
    id: int
    worker: WorkerRef
    kind: str
    kind_label: str
    starts_on: dt.date
    ends_on: dt.date
    reason: str
    state: Literal["pending", "approved", "cancelled"]
    state_label: str
    approved_by: str | None
    approved_at: dt.datetime | None
    created_at: dt.datetime


class LeaveList(Page):
    items: list[LeaveOut]


class LeaveIn(Schema):
    worker: int | None = optional_id("网格力量编号；不填为本人")
    kind: _codes(c.LeaveKind, ()) = Field(..., description=choice_codes(c.LeaveKind))  # type: ignore[valid-type]
    starts_on: dt.date
    ends_on: dt.date
    reason: str = Field("", max_length=200)


class DutyQuery(PageQuery):
    region: str = region_filter()
    day_from: dt.date | None = Field(None, alias="from", description="值班日期不早于（含）")
    day_to: dt.date | None = Field(None, alias="to", description="值班日期不晚于（含）")


class DutyOut(Schema):
    id: int
    worker: WorkerRef
    region: PlaceOut
    day: dt.date
    note: str
    created_by: str | None


class DutyList(Page):
    items: list[DutyOut]


class DutyIn(Schema):
    worker: int = record_id("网格力量编号")
    region: str = Field(..., pattern=PATH, description="值班区域（网格、村或乡镇）路径")
    day: dt.date
    note: str = Field("", max_length=200)


# -- field work: check-ins and patrols -------------------------------------------------------


class CheckInIn(PositionIn):
    kind: _codes(c.CheckInKind, ()) = Field(..., description=choice_codes(c.CheckInKind))  # type: ignore[valid-type]


class CheckInOut(Schema):
    id: int
    worker: WorkerRef
    kind: str
    kind_label: str
    at: dt.datetime
    day: dt.date
    lng: float | None
    lat: float | None
    accuracy: float | None
    accepted: bool
    reason: str = Field(..., description=choice_codes(c.RefuseReason) + "；有效时为空")
    reason_text: str
    distance_m: float | None = Field(..., description="距最近网格（米），网格内为 0")
    grid: PlaceOut | None
    message: str = Field(..., description="给手机显示的结果")


class CheckInQuery(PageQuery):
    region: str = region_filter()
    day_from: dt.date | None = Field(None, alias="from", description="日期不早于（含）")
    day_to: dt.date | None = Field(None, alias="to", description="日期不晚于（含）")
    worker: int | None = Field(None, ge=1, le=MAX_ID, description="网格力量编号")
    anomalies: bool = Field(False, description="只看异常（被拒绝的）签到")


class CheckInList(Page):
    items: list[CheckInOut]


class PatrolStartIn(PositionIn):
    pass


class PointIn(Schema):
    seq: int = Field(..., ge=0, le=2**31 - 1, description="手机端序号（重发不重复记录）")
    at: dt.datetime = Field(..., description="定位时间；无时区按北京时间")
    lng: float
    lat: float
    accuracy: float | None = None

    _lng = field_validator("lng")(check_lng)
    _lat = field_validator("lat")(check_lat)
    _accuracy = field_validator("accuracy")(check_accuracy)


class PointsIn(Schema):
    crs: Literal["wgs84", "gcj02"] = Field("wgs84", description=choice_codes(c.Crs))
    points: list[PointIn] = Field(..., description=f"轨迹点，每次最多 {MAX_POINTS} 个")

    @field_validator("points")
    @classmethod
    def _at_most(cls, value: list[PointIn]) -> list[PointIn]:
        from django.utils.translation import gettext as _

        if len(value) > MAX_POINTS:
            raise PydanticCustomError(
                "too_long", str(_("每次最多上传 %(n)s 个轨迹点")) % {"n": MAX_POINTS}
            )
        return value


class IngestOut(Schema):
    stored: int = Field(..., description="新记录的点数")
    duplicates: int = Field(..., description="已记录过的点（重发）")
    dropped: int = Field(..., description="剔除的点（漂移、时间不对）")
    distance_m: float = Field(..., description="巡查里程（米）")
    point_count: int = Field(..., description="轨迹点总数")


class StopIn(Schema):
    at: dt.datetime | None = Field(None, description="结束时间，默认当前时间")
    note: str = Field("", max_length=500, description="巡查情况")


class PatrolQuery(PageQuery):
    region: str = region_filter()
    day_from: dt.date | None = Field(None, alias="from", description="日期不早于（含）")
    day_to: dt.date | None = Field(None, alias="to", description="日期不晚于（含）")
    worker: int | None = Field(None, ge=1, le=MAX_ID, description="网格力量编号")
    state: _codes(c.PatrolState) = Field("", description=choice_codes(c.PatrolState))  # type: ignore[valid-type]


class PatrolOut(Schema):
    id: int
    worker: WorkerRef
    grid: PlaceOut
    state: str
    state_label: str
    day: dt.date
    started_at: dt.datetime
    stopped_at: dt.datetime | None
    distance_m: float
    duration_s: int
    point_count: int
    dropped_count: int
    last_at: dt.datetime | None
    last_lng: float | None
    last_lat: float | None
    note: str
    version: int


class PatrolList(Page):
    items: list[PatrolOut]


class WorkerTodayOut(Schema):
    worker: WorkerOut
    today: dt.date
    checkins: list[CheckInOut] = Field(..., description="今天的签到（含被拒绝的）")
    checked_in: bool = Field(..., description="今天已有效签到且未签退")
    open_patrol: PatrolOut | None


# -- plans -----------------------------------------------------------------------------------


class PlanQuery(PageQuery):
    region: str = region_filter()
    current: bool = Field(False, description="只看正在执行的计划")


class PlanOut(Schema):
    id: int
    grid: PlaceOut
    times: int
    period: str
    period_label: str
    min_minutes: int
    min_distance_m: int
    starts_on: dt.date
    ends_on: dt.date | None
    current: bool
    note: str
    created_by: str | None


class PlanList(Page):
    items: list[PlanOut]


class PlanIn(Schema):
    grid: str = Field(..., pattern=PATH, description="网格路径")
    times: int = Field(1, ge=1, le=20, description="每周期巡查次数（1–20）")
    period: _codes(c.PlanPeriod, ()) = Field(  # type: ignore[valid-type]
        "working_day", description=choice_codes(c.PlanPeriod)
    )
    starts_on: dt.date | None = Field(None, description="默认今天")
    min_minutes: int = Field(30, ge=0, le=480, description="每次至少（分钟，0–480）")
    min_distance_m: int = Field(500, ge=0, le=50_000, description="每次至少（米，0–50000）")
    note: str = Field("", max_length=200)


class PlanEndIn(Schema):
    ends_on: dt.date | None = Field(None, description="默认今天")


# -- figures ---------------------------------------------------------------------------------


class CheckinRowOut(Schema):
    path: str
    name: str
    workers: int = Field(..., description="专职网格员、网格长（主责）")
    expected: int = Field(..., description="应出勤人天（工作日 + 值班 − 请假）")
    checked: int = Field(..., description="有效上班签到人天")
    anomalies: int = Field(..., description="异常（被拒绝的）签到次数")
    rate: str | None = Field(..., description="签到率；" + RATE)


class CheckinCoverageOut(Schema):
    region: str
    period: PeriodOut
    rows: list[CheckinRowOut]


class PlanRowOut(Schema):
    path: str
    name: str
    plans: int = Field(..., description="期间内执行的计划数")
    planned: int = Field(..., description="计划巡查次数")
    done: int = Field(..., description="达标的巡查次数")
    credited: int = Field(..., description="计入的次数（不超过计划）")
    rate: str | None = Field(..., description="计划完成率；" + RATE)


class PlanCoverageOut(Schema):
    region: str
    period: PeriodOut
    rows: list[PlanRowOut]


class ValueOut(Schema):
    key: str
    name: str
    kind: str = Field(..., description="count 计数 / rate 百分比 / …")
    text: str = Field(..., description="显示值；无分母时为“—”")
    value: str | None = Field(..., description="两位小数；无分母时为 null")
    numerator: int
    denominator: int | None


class WorkerRankRowOut(Schema):
    rank: int | None = Field(..., description="名次（并列同名次）；无得分时为 null")
    key: str = Field(..., description="网格力量编号或网格路径")
    label: str
    note: str
    score: str | None
    values: list[ValueOut]


class AssessmentOut(Schema):
    kind: Literal["grid_worker", "grid"]
    title: str
    region: str = Field(..., description="排名范围（区划路径）")
    period: PeriodOut
    weights: dict[str, str]
    own_only: bool = Field(..., description="只显示本人的一行（网格员本人查看）")
    total: int = Field(..., description="参加排名的行数")
    rows: list[WorkerRankRowOut]


class MyFiguresOut(Schema):
    worker: WorkerRef
    period: PeriodOut
    values: list[ValueOut]
    score: str | None = Field(..., description="综合得分；无可计分指标时为 null")
    rank: int | None = Field(..., description="在管理单位（村、社区）网格员中的名次")
    total: int = Field(..., description="参加排名的网格员人数")
    region: str = Field(..., description="排名范围（管理单位的区划路径）")
