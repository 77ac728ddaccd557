"""Demo registers (人、房、法) for the demo county: rooms, households, tenants, organisations,
key-group tags with their history, care contracts and a year of visits.

A sample of the county is registered at its real density (every grid of 北城街道 — the demo
accounts' street, with 育才社区 and the demo grid worker's grid — of 南城街道 and of the rural
莲花乡: each building's households fill its rooms); every other grid gets a few households, so
lists and figures have something everywhere. About 55,000 people, 2,000 organisations.

Everything is drawn from one seeded generator (the same seed gives the same people, rooms and
visits; only the Fernet ciphertexts differ) and written with ``bulk_create``. Protected values
are computed with ``registry.values.protect_id`` / ``protect_phone`` like any other write.
Idempotent: nothing is generated when the county already has people.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.cases.demo_texts import PHONE_PREFIXES
from gridgov.cases.models import Case
from gridgov.core.privacy import mask_phone
from gridgov.demo.names import SURNAMES
from gridgov.regions.choices import Kind, Level
from gridgov.regions.models import Region, subtree_q
from gridgov.registry import choices as c
from gridgov.registry.models import (
    CareContract,
    Organisation,
    Person,
    PersonTag,
    PersonTagEvent,
    RegistryChange,
    Room,
    Tag,
    Tenancy,
    Visit,
)
from gridgov.registry.services import snapshot
from gridgov.registry.validators import credit_check_char, id_check_char
from gridgov.registry.values import protect_id, protect_phone

COUNTY_AREA = "220283"
# The densely registered sample: whole townships (北城街道 holds the demo accounts' community
# 育才社区 and the demo grid worker's grid 220283001001001).
DENSE = ("220283001", "220283002", "220283200")  # 北城街道, 南城街道, 莲花乡
DEMO_GRID = "220283001001001"
THIN_HOUSEHOLDS = (2, 4)  # households per grid outside the sample
ORGANISATIONS = 2000
BATCH = 2000

# -- names and places ------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Surnames weighted toward the common ones (the list in names.py is roughly by frequency).
KOREAN_SURNAMES = "金朴李崔郑姜韩"
GIVEN = {
    # (born before 1965, 1965–1994, from 1995) × (male, female)
    ("old", True): _words(
        "国庆 建国 建华 振华 德福 志强 玉林 长林 凤山 宝山 树林 永胜 立军 铁军 喜才 文斌 德明 "
        "春生 福来 占山 景山 玉才 广福 长海 殿臣 文学 军 刚 强 平 明 林 山 福 才 贵 发 忠"
    ),
    ("old", False): _words(
        "秀英 桂兰 淑珍 凤兰 玉兰 玉珍 淑华 秀云 凤英 桂芝 素梅 秀芳 春梅 丽华 玉芝 淑芬 桂荣 "
        "凤芝 秀兰 玉梅 英 兰 珍 芳 华 梅 霞 荣 芝"
    ),
    ("mid", True): _words(
        "伟 磊 勇 涛 超 鹏 斌 波 海波 晓东 立新 宏伟 海涛 建伟 志刚 洪亮 春雷 大伟 明辉 国栋 "
        "立国 东升 晓光 海军 振宇 文龙 金龙 成刚 长春 庆丰"
    ),
    ("mid", False): _words(
        "丽 静 敏 艳 娟 燕 红 海燕 晓丽 丽娜 红霞 春燕 雪梅 晓燕 美玲 丽丽 文静 秀丽 玉红 "
        "晓红 立红 艳华 丽娟 冬梅 红艳 慧 颖 婷 丹"
    ),
    ("young", True): _words(
        "浩然 宇轩 子轩 俊杰 皓宇 博文 一鸣 天佑 子豪 梓轩 明轩 浩宇 思远 嘉豪 宇航 铭泽 "
        "博宇 瑞泽 子墨 奕辰 鑫 昊 睿 航"
    ),
    ("young", False): _words(
        "子涵 欣怡 梓萱 诗涵 雨桐 一诺 佳怡 可馨 思彤 梦瑶 语嫣 欣然 雨欣 若曦 紫涵 佳琪 "
        "梓涵 思雨 晨曦 雅琪 悦 萱 彤 琳"
    ),
}
# Two-character given names are also composed from a first and a second character.
GIVEN_PARTS = {
    ("old", True): (
        _words("德 玉 长 凤 宝 树 永 广 殿 文 春 福 占 景 喜 振 国 建"),
        _words("林 山 福 才 贵 发 忠 臣 学 生 来 明 祥 财 成 海 江 清"),
    ),
    ("old", False): (
        _words("秀 桂 淑 凤 玉 素 春 丽 兰 桂 金 翠 香 彩"),
        _words("英 兰 珍 芝 华 云 梅 芳 荣 琴 霞 凤 莲 娥"),
    ),
    ("mid", True): (
        _words("志 建 国 立 海 晓 宏 春 明 永 德 文 振 长 洪 东 俊 金 玉 成 大 庆"),
        _words("军 强 刚 伟 平 明 林 波 涛 辉 龙 峰 杰 华 东 鹏 宇 成 亮 斌 民 生"),
    ),
    ("mid", False): (
        _words("丽 秀 晓 海 春 红 玉 雪 美 艳 凤 淑 桂 冬 慧 文 静 亚 小 彩 立"),
        _words("华 红 梅 燕 娟 丽 霞 芳 艳 敏 静 玲 娜 英 兰 萍 琴 颖 莉 云 杰"),
    ),
    ("young", True): (
        _words("子 梓 浩 宇 俊 思 一 嘉 铭 博 奕 明 天 瑞 皓 泽 家 锦 承 睿"),
        _words("轩 然 航 豪 杰 宇 辰 泽 博 文 涵 阳 鸣 熙 翔 哲 晨 恒 远 川"),
    ),
    ("young", False): (
        _words("子 梓 雨 欣 佳 诗 思 一 若 可 语 梦 紫 晨 雅 心 馨 依 沐 安"),
        _words("涵 萱 怡 彤 诺 琪 瑶 嫣 然 曦 桐 欣 妍 琳 悦 雯 冉 宁 菲 柔"),
    ),
}
KOREAN_GIVEN = {
    True: _words("成哲 光哲 永男 哲洙 明浩 龙虎 英男 东哲 成浩 俊浩"),
    False: _words("英姬 顺子 美花 春花 贞淑 英子 明姬 善姬 惠英 顺姬"),
}
ETHNICITIES = (("汉族", 925), ("满族", 45), ("朝鲜族", 20), ("蒙古族", 5), ("回族", 5))
# Where people married in from or floating people come from: (area code, 户籍地).
MARRIED_IN = (
    ("220221", "吉林省吉林市永吉县"),
    ("220281", "吉林省蛟河市"),
    ("220282", "吉林省桦甸市"),
    ("220284", "吉林省磐石市"),
    ("220182", "吉林省榆树市"),
    ("220183", "吉林省德惠市"),
    ("230184", "黑龙江省五常市"),
)
FLOATING_FROM = (
    ("220102", "吉林省长春市南关区", 8),
    ("220182", "吉林省榆树市", 10),
    ("220183", "吉林省德惠市", 6),
    ("220203", "吉林省吉林市龙潭区", 6),
    ("220204", "吉林省吉林市船营区", 6),
    ("220221", "吉林省吉林市永吉县", 8),
    ("220281", "吉林省蛟河市", 7),
    ("220282", "吉林省桦甸市", 5),
    ("222401", "吉林省延吉市", 4),
    ("230102", "黑龙江省哈尔滨市道里区", 4),
    ("230184", "黑龙江省五常市", 9),
    ("230183", "黑龙江省尚志市", 5),
    ("231084", "黑龙江省宁安市", 3),
    ("370102", "山东省济南市历下区", 2),
    ("370283", "山东省青岛市平度市", 3),
    ("371302", "山东省临沂市兰山区", 3),
    ("370781", "山东省潍坊市青州市", 2),
    ("210102", "辽宁省沈阳市和平区", 2),
)
FOREIGNERS = (
    # (name, passport prefix, nationality, male)
    ("金智妍（KIM JIYEON）", "M", "韩国", False),
    ("朴成浩（PARK SUNGHO）", "M", "韩国", True),
    ("李恩惠（LEE EUNHYE）", "M", "韩国", False),
    ("伊万诺夫（IVANOV ALEKSEI）", "75", "俄罗斯", True),
    ("佩特罗娃（PETROVA ANNA）", "75", "俄罗斯", False),
    ("崔明洙（CHOI MYUNGSOO）", "M", "韩国", True),
    ("巴特尔（BATAAR GANBOLD）", "E", "蒙古国", True),
    ("田中裕子（TANAKA YUKO）", "TR", "日本", False),
)
MIGRANT_CITIES = (
    "北京",
    "天津",
    "大连",
    "长春",
    "沈阳",
    "青岛",
    "上海",
    "哈尔滨",
    "苏州",
    "吉林市",
)
TRADE_NAMES = _words(
    "鑫源 宏达 恒通 金穗 福瑞 兴隆 天成 华泰 永盛 瑞丰 裕丰 鼎盛 盛达 宏远 众鑫 佳禾 金禾 丰泽 "
    "稻香 龙腾 祥瑞 吉顺 安泰 百顺 鸿运 金源 聚福 万家 益民 惠民 德润 润丰 信诚 富源 新发 广源 "
    "东升 长兴 松江 北方 雪原 黑土 米乡 银河 金田 和顺 正阳 华兴 汇通 腾达 旺福 宏泰 嘉和 顺通 "
    "金鼎 乐家 美佳 禾丰 谷丰 源丰 泰和 同心 联众 福兴 长青 荣盛 新源 博远 凯达 森旺 绿源 雪乡"
)
ENTERPRISE_LINES = (
    ("商贸", "批发和零售业", 14),
    ("米业", "制造业", 10),
    ("粮食加工", "制造业", 5),
    ("农业发展", "农、林、牧、渔业", 8),
    ("建筑工程", "建筑业", 7),
    ("物流", "交通运输、仓储和邮政业", 5),
    ("木业", "制造业", 3),
    ("食品", "制造业", 4),
    ("汽车销售服务", "批发和零售业", 3),
    ("房地产开发", "房地产业", 3),
    ("餐饮管理", "住宿和餐饮业", 4),
    ("电子科技", "信息传输、软件和信息技术服务业", 3),
    ("酒业", "制造业", 2),
    ("建材", "批发和零售业", 4),
    ("物业服务", "房地产业", 4),
    ("医药连锁", "批发和零售业", 3),
    ("文化传媒", "文化、体育和娱乐业", 2),
    ("农机服务", "租赁和商务服务业", 3),
    ("劳务派遣", "租赁和商务服务业", 2),
    ("新能源科技", "电力、热力、燃气及水生产和供应业", 2),
)
SHOPS = (
    ("超市", "批发和零售业", 12),
    ("饺子馆", "住宿和餐饮业", 5),
    ("烧烤店", "住宿和餐饮业", 5),
    ("快餐店", "住宿和餐饮业", 5),
    ("五金商店", "批发和零售业", 4),
    ("农资商店", "批发和零售业", 5),
    ("理发店", "居民服务、修理和其他服务业", 5),
    ("汽车修理部", "居民服务、修理和其他服务业", 4),
    ("粮米店", "批发和零售业", 4),
    ("手机店", "批发和零售业", 3),
    ("小卖店", "批发和零售业", 8),
    ("水果店", "批发和零售业", 3),
    ("干洗店", "居民服务、修理和其他服务业", 2),
    ("家电维修部", "居民服务、修理和其他服务业", 2),
    ("快递驿站", "交通运输、仓储和邮政业", 3),
    ("冷面馆", "住宿和餐饮业", 3),
    ("豆腐坊", "制造业", 2),
    ("熟食店", "批发和零售业", 3),
)
CO_OPS = (
    "水稻种植",
    "玉米种植",
    "蔬菜种植",
    "食用菌种植",
    "生猪养殖",
    "肉牛养殖",
    "农机",
    "中草药种植",
)


# -- results ---------------------------------------------------------------------------------


@dataclass
class RegistryCounts:
    people: int = 0
    households: int = 0
    rooms: int = 0
    rented: int = 0
    tenancies: int = 0
    organisations: int = 0
    tags: int = 0
    tag_events: int = 0
    contracts: int = 0
    visits: int = 0
    changes: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"实有人口 {self.people} 人（{self.households} 户）、房屋 {self.rooms} 间"
            f"（出租 {self.rented} 间，租住登记 {self.tenancies} 条）、法人单位 {self.organisations} 个、"
            f"人员标签 {self.tags} 个（记录 {self.tag_events} 条）、关爱合约 {self.contracts} 份、"
            f"走访 {self.visits} 次、变更记录 {self.changes} 条"
        )


@dataclass
class Place:
    """A building (楼栋) or hamlet (屯) and what it lies in."""

    id: int
    path: str
    name: str
    urban: bool
    households: int
    lng: float | None
    lat: float | None
    village: str
    township: str

    @property
    def grid(self) -> str:
        return self.path[:15]

    @property
    def address(self) -> str:
        return f"{self.township}{self.village}{self.name}"


@dataclass
class Home:
    """An occupied room and the household living in it (tenants or a registered family)."""

    room: Row
    place: Place
    people: list[Row]
    tenants: bool = False


@dataclass
class Plan:
    rooms: list[Row] = field(default_factory=list)
    people: list[Row] = field(default_factory=list)
    homes: list[Home] = field(default_factory=list)
    tenancies: list[Row] = field(default_factory=list)
    organisations: list[Row] = field(default_factory=list)
    tags: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    contracts: list[Row] = field(default_factory=list)
    visits: list[Row] = field(default_factory=list)
    changes: list[RegistryChange] = field(default_factory=list)


# -- the generator ---------------------------------------------------------------------------


def generate_registry(
    *,
    county: Region,
    log: Callable[[str], object] = print,
    within: str | None = None,
    dense: Sequence[str] = DENSE,
    organisations: int | None = None,
    thin_households: tuple[int, int] = THIN_HOUSEHOLDS,
    seed: int = 2026,
    now: dt.datetime | None = None,
) -> RegistryCounts:
    """Register people, rooms, organisations, tags, care contracts and a year of visits in the
    county (or only in the subtree ``within``, for tests). Grids under one of the ``dense``
    paths get every building's households; the others ``thin_households`` households each.
    Returns what was created; nothing when the county already has people."""
    started = time.monotonic()
    if Person.objects.filter(subtree_q(county.path, "region_path")).exists():
        return RegistryCounts()
    scope = within or county.path
    if organisations is None:
        organisations = ORGANISATIONS if scope == county.path else 40
    gen = _Generator(
        county=county,
        scope=scope,
        dense=tuple(dense),
        thin=thin_households,
        seed=seed,
        now=now or timezone.now(),
    )
    log(
        "生成实有人口、房屋、法人单位、标签、关爱合约和一年的走访"
        "（重点乡镇街道按实有密度登记，其余网格少量登记）…"
    )
    plan = gen.build(organisations)
    log(
        f"  房屋 {len(plan.rooms)} 间、实有人口 {len(plan.people)} 人、法人单位 "
        f"{len(plan.organisations)} 个、走访 {len(plan.visits)} 次，写入中…"
    )
    with transaction.atomic():
        _write(plan, gen.now)
    counts = RegistryCounts(
        people=len(plan.people),
        households=len({p.household_no for p in plan.people if p.household_no}),
        rooms=len(plan.rooms),
        rented=sum(1 for r in plan.rooms if r.occupancy == c.Occupancy.RENTED),
        tenancies=len(plan.tenancies),
        organisations=len(plan.organisations),
        tags=len(plan.tags),
        tag_events=len(plan.events),
        contracts=len(plan.contracts),
        visits=len(plan.visits),
        changes=len(plan.changes),
        seconds=time.monotonic() - started,
    )
    log(f"  {counts.summary()}（用时 {counts.seconds:.1f} 秒）")
    return counts


def _write(plan: Plan, now: dt.datetime) -> None:
    # Rooms point at their owners and people at their rooms: foreign keys are checked at the
    # end of the transaction (Django creates them deferrable), so the order does not matter.
    for model, rows in (
        (Organisation, plan.organisations),
        (Room, plan.rooms),
        (Person, plan.people),
        (Tenancy, plan.tenancies),
        (PersonTag, plan.tags),
        (PersonTagEvent, plan.events),
        (CareContract, plan.contracts),
        (Visit, plan.visits),
    ):
        _insert(model, rows, now)
    RegistryChange.objects.bulk_create(plan.changes, batch_size=BATCH)
    # Primary keys were given explicitly: move PostgreSQL's sequences past them.
    statements = connection.ops.sequence_reset_sql(no_style(), list(ROW_MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


ROW_MODELS: tuple[type[models.Model], ...] = (
    Organisation,
    Room,
    Person,
    Tenancy,
    PersonTag,
    PersonTagEvent,
    CareContract,
    Visit,
)
_DEFAULTS: dict[type[models.Model], dict[str, Any]] = {}


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    if model not in _DEFAULTS:
        _DEFAULTS[model] = {
            f.attname: None if _is_auto_time(f) else f.get_default()
            for f in model._meta.concrete_fields
        }
    return _DEFAULTS[model]


def _is_auto_time(f: models.Field[Any, Any]) -> bool:
    return bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))


class Row:
    """A row to write: read and set like a model instance (every field starts at its default),
    at a fraction of a model instance's cost — the demo county makes some 300,000 of them."""

    def __init__(self, model: type[models.Model], **values: Any) -> None:
        self.__dict__.update(_defaults(model))
        self.__dict__.update(values)
        self.__dict__["_model"] = model

    def __getattr__(self, name: str) -> Any:  # only for names that are not fields
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value

    @property
    def pk(self) -> int:
        return int(self.__dict__["id"])

    def instance(self) -> models.Model:
        """The model instance (for ``services.snapshot``)."""
        model: type[models.Model] = self.__dict__["_model"]
        return model(**{k: v for k, v in self.__dict__.items() if k != "_model"})


