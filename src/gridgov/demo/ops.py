"""Demo field work (网格力量) for the demo county: the roster, training, patrol plans and the
last month of check-ins, patrols with their tracks, leave and duty, built from the demo staff.

* Roster: one 专职网格员 per grid-worker account (兼职网格员 where the account's post says so),
  managed by the grid's village with a main assignment to the grid; the village grid chiefs
  (网格长, the ``grid_chief`` accounts) with secondary assignments to the village's grids; per
  village a few part-time workers and 百姓说事点信息员 and one 社区民警, per township one 驻村
  法官 (no accounts). Some workers swapped grids three months ago (history kept); about 1 % of
  the grids lost their only worker and are left uncovered, so the coverage flag shows.
* Training: ten courses, 117 sessions over the last year held by the county and the
  townships, an attendance sheet for every worker of the region (everyone passed at least one).
* Patrol plans: every grid, most once per working day (30 min, 500 m), some rural grids three
  times a week.
* The last 30 days up to the load day: for every daily worker (专职网格员, 网格长) on each
  working day and duty day (less approved leave) an accepted 上班 check-in around 08:00–08:40
  inside the grid and a 下班 around 17:00–17:40, with missing days (~3 %), refused attempts
  outside the grid (~2 %, 400–2,000 m out, distance stored) or too inaccurate, and about one
  patrol: 30–90 minutes walking at 1.0–1.5 m/s between random points of the grid, one point
  every 120 s (older than a week), 60 s (the last week) or 30 s (today); each patrol's
  distance, duration and point count are computed from its stored points.
* Today: ~70 % of the day's workers have checked in (the duty workers on a rest day) and ~15 %
  are on an open patrol with points up to now, so the big screen's on-duty layer is never
  empty; patrol-channel cases reported by a worker are linked to the patrol they were reported
  on (the patrol is placed around them).
* Visits and register updates of the month by the grid workers' accounts (the assessment counts
  them).

Everything is drawn from one seeded generator and written with ``executemany`` (the rows of
``gridgov.demo.registry``). Idempotent: nothing is generated when the area already has workers.
``only`` builds a subtree (a township or a village), for tests.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import shapely
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from shapely.geometry import shape

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.cases.demo_texts import PHONE_PREFIXES
from gridgov.cases.models import Case
from gridgov.core.privacy import mask_phone
from gridgov.demo.names import person_name
from gridgov.demo.registry import Row, _Ids, _insert, _is_auto_time
from gridgov.metrics.figures import Span
from gridgov.ops import choices as c
from gridgov.ops.geometry import GridShape, segment_lengths_m
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.workdays import days_of, working_days
from gridgov.regions.choices import Kind, Level
from gridgov.regions.models import Region, subtree_q
from gridgov.registry.models import Person, RegistryChange, Visit
from gridgov.registry.values import protect_phone

SEED = 2026
DAYS = 30  # the month of field work, up to the load day
SESSIONS = 117  # training sessions of the last year (大理: 117 sessions, 100 % trained)
TOWNSHIP_SESSIONS = 4  # held by each township; the county holds the rest
UNCOVERED_SHARE = 0.01
# Seconds between two stored points of a patrol track, by the patrol's age in days.
OLD_INTERVAL_S = 300
RECENT_INTERVAL_S = 120  # the last two days before today
TODAY_INTERVAL_S = 30
RECENT_DAYS = 3
CHECKED_IN_TODAY = 0.70
ON_PATROL_NOW = 0.15
MISSING_DAY = 0.03
REFUSED_OUTSIDE = 0.03
REFUSED_INACCURATE = 0.005
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LNG = 111_320.0

OPS_MODELS: tuple[type[models.Model], ...] = (
    Worker,
    Assignment,
    Course,
    TrainingSession,
    TrainingAttendance,
    Leave,
    DutyShift,
    CheckIn,
    PatrolPlan,
    Patrol,
    PatrolPoint,
)

COURSES = (
    ("政策法规", "基层社会治理相关法律法规和政策文件解读", Decimal("3.0")),
    ("矛盾纠纷排查化解", "矛盾纠纷的排查、分类、调解技巧与上报流程", Decimal("3.0")),
    ("网格员履职规范", "网格员职责清单、工作纪律与考核办法", Decimal("2.0")),
    ("信息采集", "人、房、法信息采集标准与系统录入", Decimal("2.5")),
    ("安全生产", "网格内生产经营单位安全隐患排查要点", Decimal("2.0")),
    ("消防安全", "九小场所、出租房屋消防检查与火灾隐患识别", Decimal("2.0")),
    ("平安建设", "平安创建、扫黑除恶、反诈宣传与群防群治", Decimal("2.0")),
    ("心理疏导", "重点人员心理危机识别与沟通疏导", Decimal("2.0")),
    ("应急处置", "突发事件先期处置、信息报送与群众疏散", Decimal("2.0")),
    ("移动终端使用", "手机端签到、巡查轨迹、事件上报操作", Decimal("1.5")),
)
TRAINERS = (
    "市委政法委 {name}",
    "市司法局 {name}",
    "市公安局 {name}",
    "市应急管理局 {name}",
    "市消防救援大队 {name}",
    "市综治中心 {name}",
    "市人民法院 {name}",
    "市心理咨询中心 {name}",
)
LEAVE_REASONS = {
    c.LeaveKind.SICK: ("感冒发烧，就医休息", "腰伤复查", "住院治疗"),
    c.LeaveKind.PERSONAL: ("家中老人住院陪护", "孩子开家长会", "办理个人事务"),
    c.LeaveKind.ANNUAL: ("年休假", "探亲"),
}
PATROL_NOTES = (
    "",
    "",
    "",
    "网格内巡查正常，未发现异常情况",
    "检查沿街商铺消防通道，均畅通",
    "巡查中提醒居民清理楼道杂物",
    "走访独居老人，情况正常",
    "发现路灯损坏一处，已上报",
    "巡查出租房屋，宣传反诈知识",
    "清雪后道路通行正常",
)
MOVE_REASON = "村（社区）内网格调整"
LEFT_NOTES = ("本人辞职，待补充人员", "考取公务员离岗，待补充人员", "家庭原因离职，待补充人员")


@dataclass
class OpsCounts:
    workers: Counter[str] = field(default_factory=Counter)
    left: int = 0
    assignments: int = 0
    moved: int = 0
    uncovered: int = 0
    courses: int = 0
    sessions: int = 0
    attendance: int = 0
    plans: int = 0
    leaves: int = 0
    duties: int = 0
    checkins: int = 0
    anomalies: int = 0
    patrols: int = 0
    points: int = 0
    checked_in_today: int = 0
    open_patrols: int = 0
    visits: int = 0
    changes: int = 0
    linked_cases: int = 0
    interval_s: tuple[int, int, int] = (OLD_INTERVAL_S, RECENT_INTERVAL_S, TODAY_INTERVAL_S)
    seconds: float = 0.0

    def summary(self) -> str:
        kinds = dict(c.WorkerKind.choices)
        roster = "、".join(
            f"{kinds.get(kind, kind)} {n}" for kind, n in sorted(self.workers.items())
        )
        return (
            f"网格力量 {sum(self.workers.values())} 名（{roster}；离岗 {self.left} 名）、"
            f"未覆盖网格 {self.uncovered} 个、培训课程 {self.courses} 门、培训 {self.sessions} 期"
            f"（签到 {self.attendance} 人次）、巡查计划 {self.plans} 个、请假 {self.leaves} 条、"
            f"值班 {self.duties} 人次、签到 {self.checkins} 次（异常 {self.anomalies} 次）、"
            f"巡查 {self.patrols} 次（轨迹点 {self.points} 个）、今日签到 {self.checked_in_today} 人、"
            f"正在巡查 {self.open_patrols} 人、本月走访 {self.visits} 次、信息更新 {self.changes} 条、"
            f"关联巡查上报案件 {self.linked_cases} 件"
        )


def generate_ops(
    *,
    county: Region,
    log: Callable[[str], object] = print,
    only: str | None = None,
    seed: int = SEED,
    now: dt.datetime | None = None,
) -> OpsCounts:
    """Build the field work of the county (or of the subtree ``only``) from its staff.
    Returns what was created; nothing when the area already has workers."""
    started = time.monotonic()
    scope = only or county.path
    if Worker.objects.filter(subtree_q(scope, "region_path")).exists():
        return OpsCounts()
    log("生成网格力量：名册、培训、巡查计划和近一个月的签到、巡查轨迹、请假、值班…")
    with transaction.atomic():
        gen = _Ops(county=county, scope=scope, seed=seed, now=now or timezone.now())
        if not gen.grids:
            return OpsCounts()
        gen.build()
        gen.write()
    counts = gen.counts
    counts.seconds = time.monotonic() - started
    log(f"  {counts.summary()}（用时 {counts.seconds:.1f} 秒）")
    return counts


# -- the grids -------------------------------------------------------------------------------


class _Grid:
    """One grid's outline with a pool of random points inside it (rounded like a phone's
    fix), the start and turning points of the tracks."""

    __slots__ = (
        "_shape",
        "geometry",
        "id",
        "kx",
        "ky",
        "lat0",
        "lng0",
        "path",
        "pool",
        "pool_xy",
        "rural",
    )

    def __init__(self, row: dict[str, Any], rural: bool, rng: np.random.Generator) -> None:
        self.id: int = row["id"]
        self.path: str = row["path"]
        self.rural = rural
        self.geometry = shape(row["geometry"])
        shapely.prepare(self.geometry)
        centre = self.geometry.representative_point()
        self.lng0, self.lat0 = float(centre.x), float(centre.y)
        self.kx = METRES_PER_DEGREE_LNG * math.cos(math.radians(self.lat0))
        self.ky = METRES_PER_DEGREE_LAT
        self.pool = self._pool(rng)
        self.pool_xy = np.column_stack(
            [(self.pool[:, 0] - self.lng0) * self.kx, (self.pool[:, 1] - self.lat0) * self.ky]
        )
        self._shape: GridShape | None = None

    def _pool(self, rng: np.random.Generator, size: int = 48) -> np.ndarray:
        minx, miny, maxx, maxy = self.geometry.bounds
        found: list[np.ndarray] = []
        have = 0
        for _ in range(30):
            xs = np.round(rng.uniform(minx, maxx, 256), 6)
            ys = np.round(rng.uniform(miny, maxy, 256), 6)
            inside = shapely.contains_xy(self.geometry, xs, ys)
            if inside.any():
                found.append(np.column_stack([xs[inside], ys[inside]]))
                have += int(inside.sum())
            if have >= size:
                break
        if have < 2:
            fallback = np.array([[round(self.lng0, 6), round(self.lat0, 6)]])
            if shapely.contains_xy(self.geometry, fallback[:, 0], fallback[:, 1]).all():
                return np.vstack([fallback, fallback])
            return np.array([[self.lng0, self.lat0], [self.lng0, self.lat0]])
        return np.vstack(found)[:size]

    @property
    def grid_shape(self) -> GridShape:
        if self._shape is None:
            self._shape = GridShape(shapely.geometry.mapping(self.geometry))
        return self._shape

    def inside(self, lng: float, lat: float) -> bool:
        return bool(shapely.contains_xy(self.geometry, lng, lat))


# -- the roster ------------------------------------------------------------------------------


class _W:
    """One roster entry while it is planned."""

    __slots__ = ("base", "daily", "grids", "kind", "main", "row", "user_id", "village")

    def __init__(self, row: Row, kind: str, village: str, user_id: int | None) -> None:
        self.row = row
        self.kind = kind
        self.village = village
        self.user_id = user_id
        self.grids: list[str] = []  # current grids (main first)
        self.main: str | None = None
        self.daily = False  # checks in and patrols every working day
        self.base: dict[str, tuple[float, float]] = {}  # where they check in, per grid

    @property
    def pk(self) -> int:
        return self.row.pk


class _Ops:
    def __init__(self, *, county: Region, scope: str, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(f"ops:{seed}")  # noqa: S311 - demo data
        self.np = np.random.default_rng(seed)
        self.county = county
        self.scope = scope
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localtime(now, self.tz).date()
        self.start = self.today - dt.timedelta(days=DAYS - 1)
        self.ids = _Ids(*OPS_MODELS, Visit)
        self.counts = OpsCounts()
        self.rows: dict[type[models.Model], list[Row]] = defaultdict(list)
        self.changes: list[RegistryChange] = []
        self.used_phones: set[str] = set()

        nodes: list[dict[str, Any]] = [
            dict(r)
            for r in Region.objects.filter(subtree_q(scope, "path"), is_active=True)
            .filter(level__in=(Level.TOWNSHIP, Level.VILLAGE, Level.GRID))
            .order_by("path")
            .values("id", "path", "name", "level", "kind", "geometry")
        ]
        above = [scope[:n] for n in (6, 9, 12) if n <= len(scope)]
        self.names: dict[str, str] = dict(
            Region.objects.filter(path__in=above).values_list("path", "name")
        )
        self.region_ids: dict[str, int] = dict(
            Region.objects.filter(path__in=above).values_list("path", "id")
        )
        village_kind = dict(
            Region.objects.filter(level=Level.VILLAGE)
            .filter(subtree_q(scope[:12] if len(scope) > 12 else scope, "path"))
            .values_list("path", "kind")
        )
        self.townships: list[str] = []
        self.villages: list[str] = []
        self.grids: dict[str, _Grid] = {}
        self.grids_of: dict[str, list[str]] = defaultdict(list)
        for r in nodes:
            self.names[r["path"]] = r["name"]
            self.region_ids[r["path"]] = r["id"]
            if r["level"] == Level.TOWNSHIP:
                self.townships.append(r["path"])
            elif r["level"] == Level.VILLAGE:
                self.villages.append(r["path"])
            elif r["geometry"]:
                rural = village_kind.get(r["path"][:12]) != Kind.COMMUNITY
                self.grids[r["path"]] = _Grid(r, rural, self.np)
                self.grids_of[r["path"][:12]].append(r["path"])
        if len(scope) >= 12:
            self.villages = [scope[:12]]
        if len(scope) >= 9:
            self.townships = [scope[:9]]

        self.operators: dict[str, int] = {}
        self.grid_posts: list[tuple[int, str, str, str, str]] = []  # user, name, grid, title
        self.chief_posts: list[tuple[int, str, str]] = []  # user, name, village
        for user_id, username, full_name, role, path, title in (
            Post.objects.current()
            .filter(subtree_q(county.path, "region__path"))
            .filter(
                role__in=(
                    Role.COUNTY_OPERATOR,
                    Role.TOWNSHIP_OPERATOR,
                    Role.VILLAGE_OPERATOR,
                    Role.GRID_WORKER,
                    Role.GRID_CHIEF,
                )
            )
            .order_by("user__username", "pk")
            .values_list(
                "user_id", "user__username", "user__full_name", "role", "region__path", "title"
            )
        ):
            if role == Role.GRID_WORKER:
                if path in self.grids:
                    self.grid_posts.append((user_id, username, full_name, path, title))
            elif role == Role.GRID_CHIEF:
                if path in self.grids_of:
                    self.chief_posts.append((user_id, full_name, path))
            else:
                self.operators.setdefault(path, user_id)
        self.workers: list[_W] = []
        self.by_user: dict[int, _W] = {}
        self.leave_days: dict[int, set[dt.date]] = defaultdict(set)
        self.duty_days: dict[int, set[dt.date]] = defaultdict(set)
        self.case_times: dict[tuple[int, dt.date], list[tuple[dt.datetime, int]]] = defaultdict(
            list
        )
        self.case_links: list[tuple[int, int]] = []  # (case id, patrol id)
        self.weekly: set[str] = set()  # grids whose plan asks for 3 patrols a week
        self.tracks: list[_Track] = []
        self.tracks_of: dict[int, list[_Track]] = defaultdict(list)  # worker id → tracks
        self.tracks_in: dict[str, list[_Track]] = defaultdict(list)  # grid path → tracks
        self.updated_people: list[int] = []  # register people whose record a worker updated
        self.assignments_of: dict[int, list[Row]] | None = None  # once the roster is made
        self.fixes: dict[tuple[int, str], list[tuple[float, float]]] = {}

    # -- helpers -------------------------------------------------------------------------------

    def operator(self, path: str) -> int | None:
        for n in (12, 9, 6):
            if len(path) >= n and path[:n] in self.operators:
                return self.operators[path[:n]]
        return None

    def at(self, day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=self.tz)

    def add(self, model: type[models.Model], **values: Any) -> Row:
        row = Row(model, id=self.ids.take(model), **values)
        self.rows[model].append(row)
        return row

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def years_ago(self, low: float, high: float) -> dt.date:
        return self.today - dt.timedelta(days=int(self.rng.uniform(low, high) * 365.25))

    def near(self, w: _W, grid: _Grid, base: tuple[float, float]) -> tuple[float, float]:
        """A fix within 25 m of where the worker checks in, inside the grid."""
        key = (w.pk, grid.path)
        fixes = self.fixes.get(key)
        if fixes is None:
            xs = np.round(base[0] + self.np.uniform(-25, 25, 12) / grid.kx, 6)
            ys = np.round(base[1] + self.np.uniform(-25, 25, 12) / grid.ky, 6)
            inside = shapely.contains_xy(grid.geometry, xs, ys)
            fixes = [base, *zip(xs[inside].tolist(), ys[inside].tolist(), strict=True)]
            self.fixes[key] = fixes
        return fixes[self.rng.randrange(len(fixes))]

    def pool_point(self, grid: _Grid) -> tuple[float, float]:
        p = grid.pool[self.rng.randrange(len(grid.pool))]
        return float(p[0]), float(p[1])

    # -- the plan ------------------------------------------------------------------------------

    def build(self) -> None:
        self.make_roster()
        self.make_training()
        self.make_plans()
        self.load_cases()
        self.make_leave_and_duty()
        self.make_month()
        self.make_tracks()
        self.make_visits()

    def worker(
        self,
        *,
        kind: str,
        manager: str,
        name: str,
        user_id: int | None = None,
        hired_on: dt.date | None = None,
        age: tuple[int, int] = (24, 52),
    ) -> _W:
        rng = self.rng
        gender = c.Gender.FEMALE if rng.random() < 0.58 else c.Gender.MALE
        if kind in (c.WorkerKind.POLICE, c.WorkerKind.GRID_CHIEF):
            gender = c.Gender.MALE if rng.random() < 0.8 else c.Gender.FEMALE
        birth = self.today - dt.timedelta(days=int(rng.uniform(*age) * 365.25))
        if kind in (c.WorkerKind.JUDGE, c.WorkerKind.POLICE):
            education = rng.choice((c.Education.BACHELOR,) * 4 + (c.Education.POSTGRADUATE,))
            political = c.PoliticalStatus.PARTY_MEMBER
        elif kind == c.WorkerKind.INFORMANT:
            education = rng.choice(
                (c.Education.JUNIOR, c.Education.JUNIOR, c.Education.SENIOR, c.Education.PRIMARY)
            )
            political = rng.choice((c.PoliticalStatus.PARTY_MEMBER, c.PoliticalStatus.MASSES))
        else:
            education = rng.choice(
                (
                    c.Education.SENIOR,
                    c.Education.COLLEGE,
                    c.Education.COLLEGE,
                    c.Education.COLLEGE,
                    c.Education.BACHELOR,
                    c.Education.BACHELOR,
                )
            )
            x = rng.random()
            political = (
                c.PoliticalStatus.PARTY_MEMBER
                if x < 0.42 or kind == c.WorkerKind.GRID_CHIEF
                else c.PoliticalStatus.PROBATIONARY
                if x < 0.46
                else c.PoliticalStatus.LEAGUE_MEMBER
                if x < 0.62 and birth.year >= self.today.year - 28
                else c.PoliticalStatus.MASSES
            )
        protected = protect_phone(self.phone())
        region_path = manager
        row = self.add(
            Worker,
            user_id=user_id,
            name=name,
            gender=gender,
            birth_date=birth,
            phone_cipher=protected.cipher,
            phone_masked=protected.masked,
            phone_hash=protected.hash,
            kind=kind,
            education=education,
            political_status=political,
            background_checked=rng.random() < 0.97,
            region_id=self.region_ids[manager],
            region_path=region_path,
            hired_on=hired_on or self.years_ago(0.6, 9),
            state=c.WorkerState.ACTIVE,
            version=1,
        )
        w = _W(row, kind, manager[:12], user_id)
        self.workers.append(w)
        if user_id is not None:
            self.by_user[user_id] = w
        self.counts.workers[kind] += 1
        return w

    def assign(
        self,
        w: _W,
        grid: str,
        *,
        main: bool,
        starts_on: dt.date,
        ends_on: dt.date | None = None,
        reason: str = "",
    ) -> None:
        self.add(
            Assignment,
            worker_id=w.pk,
            grid_id=self.grids[grid].id,
            region_path=grid,
            is_main=main,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            created_by_id=self.operator(grid),
        )
        if ends_on is None:
            if main:
                w.main = grid
                w.grids.insert(0, grid)
            else:
                w.grids.append(grid)
            w.base[grid] = self.pool_point(self.grids[grid])
        self.counts.assignments += 1

    def make_roster(self) -> None:
        rng = self.rng
        # Grid workers: one per account.
        by_grid: dict[str, list[_W]] = defaultdict(list)
        for user_id, _username, full_name, grid, title in self.grid_posts:
            part_time = "兼职" in title
            kind = c.WorkerKind.PART_TIME if part_time else c.WorkerKind.FULL_TIME
            hired = self.years_ago(0.3, 9)
            if rng.random() < 0.01:
                hired = self.today - dt.timedelta(days=rng.randint(12, 25))  # newly hired
            w = self.worker(
                kind=kind,
                manager=grid[:12],
                name=full_name or person_name(rng),
                user_id=user_id,
                hired_on=hired,
            )
            w.daily = not part_time
            self.assign(w, grid, main=True, starts_on=hired)
            by_grid[grid].append(w)
        # Some workers of the same village swapped grids three months ago.
        swap_day = self.today - dt.timedelta(days=rng.randint(85, 95))
        for village in self.villages:
            singles = [
                by_grid[g][0]
                for g in self.grids_of[village]
                if len(by_grid[g]) == 1
                and by_grid[g][0].row.hired_on < swap_day - dt.timedelta(days=60)
                and g != DEMO_GRID
            ]
            if len(singles) >= 2 and rng.random() < 0.12:
                a, b = rng.sample(singles, 2)
                for w, before in ((a, b.main), (b, a.main)):
                    assert before is not None and w.main is not None
                    current = w.main
                    # The current assignment starts at the swap; the earlier one ended then.
                    for assignment in self.rows[Assignment]:
                        if assignment.worker_id == w.pk and assignment.ends_on is None:
                            assignment.starts_on = swap_day
                            assignment.reason = MOVE_REASON
                    self.add(
                        Assignment,
                        worker_id=w.pk,
                        grid_id=self.grids[before].id,
                        region_path=before,
                        is_main=True,
                        starts_on=w.row.hired_on,
                        ends_on=swap_day - dt.timedelta(days=1),
                        reason="",
                        created_by_id=self.operator(before),
                    )
                    self.counts.assignments += 1
                    w.main = current
                self.counts.moved += 2
        # About 1 % of the grids lost their only worker: left, not replaced yet.
        lone = [
            by_grid[g][0]
            for g in sorted(by_grid)
            if len(by_grid[g]) == 1 and g != DEMO_GRID and by_grid[g][0].daily
        ]
        for w in rng.sample(lone, min(len(lone), round(len(self.grids) * UNCOVERED_SHARE))):
            left = self.today - dt.timedelta(days=rng.randint(6, 40))
            if left <= w.row.hired_on:
                continue
            w.row.left_on = left
            w.row.state = c.WorkerState.LEFT
            w.row.note = rng.choice(LEFT_NOTES)
            for assignment in self.rows[Assignment]:
                if assignment.worker_id == w.pk and assignment.ends_on is None:
                    assignment.ends_on = left
                    assignment.reason = "离岗"
            self.counts.left += 1
            self.counts.uncovered += 1
        # Grid chiefs: the village's 党组织书记、网格长 accounts, over every grid of the village.
        for user_id, full_name, village in self.chief_posts:
            if user_id in self.by_user:
                continue
            hired = self.years_ago(1, 10)
            w = self.worker(
                kind=c.WorkerKind.GRID_CHIEF,
                manager=village,
                name=full_name or person_name(rng),
                user_id=user_id,
                hired_on=hired,
                age=(35, 58),
            )
            w.daily = True
            for grid in self.grids_of[village]:
                self.assign(w, grid, main=False, starts_on=hired)
        # Without accounts: part-time workers and 百姓说事点信息员 per village, a 社区民警 per
        # village and a 驻村法官 per township.
        for village in self.villages:
            grids = self.grids_of[village]
            if not grids:
                continue
            for _ in range(rng.randint(1, 2)):
                w = self.worker(kind=c.WorkerKind.PART_TIME, manager=village, name=person_name(rng))
                self.assign(w, rng.choice(grids), main=True, starts_on=w.row.hired_on)
            for _ in range(rng.randint(1, 2)):
                w = self.worker(
                    kind=c.WorkerKind.INFORMANT,
                    manager=village,
                    name=person_name(rng),
                    age=(45, 68),
                )
                self.assign(w, rng.choice(grids), main=False, starts_on=w.row.hired_on)
            w = self.worker(
                kind=c.WorkerKind.POLICE, manager=village, name=person_name(rng), age=(26, 50)
            )
            for grid in grids:
                self.assign(w, grid, main=False, starts_on=w.row.hired_on)
        for township in self.townships:
            if township not in self.region_ids:
                continue
            w = self.worker(
                kind=c.WorkerKind.JUDGE, manager=township, name=person_name(rng), age=(30, 55)
            )
            for grid in sorted(g for g in self.grids if g.startswith(township)):
                self.assign(w, grid, main=False, starts_on=w.row.hired_on)

    # -- training ------------------------------------------------------------------------------

    def make_training(self) -> None:
        rng = self.rng
        county = self.county.path
        courses = [
            self.add(
                Course,
                name=name,
                topic=topic,
                hours=hours,
                region_id=self.county.pk,
                region_path=county,
                is_active=True,
            )
            for name, topic, hours in COURSES
        ]
        self.counts.courses = len(courses)
        year_ago = self.today - dt.timedelta(days=365)
        townships = sorted(self.townships)
        county_sessions = max(SESSIONS - TOWNSHIP_SESSIONS * 20, 12)
        # Sessions: (region path, day); the county's latest is a week ago (岗前培训 of the
        # newly hired, and everyone who has not passed yet).
        plan: list[tuple[str, dt.date]] = []
        for township in townships:
            for i in range(TOWNSHIP_SESSIONS):
                offset = 365 * (i + rng.uniform(0.1, 0.9)) / TOWNSHIP_SESSIONS
                plan.append((township, year_ago + dt.timedelta(days=int(offset))))
        for i in range(county_sessions - 1):
            offset = 358 * (i + rng.uniform(0.1, 0.9)) / (county_sessions - 1)
            plan.append((county, year_ago + dt.timedelta(days=int(offset))))
        plan.append((county, self.today - dt.timedelta(days=7)))
        working = set(working_days(Span(year_ago, self.today)))
        by_region: dict[str, list[_W]] = defaultdict(list)
        for w in self.workers:
            by_region[w.row.region_path[:9]].append(w)
        passed: set[int] = set()
        groups = [townships[i::4] for i in range(4)] if townships else [[]]
        for index, (path, day) in enumerate(sorted(plan, key=lambda p: p[1])):
            while day not in working and day > year_ago:
                day -= dt.timedelta(days=1)
            morning = rng.random() < 0.6
            starts = self.at(day, 9 if morning else 14, rng.choice((0, 0, 30)))
            course = courses[index % len(courses)]
            hours = float(course.hours)
            last = path == county and day == self.today - dt.timedelta(days=7)
            if path == county:
                place = rng.choice(("舒兰市综治中心培训室", "舒兰市委党校报告厅"))
                if last:
                    course = courses[2]  # 网格员履职规范
            else:
                place = f"{self.names.get(path, '')}综治中心会议室"
            trainer = rng.choice(TRAINERS).format(name=person_name(rng))
            session = self.add(
                TrainingSession,
                course_id=course.pk,
                region_id=self.region_ids.get(path, self.county.pk),
                region_path=path,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=hours),
                place=place,
                trainer=trainer,
                note="岗前培训及履职规范补训" if last else "",
                created_by_id=self.operator(path),
            )
            self.counts.sessions += 1
            if path == county:
                # A county session trains the full-time workers and chiefs of a group of
                # townships (every worker of the county for the last one).
                group = groups[index % len(groups)]
                invited = [
                    w
                    for t in (townships if last else group)
                    for w in by_region[t]
                    if last or w.daily
                ]
                if last:
                    invited = [w for w in invited if w.pk not in passed]
            else:
                invited = by_region[path]
            for w in invited:
                if w.row.hired_on > day or (w.row.left_on and w.row.left_on < day):
                    continue
                x = rng.random()
                score: int | None
                ok: bool | None
                if last or x < 0.9:
                    score = rng.randint(60, 100) if rng.random() < 0.96 else rng.randint(40, 59)
                    if last:
                        score = max(score or 0, 60)
                    ok = score >= 60
                    status = c.AttendanceStatus.PRESENT
                    if ok:
                        passed.add(w.pk)
                else:
                    status = c.AttendanceStatus.LEAVE if x < 0.96 else c.AttendanceStatus.ABSENT
                    score, ok = None, None
                self.add(
                    TrainingAttendance,
                    session_id=session.pk,
                    worker_id=w.pk,
                    region_path=path,
                    status=status,
                    passed=ok,
                    score=score,
                )
                self.counts.attendance += 1

    # -- plans ---------------------------------------------------------------------------------

    def make_plans(self) -> None:
        rng = self.rng
        month = self.today.replace(day=1)
        for path in sorted(self.grids):
            grid = self.grids[path]
            starts = (month - dt.timedelta(days=rng.choice((150, 180, 200)))).replace(day=1)
            if rng.random() < 0.05:
                earlier = starts.replace(year=starts.year - 1)
                self.add(
                    PatrolPlan,
                    grid_id=grid.id,
                    region_path=path,
                    times=2,
                    period=c.PlanPeriod.WEEK,
                    min_minutes=30,
                    min_distance_m=500,
                    starts_on=earlier,
                    ends_on=starts - dt.timedelta(days=1),
                    note="",
                    created_by_id=self.operator(path),
                )
                self.counts.plans += 1
            if grid.rural and rng.random() < 0.25:
                times, period, note = 3, c.PlanPeriod.WEEK, "农村网格，每周至少巡查三次"
                self.weekly.add(path)
            else:
                times, period, note = 1, c.PlanPeriod.WORKING_DAY, "每个工作日巡查一次"
            self.add(
                PatrolPlan,
                grid_id=grid.id,
                region_path=path,
                times=times,
                period=period,
                min_minutes=30,
                min_distance_m=500,
                starts_on=starts,
                ends_on=None,
                note=note,
                created_by_id=self.operator(path),
            )
            self.counts.plans += 1

    # -- cases reported on patrol --------------------------------------------------------------

    def load_cases(self) -> None:
        since = self.at(self.start, 0)
        for pk, user_id, created in (
            Case.objects.filter(
                channel="patrol",
                reported_by__in=list(self.by_user),
                created_at__gte=since,
                created_at__lte=self.now,
            )
            .filter(subtree_q(self.scope, "region_path"))
            .order_by("created_at")
            .values_list("id", "reported_by_id", "created_at")
        ):
            local = timezone.localtime(created, self.tz)
            self.case_times[(user_id, local.date())].append((local, pk))

    # -- leave and duty ------------------------------------------------------------------------

    def make_leave_and_duty(self) -> None:
        rng = self.rng
        days = days_of(self.start, self.today)
        working = set(working_days(Span(self.start, self.today + dt.timedelta(days=14))))
        daily = [w for w in self.workers if w.daily and w.row.state == c.WorkerState.ACTIVE]
        for w in daily:
            x = rng.random()
            if x < 0.07:
                first = self.start + dt.timedelta(days=rng.randint(0, DAYS - 5))
                while first not in working:
                    first += dt.timedelta(days=1)
                last = first + dt.timedelta(days=rng.choice((0, 0, 1, 2)))
                kind = rng.choice(
                    (
                        c.LeaveKind.SICK,
                        c.LeaveKind.PERSONAL,
                        c.LeaveKind.PERSONAL,
                        c.LeaveKind.ANNUAL,
                    )
                )
                if last >= self.today or first < w.row.hired_on:
                    continue
                requested = self.at(first - dt.timedelta(days=rng.randint(1, 3)), 8, 50)
                cancelled = rng.random() < 0.08
                self.add(
                    Leave,
                    worker_id=w.pk,
                    region_path=w.row.region_path,
                    kind=kind,
                    starts_on=first,
                    ends_on=last,
                    reason=rng.choice(LEAVE_REASONS[kind]),
                    approved_by_id=self.operator(w.row.region_path),
                    approved_at=requested + dt.timedelta(hours=rng.randint(1, 6)),
                    cancelled=cancelled,
                    created_at=requested,
                )
                if not cancelled:
                    self.leave_days[w.pk].update(days_of(first, last))
                self.counts.leaves += 1
            elif x < 0.085:
                first = self.today + dt.timedelta(days=rng.randint(2, 9))
                kind = rng.choice((c.LeaveKind.PERSONAL, c.LeaveKind.ANNUAL))
                self.add(
                    Leave,
                    worker_id=w.pk,
                    region_path=w.row.region_path,
                    kind=kind,
                    starts_on=first,
                    ends_on=first + dt.timedelta(days=rng.choice((0, 1))),
                    reason=rng.choice(LEAVE_REASONS[kind]),
                    approved_by_id=None,
                    approved_at=None,
                    cancelled=False,
                    created_at=self.now - dt.timedelta(hours=rng.randint(1, 30)),
                )
                self.counts.leaves += 1
        # Rest days (this month's and the next two weeks'): one full-time worker on duty per
        # village, in turn.
        rest = [
            d
            for d in [
                *days,
                *days_of(self.today + dt.timedelta(days=1), self.today + dt.timedelta(days=14)),
            ]
            if d not in working
        ]
        for village in self.villages:
            staff = [
                w
                for w in daily
                if w.village == village and w.kind == c.WorkerKind.FULL_TIME and w.main
            ]
            if not staff:
                continue
            turn = rng.randrange(len(staff))
            for day in rest:
                for _ in range(len(staff)):
                    w = staff[turn % len(staff)]
                    turn += 1
                    if day not in self.leave_days[w.pk] and w.row.hired_on <= day:
                        break
                else:
                    continue
                self.add(
                    DutyShift,
                    worker_id=w.pk,
                    region_id=self.region_ids[village],
                    region_path=village,
                    day=day,
                    note="周末值班" if day.weekday() >= 5 else "节假日值班",
                    created_by_id=self.operator(village),
                )
                self.duty_days[w.pk].add(day)
                self.counts.duties += 1

    # -- the month -----------------------------------------------------------------------------

    def make_month(self) -> None:
        rng = self.rng
        working = set(working_days(Span(self.start, self.today)))
        today_working = self.today in working
        field_workers = [
            w for w in self.workers if w.user_id is not None and (w.grids or w.row.left_on)
        ]
        # Today's crew: the day's daily workers (the duty workers on a rest day).
        today_crew = [
            w
            for w in field_workers
            if w.row.state == c.WorkerState.ACTIVE
            and w.grids
            and self.today not in self.leave_days[w.pk]
            and w.row.hired_on <= self.today
            and ((w.daily and today_working) or self.today in self.duty_days[w.pk])
        ]
        # The demo logins (the demo grid's worker, its village's grid chief) have not checked
        # in yet today: the phone demo starts there.
        checked = {
            w.pk for w in today_crew if rng.random() < CHECKED_IN_TODAY and DEMO_GRID not in w.grids
        }
        if today_crew and not checked:
            checked.add(today_crew[0].pk)
        patrolling_share = ON_PATROL_NOW * len(today_crew) / max(len(checked), 1)
        for w in field_workers:
            grids = w.grids or self._former_grids(w)
            if not grids:
                continue
            last_day = w.row.left_on or self.today
            for day in days_of(max(self.start, w.row.hired_on), min(last_day, self.today)):
                if day in self.leave_days[w.pk]:
                    continue
                duty = day in self.duty_days[w.pk]
                cases = self.case_times.get((w.user_id or 0, day), [])
                if w.daily:
                    if day not in working and not duty:
                        continue
                elif not cases and (day not in working or rng.random() > 0.3):
                    continue  # part-time: some working days
                if day == self.today:
                    if w.pk in checked:
                        self.today_of(w, grids, patrolling_share)
                    continue
                if not cases and rng.random() < MISSING_DAY:
                    continue
                self.day_of(w, grids, day, cases)

    def _former_grids(self, w: _W) -> list[str]:
        grids = [
            a.region_path
            for a in self.rows[Assignment]
            if a.worker_id == w.pk and a.is_main and a.ends_on is not None
        ]
        for grid in grids:
            w.base.setdefault(grid, self.pool_point(self.grids[grid]))
        return grids[-1:]

    def grid_on(self, w: _W, grids: Sequence[str], day: dt.date) -> str:
        """The grid the worker works in on ``day`` (a moved worker's former grid before the
        move; a chief's grid of the day)."""
        if w.kind == c.WorkerKind.GRID_CHIEF:
            return grids[(day.toordinal() + w.pk) % len(grids)]
        if w.main and w.row.left_on is None:
            for a in self.rows_of_worker(w):
                if a.is_main and a.ends_on is not None and a.starts_on <= day <= a.ends_on:
                    return str(a.region_path)
        return grids[0]

    def rows_of_worker(self, w: _W) -> list[Row]:
        if self.assignments_of is None:
            self.assignments_of = defaultdict(list)
            for a in self.rows[Assignment]:
                self.assignments_of[a.worker_id].append(a)
        return self.assignments_of[w.pk]

    def checkin(
        self,
        w: _W,
        grid: _Grid,
        kind: str,
        at: dt.datetime,
        *,
        reason: str = "",
    ) -> None:
        rng = self.rng
        base = w.base.get(grid.path) or self.pool_point(grid)
        w.base.setdefault(grid.path, base)
        distance: float | None = 0.0
        accuracy = round(rng.uniform(5, 35), 1)
        if reason == c.RefuseReason.OUTSIDE:
            lng, lat, distance = self.outside(grid)
        else:
            lng, lat = self.near(w, grid, base)
            if reason == c.RefuseReason.INACCURATE:
                accuracy = round(rng.uniform(600, 1500), 1)
                distance = None
        self.add(
            CheckIn,
            worker_id=w.pk,
            grid_id=grid.id,
            region_path=grid.path,
            kind=kind,
            at=at,
            day=timezone.localtime(at, self.tz).date(),
            lng=lng,
            lat=lat,
            crs=c.Crs.GCJ02 if rng.random() < 0.3 else c.Crs.WGS84,
            accuracy=accuracy,
            accepted=not reason,
            reason=reason,
            distance_m=distance,
            client_id="",
            created_at=at + dt.timedelta(seconds=rng.randint(0, 3)),
        )
        self.counts.checkins += 1
        if reason:
            self.counts.anomalies += 1

    def outside(self, grid: _Grid) -> tuple[float, float, float]:
        """A position 400–2,000 m outside the grid and its distance (as the service measures
        it)."""
        rng = self.rng
        target = rng.uniform(400, 2000)
        angle = rng.uniform(0, 2 * math.pi)
        minx, miny, maxx, maxy = grid.geometry.bounds
        radius = math.hypot((maxx - minx) * grid.kx, (maxy - miny) * grid.ky) / 2
        r = radius + target
        lng = lat = 0.0
        distance = 0.0
        for _ in range(6):
            lng = round(grid.lng0 + r * math.cos(angle) / grid.kx, 6)
            lat = round(grid.lat0 + r * math.sin(angle) / grid.ky, 6)
            distance = grid.grid_shape.distance_m(lng, lat)
            if abs(distance - target) < 25 and distance > 300:
                break
            r += target - distance
        return lng, lat, round(distance, 1)

    def day_of(
        self,
        w: _W,
        grids: Sequence[str],
        day: dt.date,
        cases: Sequence[tuple[dt.datetime, int]],
    ) -> None:
        rng = self.rng
        grid = self.grids[self.grid_on(w, grids, day)]
        on = self.at(day, 8, rng.randint(0, 39), rng.randint(0, 59))
        x = rng.random()
        if x < REFUSED_OUTSIDE:
            self.checkin(w, grid, c.CheckInKind.ON, on, reason=c.RefuseReason.OUTSIDE)
            retry = rng.random() < 0.75
            on += dt.timedelta(minutes=rng.randint(6, 25))
            if retry:
                self.checkin(w, grid, c.CheckInKind.ON, on)
        elif x < REFUSED_OUTSIDE + REFUSED_INACCURATE:
            self.checkin(w, grid, c.CheckInKind.ON, on, reason=c.RefuseReason.INACCURATE)
            on += dt.timedelta(minutes=rng.randint(2, 6))
            self.checkin(w, grid, c.CheckInKind.ON, on)
        else:
            self.checkin(w, grid, c.CheckInKind.ON, on)
        off = self.at(day, 17, rng.randint(0, 39), rng.randint(0, 59))
        # The patrol: around the cases reported that day, else at some time of the day.
        chance = (
            0.95
            if w.kind == c.WorkerKind.FULL_TIME and grid.path not in self.weekly
            else 0.65
            if w.kind == c.WorkerKind.FULL_TIME
            else 0.4
        )
        inside = [(t, pk) for t, pk in cases if on + dt.timedelta(minutes=10) < t < off]
        if inside or rng.random() < chance:
            if inside:
                first = min(t for t, _ in inside) - dt.timedelta(minutes=rng.randint(5, 25))
                last = max(t for t, _ in inside) + dt.timedelta(minutes=rng.randint(5, 30))
                started = max(first, on + dt.timedelta(minutes=5))
                stopped = max(last, started + dt.timedelta(minutes=rng.randint(30, 50)))
            else:
                started = self.at(day, rng.choice((9, 9, 10, 10, 13, 14, 15)), rng.randint(0, 59))
                minutes = rng.randint(30, 90) if rng.random() > 0.05 else rng.randint(15, 29)
                stopped = started + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
            off = max(off, stopped + dt.timedelta(minutes=rng.randint(5, 20)))
            age = (self.today - day).days
            interval = OLD_INTERVAL_S if age >= RECENT_DAYS else RECENT_INTERVAL_S
            patrol = self.patrol(w, grid, started, stopped, interval, open_=False)
            for _t, pk in inside:
                self.case_links.append((pk, patrol.pk))
        if rng.random() > 0.02:
            self.checkin(w, grid, c.CheckInKind.OFF, off)

    def today_of(self, w: _W, grids: Sequence[str], patrolling_share: float) -> None:
        rng = self.rng
        day = self.today
        grid = self.grids[self.grid_on(w, grids, day)]
        midnight = self.at(day, 0)
        planned = self.at(day, 8, rng.randint(0, 39), rng.randint(0, 59))
        latest = self.now - dt.timedelta(minutes=1)
        if planned > latest:
            room = max((latest - midnight).total_seconds(), 1)
            planned = latest - dt.timedelta(seconds=rng.uniform(0, min(room, 1800)))
        self.checkin(w, grid, c.CheckInKind.ON, planned)
        self.counts.checked_in_today += 1
        off = self.at(day, 17, rng.randint(0, 39), rng.randint(0, 59))
        if rng.random() < patrolling_share:
            since = max(self.now - dt.timedelta(minutes=rng.randint(12, 80)), planned)
            if since >= latest:
                since = planned + (self.now - planned) / 3
            self.patrol(w, grid, since, self.now, TODAY_INTERVAL_S, open_=True)
            self.counts.open_patrols += 1
            return
        started = self.at(day, rng.choice((9, 10, 13, 14)), rng.randint(0, 59))
        stopped = started + dt.timedelta(minutes=rng.randint(30, 90))
        if started > planned and stopped < latest and rng.random() < 0.8:
            self.patrol(w, grid, started, stopped, TODAY_INTERVAL_S, open_=False)
        if off < latest and rng.random() < 0.5:
            self.checkin(w, grid, c.CheckInKind.OFF, max(off, stopped + dt.timedelta(minutes=5)))

    def patrol(
        self,
        w: _W,
        grid: _Grid,
        started: dt.datetime,
        until: dt.datetime,
        interval: int,
        *,
        open_: bool,
    ) -> Row:
        rng = self.rng
        started = started.replace(microsecond=0)
        seconds = max(int((until - started).total_seconds()), interval)
        n = seconds // interval + 1
        offsets = np.arange(n, dtype=np.int64) * interval
        offsets[1:] += self.np.integers(-3, 4, n - 1)  # the phone's clock is not exact
        offsets = np.maximum.accumulate(np.clip(offsets, 0, seconds))
        day = timezone.localtime(started, self.tz).date()
        last_at = started + dt.timedelta(seconds=int(offsets[-1]))
        patrol = self.add(
            Patrol,
            worker_id=w.pk,
            grid_id=grid.id,
            region_path=grid.path,
            state=c.PatrolState.OPEN if open_ else c.PatrolState.STOPPED,
            started_at=started,
            stopped_at=None if open_ else last_at,
            day=day,
            distance_m=0.0,  # from the track (make_tracks)
            duration_s=int(offsets[-1]),
            point_count=n,
            dropped_count=0,
            last_seq=n - 1,
            last_at=last_at,
            last_lng=None,
            last_lat=None,
            note="" if open_ else rng.choice(PATROL_NOTES),
            client_id="",
            version=1 if open_ else 2,
            created_at=started,
        )
        first = self.ids.next[PatrolPoint]
        self.ids.next[PatrolPoint] = first + n
        track = _Track(
            patrol=patrol,
            first_id=first,
            started=started,
            offsets=offsets,
            interval=interval,
            lng=_EMPTY,
            lat=_EMPTY,
            accuracy=_EMPTY,
        )
        self.tracks_of[w.pk].append(track)
        self.tracks_in[grid.path].append(track)
        self.counts.patrols += 1
        self.counts.points += n
        return patrol

    def make_tracks(self) -> None:
        """Every patrol of a grid is a piece of one long walk (the next patrol sets out where
        the last one stopped): a walk of ``n`` fixes ``interval`` seconds apart at 1.0–1.5 m/s
        between random points of the grid, with a little GPS noise. A fix that would fall
        outside the grid is replaced by the last one inside (the walker waits), so the tracks
        stay in the grid. Each patrol's distance is computed from its own points."""
        gen = self.np
        for path in sorted(self.tracks_in):
            tracks = sorted(self.tracks_in[path], key=lambda t: (t.started, t.patrol.pk))
            grid = self.grids[path]
            sizes = np.array([len(t.offsets) for t in tracks])
            n = int(sizes.sum())
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            speeds = np.repeat(gen.uniform(1.0, 1.5, len(tracks)), sizes)
            intervals = np.repeat(np.array([t.interval for t in tracks], dtype=np.float64), sizes)
            steps = speeds * intervals * gen.uniform(0.8, 1.0, n)
            steps[starts] = 0.0  # a patrol sets out where the last one stopped
            along = np.cumsum(steps)
            x, y = self.path_through(grid, along)
            x += gen.normal(0, 2.5, n)
            y += gen.normal(0, 2.5, n)
            lng = np.round(grid.lng0 + x / grid.kx, 6)
            lat = np.round(grid.lat0 + y / grid.ky, 6)
            inside = shapely.contains_xy(grid.geometry, lng, lat)
            if not inside[0]:
                lng[0], lat[0] = grid.pool[0, 0], grid.pool[0, 1]
                inside[0] = True
            if not inside.all():
                keep = np.maximum.accumulate(np.where(inside, np.arange(n), 0))
                lng, lat = lng[keep], lat[keep]
            legs = segment_lengths_m(lng, lat)
            legs[starts[1:] - 1] = 0.0  # between two patrols
            lengths = np.add.reduceat(np.append(legs, 0.0), starts)
            accuracy = np.round(gen.uniform(4, 25, n), 1)
            for track, first, length in zip(tracks, starts.tolist(), lengths.tolist(), strict=True):
                last = first + len(track.offsets)
                track.lng, track.lat = lng[first:last], lat[first:last]
                track.accuracy = accuracy[first:last]
                patrol = track.patrol
                patrol.distance_m = round(length, 1)
                patrol.last_lng, patrol.last_lat = float(lng[last - 1]), float(lat[last - 1])
                self.tracks.append(track)

    def path_through(self, grid: _Grid, along: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The positions (local metres) at the distances ``along`` of a path between random
        points of the grid."""
        gen = self.np
        xy = grid.pool_xy
        total = float(along[-1]) if len(along) else 0.0
        last = 0
        chosen = [np.array([0])]
        length = 0.0
        while length < total:
            picks = gen.integers(len(xy), size=256)
            seq = np.concatenate([[last], picks])
            legs = np.hypot(np.diff(xy[seq, 0]), np.diff(xy[seq, 1]))
            keep = legs >= 1.0
            if not keep.any():
                break  # a degenerate grid: the walker stays
            picks, legs = picks[keep], legs[keep]
            chosen.append(picks)
            length += float(legs.sum())
            last = int(picks[-1])
        order = np.concatenate(chosen)
        px, py = xy[order, 0], xy[order, 1]
        distance = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(px), np.diff(py)))])
        if distance[-1] < total:
            distance = np.append(distance, total + 1.0)
            px, py = np.append(px, px[-1]), np.append(py, py[-1])
        return np.interp(along, distance, px), np.interp(along, distance, py)

    # -- visits and register updates -----------------------------------------------------------

    def make_visits(self) -> None:
        """Visits of the month by the grid workers, on their patrols, to the households of
        their grid; some of them updated the register (a new phone number, a new job)."""
        rng = self.rng
        if not self.tracks:
            return
        people: dict[str, list[tuple[int, int | None, str, str, str]]] = defaultdict(list)
        for pk, path, room, relation, masked, workplace in (
            Person.objects.filter(subtree_q(self.scope, "region_path"), state="active")
            .exclude(kind="foreign")
            .order_by("id")
            .values_list("id", "region_path", "room_id", "relation", "phone_masked", "workplace")
        ):
            if relation == "head":
                people[path[:15]].append((pk, room, masked, workplace or "", path))
        if not people:
            return
        updated: list[int] = []
        for w in self.workers:
            if w.kind != c.WorkerKind.FULL_TIME or w.user_id is None:
                continue
            done = [t for t in self.tracks_of.get(w.pk, []) if t.patrol.state != "open"]
            for track in rng.sample(done, min(len(done), rng.randint(3, 9))):
                homes = people.get(track.patrol.region_path)
                if not homes:
                    continue
                person, room_id, masked, workplace, path = rng.choice(homes)
                point = track.point(rng.randrange(len(track.lng)))
                kind = rng.choice(("routine", "routine", "verify", "rental"))
                result = "normal" if rng.random() < 0.88 else rng.choice(("problem", "nobody"))
                self.add(
                    Visit,
                    region_path=path,
                    person_id=person,
                    room_id=room_id,
                    organisation_id=None,
                    contract_id=None,
                    visitor_id=w.user_id,
                    visited_at=point[0],
                    kind=kind,
                    result=result,
                    findings=VISIT_FINDINGS[result],
                    follow_up_case_id=None,
                    lng=point[1],
                    lat=point[2],
                )
                self.counts.visits += 1
                if result != "normal" or kind != "verify" or rng.random() > 0.7:
                    continue
                if masked.startswith("1"):
                    before = {"phone_masked": mask_phone(self.phone())}
                    after = {"phone_masked": masked}
                    reason = "入户核实，本人更换手机号码"
                elif workplace:
                    before = {"workplace": rng.choice(("灵活就业", "待业", "外出务工"))}
                    after = {"workplace": workplace}
                    reason = "入户核实，工作单位变更"
                else:
                    continue
                self.changes.append(
                    RegistryChange(
                        model="person",
                        object_id=person,
                        region_path=path,
                        action="update",
                        actor_id=w.user_id,
                        at=point[0] + dt.timedelta(minutes=rng.randint(2, 20)),
                        before=before,
                        after=after,
                        reason=reason,
                    )
                )
                updated.append(person)
                self.counts.changes += 1
        self.updated_people = updated

    # -- writing -------------------------------------------------------------------------------

    def write(self) -> None:
        for model in OPS_MODELS:
            if model is PatrolPoint:
                _insert_points(sorted(self.tracks, key=lambda t: t.first_id))
            else:
                _insert_rows(model, self.rows[model], self.now)
        _insert_rows(Visit, self.rows[Visit], self.now)
        RegistryChange.objects.bulk_create(self.changes, batch_size=2000)
        statements = connection.ops.sequence_reset_sql(no_style(), [*OPS_MODELS, Visit])
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        people = Person.objects.all()
        updated = sorted(set(self.updated_people))
        for i in range(0, len(updated), 500):
            people.filter(pk__in=updated[i : i + 500]).update(version=F("version") + 1)
        by_patrol: dict[int, list[int]] = defaultdict(list)
        for case_id, patrol_id in self.case_links:
            by_patrol[patrol_id].append(case_id)
        for patrol_id, case_ids in by_patrol.items():
            Case.objects.filter(pk__in=case_ids).update(patrol_id=patrol_id)
        self.counts.linked_cases = len(self.case_links)


DEMO_GRID = "220283001001001"  # the demo grid worker's grid: always covered, never moved
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_EMPTY: FloatArray = np.zeros(0, dtype=np.float64)


@dataclass
class _Track:
    """A patrol's points as arrays (a million of them are written in the county)."""

    patrol: Row
    first_id: int
    started: dt.datetime  # whole seconds
    offsets: IntArray  # seconds after ``started``
    interval: int
    lng: FloatArray
    lat: FloatArray
    accuracy: FloatArray

    def point(self, i: int) -> tuple[dt.datetime, float, float]:
        return (
            self.started + dt.timedelta(seconds=int(self.offsets[i])),
            float(self.lng[i]),
            float(self.lat[i]),
        )


def _insert_rows(model: type[models.Model], rows: Sequence[Row], now: dt.datetime) -> None:
    """``registry._insert``, with the times written the way Django writes them on SQLite
    (naive UTC, ``str``) without its per-value adapter (300,000 times here)."""
    if connection.vendor != "sqlite" or not rows:
        _insert(model, rows, now)
        return
    ops = connection.ops
    fields = list(model._meta.concrete_fields)
    adapters: list[Callable[[Any], Any]] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(_sqlite_datetime)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif kind == "DecimalField":
            adapters.append(_sqlite_decimal)
        else:
            adapters.append(_same)
    auto = {f.attname for f in fields if _is_auto_time(f)}
    names = [f.attname for f in fields]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = [
        tuple(
            adapt(now if name in auto and values[name] is None else values[name])
            for name, adapt in zip(names, adapters, strict=True)
        )
        for values in (row.__dict__ for row in rows)
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(params), 20_000):
            cursor.executemany(sql, params[i : i + 20_000])


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _sqlite_decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _same(value: Any) -> Any:
    return value


def _insert_points(tracks: Sequence[_Track], batch: int = 20_000) -> None:
    """INSERT the tracks' points with ``executemany``. On SQLite the times are written as
    Django writes them (UTC, ``YYYY-MM-DD HH:MM:SS``), computed for a whole track at once."""
    ops = connection.ops
    table = ops.quote_name(PatrolPoint._meta.db_table)
    names = ("id", "patrol_id", "seq", "at", "lng", "lat", "accuracy")
    columns = ", ".join(ops.quote_name(n) for n in names)  # the column names are the field names
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    sqlite = connection.vendor == "sqlite"
    params: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for t in tracks:
            n = len(t.lng)
            if sqlite:
                base = np.datetime64(t.started.astimezone(dt.UTC).replace(tzinfo=None), "s")
                stamps = np.datetime_as_string(base + t.offsets.astype("timedelta64[s]"))
                at: list[Any] = [stamp.replace("T", " ") for stamp in stamps.tolist()]
            else:
                at = [t.started + dt.timedelta(seconds=int(o)) for o in t.offsets.tolist()]
            params.extend(
                zip(
                    range(t.first_id, t.first_id + n),
                    [t.patrol.pk] * n,
                    range(n),
                    at,
                    t.lng.tolist(),
                    t.lat.tolist(),
                    t.accuracy.tolist(),
                    strict=True,
                )
            )
            if len(params) >= batch:
                cursor.executemany(sql, params)
                params = []
        if params:
            cursor.executemany(sql, params)


VISIT_FINDINGS = {
    "normal": "入户走访，了解家庭情况，无诉求",
    "problem": "反映楼道照明损坏，已上报",
    "nobody": "家中无人，已留联系卡",
}
