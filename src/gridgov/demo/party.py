"""Demo party building (党建引领) for the demo county, built from the demo register.

The five-level organisation (中共舒兰市委 – 街道党工委/乡镇党委 – 社区/村党组织 – 网格党支部 on
every grid – 楼栋/屯党小组 on buildings with several members), a few enterprise branches (linked
to organisations of the register) and functional ones (商圈楼宇, 物业); members who are the
register's party members (every grid gets at least one: a grid branch needs a secretary), with
probationary, in-service (在职党员) and mobile (流动党员) members; seats and grid chiefs;
双报到 of in-service members and county departments with service records; needs and claims of
the last three months; a month of organisational life (三会一课、主题党日) with attendance; last
year's star ratings; 党群服务中心 at county, township and village level.

Everything is drawn from one seeded generator and written with ``executemany`` (the rows of
``gridgov.demo.registry``), a few seconds for the whole county. Idempotent: nothing is generated
when the area already has party organisations. ``only`` builds a subtree (a township or a
village: the organisations above it are reused or created), for tests.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from gridgov.accounts.models import Department, Post
from gridgov.accounts.roles import Role
from gridgov.demo.registry import Row, _Ids, _insert
from gridgov.party import choices as c
from gridgov.party.models import (
    Attendance,
    Claim,
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceCentre,
    ServiceRecord,
    ServiceRegistration,
    StarCriterion,
    StarRating,
)
from gridgov.party.services import stars_for
from gridgov.regions.choices import Kind, Level
from gridgov.regions.models import Region, subtree_q
from gridgov.registry.choices import PersonKind, PersonState, ResidenceStatus
from gridgov.registry.models import Organisation, Person
from gridgov.registry.values import protect_phone

DEMO_GRID = "220283001001001"  # the demo grid worker's grid
# The register phone of a mobile member of the demo grid: a resident signing in with this
# number reaches the online branch (网上党支部).
DEMO_MEMBER_PHONE = "13800000001"
SEED = 2026

PARTY_MODELS: tuple[type[models.Model], ...] = (
    PartyOrganisation,
    PartyMember,
    Seat,
    GridChiefAppointment,
    ServiceRegistration,
    Need,
    Claim,
    ServiceRecord,
    Meeting,
    Attendance,
    StarRating,
    ServiceCentre,
)

MOBILE_PLACES = (
    "浙江省宁波市",
    "浙江省杭州市",
    "江苏省苏州市",
    "江苏省昆山市",
    "北京市朝阳区",
    "北京市大兴区",
    "天津市滨海新区",
    "山东省青岛市",
    "辽宁省大连市",
    "辽宁省沈阳市",
    "广东省深圳市",
    "广东省东莞市",
    "上海市嘉定区",
    "吉林省长春市",
    "黑龙江省哈尔滨市",
)
SKILLS = (
    "政策宣讲",
    "法律咨询",
    "矛盾调解",
    "医疗健康",
    "助老助残",
    "青少年辅导",
    "环境整治",
    "文体活动",
    "电脑维修",
    "水电维修",
    "心理疏导",
    "安全检查",
    "就业指导",
    "反诈宣传",
)
SERVICE_CONTENT = (
    "参与网格环境卫生整治",
    "入户宣传反诈知识",
    "走访慰问独居老人",
    "协助开展消防安全检查",
    "参与楼道杂物清理",
    "为居民讲解医保政策",
    "参与社区文明交通劝导",
    "协助调解邻里纠纷",
    "陪同空巢老人就医",
    "参与冬季清雪除冰",
    "为留守儿童辅导功课",
    "协助开展人口信息核查",
    "参与防汛巡查",
    "参加社区志愿服务日活动",
)
WISHES = (
    ("为独居老人更换老化电线", "家中电线老化，插座松动，希望有人帮忙更换", "独居老人"),
    ("给留守儿童买一套课外书", "孩子喜欢读书，家里没有课外读物", "留守儿童"),
    ("帮残疾人申请辅助器具", "轮椅损坏，希望协助申请更换", "残疾人"),
    ("为困难家庭送过冬煤", "家庭困难，冬季取暖用煤不足", "困难家庭"),
    ("陪空巢老人去医院复查", "子女在外地，需要有人陪同去市医院复查", "空巢老人"),
    ("帮老人学会用智能手机挂号", "想学用手机预约挂号、视频通话", "老年人"),
    ("给孩子买一个新书包", "书包破旧，孩子上学不方便", "困难学生"),
    ("修缮漏雨的房顶", "雨天屋顶漏水，老人无力修缮", "低保户"),
)
PROJECTS = (
    ("楼道杂物清理行动", "组织党员和志愿者清理楼道堆放杂物，消除消防隐患", "全体居民"),
    ("老旧小区环境整治", "清理卫生死角，修补破损路面，规范停车", "小区居民"),
    ("四点半课堂", "放学后为双职工家庭孩子提供课业辅导", "中小学生"),
    ("法律服务进网格", "每月一次法律咨询，解答婚姻家庭、劳动争议等问题", "全体居民"),
    ("冬季清雪保畅通", "雪后组织清扫主要道路和楼门口积雪", "全体居民"),
    ("义诊进社区", "测量血压血糖，讲解慢病防治知识", "老年人"),
    ("反诈宣传入户", "逐户发放反诈宣传单，帮助安装国家反诈中心 App", "全体居民"),
)
CALLS = (
    ("小区路灯不亮需协调维修", "多盏路灯损坏，夜间出行不便，需相关部门协调维修", "小区居民"),
    ("排水管道堵塞需疏通", "雨后积水严重，排水管道堵塞", "沿街商户和居民"),
    ("供暖温度不达标需协调", "部分住户室温不足 18 度，需协调供热公司排查", "供暖用户"),
    ("违规占道经营需整治", "早市摊位占用消防通道，需联合整治", "周边居民"),
    ("农田灌溉渠道需清淤", "春耕前渠道淤堵，需协调水利部门清淤", "种植户"),
)
RESULTS = (
    "已上门完成，服务对象表示满意",
    "已办结，现场照片已上传",
    "已协调相关单位解决",
    "已完成，并约定后续定期回访",
)
THEMES = (
    "学习贯彻党的二十届四中全会精神",
    "学习《中国共产党章程》",
    "重温入党誓词，过政治生日",
    "开展志愿服务，为群众办实事",
    "学习习近平新时代中国特色社会主义思想",
    "开展冬季安全隐患排查",
    "学习基层治理典型经验",
    "警示教育，筑牢廉洁防线",
)
LECTURES = (
    "坚定理想信念，践行初心使命",
    "网格党建引领基层治理",
    "新时代党员的责任与担当",
    "从党史中汲取前进力量",
    "践行群众路线，做好网格服务",
)
LEAVE_NOTES = ("外出务工", "生病住院", "照顾家人", "单位值班", "在外地就医")
OVERRIDE_REASONS = (
    "支部书记年事已高，经社区党组织研究由组织委员担任网格长",
    "支部书记兼任社区专职工作，网格长另行安排",
    "支部书记长期在外地就医，暂由熟悉网格情况的党员担任",
    "经村（社区）党组织研究，由在网格内居住的党员担任",
)
RATING_NOTES = {
    5: "班子坚强有力，组织生活规范，服务群众成效突出",
    4: "班子健全，组织生活正常，服务群众成效较好",
    3: "基本达到标准，组织生活和服务群众有待加强",
    2: "组织生活不够规范，需限期整改",
    1: "软弱涣散，列入整顿名单",
}


@dataclass
class PartyCounts:
    organisations: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    members: int = 0
    probationary: int = 0
    in_service: int = 0
    mobile: int = 0
    flagged: int = 0  # register people newly marked as party members
    seats: int = 0
    chiefs: int = 0
    overrides: int = 0
    registrations: int = 0
    sunk: int = 0  # in-service members assigned to a grid (下沉)
    units: int = 0
    needs: int = 0
    claims: int = 0
    records: int = 0
    meetings: int = 0
    attendance: int = 0
    ratings: int = 0
    centres: int = 0
    uncovered: int = 0  # grids without a branch (0 when every grid has one)
    seconds: float = 0.0

    def summary(self) -> str:
        kinds = dict(c.OrgKind.choices)
        orgs = "、".join(
            f"{kinds.get(kind, kind)} {n}" for kind, n in sorted(self.organisations.items())
        )
        return (
            f"党组织 {sum(self.organisations.values())} 个（{orgs}）、党员 {self.members} 名"
            f"（预备 {self.probationary}、在职 {self.in_service}、流动 {self.mobile}）、"
            f"双报到 {self.registrations} 个（下沉网格党员 {self.sunk} 名、单位 {self.units} 个）、"
            f"需求 {self.needs} 个（认领 {self.claims} 次）、服务记录 {self.records} 条、"
            f"组织生活 {self.meetings} 次（参会记录 {self.attendance} 条）、"
            f"星级评定 {self.ratings} 个、党群服务中心 {self.centres} 个"
        )


def generate_party(
    *,
    county: Region,
    log: Callable[[str], object] = print,
    only: str | None = None,
    seed: int = SEED,
    now: dt.datetime | None = None,
) -> PartyCounts:
    """Build the party organisation of the county (or of the subtree ``only``) from its
    register. Returns what was created; nothing when the area already has organisations."""
    started = time.monotonic()
    scope = only or county.path
    if PartyOrganisation.objects.filter(subtree_q(scope, "region_path")).exists():
        return PartyCounts()
    if not Person.objects.filter(subtree_q(scope, "region_path")).exists():
        return PartyCounts()
    log("生成党建数据：五级党组织、党员、双报到、需求认领、组织生活、星级评定、党群服务中心…")
    with transaction.atomic():
        gen = _Party(county=county, scope=scope, seed=seed, now=now or timezone.now())
        gen.build()
        gen.write()
    counts = gen.counts
    counts.seconds = time.monotonic() - started
    log(f"  {counts.summary()}（用时 {counts.seconds:.1f} 秒）")
    return counts


# -- the generator ---------------------------------------------------------------------------


class _Person:
    """A register person who may be (or become) a party member."""

    __slots__ = (
        "age",
        "birth",
        "flagged",
        "gender",
        "home",
        "id",
        "member",
        "name",
        "status",
        "workplace",
    )

    def __init__(self, row: tuple[Any, ...], today: dt.date) -> None:
        self.id: int = row[0]
        self.home: str = row[1]  # region path (building)
        self.birth: dt.date = row[2]
        self.gender: str = row[3]
        self.flagged: bool = row[4]
        self.status: str = row[5]  # residence status
        self.workplace: str = row[6] or ""
        self.name: str = row[7]
        self.age = _age(self.birth, today)
        self.member: Row | None = None

    @property
    def grid(self) -> str:
        return self.home[:15]

    @property
    def village(self) -> str:
        return self.home[:12]

    @property
    def here(self) -> bool:
        return self.status == ResidenceStatus.TOGETHER


class _Party:
    def __init__(self, *, county: Region, scope: str, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(f"party:{seed}")  # noqa: S311 - demo data
        self.county = county
        self.scope = scope
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localtime(now, self.tz).date()
        self.ids = _Ids(*PARTY_MODELS)
        self.counts = PartyCounts()
        self.rows: dict[type[models.Model], list[Row]] = defaultdict(list)
        self.newly_flagged: list[int] = []
        self.workplace_updates: dict[str, list[int]] = defaultdict(list)
        self.phone_person: int | None = None

        nodes: list[dict[str, Any]] = [
            dict(r)
            for r in Region.objects.filter(subtree_q(scope, "path"), is_active=True)
            .filter(level__in=(Level.TOWNSHIP, Level.VILLAGE, Level.GRID, Level.BUILDING))
            .order_by("path")
            .values("id", "path", "name", "level", "kind", "households", "label_lng", "label_lat")
        ]
        above = [scope[:n] for n in (6, 9, 12, 15) if n < len(scope)]
        self.above: dict[str, dict[str, Any]] = {
            r["path"]: dict(r)
            for r in Region.objects.filter(path__in=[*above, scope]).values(
                "id", "path", "name", "level", "kind", "households", "label_lng", "label_lat"
            )
        }
        self.node = {r["path"]: r for r in nodes}
        self.node.update(self.above)
        self.townships = [r for r in nodes if r["level"] == Level.TOWNSHIP]
        self.villages = [r for r in nodes if r["level"] == Level.VILLAGE]
        self.grids = [r for r in nodes if r["level"] == Level.GRID]
        self.buildings: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.grids_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in nodes:
            if r["level"] == Level.BUILDING:
                self.buildings[r["path"][:15]].append(r)
            elif r["level"] == Level.GRID:
                self.grids_of[r["path"][:12]].append(r)

        self.people = [
            _Person(row, self.today)
            for row in Person.objects.filter(subtree_q(scope, "region_path"))
            .filter(state=PersonState.ACTIVE)
            .exclude(kind=PersonKind.FOREIGN)
            .order_by("id")
            .values_list(
                "id",
                "region_path",
                "birth_date",
                "gender",
                "is_party_member",
                "residence_status",
                "workplace",
                "name",
            )
        ]
        self.departments = list(
            Department.objects.filter(region=county, is_active=True)
            .exclude(kind=Department.Kind.PARTY)
            .order_by("code")
        )
        self.operators: dict[str, int] = {}
        self.workers: dict[str, int] = {}
        for user_id, role, path in (
            Post.objects.current()
            .filter(subtree_q(county.path, "region__path"))
            .filter(
                role__in=(
                    Role.COUNTY_OPERATOR,
                    Role.TOWNSHIP_OPERATOR,
                    Role.VILLAGE_OPERATOR,
                    Role.GRID_WORKER,
                )
            )
            .order_by("user__username")
            .values_list("user_id", "role", "region__path")
        ):
            if role == Role.GRID_WORKER:
                self.workers.setdefault(path, user_id)
            else:
                self.operators.setdefault(path, user_id)
        self.criteria = list(StarCriterion.objects.filter(is_active=True).order_by("order", "code"))

        # What is built.
        self.org_of_region: dict[str, Row] = {}  # regional organisation bound to a path
        self.direct: dict[int, list[_Person]] = defaultdict(list)  # org id → its members
        self.seat_holders: set[int] = set()  # person ids with a seat
        self.secretary: dict[int, _Person] = {}  # org id → secretary
        self.seats_of: dict[int, list[tuple[str, _Person]]] = defaultdict(list)
        self.mobile: set[int] = set()
        self.in_service: dict[int, Department] = {}
        self.candidates: list[_Person] = []
        self.in_grid: Counter[str] = Counter()  # members at a grid or below, by grid
        self.live: dict[str, list[Row]] = defaultdict(list)  # village → live registrations
        self.names_under: dict[int | None, set[str]] = defaultdict(set)

    # -- helpers -------------------------------------------------------------------------------

    def operator(self, path: str) -> int | None:
        """The operator of the nearest node at or above ``path``."""
        for n in (12, 9, 6):
            user = self.operators.get(path[:n])
            if user is not None and len(path) >= n:
                return user
        return None

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def past_moment(self, day: dt.date) -> dt.datetime:
        moment = self.at(day, self.rng.choice((8, 9, 10, 10, 14, 15, 16)), self.rng.randint(0, 59))
        if moment > self.now:
            moment = self.now - dt.timedelta(minutes=self.rng.randint(10, 120))
        return moment

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        span = max((end - start).days, 0)
        return start + dt.timedelta(days=self.rng.randint(0, span))

    def phone(self) -> str:
        return f"0432-6822{self.rng.randint(0, 9999):04d}"

    def add(self, model: type[models.Model], **values: Any) -> Row:
        row = Row(model, id=self.ids.take(model), **values)
        self.rows[model].append(row)
        return row

    # -- the plan ------------------------------------------------------------------------------

    def build(self) -> None:
        self.flag_members()
        self.make_regional_tree()
        self.make_members()
        self.make_seats_above_grids()
        self.make_special_branches()
        self.make_groups()
        self.make_grid_seats()
        self.write_members_and_seats()
        self.make_chiefs()
        self.make_registrations()
        self.make_needs()
        self.make_meetings()
        self.make_ratings()
        self.make_centres()

    # -- who is a member -----------------------------------------------------------------------

    def flag_members(self) -> None:
        """The register's party members; every grid gets at least one (its branch needs a
        secretary), and the county about 7 % of adults if the register flags fewer than 6 %."""
        rng = self.rng
        adults = [p for p in self.people if p.age >= 18]
        flagged = [p for p in adults if p.flagged]
        if adults and len(flagged) < 0.06 * len(adults):
            wanted = round(0.07 * len(adults)) - len(flagged)
            pool = [p for p in adults if not p.flagged]
            weights = [_member_weight(p) for p in pool]
            for p in _weighted_sample(rng, pool, weights, wanted):
                self._flag(p)
        by_grid: dict[str, list[_Person]] = defaultdict(list)
        for p in adults:
            by_grid[p.grid].append(p)
        for grid in self.grids:
            people = by_grid.get(grid["path"], [])
            if people and not any(p.flagged and p.age >= 20 for p in people):
                fit = [p for p in people if 30 <= p.age <= 68 and p.here and not p.flagged]
                fit = fit or [p for p in people if not p.flagged] or people
                self._flag(rng.choice(fit))
        # Members are adults of the register (a flagged minor is not one).
        self.candidates = [p for p in adults if p.flagged]

    def _flag(self, person: _Person) -> None:
        person.flagged = True
        self.newly_flagged.append(person.id)

    # -- organisations -------------------------------------------------------------------------

    def org(
        self,
        *,
        name: str,
        kind: str,
        node: dict[str, Any],
        parent: Row | None,
        category: str = c.OrgCategory.REGIONAL,
        founded: tuple[int, int] = (2019, 2023),
        organisation: int | None = None,
        address: str = "",
    ) -> Row:
        rng = self.rng
        parent_id = parent.pk if parent else None
        taken = self.names_under[parent_id]
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name}（{n}）"
        name = unique[:100]
        taken.add(name)
        start = dt.date(founded[0], 1, 1)
        end = min(dt.date(founded[1], 12, 31), self.today - dt.timedelta(days=400))
        row = self.add(
            PartyOrganisation,
            name=name,
            kind=kind,
            category=category,
            parent_id=parent_id,
            region_id=node["id"],
            region_path=node["path"],
            level=node["level"],
            organisation_id=organisation,
            founded_on=self.day_between(start, end),
            phone=self.phone() if node["level"] != Level.BUILDING and rng.random() < 0.9 else "",
            address=address,
        )
        self.counts.organisations[kind] += 1
        self.counts.categories[category] += 1
        return row

    def existing_org(self, path: str) -> Row | None:
        org = (
            PartyOrganisation.objects.filter(
                region_path=path, category=c.OrgCategory.REGIONAL, is_active=True
            )
            .order_by("id")
            .first()
        )
        if org is None:
            return None
        self.names_under[org.pk].update(
            PartyOrganisation.objects.filter(parent=org).values_list("name", flat=True)
        )
        return Row(
            PartyOrganisation,
            id=org.pk,
            name=org.name,
            kind=org.kind,
            region_path=org.region_path,
            level=org.level,
            region_id=org.region_id,
            existing=True,
        )

    def make_regional_tree(self) -> None:
        county_name = self.county.name
        # Above the scope: reuse what is there, else create it (a test's subtree).
        county_org = self.existing_org(self.county.path)
        if county_org is None:
            county_org = self.org(
                name=f"中共{county_name}委员会",
                kind=c.OrgKind.COMMITTEE,
                node={"id": self.county.pk, "path": self.county.path, "level": Level.COUNTY},
                parent=None,
                founded=(1948, 1949),
                address=f"{county_name}北城街道人民路 1 号",
            )
        self.org_of_region[self.county.path] = county_org
        for n in (9, 12):
            path = self.scope[:n]
            if len(self.scope) <= n or path not in self.above:
                continue
            found = self.existing_org(path)
            if found is None:
                node = self.above[path]
                found = (
                    self.township_org(node, county_org)
                    if n == 9
                    else self.village_org(node, self.org_of_region[path[:9]])
                )
            self.org_of_region[path] = found
        for township in self.townships:
            self.org_of_region[township["path"]] = self.township_org(township, county_org)
        for village in self.villages:
            self.org_of_region[village["path"]] = self.village_org(
                village, self.org_of_region[village["path"][:9]]
            )
        for grid in self.grids:
            parent = self.org_of_region[grid["path"][:12]]
            self.org_of_region[grid["path"]] = self.org(
                name=f"{grid['name']}党支部",
                kind=c.OrgKind.BRANCH,
                node=grid,
                parent=parent,
                founded=(2019, 2023),
            )

    def township_org(self, node: dict[str, Any], parent: Row) -> Row:
        street = node["kind"] == Kind.STREET
        return self.org(
            name=f"中共{self.county.name}{node['name']}{'工作' if street else ''}委员会",
            kind=c.OrgKind.WORKING_COMMITTEE if street else c.OrgKind.COMMITTEE,
            node=node,
            parent=parent,
            founded=(1956, 1984) if not street else (1985, 2005),
            address=f"{self.county.name}{node['name']}",
        )

    def village_org(self, node: dict[str, Any], parent: Row) -> Row:
        grids = len(self.grids_of.get(node["path"], []))
        community = node["kind"] == Kind.COMMUNITY
        big = community and (node["households"] >= 2500 or grids >= 6)
        township = self.node.get(node["path"][:9], {}).get("name", "")
        if big:
            name, kind = f"中共{node['name']}委员会", c.OrgKind.COMMITTEE
        else:
            name, kind = f"中共{node['name']}总支部委员会", c.OrgKind.GENERAL_BRANCH
        return self.org(
            name=name,
            kind=kind,
            node=node,
            parent=parent,
            founded=(1995, 2012) if community else (1950, 1985),
            address=f"{self.county.name}{township}{node['name']}",
        )

    # -- members -------------------------------------------------------------------------------

    def make_members(self) -> None:
        """Members in their grid's branch; secretaries first, then mobile and in-service."""
        rng = self.rng
        by_grid: dict[str, list[_Person]] = defaultdict(list)
        for p in self.candidates:
            by_grid[p.grid].append(p)
        for p in self.candidates:
            org = self.org_of_region.get(p.grid)
            if org is None:  # a grid outside the scope (cannot happen) or inactive
                continue
            p.member = self.member_row(p, org)
        # A grid without members of its own borrows one from the village's largest grid.
        for grid in self.grids:
            path = grid["path"]
            if by_grid.get(path):
                continue
            village = path[:12]
            donors = sorted(
                (g for g in by_grid if g.startswith(village) and len(by_grid[g]) >= 2),
                key=lambda g: -len(by_grid[g]),
            )
            if not donors:
                continue
            person = rng.choice([p for p in by_grid[donors[0]] if p.age < 66] or by_grid[donors[0]])
            by_grid[donors[0]].remove(person)
            by_grid[path].append(person)
            self.move(person, self.org_of_region[path])
        # Secretaries: formal members who live here, of working or early retirement age.
        for grid in self.grids:
            people = by_grid.get(grid["path"], [])
            if not people:
                self.counts.uncovered += 1
                continue
            org = self.org_of_region[grid["path"]]
            self.secretary[org.pk] = self.pick_leader(people)
        secretaries = {p.id for p in self.secretary.values()}
        # Mobile members (流动党员): mostly those the register has away, about 5 %.
        members = [p for p in self.candidates if p.member is not None]
        away = [
            p
            for p in members
            if not p.here
            and 18 <= p.age < 60
            and p.id not in secretaries
            and "就学" not in p.workplace
        ]
        wanted = round(0.05 * len(members))
        chosen = rng.sample(away, min(len(away), wanted))
        if len(chosen) < wanted:
            rest = [p for p in members if 20 <= p.age < 55 and p.id not in secretaries and p.here]
            chosen += rng.sample(rest, min(len(rest), wanted - len(chosen)))
        for p in chosen:
            self.mobile.add(p.id)
            row = p.member
            assert row is not None
            row.is_mobile = True
            row.mobile_location = _mobile_place(rng, p.workplace)
            row.mobile_since = self.day_between(
                max(_after_years(p.birth, 18), self.today - dt.timedelta(days=8 * 365)),
                self.today - dt.timedelta(days=30),
            )
        # In-service members (在职党员): about 20 %, working age, most living in town.
        working = [
            p
            for p in members
            if 23 <= p.age < 60 and p.id not in self.mobile and p.id not in secretaries and p.here
        ]
        weights = [
            3.0 if self.node.get(p.home[:9], {}).get("kind") == Kind.STREET else 1.0
            for p in working
        ]
        wanted = round(0.2 * len(members))
        kinds = {"functional": 6.0, "other": 2.0, "utility": 1.0}
        dept_weights = [kinds.get(d.kind, 1.0) for d in self.departments]
        if self.departments:
            for p in _weighted_sample(rng, working, weights, wanted):
                dept = rng.choices(self.departments, dept_weights)[0]
                self.in_service[p.id] = dept
                row = p.member
                assert row is not None
                row.in_service_unit = dept.name
                row.in_service_department_id = dept.pk
        self.demo_phone(by_grid.get(DEMO_GRID, []), secretaries)

    def member_row(self, p: _Person, org: Row) -> Row:
        rng = self.rng
        eighteen = _after_years(p.birth, 18)
        probation = rng.random() < (0.14 if p.age < 36 else 0.015)
        last_year = self.today - dt.timedelta(days=366)
        if probation or eighteen > last_year - dt.timedelta(days=30):
            joined = self.day_between(max(eighteen, last_year + dt.timedelta(days=10)), self.today)
            status, full = c.MemberStatus.PROBATIONARY, None
        else:
            join_age = min(max(rng.triangular(18.2, 50, 24), 18.1), p.age - 1.05)
            joined = min(
                _after_years(p.birth, int(join_age)) + dt.timedelta(days=rng.randint(0, 364)),
                last_year - dt.timedelta(days=rng.randint(0, 30)),
            )
            joined = max(joined, eighteen)
            status = c.MemberStatus.FORMAL
            full = min(joined + dt.timedelta(days=365 + rng.randint(0, 40)), self.today)
        row = Row(
            PartyMember,
            id=self.ids.take(PartyMember),
            person_id=p.id,
            organisation_id=org.pk,
            region_path=org.region_path,
            joined_on=joined,
            status=status,
            full_member_on=full,
        )
        self.direct[org.pk].append(p)
        self.in_grid[org.region_path[:15]] += 1
        return row

    def move(self, p: _Person, org: Row) -> None:
        row = p.member
        assert row is not None
        old = row.organisation_id
        if old == org.pk:
            return
        self.direct[old] = [q for q in self.direct[old] if q.id != p.id]
        if len(row.region_path) >= 15:
            self.in_grid[row.region_path[:15]] -= 1
        if len(org.region_path) >= 15:
            self.in_grid[org.region_path[:15]] += 1
        row.organisation_id = org.pk
        row.region_path = org.region_path
        self.direct[org.pk].append(p)

    def pick_leader(self, people: Sequence[_Person]) -> _Person:
        fit = [
            p
            for p in people
            if p.member is not None
            and p.member.status == c.MemberStatus.FORMAL
            and p.here
            and 28 <= p.age <= 68
            and p.id not in self.seat_holders
            and p.id not in self.mobile
        ]
        free = [p for p in people if p.id not in self.seat_holders]
        formal = [p for p in free if p.member and p.member.status == c.MemberStatus.FORMAL]
        pool = fit or formal or [p for p in free if p.age >= 20] or free or list(people)
        weights = [1.0 / (1 + abs(p.age - 50)) for p in pool]
        chosen: _Person = self.rng.choices(pool, weights)[0]
        self.make_formal(chosen)
        return chosen

    def make_formal(self, p: _Person) -> None:
        """A leader is a full member (转正): one who is still probationary joined earlier."""
        row = p.member
        if row is None or row.status == c.MemberStatus.FORMAL:
            return
        eighteen = _after_years(p.birth, 18)
        latest = self.today - dt.timedelta(days=400)
        if eighteen > latest:
            return  # too young to have passed probation
        row.joined_on = self.day_between(max(eighteen, latest - dt.timedelta(days=3650)), latest)
        row.status = c.MemberStatus.FORMAL
        row.full_member_on = row.joined_on + dt.timedelta(days=365 + self.rng.randint(0, 30))

    def demo_phone(self, people: list[_Person], secretaries: set[int]) -> None:
        """A mobile member of the demo grid signs in with the register phone 13800000001."""
        pool = [p for p in people if p.id not in secretaries and p.member is not None]
        if not pool:
            return
        p = next((q for q in pool if q.id in self.mobile), None)
        if p is None:
            p = min(pool, key=lambda q: (abs(q.age - 40), q.id))
            self.in_service.pop(p.id, None)
            self.mobile.add(p.id)
            row = p.member
            assert row is not None
            row.in_service_unit = ""
            row.in_service_department_id = None
            row.is_mobile = True
            row.mobile_location = "浙江省宁波市"
            row.mobile_since = self.today - dt.timedelta(days=400)
        self.phone_person = p.id

    # -- seats above the grids -----------------------------------------------------------------

    def make_seats_above_grids(self) -> None:
        """The county, township and village committees: their members sit in the organisation
        itself (机关、村（社区）党组织), drawn from the members living there."""
        secretaries = {p.id for p in self.secretary.values()}
        by_prefix: dict[str, list[_Person]] = defaultdict(list)
        for p in self.candidates:
            if p.member is not None and p.id not in secretaries:
                for n in (6, 9, 12):
                    by_prefix[p.home[:n]].append(p)
        new_orgs = [
            org
            for path, org in sorted(self.org_of_region.items())
            if len(path) <= 12 and not getattr(org, "existing", False)
        ]
        for org in new_orgs:
            path = org.region_path
            if len(path) == 6:
                titles = ["secretary", "deputy", "deputy", "organisation", "publicity"]
                titles += ["discipline", "member", "member"]
                pool = [p for p in by_prefix[path] if p.id in self.in_service] or by_prefix[path]
            elif len(path) == 9:
                titles = ["secretary", "deputy", "organisation", "publicity", "discipline"]
                pool = [p for p in by_prefix[path] if p.id in self.in_service]
                if len(pool) < 5:
                    pool = by_prefix[path]
            else:
                titles = (
                    ["secretary", "deputy", "organisation", "publicity", "discipline"]
                    if org.kind == c.OrgKind.COMMITTEE
                    else ["secretary", "organisation", "publicity"]
                )
                pool = [p for p in by_prefix[path] if p.id not in self.in_service]
                pool = self.spare(pool, keep=1)
            self.fill_seats(org, titles, pool, move=True)
            if org.pk not in self.secretary:
                # Too few members to spare: a grid branch secretary also leads the village
                # (书记兼任), staying in the branch.
                leaders = [
                    self.secretary[branch.pk]
                    for grid in self.grids_of.get(path, [])
                    if (branch := self.org_of_region.get(grid["path"])) is not None
                    and branch.pk in self.secretary
                ]
                if leaders:
                    person = self.pick_leader(leaders)
                    self.secretary[org.pk] = person
                    self.seats_of[org.pk].append(("secretary", person))

    def spare(self, pool: Iterable[_Person], keep: int) -> list[_Person]:
        """Those of ``pool`` whose grid keeps at least ``keep`` other members if they leave."""
        left: dict[str, int] = {}
        out = []
        for p in pool:
            assert p.member is not None
            path = p.member.region_path
            if len(path) < 15:
                continue
            n = left.get(path[:15], self.in_grid[path[:15]])
            if n > keep:
                out.append(p)
                left[path[:15]] = n - 1
        return out

    def fill_seats(
        self, org: Row, titles: Sequence[str], pool: Sequence[_Person], *, move: bool
    ) -> None:
        rng = self.rng
        pool = [
            p
            for p in pool
            if p.id not in self.seat_holders and p.id not in self.mobile and p.member is not None
        ]
        for title in titles:
            if not pool:
                break
            person = None
            if title in ("secretary", "group_leader"):
                leaders = [p for p in pool if p.age >= 20]
                if not leaders:
                    continue  # nobody who has passed probation
                person = self.pick_leader(leaders)
            if person is None:
                fit = [p for p in pool if p.member is not None and p.member.status == "formal"]
                person = rng.choice(fit or pool)
            pool.remove(person)
            self.seat_holders.add(person.id)
            if move:
                self.move(person, org)
            if title == "secretary":
                self.secretary[org.pk] = person
            self.seats_of[org.pk].append((title, person))

    # -- enterprise and functional branches ----------------------------------------------------

    def make_special_branches(self) -> None:
        rng = self.rng
        secretaries = {p.id for p in self.secretary.values()}

        def free(p: _Person) -> bool:
            return (
                p.member is not None
                and p.id not in secretaries
                and p.id not in self.seat_holders
                and p.id not in self.mobile
                and p.id not in self.in_service
                and 22 <= p.age < 60
                and len(p.member.region_path) == 15
            )

        by_workplace: dict[str, list[_Person]] = defaultdict(list)
        by_prefix: dict[str, list[_Person]] = defaultdict(list)
        for p in self.candidates:
            if free(p):
                by_workplace[p.workplace].append(p)
                by_prefix[p.home[:9]].append(p)
                by_prefix[p.home[:12]].append(p)
        taken: set[int] = set()

        def take(pool: list[_Person], n: int) -> list[_Person]:
            picked = self.spare([p for p in pool if p.id not in taken], keep=1)[:n]
            taken.update(p.id for p in picked)
            return picked

        # Enterprise branches: the larger operating companies of the register.
        companies = list(
            Organisation.objects.filter(subtree_q(self.scope, "region_path"))
            .filter(kind="enterprise", state="operating", employees__gte=50)
            .order_by("-employees", "id")
            .values_list("id", "name", "region_path", "founded_on")[:40]
        )
        for org_id, name, path, founded in companies:
            parent = self.org_of_region.get(path[:12])
            node = self.node.get(path)
            if parent is None or node is None:
                continue
            staff = take(by_workplace.get(name, []), 6)
            if len(staff) < 3:
                pool = by_prefix.get(path[:12], []) + by_prefix.get(path[:9], [])
                more = take(pool, 3 - len(staff))
                for p in more:
                    p.workplace = name
                    self.workplace_updates[name].append(p.id)
                staff += more
            if not staff:
                continue
            year = max((founded or dt.date(2010, 1, 1)).year + 1, 2000)
            branch = self.org(
                name=f"中共{name}支部委员会",
                kind=c.OrgKind.BRANCH,
                node=node,
                parent=parent,
                category=c.OrgCategory.ENTERPRISE,
                founded=(min(year, 2024), min(year + 4, 2024)),
                organisation=org_id,
                address=name,
            )
            for p in staff:
                self.move(p, branch)
            titles = ["secretary", "organisation"] if len(staff) >= 5 else ["secretary"]
            self.fill_seats(branch, titles, staff, move=False)
        # Functional branches: 商圈楼宇 in each street, 物业 in a few communities.
        for township in self.townships:
            if township["kind"] != Kind.STREET:
                continue
            staff = take(by_prefix.get(township["path"], []), rng.randint(4, 6))
            if len(staff) < 3:
                continue
            branch = self.org(
                name=f"{township['name']}商圈楼宇联合党支部",
                kind=c.OrgKind.BRANCH,
                node=township,
                parent=self.org_of_region[township["path"]],
                category=c.OrgCategory.FUNCTIONAL,
                founded=(2019, 2022),
                address=f"{self.county.name}{township['name']}商业步行街",
            )
            for p in staff:
                self.move(p, branch)
            self.fill_seats(branch, ["secretary", "organisation"], staff, move=False)
        communities = [
            v
            for v in self.villages
            if v["kind"] == Kind.COMMUNITY and len(by_prefix.get(v["path"], [])) >= 12
        ]
        for village in communities[:8]:
            staff = take(by_prefix[village["path"]], 3)
            if len(staff) < 3:
                continue
            branch = self.org(
                name=f"{village['name']}物业服务企业联合党支部",
                kind=c.OrgKind.BRANCH,
                node=village,
                parent=self.org_of_region[village["path"]],
                category=c.OrgCategory.FUNCTIONAL,
                founded=(2020, 2023),
                address=f"{self.county.name}{village['name']}物业服务中心",
            )
            for p in staff:
                self.move(p, branch)
            self.fill_seats(branch, ["secretary"], staff, move=False)

    # -- groups and grid seats -----------------------------------------------------------------

    def make_groups(self) -> None:
        """楼栋/屯党小组 on buildings with at least three members, while at most half of the
        grid's members sit in groups (the branch keeps its own members too)."""
        for grid in self.grids:
            branch = self.org_of_region[grid["path"]]
            secretary = self.secretary.get(branch.pk)
            members = [p for p in self.direct[branch.pk] if p is not secretary]
            if len(members) < 6:
                continue
            by_building: dict[str, list[_Person]] = defaultdict(list)
            for p in members:
                if p.id not in self.seat_holders and p.id != self.phone_person:
                    by_building[p.home].append(p)
            names = {b["path"]: b for b in self.buildings.get(grid["path"], [])}
            grouped = 0
            total = len(members) + 1
            for path, people in sorted(by_building.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                if len(people) < 3 or path not in names:
                    continue
                if grouped + len(people) > total / 2:
                    continue
                node = names[path]
                group = self.org(
                    name=f"{node['name']}党小组",
                    kind=c.OrgKind.GROUP,
                    node=node,
                    parent=branch,
                    founded=(2020, 2024),
                )
                for p in people:
                    self.move(p, group)
                grouped += len(people)
                self.fill_seats(group, ["group_leader"], people, move=False)

    def make_grid_seats(self) -> None:
        """The secretary of every grid branch; a branch of seven or more members (its groups'
        included) elects a committee (支部委员会) from its own members."""
        in_groups: Counter[int] = Counter()
        for org in self.rows[PartyOrganisation]:
            if org.kind == c.OrgKind.GROUP:
                in_groups[org.parent_id] += len(self.direct[org.pk])
        for grid in self.grids:
            branch = self.org_of_region[grid["path"]]
            secretary = self.secretary.get(branch.pk)
            if secretary is None:
                continue
            self.seat_holders.add(secretary.id)
            self.seats_of[branch.pk].insert(0, ("secretary", secretary))
            direct = [p for p in self.direct[branch.pk] if p is not secretary]
            total = len(direct) + 1 + in_groups[branch.pk]
            if total >= 7:
                titles = ["organisation", "publicity"] + (["discipline"] if total >= 15 else [])
                self.fill_seats(branch, titles, direct, move=False)

    def write_members_and_seats(self) -> None:
        rng = self.rng
        for p in self.candidates:
            if p.member is not None:
                self.rows[PartyMember].append(p.member)
        orgs = {o.pk: o for o in self.rows[PartyOrganisation]}
        for org_id, seats in self.seats_of.items():
            org = orgs.get(org_id)
            if org is None:
                continue
            for title, p in seats:
                member = p.member
                assert member is not None
                earliest = member.full_member_on or member.joined_on
                start = self.day_between(
                    max(earliest, org.founded_on or earliest, dt.date(2018, 1, 1)),
                    self.today - dt.timedelta(days=rng.randint(60, 400)),
                )
                self.add(
                    Seat,
                    organisation_id=org_id,
                    member_id=member.pk,
                    region_path=org.region_path,
                    title=title,
                    starts_on=max(start, earliest),
                )
        members = self.rows[PartyMember]
        self.counts.members = len(members)
        self.counts.probationary = sum(
            1 for m in members if m.status == c.MemberStatus.PROBATIONARY
        )
        self.counts.in_service = sum(1 for m in members if m.in_service_unit)
        self.counts.mobile = sum(1 for m in members if m.is_mobile)
        self.counts.flagged = len(self.newly_flagged)
        self.counts.seats = len(self.rows[Seat])

    # -- grid chiefs ---------------------------------------------------------------------------

    def make_chiefs(self) -> None:
        rng = self.rng
        seat_start = {
            (s.organisation_id, s.member_id): s.starts_on
            for s in self.rows[Seat]
            if s.title == c.SeatTitle.SECRETARY
        }
        for grid in self.grids:
            branch = self.org_of_region[grid["path"]]
            secretary = self.secretary.get(branch.pk)
            if secretary is None or secretary.member is None:
                continue
            starts = seat_start.get((branch.pk, secretary.member.pk), self.today)
            others = [
                p
                for p in self.direct[branch.pk]
                if p is not secretary
                and p.member is not None
                and p.member.status == c.MemberStatus.FORMAL
                and p.id not in self.mobile
            ]
            appointer = self.operator(grid["path"])
            if others and rng.random() < 0.1 and grid["path"] != DEMO_GRID:
                switch = self.day_between(
                    max(starts, self.today - dt.timedelta(days=300)), self.today
                )
                self.add(
                    GridChiefAppointment,
                    grid_id=grid["id"],
                    region_path=grid["path"],
                    member_id=secretary.member.pk,
                    is_default=True,
                    appointed_by_id=appointer,
                    starts_on=starts,
                    ends_on=switch,
                )
                chief = rng.choice(others)
                assert chief.member is not None
                self.add(
                    GridChiefAppointment,
                    grid_id=grid["id"],
                    region_path=grid["path"],
                    member_id=chief.member.pk,
                    is_default=False,
                    reason=rng.choice(OVERRIDE_REASONS),
                    appointed_by_id=appointer,
                    starts_on=switch,
                )
                self.counts.overrides += 1
            else:
                self.add(
                    GridChiefAppointment,
                    grid_id=grid["id"],
                    region_path=grid["path"],
                    member_id=secretary.member.pk,
                    is_default=True,
                    appointed_by_id=appointer,
                    starts_on=starts,
                )
            self.counts.chiefs += 1

    # -- 双报到 ---------------------------------------------------------------------------------

    def make_registrations(self) -> None:
        rng = self.rng
        grids_of = self.grids_of
        start = self.today - dt.timedelta(days=3 * 365)
        for p in self.candidates:
            if p.id not in self.in_service or p.member is None or rng.random() < 0.04:
                continue
            village = p.village
            community = self.node.get(village)
            if community is None:
                continue
            registered = self.past_moment(
                self.day_between(start, self.today - dt.timedelta(days=7))
            )
            reg = self.registration(
                kind=c.RegistrantKind.MEMBER,
                member_id=p.member.pk,
                community=community,
                registered=registered,
                skills="、".join(rng.sample(SKILLS, rng.randint(1, 3))),
            )
            x = rng.random()
            if x < 0.86:
                own = self.node.get(p.grid)
                grid = own if own and rng.random() < 0.8 else rng.choice(grids_of[village])
                self.assign(reg, grid, village)
                self.counts.sunk += 1
            elif x < 0.89:
                reg.state = c.RegistrationState.ENDED
                reg.ended_at = self.past_moment(
                    self.day_between(registered.date() + dt.timedelta(days=30), self.today)
                )
            if reg.state != c.RegistrationState.ENDED:
                self.live[village].append(reg)
        # Every county department registers as a unit to a few communities.
        villages = [v for v in self.villages if grids_of.get(v["path"])]
        weights = [3.0 if v["kind"] == Kind.COMMUNITY else 1.0 for v in villages]
        for dept in self.departments:
            if dept.kind != Department.Kind.FUNCTIONAL or not villages:
                continue
            for village in _weighted_sample(rng, villages, weights, rng.randint(2, 4)):
                registered = self.past_moment(
                    self.day_between(start, self.today - dt.timedelta(days=20))
                )
                reg = self.registration(
                    kind=c.RegistrantKind.UNIT,
                    unit_id=dept.pk,
                    community=village,
                    registered=registered,
                    skills=dept.duty[:200],
                )
                if rng.random() < 0.6:
                    self.assign(reg, rng.choice(grids_of[village["path"]]), village["path"])
                self.live[village["path"]].append(reg)
                self.counts.units += 1
        # Service entered by the community over the last months.
        half_year = self.today - dt.timedelta(days=180)
        for regs in self.live.values():
            for reg in regs:
                if reg.state != c.RegistrationState.ASSIGNED:
                    continue
                first = max(reg.assigned_at.date(), half_year)
                for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 5))):
                    self.record(
                        reg,
                        day=self.day_between(first, self.today - dt.timedelta(days=1)),
                        hours=Decimal(rng.choice(("1.0", "1.5", "2.0", "2.0", "3.0", "4.0"))),
                        content=rng.choice(SERVICE_CONTENT),
                    )
        self.counts.registrations = len(self.rows[ServiceRegistration])
        self.counts.records = len(self.rows[ServiceRecord])

    def registration(
        self,
        *,
        kind: str,
        community: dict[str, Any],
        registered: dt.datetime,
        skills: str,
        member_id: int | None = None,
        unit_id: int | None = None,
    ) -> Row:
        return self.add(
            ServiceRegistration,
            kind=kind,
            member_id=member_id,
            unit_id=unit_id,
            community_id=community["id"],
            region_path=community["path"],
            state=c.RegistrationState.REGISTERED,
            skills=skills,
            registered_at=registered,
            hours=Decimal("0"),
        )

    def assign(self, reg: Row, grid: dict[str, Any], village: str) -> None:
        reg.state = c.RegistrationState.ASSIGNED
        reg.grid_id = grid["id"]
        reg.region_path = grid["path"]
        day = min(reg.registered_at.date() + dt.timedelta(days=self.rng.randint(1, 20)), self.today)
        reg.assigned_at = max(self.past_moment(day), reg.registered_at + dt.timedelta(minutes=5))
        reg.assigned_by_id = self.operator(village)

    def record(
        self,
        reg: Row,
        *,
        day: dt.date,
        hours: Decimal,
        content: str,
        claim: int | None = None,
        by: int | None = None,
    ) -> None:
        self.add(
            ServiceRecord,
            registration_id=reg.pk,
            region_path=reg.region_path,
            day=day,
            hours=hours,
            content=content[:200],
            claim_id=claim,
            recorded_by_id=by or self.operator(reg.region_path),
            created_at=self.past_moment(min(day + dt.timedelta(days=1), self.today)),
        )
        reg.hours += hours

    # -- needs and claims ----------------------------------------------------------------------

    def make_needs(self) -> None:
        rng = self.rng
        counter: Counter[str] = Counter(p.village for p in self.candidates)
        for village in self.villages:
            path = village["path"]
            grids = self.grids_of.get(path, [])
            if not grids:
                continue
            many = counter[path] >= 40
            if many:
                count = rng.randint(6, 12)
            elif self.live.get(path):
                count = rng.randint(1, 3)
            else:  # nobody registered here to claim it: the odd wish
                count = 1 if rng.random() < 0.3 else 0
            publisher = self.operator(path)
            for _ in range(count):
                kind = rng.choices(
                    (c.NeedKind.WISH, c.NeedKind.PROJECT, c.NeedKind.CALL), (5, 3, 2)
                )[0]
                texts = {"wish": WISHES, "project": PROJECTS, "call": CALLS}[kind]
                title, detail, beneficiary = rng.choice(texts)
                on_grid = kind == c.NeedKind.WISH or rng.random() < 0.3
                node = rng.choice(grids) if on_grid else village
                published = self.past_moment(
                    self.day_between(self.today - dt.timedelta(days=90), self.today)
                )
                slots = 1 if kind == c.NeedKind.WISH else rng.randint(2, 5)
                need = self.add(
                    Need,
                    kind=kind,
                    title=title,
                    detail=detail,
                    region_id=node["id"],
                    region_path=node["path"],
                    beneficiary=beneficiary,
                    slots=slots,
                    due_on=published.date() + dt.timedelta(days=rng.randint(14, 45)),
                    published_by_id=self.workers.get(node["path"]) or publisher,
                    published_at=published,
                )
                self.claims_for(need, self.live.get(path, []))
        self.counts.needs = len(self.rows[Need])
        self.counts.claims = len(self.rows[Claim])
        self.counts.records = len(self.rows[ServiceRecord])

    def claims_for(self, need: Row, live: list[Row]) -> None:
        """Claims in every state; the need's state follows them as the services would."""
        rng = self.rng
        published: dt.datetime = need.published_at
        age = (self.now - published).days
        candidates = [r for r in live if r.registered_at < published]
        if not candidates or rng.random() < 0.04:
            if age > 20 and rng.random() < 0.3:
                need.state = c.NeedState.CANCELLED
            return
        # How far it got: older needs are mostly done.
        done_share = 0.85 if age > 30 else 0.45 if age > 10 else 0.1
        taken = need.slots if rng.random() < 0.85 else rng.randint(0, need.slots - 1)
        regs = rng.sample(candidates, min(taken, len(candidates)))
        if rng.random() < 0.08 and len(candidates) > len(regs):  # someone stepped back
            quitter = rng.choice([r for r in candidates if r not in regs])
            at = self.later(published, 5)
            self.add(
                Claim,
                need_id=need.pk,
                registration_id=quitter.pk,
                region_path=need.region_path,
                state=c.ClaimState.WITHDRAWN,
                claimed_at=at,
                result="临时有事，无法按时完成，已退出认领",
            )
        last_confirm: dt.datetime | None = None
        states = []
        for reg in regs:
            claimed = self.later(published, 3)
            x = rng.random()
            state = (
                c.ClaimState.CONFIRMED
                if x < done_share
                else c.ClaimState.REPORTED
                if x < done_share + 0.3
                else c.ClaimState.CLAIMED
            )
            claim = self.add(
                Claim,
                need_id=need.pk,
                registration_id=reg.pk,
                region_path=need.region_path,
                state=state,
                claimed_at=claimed,
            )
            if state in (c.ClaimState.REPORTED, c.ClaimState.CONFIRMED):
                claim.reported_at = self.later(claimed, 10)
                claim.result = rng.choice(RESULTS)
                claim.hours = Decimal(rng.choice(("1.0", "1.5", "2.0", "3.0", "4.0")))
            if state == c.ClaimState.CONFIRMED:
                claim.confirmed_at = self.later(claim.reported_at, 3)
                claim.confirmed_by_id = self.operator(need.region_path)
                last_confirm = max(last_confirm or claim.confirmed_at, claim.confirmed_at)
                self.record(
                    reg,
                    day=timezone.localtime(claim.reported_at, self.tz).date(),
                    hours=claim.hours,
                    content=f"{need.title}：{claim.result}",
                    claim=claim.pk,
                    by=claim.confirmed_by_id,
                )
            states.append(state)
        if states and all(s == c.ClaimState.CONFIRMED for s in states):
            need.state = c.NeedState.DONE
            need.done_at = last_confirm
        elif len(states) >= need.slots:
            need.state = c.NeedState.CLAIMED

    def later(self, moment: dt.datetime, days: int) -> dt.datetime:
        """A moment up to ``days`` days after ``moment``, not after now."""
        after = moment + dt.timedelta(hours=self.rng.randint(2, max(days * 24, 3)))
        if after >= self.now:
            after = moment + (self.now - moment) * self.rng.uniform(0.2, 0.9)
        return after

    # -- organisational life -------------------------------------------------------------------

    def make_meetings(self) -> None:
        """三会一课 and 主题党日 of the last 35 days and the coming week."""
        rng = self.rng
        first, last = self.today - dt.timedelta(days=35), self.today + dt.timedelta(days=7)
        months = sorted({(d.year, d.month) for d in _days(first, last)})
        centre_place = {
            v["path"]: f"{v['name']}党群服务中心会议室" for v in [*self.villages, *self.townships]
        }
        orgs = [o for o in self.rows[PartyOrganisation] if self.direct.get(o.pk)]
        seat_start = {
            (seat.organisation_id, seat.member_id): seat.starts_on for seat in self.rows[Seat]
        }
        groups_of: dict[int, list[int]] = defaultdict(list)
        for o in self.rows[PartyOrganisation]:
            if o.kind == c.OrgKind.GROUP and o.parent_id:
                groups_of[o.parent_id].append(o.pk)
        for org in orgs:
            members = [p for p in self.direct[org.pk] if p.member is not None]
            # Who is expected (party.selectors.expected_q): a branch's meetings include its
            # groups' members; a 支委会 is for the seat holders.
            everyone = members + [
                p for g in groups_of.get(org.pk, ()) for p in self.direct.get(g, ()) if p.member
            ]
            seated = list({p.id: p for _t, p in self.seats_of.get(org.pk, []) if p.member}.values())
            kind = org.kind
            path = org.region_path
            online = any(p.id in self.mobile for p in members) or rng.random() < 0.2
            creator = self.operator(path)
            place = (
                f"{self.node[path]['name']}党员活动室"
                if org.level in (Level.GRID, Level.BUILDING) and path in self.node
                else centre_place.get(path[:12]) or centre_place.get(path[:9]) or "党员活动室"
            )
            plan: list[tuple[str, dt.date, int]] = []
            for year, month in months:
                if kind == c.OrgKind.GROUP:
                    plan.append(("group_meeting", _day(year, month, 8 + org.pk % 15), 19))
                    continue
                plan.append(("theme_day", _day(year, month, 1), 9))
                if len(self.seats_of.get(org.pk, [])) >= 3 or org.level in ("county", "township"):
                    plan.append(("committee_meeting", _day(year, month, 3 + org.pk % 6), 15))
                if (org.pk + month) % 3 == 0:
                    plan.append(("general_meeting", _day(year, month, 10 + org.pk % 10), 14))
                if (org.pk + month) % 3 == 1:
                    plan.append(("party_lecture", _day(year, month, 12 + org.pk % 12), 19))
                if rng.random() < 0.05:
                    plan.append(("other", _day(year, month, 20 + org.pk % 8), 9))
                if rng.random() < 0.02:
                    plan.append(("life_meeting", _day(year, month, 25), 14))
            if path == DEMO_GRID:  # the online branch has something coming up
                plan.append(("party_lecture", self.today + dt.timedelta(days=2), 19))
            for what, day, hour in plan:
                if not first <= day <= last:
                    continue
                expected = (
                    [p for p in seated if seat_start[(org.pk, p.member.pk)] <= day]  # type: ignore[union-attr]
                    if what == "committee_meeting"
                    else members
                    if what == "group_meeting"
                    else everyone
                )
                self.meeting(org, expected, what, day, hour, online, place, creator)
        self.counts.meetings = len(self.rows[Meeting])
        self.counts.attendance = len(self.rows[Attendance])

    def meeting(
        self,
        org: Row,
        members: list[_Person],
        kind: str,
        day: dt.date,
        hour: int,
        online: bool,
        place: str,
        creator: int | None,
    ) -> None:
        rng = self.rng
        starts = self.at(day, hour, rng.choice((0, 0, 30)))
        ends = starts + dt.timedelta(minutes=rng.choice((60, 90, 90, 120)))
        is_online = online and kind in (
            "theme_day",
            "party_lecture",
            "general_meeting",
            "group_meeting",
        )
        title, agenda, materials = self.texts(kind, day, org)
        state = c.MeetingState.PLANNED
        expected = [p for p in members if p.member is not None and p.member.joined_on <= day]
        if ends < self.now:
            held = expected and rng.random() >= 0.03
            state = c.MeetingState.HELD if held else c.MeetingState.CANCELLED
        meeting = self.add(
            Meeting,
            organisation_id=org.pk,
            region_path=org.region_path,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=ends,
            place=place[:100],
            is_online=is_online,
            online_link=f"腾讯会议 {rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"
            if is_online
            else "",
            agenda=agenda,
            materials=materials,
            state=state,
            created_by_id=creator,
            created_at=min(starts - dt.timedelta(days=rng.randint(3, 10)), self.now),
        )
        if state != c.MeetingState.HELD:
            return
        present = 0
        for p in expected:
            member = p.member
            assert member is not None
            mobile = p.id in self.mobile
            x = rng.random()
            note = ""
            if mobile:
                kind_ = c.AttendanceKind.REMOTE if is_online and x < 0.8 else c.AttendanceKind.LEAVE
                if kind_ == c.AttendanceKind.LEAVE:
                    note = "外出务工"
            elif x < 0.88:
                kind_ = c.AttendanceKind.PRESENT
            elif x < 0.96:
                kind_ = c.AttendanceKind.LEAVE
                note = rng.choice(LEAVE_NOTES)
            else:
                kind_ = c.AttendanceKind.ABSENT
            signed = None
            if kind_ in (c.AttendanceKind.PRESENT, c.AttendanceKind.REMOTE):
                signed = starts + dt.timedelta(minutes=rng.randint(-25, 10))
                present += 1
            self.add(
                Attendance,
                meeting_id=meeting.pk,
                member_id=member.pk,
                region_path=meeting.region_path,
                kind=kind_,
                signed_at=signed,
                note=note,
            )
        meeting.minutes = (
            f"应到 {len(expected)} 人，实到 {present} 人。{agenda.splitlines()[0]}。"
            "会议由支部书记主持，与会党员结合自身实际交流了学习体会，"
            "并就本网格近期群众关心的问题提出了意见建议。"
        )

    def texts(self, kind: str, day: dt.date, org: Row) -> tuple[str, str, str]:
        rng = self.rng
        month = f"{day.month}月"
        if kind == "theme_day":
            theme = THEMES[(day.month + org.pk) % len(THEMES)]
            return (
                f"{month}主题党日：{theme}",
                f"1. {theme}\n2. 交纳党费\n3. 开展志愿服务",
                "《中国共产党章程》学习资料；主题党日活动方案",
            )
        if kind == "committee_meeting":
            return (
                f"{month}支部委员会会议",
                "1. 研究本月重点工作\n2. 讨论党员发展和教育管理\n3. 研究网格内群众诉求办理",
                "",
            )
        if kind == "general_meeting":
            return (
                f"{month}支部党员大会",
                "1. 通报支部近期工作\n2. 学习上级文件精神\n3. 讨论表决有关事项",
                "上级党组织有关文件",
            )
        if kind == "party_lecture":
            topic = rng.choice(LECTURES)
            return (f"党课：{topic}", f"1. 书记讲党课：{topic}\n2. 交流研讨", "党课讲稿")
        if kind == "group_meeting":
            return (
                f"{month}党小组会",
                "1. 学习近期重要讲话精神\n2. 收集楼栋（屯）居民意见\n3. 安排党员联系户工作",
                "",
            )
        if kind == "life_meeting":
            return (
                "年度组织生活会",
                "1. 通报上年度整改落实情况\n2. 开展批评和自我批评\n3. 民主评议党员",
                "对照检查材料",
            )
        return (
            f"{month}党员志愿服务活动",
            "1. 清理网格环境卫生\n2. 走访困难群众",
            "",
        )

    # -- stars ---------------------------------------------------------------------------------

    def make_ratings(self) -> None:
        rng = self.rng
        if not self.criteria:
            return
        year = self.today.year - 1
        max_total = sum(cr.max_points for cr in self.criteria)
        for org in self.rows[PartyOrganisation]:
            if org.level not in (Level.VILLAGE, Level.GRID):
                continue
            if org.founded_on and org.founded_on.year > year:
                continue
            quality = min(max(rng.gauss(0.82, 0.08), 0.45), 1.0)
            scores: dict[str, float] = {}
            for cr in self.criteria:
                share = min(max(quality + rng.gauss(0, 0.05), 0.3), 1.0)
                scores[cr.code] = round(cr.max_points * share * 2) / 2
            total = Decimal(str(sum(scores.values()))).quantize(Decimal("0.1"))
            stars = stars_for(total, max_total)  # the services' rule (GRIDGOV_STAR_THRESHOLDS)
            rater_path = org.region_path[:9] if org.level == Level.VILLAGE else org.region_path[:12]
            rated = self.past_moment(
                min(dt.date(year + 1, 1, 10) + dt.timedelta(days=rng.randint(0, 40)), self.today)
            )
            self.add(
                StarRating,
                organisation_id=org.pk,
                region_path=org.region_path,
                year=year,
                scores=scores,
                total=total,
                max_total=max_total,
                stars=stars,
                note=RATING_NOTES[stars],
                rated_by_id=self.operator(rater_path),
                rated_at=rated,
            )
            org.stars = stars
        self.counts.ratings = len(self.rows[StarRating])

    # -- places --------------------------------------------------------------------------------

    def make_centres(self) -> None:
        rng = self.rng
        nodes: list[tuple[str, dict[str, Any]]] = []
        if self.scope == self.county.path:
            nodes.append(
                (
                    c.CentreLevel.COUNTY,
                    {
                        "id": self.county.pk,
                        "path": self.county.path,
                        "name": self.county.name,
                        "label_lng": self.county.label_lng,
                        "label_lat": self.county.label_lat,
                    },
                )
            )
        nodes += [(c.CentreLevel.TOWNSHIP, t) for t in self.townships]
        nodes += [(c.CentreLevel.VILLAGE, v) for v in self.villages]
        for level, node in nodes:
            org = self.org_of_region.get(node["path"])
            township = self.node.get(node["path"][:9], {}).get("name", "")
            if level == c.CentreLevel.COUNTY:
                name, address, area = (
                    f"{node['name']}党群服务中心",
                    f"{node['name']}人民大街 1 号",
                    rng.randint(2000, 3200),
                )
                hours = "周一至周五 8:30—11:30，13:30—17:00"
            elif level == c.CentreLevel.TOWNSHIP:
                name = f"{node['name']}党群服务中心"
                address = f"{self.county.name}{node['name']}"
                area, hours = rng.randint(400, 1200), "周一至周五 8:30—11:30，13:30—17:00"
            else:
                name = f"{node['name']}党群服务中心"
                address = f"{self.county.name}{township}{node['name']}"
                area, hours = rng.randint(150, 600), "周一至周日 8:00—17:30（节假日轮流值班）"
            self.add(
                ServiceCentre,
                name=name,
                level=level,
                region_id=node["id"],
                region_path=node["path"],
                organisation_id=org.pk if org else None,
                address=address,
                lng=node.get("label_lng"),
                lat=node.get("label_lat"),
                phone=self.phone(),
                opening_hours=hours,
                area_m2=area,
            )
        self.counts.centres = len(self.rows[ServiceCentre])

    # -- writing -------------------------------------------------------------------------------

    def write(self) -> None:
        for model in PARTY_MODELS:
            rows = self.rows[model]
            if model is StarRating:
                for row in rows:
                    row.scores = connection.ops.adapt_json_value(row.scores, None)
            _insert(model, rows, self.now)
        statements = connection.ops.sequence_reset_sql(no_style(), list(PARTY_MODELS))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        people = Person.objects.all()
        for i in range(0, len(self.newly_flagged), 500):
            people.filter(pk__in=self.newly_flagged[i : i + 500]).update(is_party_member=True)
        for name, ids in self.workplace_updates.items():
            people.filter(pk__in=ids).update(workplace=name[:100])
        if self.phone_person is not None:
            protected = protect_phone(DEMO_MEMBER_PHONE)
            people.filter(phone_hash=protected.hash).exclude(pk=self.phone_person).update(
                phone_cipher="", phone_masked="", phone_hash=""
            )
            people.filter(pk=self.phone_person).update(
                phone_cipher=protected.cipher,
                phone_masked=protected.masked,
                phone_hash=protected.hash,
            )


# -- small pure helpers ----------------------------------------------------------------------


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _after_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, 28))


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _member_weight(p: _Person) -> float:
    age = 0.4 if p.age < 30 else 1.0 if p.age < 50 else 1.6
    return age * (1.2 if p.gender == "male" else 0.6)


def _mobile_place(rng: random.Random, workplace: str) -> str:
    """Where a mobile member went: the register's 外出务工（城市） when it names one."""
    for place in MOBILE_PLACES:
        city = place.split("省")[-1].split("市")[0]  # 浙江省宁波市 → 宁波, 北京市朝阳区 → 北京
        if city and city in workplace:
            return place
    return rng.choice(MOBILE_PLACES)


def _weighted_sample(
    rng: random.Random, pool: Sequence[Any], weights: Sequence[float], k: int
) -> list[Any]:
    """``k`` distinct items of ``pool`` drawn by weight (Efraimidis–Spirakis)."""
    if k <= 0 or not pool:
        return []
    keyed = sorted(
        ((rng.random() ** (1.0 / max(w, 1e-9)), i) for i, w in enumerate(weights)), reverse=True
    )
    return [pool[i] for _key, i in keyed[:k]]