def _insert(model: type[models.Model], rows: Sequence[Row], now: dt.datetime) -> None:
    """INSERT the rows with ``executemany``: what ``bulk_create`` would write, without
    building a model instance and compiling every value (several times faster)."""
    if not rows:
        return
    ops = connection.ops
    fields = list(model._meta.concrete_fields)
    adapters: list[Callable[[Any], Any]] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif kind == "DecimalField":
            adapters.append(_decimal_adapter(f))
        else:
            adapters.append(_same)
    auto = {f.attname for f in fields if _is_auto_time(f)}
    names = [f.attname for f in fields]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = []
    for row in rows:
        values = row.__dict__
        params.append(
            tuple(
                adapt(now if name in auto and values[name] is None else values[name])
                for name, adapt in zip(names, adapters, strict=True)
            )
        )
    with connection.cursor() as cursor:
        for i in range(0, len(params), 5000):
            cursor.executemany(sql, params[i : i + 5000])


def _same(value: Any) -> Any:
    return value


def _decimal_adapter(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
    def adapt(value: Any) -> Any:
        return connection.ops.adapt_decimalfield_value(
            value, getattr(f, "max_digits", None), getattr(f, "decimal_places", None)
        )

    return adapt


class _Ids:
    """Primary keys handed out before writing, so rows can point at each other in bulk."""

    def __init__(self, *model_types: type[models.Model]) -> None:
        self.next: dict[type[models.Model], int] = {
            m: (m._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in model_types
        }

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(first8: str) -> str:
    """The check character of a GB 11714 organisation code (the 9th character)."""
    total = sum(
        (int(ch) if ch.isdigit() else ord(ch) - 55) * w
        for ch, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return "X" if value == 10 else ("0" if value == 11 else str(value))


class _Generator:
    def __init__(
        self,
        *,
        county: Region,
        scope: str,
        dense: tuple[str, ...],
        thin: tuple[int, int],
        seed: int,
        now: dt.datetime,
    ) -> None:
        self.rng = random.Random(f"registry:{seed}")  # noqa: S311 - demo data
        self.county = county
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localtime(now, self.tz).date()
        self.year_ago = self.today - dt.timedelta(days=365)
        self.thin = thin
        self.ids = _Ids(*ROW_MODELS)
        self.plan = Plan()
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.household_serial: dict[str, int] = defaultdict(int)
        self.flags: dict[int, set[str]] = defaultdict(set)  # person id → what they are
        self.person_by_id: dict[int, Row] = {}
        self.tagged_at: dict[tuple[int, str], dt.datetime] = {}  # current tags
        self.place_of_room: dict[int, Place] = {}
        self.surname_weights = list(_cumulative([1 / (i + 4) for i in range(len(SURNAMES))]))

        regions: list[dict[str, Any]] = [
            dict(r)
            for r in Region.objects.filter(subtree_q(scope, "path"))
            .filter(level__in=(Level.TOWNSHIP, Level.VILLAGE, Level.GRID, Level.BUILDING))
            .values("id", "path", "name", "level", "kind", "households", "label_lng", "label_lat")
        ]
        # The township and village of a scope below them still name the places.
        names = dict(
            Region.objects.filter(path__in=[scope[:9], scope[:12]]).values_list("path", "name")
        )
        names.update(
            {r["path"]: r["name"] for r in regions if r["level"] in ("township", "village")}
        )
        self.names = names
        self.grids: list[dict[str, Any]] = sorted(
            (r for r in regions if r["level"] == Level.GRID), key=lambda r: r["path"]
        )
        self.dense = {g["path"] for g in self.grids if g["path"].startswith(dense)}
        self.village_kind = dict(
            Region.objects.filter(level=Level.VILLAGE)
            .filter(subtree_q(scope[:12] if len(scope) > 12 else scope, "path"))
            .values_list("path", "kind")
        )
        self.places: dict[str, list[Place]] = defaultdict(list)
        for r in sorted(
            (r for r in regions if r["level"] == Level.BUILDING), key=lambda r: r["path"]
        ):
            self.places[r["path"][:15]].append(
                Place(
                    id=r["id"],
                    path=r["path"],
                    name=r["name"],
                    urban=r["kind"] == Kind.BUILDING,
                    households=r["households"],
                    lng=r["label_lng"],
                    lat=r["label_lat"],
                    village=names.get(r["path"][:12], ""),
                    township=names.get(r["path"][:9], ""),
                )
            )
        self.grids = [g for g in self.grids if self.places.get(g["path"])]
        self.dedicated = {
            g["path"]: g for g in self.grids if g["kind"] not in (Kind.URBAN_GRID, Kind.RURAL_GRID)
        }
        self.workers: dict[str, list[int]] = defaultdict(list)
        self.operators: dict[str, int] = {}
        for user_id, role, path in (
            Post.objects.current()
            .filter(role__in=(Role.GRID_WORKER, Role.VILLAGE_OPERATOR))
            .filter(subtree_q(county.path, "region__path"))
            .order_by("user__username")
            .values_list("user_id", "role", "region__path")
        ):
            if role == Role.GRID_WORKER:
                self.workers[path].append(user_id)
            else:
                self.operators.setdefault(path, user_id)
        self.tags = {t.code: t for t in Tag.objects.all()}
        self.cases: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
        for case_id, path, created in (
            Case.objects.filter(region_path__in=self.dense)
            .order_by("created_at")
            .values_list("id", "region_path", "created_at")
        ):
            self.cases[path].append((created, case_id))
        self.workplaces: list[str] = []

    # -- small draws ---------------------------------------------------------------------------

    def surname(self, ethnicity: str = "汉族") -> str:
        if ethnicity == "朝鲜族":
            return self.rng.choice(KOREAN_SURNAMES)
        x = self.rng.random() * self.surname_weights[-1]
        return SURNAMES[bisect.bisect_right(self.surname_weights, x)]

    def given(self, male: bool, birth_year: int, ethnicity: str = "汉族") -> str:
        if ethnicity == "朝鲜族" and birth_year < 1995 and self.rng.random() < 0.7:
            return self.rng.choice(KOREAN_GIVEN[male])
        era = "old" if birth_year < 1965 else ("mid" if birth_year < 1995 else "young")
        if self.rng.random() < 0.4:
            return self.rng.choice(GIVEN[(era, male)])
        first, second = GIVEN_PARTS[(era, male)]
        return self.rng.choice(first) + self.rng.choice(second)

    def elder_age(self, low: int, high: int) -> int:
        """An age in [low, high], most often near ``low`` (fewer people at each older age)."""
        return low + int(self.rng.triangular(0, high - low + 1, 0))

    def birth(self, age: int) -> dt.date:
        return _years_before(self.today, age) - dt.timedelta(days=self.rng.randint(0, 364))

    def id_number(self, area: str, birth: dt.date, male: bool) -> str:
        while True:
            serial = self.rng.randint(0, 499) * 2 + (1 if male else 0)
            first17 = f"{area}{birth:%Y%m%d}{serial:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + id_check_char(first17)

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def landline(self) -> str:
        return f"0432682{self.rng.randint(0, 99_999):05d}"

    def at(self, day: dt.date) -> dt.datetime:
        """A working-hours moment of ``day`` (not after now)."""
        moment = dt.datetime.combine(
            day,
            dt.time(
                self.rng.choice((8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 15, 16, 17)),
                self.rng.randint(0, 59),
            ),
            tzinfo=self.tz,
        )
        if moment > self.now:
            moment = self.now - dt.timedelta(minutes=self.rng.randint(5, 90))
        return moment

    def day_in_year(self, start: dt.date | None = None) -> dt.date:
        start = max(start or self.year_ago, self.year_ago)
        span = (self.today - start).days
        return start + dt.timedelta(days=self.rng.randint(0, max(span, 0)))

    def worker(self, grid: str) -> int | None:
        workers = self.workers.get(grid)
        if workers:
            return workers[0] if len(workers) == 1 or self.rng.random() < 0.7 else workers[1]
        return self.operators.get(grid[:12])

    # -- the whole plan -------------------------------------------------------------------------

    def build(self, organisations: int) -> Plan:
        self.make_organisations(organisations)
        for grid in self.grids:
            if grid["path"] in self.dense:
                for place in self.places[grid["path"]]:
                    self.fill(place, place.households)
            else:
                count = self.rng.randint(*self.thin)
                place = self.rng.choice(self.places[grid["path"]])
                self.fill(place, count, thin=True)
        self.make_foreigners()
        self.make_landlords()
        self.make_tags()
        self.make_contracts()
        self.make_visits()
        self.make_changes()
        return self.plan

    # -- organisations --------------------------------------------------------------------------

    def make_organisations(self, total: int) -> None:
        rng = self.rng
        plan: list[tuple[str, str, str, str, Place, int, dt.date, int | None]] = []
        seen: set[str] = set()

        def add(
            kind: str,
            prefix: str,
            name: str,
            industry: str,
            place: Place | None,
            employees: int,
            founded: tuple[int, int],
            dedicated: int | None = None,
        ) -> None:
            if place is None or name in seen or len(plan) >= total:
                return
            seen.add(name)
            start = dt.date(founded[0], 1, 1)
            end = min(dt.date(founded[1], 12, 31), self.today - dt.timedelta(days=30))
            day = start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))
            plan.append((kind, prefix, name, industry, place, max(employees, 0), day, dedicated))

        urban_grids = [g for g in self.grids if g["kind"] == Kind.URBAN_GRID]

        def place_in(grids: list[dict[str, Any]] | None = None, prefix: str = "") -> Place | None:
            pool = [g for g in (grids or self.grids) if g["path"].startswith(prefix)]
            if not pool:
                return None
            return rng.choice(self.places[rng.choice(pool)["path"]])

        # Dedicated grids and what they serve.
        for path, grid in sorted(self.dedicated.items()):
            place = self.places[path][0]
            kind_of = grid["kind"]
            if kind_of == Kind.SCHOOL_GRID:
                name = grid["name"].removesuffix("专属网格").replace("舒兰", "舒兰市", 1)
                add(
                    "school",
                    "12",
                    name,
                    "教育",
                    place,
                    rng.randint(90, 180),
                    (1950, 1985),
                    grid["id"],
                )
            elif kind_of == Kind.HOSPITAL_GRID:
                add(
                    "hospital",
                    "12",
                    "舒兰市人民医院",
                    "卫生和社会工作",
                    place,
                    680,
                    (1948, 1960),
                    grid["id"],
                )
            elif kind_of == Kind.PARK_GRID:
                add(
                    "government",
                    "12",
                    "舒兰市滨河公园管理中心",
                    "公共管理、社会保障和社会组织",
                    place,
                    24,
                    (2008, 2012),
                    grid["id"],
                )
            elif kind_of == Kind.MARKET_GRID:
                add(
                    "enterprise",
                    "91",
                    "舒兰市中心商贸市场管理有限公司",
                    "租赁和商务服务业",
                    place,
                    36,
                    (2003, 2008),
                    grid["id"],
                )
                for _ in range(6):
                    shop, industry, _w = _weighted(rng, [(s, s[2]) for s in SHOPS])
                    add(
                        "individual",
                        "92",
                        f"舒兰市{rng.choice(TRADE_NAMES)}{shop}",
                        industry,
                        rng.choice(self.places[path]),
                        rng.randint(1, 4),
                        (2012, 2025),
                        grid["id"],
                    )
            elif kind_of == Kind.ENTERPRISE_GRID:
                lines = (
                    [ENTERPRISE_LINES[1], ENTERPRISE_LINES[2]]
                    if "粮食" in grid["name"]
                    else list(ENTERPRISE_LINES[1:12])
                )
                for _ in range(7):
                    line, industry, _w = rng.choice(lines)
                    add(
                        "enterprise",
                        "91",
                        f"舒兰市{rng.choice(TRADE_NAMES)}{line}有限公司",
                        industry,
                        rng.choice(self.places[path]),
                        int(rng.lognormvariate(3.6, 0.7)),
                        (2005, 2024),
                        grid["id"],
                    )
        # County institutions in the town (the streets).
        town = [g for g in urban_grids if g["path"][:9] < "220283100"]
        for name, kind, prefix, industry, employees, founded in (
            ("舒兰市中医院", "hospital", "12", "卫生和社会工作", 260, (1958, 1970)),
            ("舒兰市妇幼保健院", "hospital", "12", "卫生和社会工作", 120, (1975, 1985)),
            ("舒兰市第二中学", "school", "12", "教育", 150, (1956, 1960)),
            ("舒兰市第三中学", "school", "12", "教育", 130, (1960, 1970)),
            ("舒兰市实验中学", "school", "12", "教育", 120, (1995, 2000)),
            ("舒兰市职业技术教育中心", "school", "12", "教育", 90, (1985, 1995)),
            ("舒兰市图书馆", "government", "12", "文化、体育和娱乐业", 18, (1978, 1982)),
            ("舒兰市文化馆", "government", "12", "文化、体育和娱乐业", 22, (1956, 1960)),
            (
                "舒兰市自来水有限责任公司",
                "enterprise",
                "91",
                "电力、热力、燃气及水生产和供应业",
                140,
                (1998, 2002),
            ),
            (
                "舒兰市供热有限公司",
                "enterprise",
                "91",
                "电力、热力、燃气及水生产和供应业",
                210,
                (2004, 2008),
            ),
            (
                "舒兰市公共交通有限公司",
                "enterprise",
                "91",
                "交通运输、仓储和邮政业",
                160,
                (2006, 2010),
            ),
            (
                "舒兰市个体劳动者协会",
                "social",
                "51",
                "公共管理、社会保障和社会组织",
                5,
                (1990, 1995),
            ),
            ("舒兰市老年人体育协会", "social", "51", "文化、体育和娱乐业", 3, (2005, 2010)),
            ("舒兰市大米产业协会", "social", "51", "农、林、牧、渔业", 4, (2012, 2016)),
            ("舒兰市摄影家协会", "social", "51", "文化、体育和娱乐业", 2, (2008, 2012)),
            ("舒兰市慈善总会", "social", "51", "公共管理、社会保障和社会组织", 6, (2006, 2009)),
            ("舒兰市红十字会", "government", "13", "公共管理、社会保障和社会组织", 8, (1990, 1995)),
        ):
            add(kind, prefix, name, industry, place_in(town), employees, founded)
        # Per township: government, health centre, central school and kindergarten.
        townships = sorted({g["path"][:9] for g in self.grids})
        for t in townships:
            tname = self.names.get(t, "")
            street = tname.endswith("街道")
            seat = place_in(prefix=t)
            add(
                "government",
                "11",
                f"舒兰市{tname}{'办事处' if street else '人民政府'}",
                "公共管理、社会保障和社会组织",
                seat,
                rng.randint(25, 60),
                (1956, 2005),
            )
            add(
                "government",
                "11",
                f"舒兰市公安局{tname.removesuffix('街道').removesuffix('镇').removesuffix('乡')}派出所",
                "公共管理、社会保障和社会组织",
                place_in(prefix=t),
                rng.randint(12, 30),
                (1960, 2000),
            )
            add(
                "hospital",
                "12",
                f"舒兰市{tname}{'社区卫生服务中心' if street else '卫生院'}",
                "卫生和社会工作",
                place_in(prefix=t),
                rng.randint(20, 60),
                (1958, 2008),
            )
            add(
                "school",
                "12",
                f"舒兰市{tname}中心小学",
                "教育",
                place_in(prefix=t),
                rng.randint(25, 70),
                (1952, 1980),
            )
            add(
                "school",
                "12",
                f"舒兰市{tname}中心幼儿园",
                "教育",
                place_in(prefix=t),
                rng.randint(8, 25),
                (1985, 2015),
            )
            add(
                "government",
                "12",
                f"舒兰市{tname}综合服务中心",
                "公共管理、社会保障和社会组织",
                place_in(prefix=t),
                rng.randint(8, 20),
                (2019, 2021),
            )
            if not street:
                add(
                    "government",
                    "12",
                    f"舒兰市{tname}农业技术推广站",
                    "农、林、牧、渔业",
                    place_in(prefix=t),
                    rng.randint(4, 10),
                    (1980, 1995),
                )
                add(
                    "social",
                    "52",
                    f"舒兰市{tname}敬老院",
                    "卫生和社会工作",
                    place_in(prefix=t),
                    rng.randint(6, 15),
                    (1995, 2010),
                )
        # Per village or community.
        villages = sorted({g["path"][:12] for g in self.grids})
        for v in villages:
            vname = self.names.get(v, "")
            tname = self.names.get(v[:9], "")
            grids_here = [g for g in self.grids if g["path"].startswith(v)]
            if self.village_kind.get(v) == Kind.COMMUNITY:
                add(
                    "social",
                    "51",
                    f"舒兰市{tname}{vname}志愿者协会",
                    "公共管理、社会保障和社会组织",
                    place_in(grids_here),
                    rng.randint(0, 3),
                    (2012, 2022),
                )
            else:
                add(
                    "hospital",
                    "52",
                    f"舒兰市{tname}{vname}卫生室",
                    "卫生和社会工作",
                    place_in(grids_here),
                    rng.randint(1, 3),
                    (2000, 2015),
                )
                if rng.random() < 0.45:
                    add(
                        "other",
                        "N2",
                        f"舒兰市{tname}{vname}股份经济合作社",
                        "农、林、牧、渔业",
                        place_in(grids_here),
                        rng.randint(3, 9),
                        (2019, 2021),
                    )
                if rng.random() < 0.25:
                    add(
                        "school",
                        "12",
                        f"舒兰市{tname}{vname}小学",
                        "教育",
                        place_in(grids_here),
                        rng.randint(6, 20),
                        (1955, 1990),
                    )
                for _ in range(rng.choice((0, 1, 1, 2))):
                    add(
                        "other",
                        "93",
                        f"舒兰市{vname}{rng.choice(TRADE_NAMES)}{rng.choice(CO_OPS)}专业合作社",
                        "农、林、牧、渔业",
                        place_in(grids_here),
                        rng.randint(5, 60),
                        (2008, 2022),
                    )
        # Private schools, clinics, care homes and social work centres.
        for _ in range(max(total // 80, 1)):
            add(
                "school",
                "52",
                f"舒兰市{rng.choice(TRADE_NAMES)}幼儿园",
                "教育",
                place_in(urban_grids),
                rng.randint(6, 20),
                (2008, 2023),
            )
            add(
                "school",
                "52",
                f"舒兰市{rng.choice(TRADE_NAMES)}培训学校",
                "教育",
                place_in(urban_grids),
                rng.randint(3, 15),
                (2012, 2023),
            )
            add(
                "social",
                "52",
                f"舒兰市{rng.choice(TRADE_NAMES)}居家养老服务中心",
                "卫生和社会工作",
                place_in(urban_grids),
                rng.randint(4, 20),
                (2015, 2024),
            )
            add(
                "hospital",
                "92",
                f"舒兰市{self.surname()}氏诊所",
                "卫生和社会工作",
                place_in(),
                rng.randint(1, 4),
                (2005, 2023),
            )
            add(
                "social",
                "51",
                f"舒兰市{rng.choice(TRADE_NAMES)}商会",
                "公共管理、社会保障和社会组织",
                place_in(urban_grids),
                rng.randint(1, 5),
                (2010, 2023),
            )
        # The rest: enterprises and individual businesses, more in town.
        weights = _cumulative(
            [
                g["households"]
                * (4 if g["kind"] == Kind.URBAN_GRID else 1)
                * (2 if g["path"] in self.dense else 1)
                for g in self.grids
            ]
        )
        guard = 0
        while len(plan) < total and guard < total * 20:
            guard += 1
            grid = self.grids[bisect.bisect_right(weights, rng.random() * weights[-1])]
            place = rng.choice(self.places[grid["path"]])
            urban = grid["kind"] != Kind.RURAL_GRID
            if rng.random() < (0.45 if urban else 0.3):
                line, industry, _w = _weighted(rng, [(e, e[2]) for e in ENTERPRISE_LINES])
                brand = rng.choice(TRADE_NAMES) + (
                    "" if rng.random() < 0.8 else rng.choice(TRADE_NAMES)
                )
                province = "吉林省" if rng.random() < 0.12 else "舒兰市"
                add(
                    "enterprise",
                    "91",
                    f"{province}{brand}{line}有限公司",
                    industry,
                    place,
                    min(int(rng.lognormvariate(2.4, 1.0)) + 2, 800),
                    (1998, 2025),
                )
            else:
                shop, industry, _w = _weighted(rng, [(s, s[2]) for s in SHOPS])
                owner = self.surname()
                style = rng.random()
                label = (
                    f"{place.township}{owner}记{shop}"
                    if style < 0.35
                    else f"{rng.choice(TRADE_NAMES)}{shop}"
                    if style < 0.75
                    else f"{place.village}{rng.choice(TRADE_NAMES)}{shop}"
                )
                add(
                    "individual",
                    "92",
                    f"舒兰市{label}",
                    industry,
                    place,
                    rng.randint(1, 6),
                    (2008, 2025),
                )

        codes: set[str] = set()
        for kind, prefix, name, industry, place, employees, founded_on, dedicated in plan:
            code = self.credit_code(prefix, codes)
            closed = kind in ("enterprise", "individual") and rng.random() < 0.12
            state = (
                (c.OrgState.SUSPENDED if rng.random() < 0.5 else c.OrgState.CLOSED)
                if closed
                else c.OrgState.OPERATING
            )
            phone = (
                self.landline()
                if kind in ("government", "school", "hospital") or rng.random() < 0.15
                else self.mobile()
            )
            protected = protect_phone(phone)
            org = Row(
                Organisation,
                id=self.ids.take(Organisation),
                credit_code=code,
                name=name,
                kind=kind,
                legal_rep=self.surname() + self.given(rng.random() < 0.7, rng.randint(1960, 1990)),
                phone_cipher=protected.cipher,
                phone_masked=protected.masked,
                phone_hash=protected.hash,
                address=place.address,
                region_id=place.id,
                region_path=place.path,
                dedicated_grid_id=dedicated,
                employees=employees,
                industry=industry,
                founded_on=founded_on,
                state=state,
            )
            self.plan.organisations.append(org)
            if state == c.OrgState.OPERATING and employees >= 5:
                self.workplaces.append(name)

    def credit_code(self, prefix: str, used: set[str]) -> str:
        """A GB 32100 code: registration authority and kind, area, GB 11714 body, check."""
        rng = self.rng
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        while True:
            if prefix[0] == "9" or prefix == "N2" or (prefix[0] == "5" and rng.random() < 0.5):
                body8 = "MA" + "".join(rng.choice(alphabet) for _ in range(6))
            else:
                body8 = f"{rng.randint(10_000_000, 99_999_999)}"
            org_code = body8 + org_code_check_char(body8)
            first17 = f"{prefix}{COUNTY_AREA}{org_code}"
            code = first17 + credit_check_char(first17)
            if code not in used:
                used.add(code)
                return code

    # -- households ----------------------------------------------------------------------------

    def fill(self, place: Place, households: int, *, thin: bool = False) -> None:
        """The rooms of a building (or houses of a hamlet) with ``households`` households; the
        rooms left over stand vacant."""
        rng = self.rng
        if households <= 0:
            return
        rooms = self.layout(place, households, thin=thin)
        for room in rooms:
            self.plan.rooms.append(room)
            self.place_of_room[room.pk] = place
        homes = [r for r in rooms if r.use == c.RoomUse.HOME]
        vacant = set(rng.sample(range(len(homes)), max(len(homes) - households, 0)))
        rented_share = 0.11 if place.urban else 0.03
        for index, room in enumerate(homes):
            if index in vacant:
                room.occupancy = c.Occupancy.VACANT
                room.owner_name = self.surname() + self.given(rng.random() < 0.5, 1965)
                room.note = rng.choice(("", "", "房主在外地居住", "待售", "常年无人居住"))
            elif rng.random() < rented_share:
                room.occupancy = c.Occupancy.RENTED
                room.owner_name = self.surname() + self.given(rng.random() < 0.5, 1968)
                self.incomers(place, room)
            elif place.urban and rng.random() < 0.07:  # bought here, 户口 still elsewhere
                members = self.incomers(place, room, renting=False)
                room.owner_id = members[0].pk
                room.owner_name = members[0].name
            else:
                members = self.household(place, room)
                room.owner_id = members[0].pk
                room.owner_name = members[0].name
                self.plan.homes.append(Home(room=room, place=place, people=members))

    def layout(self, place: Place, households: int, *, thin: bool) -> list[Row]:
        rng = self.rng
        rooms: list[Row] = []

        def room(unit: str, number: str, use: str = c.RoomUse.HOME, area: float = 0) -> None:
            rooms.append(
                Row(
                    Room,
                    id=self.ids.take(Room),
                    building_id=place.id,
                    region_path=place.path,
                    unit=unit,
                    number=number,
                    use=use,
                    area_m2=Decimal(f"{area:.2f}") if area else None,
                    occupancy=c.Occupancy.OWNER,
                )
            )

        if not place.urban:
            total = households if thin else math.ceil(households * rng.uniform(1.05, 1.1))
            start = rng.randint(1, 40) if thin else 1
            for n in range(start, start + total):
                room("", f"{n}号", area=rng.uniform(55, 110))
            return rooms
        if thin:
            units, per_floor = rng.randint(2, 4), rng.randint(2, 4)
            floors = rng.randint(5, 7)
            picked = rng.sample(range(units * floors * per_floor), households)
            for index in sorted(picked):
                u, rest = divmod(index, floors * per_floor)
                f, r = divmod(rest, per_floor)
                room(str(u + 1), f"{f + 1}{r + 1:02d}", area=rng.uniform(48, 120))
            return rooms
        wanted = math.ceil(households * rng.uniform(1.05, 1.12))
        per_floor = rng.choice((2, 2, 3, 4))
        units = rng.choice((2, 3, 3, 4))
        floors = math.ceil(wanted / (units * per_floor))
        while floors > 18 and (units < 4 or per_floor < 4):
            if units < 4:
                units += 1
            else:
                per_floor += 1
            floors = math.ceil(wanted / (units * per_floor))
        while floors < 5 and (units > 2 or per_floor > 2):
            if per_floor > 2:
                per_floor -= 1
            else:
                units -= 1
            floors = math.ceil(wanted / (units * per_floor))
        floors = min(max(floors, 5), 30)
        sizes = [
            rng.uniform(48, 75),
            rng.uniform(70, 95),
            rng.uniform(90, 130),
            rng.uniform(60, 90),
        ]
        for u in range(1, units + 1):
            for f in range(1, floors + 1):
                for r in range(1, per_floor + 1):
                    room(str(u), f"{f}{r:02d}", area=sizes[r - 1] + rng.uniform(-2, 2))
        if rng.random() < 0.25:  # ground-floor shops
            for n in range(1, rng.randint(2, 4)):
                room("", f"门市{n}", c.RoomUse.SHOP, rng.uniform(30, 90))
                rooms[-1].occupancy = (
                    c.Occupancy.RENTED if rng.random() < 0.7 else c.Occupancy.OWNER
                )
                rooms[-1].owner_name = self.surname() + self.given(True, 1970)
                rooms[-1].note = "临街门市" if rooms[-1].occupancy == "owner" else "出租经营"
        return rooms

    def new_person(
        self,
        *,
        place: Place,
        room: Row | None,
        age: int,
        male: bool,
        kind: str = c.PersonKind.REGISTERED,
        status: str = c.ResidenceStatus.TOGETHER,
        household_no: str = "",
        relation: str = "",
        ethnicity: str = "汉族",
        surname: str | None = None,
        area: str = COUNTY_AREA,
        hukou: str = "",
        workplace: str = "",
    ) -> Row:
        rng = self.rng
        birth = self.birth(age)
        name = (surname or self.surname(ethnicity)) + self.given(male, birth.year, ethnicity)
        number = self.id_number(area, birth, male)
        protected = protect_id(number)
        phone = ""
        if age >= 16:
            chance = 0.97 if age < 70 else (0.82 if age < 80 else 0.55)
            if rng.random() < chance:
                phone = self.mobile()
            elif age >= 65 and rng.random() < 0.3:
                phone = self.landline()
        phone_p = protect_phone(phone)
        party = False
        if age >= 18:
            chance = 0.03 if age < 30 else (0.055 if age < 50 else 0.1)
            party = rng.random() < (chance * (1.2 if male else 0.55))
        person = Row(
            Person,
            id=self.ids.take(Person),
            region_id=place.id,
            region_path=place.path,
            room_id=room.pk if room else None,
            name=name,
            id_type=c.IdType.RESIDENT_ID,
            id_cipher=protected.cipher,
            id_masked=protected.masked,
            id_hash=protected.hash,
            gender=c.Gender.MALE if male else c.Gender.FEMALE,
            birth_date=birth,
            phone_cipher=phone_p.cipher,
            phone_masked=phone_p.masked,
            phone_hash=phone_p.hash,
            ethnicity=ethnicity,
            hukou_place=hukou,
            kind=kind,
            residence_status=status,
            household_no=household_no,
            relation=relation,
            is_party_member=party,
            workplace=workplace,
        )
        self.plan.people.append(person)
        self.person_by_id[person.pk] = person
        return person

    def household(self, place: Place, room: Row) -> list[Row]:
        """A registered household in ``room``: head first."""
        rng = self.rng
        urban = place.urban
        village_path = place.path[:12]
        self.household_serial[village_path] += 1
        number = f"{village_path[6:]}{self.household_serial[village_path]:05d}"
        hukou = f"吉林省舒兰市{place.township}{place.village}"
        ethnicity = _weighted(rng, ETHNICITIES)
        kind = _weighted(
            rng,
            (
                ("alone", 11),
                ("elder_couple", 17 if urban else 20),
                ("couple_kids", 30 if urban else 20),
                ("mid_couple", 13 if urban else 12),
                ("three_gen", 10 if urban else 12),
                ("left_behind", 2 if urban else 10),
                ("single", 8 if urban else 7),
                ("elder_child", 9 if urban else 7),
            ),
        )
        members: list[Row] = []
        flags: dict[int, set[str]] = self.flags

        def add(
            age: int,
            male: bool,
            relation: str,
            *,
            surname: str | None = None,
            away: bool = False,
            married_in: bool = False,
        ) -> Row:
            area = COUNTY_AREA
            eth = ethnicity
            if married_in:
                if rng.random() < 0.15:
                    area = rng.choice(MARRIED_IN)[0]
                if ethnicity != "汉族" and rng.random() < 0.4:
                    eth = "汉族"
            work = self.work(place, age, away=away, ethnicity=eth)
            person = self.new_person(
                place=place,
                room=room,
                age=max(age, 0),
                male=male,
                status=c.ResidenceStatus.AWAY if away else c.ResidenceStatus.TOGETHER,
                household_no=number,
                relation=relation,
                ethnicity=eth,
                surname=surname,
                area=area,
                hukou=hukou,
                workplace=work,
            )
            if away and 18 <= age < 60 and "就学" not in work:
                flags[person.pk].add("migrant")
            members.append(person)
            return person

        def migrant(age: int) -> bool:
            return 18 <= age < 58 and rng.random() < (0.06 if urban else 0.22)

        if kind == "alone":
            age = self.elder_age(62, 95)
            head = add(age, rng.random() < 0.35, c.Relation.HEAD)
            flags[head.pk].add("alone")
        elif kind == "elder_couple":
            age = self.elder_age(60, 90)
            head = add(age, True, c.Relation.HEAD)
            wife = add(max(age - rng.randint(-1, 5), 58), False, c.Relation.SPOUSE, married_in=True)
            for p in (head, wife):
                flags[p.pk].add("empty_nest")
        elif kind in ("couple_kids", "mid_couple"):
            age = rng.randint(28, 56) if kind == "couple_kids" else rng.randint(45, 62)
            male_head = rng.random() < 0.8
            head = add(age, male_head, c.Relation.HEAD, away=migrant(age))
            surname = head.name[0] if male_head else None
            spouse_age = age + (rng.randint(-5, 1) if male_head else rng.randint(-1, 5))
            spouse = add(
                spouse_age,
                not male_head,
                c.Relation.SPOUSE,
                married_in=True,
                away=migrant(spouse_age) and head.residence_status != "away",
            )
            if kind == "couple_kids":
                father_age = age if male_head else spouse_age
                if not male_head:
                    surname = spouse.name[0]
                for _ in range(1 if rng.random() < 0.62 else 2):
                    child_age = father_age - rng.randint(23, 35)
                    if child_age < 0:
                        continue
                    studying = 18 <= child_age <= 22 and rng.random() < 0.5
                    away = studying or (child_age > 22 and rng.random() < 0.45)
                    child = add(
                        child_age, rng.random() < 0.52, c.Relation.CHILD, surname=surname, away=away
                    )
                    if studying:
                        child.workplace = "外出就学"
                    if head.residence_status == "away" or spouse.residence_status == "away":
                        flags[child.pk].add("parent_away")
                if head.residence_status == "away" or spouse.residence_status == "away":
                    at_home = spouse if head.residence_status == "away" else head
                    flags[at_home.pk].add("migrant_family")
        elif kind in ("three_gen", "left_behind"):
            age = rng.randint(58, 78) if kind == "three_gen" else rng.randint(55, 74)
            head = add(age, True, c.Relation.HEAD)
            surname = head.name[0]
            if rng.random() < 0.82:
                add(age - rng.randint(-1, 5), False, c.Relation.SPOUSE, married_in=True)
            child_age = age - rng.randint(24, 32)
            away = kind == "left_behind" or (migrant(child_age) and rng.random() < 0.5)
            add(child_age, True, c.Relation.CHILD, surname=surname, away=away)
            mother_away = away and rng.random() < 0.8
            if rng.random() < 0.8:  # the son's wife (儿媳)
                add(
                    child_age - rng.randint(0, 4),
                    False,
                    c.Relation.OTHER,
                    married_in=True,
                    away=mother_away,
                )
            else:
                mother_away = away  # no mother in the household
            for _ in range(1 if rng.random() < 0.7 else 2):
                g_age = child_age - rng.randint(22, 32)
                if kind == "left_behind":
                    g_age = min(max(g_age, 1), 15)
                if g_age < 0:
                    continue
                grandchild = add(g_age, rng.random() < 0.52, c.Relation.GRANDCHILD, surname=surname)
                if away and g_age < 16:
                    flags[grandchild.pk].add("left_behind" if mother_away else "parent_away")
            if away:
                flags[head.pk].add("migrant_family")
        elif kind == "single":
            age = rng.randint(22, 59)
            add(age, rng.random() < (0.55 if urban else 0.75), c.Relation.HEAD, away=migrant(age))
        else:  # a widowed elder with an adult child
            age = self.elder_age(70, 96)
            male_head = rng.random() < 0.35
            head = add(age, male_head, c.Relation.HEAD)
            child_age = age - rng.randint(24, 34)
            child = add(
                child_age,
                rng.random() < 0.5,
                c.Relation.CHILD,
                surname=head.name[0] if male_head else None,
            )
            if rng.random() < 0.5:
                add(
                    child_age + rng.randint(-3, 3),
                    child.gender != "male",
                    c.Relation.OTHER,
                    married_in=True,
                )
            flags[head.pk].add("with_child")
        for person in members:
            self.flags[person.pk].add("dense" if person.region_path[:15] in self.dense else "thin")
        return members

    def work(self, place: Place, age: int, *, away: bool, ethnicity: str) -> str:
        rng = self.rng
        if age < 18:
            return ""
        if away:
            if age <= 22 and rng.random() < 0.5:
                return "外出就学"
            if ethnicity == "朝鲜族" and rng.random() < 0.6:
                return "在韩国务工"
            return f"外出务工（{rng.choice(MIGRANT_CITIES)}）"
        if age >= 62:
            return "" if rng.random() < 0.8 else ("务农" if not place.urban else "退休")
        if not place.urban:
            return "务农" if rng.random() < 0.75 else rng.choice(("个体经营", "灵活就业", ""))
        x = rng.random()
        if x < 0.5 and self.workplaces:
            return rng.choice(self.workplaces)
        if x < 0.7:
            return "个体经营"
        if x < 0.8:
            return "灵活就业"
        return ""

    def incomers(self, place: Place, room: Row, *, renting: bool = True) -> list[Row]:
        """Floating people (or county people registered elsewhere) renting ``room`` — or,
        ``renting`` false, living in a flat they bought without moving their 户口 here."""
        rng = self.rng
        local = rng.random() < (0.2 if renting else 0.1)
        area, hukou, _w = (
            (COUNTY_AREA, "吉林省舒兰市" + rng.choice(("法特镇", "白旗镇", "溪河镇", "平安镇")), 1)
            if local
            else _weighted(rng, [(f, f[2]) for f in FLOATING_FROM])
        )
        kind = (
            c.PersonKind.REGISTERED
            if local
            else (c.PersonKind.UNSETTLED if rng.random() < 0.02 else c.PersonKind.FLOATING)
        )
        status = c.ResidenceStatus.NOT_REGISTERED_HERE
        age = rng.randint(20, 55)
        male = rng.random() < 0.6
        ethnicity = "朝鲜族" if area == "222401" and rng.random() < 0.5 else "汉族"
        work = (
            rng.choice(self.workplaces)
            if self.workplaces and rng.random() < 0.5
            else rng.choice(("个体经营", "灵活就业", "务工"))
        )
        first = self.new_person(
            place=place,
            room=room,
            age=age,
            male=male,
            kind=kind,
            status=status,
            area=area,
            hukou=hukou,
            workplace=work,
            ethnicity=ethnicity,
        )
        people = [first]
        shape = rng.random()
        if shape < 0.45:
            partner_age = age + rng.randint(-4, 4)
            people.append(
                self.new_person(
                    place=place,
                    room=room,
                    age=partner_age,
                    male=not male,
                    kind=kind,
                    status=status,
                    area=area,
                    hukou=hukou,
                    workplace=rng.choice(("灵活就业", "", "个体经营")),
                    ethnicity=ethnicity,
                )
            )
            if shape < 0.25 and age > 26:
                people.append(
                    self.new_person(
                        place=place,
                        room=room,
                        age=max(age - rng.randint(22, 30), 1),
                        male=rng.random() < 0.5,
                        kind=kind,
                        status=status,
                        area=area,
                        hukou=hukou,
                        ethnicity=ethnicity,
                    )
                )
        elif shape < 0.6:  # co-workers sharing
            mate_area, mate_hukou, _w = rng.choice(FLOATING_FROM)
            people.append(
                self.new_person(
                    place=place,
                    room=room,
                    age=rng.randint(20, 45),
                    male=male,
                    kind=c.PersonKind.FLOATING,
                    status=status,
                    area=mate_area,
                    hukou=mate_hukou,
                    workplace=work,
                )
            )
        where = "dense" if place.grid in self.dense else "thin"
        for person in people:
            self.flags[person.pk] |= {"tenant" if renting else "incomer", where}
        if not renting:
            self.plan.homes.append(Home(room=room, place=place, people=people))
            return people
        starts = self.today - dt.timedelta(days=rng.randint(20, 900))
        years = max(1, math.ceil((self.today - starts).days / 365))
        ends = starts + dt.timedelta(days=365 * (years if rng.random() < 0.93 else years - 1))
        purpose = rng.choice(("居住", "居住", "居住", "务工居住", "陪读"))
        for person in people:
            if _age(person.birth_date, self.today) >= 18:
                self.plan.tenancies.append(
                    Row(
                        Tenancy,
                        id=self.ids.take(Tenancy),
                        room_id=room.pk,
                        tenant_id=person.pk,
                        region_path=room.region_path,
                        starts_on=starts,
                        ends_on=ends,
                        purpose=purpose,
                    )
                )
        self.plan.homes.append(Home(room=room, place=place, people=people, tenants=True))
        if rng.random() < 0.2:  # the tenant before them has moved on
            old_area, old_hukou, _w = rng.choice(FLOATING_FROM)
            before = self.new_person(
                place=place,
                room=None,
                age=rng.randint(22, 50),
                male=rng.random() < 0.6,
                kind=c.PersonKind.FLOATING,
                status=status,
                area=old_area,
                hukou=old_hukou,
            )
            before.state = c.PersonState.MOVED_OUT
            before.note = "租期届满退租，已离开本辖区"
            left = starts - dt.timedelta(days=rng.randint(3, 40))
            self.plan.tenancies.append(
                Row(
                    Tenancy,
                    id=self.ids.take(Tenancy),
                    room_id=room.pk,
                    tenant_id=before.pk,
                    region_path=room.region_path,
                    starts_on=left - dt.timedelta(days=365 * rng.randint(1, 3)),
                    ends_on=left,
                    ended_on=left,
                    purpose="居住",
                )
            )
        return people

    def make_foreigners(self) -> None:
        """A handful of foreign residents with passports, renting in town."""
        rng = self.rng
        rented = [h for h in self.plan.homes if h.tenants and h.place.urban]
        if not rented:
            return
        count = len(FOREIGNERS) if len(self.dense) > 20 else 1
        for name, prefix, country, male in FOREIGNERS[:count]:
            home = rng.choice(rented)
            birth = self.birth(rng.randint(24, 58))
            number = prefix + "".join(str(rng.randint(0, 9)) for _ in range(9 - len(prefix)))
            if number in self.used_ids:
                continue
            self.used_ids.add(number)
            protected = protect_id(number)
            phone = protect_phone(self.mobile())
            person = Row(
                Person,
                id=self.ids.take(Person),
                region_id=home.place.id,
                region_path=home.place.path,
                room_id=home.room.pk,
                name=name,
                id_type=c.IdType.PASSPORT,
                id_cipher=protected.cipher,
                id_masked=protected.masked,
                id_hash=protected.hash,
                gender=c.Gender.MALE if male else c.Gender.FEMALE,
                birth_date=birth,
                phone_cipher=phone.cipher,
                phone_masked=phone.masked,
                phone_hash=phone.hash,
                hukou_place=country,
                kind=c.PersonKind.FOREIGN,
                residence_status=c.ResidenceStatus.NOT_REGISTERED_HERE,
                workplace=rng.choice(("舒兰市实验中学（外籍教师）", "个体经营", "经商", "探亲")),
                note="已办理境外人员住宿登记",
            )
            self.plan.people.append(person)
            self.person_by_id[person.pk] = person
            home.people.append(person)
            self.flags[person.pk] |= {"foreign", "tenant", "dense"}
            self.plan.tenancies.append(
                Row(
                    Tenancy,
                    id=self.ids.take(Tenancy),
                    room_id=home.room.pk,
                    tenant_id=person.pk,
                    region_path=home.room.region_path,
                    starts_on=self.today - dt.timedelta(days=rng.randint(30, 500)),
                    ends_on=self.today + dt.timedelta(days=rng.randint(30, 300)),
                    purpose="居住",
                )
            )

    def make_landlords(self) -> None:
        """Registered people elsewhere in the same township own most rented and empty rooms."""
        rng = self.rng
        heads: dict[str, list[Row]] = defaultdict(list)
        for person in self.plan.people:
            if person.relation == c.Relation.HEAD and person.kind == c.PersonKind.REGISTERED:
                heads[person.region_path[:9]].append(person)
        for room in self.plan.rooms:
            if room.occupancy in (c.Occupancy.RENTED, c.Occupancy.VACANT) and room.use == "home":
                pool = heads.get(room.region_path[:9])
                if pool and rng.random() < 0.6:
                    owner = rng.choice(pool)
                    room.owner_id, room.owner_name = owner.pk, owner.name

    # -- tags ----------------------------------------------------------------------------------

    def tag(
        self,
        person: Row,
        code: str,
        reason: str,
        *,
        at: dt.datetime | None = None,
        removed: tuple[dt.datetime, str] | None = None,
    ) -> None:
        tag = self.tags.get(code)
        if tag is None:
            return
        grid = person.region_path[:15]
        actor = (
            self.worker(grid)
            if self.rng.random() < 0.85
            else (self.operators.get(grid[:12]) or self.worker(grid))
        )
        set_at = at or self.at(self.day_in_year())
        self.plan.events.append(
            Row(
                PersonTagEvent,
                id=self.ids.take(PersonTagEvent),
                person_id=person.pk,
                tag_id=tag.pk,
                region_path=person.region_path,
                action=c.TagAction.SET,
                actor_id=actor,
                at=set_at,
                reason=reason,
            )
        )
        if removed is None:
            self.plan.tags.append(
                Row(
                    PersonTag,
                    id=self.ids.take(PersonTag),
                    person_id=person.pk,
                    tag_id=tag.pk,
                    region_path=person.region_path,
                    set_by_id=actor,
                    set_at=set_at,
                    reason=reason,
                )
            )
            self.flags[person.pk].add(f"tag:{code}")
            self.tagged_at[(person.pk, code)] = set_at
            return
        when, why = removed
        when = max(when, set_at + dt.timedelta(days=7))
        if when > self.now:
            when = self.now - dt.timedelta(hours=self.rng.randint(2, 48))
        self.plan.events.append(
            Row(
                PersonTagEvent,
                id=self.ids.take(PersonTagEvent),
                person_id=person.pk,
                tag_id=tag.pk,
                region_path=person.region_path,
                action=c.TagAction.REMOVED,
                actor_id=actor,
                at=when,
                reason=why,
            )
        )

    def early(self) -> dt.datetime:
        """A moment in the first two months of the year: care tags precede a year of visits."""
        return self.at(self.year_ago + dt.timedelta(days=self.rng.randint(0, 60)))

    def later(self) -> tuple[dt.datetime, dt.datetime]:
        first = self.year_ago + dt.timedelta(days=self.rng.randint(0, 200))
        second = first + dt.timedelta(days=self.rng.randint(30, 150))
        return self.at(first), self.at(min(second, self.today))

    def make_tags(self) -> None:
        rng = self.rng
        buildings_with_informant: set[str] = set()
        for person in self.plan.people:
            flags = self.flags[person.pk]
            if person.state != c.PersonState.ACTIVE:
                continue
            age = _age(person.birth_date, self.today)
            home = person.residence_status != c.ResidenceStatus.AWAY
            if "alone" in flags and rng.random() < 0.93:
                self.tag(
                    person,
                    "elderly_alone",
                    rng.choice(
                        (
                            "配偶去世，子女在外地工作，老人独自居住",
                            "子女均在外地定居，老人独自生活",
                            "无子女，独自居住",
                            "老伴住院期间独自居住，后确认长期独居",
                        )
                    ),
                    at=self.early(),
                )
            if "empty_nest" in flags and rng.random() < 0.8:
                self.tag(person, "elderly_empty_nest", "子女均不在身边，老两口共同生活")
            if age >= 80 and home and rng.random() < 0.95:
                self.tag(person, "elderly_80", "年满80周岁，纳入高龄老人关爱")
            if age >= 75 and home and rng.random() < 0.08:
                self.tag(person, "elderly_disabled", "经评估为半失能，日常起居需要照料")
            if "left_behind" in flags and rng.random() < 0.92:
                self.tag(
                    person, "left_behind_child", "父母均外出务工，由祖父母照料", at=self.early()
                )
            if "with_child" in flags and age >= 70 and rng.random() < 0.15:
                first, second = self.later()
                self.tag(
                    person,
                    "elderly_alone",
                    "老人独自居住",
                    at=first,
                    removed=(second, "子女返乡照顾，已与子女共同居住"),
                )
            if "parent_away" in flags and age < 16 and rng.random() < 0.3:
                first, second = self.later()
                self.tag(
                    person,
                    "left_behind_child",
                    "父母外出务工",
                    at=first,
                    removed=(second, "母亲返乡就业，孩子由母亲照顾"),
                )
            if home and rng.random() < (0.006 if age >= 16 else 0.002):
                self.tag(
                    person,
                    "disabled_severe",
                    rng.choice(
                        (
                            "持一级肢体残疾证",
                            "持二级智力残疾证",
                            "持一级视力残疾证",
                            "持二级精神残疾证",
                        )
                    ),
                    at=self.early(),
                )
            elif rng.random() < 0.025:
                self.tag(
                    person,
                    "disabled",
                    rng.choice(
                        (
                            "持三级肢体残疾证",
                            "持四级听力残疾证",
                            "持三级视力残疾证",
                            "持四级肢体残疾证",
                        )
                    ),
                )
            if person.relation == c.Relation.HEAD and rng.random() < 0.035:
                if rng.random() < 0.15:
                    first, second = self.later()
                    self.tag(
                        person,
                        "low_income",
                        "家庭人均收入低于低保标准，经审核纳入低保",
                        at=first,
                        removed=(second, "家庭成员就业，收入提高，退出低保"),
                    )
                else:
                    self.tag(person, "low_income", "家庭人均收入低于低保标准，经审核纳入低保")
            if "alone" in flags and rng.random() < 0.03:
                self.tag(person, "extreme_poverty", "无劳动能力、无生活来源、无法定赡养人")
            if person.relation == c.Relation.HEAD and rng.random() < 0.008:
                self.tag(person, "serious_illness", "家庭成员患重病，医疗支出较大")
            rural = person.region_path[6] != "0"  # townships 1xx and 2xx are towns and 乡
            if rural and person.relation == c.Relation.HEAD and rng.random() < 0.012:
                self.tag(person, "monitored_household", "因病存在返贫风险，纳入防返贫监测")
            if person.gender == "male" and 25 <= age <= 75 and rng.random() < 0.03:
                self.tag(person, "veteran", "退役军人，已建档立卡")
            if "migrant" in flags:
                city = person.workplace.removeprefix("外出务工（").removesuffix("）")
                self.tag(person, "migrant_worker", f"常年在{city or '外地'}务工")
            elif person.kind == "registered" and 25 <= age < 55 and home and rng.random() < 0.02:
                first, second = self.later()
                self.tag(
                    person,
                    "migrant_worker",
                    "外出务工",
                    at=first,
                    removed=(second, "已返乡，在本地就业"),
                )
            if "migrant_family" in flags and rng.random() < 0.7:
                self.tag(person, "migrant_family", "家人外出务工，留守在家")
            if "tenant" in flags and age >= 18 and rng.random() < 0.85:
                self.tag(person, "rental_tenant", "租住本辖区房屋，已登记")
                if rng.random() < 0.25:
                    first, second = self.later()
                    self.tag(
                        person,
                        "new_resident",
                        "近期迁入本辖区",
                        at=first,
                        removed=(second, "居住已满半年，转为常住"),
                    )
            if "foreign" in flags:
                self.tag(person, "foreign_resident", "境外人员，已办理住宿登记")
            if person.is_party_member and rng.random() < 0.9:
                self.tag(person, "party_member", "党组织关系在本社区（村）")
            if 18 <= age <= 70 and home and rng.random() < 0.02:
                self.tag(person, "volunteer", "参加社区（村）志愿服务队")
            building = person.region_path
            if (
                "dense" in flags
                and person.relation == c.Relation.HEAD
                and 40 <= age <= 70
                and home
                and building not in buildings_with_informant
                and rng.random() < 0.2
            ):
                buildings_with_informant.add(building)
                self.tag(person, "grid_informant", "担任楼栋长（信息员），协助网格员收集信息")
            # Sensitive groups: rare.
            if age >= 18 and rng.random() < 0.0028:
                self.tag(person, "mental_disorder", "经精神专科医院诊断，纳入严重精神障碍患者管理")
            if 18 <= age <= 60 and rng.random() < 0.0006:
                if rng.random() < 0.3:
                    first, second = self.later()
                    self.tag(
                        person,
                        "community_correction",
                        "经法院判决，在本地接受社区矫正",
                        at=first,
                        removed=(second, "矫正期满，依法解除社区矫正"),
                    )
                else:
                    self.tag(person, "community_correction", "经法院判决，在本地接受社区矫正")
            if 20 <= age <= 65 and person.gender == "male" and rng.random() < 0.0012:
                self.tag(person, "released_prisoner", "刑满释放，纳入安置帮教")
            if 16 <= age <= 25 and rng.random() < 0.002:
                self.tag(person, "idle_youth", "辍学在家，无固定工作")
            if age >= 35 and home and rng.random() < 0.0008:
                self.tag(person, "petitioner", "多次到市信访局反映征地补偿问题")
            if age >= 25 and home and rng.random() < 0.002:
                first, second = self.later()
                self.tag(
                    person,
                    "dispute_party",
                    rng.choice(
                        (
                            "与楼上邻居因漏水问题发生纠纷",
                            "与邻居因宅基地边界发生纠纷",
                            "与承包方因土地流转费用发生纠纷",
                        )
                    ),
                    at=first,
                    removed=(second, "经调解达成协议，纠纷已化解") if rng.random() < 0.7 else None,
                )

    # -- care contracts and visits -------------------------------------------------------------

    CARE = {
        "elderly_alone": "每周上门探视，了解身体和生活状况，协助就医购药、代办事项，冬季检查取暖安全",
        "left_behind_child": "定期家访，关注学习和心理状况，联系学校和在外务工的父母，假期安全教育",
        "disabled_severe": "定期上门探视，协助办理残疾人补贴和辅具申请，了解康复和生活需求",
    }

    def make_contracts(self) -> None:
        rng = self.rng
        for person in self.plan.people:
            flags = self.flags[person.pk]
            if "dense" not in flags or person.state != c.PersonState.ACTIVE:
                continue
            codes = [code for code in self.CARE if f"tag:{code}" in flags]
            if not codes or rng.random() > 0.88:
                continue
            code = codes[0]
            tag = self.tags[code]
            grid = person.region_path[:15]
            carer = self.workers.get(grid, [None])[0]
            if carer is None:
                continue
            set_day = timezone.localtime(self.tagged_at[(person.pk, code)], self.tz).date()
            start = min(set_day + dt.timedelta(days=rng.randint(0, 14)), self.today)
            ended = rng.random() < 0.03
            contract = Row(
                CareContract,
                id=self.ids.take(CareContract),
                person_id=person.pk,
                region_path=person.region_path,
                tag_id=tag.pk,
                carer_id=carer,
                services=self.CARE[code],
                visit_every_days=tag.visit_every_days or 30,
                starts_on=start,
                ends_on=self.today - dt.timedelta(days=rng.randint(10, 90)) if ended else None,
                state=c.ContractState.ENDED if ended else c.ContractState.ACTIVE,
            )
            self.plan.contracts.append(contract)

    FINDINGS_NORMAL = {
        "elderly_alone": (
            "老人身体状况良好，生活正常",
            "测量血压正常，叮嘱按时服药",
            "家中取暖正常，已检查烟道",
            "老人精神状态好，已宣传防诈骗知识",
            "协助老人代购药品",
            "帮助老人打扫室内卫生",
        ),
        "left_behind_child": (
            "孩子学习生活正常，与祖父母相处融洽",
            "已与班主任沟通，在校表现良好",
            "开展假期防溺水安全教育",
            "孩子与父母每周视频通话，情绪稳定",
        ),
        "disabled_severe": (
            "身体状况稳定，家属照料到位",
            "两项补贴按时发放",
            "协助预约康复训练",
            "了解辅具使用情况，运行良好",
        ),
    }
    FINDINGS_PROBLEM = {
        "elderly_alone": (
            "老人反映近期血压偏高，已联系家庭医生上门",
            "屋内取暖炉烟道老化，存在一氧化碳中毒隐患，已提醒并上报",
            "冬季储煤不足，已联系村（社区）协调解决",
            "自来水管冻裂，已联系物业维修",
            "老人情绪低落，子女长期未联系，已电话联系其子女",
            "老人不慎摔伤，已协助送医",
        ),
        "left_behind_child": (
            "孩子学习成绩下滑，已与班主任沟通",
            "监护人年迈，孩子上下学无人接送，已协调志愿者",
            "孩子沉迷手机游戏，已与父母视频沟通",
        ),
        "disabled_severe": (
            "轮椅损坏，已协助申请辅具更换",
            "残疾人两项补贴未到账，已向民政办反映",
            "家中无障碍设施缺失，已上报申请改造",
        ),
    }
    NOBODY = (
        "敲门无人应答，电话联系得知去子女家小住",
        "家中无人，电话联系得知外出就医，约定改日再访",
        "无人在家，已留联系卡",
    )

    def result(self, problem_rate: float = 0.07) -> str:
        x = self.rng.random()
        if x < problem_rate:
            return c.VisitResult.PROBLEM
        if x < problem_rate + 0.05:
            return c.VisitResult.NOBODY
        return c.VisitResult.NORMAL

    def visit(
        self,
        *,
        at: dt.datetime,
        kind: str,
        visitor: int,
        region_path: str,
        result: str,
        findings: str,
        person: Row | None = None,
        room_id: int | None = None,
        organisation: Row | None = None,
        contract: Row | None = None,
    ) -> Row:
        place = self.place_of_room.get(room_id or 0)
        lng = lat = None
        if place and place.lng is not None and place.lat is not None:
            lng = place.lng + self.rng.uniform(-0.0003, 0.0003)
            lat = place.lat + self.rng.uniform(-0.0002, 0.0002)
        case_id = None
        if result == c.VisitResult.PROBLEM and self.rng.random() < 0.25:
            case_id = self.case_after(region_path[:15], at)
        visit = Row(
            Visit,
            id=self.ids.take(Visit),
            region_path=region_path,
            person_id=person.pk if person else None,
            room_id=room_id,
            organisation_id=organisation.pk if organisation else None,
            contract_id=contract.pk if contract else None,
            visitor_id=visitor,
            visited_at=at,
            kind=kind,
            result=result,
            findings=findings,
            follow_up_case_id=case_id,
            lng=lng,
            lat=lat,
        )
        self.plan.visits.append(visit)
        return visit

    def case_after(self, grid: str, at: dt.datetime) -> int | None:
        """A case of ``grid`` reported within three days after ``at`` (the problem found)."""
        cases = self.cases.get(grid)
        if not cases:
            return None
        i = bisect.bisect_left(cases, (at, 0))
        if i < len(cases) and cases[i][0] - at < dt.timedelta(days=3):
            return cases[i][1]
        return None

    def make_visits(self) -> None:
        rng = self.rng
        tag_code = {t.pk: t.code for t in self.tags.values()}
        # Care visits at about the contract's interval; some carers fall behind lately.
        for contract in self.plan.contracts:
            person = self.person_by_id[contract.person_id]
            code = tag_code[contract.tag_id or 0]
            every = contract.visit_every_days
            end = contract.ends_on or self.today
            behind = contract.state == c.ContractState.ACTIVE and rng.random() < 0.08
            if behind:
                end = self.today - dt.timedelta(days=int(every * rng.uniform(1.2, 3.0)))
            day = max(contract.starts_on, self.year_ago) + dt.timedelta(days=rng.randint(0, 3))
            last: dt.datetime | None = None
            while day <= end:
                result = self.result()
                findings = (
                    rng.choice(self.FINDINGS_PROBLEM[code])
                    if result == "problem"
                    else rng.choice(self.NOBODY)
                    if result == "nobody"
                    else rng.choice(self.FINDINGS_NORMAL[code])
                    if rng.random() < 0.6
                    else ""
                )
                at = self.at(day)
                self.visit(
                    at=at,
                    kind=c.VisitKind.CARE,
                    visitor=contract.carer_id,
                    region_path=person.region_path,
                    result=result,
                    findings=findings,
                    person=person,
                    room_id=person.room_id,
                    contract=contract,
                )
                last = max(last, at) if last else at
                gap = every * (
                    rng.uniform(1.3, 2.2) if rng.random() < 0.04 else rng.uniform(0.7, 1.1)
                )
                day += dt.timedelta(days=max(1, round(gap)))
            contract.last_visit_at = last
        # Routine household visits and information checks in the dense sample.
        homes_by_grid: dict[str, list[Home]] = defaultdict(list)
        for home in self.plan.homes:
            homes_by_grid[home.place.grid].append(home)
        for grid, homes in homes_by_grid.items():
            visitor = self.workers.get(grid, [None])[0] or self.operators.get(grid[:12])
            if visitor is None:
                continue
            dense = grid in self.dense
            for home in homes:
                head = next(
                    (p for p in home.people if p.residence_status != c.ResidenceStatus.AWAY),
                    home.people[0],
                )
                if home.tenants:
                    times = rng.randint(2, 4) if dense else rng.randint(0, 1)
                    kind = c.VisitKind.RENTAL
                else:
                    times = rng.choice((0, 1, 1, 2, 3)) if dense else rng.choice((0, 1))
                    kind = c.VisitKind.ROUTINE
                for _ in range(times):
                    this_kind = (
                        c.VisitKind.VERIFY if kind == "routine" and rng.random() < 0.3 else kind
                    )
                    result = self.result(0.05)
                    findings = self.routine_findings(this_kind, result)
                    self.visit(
                        at=self.at(self.day_in_year()),
                        kind=this_kind,
                        visitor=visitor,
                        region_path=head.region_path,
                        result=result,
                        findings=findings,
                        person=head,
                        room_id=home.room.pk,
                    )
        # Organisation visits.
        for org in self.plan.organisations:
            grid = org.region_path[:15]
            visitor = self.worker(grid)
            if visitor is None or org.state == c.OrgState.CLOSED:
                continue
            times = rng.randint(2, 4) if grid in self.dense else rng.randint(0, 2)
            for _ in range(times):
                result = self.result(0.08)
                findings = (
                    rng.choice(
                        (
                            "消防通道堆放杂物，已要求当场清理",
                            "灭火器过期未更换，已下达整改提示",
                            "从业人员信息未及时更新，已督促补录",
                            "门前三包落实不到位，已提醒整改",
                            "电动车在室内充电，存在火灾隐患，已要求整改",
                        )
                    )
                    if result == "problem"
                    else "单位大门上锁，负责人外出"
                    if result == "nobody"
                    else rng.choice(
                        (
                            "安全生产检查，未发现隐患",
                            "宣传扫黑除恶和反诈知识",
                            "核实从业人员信息",
                            "了解经营情况，无诉求",
                            "",
                        )
                    )
                )
                self.visit(
                    at=self.at(self.day_in_year()),
                    kind=c.VisitKind.ORGANISATION,
                    visitor=visitor,
                    region_path=org.region_path,
                    result=result,
                    findings=findings,
                    organisation=org,
                )

    def routine_findings(self, kind: str, result: str) -> str:
        rng = self.rng
        problems: dict[str, tuple[str, ...]]
        normal: dict[str, tuple[str, ...]]
        if result == c.VisitResult.NOBODY:
            return rng.choice(self.NOBODY)
        if result == c.VisitResult.PROBLEM:
            problems = {
                c.VisitKind.RENTAL: (
                    "承租人员有变动未登记，已督促房主补报",
                    "出租房屋内私拉电线，已要求整改",
                    "租住人员未办理居住证，已告知办理流程",
                ),
                c.VisitKind.VERIFY: (
                    "联系电话已停机，已更新",
                    "家庭成员外出务工信息有变化，已更新",
                ),
            }
            return rng.choice(
                problems.get(
                    kind,
                    (
                        "楼道堆放杂物，已提醒清理",
                        "反映楼顶漏水，已上报物业",
                        "反映路灯不亮，已上报",
                        "邻里因噪音发生争执，已现场劝解",
                    ),
                )
            )
        normal = {
            c.VisitKind.RENTAL: ("承租人员信息与登记一致", "检查消防安全，未发现隐患", ""),
            c.VisitKind.VERIFY: ("核实家庭成员信息，无变化", "更新联系电话", "核实人户状态"),
        }
        return rng.choice(
            normal.get(
                kind, ("入户走访，宣传反诈知识", "了解家庭情况，无诉求", "收集群众意见建议", "")
            )
        )

    # -- change history for the demo grid ------------------------------------------------------

    def make_changes(self) -> None:
        rng = self.rng
        actor = self.workers.get(DEMO_GRID, [None])[0]
        if actor is None:
            return
        operator = self.operators.get(DEMO_GRID[:12], actor)
        people = [
            p
            for p in self.plan.people
            if p.region_path.startswith(DEMO_GRID) and p.kind != "foreign"
        ]
        rooms = [r for r in self.plan.rooms if r.region_path.startswith(DEMO_GRID)]
        plans: list[tuple[Row, dict[str, Any], str, str]] = []
        for person in people:
            age = _age(person.birth_date, self.today)
            if age < 16:
                continue
            x = rng.random()
            if x < 0.2 and person.phone_masked and person.phone_masked.startswith("1"):
                plans.append(
                    (
                        person,
                        {"phone_masked": mask_phone(self.mobile())},
                        "本人更换手机号码",
                        "update",
                    )
                )
            elif x < 0.32 and person.workplace and "务" not in person.workplace:
                previous = rng.choice(self.workplaces) if self.workplaces else "灵活就业"
                if previous != person.workplace:
                    plans.append((person, {"workplace": previous}, "工作单位变更", "update"))
            elif x < 0.45 and person.residence_status == c.ResidenceStatus.AWAY:
                plans.append(
                    (
                        person,
                        {"residence_status": c.ResidenceStatus.TOGETHER, "workplace": ""},
                        "外出务工（就学），户在人不在",
                        "update",
                    )
                )
            elif x < 0.52 and person.is_party_member:
                plans.append(
                    (person, {"is_party_member": False}, "预备党员转正，补录党员信息", "update")
                )
            elif x < 0.55 and person.kind == c.PersonKind.REGISTERED:
                plans.append(
                    (
                        person,
                        {
                            "name": person.name[0]
                            + self.given(person.gender == "male", person.birth_date.year)
                        },
                        "姓名录入错误，按户口簿更正",
                        "update",
                    )
                )
            if person.state == c.PersonState.MOVED_OUT:
                plans.append(
                    (person, {"state": c.PersonState.ACTIVE}, "租期届满，已搬离本辖区", "delete")
                )
        for room in rooms:
            x = rng.random()
            if room.occupancy == c.Occupancy.RENTED and x < 0.5:
                plans.append((room, {"occupancy": c.Occupancy.OWNER}, "房屋出租登记", "update"))
            elif room.occupancy == c.Occupancy.VACANT and x < 0.5:
                plans.append(
                    (room, {"occupancy": c.Occupancy.OWNER}, "住户搬离，房屋空置", "update")
                )
            elif x < 0.15 and room.area_m2 is not None:
                plans.append((room, {"area_m2": None}, "补录房屋面积", "update"))
        # A few people died this year in the demo grid: taken off the register.
        visited = {v.person_id for v in self.plan.visits if v.region_path.startswith(DEMO_GRID)}
        elders = [
            p
            for p in people
            if _age(p.birth_date, self.today) >= 78
            and p.relation != "head"
            and p.state == c.PersonState.ACTIVE
            and not any(f.startswith("tag:") for f in self.flags[p.pk])
            and p.pk not in visited
        ]
        for person in rng.sample(elders, min(3, len(elders))):
            person.state = c.PersonState.DECEASED
            person.note = "因病去世，已注销"
            plans.append((person, {"state": c.PersonState.ACTIVE}, "因病去世，死亡注销", "delete"))
        versions: dict[tuple[str, int], int] = defaultdict(int)
        stamps = sorted(self.at(self.day_in_year()) for _ in plans)
        rng.shuffle(plans)
        for (obj, old, reason, action), at in zip(plans, stamps, strict=True):
            instance = obj.instance()
            after = snapshot(instance)
            before = {**after, **{k: _jsonish(v) for k, v in old.items()}}
            changed = sorted(k for k in after if before.get(k) != after.get(k))
            if action == "update":
                before = {k: before[k] for k in changed}
                after = {k: after[k] for k in changed}
            model = instance._meta.model_name or ""
            versions[(model, obj.pk)] += 1
            self.plan.changes.append(
                RegistryChange(
                    model=model,
                    object_id=obj.pk,
                    region_path=getattr(obj, "region_path", ""),
                    action=action,
                    actor_id=operator if action == "delete" else actor,
                    at=at,
                    before=before,
                    after=after,
                    reason=reason,
                )
            )
        for obj in [*people, *rooms]:
            model = obj._model._meta.model_name or ""
            obj.version = 1 + versions.get((model, obj.pk), 0)


def _jsonish(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out
